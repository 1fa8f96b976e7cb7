"""Nothing lost, nothing trusted blindly.

run.py in a subprocess, killed with SIGKILL at random moments and restarted,
interrupted with Ctrl-C, given corrupt or foreign checkpoints, a diverging
step and broken datasets; checkpoint writes that crash half-way; bad
arguments to the public functions.
"""

import errno
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import run as run_module
from sgd import TrainingDiverged, sgd
from tests.conftest import FIXTURE_WORDS, ROOT, write_treebank
from utils import checkpoint
from utils.checkpoint import CheckpointError
from utils.treebank import DatasetError, StanfordSentiment
from word2vec import (naiveSoftmaxLossAndGradient, negSamplingLossAndGradient, skipgram,
                      word2vec_sgd_wrapper)

RUN = [sys.executable, str(ROOT / "run.py")]
ENV = dict(os.environ, PYTHONUNBUFFERED="1")  # lines reach the pipe as they are printed

# path -> (extra options, iterations, checkpoint every): long enough (~1 s of
# training) to be killed mid-way; the batched run crosses its 1000-iteration
# sampling chunks.
PATHS = {"batched": ([], 3000, 100), "exact": (["--exact"], 1200, 100)}


def _args(data, outdir, iterations, every, *extra):
    return ["--data", str(data), "--outdir", str(outdir), "--iterations", str(iterations),
            "--checkpoint-every", str(every), *extra]


def _run(*args):
    return subprocess.run(RUN + list(args), cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env=ENV)


def _finish(proc):
    """(stdout, stderr) of a process that has ended or is ending.

    Not communicate(): it reads the raw pipes and would lose what readline()
    has already buffered.
    """
    out = proc.stdout.read()
    err = proc.stderr.read()
    proc.wait(timeout=300)
    proc.stdout.close()
    proc.stderr.close()
    return out, err


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
        proc = subprocess.Popen(RUN + args, cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=ENV)
        if attempt == 0:
            # A moment anywhere from start-up (imports, reading the corpus) on.
            time.sleep(rng.uniform(0.05, 0.8))
        else:
            # After a random number of printed lines, plus a random delay.
            wanted, seen, early = int(rng.integers(1, max_lines)), 0, []
            while seen < wanted:
                line = proc.stdout.readline()
                if not line:
                    break
                early.append(line)
                seen += line.startswith("iter ")
            time.sleep(rng.uniform(0.0, 0.02))
        proc.send_signal(signal.SIGKILL)
        rest, err = _finish(proc)
        text = rest if attempt == 0 else "".join(early) + rest
        segments.append((proc.returncode, _complete_lines(text), err))

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
    assert _iter_lines(segments[-1][1])[-1] == ref_lines[-1]
    assert np.array_equal(_params(out, n), ref_params)
    assert checkpoint.list_iterations(str(out)) == [n, n - every, n - 2 * every]
    assert not [p for p in os.listdir(out) if p.startswith(".tmp_")]


# ---- Ctrl-C -------------------------------------------------------------------

@pytest.mark.parametrize("path", list(PATHS))
def test_ctrl_c_saves_and_resumes_bit_identical(sst, reference, tmp_path, path):
    extra, n, every = PATHS[path]
    ref_lines, ref_params = reference(path)
    out = tmp_path / "out"
    args = _args(sst, out, n, every, *extra)
    proc = subprocess.Popen(RUN + args, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=ENV)
    seen = 0
    while seen < 23:  # between two checkpoints
        line = proc.stdout.readline()
        assert line, "the run ended before it could be interrupted"
        seen += line.startswith("iter ")
    proc.send_signal(signal.SIGINT)
    rest, err = _finish(proc)
    assert proc.returncode == 130
    assert err == ""
    m = re.search(r"^Interrupted: saved a checkpoint at iteration (\d+) in (.+); run again"
                  r" to resume\.$", rest, re.M)
    assert m, rest
    at = int(m.group(1))
    assert 230 <= at < n
    assert checkpoint.list_iterations(str(out))[0] == at

    again = _run(*args)
    assert again.returncode == 0, again.stderr
    lines = again.stdout.splitlines()
    assert lines[0] == "Resuming from checkpoint %d in %s" % (at, out)
    start, got = _check_segment(lines, ref_lines)
    assert start == at and got[-1] == ref_lines[-1]
    assert np.array_equal(_params(out, n), ref_params)


# ---- a crash while a checkpoint is being written -------------------------

def _save(directory, iteration, value):
    checkpoint.save(str(directory), iteration, np.full((4, 3), float(value)), 0.3, 1.5,
                    run_info={"n": 4})


def test_crash_while_writing_parameters_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    _save(tmp_path, 10, 1.0)
    real_save = np.save

    def dies_half_way(f, arr, allow_pickle=False):
        f.write(b"\x93NUMPY half a file")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "save", dies_half_way)
    with pytest.raises(CheckpointError, match=r"could not write checkpoint 20 in .*No space"
                                              r" left on device.*earlier checkpoints"):
        _save(tmp_path, 20, 2.0)
    monkeypatch.setattr(np, "save", real_save)
    assert sorted(os.listdir(tmp_path)) == ["saved_params_10.npy", "saved_state_10.json"]
    it, params, state = checkpoint.load_newest(str(tmp_path), {"n": 4})
    assert it == 10 and np.array_equal(params, np.full((4, 3), 1.0))


def test_crash_between_parameter_and_state_file(tmp_path, monkeypatch, capsys):
    _save(tmp_path, 10, 1.0)
    real_replace = os.replace

    def no_state(src, dst):
        if os.path.basename(dst).startswith("saved_state_"):
            raise OSError(errno.EIO, "Input/output error")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", no_state)
    with pytest.raises(CheckpointError, match="could not write checkpoint 20"):
        _save(tmp_path, 20, 2.0)
    monkeypatch.setattr(os, "replace", real_replace)
    # The parameter file made it, its state did not: it is never used.
    assert (tmp_path / "saved_params_20.npy").exists()
    assert checkpoint.list_iterations(str(tmp_path)) == [10]
    it, params, _ = checkpoint.load_newest(str(tmp_path), {"n": 4})
    assert it == 10 and np.array_equal(params, np.full((4, 3), 1.0))
    assert capsys.readouterr().err == ""


def test_files_left_by_a_killed_save_are_ignored_then_removed(tmp_path, capsys):
    """SIGKILL skips all clean-up: simulate the temporary files it leaves."""
    _save(tmp_path, 10, 1.0)
    (tmp_path / ".tmp_k3j2saved_params_20.npy").write_bytes(b"\x93NUMPY\x01\x00trunc")
    (tmp_path / ".tmp_x9q1saved_state_20.json").write_text('{"format": 2, "itera')
    it, _, _ = checkpoint.load_newest(str(tmp_path), {"n": 4})
    assert it == 10 and capsys.readouterr().err == ""
    assert checkpoint.remove_partial_files(str(tmp_path)) == 2
    assert sorted(os.listdir(tmp_path)) == ["saved_params_10.npy", "saved_state_10.json"]


def test_pruning_keeps_the_newest_three_and_removes_orphans(tmp_path):
    for it in (10, 20, 30):
        _save(tmp_path, it, it)
    (tmp_path / "saved_state_10.json").unlink()  # a crash between the two deletions
    _save(tmp_path, 40, 40)
    assert sorted(os.listdir(tmp_path)) == [
        "saved_params_20.npy", "saved_params_30.npy", "saved_params_40.npy",
        "saved_state_20.json", "saved_state_30.json", "saved_state_40.json"]


# ---- corrupt or truncated checkpoints -----------------------------------------

CORRUPT_N, CORRUPT_EVERY = 100, 20


@pytest.fixture(scope="module")
def finished(sst, tmp_path_factory):
    """A finished batched run of 100 iterations (checkpoints 60, 80, 100)."""
    out = tmp_path_factory.mktemp("finished")
    r = _run(*_args(sst, out, CORRUPT_N, CORRUPT_EVERY))
    assert r.returncode == 0, r.stderr
    return out


def _truncate_npy(out, it):
    p = out / ("saved_params_%d.npy" % it)
    p.write_bytes(p.read_bytes()[:200])


def _garble_json(out, it):
    p = out / ("saved_state_%d.json" % it)
    raw = bytearray(p.read_bytes())
    raw[len(raw) // 2:len(raw) // 2 + 8] = b"\x00#garble"
    p.write_bytes(bytes(raw))


def _change_a_number(out, it):
    """Still valid JSON, one number different: only the state's own checksum sees it."""
    p = out / ("saved_state_%d.json" % it)
    state = json.loads(p.read_text())
    state["random"]["python"][1][100] ^= 1
    p.write_text(json.dumps(state))


def _delete_npy(out, it):
    (out / ("saved_params_%d.npy" % it)).unlink()


def _flip_a_parameter_bit(out, it):
    p = out / ("saved_params_%d.npy" % it)
    raw = bytearray(p.read_bytes())
    raw[-3] ^= 0x10
    p.write_bytes(bytes(raw))


CORRUPTIONS = {
    "truncated npy": (_truncate_npy, r"saved_params_100\.npy does not match the checksum"),
    "garbled json": (_garble_json, r"saved_state_100\.json is not valid JSON"),
    "changed number in json": (_change_a_number,
                               r"saved_state_100\.json does not match its own checksum"),
    "deleted npy": (_delete_npy, r"parameter file saved_params_100\.npy is missing"),
    "flipped bit in npy": (_flip_a_parameter_bit,
                           r"saved_params_100\.npy does not match the checksum"),
}


@pytest.mark.parametrize("kind", list(CORRUPTIONS))
def test_corrupt_newest_checkpoint_is_skipped_with_a_warning(finished, sst, tmp_path, kind):
    corrupt, reason = CORRUPTIONS[kind]
    out = tmp_path / "out"
    shutil.copytree(finished, out)
    good = _params(finished, CORRUPT_N)
    corrupt(out, CORRUPT_N)
    r = _run(*_args(sst, out, CORRUPT_N, CORRUPT_EVERY))
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert re.match(r"warning: checkpoint 100 in %s is unusable \(.*%s.*\); skipping it\.$"
                    % (re.escape(str(out)), reason), r.stderr), r.stderr
    assert r.stdout.splitlines()[0] == "Resuming from checkpoint 80 in %s" % out
    assert np.array_equal(_params(out, CORRUPT_N), good)  # redone, bit-identical


def test_all_checkpoints_corrupt_restarts_without_losing_new_ones(finished, sst, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(finished, out)
    good = _params(finished, CORRUPT_N)
    for it in (60, 80, 100):
        _truncate_npy(out, it)
    # Stopped at 40: the fresh checkpoints 20 and 40 must survive next to the
    # (newer) corrupt ones, or the next crash would start from 0 again.
    r = _run(*_args(sst, out, 40, CORRUPT_EVERY))
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("unusable") == 3
    assert set(checkpoint.list_iterations(str(out))) >= {20, 40}
    r = _run(*_args(sst, out, CORRUPT_N, CORRUPT_EVERY))
    assert r.returncode == 0, r.stderr
    assert "Resuming from checkpoint 40 in" in r.stdout
    assert np.array_equal(_params(out, CORRUPT_N), good)
    assert checkpoint.list_iterations(str(out)) == [100, 80, 60]


def test_checkpoint_beyond_the_iterations_asked_for_is_not_used_silently(finished, sst,
                                                                         tmp_path):
    out = tmp_path / "out"
    shutil.copytree(finished, out)
    r = _run(*_args(sst, out, 50, CORRUPT_EVERY))
    assert r.returncode == 1
    msg = _one_clear_line(r.stderr)
    assert "iteration 100, beyond the 50 iterations" in msg and "--no-resume" in msg


# ---- a checkpoint of another configuration ------------------------------------

@pytest.fixture(scope="module")
def other_sst(tmp_path_factory):
    folder = tmp_path_factory.mktemp("other") / "sst"
    write_treebank(str(folder), 200, seed=5, words=FIXTURE_WORDS + ["popcorn", "sequel"])
    return folder


@pytest.mark.parametrize("change,differs", [
    ("data", ["vocabulary: checkpoint has 37, this run has 39", "data: checkpoint has '"]),
    ("exact", ["path: checkpoint has 'batched', this run has 'exact'"]),
    ("step", ["step: checkpoint has 0.3, this run has 0.1"]),
])
def test_checkpoint_of_another_configuration_is_refused(finished, sst, other_sst, tmp_path,
                                                        change, differs):
    out = tmp_path / "out"
    shutil.copytree(finished, out)
    data, extra = sst, []
    if change == "data":
        data = other_sst
    elif change == "exact":
        extra = ["--exact"]
    else:
        extra = ["--step", "0.1"]
    before = sorted(os.listdir(out))
    r = _run(*_args(data, out, CORRUPT_N + 20, CORRUPT_EVERY, *extra))
    assert r.returncode == 1
    msg = _one_clear_line(r.stderr)
    assert "was made by a different run" in msg and "--no-resume" in msg
    for text in differs:
        assert text in msg
    assert sorted(os.listdir(out)) == before  # nothing touched

    r = _run(*_args(data, out, 20, CORRUPT_EVERY, "--no-resume", *extra))
    assert r.returncode == 0, r.stderr
    assert "Starting fresh: moved 3 earlier checkpoint(s) to" in r.stdout
    assert checkpoint.list_iterations(str(out)) == [20]


# ---- divergence ---------------------------------------------------------------

@pytest.mark.parametrize("path", list(PATHS))
def test_divergence_stops_with_one_line_and_keeps_the_last_good_checkpoint(sst, tmp_path,
                                                                          path):
    out = tmp_path / "out"
    r = _run(*_args(sst, out, 200, 5, "--step", "1e6", *PATHS[path][0]))
    assert r.returncode == 1
    msg = _one_clear_line(r.stderr)  # and no RuntimeWarnings about overflow
    m = re.fullmatch(r"error: the loss became (nan|inf) at iteration (\d+)\. The step size"
                     r" 1e\+06 is probably too large: try a smaller one\. The last good"
                     r" checkpoint \(iteration (\d+)\) is kept in (.+)\. Rerun with a smaller"
                     r" --step \(and --no-resume, to start over\)\.", msg)
    assert m, msg
    diverged, kept = int(m.group(2)), int(m.group(3))
    assert kept < diverged and m.group(4) == str(out)
    params, state = checkpoint.load(str(out), kept)
    assert np.all(np.isfinite(params)) and state["iteration"] == kept
    assert kept == checkpoint.list_iterations(str(out))[0]


def test_non_finite_parameters_are_never_checkpointed(tmp_path, capsys):
    grads = iter([np.ones(3), np.ones(3), np.array([np.inf, 0.0, 0.0])])
    with pytest.raises(TrainingDiverged, match=r"parameters became NaN or infinite by"
                                               r" iteration 3.*last good checkpoint"
                                               r" \(iteration 2\)"):
        sgd(lambda x: (1.0, next(grads)), np.zeros(3), 0.1, 10, None, True, PRINT_EVERY=100,
            checkpoint_dir=str(tmp_path), save_every=1)
    assert checkpoint.list_iterations(str(tmp_path)) == [2, 1]


def test_full_disk_is_one_line_and_resumable(sst, tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    assert run_module.main(_args(sst, out, 40, 20)) == 0
    capsys.readouterr()

    def full(f, arr, allow_pickle=False):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "save", full)
    assert run_module.main(_args(sst, out, 100, 20)) == 1
    err = capsys.readouterr().err
    assert err == ("error: could not write checkpoint 60 in %s (No space left on device); the"
                   " earlier checkpoints there are intact. Fix that (e.g. free some space)"
                   " and run again to resume.\n" % out)
    assert checkpoint.list_iterations(str(out)) == [40, 20]
    assert not [p for p in os.listdir(out) if p.startswith(".tmp_")]


# ---- bad input ------------------------------------------------------------------

HEADER = "sentence_index\tsentence\n"

BAD_SENTENCE_FILES = {
    "empty file": (b"", r"datasetSentences\.txt: the file is empty"),
    "header only": (HEADER.encode(), r"datasetSentences\.txt: the file is empty"),
    "no index": ((HEADER + "1\tgood film\nbad film\n").encode(),
                 r"datasetSentences\.txt:3: expected a sentence index \(a whole number\)"),
    "not UTF-8": ((HEADER + "1\tgood film\n2\tna\xefve\n").encode("latin-1"),
                  r"datasetSentences\.txt:3: bytes that are not UTF-8"),
    "no words": ((HEADER + "1\t\n2\n").encode(),
                 r"datasetSentences\.txt: no sentence has two different words"),
    "one word repeated": ((HEADER + "1\tfilm film film\n").encode(),
                          r"datasetSentences\.txt: no sentence has two different words"),
    "tiny corpus": ((HEADER + "1\tgood film\n").encode(),
                    r"datasetSentences\.txt: the corpus is too small to train on \(2 words\)"),
}


@pytest.mark.parametrize("path", list(PATHS))
@pytest.mark.parametrize("kind", list(BAD_SENTENCE_FILES))
def test_bad_sentence_file_is_one_clear_line(tmp_path, kind, path):
    content, expected = BAD_SENTENCE_FILES[kind]
    data = tmp_path / "sst"
    data.mkdir()
    (data / "datasetSentences.txt").write_bytes(content)
    (data / "datasetSplit.txt").write_text("sentence_index,splitset_label\n1,1\n")
    r = _run(*_args(data, tmp_path / "out", 20, 10, *PATHS[path][0]))
    assert r.returncode == 1
    msg = _one_clear_line(r.stderr)
    assert re.search(re.escape(str(data)) + "/" + expected, msg), msg


def test_missing_sentence_file_in_an_existing_folder(tmp_path):
    (tmp_path / "sst").mkdir()
    r = _run(*_args(tmp_path / "sst", tmp_path / "out", 20, 10))
    assert r.returncode == 1
    msg = _one_clear_line(r.stderr)
    assert "datasetSentences.txt" in msg and "get_datasets.sh" in msg


def test_output_folder_that_cannot_be_made(sst, tmp_path):
    (tmp_path / "a_file").write_text("")
    r = _run(*_args(sst, tmp_path / "a_file" / "out", 20, 10))
    assert r.returncode == 1
    msg = _one_clear_line(r.stderr)
    assert "Not a directory" in msg and "a_file" in msg


@pytest.mark.parametrize("option,value", [("--step", "0"), ("--step", "nan"),
                                          ("--step", "-1"), ("--checkpoint-every", "0")])
def test_bad_options_are_refused(option, value):
    with pytest.raises(SystemExit) as exc:
        run_module.parse_args([option, value])
    assert exc.value.code == 2


@pytest.mark.parametrize("content,expected", [
    ("1,1\n2,7\n", r"datasetSplit\.txt:3: split label 7 is not 1 \(train\), 2 \(test\)"),
    ("1,1\nx,2\n", r"datasetSplit\.txt:3: expected `sentence_index,splitset_label`"),
    ("1,1\n2\n", r"datasetSplit\.txt:3: expected `sentence_index,splitset_label`"),
    ("", r"datasetSplit\.txt: the file is empty"),
])
def test_bad_split_file_names_file_and_line(treebank_dir, content, expected):
    """run.py does not read the split; the reader that does names file and line."""
    header = "sentence_index,splitset_label\n" if content else ""
    (treebank_dir / "datasetSplit.txt").write_text(header + content)
    with pytest.raises(DatasetError, match=expected):
        StanfordSentiment(str(treebank_dir)).dataset_split()


# ---- public functions: wrong shapes, out-of-range indices ----------------------

def test_wrapper_rejects_vectors_that_are_not_2v_by_d():
    for bad in (np.zeros((5, 3)), np.zeros(6), np.zeros((2, 2, 2))):
        with pytest.raises(ValueError, match=r"must be \(2V, d\).*got shape %s"
                                             % re.escape(str(bad.shape))):
            word2vec_sgd_wrapper(skipgram, {}, bad, None, 5)


def test_skipgram_rejects_mismatched_vectors_and_bad_outside_indices():
    tokens = {"a": 0, "b": 1}
    with pytest.raises(ValueError, match=r"\(d,\) = \(4,\)"):
        skipgram("a", 1, ["b"], tokens, np.zeros((2, 3)), np.zeros((2, 4)), None)
    with pytest.raises(ValueError, match="out of range"):
        skipgram("a", 1, ["b"], {"a": 0, "b": 5}, np.zeros((2, 3)), np.zeros((2, 3)), None)


@pytest.mark.parametrize("center", [5, -1])
def test_skipgram_rejects_an_out_of_range_centre_index(center):
    with pytest.raises(ValueError, match="out of range"):
        skipgram("a", 1, ["b"], {"a": center, "b": 0}, np.zeros((2, 3)), np.zeros((2, 3)),
                 None)


@pytest.mark.parametrize("lossfn", [naiveSoftmaxLossAndGradient, negSamplingLossAndGradient])
def test_negative_outside_index_is_out_of_range(lossfn):
    with pytest.raises(ValueError, match=r"outsideWordIdx -1 is out of range.*indices 0\.\.4"):
        lossfn(np.zeros(3), -1, np.zeros((5, 3)), None)
