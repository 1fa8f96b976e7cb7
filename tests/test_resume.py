"""Nothing lost, nothing trusted blindly: run.py in subprocesses.

Killed with SIGKILL at random moments and restarted, stopped with Ctrl-C or
SIGTERM, given corrupt, edited or special-file checkpoints or those of another
configuration, two runs on one output folder, interrupted while writing its
outputs, diverging. Every subprocess has a timeout: a regression fails, it
never hangs CI.
"""

import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from tests.conftest import ROOT, write_treebank
from w2v.infra import checkpoint, fileio

RUN = [sys.executable, str(ROOT / "run.py")]
ENV = dict(os.environ, PYTHONUNBUFFERED="1")  # lines reach the pipe as they are printed
TIMEOUT = 300

# path -> (extra options, iterations, checkpoint every): long enough (~1 s of
# training, the compiled batched engine being some 50 us an iteration) to be
# killed mid-way; the batched run crosses its 500-iteration sampling chunks.
PATHS = {"batched": ([], 20000, 500), "exact": (["--exact"], 1200, 100)}


def _args(data, outdir, iterations, every, *extra):
    return ["--data", str(data), "--outdir", str(outdir), "--iterations", str(iterations),
            "--checkpoint-every", str(every), *extra]


def _run(*args, command=RUN):
    return subprocess.run(command + list(args), cwd=ROOT, capture_output=True, text=True,
                          timeout=TIMEOUT, env=ENV)


def _start(args, command=RUN):
    return subprocess.Popen(command + list(args), cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=ENV)


def _finish(proc):
    """(stdout, stderr) of a process that has ended or is ending.

    Not communicate(): it reads the raw pipes and would lose what readline()
    has already buffered. Killed if it does not end in time.
    """
    try:
        proc.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail("the run did not end within %d s" % TIMEOUT)
    out = proc.stdout.read()
    err = proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    return out, err


def _read_until(proc, pattern, count=1):
    """Lines up to the ``count``-th matching ``pattern`` (fails if the run ends first)."""
    seen, lines = 0, []
    deadline = time.monotonic() + TIMEOUT
    while seen < count:
        assert time.monotonic() < deadline, "no %r within %d s" % (pattern, TIMEOUT)
        line = proc.stdout.readline()
        assert line, "the run ended before %r: %s" % (pattern, "".join(lines[-5:]))
        lines.append(line)
        seen += bool(re.match(pattern, line))
    return lines


def _complete_lines(text):
    """The lines that were printed whole (a SIGKILL can cut the last newline off)."""
    return text.split("\n")[:-1]


def _iter_lines(lines):
    return [l for l in lines if l.startswith("iter ")]


def _resumed_from(lines):
    """The checkpoint a run resumed from (0 when it started from scratch)."""
    for line in lines:
        m = re.match(r"Resuming from checkpoint (\d+) in ", line)
        if m:
            return int(m.group(1))
    return 0


def _params(outdir, iteration):
    return np.load(os.path.join(outdir, "saved_params_%d.npy" % iteration),
                   allow_pickle=False)


def _one_clear_line(stderr):
    assert "Traceback" not in stderr
    assert stderr.startswith("error: ") and stderr.count("\n") == 1, stderr
    return stderr.strip()


def _no_temporary_files(outdir):
    return not [p for p in os.listdir(outdir) if p.startswith(fileio.TEMP_PREFIX)]


@pytest.fixture(scope="module")
def sst(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data") / "sst"
    write_treebank(str(folder))
    return folder


@pytest.fixture(scope="module")
def reference(sst, tmp_path_factory):
    """Uninterrupted runs, made once: path -> (iter lines, final parameters)."""
    cache = {}

    def get(path):
        if path not in cache:
            extra, n, every = PATHS[path]
            out = tmp_path_factory.mktemp("reference-" + path)
            r = _run(*_args(sst, out, n, every, *extra))
            assert r.returncode == 0, r.stderr
            lines = _iter_lines(r.stdout.splitlines())
            assert len(lines) == n // 10
            cache[path] = (lines, _params(out, n))
        return cache[path]
    return get


def _check_segment(lines, ref_lines):
    """The iter lines after a resume are the reference's from the checkpoint on."""
    start = _resumed_from(lines)
    got = _iter_lines(lines)
    assert got == ref_lines[start // 10:start // 10 + len(got)]
    return start, got


# ---- SIGKILL at random moments --------------------------------------------

@pytest.mark.parametrize("path", list(PATHS))
def test_killed_at_random_moments_resumes_bit_identical(sst, reference, tmp_path, path):
    extra, n, every = PATHS[path]
    ref_lines, ref_params = reference(path)
    out = tmp_path / "out"
    args = _args(sst, out, n, every, *extra)
    rng = np.random.default_rng({"batched": 11, "exact": 12}[path])
    max_lines = n // 10 // 6  # a kill costs at most this much progress

    segments = []
    for attempt in range(4):
        proc = _start(args)
        if attempt == 0:
            # A moment anywhere from start-up (imports, reading the corpus) on.
            time.sleep(rng.uniform(0.05, 0.8))
            early = []
        else:
            # After a random number of printed lines, plus a random delay.
            early = _read_until(proc, "iter ", int(rng.integers(1, max_lines)))
            time.sleep(rng.uniform(0.0, 0.02))
        proc.send_signal(signal.SIGKILL)
        rest, err = _finish(proc)
        segments.append((proc.returncode, _complete_lines("".join(early) + rest), err))

    final = _run(*args)
    assert final.returncode == 0, final.stderr
    segments.append((0, final.stdout.splitlines(), final.stderr))

    starts = []
    for returncode, lines, err in segments:
        assert err == "", err  # no warning: a kill never leaves a checkpoint that looks corrupt
        start, got = _check_segment(lines, ref_lines)
        starts.append(start)
    assert sum(rc == -signal.SIGKILL for rc, _, _ in segments) >= 3  # really killed mid-way
    assert any(0 < s < n for s in starts)  # and really resumed from a checkpoint
    # The last line was printed by the run that got there (a killed one may have).
    assert ref_lines[-1] in [line for _, lines, _ in segments for line in _iter_lines(lines)]
    assert np.array_equal(_params(out, n), ref_params)
    assert checkpoint.list_iterations(str(out)) == [n, n - every, n - 2 * every]
    assert _no_temporary_files(out)


# ---- Ctrl-C and SIGTERM ----------------------------------------------------------

@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("path", list(PATHS))
def test_stop_signal_saves_and_resumes_bit_identical(sst, reference, tmp_path, path, sig):
    """Ctrl-C, and SIGTERM (what timeout, docker stop and job schedulers send)."""
    extra, n, every = PATHS[path]
    ref_lines, ref_params = reference(path)
    out = tmp_path / "out"
    args = _args(sst, out, n, every, *extra)
    proc = _start(args)
    _read_until(proc, "iter ", 23)  # between two checkpoints
    proc.send_signal(sig)
    rest, err = _finish(proc)
    assert proc.returncode == 130
    assert err == ""
    m = re.search(r"^Interrupted \(%s\): saved a checkpoint at iteration (\d+) in (.+); run"
                  r" again to resume\.$" % sig.name, rest, re.M)
    assert m, rest
    at = int(m.group(1))
    # The stop's own checkpoint: mid-way (on a fast machine it can fall on a
    # scheduled one's iteration: the batched path stops at the end of a block).
    assert 230 <= at < n and m.group(2) == str(out)
    assert checkpoint.list_iterations(str(out))[0] == at
    assert _no_temporary_files(out)

    again = _run(*args)
    assert again.returncode == 0, again.stderr
    lines = again.stdout.splitlines()
    assert lines[0] == "Resuming from checkpoint %d in %s" % (at, out)
    start, got = _check_segment(lines, ref_lines)
    assert start == at and got[-1] == ref_lines[-1]
    assert np.array_equal(_params(out, n), ref_params)


# Waits in the export (after training and the final checkpoint) until interrupted.
SLOW_EXPORT = [sys.executable, "-c",
               "import sys, time; sys.path.insert(0, %r)\n"
               "import run\n"
               "from w2v.vectors import files as vectors\n"
               "real = vectors.save_vectors\n"
               "def slow(*args, **kwargs):\n"
               "    print('exporting', flush=True)\n"
               "    time.sleep(120)\n"
               "    return real(*args, **kwargs)\n"
               "vectors.save_vectors = slow\n"
               "import signal\n"  # as run.py's __main__ block does
               "signal.signal(signal.SIGTERM, run._sigterm_as_interrupt)\n"
               "sys.exit(run.main(sys.argv[1:]))\n" % str(ROOT)]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_stop_while_writing_the_outputs_is_a_message_and_nothing_is_lost(sst, tmp_path, sig):
    out = tmp_path / "out"
    args = _args(sst, out, 200, 100)
    proc = _start(args, command=SLOW_EXPORT)
    lines = _read_until(proc, "exporting")
    proc.send_signal(sig)
    rest, err = _finish(proc)
    assert proc.returncode == 130
    assert err == ("Interrupted while writing the outputs; training is saved: run again to"
                   " write them.\n")
    assert len(_iter_lines(lines)) == 20
    assert checkpoint.list_iterations(str(out)) == [200, 100]  # the final one is there

    again = _run(*args)  # writes the outputs, trains nothing
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("Resuming from checkpoint 200 in %s\n" % out)
    assert _iter_lines(again.stdout.splitlines()) == []
    saved = np.load(out / "wordVectors.npy", allow_pickle=False)
    assert np.array_equal(saved, _params(out, 200))


# ---- two runs, one output folder ---------------------------------------------------

def test_a_second_run_on_the_same_outdir_stops_at_once(sst, reference, tmp_path):
    extra, n, every = PATHS["exact"]
    ref_lines, ref_params = reference("exact")
    out = tmp_path / "out"
    args = _args(sst, out, n, every, *extra)
    first = _start(args)
    _read_until(first, "iter ", 2)
    # A temporary file as a save in progress leaves it: the second run must not touch it.
    busy = out / (fileio.TEMP_PREFIX + "0123456789ab.saved_params_%d.npy" % n)
    busy.write_bytes(b"\x93NUMPY being written")
    second = _run(*args)
    assert second.returncode == 1 and second.stdout == ""
    assert _one_clear_line(second.stderr) == (
        "error: another run (process %d) is using %s; wait for it to finish, or choose"
        " another --outdir" % (first.pid, out))
    assert busy.read_bytes() == b"\x93NUMPY being written"
    rest, err = _finish(first)  # the first run was not disturbed
    assert first.returncode == 0 and err == ""
    assert _iter_lines(rest.splitlines())[-1] == ref_lines[-1]
    assert np.array_equal(_params(out, n), ref_params)


# ---- a run that is asked again ----------------------------------------------------

def test_a_finished_run_asked_again_does_not_train_again(sst, tmp_path):
    """Fewer iterations than --checkpoint-every: the final checkpoint still makes it."""
    out = tmp_path / "out"
    args = ["--data", str(sst), "--outdir", str(out), "--iterations", "2000"]
    first = _run(*args)
    assert first.returncode == 0, first.stderr
    assert checkpoint.list_iterations(str(out)) == [2000]
    vectors = (out / "wordVectors.npy").read_bytes()
    second = _run(*args)
    assert second.returncode == 0, second.stderr
    lines = second.stdout.splitlines()
    assert lines[0] == "Resuming from checkpoint 2000 in %s" % out
    assert _iter_lines(lines) == []
    # The same verdict as the run that trained (its loss history is in the checkpoint).
    tail = [l for l in first.stdout.splitlines() if not l.startswith(("iter ", "training"))]
    assert [l for l in lines[1:] if not l.startswith("training")] == tail
    assert (out / "wordVectors.npy").read_bytes() == vectors
