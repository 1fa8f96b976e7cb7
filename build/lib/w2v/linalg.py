"""Linear algebra the library shares: rows scaled to unit length."""

import numpy as np


def unit_rows(x):
    """Scale every row of ``x`` (N, d) to unit L2 norm; returns a new (N, d) array.

    A row of zeros stays zeros (dividing by a zero norm would make NaNs).
    Exact for any finite row: where the sum of squares overflows (entries
    near 1e200) or underflows (near 1e-200), the row is first divided by its
    largest magnitude.
    """
    x = np.asarray(x, dtype=float)
    with np.errstate(over="ignore", under="ignore"):  # such rows are rescued below
        norms = np.sqrt(np.sum(x * x, axis=-1, keepdims=True))
    tiny = np.finfo(float).tiny
    rescue = ~np.isfinite(norms) | ((norms < np.sqrt(tiny)) & np.any(x != 0, axis=-1,
                                                                       keepdims=True))
    if np.any(rescue):
        scale = np.max(np.abs(x), axis=-1, keepdims=True)
        scaled = x / np.where(rescue & (scale > 0), scale, 1.0)
        norms = np.where(rescue, np.sqrt(np.sum(scaled * scaled, axis=-1, keepdims=True)),
                         norms)
        x = np.where(rescue, scaled, x)
    return x / np.where(norms == 0.0, 1.0, norms)
