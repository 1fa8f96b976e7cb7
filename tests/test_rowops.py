"""w2v.training.rowops' step sizes c_k = alpha s_k sigma(-s_k x_k) (w2v.training.simd's
sigmoid_coefficients, with its own float32 exponential) against the float64 formula:
within a few ulp on a million scores, right at the edges (0, +-inf, a NaN), and the
loss J = -sum_k log sigma(s_k x_k) beside them.
"""

import math

import numpy as np
import pytest
from numba import njit

from w2v.training.kernel_args import JIT
from w2v.training.rowops import binary_coefficients


@njit(**JIT)
def _coefficients(signs, alpha, X, x0, n, want_loss):
    return binary_coefficients(signs, n, alpha, X, x0, want_loss)


def _ulps(got, exact):
    """|got - exact| in units of the float32 spacing at exact (exact: float64)."""
    spacing = np.spacing(np.abs(exact).astype(np.float32)).astype(np.float64)
    return np.abs(got.astype(np.float64) - exact) / spacing


def test_float32_coefficients_are_within_a_few_ulp_on_a_million_scores():
    # sigma(-x) = e / (1 + e), e = exp(-x), for x >= 0: every exponent down to -87
    x = np.linspace(0, 87, 1_000_001).astype(np.float32)
    x = np.concatenate([x, np.random.default_rng(0).exponential(3, 200_000).astype(np.float32)])
    signs = np.ones(len(x))
    got = x.copy()
    _coefficients(signs, 1.0, got, 0, len(x), False)
    exact = 1 / (1 + np.exp(x.astype(np.float64)))
    assert _ulps(got, exact).max() <= 3
    assert got[0] == 0.5 and got.dtype == np.float32


@pytest.mark.parametrize("score,sign,expected", [(0.0, 1.0, 0.5), (-0.0, -1.0, -0.5),
                                                 (100.0, 1.0, 0.0), (-100.0, 1.0, 1.0),
                                                 (np.inf, 1.0, 0.0), (-np.inf, -1.0, 0.0),
                                                 (1e30, -1.0, -1.0)])
def test_float32_coefficients_at_the_edges(score, sign, expected):
    X = np.array([score], np.float32)
    _coefficients(np.array([sign]), 1.0, X, 0, 1, False)
    assert X[0] == expected


def test_a_nan_score_gives_a_nan_coefficient():
    for dtype in (np.float32, np.float64):
        X = np.array([1.0, np.nan, 2.0], dtype)
        _coefficients(np.ones(3), 0.025, X, 0, 3, False)
        assert np.isnan(X[1]) and np.isfinite(X[0]) and np.isfinite(X[2])


def _reference(signs, alpha, x):
    """c_k and J = -sum_k log sigma(s_k x_k), in float64."""
    z = signs * x.astype(np.float64)
    sigma_minus = 1 / (1 + np.exp(z))
    return alpha * signs * sigma_minus, float(np.sum(np.logaddexp(0, -z)))


@pytest.mark.parametrize("dtype,rtol", [(np.float32, 3e-7), (np.float64, 1e-15)])
@pytest.mark.parametrize("n", [1, 3, 8, 12, 19, 40])
def test_coefficients_are_the_formulas_at_any_score(n, dtype, rtol):
    rng = np.random.default_rng(n)
    scores = (rng.standard_normal(n) * rng.choice([0.01, 1, 10, 100], n)).astype(dtype)
    signs = rng.choice([1.0, -1.0], n)
    X = np.full(n + 5, 7, dtype)      # the scores at X[3:3 + n]; the rest untouched
    X[3:3 + n] = scores
    loss = _coefficients(signs, 0.025, X, 3, n, True)
    expected, expected_loss = _reference(signs, 0.025, scores)
    # float32: e^-87 and below are 0 (the true values are under 1.7e-38 there)
    tiny = 0.025 * 1.7e-38 if dtype == np.float32 else 0
    assert np.allclose(X[3:3 + n], expected, rtol=2 * rtol, atol=tiny)
    assert math.isclose(loss, expected_loss, rel_tol=1e-6)
    assert np.all(X[:3] == 7) and np.all(X[3 + n:] == 7)
    assert _coefficients(signs, 0.025, X.copy(), 3, n, False) == 0.0
