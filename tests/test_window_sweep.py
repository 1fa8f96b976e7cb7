"""w2v.training.window_sweep: a skip-gram window's pairs in one sweep equal them one by one.

The sweep computes pair j's scores from the rows before the run plus the
changes of the pairs before j (window_sweep's docstring). Against the kernel's
own pair step (proven equal to word2vec.py's gradients in test_kernels.py),
taken pair after pair on a copy, it must give the same vectors and losses.
"""

import numpy as np
import pytest
from numba import njit

from w2v.training import kernels
from w2v.training.window_sweep import distinct_rows, distinct_run, window_pairs, window_run


@njit
def _distinct_run(context, a, m):
    return distinct_run(context, a, m)


@njit
def _distinct_rows(rows, n):
    return distinct_rows(rows, n)


@njit
def _pairs(syn0, syn1, o, context, m, rows, signs, n, n_neg, alpha, scratch, totals, trace,
           trace_alpha, loss_every):
    window_pairs(syn0, syn1, o, context, m, rows, signs, n, n_neg, alpha, scratch, totals,
                 trace, trace_alpha, loss_every)


@njit
def _sweep(syn0, syn1, context, a, b, rows, signs, n, alpha, scratch, t0, loss_every):
    return window_run(syn0, syn1, context, a, b, rows, signs, n, alpha, scratch, t0, loss_every)


def _scratch(M, L, d, dtype):
    return (np.empty((M, L), dtype), np.empty(M * L, dtype), np.empty(M * L, dtype),
            np.empty((M, M), dtype), np.empty((M, d), dtype), np.empty(M, dtype))


def _setup(dtype, seed=0, V=9, d=20, n=6, loss="hs"):
    """hs: a path (distinct inner nodes, signs +-1); neg: o = 0 and distinct negatives."""
    rng = np.random.default_rng(seed)
    syn0 = rng.standard_normal((V, d)).astype(dtype)
    syn1 = (0.5 * rng.standard_normal((V, d))).astype(dtype)
    if loss == "hs":
        rows = rng.permutation(V - 1)[:n].astype(np.int64)
        signs = rng.choice([-1.0, 1.0], size=n)
    else:
        rows = np.array([0, 4, 2, 7, 1, 8][:n], np.int64)
        signs = np.array([1.0] + [-1.0] * (n - 1))
    return syn0, syn1, rows, signs


def _pair_by_pair(syn0, syn1, context, a, b, rows, signs, n, alpha):
    """The same pairs through kernels.skipgram_pair, in order; returns their losses
    (hs and neg take the same step on their rows and signs)."""
    d, losses = syn0.shape[1], []
    E, g = np.zeros((1, d), syn0.dtype), np.zeros(n, syn0.dtype)
    for j in range(a, b):
        losses.append(kernels.skipgram_pair(kernels.HS, syn0, syn1, context[j], 0, rows,
                                            signs, n, alpha, E, g, True))
    return losses


@pytest.mark.parametrize("kind", ["hs", "neg"])
@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float32, 2e-5)])
@pytest.mark.parametrize("a,b", [(0, 1), (0, 6), (2, 5)])
def test_sweep_equals_the_pairs_one_by_one(dtype, tol, a, b, kind):
    syn0, syn1, rows, signs = _setup(dtype, loss=kind)
    context = np.array([3, 0, 7, 5, 1, 8], np.int64)
    n, alpha = len(rows), 0.1
    want0, want1 = syn0.copy(), syn1.copy()
    losses = _pair_by_pair(want0, want1, context, a, b, rows, signs, n, alpha)
    got0, got1 = syn0.copy(), syn1.copy()
    loss, counted = _sweep(got0, got1, context, a, b, rows, signs, n, alpha,
                           _scratch(6, 8, syn0.shape[1], dtype), 0, 1)
    np.testing.assert_allclose(got0, want0, rtol=tol, atol=tol)
    np.testing.assert_allclose(got1, want1, rtol=tol, atol=tol)
    assert not np.allclose(got1, syn1)                 # the output rows did move
    assert counted == b - a and abs(loss - sum(losses)) <= tol * max(1.0, sum(losses))


def test_sweep_counts_the_loss_of_every_kth_pair_only():
    syn0, syn1, rows, signs = _setup(np.float64, seed=1)
    context = np.array([3, 0, 7, 5, 1, 8], np.int64)
    losses = _pair_by_pair(syn0.copy(), syn1.copy(), context, 0, 6, rows, signs, len(rows),
                           0.1)
    loss, counted = _sweep(syn0, syn1, context, 0, 6, rows, signs, len(rows), 0.1,
                           _scratch(6, 8, syn0.shape[1], np.float64), 5, 3)
    assert counted == 2                              # pairs 6 and 9 of the job: j = 1, 4
    assert abs(loss - (losses[1] + losses[4])) <= 1e-12 * loss


def test_a_run_ends_where_a_word_comes_again():
    context = np.array([4, 2, 9, 2, 4, 7], np.int64)
    assert _distinct_run(context, 0, 6) == 3         # 2 again at 3
    assert _distinct_run(context, 3, 6) == 6         # 2, 4, 7
    assert _distinct_run(context, 0, 1) == 1
    assert _distinct_run(np.array([5, 5], np.int64), 0, 2) == 1


def test_a_window_whose_negatives_repeat_goes_pair_by_pair():
    syn0, syn1, _, _ = _setup(np.float64, seed=2)
    rows, signs = np.array([0, 4, 2, 4], np.int64), np.array([1.0, -1.0, -1.0, -1.0])
    context = np.array([3, 6, 7, 5], np.int64)
    want0, want1 = syn0.copy(), syn1.copy()
    losses = _pair_by_pair(want0, want1, context, 0, 4, rows, signs, 4, 0.1)
    totals, trace = np.zeros(6), np.full((8, 2 + 8 + 3), -1, np.int64)
    _pairs(syn0, syn1, 0, context, 4, rows, signs, 4, 3, 0.1,
           _scratch(8, 8, syn0.shape[1], np.float64), totals, trace, np.zeros(8), 1)
    np.testing.assert_allclose(syn0, want0, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(syn1, want1, rtol=1e-12, atol=1e-12)
    assert totals[2] == 4 and totals[0] == pytest.approx(sum(losses), rel=1e-12)
    assert np.array_equal(trace[:4, -3:], np.tile([4, 2, 4], (4, 1)))   # shared negatives
    assert _distinct_rows(rows, 3) and not _distinct_rows(rows, 4)
