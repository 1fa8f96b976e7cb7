"""Row operations of the training kernels: dot, axpy, and the sigmoid's step sizes.

Rows are read by index (A[i, k]), never as views: see w2v.training.kernels.
Inlined into the kernels; fastmath's reassociation lets LLVM vectorise the loops.
The arithmetic itself is w2v.training.simd's, in explicit vectors.
"""

import math

import numpy as np
from numba import njit

from w2v.training.kernel_args import JIT
from w2v.training.simd import axpy_rows, dot_rows, sigmoid_coefficients


@njit(inline="always", **JIT)
def dot(A, i, B, j):
    """A[i] . B[j]."""
    return dot_rows(A, i, B, j)


@njit(inline="always", **JIT)
def axpy(a, X, i, Y, j):
    """Y[j] += a * X[i]."""
    axpy_rows(a, X, i, Y, j)


@njit(inline="always", **JIT)
def unsigned(i):
    """i as an unsigned index. numba reads A[i + k] with i + k < 0 as A[len + i + k]
    (Python's negative indices); with a signed offset i, LLVM cannot rule that out,
    and the select between the two addresses keeps it from vectorising the loop."""
    return np.uint64(i)


@njit(inline="always", **JIT)
def binary_loss(z):
    """-log sigma(z) = max(-z, 0) + log(1 + e^-|z|), in float64: no overflow at any z.

    (log(1 + e) in float64 has an error ~1e-16 absolute; float32's log1pf cost
    as much as all the exps of the pairs whose loss was not wanted.)
    """
    z = float(z)
    return max(-z, 0.0) + math.log(1.0 + math.exp(-abs(z)))


@njit(inline="always", **JIT)
def binary_coefficients(signs, n, alpha, X, x0, want_loss):
    """X[x0 + k] <- c_k = alpha s_k sigma(-s_k x_k), k < n, from the scores x_k = X[x0 + k].

    s_k = signs[k] = +-1. c_k = -alpha dJ/dx_k for J = -sum_k log sigma(s_k x_k)
    (negative sampling: x_k = u_k . h). Returns J if want_loss, else 0.
    """
    loss = 0.0
    if want_loss:
        for k in range(n):
            loss += binary_loss(signs[k] * X[x0 + k])
    sigmoid_coefficients(signs, n, alpha, X, x0)
    return loss
