"""sgd.py: the starter's loop (update, schedule, printing), its hooks, and
``useSaved=True`` checkpointing in the current folder as the assignment's does."""

import os
import random
import re
import signal
import subprocess
import sys

import numpy as np
import pytest

import sgd as sgd_module
from sgd import ANNEAL_EVERY, RowSparseGrad, SgdHooks, apply_update, sgd
from tests.conftest import ROOT
from w2v.infra import checkpoint


def test_sanity_script():
    out = subprocess.run([sys.executable, "sgd.py"], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0
    assert out.stdout.count("  ok") == 3
    assert out.stdout.strip().endswith("All sanity checks passed.")


def test_step_anneals_every_20000_iterations(capsys):
    # Gradient 1 everywhere: x falls by exactly the step each iteration.
    steps = []
    x = np.zeros(1)

    def f(v):
        steps.append(v[0])
        return 0.0, np.ones(1)

    sgd(f, x, 0.25, 2 * ANNEAL_EVERY + 3, PRINT_EVERY=10 ** 9)
    diffs = -np.diff(np.array(steps + [x[0]]))
    assert np.allclose(diffs[:ANNEAL_EVERY], 0.25)
    assert np.allclose(diffs[ANNEAL_EVERY:2 * ANNEAL_EVERY], 0.125)
    assert np.allclose(diffs[2 * ANNEAL_EVERY:], 0.0625)


def test_print_format_and_moving_average(capsys):
    losses = iter(np.arange(1.0, 101.0))
    sgd(lambda x: (next(losses), np.zeros(1)), np.zeros(1), 0.1, 30, PRINT_EVERY=10)
    lines = capsys.readouterr().out.strip().splitlines()
    assert [l.split(":")[0] for l in lines] == ["iter 10", "iter 20", "iter 30"]
    assert all(re.fullmatch(r"iter \d+: \d+\.\d{6}", l) for l in lines)
    ema = 10.0
    expected = [ema]
    for new in (20.0, 30.0):
        ema = 0.95 * ema + 0.05 * new
        expected.append(ema)
    assert [float(l.split(": ")[1]) for l in lines] == pytest.approx(expected, abs=1e-6)


def test_postprocessing_and_sparse_gradient():
    x = np.ones((4, 2))
    g = RowSparseGrad(np.array([0, 3]), np.array([[1.0, 2.0], [3.0, 4.0]]))
    out = sgd(lambda v: (0.0, g), x, 0.5, 1, postprocessing=lambda v: v * 2, PRINT_EVERY=10)
    assert np.allclose(out, [[1.0, 0.0], [2.0, 2.0], [2.0, 2.0], [-1.0, -2.0]])
    assert np.array_equal(g.toarray((4, 2))[[1, 2]], np.zeros((2, 2)))


def test_apply_update_dense_sparse_and_scalar():
    x = np.arange(6.0).reshape(3, 2)
    dense = np.ones((3, 2))
    sparse = RowSparseGrad(np.array([2, 0]), np.array([[1.0, 1.0], [2.0, 2.0]]))
    assert np.array_equal(apply_update(x.copy(), sparse, 0.5),
                          apply_update(x.copy(), sparse.toarray((3, 2)), 0.5))
    assert np.array_equal(apply_update(x.copy(), dense, 0.5), x - 0.5)
    assert apply_update(1.5, 3.0, 0.5) == 0.0  # a plain number, as the sanity check uses


@pytest.mark.parametrize("rows,values,match", [
    (np.array([0, 0]), np.ones((2, 2)), "distinct"),
    (np.array([-1]), np.ones((1, 2)), r"distinct and >= 0"),
    (np.array([0.0]), np.ones((1, 2)), "integers"),
    (np.array([0, 1]), np.ones((3, 2)), r"values \(n, d\)"),
])
def test_row_sparse_grad_rejects_bad_rows(rows, values, match):
    with pytest.raises(ValueError, match=match):
        RowSparseGrad(rows, values)


def test_plain_loop_writes_nothing_and_installs_no_handler(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    handler = signal.getsignal(signal.SIGINT)
    seen = []
    sgd(lambda x: (seen.append(signal.getsignal(signal.SIGINT)) or 1.0, np.zeros(1)),
        np.zeros(1), 0.1, 20, PRINT_EVERY=10)
    assert os.listdir(tmp_path) == []
    assert all(h is handler for h in seen)  # Ctrl-C is the user's: no deferral
    assert capsys.readouterr().out == "iter 10: 1.000000\niter 20: 1.000000\n"


class _Recorder(SgdHooks):
    """Hooks that record every call, and can start from a given point."""

    def __init__(self, start=None):
        self.calls, self.begin = [], start

    def start(self, x0, step, iterations, schedule):
        self.calls.append(("start", step, iterations))
        return self.begin or super().start(x0, step, iterations, schedule)

    def print(self, line):
        self.calls.append(("print", line))

    def on_step(self, it, x, loss, step, exploss):
        self.calls.append(("step", it, float(x[0]), loss, step, exploss))

    def finish(self, it, x, step, exploss):
        self.calls.append(("finish", it, float(x[0]), step, exploss))


def test_hooks_see_every_step_in_order(monkeypatch):
    monkeypatch.setattr(sgd_module, "ANNEAL_EVERY", 4)
    hooks = _Recorder()
    sgd(lambda x: (2.0, np.ones(1)), np.zeros(1), 1.0, 5, PRINT_EVERY=2, hooks=hooks)
    assert hooks.calls == [
        ("start", 1.0, 5),
        ("step", 1, -1.0, 2.0, 1.0, None),
        ("print", "iter 2: 2.000000"), ("step", 2, -2.0, 2.0, 1.0, 2.0),
        ("step", 3, -3.0, 2.0, 1.0, 2.0),
        ("print", "iter 4: 2.000000"), ("step", 4, -4.0, 2.0, 0.5, 2.0),  # annealed after 4
        ("step", 5, -4.5, 2.0, 0.5, 2.0),
        ("finish", 5, -4.5, 0.5, 2.0)]


def test_hooks_can_start_mid_run():
    """What a resume hands back (iteration, x, step, moving average) is where sgd goes on."""
    hooks = _Recorder(start=(3, np.array([10.0]), 0.5, 7.0))
    out = sgd(lambda x: (1.0, np.ones(1)), np.zeros(1), 1.0, 5, PRINT_EVERY=5, hooks=hooks)
    assert out[0] == 9.0  # two steps of 0.5 from 10
    assert [c[1] for c in hooks.calls if c[0] == "step"] == [4, 5]
    assert ("print", "iter 5: %f" % (0.95 * 7.0 + 0.05 * 1.0)) in hooks.calls


# ---- useSaved=True: the assignment's checkpoints, in the current folder ----------------

def _noisy_quadratic(x):
    """A loss that draws from Python's random and NumPy's global generator."""
    noise = random.random() + np.random.rand()
    return float(np.sum(x ** 2) + noise), 2 * x + noise


def _use_saved(iterations):
    random.seed(3)
    np.random.seed(4)
    return sgd(_noisy_quadratic, np.linspace(-1, 1, 6), 0.01, iterations, None, True,
               PRINT_EVERY=5)


def test_use_saved_checkpoints_here_and_resumes_exactly(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sgd_module, "SAVE_PARAMS_EVERY", 20)
    (tmp_path / "full").mkdir()
    (tmp_path / "part").mkdir()
    monkeypatch.chdir(tmp_path / "full")
    full = _use_saved(100).copy()
    full_lines = capsys.readouterr().out.splitlines()
    assert checkpoint.list_iterations(".") == [100, 80, 60]  # the newest 3, and the final one
    assert "saved_params_100.npy" in os.listdir(".")  # the assignment's file name

    monkeypatch.chdir(tmp_path / "part")
    _use_saved(50)  # stops between two checkpoints: its final one is at 50
    assert checkpoint.list_iterations(".") == [50, 40, 20]
    capsys.readouterr()
    random.seed(999)  # the resumed run must not depend on the caller's state
    np.random.seed(999)
    resumed = _use_saved(100)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Resuming from checkpoint 50 in ."
    assert out[1:] == full_lines[-len(out[1:]):] and len(out[1:]) == 10
    assert np.array_equal(resumed, full)


def test_use_saved_run_again_does_not_train_again(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    first = _use_saved(30).copy()
    capsys.readouterr()
    calls = []
    random.seed(3)
    np.random.seed(4)
    again = sgd(lambda x: calls.append(1) or _noisy_quadratic(x), np.zeros(6), 0.01, 30,
                None, True, PRINT_EVERY=5)
    assert calls == [] and np.array_equal(again, first)
    assert capsys.readouterr().out == "Resuming from checkpoint 30 in .\n"
