"""Running code we do not trust: one child process per task, limited, numbers only back.

Each task gets a fresh folder: code/ (a copy of the files under test),
task.json and inputs.npz from us; the child (instructor/child.py) writes
out.npz and out.json there. Limits: address space, CPU seconds, file size,
a wall-clock timeout (the whole process group is killed). With ``RUN_AS``
set to a uid (``grade --user nobody``, as run_autograder does: Gradescope
runs it as root), the child drops to that user and cannot read the
grader's folders nor write the results.
"""

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile

import numpy as np

CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "child.py")
MEMORY_BYTES = 2 << 30   # address space of a child
FILE_BYTES = 200 << 20   # largest file a child may write
RUN_AS = None            # a uid the children drop to (the grader must be root)


def _limits(cpu_seconds):
    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
        resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_BYTES, FILE_BYTES))
        if RUN_AS is not None:
            os.setgroups([])
            os.setgid(RUN_AS)
            os.setuid(RUN_AS)
    return apply


def _chown_tree(path):
    for folder, dirs, files in os.walk(path):
        for name in [folder] + [os.path.join(folder, n) for n in dirs + files]:
            os.lchown(name, RUN_AS, RUN_AS)


class Outcome:
    """What came back: ``out`` (name -> array), ``error`` (one line or None), ``why``."""

    def __init__(self, out=None, error=None, why=None):
        self.out, self.error, self.why = out or {}, error, why


def run_task(code_dir, task, params, inputs, module=None, timeout=30, workdir=None):
    """Run ``task`` on a copy of code_dir in a child; returns an Outcome."""
    taskdir = tempfile.mkdtemp(prefix="task-", dir=workdir)
    try:
        shutil.copytree(code_dir, os.path.join(taskdir, "code"), symlinks=True)
        # The child's own copy: the grader's folder stays closed to the child's user.
        shutil.copy(CHILD, os.path.join(taskdir, "child.py"))
        with open(os.path.join(taskdir, "task.json"), "w") as f:
            json.dump({"task": task, "module": module, "params": params}, f)
        np.savez(os.path.join(taskdir, "inputs.npz"), **inputs)
        if RUN_AS is not None:
            _chown_tree(taskdir)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": taskdir,
               "MPLBACKEND": "agg", "MPLCONFIGDIR": os.path.join(taskdir, ".mpl"),
               "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0"}
        proc = subprocess.Popen([sys.executable, "-I", os.path.join(taskdir, "child.py"), taskdir],
                                cwd=taskdir, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True, preexec_fn=_limits(int(timeout) + 1))
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return Outcome(error="did not finish within %d s (an infinite loop?)" % timeout)
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # anything it left running
            except ProcessLookupError:
                pass
        return _read(taskdir, proc.returncode)
    finally:
        shutil.rmtree(taskdir, ignore_errors=True)


def _read(taskdir, returncode):
    try:
        with open(os.path.join(taskdir, "out.json")) as f:
            result = json.load(f)
        with np.load(os.path.join(taskdir, "out.npz"), allow_pickle=False) as data:
            out = {k: data[k] for k in data.files}
    except (OSError, ValueError) as err:
        how = ("was killed by signal %d" % -returncode if returncode < 0
               else "exited with code %d" % returncode)
        return Outcome(error="the code crashed or ran out of memory (the process %s;"
                       " no result: %s)" % (how, type(err).__name__))
    if not isinstance(result, dict):
        return Outcome(error="no valid result came back")
    return Outcome(out, result.get("error"), result.get("why"))
