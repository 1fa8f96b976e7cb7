"""Compiled word2vec training kernels (numba): word2vec C's in-place updates.

A job is a run of corpus pieces. For each piece the kernel subsamples the
words, draws each centre's window size b uniformly from 1..window, and takes
one SGD step per pair, updating the vectors in place at once, as word2vec C
and gensim do. Many threads may run jobs on the same arrays at the same time
without locks (Hogwild): the kernels release the GIL (``nogil=True``).

Notation (the handout's): h is the input vector of a pair; the target is
always the window's centre word, as in word2vec C and gensim. Skip-gram: each
outside word's v_w predicts the centre (the pairs of the handout's skipgram,
input and target swapped: over a corpus the same pairs occur both ways).
CBOW: h is the mean of the context words' v_w. ``syn0`` holds the
v_w (V, d); ``syn1`` the output vectors: u_w for negative sampling and full
softmax (V, d), one vector per inner node of the Huffman tree for
hierarchical softmax (V - 1 rows used). K is the number of negatives.

Each pair's step is exact gradient descent on the pair's loss J: every score
is computed from the vectors as they were before the pair, so the new rows
equal x - alpha * dJ/dx of the NumPy functions in word2vec.py (the tests
prove it), even when a negative is drawn twice. The sigmoid is exact to
float32 rounding (w2v.training.simd's sigmoid_coefficients: a few ulp).

The row operations (dot, axpy, a sum of axpys) are w2v.training.simd's, in
64-byte vectors. With two or more workers, skip-gram takes a window's pairs
in one sweep of the centre's output rows (w2v.training.window_sweep), with
the same result as pair by pair: each row is read and written once per window,
not once per pair (for negative sampling the window's pairs then share their
K negatives, drawn once per window). With two or more workers each job also
trains its own copies of the rows all threads write most, added back at its
end (w2v.training.hot_rows). Subsampling and the targets (negatives, Huffman
paths) are w2v.training.targets'.

Rows are read by index, never as views, and the job loop works on borrowed
arrays (``borrow``): numba would otherwise count a reference, an atomic
increment and decrement, every time it makes a view or inlined code receives
an array, some 25 times per pair (a quarter of the time).

Random numbers: w2v.training.rng's generator, one per job, seeded from
(seed, job), so a job's draws do not depend on which thread runs it or when.

The constants (settings' codes, a job's status) are w2v.training.kernel_args's,
which the trainer reads without numba. ``EXPORTS`` is what w2v/training/compiled.py
builds ahead of time: train_job per dtype, rng.alias_table, huffman_heap.heap_merge.
"""

import math

import numpy as np
from numba import njit

from w2v.infra import kernel_cache
from w2v.training.borrow import borrow
from w2v.training.kernel_args import (  # noqa: F401 (re-exported for the tests)
    ALIAS_TABLE_SIGNATURE, CBOW, DTYPES, FINISHED, GAVE_UP, HS, HUFFMAN_MERGE_SIGNATURE,
    MAX_REDRAWS, NEG, NEG_AHEAD, SKIPGRAM, SOFTMAX, STATUS, STOPPED, train_job_signature)
from w2v.training.huffman_heap import heap_merge
from w2v.training.hot_rows import (give_back, hot_settings, input_row, output_row,
                                   private_targets, take_rows)
from w2v.training.window_sweep import window_pairs
from w2v.training.prefetch import prefetch_row
from w2v.training.rng import (JIT, alias_table, draw_word, job_seed, rand_below,  # noqa: F401
                              rand_unit)
from w2v.training.rowops import axpy as _axpy
from w2v.training.rowops import dot as _dot
from w2v.training.rowops import binary_coefficients
from w2v.training.simd import combine_rows, dot_tile
from w2v.training.targets import fill_ring, fill_targets, subsample  # noqa: F401
from w2v.training.trace import record

# A damaged cache file of these kernels is compiled again, with one line saying so.
kernel_cache.guard()


@njit(inline="always", **JIT)
def binary_step(H, hi, syn1, rows, signs, n, alpha, E, g, want_loss):
    """J = -sum_k log sigma(s_k u_k^T h) over rows k < n (s_k = signs[k] = +-1).

    h = H[hi]. Negative sampling: rows [o, w_1..w_K], signs [+1, -1, ..., -1].
    Hierarchical softmax: the nodes of o's path, s = +1 for branch 0, -1 for 1.
    Updates u_k -= alpha dJ/du_k in place; adds -alpha dJ/dh to E[0].
    Returns J (0 unless want_loss). g: scratch (n,) of the vectors' dtype.
    """
    for k in range(0, n, 4):  # the scores first, four rows at a time (the last repeated)
        k1, k2, k3 = min(k + 1, n - 1), min(k + 2, n - 1), min(k + 3, n - 1)
        g[k], g[k1], g[k2], g[k3] = dot_tile(H, (hi,), syn1, (rows[k], rows[k1], rows[k2],
                                                              rows[k3]))
    loss = binary_coefficients(signs, n, alpha, g, 0, want_loss)   # -alpha dJ/d(u_k . h)
    combine_rows(g, 0, syn1, rows, 0, n, E, 0)        # E += sum_k g_k u_k, one pass
    for k in range(n):
        _axpy(g[k], H, hi, syn1, rows[k])
    return loss


@njit(inline="always", **JIT)
def softmax_step(H, hi, syn1, o, alpha, E, g, want_loss):
    """J = -log y_hat_o, y_hat = softmax(U^T h) over all V words: O(V d).

    h = H[hi]. Updates every u_w -= alpha (y_hat_w - y_w) h; adds
    -alpha U (y_hat - y) to E[0]. g: scratch (V,).
    """
    V = syn1.shape[0]
    top = -np.inf
    for w in range(V):
        g[w] = _dot(H, hi, syn1, w)
        top = max(top, g[w])
    s_o = g[o] - top
    total = 0.0
    for w in range(V):
        g[w] = math.exp(g[w] - top)
        total += g[w]
    for w in range(V):
        g[w] = -alpha * (g[w] / total - (1.0 if w == o else 0.0))
    for w in range(V):
        _axpy(g[w], syn1, w, E, 0)
    for w in range(V):
        _axpy(g[w], H, hi, syn1, w)
    return math.log(total) - s_o if want_loss else 0.0


@njit(inline="always", **JIT)
def output_step(loss_kind, H, hi, syn1, o, rows, signs, n, alpha, E, g, want_loss):
    """The output layer's step for input h = H[hi] and target word o (see above)."""
    if loss_kind == SOFTMAX:
        return softmax_step(H, hi, syn1, o, alpha, E, g, want_loss)
    return binary_step(H, hi, syn1, rows, signs, n, alpha, E, g, want_loss)


@njit(inline="always", **JIT)
def skipgram_pair(loss_kind, syn0, syn1, c, o, rows, signs, n, alpha, E, g, want_loss):
    """One skip-gram step for the pair (c, o): h = v_c, updated last.

    E: scratch (1, d) for -alpha dJ/dv_c. Returns J (0 unless want_loss).
    """
    for k in range(E.shape[1]):
        E[0, k] = 0
    loss = output_step(loss_kind, syn0, c, syn1, o, rows, signs, n, alpha, E, g, want_loss)
    _axpy(syn0.dtype.type(1), E, 0, syn0, c)
    return loss


@njit(inline="always", **JIT)
def cbow_pair(loss_kind, syn0, syn1, context, m, o, rows, signs, n, alpha, H, E, g,
              want_loss):
    """One CBOW step: h = mean of v_w over context[:m], target the centre word o.

    Each context word's v_w moves by -alpha dJ/dh, as word2vec C and gensim
    (cbow_mean=1) move it: m times the gradient step, dJ/dv_w = dJ/dh / m
    (twice that for a word there twice). With the true step the input vectors
    learn m times slower: on wiki106, WordSim-353 0.13 instead of gensim's 0.24.
    H, E: scratch (1, d). Returns J (0 unless want_loss).
    """
    one, share = syn0.dtype.type(1), syn0.dtype.type(1.0 / m)
    for k in range(H.shape[1]):
        H[0, k] = 0
        E[0, k] = 0
    for j in range(m):  # h = sum_w v_w / m: no pass of divisions (float64 ones, slow)
        _axpy(share, syn0, context[j], H, 0)
    loss = output_step(loss_kind, H, 0, syn1, o, rows, signs, n, alpha, E, g, want_loss)
    for j in range(m):
        _axpy(one, E, 0, syn0, context[j])
    return loss


@njit(inline="always", **JIT)
def _prefetch_ahead(loss_kind, syn0, syn1, sent, i, n, window, hot):
    """Prefetch the rows needed two centre words on: a new context v_w, and u_o."""
    if i + window + 2 < n:
        prefetch_row(syn0, input_row(sent[i + window + 2], hot))
        if loss_kind != HS:  # hierarchical softmax's rows are a path's, not a word's
            prefetch_row(syn1, output_row(sent[i + 2], hot))


@njit(inline="always", **JIT)
def _gave_up(n_targets, totals):
    """Whether fill_targets gave up (-1 rows); then marks the job GAVE_UP."""
    if n_targets < 0:
        totals[STATUS] = GAVE_UP
        return True
    return False


@njit(inline="always", **JIT)
def _negatives(loss_kind, K):
    """How many of a pair's output rows are negatives (the trace records them)."""
    return K if loss_kind == NEG else 0


@njit(inline="always", **JIT)
def _targets(loss_kind, K, o, state, syn1, tables, scratch, step, hot):
    """fill_targets for target o from row step % NEG_AHEAD of the negatives' ring
    (step: the pair's or the window's number), the rows then made private where
    hot; returns (state, rows). The negatives drawn in their place are prefetched
    in the copy this job will use (a hot word's own row, not the shared one)."""
    _, accept, alias, codes, points, lengths = tables  # keep: applied by subsample
    rows, signs, ring = scratch[1], scratch[2], scratch[7]
    turn = step % NEG_AHEAD
    state, nt = fill_targets(loss_kind, o, K, state, accept, alias, codes, points, lengths,
                             rows, signs, ring, turn)
    private_targets(rows, nt, hot)
    if loss_kind == NEG:
        for k in range(K):
            prefetch_row(syn1, output_row(ring[turn, k], hot))
    return state, nt


@njit(inline="always", **JIT)
def _window(loss_kind, K, sent, i, first, stop, state, syn1, tables, scratch, step, totals,
            hot):
    """The syn0 rows of the window sent[first:stop] but its centre i (scratch[6][:m])
    and the centre's targets (_targets); returns (state, m, n). Nothing to train when
    m == 0 (no context) or n < 0 (no negative could be drawn: the job is marked GAVE_UP)."""
    m = 0
    for j in range(first, stop):
        if j != i:
            scratch[6][m] = input_row(sent[j], hot)
            m += 1
    if m == 0:
        return state, 0, 0
    state, n = _targets(loss_kind, K, sent[i], state, syn1, tables, scratch, step, hot)
    _gave_up(n, totals)
    return state, m, n


@njit(inline="always", **JIT)  # called per window: a call counted references
def _sweep(settings, syn0, syn1, sent, i, first, stop, tables, scratch, alpha, state,
           totals, trace, trace_alpha, hot):
    """Skip-gram: the pairs of sent[i]'s window in one sweep of its output rows
    (hs: its path; negative sampling: o and K negatives, shared by the window)."""
    loss_kind, K = settings[1], settings[3]
    rows, signs, context = scratch[1], scratch[2], scratch[6]
    state, m, n = _window(loss_kind, K, sent, i, first, stop, state, syn1, tables, scratch,
                          int(totals[4]), totals, hot)
    if m == 0 or n < 0:
        return state
    if loss_kind == HS:
        for k in range(n - 1, -1, -1):  # the path's rows at once, not one miss after another
            prefetch_row(syn1, rows[k])
    window_pairs(syn0, syn1, sent[i], context, m, rows, signs, n, _negatives(loss_kind, K),
                 alpha, scratch[8:], totals, trace, trace_alpha, settings[6])
    return state


@njit(inline="always", **JIT)
def _skipgram_centre(settings, syn0, syn1, i, first, stop, tables, alpha, state, scratch,
                     totals, trace, trace_alpha, hot):
    """The skip-gram pairs (sent[j], sent[i]) of the window sent[first:stop], one by one."""
    loss_kind, K, loss_every = settings[1], settings[3], settings[6]
    sent, rows, signs, g, E = scratch[0], scratch[1], scratch[2], scratch[3], scratch[5]
    for j in range(first, stop):
        if j == i:
            continue
        state, nt = _targets(loss_kind, K, sent[i], state, syn1, tables, scratch,
                             int(totals[2]), hot)
        if _gave_up(nt, totals):
            return state
        want = loss_every > 0 and int(totals[2]) % loss_every == 0
        record(trace, trace_alpha, int(totals[2]), sent[i], sent, j, 1, rows,
               _negatives(loss_kind, K), alpha)
        totals[0] += skipgram_pair(loss_kind, syn0, syn1, input_row(sent[j], hot), sent[i],
                                   rows, signs, nt, alpha, E, g, want)
        totals[1] += want
        totals[2] += 1
    return state


@njit(inline="always", **JIT)
def _cbow_centre(settings, syn0, syn1, i, first, stop, tables, alpha, state, scratch,
                 totals, trace, trace_alpha, hot):
    """The CBOW pair (the window sent[first:stop] but i, sent[i])."""
    loss_kind, K, loss_every = settings[1], settings[3], settings[6]
    sent, rows, signs, g, H, E, context = scratch[:7]
    state, m, nt = _window(loss_kind, K, sent, i, first, stop, state, syn1, tables, scratch,
                           int(totals[2]), totals, hot)
    if m == 0 or nt < 0:
        return state
    want = loss_every > 0 and int(totals[2]) % loss_every == 0
    record(trace, trace_alpha, int(totals[2]), sent[i], context, 0, m, rows,
           _negatives(loss_kind, K), alpha)
    totals[0] += cbow_pair(loss_kind, syn0, syn1, context, m, sent[i], rows, signs, nt,
                           alpha, H, E, g, want)
    totals[1] += want
    totals[2] += 1
    return state


@njit(**JIT)
def train_piece(settings, syn0, syn1, n, tables, alpha, state, scratch, totals, trace,
                trace_alpha, control, hot):
    """Train on the n subsampled words scratch[0][:n] of one piece; returns the state.

    totals (float64 (6,)) accumulates: loss sum, pairs in it, pairs, words kept,
    centre words seen; the loss is computed for every loss_every-th pair (so a
    job with a pair has a loss). It stops early (totals[STATUS]) once control[0]
    is non-zero (read at every centre word) or a negative cannot be drawn.
    hot: w2v.training.hot_rows's (which rows are this job's own).
    """
    model, loss_kind, window = settings[0], settings[1], settings[2]
    sweep = model == SKIPGRAM and loss_kind != SOFTMAX and settings.shape[0] > 7 and \
        settings[7] != 0
    sent = scratch[0]
    for i in range(n):
        if control[0] != 0:  # a stop asked for meanwhile, by another thread
            totals[STATUS] = STOPPED
            return state
        _prefetch_ahead(loss_kind, syn0, syn1, sent, i, n, window, hot)
        state, r = rand_below(state, window)            # b = r + 1, uniform in 1..window
        first, stop = max(0, i - r - 1), min(n, i + r + 2)
        totals[4] += 1
        if sweep:
            state = _sweep(settings, syn0, syn1, sent, i, first, stop, tables, scratch, alpha,
                           state, totals, trace, trace_alpha, hot)
        elif model == SKIPGRAM:
            state = _skipgram_centre(settings, syn0, syn1, i, first, stop, tables, alpha,
                                     state, scratch, totals, trace, trace_alpha, hot)
        else:
            state = _cbow_centre(settings, syn0, syn1, i, first, stop, tables, alpha, state,
                                 scratch, totals, trace, trace_alpha, hot)
        if totals[STATUS] == GAVE_UP:
            return state
    return state


@njit(**JIT)
def train_job(settings, syn0, syn1, ids, starts, tables, alphas, seed, control, trace,
              trace_alpha):
    """Train on pieces lo..hi-1 of the encoded corpus (ids, starts), in place.

    settings -- int64 [model, loss, window, K, lo, hi, loss_every, sweep, N, base0,
              base1] (the last four optional): sweep 1 takes skip-gram (hs or
              neg) a window at a time (w2v.training.window_sweep: fewer reads and
              writes of the output rows; 0 when one thread runs); N > 0: the job trains
              its own copies of N rows of each matrix, at rows base0 and base1 on
              (w2v.training.hot_rows; 0 when one thread runs)
    syn0, syn1 -- the input and output vectors (float32 or float64), updated in
              place: V rows each (tables' V), then any private rows
    tables -- (keep float64 (V,), accept float32 (V,), alias int32 (V,),
              codes uint8 (V, L), points int32 (V, L), lengths int32 (V,))
    alphas -- float64 [alpha at the job's first word, its decrease per word];
              alpha is constant within a piece (at most 10,000 words)
    seed -- uint64, the job's generator state (``job_seed``)
    control -- int64 (1,): another thread sets control[0] to stop the job at
              the next centre word (a second Ctrl-C: the vectors are then
              not saved)
    trace, trace_alpha -- int64 (P, 2 + 2 window + K), float64 (P,): the first P
              pairs' words and alpha, for the tests; P = 0 when training
    Returns float64 [loss sum, pairs in the loss, pairs, words kept, centre words,
    status]: status FINISHED, STOPPED (control) or GAVE_UP (no negative other
    than a target could be drawn: a distribution on one word).
    """
    window, K, lo, hi = settings[2], settings[3], settings[4], settings[5]
    longest = 1
    for p in range(lo, hi):
        longest = max(longest, starts[p + 1] - starts[p])
    width = max(K + 1, tables[3].shape[1])
    rows_g = syn1.shape[0] if settings[1] == SOFTMAX else width   # no private rows then
    scratch = (np.empty(longest, np.int32), np.empty(width, np.int64), np.empty(width),
               np.empty(rows_g, syn0.dtype), np.empty((1, syn0.shape[1]), syn0.dtype),
               np.empty((1, syn0.shape[1]), syn0.dtype), np.empty(2 * window, np.int64),
               np.empty((NEG_AHEAD, K), np.int64)) + _run_scratch(window, width, syn0)
    totals = np.zeros(6)
    hot = hot_settings(settings, tables[0].shape[0])
    start0, start1 = take_rows(syn0, syn1, hot)
    _train_pieces(settings, (syn0, syn1, ids, starts, alphas, trace, trace_alpha, totals,
                             control), tables, scratch, seed, hot)
    give_back(syn0, syn1, hot, start0, start1)
    return totals


@njit(inline="always", **JIT)
def _run_scratch(window, L, syn0):
    """window_run's scratch: D (M, L), C, CT (M L), G (M, M), Eb (M, d), F (M): M = 2 window,
    L the most output rows of a pair."""
    m, dtype = 2 * window, syn0.dtype
    return (np.empty((m, L), dtype), np.empty(m * L, dtype), np.empty(m * L, dtype),
            np.empty((m, m), dtype), np.empty((m, syn0.shape[1]), dtype), np.empty(m, dtype))


@njit(**JIT)
def _train_pieces(settings, arrays, tables, scratch, state, hot):
    """train_job's loop, on borrowed arrays: train_job keeps them alive meanwhile."""
    syn0, syn1, ids, starts, alphas, trace, trace_alpha, totals, control = borrow(arrays)
    tables, scratch = borrow(tables), borrow(scratch)
    if settings[1] == NEG:
        state = fill_ring(scratch[7], state, tables[1], tables[2])
    done = 0
    for p in range(settings[4], settings[5]):
        a, b = starts[p], starts[p + 1]
        state, n = subsample(ids[a:b], tables[0], scratch[0], state)
        totals[3] += n
        state = train_piece(settings, syn0, syn1, n, tables, alphas[0] - alphas[1] * done,
                            state, scratch, totals, trace, trace_alpha, control, hot)
        if totals[STATUS] != FINISHED:
            return
        done += b - a


EXPORTS = [("train_job_" + np.dtype(dtype).name, train_job, train_job_signature(dtype))
           for dtype in DTYPES] + [("alias_table", alias_table, ALIAS_TABLE_SIGNATURE),
                                   ("huffman_merge", heap_merge, HUFFMAN_MERGE_SIGNATURE)]
