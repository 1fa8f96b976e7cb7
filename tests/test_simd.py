"""w2v.training.simd's row operations against NumPy, at every length around a vector's.

The intrinsics step through a row in 64-byte vectors (two at a time for the
dot product) and finish the rest in one vector of each smaller power-of-two
width it needs: every length up to 5, lengths around one and two vectors
(16 and 32 float32, 8 and 16 float64), and the trainer's usual 100 and 300
must all give NumPy's values.
"""

import numpy as np
import pytest
from numba import njit

from w2v.training.simd import axpy_rows, combine_rows, combine_rows2, dot_rows, dot_tile

LENGTHS = [1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 31, 32, 33, 47, 100, 300]


@njit
def _dot(A, i, B, j):
    return dot_rows(A, i, B, j)


@njit
def _axpy(a, X, i, Y, j):
    axpy_rows(a, X, i, Y, j)


def _matrices(d, dtype, seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((3, d)).astype(dtype), rng.standard_normal((4, d)).astype(dtype)


@pytest.mark.parametrize("dtype,rtol", [(np.float64, 1e-13), (np.float32, 2e-5)])
@pytest.mark.parametrize("d", LENGTHS)
def test_dot_rows_equals_numpy(d, dtype, rtol):
    A, B = _matrices(d, dtype, d)
    got = _dot(A, 2, B, 1)
    expected = np.dot(A[2].astype(np.float64), B[1].astype(np.float64))
    scale = np.abs(A[2].astype(np.float64)) @ np.abs(B[1].astype(np.float64))
    assert abs(got - expected) <= rtol * scale


@njit
def _tile_1x4(A, i, B, k):
    return dot_tile(A, (i,), B, (k[0], k[1], k[2], k[3]))


@njit
def _tile_2x3(A, i, B, k):
    return dot_tile(A, (i[0], i[1]), B, (k[0], k[1], k[2]))


@pytest.mark.parametrize("dtype,rtol", [(np.float64, 1e-13), (np.float32, 2e-5)])
@pytest.mark.parametrize("d", LENGTHS)
@pytest.mark.parametrize("shape", ["1x4", "2x3"])
def test_dot_tile_equals_numpy_products_in_order(d, dtype, rtol, shape):
    A, B = _matrices(d, dtype, 50 + d)
    if shape == "1x4":
        rows_a, rows_b = [2], [1, 3, 3, 0]      # a row twice, as the kernels' last tile
        got = _tile_1x4(A, 2, B, np.array(rows_b))
    else:
        rows_a, rows_b = [0, 2], [3, 1, 2]
        got = _tile_2x3(A, np.array(rows_a), B, np.array(rows_b))
    wide_a, wide_b = A.astype(np.float64), B.astype(np.float64)
    expected = [wide_a[i] @ wide_b[k] for i in rows_a for k in rows_b]
    scale = [np.abs(wide_a[i]) @ np.abs(wide_b[k]) for i in rows_a for k in rows_b]
    assert len(got) == len(expected)
    assert np.all(np.abs(np.array(got) - expected) <= rtol * np.array(scale))


@pytest.mark.parametrize("dtype,rtol", [(np.float64, 1e-15), (np.float32, 1e-6)])
@pytest.mark.parametrize("d", LENGTHS)
def test_axpy_rows_equals_numpy_and_touches_one_row(d, dtype, rtol):
    X, Y = _matrices(d, dtype, 100 + d)
    expected = Y.astype(np.float64)
    expected[3] += 0.37 * X[0].astype(np.float64)
    got = Y.copy()
    _axpy(0.37, X, 0, got, 3)
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=rtol)
    assert np.array_equal(got[:3], Y[:3])          # the other rows are untouched


def test_axpy_rows_on_one_matrix_and_its_own_row():
    X = np.arange(40, dtype=np.float32).reshape(2, 20)
    expected = X.copy()
    expected[0] += 2 * expected[1]
    _axpy(2.0, X, 1, X, 0)
    assert np.array_equal(X, expected)
    _axpy(-0.5, X, 1, X, 1)                        # y += a y: halves the row
    assert np.array_equal(X[1], expected[1] / 2)


def test_rows_of_other_layouts_or_dtypes_are_refused():
    A = np.ones((3, 8), np.float32)
    with pytest.raises(Exception, match="dot_rows"):
        _dot(A, 0, np.ones((3, 8), np.float64), 0)     # dtypes differ
    with pytest.raises(Exception, match="dot_rows"):
        _dot(np.asfortranarray(A), 0, A, 1)             # not C-ordered


@njit
def _combine(coefs, c0, X, rows, r0, count, Y, j):
    combine_rows(coefs, c0, X, rows, r0, count, Y, j)


@pytest.mark.parametrize("dtype,rtol", [(np.float64, 1e-13), (np.float32, 1e-5)])
@pytest.mark.parametrize("d", LENGTHS)
@pytest.mark.parametrize("count", [0, 1, 5])
def test_combine_rows_equals_its_axpys(d, dtype, rtol, count):
    rng = np.random.default_rng(d + count)
    X, Y = rng.standard_normal((6, d)).astype(dtype), rng.standard_normal((3, d)).astype(dtype)
    coefs = rng.standard_normal(9).astype(dtype)
    rows = np.array([5, 5, 4, 0, 4, 2, 5, 1, 3], np.int32)   # a row twice: both terms count
    expected = Y.astype(np.float64)
    for t in range(count):
        expected[1] += float(coefs[2 + t]) * X[rows[1 + t]].astype(np.float64)
    got = Y.copy()
    _combine(coefs, 2, X, rows, 1, count, got, 1)
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=rtol * 10)
    assert np.array_equal(got[[0, 2]], Y[[0, 2]])


@njit
def _combine2(coefs, c0, c1, X, rows, r0, count, Y, j0, j1):
    combine_rows2(coefs, c0, c1, X, rows, r0, count, Y, j0, j1)


@pytest.mark.parametrize("dtype,rtol", [(np.float64, 1e-13), (np.float32, 1e-5)])
@pytest.mark.parametrize("d", LENGTHS)
@pytest.mark.parametrize("count", [0, 1, 5])
def test_combine_rows2_equals_two_combine_rows(d, dtype, rtol, count):
    rng = np.random.default_rng(1000 + d + count)
    X, Y = rng.standard_normal((6, d)).astype(dtype), rng.standard_normal((4, d)).astype(dtype)
    coefs = rng.standard_normal(12).astype(dtype)
    rows = np.array([5, 5, 4, 0, 4, 2, 5, 1, 3], np.int32)
    expected = Y.copy()
    _combine(coefs, 2, X, rows, 1, count, expected, 3)
    _combine(coefs, 6, X, rows, 1, count, expected, 0)
    got = Y.copy()
    _combine2(coefs, 2, 6, X, rows, 1, count, got, 3, 0)
    assert np.array_equal(got, expected)   # the same sums, term by term: the same bits
    if count:
        assert not np.array_equal(got[[0, 3]], Y[[0, 3]])
    assert np.array_equal(got[[1, 2]], Y[[1, 2]])
