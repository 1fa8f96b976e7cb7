"""The training kernels' random numbers: one small generator per job, reproducible anywhere.

A 64-bit linear congruential generator (Knuth's MMIX constants; its high
bits are used), its state a uint64 passed along and returned by every draw,
seeded per job by splitmix64 of (seed, job) (``kernel_args.job_seed``): a
job's draws do not depend on which thread runs it or when. Walker's alias
table of the negatives' distribution (``alias_table``), drawn by ``draw_word``.
"""

import numpy as np
from numba import njit

from w2v.training.kernel_args import JIT, job_seed  # noqa: F401 (job_seed: re-exported)

_MUL = np.uint64(6364136223846793005)
_INC = np.uint64(1442695040888963407)
_HIGH = np.uint64(32)
_TO_53 = np.uint64(11)


@njit(inline="always", **JIT)
def rand_below(state, n):
    """(new state, an integer uniform in 0..n-1), n < 2**32: the high 32 bits times n."""
    state = np.uint64(state) * _MUL + _INC        # (a no-op cast unless called from Python)
    return state, np.int64(((state >> _HIGH) * np.uint64(n)) >> _HIGH)


@njit(inline="always", **JIT)
def rand_unit(state):
    """(new state, a float uniform in [0, 1)) from the high 53 bits."""
    state = np.uint64(state) * _MUL + _INC
    return state, (state >> _TO_53) * (1.0 / 9007199254740992.0)


@njit(inline="always", **JIT)
def draw_word(state, accept, alias):
    """(new state, a word drawn from the alias table's distribution)."""
    state, i = rand_below(state, accept.shape[0])
    state, u = rand_unit(state)
    return state, (i if u < accept[i] else np.int64(alias[i]))


@njit(cache=True)
def alias_table(p):
    """Walker's alias table of the distribution p (float64 (V,), summing to 1).

    Returns (accept float64 (V,), alias int32 (V,)): draw i uniform in 0..V-1
    and u in [0, 1); the sample is i if u < accept[i], else alias[i]. O(1)
    per draw whatever V, 12 bytes per word (word2vec C's table has 1e8 entries).
    """
    V = p.shape[0]
    accept = p * V
    alias = np.arange(V).astype(np.int32)
    small = np.empty(V, np.int64)
    large = np.empty(V, np.int64)
    ns = nl = 0
    for i in range(V):
        if accept[i] < 1.0:
            small[ns] = i
            ns += 1
        else:
            large[nl] = i
            nl += 1
    while ns > 0 and nl > 0:
        s, big = small[ns - 1], large[nl - 1]
        ns -= 1
        alias[s] = big
        accept[big] = (accept[big] + accept[s]) - 1.0   # big gives s what it lacks
        if accept[big] < 1.0:
            nl -= 1
            small[ns] = big
            ns += 1
    for i in range(nl):
        accept[large[i]] = 1.0      # rounding leftovers: exactly full
    for i in range(ns):
        accept[small[i]] = 1.0
    return accept, alias
