"""What the training kernels take and return, without numba: codes, types, seeds.

The trainer imports this module, never numba: its kernels are the built
module of w2v/training/compiled.py. w2v/training/kernels.py compiles them.
"""

import numpy as np

SKIPGRAM, CBOW = 0, 1                   # settings[0]
NEG, HS, SOFTMAX = 0, 1, 2              # settings[1]
# Negatives are drawn this many pairs before they are used, and their rows
# prefetched: a rare word's row comes from main memory when V is large.
NEG_AHEAD = 4
# A negative equal to the target is drawn again, at most this many times in a
# row (word2vec.MAX_REDRAWS's bound, ~5 ms): beyond it the distribution has no
# other word to offer, and the job stops with GAVE_UP in its totals.
MAX_REDRAWS = 10 ** 6
# With two or more workers, each job trains its own copies of this many rows
# of each matrix, the ones every thread writes (w2v.training.hot_rows). 256,
# not 1024: fewer rows for the caches to hold besides the shared ones, and to
# copy in and add back at every job (CBOW + neg 2.35 -> 2.22 s; 4096 rows
# 3.5 s; which of the two counts more is open: docs/speed-zen1.md).
HOT_ROWS = 256
# totals[STATUS] of a job: how it ended.
STATUS, FINISHED, STOPPED, GAVE_UP = 5, 0.0, 1.0, 2.0

# The kernels' compile options, the JIT's and the ahead-of-time build's alike.
# Reassociation lets LLVM vectorise the dot products; nothing else is relaxed.
FASTMATH = ("contract", "reassoc")
JIT = dict(cache=True, nogil=True, fastmath=set(FASTMATH))

# train_job's arguments: (dtype, dimensions) of each array, None for the
# vectors' dtype; ``tables`` is a tuple of arrays; the seed a uint64 scalar.
TABLES = ((np.float64, 1), (np.float32, 1), (np.int32, 1), (np.uint8, 2), (np.int32, 2),
          (np.int32, 1))
TRAIN_JOB = ((np.int64, 1), (None, 2), (None, 2), (np.int32, 1), (np.int64, 1), TABLES,
             (np.float64, 1), np.uint64, (np.int64, 1), (np.int64, 2), (np.float64, 1))
DTYPES = (np.float32, np.float64)       # the vectors' dtypes built ahead of time
_CODES = {np.float64: "f8", np.float32: "f4", np.int64: "i8", np.int32: "i4",
          np.uint8: "u1", np.uint64: "u8"}

_MASK = (1 << 64) - 1


def job_seed(seed, job):
    """The generator state a job starts from: splitmix64 of (seed, job)."""
    z = (int(seed) * 0x9E3779B97F4A7C15 + int(job) * 0xD1B54A32D192ED03 + 1) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return np.uint64(z ^ (z >> 31))


def _numba_type(kind, dtype):
    if isinstance(kind, tuple) and isinstance(kind[0], tuple):
        return "Tuple((%s))" % ", ".join(_numba_type(k, dtype) for k in kind)
    if not isinstance(kind, tuple):
        return _CODES[kind]
    return "%s[%s::1]" % (_CODES[kind[0] or dtype], ":, " * (kind[1] - 1))


def train_job_signature(dtype):
    """numba's signature of train_job for vectors of ``dtype`` (C-contiguous arrays)."""
    return "f8[::1](%s)" % ", ".join(_numba_type(kind, dtype) for kind in TRAIN_JOB)


ALIAS_TABLE_SIGNATURE = "Tuple((f8[::1], i4[::1]))(f8[::1])"
HUFFMAN_MERGE_SIGNATURE = "Tuple((i8[::1], u1[::1], i8[::1]))(i8[::1])"


def _matches(value, kind, dtype):
    if isinstance(kind, tuple) and isinstance(kind[0], tuple):
        return isinstance(value, tuple) and len(value) == len(kind) and all(
            _matches(v, k, dtype) for v, k in zip(value, kind))
    if not isinstance(kind, tuple):
        return isinstance(value, kind)
    return (isinstance(value, np.ndarray) and value.dtype == (kind[0] or dtype) and
            value.ndim == kind[1] and value.flags.c_contiguous)


def built_for(args):
    """The vectors' dtype when train_job's ``args`` are exactly of a built signature, else None.

    The built functions read their arguments as the signature says, unchecked.
    """
    dtype = getattr(args[1], "dtype", None) if len(args) == len(TRAIN_JOB) else None
    if dtype not in DTYPES:
        return None
    ok = all(_matches(value, kind, dtype.type) for value, kind in zip(args, TRAIN_JOB))
    return dtype if ok else None
