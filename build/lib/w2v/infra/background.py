"""Jobs run beside the main work, in a forked child process (Linux), else in place.

run.py writes ``vectors.txt`` (the exact text of 390,000 floats: 0.15 s of
pure Python) while it draws its figures (0.35 s, also pure Python). Threads
would take turns holding the GIL; a forked child has an interpreter of its
own and shares the parent's memory copy-on-write, so it costs no second copy
(run.py's peak, parent and child together, grows by at most 10 MiB: pages
either of them writes stop being shared). Where fork is missing or unsafe
(not Linux), a job runs at once.

    with Jobs() as jobs:
        jobs.start(write_the_text)      # returns at once
        draw_the_figures()
    # here every job has ended; the first one that failed raised its error
"""

import builtins
import json
import os
import sys
import warnings

# macOS has fork, but its system libraries are not safe in a forked child.
CAN_FORK = sys.platform.startswith("linux") and hasattr(os, "fork")


class Jobs:
    """Start jobs with ``start(job)``; leaving the ``with`` block waits for all of them.

    A job is a callable taking nothing; what it returns is dropped. If one
    fails, leaving the block raises its exception again (an OSError keeps
    its errno and file name; a job killed by a signal gives ChildProcessError),
    unless the block itself is raising: then that exception goes on. A job
    run in place (no fork here, or no process to spare) is a plain call: its
    exception comes out of ``start``.
    """

    def __init__(self):
        self._running = []  # (pid, read end of its error pipe)

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        errors = [self._wait(*job) for job in self._running]
        self._running = []
        failed = [err for err in errors if err is not None]
        if failed and kind is None:
            raise failed[0]
        return False

    def start(self, job):
        if not CAN_FORK:
            job()
            return
        read_end, write_end = os.pipe()
        sys.stdout.flush()  # else a job that prints would print the parent's buffer again
        sys.stderr.flush()
        try:
            with warnings.catch_warnings():
                # Python >= 3.12 warns when a process with threads forks: a lock another
                # thread holds stays locked in the child. The child runs only ``job``,
                # which takes no lock of another thread (malloc is fork-safe in glibc).
                warnings.simplefilter("ignore", DeprecationWarning)
                pid = os.fork()
        except OSError:  # no process to spare (a limit, no memory): do it here instead
            os.close(read_end)
            os.close(write_end)
            job()
            return
        if pid == 0:
            os.close(read_end)
            _run_child(job, write_end)
        os.close(write_end)
        self._running.append((pid, read_end))

    @staticmethod
    def _wait(pid, read_end):
        """The job's exception (rebuilt from what it sent), or None if it succeeded."""
        with os.fdopen(read_end, "rb") as pipe:
            report = pipe.read()
        _, status = os.waitpid(pid, 0)
        if report:
            return _rebuild(json.loads(report.decode("utf-8")))
        if os.WIFSIGNALED(status):
            return ChildProcessError("a background job was killed by signal %d"
                                     % os.WTERMSIG(status))
        if os.waitstatus_to_exitcode(status) != 0:
            return ChildProcessError("a background job ended with status %d"
                                     % os.waitstatus_to_exitcode(status))
        return None


def _run_child(job, write_end):
    """In the child: run job, send its exception (if any) down the pipe, and exit."""
    code = 0
    try:
        job()
    except KeyboardInterrupt:  # Ctrl-C reaches the parent too: it reports that
        code = 130
    except BaseException as err:  # the parent re-raises it
        code = 1
        report = {"type": type(err).__name__, "message": str(err)}
        if isinstance(err, OSError):
            report.update(errno=err.errno, strerror=err.strerror, filename=err.filename)
        try:
            os.write(write_end, json.dumps(report, default=str).encode("utf-8"))  # bytes paths
        except OSError:
            pass
    finally:
        # os._exit: no atexit handlers, no flushing of the parent's buffers, no cleanup
        # of objects the parent owns (their files, their temporary folders).
        os._exit(code)


def _rebuild(report):
    """An exception like the child's: of its built-in type, else a RuntimeError naming it."""
    kind = getattr(builtins, report["type"], None)
    if isinstance(kind, type) and issubclass(kind, Exception):
        if issubclass(kind, OSError) and report.get("errno") is not None:
            return kind(report["errno"], report["strerror"], report["filename"])
        try:
            return kind(report["message"])
        except TypeError:  # a type that needs more than a message (UnicodeError's)
            pass
    return RuntimeError("%s: %s" % (report["type"], report["message"]))
