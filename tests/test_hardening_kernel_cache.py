"""Damaged kernel caches (issue 20): a truncated numba cache file is compiled again with
one line (w2v/infra/kernel_cache.py); a truncated ahead-of-time module is rebuilt, never
loaded (engines/compiled.py); the build leaves no files behind and dies with its parent."""

import glob
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow  # every test compiles kernels in a child process

KERNEL = '''
from numba import njit

@njit(cache=True)
def triple(x):
    return 3 * x
'''

CALLER = '''
import sys
sys.path.insert(0, sys.argv[1])
sys.path.insert(0, sys.argv[2])
if sys.argv[3] == "guard":
    from w2v.infra import kernel_cache
    kernel_cache.guard()
import tiny_kernel
print(tiny_kernel.triple(14))
'''


def _run(folder, guard):
    return subprocess.run([sys.executable, "-c", CALLER, str(folder), str(ROOT), guard],
                          capture_output=True, text=True, timeout=300)


def _truncate(pattern):
    paths = glob.glob(pattern)
    assert paths, pattern
    for path in paths:
        with open(path, "r+b") as f:
            f.truncate(max(os.path.getsize(path) // 3, 1))


@pytest.mark.parametrize("damaged", ["nbc", "nbi"])
def test_a_truncated_numba_cache_is_compiled_again_with_one_line(tmp_path, damaged):
    (tmp_path / "tiny_kernel.py").write_text(KERNEL)
    first = _run(tmp_path, "guard")
    assert first.returncode == 0 and first.stdout == "42\n" and first.stderr == ""
    _truncate(str(tmp_path / "__pycache__" / ("tiny_kernel.triple-*." + damaged)))
    unguarded = _run(tmp_path, "none")  # what numba alone does: a traceback
    assert unguarded.returncode != 0 and "Traceback" in unguarded.stderr
    again = _run(tmp_path, "guard")
    assert again.returncode == 0 and again.stdout == "42\n", again.stderr
    lines = again.stderr.splitlines()
    assert len(lines) == 1, again.stderr
    assert lines[0].startswith("note: the numba cache of tiny_kernel.triple in ") and \
        "is damaged (" in lines[0] and "compiling it again" in lines[0], again.stderr
    healed = _run(tmp_path, "guard")  # the cache was rewritten: silent from now on
    assert healed.returncode == 0 and healed.stdout == "42\n" and healed.stderr == ""


# ---- the ahead-of-time module (engines/compiled.py) ---------------------------------------

LOAD = ("import sys; sys.path.insert(0, %r); from engines import compiled;"
        " k = compiled.load(); print(k.__name__)" % str(ROOT))


def _load(kernels, tmp):
    env = dict(os.environ, W2V_KERNEL_DIR=str(kernels), TMPDIR=str(tmp))
    return subprocess.run([sys.executable, "-c", LOAD], capture_output=True, text=True,
                          timeout=600, env=env)


@pytest.fixture(scope="module")
def fresh_build(tmp_path_factory):
    """A kernel folder holding a fresh build, and the $TMPDIR the build had (built
    once for the module: each build takes some 13 s)."""
    root = tmp_path_factory.mktemp("fresh_build")
    kernels, tmp = root / "kernels", root / "tmp"
    kernels.mkdir()
    tmp.mkdir()
    first = _load(kernels, tmp)
    assert first.returncode == 0 and first.stdout.startswith("_batched_kernels_"), first.stderr
    return kernels, tmp, first


@pytest.fixture
def built(fresh_build, tmp_path):
    """A copy of fresh_build's kernel folder for a test to damage, and an empty $TMPDIR."""
    kernels, tmp = tmp_path / "kernels", tmp_path / "tmp"
    shutil.copytree(fresh_build[0], kernels)
    tmp.mkdir()
    return kernels, tmp, fresh_build[2]


def test_a_build_leaves_the_module_its_record_and_nothing_else(fresh_build):
    kernels, tmp, first = fresh_build
    names = sorted(os.listdir(kernels))
    assert len(names) == 2 and names[1] == names[0] + ".built", names
    size, digest = (kernels / names[1]).read_text().split()
    assert int(size) == os.path.getsize(kernels / names[0]) and len(digest) == 64
    assert os.listdir(tmp) == []  # pycc's temp.c / temp.o folders went with the scratch
    again = _load(kernels, tmp)  # verified and loaded: silent, no build
    assert again.returncode == 0 and again.stderr == "" and again.stdout == first.stdout


@pytest.mark.parametrize("damage", ["truncate", "flip", "no record"])
def test_a_damaged_module_is_rebuilt_never_loaded(built, damage):
    """A truncated module used to kill every later run with SIGBUS (exit 135)."""
    kernels, tmp, first = built
    module = next(kernels.glob("*" + first.stdout.strip() + "*[!t]"))
    raw = bytearray(module.read_bytes())
    if damage == "truncate":
        module.write_bytes(bytes(raw[:len(raw) // 2]))
    elif damage == "flip":
        raw[len(raw) // 2] ^= 0x01
        module.write_bytes(bytes(raw))
    else:
        os.remove(str(module) + ".built")
    again = _load(kernels, tmp)
    assert again.returncode == 0 and again.stdout == first.stdout, again.stderr
    note = again.stderr.splitlines()[0]
    assert note.startswith("note: the built kernels %s are " % module) and \
        note.endswith("; building them again"), again.stderr
    healed = _load(kernels, tmp)
    assert healed.returncode == 0 and healed.stderr == ""


def _processes_in_group(pgid):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getpgid(int(entry)) == pgid:
                    found.append(int(entry))
            except OSError:
                pass
    return found


def test_sigkill_during_the_build_leaves_no_process_and_no_folder(tmp_path):
    kernels, tmp = tmp_path / "kernels", tmp_path / "tmp"
    kernels.mkdir()
    tmp.mkdir()
    env = dict(os.environ, W2V_KERNEL_DIR=str(kernels), TMPDIR=str(tmp))
    parent = subprocess.Popen([sys.executable, "-c", LOAD], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not list(kernels.glob(".build-*")) and time.monotonic() < deadline:
            time.sleep(0.05)
        scratch = list(kernels.glob(".build-*"))
        assert scratch, "the build never started"
        time.sleep(1.0)  # into the compilation
        children = [int(p) for p in Path("/proc/%d/task/%d/children" % (
            parent.pid, parent.pid)).read_text().split()]
        assert children, "no build process"
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (
            any(_processes_in_group(c) for c in children) or list(kernels.glob(".build-*"))):
        time.sleep(0.1)
    assert not any(_processes_in_group(c) for c in children)  # the build died with it
    assert list(kernels.glob(".build-*")) == [] and os.listdir(tmp) == []


def test_the_folder_of_a_build_killed_earlier_is_removed(built):
    kernels, tmp, first = built
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    (kernels / (".build-%s-abcd" % dead)).mkdir()
    (kernels / (".build-%d-live" % os.getpid())).mkdir()  # a build in progress: kept
    for name in os.listdir(kernels):
        if not name.startswith("."):
            os.remove(kernels / name)  # forces a build
    again = _load(kernels, tmp)
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in kernels.glob(".build-*")) == [".build-%d-live" % os.getpid()]
