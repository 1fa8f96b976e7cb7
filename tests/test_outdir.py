"""utils/outdir.py: one run per output folder (the second names the holder),
no lock through a link, errors that name the real cause, nothing deleted."""

import errno
import os
import signal
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from w2v.infra.outdir import LOCK_NAME, OutputError, OutputLock, explain, set_aside

HOLD = ("import sys, time; sys.path.insert(0, %r)\n"
        "from w2v.infra.outdir import OutputLock\n"
        "with OutputLock(sys.argv[1]):\n"
        "    print('locked', flush=True)\n"
        "    time.sleep(120)\n" % str(ROOT))


@pytest.fixture
def holder(tmp_path):
    """Another process holding the lock on tmp_path/out."""
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(out)], stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout.readline() == "locked\n"
        yield out, proc
    finally:
        proc.kill()
        proc.wait(timeout=60)
        proc.stdout.close()


def test_a_second_user_of_the_folder_is_refused_naming_the_holder(holder):
    out, proc = holder
    with pytest.raises(OutputError) as exc:
        with OutputLock(str(out)):
            pytest.fail("two holders of one folder")
    assert str(exc.value) == ("another run (process %d) is using %s; wait for it to finish,"
                              " or choose another --outdir" % (proc.pid, out))
    assert (out / LOCK_NAME).read_text() == "%d\n" % proc.pid  # the holder's pid kept


def test_the_lock_dies_with_its_process_even_on_sigkill(holder):
    out, proc = holder
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    with OutputLock(str(out)):  # no stale lock to remove by hand
        assert (out / LOCK_NAME).read_text() == "%d\n" % os.getpid()


def test_lock_makes_the_folder_and_is_reusable(tmp_path):
    out = tmp_path / "a" / "b"
    with OutputLock(str(out)):
        assert out.is_dir()
    with OutputLock(str(out)):
        pass


def test_outdir_that_is_a_file(tmp_path):
    (tmp_path / "f").write_text("mine")
    with pytest.raises(OutputError, match=r"--outdir .*/f is a file, not a folder: choose"
                                          r" another --outdir"):
        with OutputLock(str(tmp_path / "f")):
            pass
    assert (tmp_path / "f").read_text() == "mine"


def test_outdir_below_a_file(tmp_path):
    (tmp_path / "f").write_text("mine")
    with pytest.raises(OutputError, match=r"cannot use .*/f/out as the output folder: a file"
                                          r" stands where a folder should be"):
        with OutputLock(str(tmp_path / "f" / "out")):
            pass


def test_lock_file_that_is_a_link_is_never_followed(tmp_path):
    victim = tmp_path / "precious.txt"
    victim.write_text("precious")
    out = tmp_path / "out"
    out.mkdir()
    (out / LOCK_NAME).symlink_to(victim)
    with pytest.raises(OutputError, match=r"\.lock is a symbolic link: remove it"):
        with OutputLock(str(out)):
            pass
    assert victim.read_text() == "precious"  # not truncated, no pid written into it


@pytest.mark.parametrize("make", [os.mkfifo, os.mkdir], ids=["FIFO", "folder"])
def test_lock_file_that_is_not_a_regular_file(tmp_path, make):
    out = tmp_path / "out"
    out.mkdir()
    make(out / LOCK_NAME)
    with pytest.raises(OutputError, match=r"cannot use .*out as the output folder: .*\.lock"):
        with OutputLock(str(out)):
            pass


def test_read_only_file_system_is_named(tmp_path, monkeypatch):
    real_open = os.open

    def read_only(path, flags, *args):
        if str(path).endswith(LOCK_NAME):
            raise OSError(errno.EROFS, "Read-only file system", path)
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", read_only)
    with pytest.raises(OutputError, match=r"cannot use .* as the output folder: the file system"
                                          r" is read-only: choose another --outdir"):
        with OutputLock(str(tmp_path)):
            pass


@pytest.mark.parametrize("code,words", [
    (errno.ENOSPC, "the disk is full"),
    (errno.EDQUOT, "quota"),
    (errno.EROFS, "read-only"),
    (errno.EACCES, "permission denied"),
    (errno.ENOENT, "does not exist"),
    (errno.EISDIR, "a folder stands where a file should be"),
    (errno.ENOTDIR, "a file stands where a folder should be"),
    (errno.EIO, "Input/output error"),  # no advice for it: the system's own words
])
def test_explain_names_the_cause(code, words):
    text = explain(OSError(code, os.strerror(code), "/x/y"))
    assert words in text and text.endswith("(/x/y)")
    assert ("free some space" in text) == (code in (errno.ENOSPC, errno.EDQUOT))


def test_explain_names_the_destination_not_a_temporary_file(tmp_path):
    err = OSError(errno.EISDIR, "Is a directory", "/o/.tmp_0123456789ab.saved_state_5.json",
                  None, "/o/saved_state_5.json")
    assert explain(err).endswith("(/o/saved_state_5.json)")
    err = OSError(errno.EROFS, "Read-only file system", "/o/.tmp_0123456789ab.vocab.txt")
    assert explain(err).endswith("(/o/vocab.txt)")
    assert explain(OSError(errno.ENOSPC, "No space left on device")) == \
        "the disk is full: free some space"


def test_set_aside_moves_and_never_deletes(tmp_path):
    (tmp_path / "a").write_text("1")
    (tmp_path / "b").write_text("2")
    target = set_aside(str(tmp_path), [str(tmp_path / "a"), str(tmp_path / "b"),
                                       str(tmp_path / "missing")])
    assert os.path.basename(target).startswith("superseded-")
    assert sorted(os.listdir(target)) == ["a", "b"]
    assert (tmp_path / os.path.basename(target) / "b").read_text() == "2"
    assert set_aside(str(tmp_path), [str(tmp_path / "missing")]) is None


def test_set_aside_twice_in_one_second_keeps_both(tmp_path, monkeypatch):
    import time
    monkeypatch.setattr(time, "strftime", lambda fmt: "20260101-000000")
    targets = []
    for content in ("first", "second", "third"):
        (tmp_path / "saved_params_20.npy").write_text(content)
        targets.append(set_aside(str(tmp_path), [str(tmp_path / "saved_params_20.npy")]))
    assert len(set(targets)) == 3
    assert [open(os.path.join(t, "saved_params_20.npy")).read() for t in targets] == [
        "first", "second", "third"]
