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
  a chunk of 500 iterations are drawn at once, on a background thread, by a
  seeded ``numpy.random.Generator`` (every draw is NumPy's; compiled code
  only lays the draws out); each chunk has its own generator derived from
  (seed, chunk number), so any iteration can be reproduced on resume;
* the sampling thread also numbers the distinct rows each iteration touches
  and tells every (pair, target) in which of them its gradient sums
  (``assign_slots``), so the training thread does no bookkeeping;
* an iteration's loss and gradient, and the SGD step, are compiled kernels
  (engines/batched_kernels.py: equal to ``skipgram`` on the same draws to
  rounding, and to ``sgd.apply_update`` bit for bit; tests/test_batched.py);
* the gradient is a ``RowSparseGrad`` of the rows an iteration touches, so
  nothing of size V is allocated per iteration.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from engines import compiled
from sgd import RowSparseGrad, apply_update
from utils.treebank import CORPUS_COPIES, build_sample_table
from word2vec import BATCH_SIZE, MAX_REDRAWS

CHUNK_ITERATIONS = 500   # iterations sampled at once


class SubsampledCorpus:
    """``allSentences()`` as flat arrays: token ids and sentence starts/lengths.

    dataset -- a StanfordSentiment (its sentences, tokens and reject probabilities)
    rng -- the Generator that decides which occurrences are dropped

    The definition is the assignment's: 30 copies of the corpus, an occurrence
    of word i dropped with probability rejectProb[i] (one ``rng.random()`` per
    word of every copy, in corpus order), sentences of fewer than 2 kept words
    dropped. Built copy by copy (engines/batched_kernels.subsample_copy): memory
    for the kept words only. ``kernels``: as BatchedSkipgram's.

    ids -- (N,) int32 the kept words, sentence after sentence
    starts, lengths -- (S,) int32 where each sentence starts in ids, its length
    """

    def __init__(self, dataset, rng, copies=CORPUS_COPIES, kernels=None):
        kernels = kernels if kernels is not None else compiled.load()
        tokens = dataset.tokens()
        sentences = dataset.sentences()
        ids = np.fromiter((tokens[w] for s in sentences for w in s), dtype=np.int32)
        lengths = np.fromiter(map(len, sentences), dtype=np.int64)
        reject = np.asarray(dataset.rejectProb(), dtype=np.float64)[ids]
        buffer = np.empty_like(ids)
        kept_ids, kept_lengths = [], []
        for _ in range(copies):
            n, copy_lengths = kernels.subsample_copy(ids, reject, lengths,
                                                     rng.random(ids.shape[0]), buffer)
            kept_ids.append(buffer[:n].copy())
            kept_lengths.append(copy_lengths)
        self.ids = np.concatenate(kept_ids)
        self.lengths = np.concatenate(kept_lengths)
        self.starts = np.zeros_like(self.lengths)
        np.cumsum(self.lengths[:-1], out=self.starts[1:])

    def __len__(self):
        return self.lengths.shape[0]

    def has_pairs(self):
        """Whether some window can have a context: two different words side by side.

        Without such a pair every window is drawn again forever (a word is not
        its own context); with one, a window of size 1 there has a context.
        """
        differs = self.ids[1:] != self.ids[:-1]
        differs[self.starts[1:] - 1] = False  # not across a sentence boundary
        return bool(differs.any())


@dataclass(frozen=True)
class Chunk:
    """The sampled pairs of iterations start .. start + n - 1 (P pairs in all)."""

    start: int                # the first iteration
    pair_bounds: np.ndarray   # (n + 1,) iteration start + j's pairs: pair_bounds[j]:[j + 1]
    centers: np.ndarray       # (P,) int32 centre word c of each pair
    windows: np.ndarray       # (P,) int32 its window, numbered 0 .. n * 50 - 1 in the chunk
    targets: np.ndarray       # (P, K + 1) int32 the outside word o, then its K negatives
    slots: np.ndarray         # (P, K + 2) int32 where each row's gradient sums (assign_slots)
    rows: np.ndarray          # (R,) int32 the distinct rows of each iteration, one after another
    row_bounds: np.ndarray    # (n + 1,) iteration start + j's rows: row_bounds[j]:[j + 1]


class KernelGrad(RowSparseGrad):
    """A RowSparseGrad whose ``apply(x, step)`` is the compiled ``sgd.apply_update``.

    rows -- (n,) int64 distinct rows; values -- (n, d) float64
    update -- the update kernel for parameters of dtype ``dtype`` (C-contiguous)
    """

    __slots__ = ("_update", "_dtype")

    def __init__(self, rows, values, update, dtype):
        super().__init__(rows, values, check=False)
        self._update, self._dtype = update, dtype

    def apply(self, x, step):
        """x[rows] -= step * values, in place; returns x (as sgd.apply_update)."""
        if x.dtype != self._dtype or not x.flags.c_contiguous or x.shape[1:] != \
                self.values.shape[1:]:
            return apply_update(x, RowSparseGrad(self.rows, self.values, check=False), step)
        self._update(x, self.rows, self.values, float(step))  # the kernel checks no type
        return x


class BatchedSkipgram:
    """f(x) for ``sgd``: one iteration of batched skip-gram with negative sampling.

    dataset -- a StanfordSentiment
    window -- C, the largest window size
    K -- negatives per (centre, outside) pair
    seed -- decides the subsampled corpus and every later draw
    batch -- windows per iteration (50, as in the assignment)
    dim -- d, the number of columns of the parameters it will be called with
    kernels -- the compiled kernels (default: engines.compiled.load(), built once)

    Call it with the (2V, d) parameters (centre vectors over outside vectors,
    float64 or float32); it returns (loss, gradient) for the next iteration.
    ``get_state`` and ``set_state`` (the iteration counter) let a checkpoint
    resume it exactly.
    """

    def __init__(self, dataset, window=5, K=10, seed=31415, batch=BATCH_SIZE,
                 chunk_iterations=CHUNK_ITERATIONS, dim=10, kernels=None):
        self.window, self.K, self.seed, self.batch = int(window), int(K), int(seed), int(batch)
        self.dim = int(dim)
        self.chunk_iterations = int(chunk_iterations)
        self.V = len(dataset.tokens())
        self.kernels = kernels if kernels is not None else compiled.load()
        self.corpus = SubsampledCorpus(dataset, self._rng(0), kernels=self.kernels)
        self.table = np.asarray(build_sample_table(dataset.sampling_probabilities(),
                                                   dataset.tablesize), dtype=np.int32)
        self.iteration = 0
        self._chunk = None
        self._pool = ThreadPoolExecutor(max_workers=1)
        self._ahead = None  # (chunk number, future) being sampled in the background
        k = self.kernels
        self._by_dtype = {np.dtype(np.float64): (k.batch_loss_grad_f8, k.sgd_rows_f8,
                                                 k.train_block_f8_d10 if self.dim == 10
                                                 else k.train_block_f8),
                          np.dtype(np.float32): (k.batch_loss_grad_f4, k.sgd_rows_f4,
                                                 k.train_block_f4)}

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
        subsampled corpus, a position uniformly in it, up to C1 words each side
        (offsets -C..-1, 1..C), occurrences of the centre word removed, drawn
        again if none remain.
        """
        corpus = self.corpus
        sizes = rng.integers(1, self.window + 1, size=n)
        centers = np.empty(n, dtype=np.int32)
        context = np.empty((n, 2 * self.window), dtype=np.int32)
        valid = np.empty((n, 2 * self.window), dtype=bool)
        todo = np.arange(n)
        while todo.size:
            sent = rng.integers(0, len(corpus), size=todo.size)
            pos = rng.integers(0, corpus.lengths[sent])
            todo = self.kernels.window_contexts(corpus.ids, corpus.starts, corpus.lengths,
                                                sizes, todo, sent, pos, centers, context, valid)
        return sizes, centers, valid, context

    def sample_targets(self, rng, outsides):
        """(P, K + 1): each pair's outside word, then K negatives from the count**0.75
        table, each redrawn while it equals the outside word."""
        P, K, tablesize = outsides.shape[0], self.K, self.table.shape[0]
        targets = np.empty((P, K + 1), dtype=np.int32)
        targets[:, 0] = outsides
        # int32 draws are the same numbers as int64 ones (both draw 32 bits), in half the memory.
        draws = rng.integers(0, tablesize, size=P * K, dtype=np.int32)
        clash = self.kernels.place_negatives(self.table, draws, np.empty(0, np.int64), targets)
        redraws = 0
        while clash.size:
            redraws += 1
            if redraws == MAX_REDRAWS:  # as getNegativeSamples: no endless loop
                raise ValueError(
                    "the table returned the outside word %d %d times in a row: it has no other"
                    " word to draw as a negative; train on a corpus with at least two words"
                    " frequent enough to be drawn" % (targets[clash[0] // K, 0], redraws))
            draws = rng.integers(0, tablesize, size=clash.size, dtype=np.int32)
            clash = self.kernels.place_negatives(self.table, draws, clash, targets)
        return targets

    def sample_negatives(self, rng, outsides):
        """(P, K) negatives, none equal to its pair's outside word (``sample_targets``)."""
        return self.sample_targets(rng, np.asarray(outsides, dtype=np.int32))[:, 1:]

    def sample_chunk(self, index):
        """Sample iterations [index * n, (index + 1) * n): a Chunk."""
        n, B = self.chunk_iterations, self.batch
        rng = self._rng(1, index)
        _, centers, valid, context = self.sample_windows(rng, n * B)
        pair_centers, windows, outsides = self.kernels.window_pairs(centers, context, valid)
        per_iteration = np.bincount(windows // B, minlength=n)
        pair_bounds = np.concatenate(([0], np.cumsum(per_iteration)))
        targets = self.sample_targets(rng, outsides)
        slots, rows, row_bounds = self.kernels.assign_slots(self.V, pair_centers, targets,
                                                            pair_bounds)
        return Chunk(start=index * n, pair_bounds=pair_bounds, centers=pair_centers,
                     windows=windows, targets=targets, slots=slots, rows=rows,
                     row_bounds=row_bounds)

    def _chunk_for(self, iteration):
        """The chunk holding ``iteration``; the next one is sampled in the background."""
        index = iteration // self.chunk_iterations
        chunk = self._chunk
        if chunk is None or chunk.start != index * self.chunk_iterations:
            ahead = self._ahead
            chunk = (ahead[1].result() if ahead is not None and ahead[0] == index
                     else self.sample_chunk(index))
            self._chunk = chunk
            if self._pool is not None:  # else closed: sampled when needed
                self._ahead = (index + 1, self._pool.submit(self.sample_chunk, index + 1))
        return chunk

    def close(self):
        """Stop the sampling thread once training is over (waits for a chunk it is on).

        The engine still works afterwards, sampling each chunk when it is needed.
        """
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool, self._ahead = None, None

    # ---- one iteration -------------------------------------------------------

    def pairs(self, iteration):
        """An iteration's pairs: (windows (P,) numbered 0..49, centers (P,),
        targets (P, K + 1): o first, then its negatives)."""
        chunk = self._chunk_for(iteration)
        j = iteration - chunk.start
        a, b = chunk.pair_bounds[j], chunk.pair_bounds[j + 1]
        return chunk.windows[a:b] - j * self.batch, chunk.centers[a:b], chunk.targets[a:b]

    def _check(self, x):
        """A clear error for parameters the kernels cannot take."""
        if x.shape != (2 * self.V, self.dim):
            raise ValueError("the parameters must have shape (2V, d) = (%d, %d); got %s"
                             % (2 * self.V, self.dim, x.shape))
        raise ValueError("the parameters must be a C-contiguous float64 or float32 array;"
                         " got %s%s" % (x.dtype, "" if x.flags.c_contiguous
                                        else " (not contiguous: use np.ascontiguousarray)"))

    def _kernels_for(self, x):
        """(loss_grad, update, train_block) for x; a clear error for anything else.

        The built kernels check no type: x's is checked here.
        """
        kernels = self._by_dtype.get(x.dtype)
        if kernels is None or x.shape != (2 * self.V, self.dim) or not x.flags.c_contiguous:
            self._check(x)
        return kernels

    def __call__(self, x):
        loss_grad, update, _ = self._kernels_for(x)
        chunk = self._chunk_for(self.iteration)
        j = self.iteration - chunk.start
        loss, rows, grad = loss_grad(x, self.V, *self._arrays(chunk), j, float(self.batch))
        self.iteration += 1
        return loss, KernelGrad(rows, grad, update, x.dtype)

    @staticmethod
    def _arrays(chunk):
        """A chunk's arrays, in the order the kernels take them."""
        return (chunk.centers, chunk.targets, chunk.slots, chunk.rows, chunk.row_bounds,
                chunk.pair_bounds)

    def steps_left_in_chunk(self):
        """How many iterations ``train_block`` can run from here in one call."""
        return self.chunk_iterations - self.iteration % self.chunk_iterations

    def train_block(self, x, step, n):
        """n iterations of sgd at once: f(x), then x -= step * gradient, n times.

        Bit for bit what n calls of this engine and of the gradient's ``apply``
        do, in one compiled call. n <= steps_left_in_chunk(). Returns the n
        losses (n,); x is updated in place.
        """
        _, _, block = self._kernels_for(x)
        chunk = self._chunk_for(self.iteration)
        j = self.iteration - chunk.start
        if not 0 < n <= chunk.pair_bounds.shape[0] - 1 - j:
            raise ValueError("train_block: %d iterations do not fit in the sampled chunk (%d"
                             " left)" % (n, chunk.pair_bounds.shape[0] - 1 - j))
        losses = block(x, self.V, *self._arrays(chunk), j, j + n, float(step),
                       float(self.batch))
        self.iteration += n
        return losses
