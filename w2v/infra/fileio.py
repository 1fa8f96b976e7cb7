"""Writing files whole or not at all; reading only regular files of bounded size;
reading .npy files whose header agrees with their size; naming compressed files."""

import hashlib
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


NPY_CHUNK_BYTES = 1 << 22     # written (and hashed) a few MiB at a time


def write_npy(f, parts):
    """Write the rows of ``parts`` as one .npy array (no pickle) to the binary file ``f``;
    returns the SHA-256 hex digest of the bytes written.

    parts -- arrays of one dtype and the same shape after their first axis,
             stacked along it (a checkpoint's vectors, a model's v_w over u_w)
    A few MiB are copied at a time, never the whole array: a copy of every
    vector would add its size to the process's peak memory. A full disk is
    reported by the write as ENOSPC (numpy's tofile would say "N requested
    and M written").
    """
    first = parts[0]
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {
        "descr": np.lib.format.dtype_to_descr(first.dtype), "fortran_order": False,
        "shape": (sum(len(p) for p in parts),) + first.shape[1:]})
    sha = hashlib.sha256(header.getvalue())
    f.write(header.getvalue())
    for part in parts:
        step = max(1, NPY_CHUNK_BYTES // max(1, part[:1].nbytes))
        for start in range(0, len(part), step):
            chunk = np.ascontiguousarray(part[start:start + step]).reshape(-1).view(np.uint8)
            sha.update(chunk)
            f.write(chunk)
    return sha.hexdigest()


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


# ---- .npy files: the header checked against the data before anything is allocated ----

NO_LIMIT = 1 << 62  # open_regular's size limit when any size is acceptable


def _npy_header(f):
    """(shape, fortran_order, dtype) of the .npy file ``f``, read from its start.

    numpy's header parser raises ValueError, SyntaxError or tokenize.TokenError
    (and RecursionError for deep nesting) on a malformed header; all of them
    mean one thing here, so they become one ValueError.
    """
    fmt = np.lib.format
    try:
        version = fmt.read_magic(f)
        if version == (1, 0):
            return fmt.read_array_header_1_0(f)
        if version == (2, 0):
            return fmt.read_array_header_2_0(f)
        return fmt._read_array_header(f, version)  # 3.0: no public reader
    except Exception as err:  # noqa: BLE001 -- see the docstring
        raise ValueError("not a valid .npy file: its header cannot be read (%s: %s)"
                         % (type(err).__name__, str(err)[:120])) from None


def _npy_array(f, size):
    """The array of the .npy file ``f`` (``size`` bytes), its header checked first."""
    shape, _, dtype = _npy_header(f)
    if dtype.hasobject:
        raise ValueError("the .npy file holds Python objects (a pickle); refusing to load it")
    need = int(np.prod(shape, dtype=object)) * dtype.itemsize
    have = size - f.tell()
    if need != have:
        raise ValueError("its header announces a %s array of shape %s (%d bytes of data) but"
                         " the file holds %d: it is truncated or corrupt"
                         % (dtype, tuple(shape), need, have))
    f.seek(0)
    return np.load(f, allow_pickle=False)


def read_npy(path, what="The array file"):
    """The array of the .npy file ``path``; ValueError (or OSError) before any allocation
    when the file is not a regular file, its header is malformed, or its header
    announces more (or less) data than the file holds."""
    with open_regular(path, NO_LIMIT, what) as f:
        return _npy_array(f, os.fstat(f.fileno()).st_size)


def npy_from_bytes(raw):
    """The array of the .npy file whose bytes are ``raw``, checked as ``read_npy`` does."""
    return _npy_array(io.BytesIO(raw), len(raw))


# ---- compressed files, named by their first bytes --------------------------------------

MAGIC = ((b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"),
         (b"\x28\xb5\x2f\xfd", "zstd"), (b"PK\x03\x04", "zip"),
         (b"7z\xbc\xaf\x27\x1c", "7-Zip"))


def compression(path):
    """The compression of the file ``path`` by its first bytes ("gzip", "bzip2", "xz",
    "zstd", "zip", "7-Zip"), or None for anything else (text, say)."""
    with open_regular(path, NO_LIMIT, "The file") as f:
        head = f.read(8)
    return next((name for magic, name in MAGIC if head.startswith(magic)), None)
