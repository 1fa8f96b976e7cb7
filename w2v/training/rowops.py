"""Row operations of the training kernels: dot, axpy, and sigma(-z) without overflow.

Rows are read by index (A[i, k]), never as views: see w2v.training.kernels.
Inlined into the kernels; fastmath's reassociation lets LLVM vectorise the loops.
"""

import math

from numba import njit

from w2v.training.kernel_args import JIT
from w2v.training.simd import axpy_rows, dot_rows


@njit(inline="always", **JIT)
def dot(A, i, B, j):
    """A[i] . B[j]."""
    return dot_rows(A, i, B, j)


@njit(inline="always", **JIT)
def axpy(a, X, i, Y, j):
    """Y[j] += a * X[i]."""
    axpy_rows(a, X, i, Y, j)


@njit(inline="always", **JIT)
def sigma_minus(z, one, want_loss):
    """(sigma(-z), -log sigma(z) if want_loss else 0); one: 1 in z's dtype.

    Both from e = exp(-|z|) <= 1: no overflow at any z. The loss takes
    log(1 + e) in float64 (error ~1e-16 absolute): float32's log1pf cost as
    much as all the exps of the pairs whose loss was not wanted.
    """
    e = math.exp(-abs(z))
    s = (e if z >= 0 else one) / (one + e)
    return s, (max(-z, 0.0) + math.log(1.0 + float(e)) if want_loss else 0.0)
