"""The batched engine's compiled kernels: built once, then loaded in a millisecond.

The kernels (engines/batched_kernels.py) are compiled ahead of time with
numba's ``pycc`` into an ordinary extension module, in a separate process, the
first time they are needed; every later run imports that module, which needs
neither numba nor LLVM. Why not numba's just-in-time cache: loading it costs
every process about 0.45 s and 100 MB (numba's import and type registries),
as much time as the start-up of run.py and more memory than its data.

The module lives in engines/__pycache__ (or $W2V_KERNEL_DIR), named by a hash
of the kernels' source and of the NumPy and Python it was built for, so a
stale build is never loaded; beside it, its size and SHA-256, written after a
complete build and checked before every load, so a truncated or damaged one
is rebuilt, never loaded. Without a C compiler (pycc links with one), or
with a numba that has dropped pycc (pending deprecation since 0.57), the
kernels are compiled just in time by numba instead (same code, slower start).

The built functions do not check their arguments (pycc's wrappers do not):
a caller passes arrays of exactly the types EXPORTS declares, as
engines/batched.py does; anything else reads memory wrongly.
"""

import ctypes
import glob
import hashlib
import importlib.machinery
import importlib.util
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import types

import numpy as np

from w2v.infra import kernel_cache
from w2v.infra.fileio import read_regular

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SOURCES = [os.path.join(ROOT, name)  # the kernels, and the flags they are built with
           for name in ("engines/batched_kernels.py", "w2v/training/prefetch.py",
                        "engines/compiled.py")]
SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]
RECORD = ".built"  # beside the module: "SIZE SHA256", written after a complete build
PR_SET_PDEATHSIG = 1  # linux/prctl.h

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


def _import_built(name, stream):
    """The built module ``name``, if it is there and verified (see ``_verified``), else None."""
    path = os.path.join(kernel_dir(), name + SUFFIX)
    if not os.path.isfile(path):
        return None
    problem = _verified(path)
    if problem:
        print("note: the built kernels %s are %s; building them again" % (path, problem),
              file=stream, flush=True)
        return None
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except ImportError as err:
        print("note: the built kernels %s do not load (%s); building them again"
              % (path, err), file=stream, flush=True)
        return None
    return module


def _fingerprint(path):
    """"SIZE SHA256" of the file ``path``."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return "%d %s" % (os.path.getsize(path), digest.hexdigest())


def _verified(path):
    """'' when ``path`` matches the size and hash written after its complete build,
    else what is wrong. A truncated module must never be loaded: the loader maps
    it, and touching a page past its end kills the process with SIGBUS."""
    try:  # a regular file of a few bytes only: a FIFO there must not hang the load
        recorded = read_regular(path + RECORD, 200, "The build record").decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return "without the record of a complete build"
    actual = _fingerprint(path)
    if actual.split()[0] != recorded.split()[0]:
        return "truncated or damaged (%s bytes; the build wrote %s)" % (
            actual.split()[0], recorded.split()[0])
    if actual != recorded:
        return "damaged (their SHA-256 is not the build's)"
    return ""


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

    Returns True once the module and its record are in kernel_dir(), else says
    why on stream. Everything the build writes, temporary files included
    ($TMPDIR points there), stays in one scratch folder that is removed after
    it; the child dies with this process (see ``_child``).
    """
    target = kernel_dir()
    try:
        os.makedirs(target, exist_ok=True)
        _remove_abandoned_builds(target)
        scratch = tempfile.mkdtemp(prefix=".build-%d-" % os.getpid(), dir=target)
    except OSError as err:
        print("note: cannot write the kernels to %s (%s)" % (target, err), file=stream)
        return False
    try:
        code = ("import sys; sys.path.insert(0, %r); from engines.compiled import _child;"
                " _child(%d, %r, %r)" % (ROOT, os.getpid(), name, scratch))
        returncode, stderr = _run_child(code, dict(os.environ, TMPDIR=scratch))
        built = os.path.join(scratch, name + SUFFIX)
        if returncode != 0 or not os.path.isfile(built):
            tail = (stderr.strip().splitlines() or ["no output"])[-1]
            print("note: could not build the kernels ahead of time (%s)" % tail, file=stream)
            return False
        final = os.path.join(target, name + SUFFIX)
        record = _fingerprint(built)
        os.replace(built, final)  # atomic: racing builds are fine
        with open(os.path.join(scratch, "record"), "w", encoding="ascii") as f:
            f.write(record + "\n")
        os.replace(os.path.join(scratch, "record"), final + RECORD)  # last: the build is done
        return True
    except OSError as err:
        print("note: could not build the kernels ahead of time (%s)" % err, file=stream)
        return False
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _run_child(code, env):
    """Run ``python -c code`` in its own process group: (returncode, stderr).

    If this process is interrupted meanwhile, the whole group (the child and
    the compiler it runs) is killed before the exception goes on.
    """
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True, env=env,
                             start_new_session=True)
    try:
        _, stderr = child.communicate()
    except BaseException:
        _kill_group(child.pid)
        child.wait()
        raise
    return child.returncode, stderr


def _kill_group(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except OSError:
        pass


def _child(parent, name, scratch):
    """The build process: dies, with the compiler it runs, when ``parent`` dies.

    Linux's PR_SET_PDEATHSIG sends it SIGTERM when its parent dies (even by
    SIGKILL); the handler removes the scratch folder and kills the process
    group (this process is its leader, the compiler a member).
    """
    def die(*_):
        shutil.rmtree(scratch, ignore_errors=True)
        _kill_group(0)

    signal.signal(signal.SIGTERM, die)
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the parent's cleanup must do
        pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        die()
    build(name, scratch)


def _remove_abandoned_builds(target):
    """Remove the scratch folders of builds whose process is gone (killed mid-build)."""
    for path in glob.glob(os.path.join(glob.escape(target), ".build-*")):
        match = re.match(r"\.build-(\d+)-", os.path.basename(path))
        if match and not _alive(int(match.group(1))):
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process
        return True
    return True


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


def load(stream=sys.stderr):
    """The kernels, as a module-like object with the names in batched_kernels.EXPORTS.

    The first call in a fresh checkout builds them (a few seconds, said on
    ``stream``); later calls, and later runs, only import the result.
    """
    global _loaded
    if _loaded is not None:
        return _loaded
    name = module_name()
    module = _import_built(name, stream)
    if module is None:
        print("compiling the kernel (once)...", file=stream, flush=True)
        t0 = time.perf_counter()
        if _build_in_subprocess(name, stream):
            module = _import_built(name, stream)
        if module is None:
            print("compiling them just in time with numba instead", file=stream, flush=True)
            module = just_in_time()
        print("compiled in %.0f s; later runs reuse it" % (time.perf_counter() - t0),
              file=stream, flush=True)
    _loaded = module
    return module
