"""Skip-gram with 2+ workers: the pairs of one window in one sweep of its output rows.

Every pair of a skip-gram window has the same target, the centre word o, so
the same n rows u_k of U with signs s_k = +-1: o's Huffman path for
hierarchical softmax; for negative sampling o and K negatives drawn once for
the window (word2vec C draws K per pair; sharing them across a window, as
Ji et al.'s pWord2Vec does, leaves the vectors' quality as it was:
docs/speed-history.md).
Pair by pair, each of those rows is read and written 2b times per window, and
the rows at the top of the tree, on every path, are written by every pair of
every thread. Here a run of pairs whose inputs h_j = v_{c_j} are distinct
words is done in one sweep, with the same result as its pairs one after the
other (equal in exact arithmetic; the tests prove it to rounding): pair j
sees u_k moved by the pairs before it,

    u_k^(j) = u_k + sum_{j'<j} c_j'k h_j'        c_jk = alpha s_k sigma(-z_jk)
    z_jk    = s_k (h_j . u_k + sum_{j'<j} c_j'k (h_j' . h_j))
    E_j     = sum_k c_jk u_k^(j)
            = sum_k c_jk u_k + sum_{j'<j} (sum_k c_jk c_j'k) h_j'

and then v_{c_j} += E_j (-alpha dJ/dv_c of the pair), u_k += sum_j c_jk h_j.
Each output row is read once for the scores and once for the update; the m
inputs and their Gram matrix G_j'j = h_j' . h_j stay in the first-level cache.
A word twice in a window ends the run: its second pair reads the v_c its
first pair moved. A negative drawn twice (u_k and u_k' one row) breaks the
sums above: such a window's pairs go one at a time (runs of one pair).
"""

from numba import njit

from w2v.training.kernel_args import JIT
from w2v.training.rowops import axpy, binary_coefficients, dot, unsigned
from w2v.training.simd import combine_rows, combine_rows2, dot_tile
from w2v.training.trace import record


@njit(inline="always", **JIT)
def distinct_run(context, a, m):
    """The end b of the run context[a:b]: b = m, or the first word seen earlier in it."""
    for b in range(a + 1, m):
        for j in range(a, b):
            if context[j] == context[b]:
                return b
    return m


@njit(inline="always", **JIT)
def distinct_rows(rows, n):
    """Whether rows[:n] are n different rows."""
    for k in range(1, n):
        for kp in range(k):
            if rows[kp] == rows[k]:
                return False
    return True


@njit(inline="always", **JIT)
def _scores(syn0, syn1, context, a, m, rows, n, D, G):
    """D[j, k] = h_{a+j} . u_k and G[j', j] = h_{a+j'} . h_{a+j} (j' < j), before the run.

    Two by two (dot_tile; the last of an odd count taken twice)."""
    for k in range(0, n, 2):
        k1 = min(k + 1, n - 1)
        for j in range(0, m, 2):
            j1 = min(j + 1, m - 1)
            D[j, k], D[j, k1], D[j1, k], D[j1, k1] = dot_tile(
                syn0, (context[a + j], context[a + j1]), syn1, (rows[k], rows[k1]))
    for j in range(0, m, 2):
        j1 = min(j + 1, m - 1)
        for jp in range(0, j, 2):   # jp + 1 < j
            G[jp, j], G[jp, j1], G[jp + 1, j], G[jp + 1, j1] = dot_tile(
                syn0, (context[a + jp], context[a + jp + 1]), syn0, (context[a + j],
                                                                      context[a + j1]))
        if j1 > j:
            G[j, j1] = dot(syn0, context[a + j], syn0, context[a + j1])


@njit(inline="always", **JIT)
def _coefficients(signs, n, m, alpha, D, G, C, CT, t0, loss_every):
    """C[j L + k] = CT[k M + j] = c_jk (L, M: D's columns and rows), pair by pair.

    Returns (loss of the pairs t0 + j with (t0 + j) % loss_every == 0, their number).
    """
    L, M = D.shape[1], D.shape[0]
    loss, counted = 0.0, 0
    for j in range(m):
        row = unsigned(j * L)   # x_jk = h_j . u_k^(j): D's, plus the pairs before j via G
        for k in range(unsigned(n)):
            C[row + k] = D[j, k]
        for jp in range(j):
            g, before = G[jp, j], unsigned(jp * L)
            for k in range(unsigned(n)):
                C[row + k] += C[before + k] * g
        want = loss_every > 0 and (t0 + j) % loss_every == 0
        loss += binary_coefficients(signs, n, alpha, C, row, want)
        counted += want
        for k in range(n):
            CT[k * M + j] = C[row + k]
    return loss, counted


@njit(inline="always", **JIT)
def window_run(syn0, syn1, context, a, b, rows, signs, n, alpha, scratch, t0, loss_every):
    """The skip-gram pairs (context[a..b-1], o) in order; o's output rows[:n], signs[:n].

    context[a:b] must be distinct words (``distinct_run``), rows[:n] distinct
    rows (``distinct_rows``). scratch (the vectors' dtype; M = 2 window, L at
    least n): D (M, L), C and CT (M L,), G (M, M), Eb (M, d), F (M,). t0: the
    index of the run's first pair among the job's. Returns (loss sum of the
    pairs t with t % loss_every == 0, their number).
    """
    D, C, CT, G, Eb, F = scratch
    m, L, M = b - a, D.shape[1], D.shape[0]
    _scores(syn0, syn1, context, a, m, rows, n, D, G)
    loss, counted = _coefficients(signs, n, m, alpha, D, G, C, CT, t0, loss_every)
    for j in range(m):          # E_j = sum_k c_jk u_k + sum_{j'<j} (c_j . c_j') h_j'
        for i in range(Eb.shape[1]):
            Eb[j, i] = 0
    for j in range(0, m - 1, 2):  # the sums over k two pairs at a time: u_k loaded once
        combine_rows2(C, j * L, (j + 1) * L, syn1, rows, 0, n, Eb, j, j + 1)
    if m % 2:
        combine_rows(C, (m - 1) * L, syn1, rows, 0, n, Eb, m - 1)
    for j in range(m):
        row = unsigned(j * L)
        for jp in range(j):
            f, before = D.dtype.type(0), unsigned(jp * L)
            for k in range(unsigned(n)):
                f += C[row + k] * C[before + k]
            F[jp] = f
        combine_rows(F, 0, syn0, context, a, j, Eb, j)
    for k in range(0, n, 2):    # u_k += sum_j c_jk h_j, two rows at a time: h_j loaded once
        if k + 1 < n and rows[k] != rows[k + 1]:   # (a negative drawn twice goes one by one)
            combine_rows2(CT, k * M, (k + 1) * M, syn0, context, a, m, syn1, rows[k],
                          rows[k + 1])
        else:
            for q in range(k, min(k + 2, n)):
                combine_rows(CT, q * M, syn0, context, a, m, syn1, rows[q])
    for j in range(m):
        axpy(syn0.dtype.type(1), Eb, j, syn0, context[a + j])
    return loss, counted


@njit(inline="always", **JIT)
def window_pairs(syn0, syn1, o, context, m, rows, signs, n, n_neg, alpha, scratch, totals,
                 trace, trace_alpha, loss_every):
    """The window's pairs (context[j], o), j < m, in runs of distinct inputs (window_run).

    n_neg: how many of rows[1:] are negatives, for the trace. Counts the pairs
    in totals (loss sum, pairs in it, pairs) and the trace, as
    w2v.training.kernels.train_piece does pair by pair.
    """
    a, one_by_one = 0, n_neg > 0 and not distinct_rows(rows, n)
    while a < m:
        b = a + 1 if one_by_one else distinct_run(context, a, m)
        t0 = int(totals[2])
        for j in range(a, b):
            record(trace, trace_alpha, t0 + j - a, o, context, j, 1, rows, n_neg, alpha)
        loss, counted = window_run(syn0, syn1, context, a, b, rows, signs, n, alpha, scratch,
                                   t0, loss_every)
        totals[0] += loss
        totals[1] += counted
        totals[2] += b - a
        a = b
