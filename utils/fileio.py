"""Writing files so that they appear whole or not at all."""

import os
import uuid

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
