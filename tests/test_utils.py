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
