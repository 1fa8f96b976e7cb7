"""utils/checkpoint.py: the on-disk format, atomic writes, pruning, and every
way a checkpoint can be wrong (corrupt, edited, special files) being refused."""

import errno
import hashlib
import io
import json
import os
import re
import signal

import numpy as np
import pytest

from tests.conftest import resign_state
from w2v.infra import checkpoint, fileio
from w2v.infra.checkpoint import CheckpointError

RUN = {"n": 4}
SPEC = {"params": ((4, 3), np.float64)}


def _save(directory, iteration, value=1.0, state=None, keep=3):
    checkpoint.save(str(directory), iteration, {"params": np.full((4, 3), float(value))},
                    state if state is not None else {"step": 0.3, "value": value}, RUN, keep)


def _no_check(iteration, state):
    pass


def _newest(directory, warnings=None):
    warn = (warnings.append if warnings is not None else
            lambda msg: pytest.fail("unexpected warning: " + msg))
    return checkpoint.load_newest(str(directory), RUN, SPEC, _no_check, warn=warn)


def _files(directory):
    return sorted(os.listdir(directory))


@pytest.fixture
def alarm():
    """Fail instead of hanging: a blocking read of a FIFO would never return."""
    def timeout(signum, frame):
        raise TimeoutError("hung: the read blocked")
    previous = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


# ---- the format -------------------------------------------------------------------

def test_round_trip_and_the_files_on_disk(tmp_path):
    _save(tmp_path, 10, 2.5)
    assert _files(tmp_path) == ["saved_params_10.npy", "saved_state_10.json"]
    # The array file is a plain .npy (what the assignment ships), no pickle.
    assert np.array_equal(np.load(tmp_path / "saved_params_10.npy", allow_pickle=False),
                          np.full((4, 3), 2.5))
    body = json.loads((tmp_path / "saved_state_10.json").read_text())
    assert body["format"] == checkpoint.FORMAT and body["iteration"] == 10
    assert body["run"] == RUN and body["state"] == {"step": 0.3, "value": 2.5}
    raw = (tmp_path / "saved_params_10.npy").read_bytes()
    assert body["arrays"]["params"] == {"sha256": hashlib.sha256(raw).hexdigest(),
                                        "shape": [4, 3], "dtype": "<f8"}
    arrays, state, run = checkpoint.load(str(tmp_path), 10, SPEC)
    assert np.array_equal(arrays["params"], np.full((4, 3), 2.5))
    assert state == {"step": 0.3, "value": 2.5} and run == RUN
    it, arrays, state = _newest(tmp_path)
    assert it == 10 and state["value"] == 2.5


def test_empty_folder_means_a_fresh_start(tmp_path):
    assert _newest(tmp_path) == (0, None, None)
    assert _newest(tmp_path / "missing") == (0, None, None)


def test_state_holding_nan_is_never_written(tmp_path):
    with pytest.raises(ValueError):
        _save(tmp_path, 10, state={"loss": float("nan")})
    assert checkpoint.list_iterations(str(tmp_path)) == []
    assert _files(tmp_path) == []  # no array file without its state: nothing at all


def test_save_or_explain_words_a_state_that_is_not_json(tmp_path):
    _save(tmp_path, 10)
    with pytest.raises(CheckpointError, match=r"^could not write checkpoint 20 in .*: Out of"
                                              r" range float values .*smaller --alpha\)$"):
        checkpoint.save_or_explain(str(tmp_path), 20, {"params": np.ones((4, 3))},
                                   {"loss": float("inf")}, RUN)
    assert _files(tmp_path) == ["saved_params_10.npy", "saved_state_10.json"]


# ---- crashes while writing ------------------------------------------------------------

class _FullDisk:
    """A file whose every write stores half the data, then fails as a full disk does."""

    def __init__(self, path, mode):
        self.f = open(path, mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()

    def write(self, data):
        self.f.write(bytes(data)[:len(data) // 2])
        self.f.flush()
        raise OSError(errno.ENOSPC, "No space left on device")

    def flush(self):
        self.f.flush()

    def fileno(self):
        return self.f.fileno()


@pytest.mark.parametrize("failing", ["saved_params_20.npy", "saved_state_20.json"])
def test_full_disk_mid_write_keeps_the_previous_checkpoint(tmp_path, monkeypatch, failing):
    _save(tmp_path, 10, 1.0)

    def some_full(path, mode):
        return _FullDisk(path, mode) if path.endswith(failing) else open(path, mode)

    monkeypatch.setattr(fileio, "open", some_full, raising=False)
    with pytest.raises(OSError) as exc:
        _save(tmp_path, 20, 2.0)
    assert exc.value.errno == errno.ENOSPC
    monkeypatch.undo()
    # No half file, no temporary file; the state file of 20 was never written.
    expected = ["saved_params_10.npy", "saved_state_10.json"]
    if failing.startswith("saved_state"):
        expected.insert(1, "saved_params_20.npy")  # whole, but never used without its state
    assert _files(tmp_path) == expected
    assert checkpoint.list_iterations(str(tmp_path)) == [10]
    it, arrays, _ = _newest(tmp_path)
    assert it == 10 and np.array_equal(arrays["params"], np.full((4, 3), 1.0))


def test_save_or_explain_words_a_full_disk_and_keeps_the_previous_checkpoint(
        tmp_path, monkeypatch):
    _save(tmp_path, 10, 1.0)
    monkeypatch.setattr(fileio, "open", _FullDisk, raising=False)
    with pytest.raises(CheckpointError) as exc:
        checkpoint.save_or_explain(str(tmp_path), 20, {"params": np.zeros((4, 3))},
                                   {"step": 0.3}, RUN)
    assert str(exc.value) == (
        "could not write checkpoint 20 in %s: the disk is full: free some space. The earlier"
        " checkpoints there are intact; run again to resume." % tmp_path)
    monkeypatch.undo()
    assert checkpoint.list_iterations(str(tmp_path)) == [10]


def test_crash_between_the_array_and_the_state_file(tmp_path, monkeypatch):
    _save(tmp_path, 10, 1.0)
    real_replace = os.replace

    def no_state(src, dst):
        if os.path.basename(dst).startswith("saved_state_"):
            raise OSError(errno.EIO, "Input/output error")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", no_state)
    with pytest.raises(OSError, match="Input/output error"):
        _save(tmp_path, 20, 2.0)
    monkeypatch.undo()
    assert (tmp_path / "saved_params_20.npy").exists()
    assert not [p for p in _files(tmp_path) if p.startswith(fileio.TEMP_PREFIX)]
    it, arrays, _ = _newest(tmp_path)  # and no warning about the orphan array
    assert it == 10 and np.array_equal(arrays["params"], np.full((4, 3), 1.0))
    _save(tmp_path, 20, 2.0)  # the next save of 20 replaces the orphan
    assert _newest(tmp_path)[0] == 20


def test_files_left_by_a_killed_save_are_ignored_then_removed(tmp_path):
    """SIGKILL skips all clean-up: the temporary files it leaves, as atomic_write names them."""
    _save(tmp_path, 10, 1.0)
    (tmp_path / ".tmp_0123456789ab.saved_params_20.npy").write_bytes(b"\x93NUMPY\x01\x00trunc")
    (tmp_path / ".tmp_ba9876543210.saved_state_20.json").write_text('{"format": 3, "itera')
    (tmp_path / ".tmp_aaaaaaaaaaaa.vocab.txt").write_text("not a checkpoint's")
    (tmp_path / "notes.txt").write_text("the user's")
    assert _newest(tmp_path)[0] == 10  # no warning: temporary files are not checkpoints
    assert checkpoint.remove_partial_files(str(tmp_path)) == 2
    assert _files(tmp_path) == [".tmp_aaaaaaaaaaaa.vocab.txt", "notes.txt",
                                "saved_params_10.npy", "saved_state_10.json"]


# ---- pruning ----------------------------------------------------------------------------

def test_pruning_keeps_the_newest_three_and_removes_orphans(tmp_path):
    for it in (10, 20, 30):
        _save(tmp_path, it, it)
    (tmp_path / "saved_state_10.json").unlink()  # a crash between the two deletions
    _save(tmp_path, 40, 40)
    assert _files(tmp_path) == [
        "saved_params_20.npy", "saved_params_30.npy", "saved_params_40.npy",
        "saved_state_20.json", "saved_state_30.json", "saved_state_40.json"]
    _save(tmp_path, 50, 50, keep=1)
    assert _files(tmp_path) == ["saved_params_50.npy", "saved_state_50.json"]


def test_pruning_leaves_newer_checkpoints_alone(tmp_path):
    """Newer ones are those a resume skipped; the run overwrites them when it gets there."""
    for it in (100, 10, 20, 30, 40):
        _save(tmp_path, it, it)
    assert checkpoint.list_iterations(str(tmp_path)) == [100, 40, 30, 20]


# ---- corrupt, truncated, edited ------------------------------------------------------

def _replace_array(directory, iteration, array):
    """Write ``array`` as checkpoint ``iteration``'s params with matching checksums."""
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=True)  # an object array holds a pickle
    raw = buf.getvalue()
    (directory / ("saved_params_%d.npy" % iteration)).write_bytes(raw)

    def edit(body):
        body["arrays"]["params"] = {"sha256": hashlib.sha256(raw).hexdigest(),
                                    "shape": list(array.shape), "dtype": array.dtype.str}
    resign_state(directory / ("saved_state_%d.json" % iteration), edit)


def _bad_npy_header(d, shape=b"(4, 3"):
    """Give checkpoint 20's array a header whose shape is ``shape`` (unclosed by default:
    numpy's parser raises tokenize.TokenError), the checksums redone to match."""
    raw = (d / "saved_params_20.npy").read_bytes()
    header = (b"{'descr': '<f8', 'fortran_order': False, 'shape': %s, }" % shape).ljust(117)
    raw = raw[:8] + (118).to_bytes(2, "little") + header + b"\n" + raw[10 + 118:]
    (d / "saved_params_20.npy").write_bytes(raw)
    resign_state(d / "saved_state_20.json", lambda b: b["arrays"]["params"].update(
        sha256=hashlib.sha256(raw).hexdigest()))


def _truncate_npy(d):
    p = d / "saved_params_20.npy"
    p.write_bytes(p.read_bytes()[:100])


def _flip_bit(d):
    p = d / "saved_params_20.npy"
    raw = bytearray(p.read_bytes())
    raw[-3] ^= 0x10
    p.write_bytes(bytes(raw))


def _garble(d):
    p = d / "saved_state_20.json"
    raw = bytearray(p.read_bytes())
    raw[len(raw) // 2:len(raw) // 2 + 8] = b"\x00#garble"
    p.write_bytes(bytes(raw))


def _edit_unsigned(d):
    p = d / "saved_state_20.json"
    body = json.loads(p.read_text())
    body["state"]["value"] = 7.0
    p.write_text(json.dumps(body))


def _set(key, value):
    return lambda d: resign_state(d / "saved_state_20.json", lambda b: b.__setitem__(key, value))


def _delete(key):
    return lambda d: resign_state(d / "saved_state_20.json", lambda b: b.pop(key))


CORRUPTIONS = {
    "truncated npy": (_truncate_npy, r"saved_params_20\.npy does not match its recorded checksum"),
    "flipped bit in npy": (_flip_bit, r"saved_params_20\.npy does not match its recorded checksum"),
    "deleted npy": (lambda d: (d / "saved_params_20.npy").unlink(),
                    r"its array file saved_params_20\.npy is missing"),
    "garbled json": (_garble, r"saved_state_20\.json is not valid JSON"),
    "empty json": (lambda d: (d / "saved_state_20.json").write_text(""),
                   r"saved_state_20\.json is not valid JSON"),
    "json not an object": (lambda d: (d / "saved_state_20.json").write_text("[1, 2]"),
                           r"not a checkpoint of this version"),
    "edited, checksum not redone": (_edit_unsigned,
                                    r"saved_state_20\.json does not match its own checksum"),
    "older format value": (lambda d: resign_state(d / "saved_state_20.json",
                                             lambda b: b.update(format="word2vec-numpy 2")),
                           r"not a checkpoint of this version \(format 'word2vec-numpy"
                           r" checkpoint 3' expected\)"),
    "older format, no checksum": (
        lambda d: (d / "saved_state_20.json").write_text(json.dumps(
            {"format": 2, "iteration": 20, "step": 0.3})),
        r"not a checkpoint of this version"),
    "missing key": (_delete("arrays"), r"has fields \['format', 'iteration', 'run', 'sha256',"
                                       r" 'state'\]"),
    "extra key": (_set("extra", 1), r"has fields \['arrays', 'extra', "),
    "shifted iteration": (_set("iteration", 30), r"saved_state_20\.json is for iteration 30"),
    "iteration as text": (_set("iteration", "20"), r"is for iteration '20'"),
    "state not an object": (_set("state", [1]), r"'state' and 'arrays' must be objects"),
    "float32 array": (lambda d: _replace_array(d, 20, np.ones((4, 3), np.float32)),
                      r"holds float32 \(4, 3\), this run needs float64 \(4, 3\)"),
    "int array": (lambda d: _replace_array(d, 20, np.ones((4, 3), np.int64)),
                  r"holds int64 \(4, 3\), this run needs float64 \(4, 3\)"),
    "bool array": (lambda d: _replace_array(d, 20, np.ones((4, 3), bool)),
                   r"holds bool \(4, 3\), this run needs float64 \(4, 3\)"),
    "big-endian array": (lambda d: _replace_array(d, 20, np.ones((4, 3), ">f8")),
                         r"holds >f8 \(4, 3\), this run needs float64"),
    "wrong shape": (lambda d: _replace_array(d, 20, np.ones((3, 4))),
                    r"holds float64 \(3, 4\), this run needs float64 \(4, 3\)"),
    "NaN in array": (lambda d: _replace_array(d, 20, np.full((4, 3), np.nan)),
                     r"saved_params_20\.npy holds NaN or infinite numbers"),
    "pickled object array": (lambda d: _replace_array(d, 20, np.full((4, 3), None, object)),
                             r"holds Python objects \(a pickle\); refusing to load it"),
    "deeply nested json": (lambda d: (d / "saved_state_20.json").write_text(
        '{"format": "%s", "state": %s}' % (checkpoint.FORMAT, "[" * 200000 + "]" * 200000)),
        r"saved_state_20\.json nests its brackets too deeply"),
    "malformed npy header, checksum redone": (_bad_npy_header,
                                               r"saved_params_20\.npy: not a valid \.npy file"),
    "npy header claiming 2e12 rows": (
        lambda d: _bad_npy_header(d, b"(2000000000000, 3)"),
        r"announces a float64 array of shape \(2000000000000, 3\).*truncated or corrupt"),
    "values too large to train with": (lambda d: _replace_array(d, 20, np.full((4, 3), 1e200)),
                                       r"holds a value of 1e\+200, too large to train with"),
    "another array name": (lambda d: resign_state(d / "saved_state_20.json", lambda b: b.update(
        arrays={"weights": b["arrays"]["params"]})),
        r"holds arrays \['weights'\], this run needs \['params'\]"),
}


@pytest.mark.parametrize("kind", list(CORRUPTIONS))
def test_a_bad_checkpoint_is_refused_and_skipped_with_its_reason(tmp_path, kind, alarm):
    corrupt, reason = CORRUPTIONS[kind]
    _save(tmp_path, 10, 1.0)
    _save(tmp_path, 20, 2.0)
    corrupt(tmp_path)
    with pytest.raises(CheckpointError, match=r"checkpoint 20 in .* is unusable \(.*%s" % reason):
        checkpoint.load(str(tmp_path), 20, SPEC)
    warnings = []
    it, arrays, state = _newest(tmp_path, warnings)
    assert it == 10 and state["value"] == 1.0  # the previous one, never the bad one
    assert len(warnings) == 1
    assert re.match(r"checkpoint 20 in %s is unusable \(.*%s.*\); skipping it\.$"
                    % (re.escape(str(tmp_path)), reason), warnings[0]), warnings[0]
