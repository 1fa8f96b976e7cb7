"""The output folder of a run: one run at a time, and errors that name the real cause."""

import errno
import fcntl
import os
import shutil
import stat
import time

from w2v.infra.fileio import TEMP_PREFIX

LOCK_NAME = ".lock"


class OutputError(OSError):
    """The output folder cannot be used; the message says why and what to do."""


def explain(err):
    """What an OSError means for a user, and what to do, in one phrase."""
    reasons = {
        errno.ENOSPC: "the disk is full: free some space",
        errno.EDQUOT: "the disk quota is exhausted: free some space",
        errno.EROFS: "the file system is read-only: choose another --outdir",
        errno.EACCES: "permission denied: choose a folder you can write to",
        errno.EPERM: "permission denied: choose a folder you can write to",
        errno.ENOENT: "a folder on the way does not exist (was it removed?)",
        errno.EISDIR: "a folder stands where a file should be written: move it away",
        errno.ENOTDIR: "a file stands where a folder should be: move it away or choose"
                       " another --outdir",
        errno.EEXIST: "a file stands where a folder should be: move it away or choose"
                      " another --outdir",
    }
    # A rename names both paths: the destination is the one in the way. A
    # temporary file is named by the file it was to become.
    path = getattr(err, "filename2", None) or getattr(err, "filename", None)
    if isinstance(path, str) and os.path.basename(path).startswith(TEMP_PREFIX):
        path = os.path.join(os.path.dirname(path), os.path.basename(path).split(".", 2)[-1])
    where = " (%s)" % path if path else ""
    return "%s%s" % (reasons.get(err.errno, err.strerror or str(err)), where)


class OutputLock:
    """Hold an exclusive lock on ``directory`` (made if missing) while a run uses it.

    Two runs writing the same checkpoints would destroy each other's work; the
    second one stops at once with a message naming the process that holds the
    folder. The lock is the kernel's (flock), so it vanishes with its process,
    even one killed by SIGKILL: no stale lock to delete by hand.
    """

    def __init__(self, directory):
        self.directory = directory
        self.fd = None

    def __enter__(self):
        if os.path.exists(self.directory) and not os.path.isdir(self.directory):
            raise OutputError("--outdir %s is a file, not a folder: choose another --outdir"
                              % self.directory)
        lock = os.path.join(self.directory, LOCK_NAME)
        try:
            os.makedirs(self.directory, exist_ok=True)
            # Never through a link (the lock file is truncated: a link could aim it
            # at any file), never blocking (a FIFO put there).
            self.fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK
                              | os.O_CLOEXEC, 0o644)
        except OSError as err:
            cause = ("%s is a symbolic link: remove it (run.py makes its own lock file)"
                     % lock if err.errno == errno.ELOOP else explain(err))
            raise OutputError("cannot use %s as the output folder: %s"
                              % (self.directory, cause)) from None
        if not stat.S_ISREG(os.fstat(self.fd).st_mode):
            os.close(self.fd)
            raise OutputError("cannot use %s as the output folder: %s is not a regular file:"
                              " remove it (run.py makes its own lock file)"
                              % (self.directory, lock))
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(self.fd, 32, 0).decode("ascii", "replace").strip() or "?"
            os.close(self.fd)
            raise OutputError("another run (process %s) is using %s; wait for it to finish,"
                              " or choose another --outdir" % (holder, self.directory)) from None
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, b"%d\n" % os.getpid(), 0)
        return self

    def __exit__(self, *exc):
        os.close(self.fd)  # releases the lock
        return False


def set_aside(directory, paths, what="checkpoint"):
    """Move ``paths`` into ``directory``/superseded-<time>/ (nothing is deleted).

    Returns the folder they went to, or None when there was nothing to move.
    """
    paths = [p for p in paths if os.path.exists(p)]
    if not paths:
        return None
    base = os.path.join(directory, "superseded-%s" % time.strftime("%Y%m%d-%H%M%S"))
    target, n = base, 1
    while True:  # a folder of its own: files set aside in the same second never collide
        try:
            os.mkdir(target)
            break
        except FileExistsError:
            n += 1
            target = "%s-%d" % (base, n)
    for path in paths:
        shutil.move(path, target)
    return target
