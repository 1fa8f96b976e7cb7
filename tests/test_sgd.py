"""sgd.py: the update, the schedule, the printing and checkpoint resume."""

import io
import random
import re
import subprocess
import sys

import numpy as np
import pytest

import sgd as sgd_module
from sgd import ANNEAL_EVERY, RowSparseGrad, TrainingDiverged, sgd
from tests.conftest import ROOT
from utils import checkpoint


def test_sanity_script():
    out = subprocess.run([sys.executable, "sgd.py"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0
    assert out.stdout.count("  ok") == 3


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


def _noisy_quadratic(x):
    """A loss that draws from Python's random and NumPy's global generator."""
    noise = random.random() + np.random.rand()
    return float(np.sum(x ** 2) + noise), 2 * x + noise


def _run(tmp_path, iterations, resume=True):
    random.seed(3)
    np.random.seed(4)
    return sgd(_noisy_quadratic, np.linspace(-1, 1, 6), 0.01, iterations, None, True,
               PRINT_EVERY=5, checkpoint_dir=str(tmp_path), save_every=20, resume=resume,
               run_info={"n": 6})


def test_resume_is_exact(tmp_path, capsys):
    full = _run(tmp_path / "full", 100).copy()
    full_lines = capsys.readouterr().out.splitlines()
    _run(tmp_path / "part", 60)
    capsys.readouterr()
    random.seed(999)  # the resumed run must not depend on the caller's state
    np.random.seed(999)
    resumed = _run(tmp_path / "part", 100)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Resuming from checkpoint 60")
    assert out[1:] == full_lines[-len(out[1:]):]
    assert np.array_equal(resumed, full)
    assert checkpoint.list_iterations(str(tmp_path / "full")) == [100, 80, 60]  # newest 3


def test_resume_restores_the_annealed_step(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sgd_module, "ANNEAL_EVERY", 30)
    full = _run(tmp_path / "a", 100).copy()
    _run(tmp_path / "b", 40)
    assert np.array_equal(_run(tmp_path / "b", 100), full)


def test_no_resume_sets_old_checkpoints_aside(tmp_path, capsys):
    _run(tmp_path, 40)
    _run(tmp_path, 20, resume=False)
    assert "moved 2 earlier checkpoint(s)" in capsys.readouterr().out
    assert checkpoint.list_iterations(str(tmp_path)) == [20]
    assert any(p.name.startswith("superseded-") for p in tmp_path.iterdir())


def test_nan_loss_stops_with_a_message(tmp_path):
    with pytest.raises(TrainingDiverged, match=r"at iteration 3\b.*smaller"):
        calls = iter([1.0, 2.0, float("nan")])
        sgd(lambda x: (next(calls), x), np.ones(2), 0.1, 10, PRINT_EVERY=100)


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_line_only_on_a_terminal(monkeypatch, capsys):
    term = _Terminal()
    monkeypatch.setattr(sys, "stdout", term)
    sgd(lambda x: (1.0, np.zeros(1)), np.zeros(1), 0.1, 20, PRINT_EVERY=10)
    out = term.getvalue()
    assert "it/s" in out and "ETA" in out
    # The iter lines stay whole: the progress line is erased before each one.
    lines = [l.split("\r\x1b[K")[-1] for l in out.split("\n")]
    assert [l for l in lines if l.startswith("iter")] == ["iter 10: 1.000000", "iter 20: 1.000000"]
    monkeypatch.undo()
    sgd(lambda x: (1.0, np.zeros(1)), np.zeros(1), 0.1, 20, PRINT_EVERY=10)
    redirected = capsys.readouterr().out
    assert "\r" not in redirected and "it/s" not in redirected
