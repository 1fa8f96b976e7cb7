"""run.py's resume when checkpoints are corrupt, edited, special files or of another
configuration: skipped or refused with one line, never half-used."""

import json
import os
import re
import shutil

import numpy as np
import pytest

import run as run_module
from tests.conftest import FIXTURE_WORDS, write_treebank
from tests.conftest import resign_state
from tests.test_checkpoint import _FullDisk, _replace_array
from tests.test_resume import (
    PATHS,
    _args,
    _no_temporary_files,
    _one_clear_line,
    _params,
    _run,
    sst,  # noqa: F401 (a fixture)
)
from utils.treebank import DatasetError, StanfordSentiment
from w2v.infra import checkpoint, fileio
from word2vec import (
    naiveSoftmaxLossAndGradient,
    negSamplingLossAndGradient,
    skipgram,
    word2vec_sgd_wrapper,
)

# ---- corrupt, edited or special checkpoints -------------------------------------------

CORRUPT_N, CORRUPT_EVERY = 100, 20


@pytest.fixture(scope="module")
def finished(sst, tmp_path_factory):
    """A finished batched run of 100 iterations (checkpoints 60, 80, 100)."""
    out = tmp_path_factory.mktemp("finished")
    r = _run(*_args(sst, out, CORRUPT_N, CORRUPT_EVERY))
    assert r.returncode == 0, r.stderr
    return out


def _state_file(out, it=CORRUPT_N):
    return out / ("saved_state_%d.json" % it)


def _npy_file(out, it=CORRUPT_N):
    return out / ("saved_params_%d.npy" % it)


def _truncate_npy(out, it=CORRUPT_N):
    p = _npy_file(out, it)
    p.write_bytes(p.read_bytes()[:200])


def _garble_json(out):
    p = _state_file(out)
    raw = bytearray(p.read_bytes())
    raw[len(raw) // 2:len(raw) // 2 + 8] = b"\x00#garble"
    p.write_bytes(bytes(raw))


def _change_a_number(out):
    """Still valid JSON, one number different: only the state's own checksum sees it."""
    p = _state_file(out)
    body = json.loads(p.read_text())
    body["state"]["random"]["python"][1][100] ^= 1
    p.write_text(json.dumps(body))


def _flip_a_parameter_bit(out):
    p = _npy_file(out)
    raw = bytearray(p.read_bytes())
    raw[-3] ^= 0x10
    p.write_bytes(bytes(raw))


def _edit_state(edit):
    """An edit made on purpose: the checksum redone, only the field checks are left."""
    return lambda out: resign_state(_state_file(out), edit)


def _as_dtype(dtype):
    return lambda out: _replace_array(out, CORRUPT_N, _params(out, CORRUPT_N).astype(dtype))


def _special(make):
    def corrupt(out):
        p = _state_file(out)
        if make == "sparse":
            os.truncate(p, 5 << 30)  # 5 GB on no disk space: must be refused by its size
            return
        p.unlink()
        if make == "fifo":
            os.mkfifo(p)
        else:
            p.symlink_to("/dev/zero")
    return corrupt


CORRUPTIONS = {
    "truncated npy": (_truncate_npy, r"saved_params_100\.npy does not match its recorded"
                                     r" checksum"),
    "garbled json": (_garble_json, r"saved_state_100\.json is not valid JSON"),
    "changed number in json": (_change_a_number,
                               r"saved_state_100\.json does not match its own checksum"),
    "deleted npy": (lambda out: _npy_file(out).unlink(),
                    r"its array file saved_params_100\.npy is missing"),
    "flipped bit in npy": (_flip_a_parameter_bit,
                           r"saved_params_100\.npy does not match its recorded checksum"),
    "older format value": (_edit_state(lambda b: b.update(format="word2vec-numpy checkpoint 2")),
                           r"saved_state_100\.json is not a checkpoint of this version"),
    "older format, no checksum": (
        lambda out: _state_file(out).write_text(json.dumps({
            "format": 2, "iteration": 100, "step": 0.3, "params": "saved_params_100.npy"})),
        r"saved_state_100\.json is not a checkpoint of this version"),
    "missing keys": (_edit_state(lambda b: [b["state"].pop(k) for k in ("step", "history")]),
                     r"state fields \['exploss', 'random'\]"),
    "negative step": (_edit_state(lambda b: b["state"].update(step=-0.3)),
                      r"step -0\.3 is not the schedule's 0\.3 at iteration 100"),
    "doubled step": (_edit_state(lambda b: b["state"].update(step=0.6)),
                     r"step 0\.6 is not the schedule's 0\.3 at iteration 100"),
    "float32 parameters": (_as_dtype(np.float32), r"saved_params_100\.npy holds float32"
                                                  r" \(74, 10\), this run needs float64"),
    "int parameters": (_as_dtype(np.int64), r"holds int64 \(74, 10\), this run needs float64"),
    "bool parameters": (_as_dtype(bool), r"holds bool \(74, 10\), this run needs float64"),
    "shifted engine iteration": (
        _edit_state(lambda b: b["state"]["random"]["sources"][0].update(iteration=110)),
        r"the engine is at iteration 110, the checkpoint at 100"),
    "engine seed": (_edit_state(lambda b: b["state"]["random"]["sources"][0].update(seed=7)),
                    r"the engine's seed is 7, this run's is 31415"),
    "state file is a FIFO": (_special("fifo"), r"saved_state_100\.json is a FIFO \(named"
                                               r" pipe\), not a regular file"),
    "state file links to /dev/zero": (_special("zero"), r"saved_state_100\.json is a character"
                                                        r" device, not a regular file"),
    "state file of 5 GB (sparse)": (_special("sparse"), r"saved_state_100\.json is 5368709120"
                                                        r" bytes, more than the \d+ this reader"
                                                        r" accepts"),
}


@pytest.mark.parametrize("kind", list(CORRUPTIONS))
def test_bad_newest_checkpoint_is_skipped_with_a_warning(finished, sst, tmp_path, kind):
    corrupt, reason = CORRUPTIONS[kind]
    out = tmp_path / "out"
    shutil.copytree(finished, out)
    good = _params(finished, CORRUPT_N)
    corrupt(out)
    r = _run(*_args(sst, out, CORRUPT_N, CORRUPT_EVERY))
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert re.match(r"warning: checkpoint 100 in %s is unusable \(.*%s.*\); skipping it\.$"
                    % (re.escape(str(out)), reason), r.stderr), r.stderr
    assert r.stdout.splitlines()[0] == "Resuming from checkpoint 80 in %s" % out
    assert np.array_equal(_params(out, CORRUPT_N), good)  # redone, bit-identical


def test_edited_engine_seed_on_the_exact_path_is_refused(sst, tmp_path):
    """The exact engine's state is its seed alone: another one would rebuild other tables."""
    out = tmp_path / "out"
    args = _args(sst, out, 40, 20, "--exact")
    assert _run(*args).returncode == 0
    good = _params(out, 40)
    resign_state(_state_file(out, 40),
            lambda b: b["state"]["random"]["sources"][0].update(seed=1))
    r = _run(*args)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ("warning: checkpoint 40 in %s is unusable (the engine's seed is 1,"
                        " this run's is 31415); skipping it.\n" % out)
    assert r.stdout.startswith("Resuming from checkpoint 20 in ")
    assert np.array_equal(_params(out, 40), good)


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
    arrays, _, _ = checkpoint.load(str(out), kept, {"params": ((74, 10), np.float64)})
    assert np.all(np.isfinite(arrays["params"]))
    assert checkpoint.read_state(str(out), kept)["iteration"] == kept
    assert kept == checkpoint.list_iterations(str(out))[0]


# ---- a full disk ------------------------------------------------------------------

def test_full_disk_is_one_line_and_resumable(sst, tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    assert run_module.main(_args(sst, out, 40, 20)) == 0
    capsys.readouterr()
    monkeypatch.setattr(fileio, "open", _FullDisk, raising=False)
    assert run_module.main(_args(sst, out, 100, 20)) == 1
    err = capsys.readouterr().err
    assert err == ("error: could not write checkpoint 60 in %s: the disk is full: free some"
                   " space. The earlier checkpoints there are intact; run again to resume.\n"
                   % out)
    monkeypatch.undo()
    assert checkpoint.list_iterations(str(out)) == [40, 20]
    assert _no_temporary_files(out)
    assert run_module.main(_args(sst, out, 100, 20)) == 0
    assert capsys.readouterr().out.startswith("Resuming from checkpoint 40 in ")


# ---- belongs in test_word2vec.py / test_treebank.py (their owners' files): kept
# ---- here until moved, so no check is lost ----------------------------------------------

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


def test_wrapper_rejects_vectors_that_are_not_2v_by_d():
    for bad in (np.zeros((5, 3)), np.zeros(6), np.zeros((2, 2, 2))):
        with pytest.raises(ValueError, match=r"must be \(2V, d\).*got shape %s"
                                             % re.escape(str(bad.shape))):
            word2vec_sgd_wrapper(skipgram, {}, bad, None, 5)


def test_skipgram_rejects_bad_outside_indices():
    # (Mismatched vector shapes: test_word2vec.py's test_skipgram_rejects_mismatched_vocabularies.)
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
