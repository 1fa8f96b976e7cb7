"""Writing files whole or not at all; reading only regular files of bounded size."""

import io
import os
import stat
import uuid

import numpy as np

TEMP_PREFIX = ".tmp_"  # temporary files are "<prefix><random>.<final name>"


def atomic_write(path, write):
    """Call ``write(binary_file)`` on a temporary file, then rename it onto ``path``.

    The data are flushed and fsynced before the rename, and the folder after
    it, so a crash at any moment leaves either the old file or the new one,
    never a partial one (only a stray temporary file, which starts with
    TEMP_PREFIX). The file gets the usual permissions.
    """
    folder, name = os.path.split(os.path.abspath(path))
    tmp = os.path.join(folder, "%s%s.%s" % (TEMP_PREFIX, uuid.uuid4().hex[:12], name))
    try:
        with open(tmp, "xb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # make the rename itself durable
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def npy_bytes(array):
    """``array`` as the bytes of an .npy file (no pickle).

    Made in memory, then written with one write(): np.save straight into a
    file reports a full disk as "N requested and M written", not as ENOSPC.
    """
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(array), allow_pickle=False)
    return buf.getvalue()


# ---- reading: regular files of bounded size only ----------------------------

class RefusedFileError(OSError):
    """A path that is not a regular file, or a file larger than the reader accepts."""


def _kind(mode):
    """What a non-regular file is, in words, from its st_mode."""
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "a special file"


def open_regular(path, max_bytes, what):
    """Open ``path`` for binary reading if it is a regular file of at most ``max_bytes``.

    path -- the file (symlinks are followed: what they point to is checked)
    max_bytes -- the largest size accepted
    what -- what the file is, for messages (e.g. "The checkpoint")

    Returns the open binary file, at its start. The file is opened without
    blocking and checked on the open descriptor (so a FIFO cannot hang the
    open, and nothing can be swapped in between check and read); raises
    RefusedFileError (an OSError) naming the path when it is a FIFO, a
    device, a folder or a socket, or larger than ``max_bytes``; a missing or
    unreadable path raises the usual FileNotFoundError/PermissionError.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise RefusedFileError(
                "%s %s is %s, not a regular file; give the path of an ordinary file"
                % (what, path, _kind(info.st_mode)))
        if info.st_size > max_bytes:
            raise RefusedFileError(
                "%s %s is %d bytes, more than the %d this reader accepts; is it the"
                " right file?" % (what, path, info.st_size, max_bytes))
        if flags & getattr(os, "O_NONBLOCK", 0):  # back to ordinary blocking reads
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path, max_bytes, what):
    """The bytes of ``path``, a regular file of at most ``max_bytes`` (see open_regular).

    Reads at most ``max_bytes + 1`` bytes whatever the file claims, so a file
    that grows while it is read is refused too, never read whole.
    """
    with open_regular(path, max_bytes, what) as f:
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise RefusedFileError("%s %s grew past %d bytes while it was read"
                               % (what, path, max_bytes))
    return data
