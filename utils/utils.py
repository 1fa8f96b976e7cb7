"""Small numerical helpers shared by the assignment code."""

import numpy as np

from w2v.linalg import unit_rows


def normalizeRows(x):
    """Scale every row of ``x`` (N, d) to unit L2 norm; returns a new (N, d) array.

    A row of zeros stays zeros; exact for any finite row (w2v.linalg.unit_rows).
    """
    return unit_rows(x)


def softmax(x):
    """Softmax of a vector (n,) or of each row of a matrix (N, n).

    Subtracting the row maximum first keeps ``exp`` from overflowing; the result
    is mathematically unchanged because softmax is shift-invariant.
    """
    x = np.asarray(x, dtype=float)
    shifted = x - np.max(x, axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=-1, keepdims=True)
