"""The batched engine's compiled kernels: built once, then loaded in a millisecond.

The kernels (engines/batched_kernels.py) are compiled ahead of time with
numba's ``pycc`` into an ordinary extension module, in a separate process, the
first time they are needed; every later run imports that module, which needs
neither numba nor LLVM. Why not numba's just-in-time cache: loading it costs
every process about 0.45 s and 100 MB (numba's import and type registries),
as much time as the start-up of run.py and more memory than its data.

The module lives in engines/__pycache__ (or $W2V_KERNEL_DIR), named by a hash
of the kernels' source and of the NumPy and Python it was built for, so a
stale build is never loaded. Without a C compiler (pycc links with one), or
with a numba that has dropped pycc (pending deprecation since 0.57), the
kernels are compiled just in time by numba instead (same code, slower start).

The built functions do not check their arguments (pycc's wrappers do not):
a caller passes arrays of exactly the types EXPORTS declares, as
engines/batched.py does; anything else reads memory wrongly.
"""

import hashlib
import importlib.machinery
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import types

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SOURCES = [os.path.join(ROOT, name)  # the kernels, and the flags they are built with
           for name in ("engines/batched_kernels.py", "w2v/training/prefetch.py",
                        "engines/compiled.py")]
SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]

_loaded = None


def kernel_dir():
    return os.environ.get("W2V_KERNEL_DIR") or os.path.join(HERE, "__pycache__")


def module_name():
    """_batched_kernels_<hash>: the sources, NumPy's version and the interpreter decide it."""
    key = hashlib.sha256()
    for source in SOURCES:
        with open(source, "rb") as f:
            key.update(f.read())
    key.update(("%s|%s|%s" % (np.__version__, sys.implementation.cache_tag,
                              platform.machine())).encode())
    return "_batched_kernels_" + key.hexdigest()[:16]


def _import_built(name):
    path = os.path.join(kernel_dir(), name + SUFFIX)
    if not os.path.isfile(path):
        return None
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(name, out_dir):
    """Compile the kernels into out_dir/<name><SUFFIX> (runs in the build process)."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pycc's pending-deprecation notice
        import numba.pycc.compiler as pycc_compiler
        from numba.pycc import CC
    sys.path.insert(0, ROOT)
    from engines.batched_kernels import EXPORTS

    # pycc has no nogil option: its functions would hold the GIL, and the
    # sampling thread would wait for every kernel. Its Flags() get ours. No
    # kernel is passed two views of one array, so its arrays may be marked as
    # not aliasing each other: LLVM then keeps values in registers across stores.
    plain_flags = pycc_compiler.Flags

    def kernel_flags():
        flags = plain_flags()
        flags.release_gil = True
        flags.noalias = True
        return flags

    pycc_compiler.Flags = kernel_flags
    cc = CC(name)
    cc.output_dir = out_dir
    cc.verbose = False
    for export_name, function, signature in EXPORTS:
        cc.export(export_name, signature)(function)
    cc.compile()


def _build_in_subprocess(name, stream):
    """Build in a child process (its numba and compiler output stay out of ours).

    Returns True once the module is in kernel_dir(), else says why on stream.
    """
    target = kernel_dir()
    try:
        os.makedirs(target, exist_ok=True)
        scratch = tempfile.mkdtemp(prefix=".build-", dir=target)
    except OSError as err:
        print("note: cannot write the kernels to %s (%s)" % (target, err), file=stream)
        return False
    try:
        code = ("import sys; sys.path.insert(0, %r); from engines.compiled import build;"
                " build(%r, %r)" % (ROOT, name, scratch))
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        built = os.path.join(scratch, name + SUFFIX)
        if done.returncode != 0 or not os.path.isfile(built):
            tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
            print("note: could not build the kernels ahead of time (%s)" % tail, file=stream)
            return False
        os.replace(built, os.path.join(target, name + SUFFIX))  # atomic: racing builds are fine
        return True
    except OSError as err:
        print("note: could not build the kernels ahead of time (%s)" % err, file=stream)
        return False
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


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
    # Compiled now, for exactly the exported types (as the built module).
    jitted = {f: njit(sigs, nogil=True, cache=True)(f) for f, sigs in signatures.items()}
    return types.SimpleNamespace(**{name: jitted[function] for name, function, _ in EXPORTS})


def load(stream=sys.stderr):
    """The kernels, as a module-like object with the names in batched_kernels.EXPORTS.

    The first call in a fresh checkout builds them (a few seconds, said on
    ``stream``); later calls, and later runs, only import the result.
    """
    global _loaded
    if _loaded is not None:
        return _loaded
    name = module_name()
    try:
        module = _import_built(name)
    except ImportError:  # a damaged file: build it again
        module = None
    if module is None:
        print("compiling the kernel (once)...", file=stream, flush=True)
        t0 = time.perf_counter()
        if _build_in_subprocess(name, stream):
            module = _import_built(name)
        else:
            print("compiling them just in time with numba instead", file=stream, flush=True)
            module = just_in_time()
        print("compiled in %.0f s; later runs reuse it" % (time.perf_counter() - t0),
              file=stream, flush=True)
    _loaded = module
    return module
