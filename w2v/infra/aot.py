"""Compiled kernels built once ahead of time, then imported without numba.

``Kernels`` describes a set of numba kernels (a module whose ``EXPORTS`` lists
(name, function, numba signature)); ``Kernels.load`` returns them as an
ordinary extension module, compiled by numba's ``pycc`` in a separate process
the first time. Later processes import that module: neither numba nor LLVM
is loaded (numba's own cache would cost every process ~0.2-0.45 s and
~130 MB: numba's import, its type registries and the JIT).

The module is named by a hash of the kernels' sources, of the flags, of the
NumPy and Python it was built for (and of the CPU when built for the host),
so a stale build is never loaded. Beside it, its size and SHA-256, written
after a complete build and checked before every load: a truncated or damaged
module is rebuilt, never loaded (the loader maps it, and a page past its end
is SIGBUS). Processes starting together build once: the builder holds a lock
on the folder, the others wait for it and import its result. The build runs
in its own process group and dies with its parent (PR_SET_PDEATHSIG); all it
writes stays in a scratch folder removed after it. Without a C compiler (pycc
links with one), or a numba without pycc, ``just_in_time`` is used instead.

The built functions do not check their arguments (pycc's wrappers do not):
callers pass arrays of exactly the exported types.
"""

import ast
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

import numpy as np

from w2v.infra.fileio import read_regular

try:
    import fcntl
except ImportError:  # not POSIX: concurrent builds are then merely wasteful
    fcntl = None

SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]
RECORD = ".built"  # beside the module: "SIZE SHA256", written after a complete build
PR_SET_PDEATHSIG = 1  # linux/prctl.h
LIBRARY_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Kernels:
    """Kernels to build ahead of time.

    prefix -- the module's name before the hash (``_batched_kernels``)
    exports -- the dotted name of the module holding EXPORTS, importable from ``root``
    sources -- files whose bytes decide the module's name (this file is added)
    folders -- where the module may be: loaded from the first holding a verified
               build, built in the first writable one ($W2V_KERNEL_DIR overrides)
    flags -- compiler flags: release_gil, noalias (bool), fastmath (a list of
             LLVM fast-math flags), target_cpu ("host": this CPU's instructions)
    announce -- the line said when a build starts (None: the caller says it)
    """

    def __init__(self, prefix, exports, root, sources, folders, flags, announce):
        self.prefix, self.exports, self.root = prefix, exports, root
        self.sources = list(sources) + [os.path.abspath(__file__)]
        self._folders, self.flags, self.announce = list(folders), dict(flags), announce

    def folders(self):
        override = os.environ.get("W2V_KERNEL_DIR")
        return [override] if override else self._folders

    def module_name(self):
        """PREFIX_<hash>: the sources, the flags, NumPy's version and the interpreter decide it."""
        key = hashlib.sha256()
        for source in self.sources:
            with open(source, "rb") as f:
                key.update(f.read())
        key.update(("%s|%s|%s|%r" % (np.__version__, sys.implementation.cache_tag,
                                     platform.machine(), sorted(self.flags.items()))).encode())
        if self.flags.get("target_cpu") == "host":
            key.update(_cpu_identity().encode())
        return self.prefix + "_" + key.hexdigest()[:16]

    def built_path(self):
        """The path of a verified build of the current module, or None."""
        name = self.module_name()
        for folder in self.folders():
            path = os.path.join(folder, name + SUFFIX)
            if os.path.isfile(path) and not _verified(path):
                return path
        return None

    def load(self, say, just_in_time):
        """The kernels: the built module (building it first if need be), else just_in_time().

        say(text) -- where the one-line notes go (building, waiting, falling back)
        """
        name = self.module_name()
        module = _import_first(self.folders(), name, say)
        if module is not None:
            return module
        t0 = time.perf_counter()
        target = _writable(self.folders())
        try:
            os.makedirs(target, exist_ok=True)
            with _Lock(target, lambda: say("waiting for another process building the"
                                           " kernels in %s..." % target)) as waited:
                if waited:
                    module = _import_first(self.folders(), name, say)
                if module is None:
                    if self.announce:
                        say(self.announce)
                    if self._build_in_subprocess(name, target, say):
                        module = _import_built(os.path.join(target, name + SUFFIX), say)
        except OSError as err:
            say("note: cannot write the kernels to %s (%s)" % (target, err))
        if module is None:
            say("compiling them just in time with numba instead")
            module = just_in_time()
        say("compiled in %.0f s; later runs reuse it" % (time.perf_counter() - t0))
        return module

    def _build_in_subprocess(self, name, target, say):
        """Build in a child process (its numba and compiler output stay out of ours).

        True once the module and its record are in ``target``, else says why.
        Everything the build writes, temporary files included ($TMPDIR points
        there), stays in one scratch folder removed after it.
        """
        try:
            _remove_abandoned_builds(target)
            scratch = tempfile.mkdtemp(prefix=".build-%d-" % os.getpid(), dir=target)
        except OSError as err:
            say("note: cannot write the kernels to %s (%s)" % (target, err))
            return False
        try:
            code = ("import sys; sys.path[:0] = %r; from w2v.infra.aot import _child;"
                    " _child(%d, %r)" % ([LIBRARY_ROOT, self.root], os.getpid(), repr(
                        (name, scratch, self.exports, self.flags))))
            returncode, stderr = _run_child(code, dict(os.environ, TMPDIR=scratch))
            built = os.path.join(scratch, name + SUFFIX)
            if returncode != 0 or not os.path.isfile(built):
                tail = (stderr.strip().splitlines() or ["no output"])[-1]
                say("note: could not build the kernels ahead of time (%s)" % tail)
                return False
            final = os.path.join(target, name + SUFFIX)
            record = _fingerprint(built)
            os.replace(built, final)
            with open(os.path.join(scratch, "record"), "w", encoding="ascii") as f:
                f.write(record + "\n")
            os.replace(os.path.join(scratch, "record"), final + RECORD)  # last: it is done
            return True
        except OSError as err:
            say("note: could not build the kernels ahead of time (%s)" % err)
            return False
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


class _Lock:
    """An exclusive lock on a folder (flock on the folder itself: no lock file left over).

    ``with`` gives True when another process held it first (and has now let go).
    The lock goes with its holder's death, so a killed builder never blocks others.
    """

    def __init__(self, folder, on_wait):
        self.folder, self.on_wait, self.fd = folder, on_wait, None

    def __enter__(self):
        if fcntl is None:
            return False
        self.fd = os.open(self.folder, os.O_RDONLY)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return False
        except BlockingIOError:
            self.on_wait()
            fcntl.flock(self.fd, fcntl.LOCK_EX)
            return True

    def __exit__(self, *_):
        if self.fd is not None:
            os.close(self.fd)  # releases the lock


def _writable(folders):
    """The first folder that exists writable or can be made (else the first)."""
    for folder in folders:
        probe = os.path.abspath(folder)
        while not os.path.exists(probe) and os.path.dirname(probe) != probe:
            probe = os.path.dirname(probe)  # the nearest existing folder: makedirs from there
        if os.path.isdir(probe) and os.access(probe, os.W_OK | os.X_OK):
            return folder
    return folders[0]


def _cpu_identity():
    """This CPU's model and instruction sets (a build for the host runs on it alone)."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            lines = f.read().split("\n\n")[0].splitlines()
        return "|".join(line for line in lines if line.split(":")[0].strip() in
                        ("vendor_id", "model name", "flags", "Features", "CPU part"))
    except OSError:
        return platform.processor()


def _import_first(folders, name, say):
    for folder in folders:
        module = _import_built(os.path.join(folder, name + SUFFIX), say)
        if module is not None:
            return module
    return None


def _import_built(path, say):
    """The built module at ``path``, if it is there and verified, else None."""
    if not os.path.isfile(path):
        return None
    problem = _verified(path)
    if problem:
        say("note: the built kernels %s are %s; building them again" % (path, problem))
        return None
    name = os.path.basename(path)[:-len(SUFFIX)]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except ImportError as err:
        say("note: the built kernels %s do not load (%s); building them again" % (path, err))
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
    """'' when ``path`` matches the size and hash written after its build, else what is wrong."""
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


def _child(parent, what):
    """The build process: dies, with the compiler it runs, when ``parent`` dies.

    Linux's PR_SET_PDEATHSIG sends it SIGTERM when its parent dies (even by
    SIGKILL); the handler removes the scratch folder and kills the process
    group (this process is its leader, the compiler a member).
    """
    name, scratch, exports, flags = ast.literal_eval(what)

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
    build(name, scratch, exports, flags)


def build(name, out_dir, exports, flags):
    """Compile module ``exports``'s EXPORTS into out_dir/<name><SUFFIX> (in the build process)."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pycc's pending-deprecation notice
        import numba.pycc.compiler as pycc_compiler
        from numba.core.cpu import FastMathOptions
        from numba.pycc import CC
    kernels = importlib.import_module(exports)

    # pycc takes no compiler options: its Flags() get ours. It has no nogil
    # either, and its functions would hold the GIL (other threads would wait).
    plain_flags = pycc_compiler.Flags

    def kernel_flags():
        made = plain_flags()
        made.release_gil = bool(flags.get("release_gil"))
        made.noalias = bool(flags.get("noalias"))
        if flags.get("fastmath"):
            made.fastmath = FastMathOptions(set(flags["fastmath"]))
        return made

    pycc_compiler.Flags = kernel_flags
    cc = CC(name)
    cc.output_dir = out_dir
    cc.verbose = False
    if flags.get("target_cpu"):
        cc.target_cpu = flags["target_cpu"]
    for export_name, function, signature in kernels.EXPORTS:
        cc.export(export_name, signature)(function)
    cc.compile()


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
