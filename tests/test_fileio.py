"""utils/fileio.py: reading only regular files of bounded size (open_regular, read_regular).

The FIFO and device cases run in a subprocess with a timeout, so a regression
(an open that blocks) fails instead of hanging the suite.
"""

import os

import pytest

from tests.conftest import run_python
from w2v.infra.fileio import RefusedFileError, open_regular, read_regular

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")


def read_in_subprocess(path, max_bytes, memory_limit=None):
    """read_regular(path, max_bytes) in a fresh interpreter: (return code, output).

    memory_limit -- bytes of address space the child may use, so a reader that
    loaded a huge file would fail there instead of exhausting this machine.
    """
    code = ("import resource, sys\n"
            "if %r: resource.setrlimit(resource.RLIMIT_AS, (%r, %r))\n"
            "from w2v.infra.fileio import read_regular\n"
            "try:\n"
            "    print(len(read_regular(sys.argv[1], %d, 'The test file')))\n"
            "except OSError as err:\n"
            "    print(type(err).__name__, err)\n"
            % (memory_limit, memory_limit, memory_limit, max_bytes))
    r = run_python(code, path)
    return r.returncode, r.stdout + r.stderr


def test_regular_file_is_read_whole(tmp_path):
    path = tmp_path / "data.txt"
    path.write_bytes(b"abc\n" * 10)
    assert read_regular(str(path), 40, "The data") == b"abc\n" * 10
    with open_regular(str(path), 40, "The data") as f:
        assert f.read(4) == b"abc\n"
        assert os.get_blocking(f.fileno())  # the non-blocking open is undone


def test_size_bound_names_the_file_and_both_sizes(tmp_path):
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 41)
    with pytest.raises(RefusedFileError) as err:
        read_regular(str(path), 40, "The data")
    assert str(err.value).startswith("The data %s is 41 bytes, more than the 40" % path)
    assert isinstance(err.value, OSError)  # callers' OSError handlers still catch it


def test_folder_is_refused(tmp_path):
    with pytest.raises(RefusedFileError, match=r"is a folder, not a regular file"):
        read_regular(str(tmp_path), 100, "The data")


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_regular(str(tmp_path / "nothing"), 100, "The data")


@needs_fifo
def test_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(str(fifo))
    rc, out = read_in_subprocess(fifo, 100)
    assert rc == 0, out
    assert out.startswith("RefusedFileError The test file %s is a FIFO (named pipe), not a"
                          " regular file" % fifo), out


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_symlink_to_a_device_is_refused(tmp_path):
    link = tmp_path / "state.json"
    link.symlink_to("/dev/zero")
    rc, out = read_in_subprocess(link, 1 << 20, memory_limit=1 << 30)
    assert rc == 0, out
    assert "is a character device, not a regular file" in out and str(link) in out, out


def test_huge_sparse_file_is_refused_unread(tmp_path):
    # 8 GiB of apparent size, no blocks on disk; the child may use 1 GiB at most.
    path = tmp_path / "sparse.bin"
    with open(str(path), "wb") as f:
        f.truncate(8 << 30)
    rc, out = read_in_subprocess(path, 1 << 30, memory_limit=1 << 30)
    assert rc == 0, out
    assert "is %d bytes, more than the %d" % (8 << 30, 1 << 30) in out, out
