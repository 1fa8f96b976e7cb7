"""The batched engine's compiled kernels: built once, then loaded in a millisecond.

The kernels (engines/batched_kernels.py) are compiled ahead of time with
numba's ``pycc`` into an ordinary extension module, in a separate process,
the first time they are needed; every later run imports that module, which
needs neither numba nor LLVM. How (the hash-named module, its verified
record, one builder at a time, the build dying with its parent, the fallback
to numba's JIT without a C compiler or pycc): w2v/infra/aot.py.

The module lives in engines/__pycache__ (or $W2V_KERNEL_DIR). The built
functions do not check their arguments (pycc's wrappers do not): a caller
passes arrays of exactly the types EXPORTS declares, as engines/batched.py
does; anything else reads memory wrongly.
"""

import os
import sys
import types

from w2v.infra import aot, kernel_cache

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SUFFIX, RECORD = aot.SUFFIX, aot.RECORD

# No kernel is passed two views of one array, so its arrays may be marked as
# not aliasing each other: LLVM then keeps values in registers across stores.
# The GIL is released: the sampling thread must not wait for every kernel.
KERNELS = aot.Kernels(
    "_batched_kernels", "engines.batched_kernels", ROOT,
    sources=[os.path.join(ROOT, "engines", "batched_kernels.py"),
             os.path.join(ROOT, "w2v", "training", "prefetch.py"), os.path.abspath(__file__)],
    folders=[os.path.join(HERE, "__pycache__")],
    flags={"release_gil": True, "noalias": True},
    announce="compiling the kernel (once)...")

_loaded = None


def kernel_dir():
    return KERNELS.folders()[0]


def module_name():
    """_batched_kernels_<hash>: the sources, the flags, NumPy and the interpreter decide it."""
    return KERNELS.module_name()


def just_in_time():
    """The same kernels compiled by numba's JIT (cached on disk), under the exported names."""
    try:
        from numba import njit
    except ImportError:
        raise ImportError("the batched engine needs numba (pip install -r requirements.txt);"
                          " python run.py --exact runs without it") from None
    from engines.batched_kernels import EXPORTS
    signatures = {}
    for _, function, signature in EXPORTS:
        signatures.setdefault(function, []).append(signature)
    kernel_cache.guard()  # a damaged numba cache is compiled again, not a traceback
    # Compiled now, for exactly the exported types (as the built module).
    jitted = {f: njit(sigs, nogil=True, cache=True)(f) for f, sigs in signatures.items()}
    return types.SimpleNamespace(**{name: jitted[function] for name, function, _ in EXPORTS})


def load(stream=None):
    """The kernels, as a module-like object with the names in batched_kernels.EXPORTS.

    The first call in a fresh checkout builds them (a few seconds, said on
    ``stream``, default sys.stderr); later calls, and later runs, only import the result.
    """
    global _loaded
    if _loaded is None:
        def say(text):
            print(text, file=stream or sys.stderr, flush=True)
        _loaded = KERNELS.load(say, just_in_time)
    return _loaded
