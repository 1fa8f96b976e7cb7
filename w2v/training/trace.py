"""A job's trace: the words and alpha of its first pairs, for the tests' replay."""

from numba import njit

from w2v.training.kernel_args import JIT


@njit(inline="always", **JIT)
def record(trace, trace_alpha, t, o, inputs, first, m, rows, n_neg, alpha):
    """Row t of a job's trace: [o, m, inputs[first:first + m] (2 window slots), negatives]."""
    if t >= trace.shape[0]:
        return
    trace[t, 0] = o
    trace[t, 1] = m
    for j in range(m):
        trace[t, 2 + j] = inputs[first + j]
    for k in range(n_neg):
        trace[t, trace.shape[1] - n_neg + k] = rows[1 + k]
    trace_alpha[t] = alpha
