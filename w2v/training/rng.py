"""The training kernels' random numbers: one small generator per job, reproducible anywhere.

A 64-bit linear congruential generator (Knuth's MMIX constants; its high
bits are used), its state a uint64 passed along and returned by every draw,
seeded per job by splitmix64 of (seed, job): a job's draws do not depend on
which thread runs it or when.
"""

import numpy as np
from numba import njit

# The kernels' compile options. Reassociation lets LLVM vectorise the dot
# products; nothing else is relaxed.
JIT = dict(cache=True, nogil=True, fastmath={"reassoc", "contract"})

_MUL = np.uint64(6364136223846793005)
_INC = np.uint64(1442695040888963407)
_HIGH = np.uint64(32)
_TO_53 = np.uint64(11)
_MASK = (1 << 64) - 1


def job_seed(seed, job):
    """The generator state a job starts from: splitmix64 of (seed, job)."""
    z = (int(seed) * 0x9E3779B97F4A7C15 + int(job) * 0xD1B54A32D192ED03 + 1) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return np.uint64(z ^ (z >> 31))


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
