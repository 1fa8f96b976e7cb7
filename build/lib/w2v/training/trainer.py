"""word2vec's training run: jobs on worker threads, the alpha schedule, progress, checkpoints.

The encoded corpus (``w2v.training.corpus.EncodedCorpus``: int32 ids cut into pieces
of at most 10,000 words) is cut into jobs of whole pieces, about JOB_WORDS
words each; every epoch runs the same jobs in corpus order, so job j of the
run is job j % n of epoch j // n. Each job is one call of the compiled
``kernels.train_job`` with its own random seed, derived from (seed, j), and
the learning rate alpha falling linearly from ``alpha`` at the first word of
the run to ``min_alpha`` at the last (word2vec C's and gensim's schedule).

Worker threads run the jobs at the same time on one shared float32 array,
without locks (Hogwild, as word2vec C and gensim do): the kernel releases the
GIL. With one worker the jobs run one after the other in order, so a run is
reproducible bit for bit, and so is a run resumed from a checkpoint: a
checkpoint is taken between jobs, with no job running, and holds the vectors
and the number of jobs done; everything else follows from those.
"""

import dataclasses
import hashlib
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numba import njit

from w2v.infra import checkpoint
from w2v.infra.checkpoint import TrainingDiverged
from w2v.infra.outdir import set_aside
from w2v.infra.terminal import ProgressLine, format_seconds
from w2v.training import kernels

JOB_WORDS = 10000        # words per job (gensim's batch_words; word2vec C's alpha update)
LOSS_EVERY = 10          # the loss is computed at every 10th centre word: a cheap estimate
IN_FLIGHT = 2            # jobs queued per worker, so a worker never waits for the next
MODELS = {"skipgram": kernels.SKIPGRAM, "cbow": kernels.CBOW}
LOSSES = {"neg": kernels.NEG, "hs": kernels.HS, "softmax": kernels.SOFTMAX}


@dataclasses.dataclass(frozen=True)
class Settings:
    """What a run trains (the corpus and vocabulary come separately)."""
    model: str = "skipgram"      # or "cbow"
    loss: str = "neg"            # or "hs", "softmax"
    dim: int = 100               # d
    window: int = 5              # the largest window; each centre draws b in 1..window
    negative: int = 5            # K
    alpha: float = 0.025         # the first learning rate
    min_alpha: float = 0.0001    # the last one
    epochs: int = 5
    seed: int = 1
    workers: int = 1


def plan_jobs(starts, job_words=JOB_WORDS):
    """Piece boundaries of the jobs (int64 (n_jobs + 1,)): a job ends with the piece
    that takes the running word count past a multiple of ``job_words``."""
    ends = np.asarray(starts[1:], dtype=np.int64)
    crossed = np.flatnonzero(np.diff(ends // job_words, prepend=0) > 0) + 1
    bounds = np.union1d(np.concatenate(([0], crossed)), [len(ends)])
    return bounds.astype(np.int64)


@njit(cache=True)
def alias_table(p):
    """Walker's alias table of the distribution p (float64 (V,), summing to 1).

    Returns (accept float64 (V,), alias int32 (V,)): draw i uniform in 0..V-1
    and u in [0, 1); the sample is i if u < accept[i], else alias[i]. O(1)
    per draw whatever V, 12 bytes per word (word2vec C's table has 1e8 entries).
    """
    V = p.shape[0]
    accept = p * V
    alias = np.arange(V).astype(np.int32)
    small = np.empty(V, np.int64)
    large = np.empty(V, np.int64)
    ns = nl = 0
    for i in range(V):
        if accept[i] < 1.0:
            small[ns] = i
            ns += 1
        else:
            large[nl] = i
            nl += 1
    while ns > 0 and nl > 0:
        s, big = small[ns - 1], large[nl - 1]
        ns -= 1
        alias[s] = big
        accept[big] = (accept[big] + accept[s]) - 1.0   # big gives s what it lacks
        if accept[big] < 1.0:
            nl -= 1
            small[ns] = big
            ns += 1
    for i in range(nl):
        accept[large[i]] = 1.0      # rounding leftovers: exactly full
    for i in range(ns):
        accept[small[i]] = 1.0
    return accept, alias


def sampling_tables(keep, negative_table, tree, V):
    """The tuple ``kernels.train_job`` reads: subsampling, negatives, Huffman paths.

    keep -- float64 (V,) keep-probabilities; negative_table -- gensim's
    cumulative uint32 table (w2v.training.corpus.negative_cum_table) or None;
    tree -- an w2v.training.huffman.HuffmanTree or None.
    The negatives are drawn by Walker's alias method from the table's own
    probabilities: O(1) per draw at any V, gensim's distribution. Its accept
    column is float32 (each word's probability to 1e-7 relative): at V =
    200,000 the two columns then fit in the core's cache with the rest.
    """
    if negative_table is not None:
        cum = np.asarray(negative_table, dtype=np.float64)
        accept, alias = alias_table(np.diff(cum, prepend=0.0) / cum[-1])
    else:
        accept, alias = np.ones(V), np.arange(V, dtype=np.int32)
    accept = accept.astype(np.float32)
    if tree is not None:
        codes, points, lengths = tree.codes, tree.points, tree.lengths
    else:
        codes, points = np.zeros((V, 0), np.uint8), np.zeros((V, 0), np.int32)
        lengths = np.zeros(V, np.int32)
    return (np.ascontiguousarray(keep, dtype=np.float64), accept, alias,
            np.ascontiguousarray(codes, dtype=np.uint8),
            np.ascontiguousarray(points, dtype=np.int32),
            np.ascontiguousarray(lengths, dtype=np.int32))


def init_vectors(V, d, seed, dtype=np.float32):
    """(2V, d): input vectors v_w uniform in [-1/d, 1/d), output vectors zero.

    gensim 4's start, drawn by a NumPy Generator seeded with ``seed``.
    word2vec C (and word2vec.init_vectors) draw in half that range; on
    wiki106 that start ends 20% lower in analogy accuracy than gensim (0.016
    against 0.020, 4 seeds each), this one level with it (0.020).
    """
    vectors = np.zeros((2 * V, d), dtype=dtype)
    vectors[:V] = (2.0 * np.random.default_rng(seed).random((V, d)) - 1.0) / d
    return vectors


def cache_aligned(vectors, line=64):
    """A copy of ``vectors`` whose rows start on cache lines: zero columns pad each row.

    Two threads writing neighbouring rows that share a cache line slow each
    other down (false sharing); hierarchical softmax writes the rows of the
    top of its tree, which are neighbours, at every pair (16% of the time
    with 2 threads). The zero columns stay zero: they add nothing to a dot
    product and receive nothing from an update.
    """
    rows, d = vectors.shape
    item = vectors.dtype.itemsize
    width = -(-d * item // line) * line // item
    buffer = np.zeros(rows * width + line // item, dtype=vectors.dtype)
    start = (-buffer.ctypes.data % line) // item
    storage = buffer[start:start + rows * width].reshape(rows, width)
    storage[:, :d] = vectors
    return storage


def fingerprint(corpus, words, counts):
    """SHA-256 of the encoded corpus and its vocabulary: a checkpoint's corpus identity."""
    h = hashlib.sha256()
    for array in (corpus.ids, corpus.starts, np.asarray(counts, dtype=np.int64)):
        h.update(np.ascontiguousarray(array).view(np.uint8))
    h.update("\n".join(words).encode("utf-8"))
    return h.hexdigest()


def warm_up(dtype=np.float32):
    """Compile (or load from numba's cache) kernels.train_job for ``dtype`` on a toy job."""
    V, d = 4, 2
    vectors = np.zeros((2 * V, d), dtype)
    tables = sampling_tables(np.ones(V), None, None, V)
    kernels.train_job(np.array([kernels.SKIPGRAM, kernels.NEG, 1, 1, 0, 1, 1], np.int64),
                      vectors[:V], vectors[V:], np.arange(V, dtype=np.int32),
                      np.array([0, V], np.int64), tables, np.array([0.0, 0.0]),
                      kernels.job_seed(0, 0), np.zeros((0, 4), np.int64), np.zeros(0))


class Trainer:
    """The jobs of a run, starting from ``vectors`` (2V, d): v_w over the output vectors.

    settings -- Settings; corpus -- an EncodedCorpus; tables -- ``sampling_tables``
    ``trainer.vectors`` is the (2V, d) array being trained (a view of
    cache-aligned storage, ``cache_aligned``).
    """

    def __init__(self, settings, corpus, tables, vectors):
        self.s = settings
        self.corpus, self.tables = corpus, tables
        storage = cache_aligned(vectors)
        self.vectors = storage[:, :vectors.shape[1]]     # (2V, d): what the run trains
        V = vectors.shape[0] // 2
        self.syn0, self.syn1 = storage[:V], storage[V:]
        self.bounds = plan_jobs(corpus.starts)
        self.jobs_per_epoch = len(self.bounds) - 1
        self.total_jobs = self.jobs_per_epoch * settings.epochs
        # Words before each job of an epoch, for the alpha schedule.
        self.words_before = corpus.starts[self.bounds]
        self.total_words = len(corpus.ids) * settings.epochs
        self.empty_trace = (np.zeros((0, 2 + 2 * settings.window + settings.negative),
                                     np.int64), np.zeros(0))

    def words_done(self, jobs):
        """Corpus words trained after ``jobs`` jobs."""
        epoch, j = divmod(jobs, self.jobs_per_epoch)
        return epoch * len(self.corpus.ids) + int(self.words_before[j])

    def alpha(self, words):
        """The learning rate at word ``words`` of the run (linear decay)."""
        s = self.s
        return s.alpha - (s.alpha - s.min_alpha) * min(words / self.total_words, 1.0)

    def job_arguments(self, job, trace=None):
        """The arguments of ``kernels.train_job`` for job ``job`` of the run."""
        s = self.s
        j = job % self.jobs_per_epoch
        settings = np.array([MODELS[s.model], LOSSES[s.loss], s.window, s.negative,
                             self.bounds[j], self.bounds[j + 1], LOSS_EVERY], np.int64)
        per_word = (s.alpha - s.min_alpha) / self.total_words
        alphas = np.array([self.alpha(self.words_done(job)), per_word])
        return (settings, self.syn0, self.syn1, self.corpus.ids, self.corpus.starts,
                self.tables, alphas, kernels.job_seed(s.seed, job)) + \
            (trace or self.empty_trace)

    def run_job(self, job):
        """Train job ``job``: float64 [loss sum, pairs in it, pairs, words kept, centres]."""
        return kernels.train_job(*self.job_arguments(job))

    def run(self, first_job, on_result, pause_wanted, on_pause):
        """Run jobs first_job.. to the end on ``workers`` threads.

        on_result(job, totals) is called for every job, in job order.
        When pause_wanted() is true, no job is started until the running ones
        are done; then on_pause(jobs_done) is called, with no job running (a
        checkpoint may be taken); it returns False to stop the run there.
        Returns the number of jobs done.
        """
        job, pending = first_job, deque()
        with ThreadPoolExecutor(max_workers=self.s.workers) as pool:
            while job < self.total_jobs or pending:
                pausing = pause_wanted()
                while not pausing and job < self.total_jobs and \
                        len(pending) < IN_FLIGHT * self.s.workers:
                    pending.append((job, pool.submit(self.run_job, job)))
                    job += 1
                if pending:
                    done_job, future = pending.popleft()
                    on_result(done_job, future.result())
                if pausing and not pending and not on_pause(job):
                    return job
        return job


class Progress:
    """The live line (percent, words/s, alpha, loss, ETA), epoch lines, the loss history.

    history -- (epoch, mean loss per pair) points, about HISTORY_POINTS of them
    over the run, kept across resumes (``state`` / ``restore``).
    """

    HISTORY_POINTS = 200

    def __init__(self, trainer, line=None):
        self.t = trainer
        self.line = line or ProgressLine()
        self.history = []
        self.window = [0.0, 0.0]            # loss sum and pairs since the last point
        self.epoch_loss = [0.0, 0.0]
        self.every = max(1, trainer.total_jobs // self.HISTORY_POINTS)
        self.start_time, self.start_words = time.monotonic(), 0

    def state(self):
        return {"history": [[float(e), float(v)] for e, v in self.history],
                "window": list(self.window), "epoch_loss": list(self.epoch_loss)}

    def restore(self, state, jobs_done):
        self.history = [tuple(h) for h in state["history"]]
        self.window, self.epoch_loss = list(state["window"]), list(state["epoch_loss"])
        self.start_words = self.t.words_done(jobs_done)

    def begin(self):
        self.start_time = time.monotonic()

    def words_per_second(self, words):
        elapsed = time.monotonic() - self.start_time
        return (words - self.start_words) / elapsed if elapsed > 0 else 0.0

    def on_result(self, job, totals):
        self.window[0] += totals[0]
        self.window[1] += totals[1]
        self.epoch_loss[0] += totals[0]
        self.epoch_loss[1] += totals[1]
        done = job + 1
        words = self.t.words_done(done)
        if done % self.every == 0 and self.window[1] > 0:
            self.history.append((words / len(self.t.corpus.ids), self.window[0] / self.window[1]))
            self.window = [0.0, 0.0]
        rate = self.words_per_second(words)
        if done % self.t.jobs_per_epoch == 0:
            self.epoch_line(done // self.t.jobs_per_epoch, rate)
        self.show(words, rate)

    def current_loss(self):
        w = self.window if self.window[1] > 0 else self.epoch_loss
        return w[0] / w[1] if w[1] > 0 else float("nan")

    def show(self, words, rate):
        left = (self.t.total_words - words) / rate if rate > 0 else float("inf")
        self.line.show("%5.1f%%  %s words/s  alpha %.5f  loss %.4f  ETA %s"
                       % (100.0 * words / self.t.total_words, _thousands(rate),
                          self.t.alpha(words), self.current_loss(), format_seconds(left)))

    def epoch_line(self, epoch, rate):
        loss = self.epoch_loss[0] / self.epoch_loss[1] if self.epoch_loss[1] else float("nan")
        self.line.print("epoch %d/%d: loss %.4f, %s words/s" % (
            epoch, self.t.s.epochs, loss, _thousands(rate)))
        self.epoch_loss = [0.0, 0.0]


def _thousands(x):
    return "{:,.0f}".format(x)


class Checkpoints:
    """A run's checkpoints in ``directory`` (w2v.infra.checkpoint: atomic, verified, no pickle).

    A checkpoint holds the vectors (2V, d) and, in its state, the jobs done
    and the progress's loss history; ``run_info`` (the settings, the corpus's
    fingerprint) must match for a resume, so one run never continues another.
    """

    def __init__(self, directory, run_info, trainer, progress, keep=3):
        self.directory, self.run_info, self.keep = directory, run_info, keep
        self.t, self.progress = trainer, progress
        self.last_saved = None

    def spec(self):
        return {"vectors": (self.t.vectors.shape, self.t.vectors.dtype)}

    def check_state(self, jobs, state):
        """Raise ValueError unless ``state`` is what ``save`` writes for ``jobs``."""
        if not 0 < jobs <= self.t.total_jobs:
            raise ValueError("it is at job %d, this run has %d" % (jobs, self.t.total_jobs))
        pairs = [state["window"], state["epoch_loss"]] + list(state["history"])
        for pair in pairs:
            if len(pair) != 2 or not all(isinstance(x, (int, float)) and np.isfinite(x)
                                         for x in pair):
                raise ValueError("its loss history holds %r" % (pair,))

    def resume(self, warn=None):
        """Load the newest usable checkpoint into the trainer; returns the jobs done (0: none)."""
        jobs, arrays, state = checkpoint.load_newest(self.directory, self.run_info,
                                                     self.spec(), self.check_state, warn)
        if jobs:
            self.t.vectors[...] = arrays["vectors"]
            self.progress.restore(state, jobs)
            self.last_saved = jobs
        return jobs

    def set_aside(self):
        """Move earlier checkpoints to a superseded-<time> folder; returns it (or None)."""
        return set_aside(self.directory, checkpoint.all_files(self.directory, ["vectors"]))

    def save(self, jobs):
        """Checkpoint after ``jobs`` jobs (no job may be running)."""
        if jobs == self.last_saved:
            return
        if not np.all(np.isfinite(self.t.vectors)):
            raise TrainingDiverged(
                "the vectors became NaN or infinite by job %d of %d; alpha %g is probably too"
                " large: try a smaller --alpha" % (jobs, self.t.total_jobs, self.t.s.alpha))
        checkpoint.save_or_explain(self.directory, jobs, {"vectors": self.t.vectors},
                                   self.progress.state(), self.run_info, self.keep)
        self.last_saved = jobs
