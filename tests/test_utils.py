"""utils/utils.py: normalizeRows and softmax."""

import numpy as np

from utils.utils import normalizeRows, softmax


def test_normalize_rows():
    x = np.array([[3.0, 4.0], [1.0, 2.0], [0.0, 0.0]])
    n = normalizeRows(x)
    assert np.allclose(n[:2], [[0.6, 0.8], [1 / np.sqrt(5), 2 / np.sqrt(5)]])
    assert np.array_equal(n[2], [0.0, 0.0])  # a zero row stays zero, no NaN
    assert np.allclose(np.linalg.norm(normalizeRows(np.random.default_rng(0).normal(
        size=(7, 4))), axis=1), 1.0)


def test_softmax_vector_and_rows():
    assert np.allclose(softmax(np.array([1.0, 2.0])), [0.26894142, 0.73105858])
    m = np.array([[1001.0, 1002.0], [3.0, 4.0]])
    assert np.allclose(softmax(m), [[0.26894142, 0.73105858]] * 2)
    with np.errstate(over="raise", invalid="raise"):
        big = softmax(np.array([1e4, 0.0, -1e4]))
    assert np.allclose(big, [1.0, 0.0, 0.0]) and np.isclose(big.sum(), 1.0)


def test_normalize_rows_is_exact_for_huge_and_tiny_rows():
    x = np.array([[1e200, 1e200], [3e-200, 4e-200], [-1e308, 1e308], [5e-324, 0.0]])
    n = normalizeRows(x)
    assert np.allclose(n, [[2 ** -0.5, 2 ** -0.5], [0.6, 0.8], [-2 ** -0.5, 2 ** -0.5],
                           [1.0, 0.0]])
    assert np.allclose(np.linalg.norm(n, axis=1), 1.0)


def test_normalize_rows_keeps_ordinary_rows_bit_for_bit():
    # The published self-check vectors depend on these exact bits.
    x = np.random.default_rng(1).normal(size=(20, 3))
    expected = x / np.sqrt(np.sum(x * x, axis=1, keepdims=True))
    assert np.array_equal(normalizeRows(x), expected)
