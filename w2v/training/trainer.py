"""word2vec's training run: jobs on worker threads, the alpha schedule, progress, checkpoints.

The encoded corpus (``w2v.training.corpus.EncodedCorpus``: int32 ids cut into pieces
of at most 10,000 words) is cut into jobs of whole pieces, about JOB_WORDS
words each (fewer for costly settings: w2v.training.jobs); every epoch runs the
same jobs in corpus order, so job j of the run is job j % n of epoch j // n.
Each job is one call of the compiled ``kernels.train_job`` (built ahead of
time: w2v.training.compiled; the trainer never imports numba) with its own
random seed, derived from (seed, j), and the learning rate alpha falling
linearly from ``alpha`` at the first word of the run to ``min_alpha`` at the
last (word2vec C's and gensim's schedule).

Worker threads run the jobs at the same time on one shared float32 array,
without locks (Hogwild, as word2vec C and gensim do): the kernel releases the
GIL; each job trains its own copies of the rows they all write most, added
back at its end (w2v.training.hot_rows). With one worker the jobs run one
after the other in order, so a run is reproducible bit for bit, and so is a
run resumed from a checkpoint: a
checkpoint is taken between jobs, with no job running, and holds the vectors
and the number of jobs done; everything else follows from those.
"""

import dataclasses
import hashlib
import itertools
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from w2v.infra import checkpoint
from w2v.infra.checkpoint import CheckpointError, TrainingDiverged
from w2v.infra.memory import check_memory, need_bytes
from w2v.infra.outdir import set_aside
from w2v.training import compiled, idstore, kernel_args
from w2v.training.corpus import CorpusError
from w2v.training.jobs import JOB_WORDS, job_words, plan_jobs, split_pieces
from w2v.training.progress import Progress  # noqa: F401 (the run's progress, re-exported)

LOSS_EVERY = 10          # the loss is computed at every 10th pair: a cheap estimate
IN_FLIGHT = 2            # jobs queued per worker, so a worker never waits for the next
MODELS = {"skipgram": kernel_args.SKIPGRAM, "cbow": kernel_args.CBOW}
LOSSES = {"neg": kernel_args.NEG, "hs": kernel_args.HS, "softmax": kernel_args.SOFTMAX}


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


alias_table = compiled.alias_table  # Walker's alias table (w2v.training.rng.alias_table)


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
        if not (cum[-1] > 0 and np.all(np.diff(cum) >= 0)):   # counts**x overflowed
            raise CorpusError("the negative-sampling table is empty or not increasing"
                              " (counts**--ns-exponent overflowed or vanished): use an"
                              " --ns-exponent between 0 and 1 (word2vec's 0.75)")
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


INIT_ROWS = 4096  # rows drawn at a time: the float64 draws never hold a whole (V, d) copy


def training_need(V, d, dtype=np.float32):
    """Bytes a run of V words and d dimensions holds at its peak: the vectors (2V, d),
    their cache-aligned copy (``cache_aligned``), the copy written to
    wordVectors.npy, and the float64 draws of ``init_vectors``."""
    return need_bytes(((2 * V, d), dtype), ((2 * V, d + 64), dtype), ((2 * V, d), dtype),
                      ((min(V, INIT_ROWS), d), np.float64))


def init_vectors(V, d, seed, dtype=np.float32):
    """(2V, d): input vectors v_w uniform in [-1/d, 1/d), output vectors zero.

    gensim 4's start, drawn by a NumPy Generator seeded with ``seed`` (drawn
    INIT_ROWS rows at a time: the same numbers). word2vec C (and
    word2vec.init_vectors) draw in half that range; on wiki106 that start
    ends 20% lower in analogy accuracy than gensim (0.016 against 0.020, 4
    seeds each), this one level with it (0.020). The memory the run needs is
    checked first (NotEnoughMemory).
    """
    check_memory(training_need(V, d, dtype), "the vectors (2 x %s words x d = %s, %s)" % (
        "{:,}".format(V), "{:,}".format(d), np.dtype(dtype).name),
        "lower --dim, or --max-vocab / raise --min-count")
    vectors = np.zeros((2 * V, d), dtype=dtype)
    rng = np.random.default_rng(seed)
    for a in range(0, V, INIT_ROWS):
        b = min(V, a + INIT_ROWS)
        vectors[a:b] = (2.0 * rng.random((b - a, d)) - 1.0) / d
    return vectors


def cache_aligned(vectors, line=64, extra_rows=0):
    """A copy of ``vectors`` whose rows start on cache lines: zero columns pad each
    row, and ``extra_rows`` zero rows follow.

    Two threads writing neighbouring rows that share a cache line slow each
    other down (false sharing); hierarchical softmax writes the rows of the
    top of its tree, which are neighbours, at every pair (16% of the time
    with 2 threads). The zero columns stay zero: they add nothing to a dot
    product and receive nothing from an update.
    """
    rows, d = vectors.shape
    item = vectors.dtype.itemsize
    width = -(-d * item // line) * line // item
    total = rows + extra_rows
    buffer = np.zeros(total * width + line // item, dtype=vectors.dtype)
    start = (-buffer.ctypes.data % line) // item
    storage = buffer[start:start + total * width].reshape(total, width)
    storage[:rows, :d] = vectors
    return storage


def fingerprint(corpus, words, counts):
    """SHA-256 of the encoded corpus and its vocabulary: a checkpoint's corpus identity
    (idstore.fingerprint, for a corpus whose ids were not hashed as they were written)."""
    ids_sha = hashlib.sha256(np.ascontiguousarray(corpus.ids).view(np.uint8))
    return idstore.fingerprint(ids_sha, corpus.starts, counts, words)


def warm_up(dtype=np.float32, say=None):
    """Load the kernels (building them the first time, said through ``say``), and run
    ``dtype``'s on a toy job."""
    compiled.load(say)
    V, d = 4, 2
    vectors = np.zeros((2 * V, d), dtype)
    tables = sampling_tables(np.ones(V), np.arange(1, V + 1, dtype=np.uint32), None, V)
    compiled.train_job(np.array([kernel_args.SKIPGRAM, kernel_args.NEG, 1, 1, 0, 1, 1, 0],
                                np.int64),
                       vectors[:V], vectors[V:], np.arange(V, dtype=np.int32),
                       np.array([0, V], np.int64), tables, np.array([0.0, 0.0]),
                       kernel_args.job_seed(0, 0), np.zeros(1, np.int64),
                       np.zeros((0, 4), np.int64), np.zeros(0))


def kernels_need_compiling():
    """Whether ``warm_up`` will build the kernels (a minute, once) rather than import them."""
    return compiled.need_building()


class Trainer:
    """The jobs of a run, starting from ``vectors`` (2V, d): v_w over the output vectors.

    settings -- Settings; corpus -- an EncodedCorpus; tables -- ``sampling_tables``
    ``trainer.vectors`` is the (2V, d) array being trained (a view of
    cache-aligned storage, ``cache_aligned``, which also holds each worker's
    own hot rows past the 2V). Jobs (and pieces) are of
    ``job_words`` words: a costly setting runs short jobs, so a stop comes soon.
    """

    def __init__(self, settings, corpus, tables, vectors):
        self.s = settings
        self.corpus, self.tables = corpus, tables
        V = vectors.shape[0] // 2
        # Two or more workers: each has 2 hot_rows rows of its own past the 2V
        # (w2v.training.hot_rows); none with one worker or the full softmax.
        self.hot_rows = 0 if settings.workers < 2 or settings.loss == "softmax" else \
            min(kernel_args.HOT_ROWS, V - 1)
        # window_sweep's scratch too: L, the most output rows of a pair
        M, L = 2 * settings.window, max(tables[4].shape[1], settings.negative + 1)
        scratch = need_bytes((M + (kernel_args.NEG_AHEAD + 2) * (settings.negative + 1),
                              np.int64), (V + M * (3 * L + M + 1 + vectors.shape[1]),
                                          np.float64),
                              # its own rows and a job's copy of them, padded
                              ((4 * self.hot_rows, vectors.shape[1] + 16), vectors.dtype))
        check_memory(training_need(V, vectors.shape[1], vectors.dtype) - vectors.nbytes +
                     settings.workers * scratch,
                     "the training copies of the vectors (%s x %s) and %d workers' scratch"
                     % ("{:,}".format(2 * V), "{:,}".format(vectors.shape[1]),
                        settings.workers), "lower --dim, --window, --negative or --workers")
        self.storage = cache_aligned(vectors,
                                     extra_rows=2 * settings.workers * self.hot_rows)
        self.vectors = self.storage[:2 * V, :vectors.shape[1]]  # (2V, d): what is trained
        self.syn0, self.syn1 = self.storage[:V], self.storage[V:2 * V]
        self.slots = _slots()   # which worker a thread is: where its own rows are
        self.job_words = job_words(settings, V)
        self.starts = split_pieces(corpus.starts, self.job_words)
        self.bounds = plan_jobs(self.starts, self.job_words)
        self.jobs_per_epoch = len(self.bounds) - 1
        self.total_jobs = self.jobs_per_epoch * settings.epochs
        # Words before each job of an epoch, for the alpha schedule.
        self.words_before = self.starts[self.bounds]
        self.total_words = len(corpus.ids) * settings.epochs
        self.control = np.zeros(1, np.int64)   # control[0] = 1: running jobs stop at once
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

    def job_arguments(self, job, trace=None, slot=None):
        """The arguments of ``kernels.train_job`` for job ``job`` of the run, on
        worker ``slot``'s own hot rows (none when tracing)."""
        s = self.s
        j = job % self.jobs_per_epoch
        syn0, syn1, hot = self.syn0, self.syn1, [0, 0, 0]
        if self.hot_rows and slot is not None and trace is None:
            N, V = self.hot_rows, len(self.syn0)
            syn0, syn1 = self.storage, self.storage[V:]
            hot = [N, 2 * V + slot * N, V + (s.workers + slot) * N]
        settings = np.array([MODELS[s.model], LOSSES[s.loss], s.window, s.negative,
                             self.bounds[j], self.bounds[j + 1], LOSS_EVERY,
                             int(s.workers > 1)] + hot, np.int64)
        per_word = (s.alpha - s.min_alpha) / self.total_words
        alphas = np.array([self.alpha(self.words_done(job)), per_word])
        return (settings, syn0, syn1, self.corpus.ids, self.starts,
                self.tables, alphas, kernel_args.job_seed(s.seed, job), self.control) + \
            (trace or self.empty_trace)

    def run_job(self, job):
        """Train job ``job``: float64 [loss sum, pairs in it, pairs, words kept, centres,
        status] (``kernels.train_job``)."""
        local, taken = self.slots
        if not hasattr(local, "slot"):
            local.slot = next(taken)   # atomic under the GIL
        return compiled.train_job(*self.job_arguments(job, slot=local.slot))

    def run(self, first_job, on_result, pause_wanted, on_pause):
        """Run jobs first_job.. to the end on ``workers`` threads.

        on_result(job, totals) is called for every job, in job order.
        When pause_wanted() is true, the jobs queued but not started are taken
        back and the running ones finish; then on_pause(jobs_done) is called,
        with no job running (a checkpoint may be taken); it returns False to
        stop the run there. A job runs between two pauses: a run progresses.
        An exception (a second Ctrl-C) stops the running jobs at their next
        centre word and is raised: the vectors are then mid-job, not to be saved.
        Returns the number of jobs done.
        """
        job, pending, progressed = first_job, deque(), True
        self.slots = _slots()   # this pool's threads: 0, 1, ...
        pool = ThreadPoolExecutor(max_workers=self.s.workers)
        try:
            while job < self.total_jobs or pending:
                pausing = progressed and pause_wanted()
                if pausing:
                    job = _take_back(pending, job)
                while not pausing and job < self.total_jobs and \
                        len(pending) < IN_FLIGHT * self.s.workers:
                    pending.append((job, pool.submit(self.run_job, job)))
                    job += 1
                if pending:
                    done_job, future = pending.popleft()
                    on_result(done_job, self._checked(future.result()))
                    progressed = True
                if pausing and not pending:
                    if not on_pause(job):
                        return job
                    progressed = job >= self.total_jobs
            return job
        except BaseException:
            self.control[0] = 1
            for _, future in pending:
                future.cancel()
            raise
        finally:
            pool.shutdown(wait=True)
            self.control[0] = 0

    def _checked(self, totals):
        if totals[kernel_args.STATUS] == kernel_args.GAVE_UP:
            raise CorpusError(
                "no negative other than the target word could be drawn in %d draws: the"
                " negative-sampling distribution is (almost) all on one word; use an"
                " --ns-exponent between 0 and 1 (word2vec's 0.75)" % kernel_args.MAX_REDRAWS)
        return totals


def _slots():
    """(per-thread storage, a counter): Trainer.run_job numbers each thread 0, 1, ..."""
    return threading.local(), itertools.count()


def _take_back(pending, job):
    """Cancel the queued jobs not started (the newest); returns the next job to run."""
    while pending and pending[-1][1].cancel():
        job = pending.pop()[0]
    return job


class Checkpoints:
    """A run's checkpoints in ``directory`` (w2v.infra.checkpoint: atomic, verified, no pickle).

    A checkpoint holds the vectors (2V, d) and, in its state, the jobs done
    and the progress's loss history; ``run_info`` (the settings, the corpus's
    fingerprint) must match for a resume, so one run never continues another.
    A run whose jobs are not JOB_WORDS long (``job_words``) says so in it.
    """

    def __init__(self, directory, run_info, trainer, progress, keep=3):
        if trainer.job_words != JOB_WORDS:
            run_info = dict(run_info, job_words=trainer.job_words)
        self.directory, self.run_info, self.keep = directory, run_info, keep
        self.t, self.progress = trainer, progress
        self.last_saved = None
        self.failed = None      # why the final checkpoint could not be written

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
        """Checkpoint after ``jobs`` jobs (no job may be running; none before the first).

        The final checkpoint (all jobs done) that cannot be written is a warning
        (kept in ``failed``), not an error: the trained vectors stay in memory
        for the outputs. An earlier one raises CheckpointError.
        """
        if jobs in (self.last_saved, 0):
            return
        if not np.all(np.isfinite(self.t.vectors)):
            raise TrainingDiverged(
                "the vectors became NaN or infinite by job %d of %d; alpha %g is probably too"
                " large: try a smaller --alpha" % (jobs, self.t.total_jobs, self.t.s.alpha))
        try:
            checkpoint.save_or_explain(self.directory, jobs, {"vectors": self.t.vectors},
                                       self.progress.state(), self.run_info, self.keep)
        except CheckpointError as err:
            if jobs < self.t.total_jobs:
                raise
            self.failed = str(err)
            self.progress.line.print("warning: %s The trained vectors are still in memory:"
                                     " writing the outputs now." % err)
            return
        self.last_saved = jobs
