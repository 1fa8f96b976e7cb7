"""A thread's own copies of the rows every thread writes (two or more workers).

Hogwild threads write the same rows: the v_w of the most frequent words (as
inputs), their u_w (as targets and negatives), and the inner nodes at the
top of the Huffman tree (on nearly every path). A row one core has just
written must move to the other core's cache before that core can write it:
some 7 cache lines, at every such pair. Measured on wiki106 x10 (skip-gram +
neg, 2 threads): 8.3 s with the rows shared, 5.2 s when each thread had its
own copy of the vectors (an experiment, not training).

So each job takes private copies of the N most shared rows of syn0 and of
syn1, trains on them, and at its end adds what it changed to the shared
rows: x += x_mine - x_at_start (another job's changes made meanwhile are
kept: the deltas add). Other rows stay shared, as in word2vec C and gensim.
A thread sees another's updates of those N rows at job boundaries (every
10,000 words) instead of at once. With one worker nothing changes.

Layout: the private rows live in the same arrays, past the shared ones, so
every row operation keeps its (matrix, row) form: word w < N as an input is
syn0 row base0 + w; as an output, row q of syn1's hot set (negative
sampling: word q; hierarchical softmax: inner node V - 2 - q, the root
first) is syn1 row base1 + q. ``hot`` = (N, base0, base1, flip): flip =
V - 2 for hierarchical softmax (node p is q = flip - p), -1 otherwise.
"""

import numpy as np
from numba import njit

from w2v.training.kernel_args import HS
from w2v.training.rng import JIT

NO_HOT_ROWS = (0, 0, 0, -1)


@njit(inline="always", **JIT)
def hot_settings(settings, V):
    """``hot`` from settings[8:11] = [N, base0, base1] (shorter settings: none)."""
    if settings.shape[0] < 11 or settings[8] <= 0:
        return NO_HOT_ROWS
    return settings[8], settings[9], settings[10], V - 2 if settings[1] == HS else -1


@njit(inline="always", **JIT)
def input_row(w, hot):
    """syn0's row for word w as an input: its private copy if w is hot."""
    return hot[1] + w if w < hot[0] else w


@njit(inline="always", **JIT)
def _hot_index(p, hot):
    return hot[3] - p if hot[3] >= 0 else p


@njit(inline="always", **JIT)
def output_row(p, hot):
    """syn1's row for output row p (a word, or a node of the tree): its private copy if hot."""
    q = _hot_index(p, hot)
    return hot[2] + q if q < hot[0] else p


@njit(inline="always", **JIT)
def private_targets(rows, n, hot):
    """rows[:n] (syn1 rows from targets.fill_targets) to their private copies where hot."""
    if hot[0] > 0:
        for k in range(n):
            rows[k] = output_row(rows[k], hot)


@njit(**JIT)
def take_rows(syn0, syn1, hot):
    """Copy the shared hot rows into this job's; returns their copies (N, width) x 2."""
    N = hot[0]
    start0 = np.empty((N, syn0.shape[1]), syn0.dtype)
    start1 = np.empty((N, syn1.shape[1]), syn1.dtype)
    for q in range(N):
        p = _hot_index(q, hot)       # the map is its own inverse
        start0[q] = syn0[q]
        start1[q] = syn1[p]
        syn0[hot[1] + q] = start0[q]
        syn1[hot[2] + q] = start1[q]
    return start0, start1


@njit(**JIT)
def give_back(syn0, syn1, hot, start0, start1):
    """Add this job's changes of the hot rows to the shared rows."""
    for q in range(hot[0]):
        p = _hot_index(q, hot)
        for i in range(syn0.shape[1]):
            syn0[q, i] += syn0[hot[1] + q, i] - start0[q, i]
            syn1[p, i] += syn1[hot[2] + q, i] - start1[q, i]
