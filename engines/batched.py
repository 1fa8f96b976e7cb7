"""The batched, row-sparse training engine behind ``python run.py`` (the default path).

It optimises the same objective as ``word2vec_sgd_wrapper`` with ``skipgram``
and ``negSamplingLossAndGradient``: each iteration takes 50 windows (size
drawn uniformly from 1..C, centre and context as ``getRandomContext`` defines
them, over the subsampled corpus as ``allSentences`` defines it), K negatives
per (centre, outside) pair from the count**0.75 table (redrawn while equal to
the outside word), and returns the loss summed over each window's pairs and
averaged over the 50 windows, with its gradient.

What makes it fast:

* sampling does not depend on the parameters, so the windows and negatives of
  a whole chunk of iterations are drawn at once, vectorised, with a seeded
  ``numpy.random.Generator``; each chunk has its own generator derived from
  (seed, chunk number), so any iteration can be reproduced on resume;
* the loss and gradient of all pairs of an iteration come from one call of
  ``word2vec.neg_sampling_core``, the same code the per-pair functions use;
* the gradient is a ``RowSparseGrad`` of the few thousand rows an iteration
  touches, summed over repeated rows with an index plan made while sampling,
  so no 2V x d array is ever allocated per iteration.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from sgd import RowSparseGrad
from utils.treebank import CORPUS_COPIES, build_sample_table
from word2vec import BATCH_SIZE, neg_sampling_core, target_gradients

CHUNK_ITERATIONS = 500   # iterations sampled at once
SCRATCH_CELLS = 1 << 22  # size of the scatter-planning table (int32 cells)


class SubsampledCorpus:
    """``allSentences()`` as flat arrays: token ids and sentence starts/lengths.

    dataset -- a StanfordSentiment (its sentences, tokens and reject probabilities)
    rng -- the Generator that decides which occurrences are dropped

    The definition is the assignment's: 30 copies of the corpus, an occurrence
    of word i dropped with probability rejectProb[i], sentences of fewer than 2
    kept words dropped.
    """

    def __init__(self, dataset, rng, copies=CORPUS_COPIES):
        tokens = dataset.tokens()
        sentences = dataset.sentences()
        ids = np.fromiter((tokens[w] for s in sentences for w in s), dtype=np.int64)
        lengths = np.fromiter((len(s) for s in sentences), dtype=np.int64)
        sentence_of = np.repeat(np.arange(len(sentences)), lengths)

        reject = dataset.rejectProb()[np.tile(ids, copies)]
        keep = (reject <= 0) | (rng.random(reject.shape[0]) >= reject)
        copy_sentence = (np.repeat(np.arange(copies), ids.shape[0]) * len(sentences)
                         + np.tile(sentence_of, copies))[keep]
        kept_ids = np.tile(ids, copies)[keep]

        kept_len = np.bincount(copy_sentence, minlength=copies * len(sentences))
        long_enough = kept_len[copy_sentence] > 1
        self.ids = kept_ids[long_enough]
        self.lengths = kept_len[kept_len > 1]
        self.starts = np.concatenate(([0], np.cumsum(self.lengths)[:-1]))

    def __len__(self):
        return self.lengths.shape[0]


class Chunk:
    """The sampled pairs of ``n`` consecutive iterations and their scatter plan.

    centers -- (P,) centre word of every (c, o) pair, iteration by iteration
    windows -- (P,) the window each pair comes from
    targets -- (P, K + 1) the outside word o, then its K negatives
    target_rows -- V + targets, their rows in the (2V, d) parameters
    pair_bounds -- (n + 1,) iteration j's pairs are pair_bounds[j]:pair_bounds[j + 1]
    entry_bounds, slot, row_bounds, rows -- how iteration j's gradient entries
        [centres, targets] sum onto its distinct rows (see _plan_scatter)
    """


class BatchedSkipgram:
    """f(x) for ``sgd``: one iteration of batched skip-gram with negative sampling.

    dataset -- a StanfordSentiment
    window -- C, the largest window size
    K -- negatives per (centre, outside) pair
    seed -- decides the subsampled corpus and every later draw
    batch -- windows per iteration (50, as in the assignment)
    dim -- d, the number of columns of the parameters it will be called with

    Call it with the (2V, d) parameters (centre vectors over outside vectors);
    it returns (loss, RowSparseGrad) for the next iteration. ``get_state`` and
    ``set_state`` (the iteration counter) let a checkpoint resume it exactly.
    """

    def __init__(self, dataset, window=5, K=10, seed=31415, batch=BATCH_SIZE,
                 chunk_iterations=CHUNK_ITERATIONS, dim=10):
        self.window, self.K, self.seed, self.batch = int(window), int(K), int(seed), int(batch)
        self.dim = int(dim)  # d, the width of the vectors it will be called with
        self._dims = np.arange(self.dim)
        self.chunk_iterations = int(chunk_iterations)
        self.V = len(dataset.tokens())
        self.corpus = SubsampledCorpus(dataset, self._rng(0))
        self.table = np.asarray(build_sample_table(dataset.sampling_probabilities(),
                                                   dataset.tablesize), dtype=np.int64)
        self.iteration = 0
        self._chunk = None
        self._chunk_index = -1
        self._pool = ThreadPoolExecutor(max_workers=1)
        self._scratch = None
        self._scratch_lock = threading.Lock()
        self._ahead = None  # (chunk number, future) being sampled in the background

    def _rng(self, *key):
        """An independent Generator for (seed, key): chunk k uses key (1, k)."""
        return np.random.Generator(np.random.PCG64(
            np.random.SeedSequence(self.seed, spawn_key=key)))

    # ---- state for checkpoints -------------------------------------------

    def get_state(self):
        return {"iteration": self.iteration, "seed": self.seed}

    def set_state(self, state):
        if state["seed"] != self.seed:
            raise ValueError("the checkpoint was made with seed %d, this run uses %d"
                             % (state["seed"], self.seed))
        self.iteration = int(state["iteration"])

    # ---- sampling ---------------------------------------------------------

    def sample_windows(self, rng, n):
        """n windows: (window sizes (n,), centre ids (n,), context mask and ids (n, 2C)).

        Exactly getRandomContext's definition: a sentence uniformly over the
        subsampled corpus, a position uniformly in it, up to C1 words each side,
        occurrences of the centre word removed, drawn again if none remain.
        """
        C = self.window
        corpus = self.corpus
        sizes = rng.integers(1, C + 1, size=n)
        offsets = np.concatenate((np.arange(-C, 0), np.arange(1, C + 1)))
        centers = np.empty(n, dtype=np.int64)
        context = np.empty((n, 2 * C), dtype=np.int64)
        valid = np.zeros((n, 2 * C), dtype=bool)
        todo = np.arange(n)
        while todo.size:
            sent = rng.integers(0, len(corpus), size=todo.size)
            length = corpus.lengths[sent]
            pos = rng.integers(0, length)
            where = pos[:, None] + offsets
            inside = ((np.abs(offsets) <= sizes[todo, None]) & (where >= 0)
                      & (where < length[:, None]))
            flat = corpus.starts[sent, None] + np.clip(where, 0, length[:, None] - 1)
            words = corpus.ids[flat]
            center = corpus.ids[corpus.starts[sent] + pos]
            ok = inside & (words != center[:, None])
            centers[todo], context[todo], valid[todo] = center, words, ok
            todo = todo[~ok.any(axis=1)]  # no context left: draw those windows again
        return sizes, centers, valid, context

    def sample_negatives(self, rng, outsides):
        """(P, K) negatives from the count**0.75 table, none equal to its pair's outside word."""
        tablesize = self.table.shape[0]
        negs = self.table[rng.integers(0, tablesize, size=(outsides.shape[0], self.K))]
        clash = negs == outsides[:, None]
        while clash.any():
            negs[clash] = self.table[rng.integers(0, tablesize, size=int(clash.sum()))]
            clash = negs == outsides[:, None]
        return negs

    def sample_chunk(self, index):
        """Sample iterations [index * n, (index + 1) * n) and plan their scatter-adds."""
        n, B, V = self.chunk_iterations, self.batch, self.V
        rng = self._rng(1, index)
        _, centers, valid, context = self.sample_windows(rng, n * B)
        win, slot = np.nonzero(valid)            # pairs, window by window
        chunk = Chunk()
        chunk.start = index * n
        chunk.centers = centers[win].astype(np.int32)
        chunk.windows = win.astype(np.int32)  # which window (of the chunk's n * 50) each pair belongs to
        outsides = context[win, slot]
        # Row rank 0 is the outside word, ranks 1..K its negatives (neg_sampling_core's layout).
        chunk.targets = np.concatenate(
            (outsides[:, None], self.sample_negatives(rng, outsides)), axis=1, dtype=np.int32)
        chunk.target_rows = V + chunk.targets  # their rows in the stacked (2V, d) matrix

        per_iter = np.bincount(win // B, minlength=n)
        chunk.pair_bounds = np.concatenate(([0], np.cumsum(per_iter)))
        self._plan_scatter(chunk, per_iter)
        return chunk

    def _plan_scatter(self, chunk, per_iter):
        """Precompute, per iteration, how its gradient entries sum onto distinct rows.

        Iteration j's entries are laid out as [centre rows (P_j), then V + the
        target rows of each pair (P_j * (K + 1))], the order in which
        ``__call__`` concatenates the gradients. For every entry the plan gives
        ``slot``, the index of its row among the iteration's distinct rows, and
        for every iteration those distinct ``rows``. Done for the whole chunk at
        once, with a scratch table of (iteration, row) cells instead of a sort.
        """
        T, V = self.K + 1, self.V
        n = per_iter.shape[0]
        it_of_pair = np.repeat(np.arange(n), per_iter)
        entries = per_iter * (1 + T)
        entry_bounds = np.concatenate(([0], np.cumsum(entries)))
        local = np.arange(it_of_pair.shape[0]) - chunk.pair_bounds[it_of_pair]
        base = entry_bounds[it_of_pair]

        rows = np.empty(entry_bounds[-1], dtype=np.int32)
        rows[base + local] = chunk.centers
        rows[(base + per_iter[it_of_pair] + local * T)[:, None] + np.arange(T)] = \
            chunk.target_rows
        it_of_entry = np.repeat(np.arange(n), entries)

        # Each (iteration, row) cell of the scratch table ends up holding the
        # position of one of its entries: that entry represents the row. The
        # table is kept between chunks (its pages are touched once) and covers
        # as many iterations at a time as fit in SCRATCH_CELLS.
        E = rows.shape[0]
        rep = np.empty(E, dtype=np.int32)
        group = max(1, SCRATCH_CELLS // (2 * V))
        with self._scratch_lock:
            if self._scratch is None:
                self._scratch = np.zeros(group * 2 * V, dtype=np.int32)
            scratch = self._scratch
            for g0 in range(0, n, group):
                e0, e1 = entry_bounds[g0], entry_bounds[min(g0 + group, n)]
                cells = (it_of_entry[e0:e1] - g0) * (2 * V) + rows[e0:e1]
                scratch[cells] = np.arange(e0, e1, dtype=np.int32)
                rep[e0:e1] = scratch[cells]
        is_rep = rep == np.arange(E, dtype=np.int32)
        reps_before = np.zeros(E + 1, dtype=np.int32)
        np.cumsum(is_rep, out=reps_before[1:])
        chunk.entry_bounds = entry_bounds
        chunk.row_bounds = reps_before[entry_bounds]
        chunk.slot = reps_before[rep] - chunk.row_bounds[it_of_entry]
        chunk.slot_d = chunk.slot.astype(np.int64) * self.dim  # first cell of its row
        chunk.rows = rows[is_rep]

    def _chunk_for(self, iteration):
        """The chunk holding ``iteration``, sampled when first needed."""
        index = iteration // self.chunk_iterations
        if index != self._chunk_index:
            ahead = self._ahead
            if ahead is not None and ahead[0] == index:
                self._chunk = ahead[1].result()
            else:
                self._chunk = self.sample_chunk(index)
            self._chunk_index = index
            self._ahead = (index + 1, self._pool.submit(self.sample_chunk, index + 1))
        return self._chunk

    # ---- one iteration -------------------------------------------------------

    def pairs(self, iteration):
        """An iteration's pairs: (windows (P,) numbered 0..49, centers (P,),
        targets (P, K + 1): o first, then its negatives)."""
        chunk = self._chunk_for(iteration)
        j = iteration - chunk.start
        a, b = chunk.pair_bounds[j], chunk.pair_bounds[j + 1]
        return chunk.windows[a:b] - j * self.batch, chunk.centers[a:b], chunk.targets[a:b]

    def __call__(self, x):
        iteration = self.iteration
        chunk = self._chunk_for(iteration)
        j = iteration - chunk.start
        a, b = chunk.pair_bounds[j], chunk.pair_bounds[j + 1]
        d = self.dim
        if x.shape != (2 * self.V, d):
            raise ValueError("the parameters must have shape (2V, d) = (%d, %d); got %s"
                             % (2 * self.V, d, x.shape))

        # take() is the quick way to gather rows.
        center = x.take(chunk.centers[a:b], axis=0)
        loss, g_center, dscores = neg_sampling_core(
            center, x.take(chunk.target_rows[a:b], axis=0))

        # The entries in the plan's order: centre rows, then each pair's targets.
        P = b - a
        values = np.empty((chunk.entry_bounds[j + 1] - chunk.entry_bounds[j], d))
        values[:P] = g_center
        target_gradients(dscores, center, out=values[P:].reshape(P, -1, d))
        e0, e1 = chunk.entry_bounds[j], chunk.entry_bounds[j + 1]
        r0, r1 = chunk.row_bounds[j], chunk.row_bounds[j + 1]
        # Sum the entries of each distinct row: one bincount over (slot, dim) cells.
        cells = chunk.slot_d[e0:e1, None] + self._dims
        summed = np.bincount(cells.ravel(), weights=values.ravel(), minlength=(r1 - r0) * d)
        summed = summed.reshape(r1 - r0, d)
        summed /= self.batch
        self.iteration = iteration + 1
        return np.sum(loss) / self.batch, RowSparseGrad(chunk.rows[r0:r1], summed)
