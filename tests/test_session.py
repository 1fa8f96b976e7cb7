"""utils/session.py: what a real run plugs into sgd: exact resume, the annealed
step restored, --no-resume, divergence, a clean stop on Ctrl-C or SIGTERM, and
every field of a loaded state checked before it is used."""

import copy
import errno
import io
import json
import os
import random
import re
import signal
import sys

import numpy as np
import pytest

import sgd as sgd_module
from sgd import sgd
from tests.conftest import resign_state
from tests.test_checkpoint import _FullDisk
from utils.session import (
    TrainingDiverged,
    TrainingSession,
    check_sgd_state,
    random_states,
    set_random_states,
)
from w2v.infra import checkpoint, fileio
from w2v.infra.checkpoint import CheckpointError

RUN = {"n": 6}


class _Engine:
    """f(x) drawing from Python's random, NumPy's global generator and its own
    Generator, with a state of its own, like the training engines."""

    def __init__(self, seed=5):
        self.seed, self.iteration = seed, 0
        self.rng = np.random.default_rng(seed)

    def get_state(self):
        return {"iteration": self.iteration, "seed": self.seed}

    def set_state(self, state):
        self.iteration = state["iteration"]

    def __call__(self, x):
        self.iteration += 1
        noise = random.random() + np.random.rand() + self.rng.random()
        return float(np.sum(x ** 2) + noise), 2 * x + noise


def _run(directory, iterations, resume=True, save_every=20, step=0.01, info=RUN):
    random.seed(3)
    np.random.seed(4)
    engine = _Engine()
    session = TrainingSession(str(directory), info, [engine.rng, engine], save_every,
                              resume=resume, print_every=5)
    x = sgd(engine, np.linspace(-1, 1, 6), step, iterations, None, True, PRINT_EVERY=5,
            hooks=session)
    return x, session


# ---- resume ---------------------------------------------------------------------------

def test_resume_is_exact(tmp_path, capsys):
    full, full_session = _run(tmp_path / "full", 100)
    full_lines = capsys.readouterr().out.splitlines()
    _run(tmp_path / "part", 60)
    capsys.readouterr()
    random.seed(999)  # the resumed run must not depend on the caller's state
    np.random.seed(999)
    resumed, session = _run(tmp_path / "part", 100)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Resuming from checkpoint 60 in %s" % (tmp_path / "part")
    assert out[1:] == full_lines[-len(out[1:]):] and len(out[1:]) == 8
    assert np.array_equal(resumed, full)
    assert session.history == full_session.history and len(session.history) == 20
    assert checkpoint.list_iterations(str(tmp_path / "full")) == [100, 80, 60]  # newest 3


def test_resume_restores_the_annealed_step(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sgd_module, "ANNEAL_EVERY", 30)
    full, _ = _run(tmp_path / "a", 100)
    _run(tmp_path / "b", 40)
    _, state = checkpoint.load(str(tmp_path / "b"), 40, {"params": ((6,), np.float64)})[:2]
    assert state["step"] == 0.005  # halved once, after iteration 30
    assert np.array_equal(_run(tmp_path / "b", 100)[0], full)


def test_a_finished_run_is_not_trained_again(tmp_path, capsys):
    done, first = _run(tmp_path, 50)  # 50: not a multiple of save_every; the final one
    assert checkpoint.list_iterations(str(tmp_path)) == [50, 40, 20]
    capsys.readouterr()
    again, session = _run(tmp_path, 50)
    assert np.array_equal(again, done) and session.history == first.history
    assert capsys.readouterr().out == "Resuming from checkpoint 50 in %s\n" % tmp_path


def test_no_resume_sets_old_checkpoints_aside(tmp_path, capsys):
    _run(tmp_path, 40)
    capsys.readouterr()
    _run(tmp_path, 20, resume=False)
    out = capsys.readouterr().out
    m = re.match(r"Starting fresh: moved 2 earlier checkpoint\(s\) to (.+/superseded-[\d-]+)\n",
                 out)
    assert m, out
    assert sorted(os.listdir(m.group(1))) == ["saved_params_20.npy", "saved_params_40.npy",
                                              "saved_state_20.json", "saved_state_40.json"]
    assert checkpoint.list_iterations(str(tmp_path)) == [20]


def test_checkpoint_of_another_run_is_refused(tmp_path, capsys):
    _run(tmp_path, 20)
    with pytest.raises(CheckpointError, match=r"made by a different run \(n: checkpoint has 6,"
                                              r" this run has 7\).*--no-resume"):
        _run(tmp_path, 40, info={"n": 7})
    assert checkpoint.list_iterations(str(tmp_path)) == [20]


def test_checkpoint_beyond_the_iterations_asked_for_is_refused(tmp_path, capsys):
    _run(tmp_path, 40)
    with pytest.raises(CheckpointError, match=r"at iteration 40, beyond the 30 iterations asked"
                                              r" for; ask for at least 40.*--no-resume"):
        _run(tmp_path, 30)


def test_an_edited_checkpoint_is_skipped_for_the_previous_one(tmp_path, capsys):
    full, _ = _run(tmp_path / "full", 60)
    _run(tmp_path / "part", 40)
    # A step that is a valid number but not the schedule's, its checksum redone.
    resign_state(tmp_path / "part" / "saved_state_40.json",
            lambda b: b["state"].update(step=0.02))
    capsys.readouterr()
    resumed, _ = _run(tmp_path / "part", 60)
    out, err = capsys.readouterr()
    assert err == ("warning: checkpoint 40 in %s is unusable (step 0.02 is not the schedule's"
                   " 0.01 at iteration 40); skipping it.\n" % (tmp_path / "part"))
    assert out.startswith("Resuming from checkpoint 20 in ")
    assert np.array_equal(resumed, full)


def test_partial_files_of_a_killed_save_are_removed_at_start(tmp_path, capsys):
    _run(tmp_path, 20)
    stray = tmp_path / (fileio.TEMP_PREFIX + "0123456789ab.saved_params_40.npy")
    stray.write_bytes(b"\x93NUMPY half")
    _run(tmp_path, 40)
    assert not stray.exists()
    assert checkpoint.list_iterations(str(tmp_path)) == [40, 20]


# ---- divergence -------------------------------------------------------------------

@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_a_non_finite_loss_stops_with_a_message(tmp_path, bad):
    losses = iter([1.0, 2.0, bad])
    session = TrainingSession(str(tmp_path), RUN, save_every=1)
    with pytest.raises(TrainingDiverged) as exc:
        sgd(lambda x: (next(losses), x), np.ones(2), 0.1, 10, PRINT_EVERY=100, hooks=session)
    assert str(exc.value) == (
        "the loss became %s at iteration 3. The step size 0.1 is probably too large: try a"
        " smaller one. The last good checkpoint (iteration 2) is kept in %s."
        % (bad, tmp_path))
    assert checkpoint.list_iterations(str(tmp_path)) == [2, 1]


def test_non_finite_parameters_are_never_checkpointed(tmp_path):
    grads = iter([np.ones(3), np.ones(3), np.array([np.inf, 0.0, 0.0])])
    session = TrainingSession(str(tmp_path), RUN, save_every=1)
    with pytest.raises(TrainingDiverged, match=r"parameters became NaN or infinite by"
                                               r" iteration 3 \(the loss was still finite\).*"
                                               r"last good checkpoint \(iteration 2\)"):
        sgd(lambda x: (1.0, next(grads)), np.zeros(3), 0.1, 10, PRINT_EVERY=100,
            hooks=session)
    assert checkpoint.list_iterations(str(tmp_path)) == [2, 1]


def test_divergence_before_any_checkpoint_says_nothing_is_kept(tmp_path):
    session = TrainingSession(str(tmp_path), RUN, save_every=100)
    with pytest.raises(TrainingDiverged) as exc:
        sgd(lambda x: (float("nan"), x), np.ones(2), 0.1, 10, PRINT_EVERY=100, hooks=session)
    assert str(exc.value).endswith("try a smaller one.")
    assert checkpoint.list_iterations(str(tmp_path)) == []


# ---- a full disk ----------------------------------------------------------------------

def test_full_disk_names_the_cause_and_keeps_earlier_checkpoints(tmp_path, monkeypatch,
                                                                 capsys):
    _run(tmp_path, 20)
    monkeypatch.setattr(fileio, "open", _FullDisk, raising=False)
    with pytest.raises(CheckpointError) as exc:
        _run(tmp_path, 60)
    assert str(exc.value) == (
        "could not write checkpoint 40 in %s: the disk is full: free some space. The"
        " earlier checkpoints there are intact; run again to resume." % tmp_path)
    monkeypatch.undo()
    assert sorted(os.listdir(tmp_path)) == ["saved_params_20.npy", "saved_state_20.json"]


# ---- a clean stop: Ctrl-C and SIGTERM -------------------------------------------------

@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_signal_saves_then_stops_and_the_resume_is_exact(tmp_path, capsys, sig):
    full, _ = _run(tmp_path / "full", 60)
    capsys.readouterr()
    before = signal.getsignal(sig)
    random.seed(3)
    np.random.seed(4)
    engine = _Engine()

    def f(x):
        if engine.iteration == 26:  # the signal arrives mid-step 27
            os.kill(os.getpid(), sig)
        return engine(x)

    session = TrainingSession(str(tmp_path / "part"), RUN, [engine.rng, engine], 20,
                              print_every=5)
    with pytest.raises(KeyboardInterrupt):
        sgd(f, np.linspace(-1, 1, 6), 0.01, 60, None, True, PRINT_EVERY=5, hooks=session)
    assert signal.getsignal(sig) is before  # the handlers are given back
    out = capsys.readouterr().out
    assert out.endswith("Interrupted (%s): saved a checkpoint at iteration 27 in %s; run"
                        " again to resume.\n" % (sig.name, tmp_path / "part"))
    assert checkpoint.list_iterations(str(tmp_path / "part")) == [27, 20]
    resumed, _ = _run(tmp_path / "part", 60)
    assert capsys.readouterr().out.startswith("Resuming from checkpoint 27 in ")
    assert np.array_equal(resumed, full)


# ---- every field of a loaded state ---------------------------------------------------

def _state(iteration=40):
    engine = _Engine()
    engine.iteration = iteration
    return {"step": 0.3, "exploss": 2.5, "history": [[10, 3.0], [20, 2.5]],
            "random": random_states([engine.rng, engine])}


def _edit(path, value):
    """Set the field at ``path`` (keys/indices) of a state, or delete it (_DELETE)."""
    def edit(state):
        target = state
        for key in path[:-1]:
            target = target[key]
        if value is _DELETE:
            del target[path[-1]]
        else:
            target[path[-1]] = value
    return edit


_DELETE = object()
BAD_STATES = {
    "missing exploss": (("exploss",), _DELETE, r"state fields \['history', 'random', 'step'\]"),
    "extra field": (("more",), 1, r"state fields \["),
    "negative step": (("step",), -0.3, r"step -0\.3 is not the schedule's 0\.3"),
    "zero step": (("step",), 0, r"step 0 is not the schedule's"),
    "larger step": (("step",), 0.6, r"step 0\.6 is not the schedule's 0\.3 at iteration 40"),
    "step as text": (("step",), "0.3", r"step '0\.3' is not"),
    "step true": (("step",), True, r"step True is not"),
    "step NaN": (("step",), float("nan"), r"step nan is not"),
    "loss infinite": (("exploss",), float("inf"), r"loss inf is not a finite number"),
    "loss as text": (("exploss",), "2.5", r"loss '2\.5' is not a finite number"),
    "history unsorted": (("history",), [[20, 1.0], [10, 1.0]], "loss history"),
    "history beyond": (("history",), [[50, 1.0]], "loss history"),
    "history float its": (("history",), [[10.0, 1.0]], "loss history"),
    "history NaN": (("history",), [[10, float("nan")]], "loss history"),
    "history not a list": (("history",), 5, "is not iterable|loss history"),
    "random missing": (("random",), _DELETE, "state fields"),
    "one source missing": (("random", "sources"), [], "random states are not this run's"),
    "python word too big": (("random", "python", 1, 5), 1 << 40, "Python's random state"),
    "python word negative": (("random", "python", 1, 5), -1, "Python's random state"),
    "python position": (("random", "python", 1, 624), 10 ** 6, "Python's random state"),
    "python gauss text": (("random", "python", 2), "x", "Python's random state"),
    "python short": (("random", "python", 1), [1, 2], "Python's random state"),
    "python version": (("random", "python", 0), 2, "Python's random state"),
    "numpy word too big": (("random", "numpy_legacy", 1, 5), 1 << 40, "NumPy's random state"),
    "numpy position": (("random", "numpy_legacy", 2), 10 ** 6, "NumPy's random state"),
    "numpy huge position": (("random", "numpy_legacy", 2), 10 ** 30, "NumPy's random state"),
    "numpy short": (("random", "numpy_legacy", 1), [1, 2], "NumPy's random state"),
    "numpy name": (("random", "numpy_legacy", 0), "PCG64", "NumPy's random state"),
    "generator state": (("random", "sources", 0, "state", "state"), "x",
                        "a generator's state is malformed"),
    "generator kind": (("random", "sources", 0, "bit_generator"), "MT19937",
                       "a generator's state is malformed"),
    "engine shifted": (("random", "sources", 1, "iteration"), 50,
                       r"the engine is at iteration 50, the checkpoint at 40"),
    "engine iteration text": (("random", "sources", 1, "iteration"), "40",
                              r"the engine is at iteration '40'"),
    "engine iteration float": (("random", "sources", 1, "iteration"), 40.0,
                               r"the engine is at iteration 40\.0"),
    "engine without iteration": (("random", "sources", 1, "iteration"), _DELETE,
                                 r"the engine's state \{'seed': 5\} is not this run's"),
    "engine other seed": (("random", "sources", 1, "seed"), 6,
                          r"the engine's seed is 6, this run's is 5"),
    "engine seed text": (("random", "sources", 1, "seed"), "5",
                         r"the engine's seed is '5', this run's is 5"),
    "engine not a dict": (("random", "sources", 1), 5, r"the engine's state 5 is not"),
}


@pytest.mark.parametrize("kind", list(BAD_STATES))
def test_every_field_of_a_state_is_checked(kind):
    path, value, reason = BAD_STATES[kind]
    engine = _Engine()
    good = json.loads(json.dumps(_state()))
    check_sgd_state(40, good, [engine.rng, engine], sgd_module.scheduled_step(0.3, 40))  # the unedited one passes
    bad = copy.deepcopy(good)
    _edit(path, value)(bad)
    before = random.getstate(), np.random.get_state(), engine.rng.bit_generator.state
    with pytest.raises((ValueError, TypeError), match=reason):
        check_sgd_state(40, bad, [engine.rng, engine], sgd_module.scheduled_step(0.3, 40))
    # Checking changes nothing.
    assert random.getstate() == before[0] and engine.rng.bit_generator.state == before[2]
    assert all(np.array_equal(a, b) for a, b in zip(np.random.get_state(), before[1]))


def test_the_schedule_follows_sgd_annealing(monkeypatch):
    monkeypatch.setattr(sgd_module, "ANNEAL_EVERY", 20)
    engine = _Engine()
    state = json.loads(json.dumps(_state()))
    state["step"] = 0.075  # 0.3 halved after 20 and after 40
    check_sgd_state(40, state, [engine.rng, engine], sgd_module.scheduled_step(0.3, 40))
    state["step"] = 0.15
    with pytest.raises(ValueError, match=r"step 0\.15 is not the schedule's 0\.075"):
        check_sgd_state(40, state, [engine.rng, engine], sgd_module.scheduled_step(0.3, 40))


def test_random_states_round_trip_through_json():
    engine = _Engine()
    engine.iteration = 7
    saved = json.loads(json.dumps(random_states([engine.rng, engine])))
    expected = (random.random(), np.random.rand(), engine.rng.random())
    engine.iteration = 0
    set_random_states(saved, [engine.rng, engine])
    assert (random.random(), np.random.rand(), engine.rng.random()) == expected
    assert engine.iteration == 7


# ---- the progress line ----------------------------------------------------------------

class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_line_stays_under_the_iter_lines_on_a_terminal(tmp_path, monkeypatch):
    term = _Terminal()
    monkeypatch.setattr(sys, "stdout", term)
    session = TrainingSession(str(tmp_path), RUN, save_every=1000)
    sgd(lambda x: (1.0, np.zeros(1)), np.zeros(1), 0.1, 30, PRINT_EVERY=10, hooks=session)
    out = term.getvalue()
    pieces = out.split("\n")
    # Each iter line is whole: the live line is erased first ...
    assert [p.split("\r\x1b[K")[-1] for p in pieces[:-1]] == [
        "iter 10: 1.000000", "iter 20: 1.000000", "iter 30: 1.000000"]
    # ... and drawn again right after it, so it is on screen after every line.
    for n, after in zip((10, 20, 30), pieces[1:]):
        assert re.match(r"%d/30 iterations, \d+ it/s, ETA \d+:\d\d" % (n - 1), after), after
    assert out.endswith("\r\x1b[K")  # erased at the end, for the lines that follow


def test_no_progress_line_when_redirected(tmp_path, capsys):
    session = TrainingSession(str(tmp_path), RUN, save_every=1000)
    sgd(lambda x: (1.0, np.zeros(1)), np.zeros(1), 0.1, 20, PRINT_EVERY=10, hooks=session)
    assert capsys.readouterr().out == "iter 10: 1.000000\niter 20: 1.000000\n"


def test_errno_of_a_failed_write_is_kept(tmp_path, monkeypatch):
    """The message is the file system's own cause (here EROFS), not a guess."""
    def read_only(path, mode):
        raise OSError(errno.EROFS, "Read-only file system", path)

    monkeypatch.setattr(fileio, "open", read_only, raising=False)
    session = TrainingSession(str(tmp_path), RUN, save_every=1)
    with pytest.raises(CheckpointError, match=r"could not write checkpoint 1 in .*: the file"
                                              r" system is read-only: choose another --outdir"
                                              r" \(.*/saved_params_1\.npy\)"):
        sgd(lambda x: (1.0, x), np.ones(2), 0.1, 3, PRINT_EVERY=100, hooks=session)
