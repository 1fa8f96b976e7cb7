"""w2v/infra/checkpoint.py: special files in place of a checkpoint (a FIFO, /dev/zero,
a sparse file, a folder) are refused without being read."""

import io
import os

import pytest

from tests.test_checkpoint import (
    _newest,
    _save,
    alarm,  # noqa: F401 (a fixture)
)
from w2v.infra import checkpoint, fileio

# ---- special files in place of a checkpoint ---------------------------------------------

def _fifo(path):
    path.unlink()
    os.mkfifo(path)


def _dev_zero(path):
    path.unlink()
    path.symlink_to("/dev/zero")


def _sparse(path):
    """5 GB that take no disk space: refused by its size, never read."""
    with open(path, "r+b") as f:
        f.truncate(5 << 30)


def _folder(path):
    path.unlink()
    path.mkdir()


SPECIAL = {"FIFO": (_fifo, "is a FIFO (named pipe), not a regular file"),
           "symlink to /dev/zero": (_dev_zero, "is a character device, not a regular file"),
           "5 GB sparse file": (_sparse, "is 5368709120 bytes, more than the"),
           "folder": (_folder, "is a folder, not a regular file")}


@pytest.mark.parametrize("which", ["saved_state_20.json", "saved_params_20.npy"])
@pytest.mark.parametrize("kind", list(SPECIAL))
def test_special_file_in_place_of_a_checkpoint_is_refused_without_reading(tmp_path, which,
                                                                        kind, alarm,
                                                                        monkeypatch):
    make, reason = SPECIAL[kind]
    _save(tmp_path, 10, 1.0)
    _save(tmp_path, 20, 2.0)
    make(tmp_path / which)
    reads = []
    monkeypatch.setattr(fileio.os, "fdopen", lambda fd, mode: _Counting(fd, reads))
    warnings = []
    it, _, state = _newest(tmp_path, warnings)
    assert it == 10 and state["value"] == 1.0
    assert len(warnings) == 1 and reason in warnings[0] and which in warnings[0], warnings
    # Never a byte of the special file: it is refused on its open descriptor. What
    # was read is regular files, each within its bound.
    read_paths = {path for path, _ in reads}
    assert str(tmp_path / "saved_params_10.npy") in read_paths
    assert str(tmp_path / which) not in read_paths
    assert max(n for _, n in reads) <= checkpoint.MAX_STATE_BYTES + 1, reads


class _Counting(io.FileIO):
    """An opened file that records (its path, how much each read asks for)."""

    def __init__(self, fd, reads):
        self.path = os.readlink("/proc/self/fd/%d" % fd)
        super().__init__(fd, "rb")
        self.reads = reads

    def read(self, n=-1):
        self.reads.append((self.path, n))
        return super().read(n)
