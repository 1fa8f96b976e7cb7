"""How a run is cut into jobs: whole pieces of the corpus, about ``job_words`` words each.

A job is one call of the compiled kernel; a stop (Ctrl-C, SIGTERM) and a
checkpoint wait for the running jobs, so a job must be short: JOB_WORDS
words (gensim's batch_words) with the usual settings, fewer when a word
costs more (full softmax, a large K, d or window), down to a few words,
a long line then being cut into pieces of PIECE_FLOOR words.
"""

import types

import numpy as np

JOB_WORDS = 10000        # words per job (gensim's batch_words; word2vec C's alpha update)
# A job costs at most this many times the default one (skip-gram, K = 5, window 5,
# d = 100: some 20 ms), so that a stop is honoured at the next job within a
# second. The defaults' jobs are not changed.
JOB_COST_FACTOR = 10
# Pieces are cut to the job's length, but never below word2vec C's sentence cut:
# shorter pieces would cut windows (at a cost of 1000 words, a job then takes
# a few seconds at most).
PIECE_FLOOR = 1000
DEFAULT = types.SimpleNamespace(model="skipgram", loss="neg", window=5, negative=5, dim=100)


def plan_jobs(starts, job_words=JOB_WORDS):
    """Piece boundaries of the jobs (int64 (n_jobs + 1,)): a job ends with the piece
    that takes the running word count past a multiple of ``job_words``."""
    ends = np.asarray(starts[1:], dtype=np.int64)
    crossed = np.flatnonzero(np.diff(ends // job_words, prepend=0) > 0) + 1
    bounds = np.union1d(np.concatenate(([0], crossed)), [len(ends)])
    return bounds.astype(np.int64)


def pair_rows(settings, V):
    """Output rows one pair's step reads and writes: K + 1, a Huffman path, or all V."""
    if settings.loss == "softmax":
        return V
    if settings.loss == "hs":
        return max(1.0, np.log2(max(V, 2)))
    return settings.negative + 1


def job_words(settings, V):
    """Words per job: JOB_WORDS unless a job would cost more
    than JOB_COST_FACTOR default jobs (rows touched per word, times d)."""
    def cost(s, V):
        pairs = s.window + 1      # skip-gram: 2 E[b] outside words; CBOW: that many inputs
        rows = pair_rows(s, V)
        return (pairs * (rows + 1) if s.model == "skipgram" else pairs + rows) * s.dim
    budget = JOB_COST_FACTOR * JOB_WORDS * cost(DEFAULT, 0)
    return int(max(1, min(JOB_WORDS, budget // cost(settings, V))))


def split_pieces(starts, most):
    """Piece boundaries (int64) with every piece of ``starts`` cut into pieces of at
    most max(most, PIECE_FLOOR) words (a window never crosses a piece)."""
    most = max(int(most), PIECE_FLOOR)
    starts = np.asarray(starts, dtype=np.int64)
    lengths = np.diff(starts)
    if len(lengths) == 0 or lengths.max() <= most:
        return starts
    cuts = -(-lengths // most)                     # pieces each becomes
    first = np.cumsum(cuts) - cuts
    k = np.arange(cuts.sum()) - np.repeat(first, cuts)   # the k-th of its piece's cuts
    return np.concatenate((np.repeat(starts[:-1], cuts) + k * most, starts[-1:]))
