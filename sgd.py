#!/usr/bin/env python
"""Stochastic gradient descent with annealing, printing and crash-safe checkpoints.

``sgd`` drives both training paths: the exact per-window path, whose gradient
is a dense array, and the batched path, whose gradient is a ``RowSparseGrad``.
"""

import argparse
import math
import os
import shutil
import signal
import sys
import time

import numpy as np

from utils import checkpoint

SAVE_PARAMS_EVERY = 5000  # iterations between checkpoints
ANNEAL_EVERY = 20000      # the step halves after this many iterations


class RowSparseGrad:
    """A gradient that is zero except on a few rows.

    rows -- (n,) distinct row indices
    values -- (n, d) the gradient on those rows (already summed over repeats)

    ``sgd`` applies it as ``x[rows] -= step * values``, so an update costs
    O(n d), whatever the number of rows of x.
    """

    __slots__ = ("rows", "values")

    def __init__(self, rows, values):
        self.rows = rows
        self.values = values

    def toarray(self, shape):
        """The dense gradient, shape ``shape`` (for tests and gradient checks)."""
        dense = np.zeros(shape)
        dense[self.rows] = self.values
        return dense


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite."""


def apply_update(x, grad, step):
    """x <- x - step * grad, for a dense gradient or a RowSparseGrad; returns x.

    Arrays are updated in place (a plain number cannot be, hence the return).
    """
    if isinstance(grad, RowSparseGrad):
        # Rows are distinct, so gather-update-scatter is exact (take() is quicker).
        x[grad.rows] = x.take(grad.rows, axis=0) - step * grad.values
    else:
        x -= step * grad
    return x


def load_saved_params(directory="."):
    """The newest usable checkpoint in ``directory``: (iteration, params, state).

    (0, None, None) when there is none. ``state`` is the dict described in
    utils/checkpoint.py.
    """
    return checkpoint.load_newest(directory)


def save_params(iter, params, directory=".", step=0.0, exploss=None):
    """Save a checkpoint of ``params`` at iteration ``iter`` (and the random state)."""
    checkpoint.save(directory, iter, params, step, exploss)


class _Progress:
    """A live 'iterations per second, ETA' line, only when stdout is a terminal."""

    def __init__(self, start, total, stream=None):
        self.stream = stream or sys.stdout
        self.enabled = self.stream.isatty()
        self.start, self.total = start, total
        self.t0 = time.monotonic()
        self.shown = False
        self.last = 0.0

    def update(self, it):
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.last < 0.2 and it != self.total:
            return
        self.last = now
        done = it - self.start
        rate = done / max(now - self.t0, 1e-9)
        eta = (self.total - it) / rate if rate > 0 else float("inf")
        self.stream.write("\r\x1b[K%d/%d iterations, %.0f it/s, ETA %s"
                          % (it, self.total, rate, _format_seconds(eta)))
        self.stream.flush()
        self.shown = True

    def clear(self):
        """Erase the progress line before ordinary output is printed."""
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.shown = False


def _format_seconds(s):
    if not math.isfinite(s):
        return "?"
    s = int(round(s))
    return "%d:%02d:%02d" % (s // 3600, s // 60 % 60, s % 60) if s >= 3600 else \
        "%d:%02d" % (s // 60, s % 60)


class _DeferredInterrupt:
    """Turn the first Ctrl-C into a flag the loop checks between iterations.

    Saving mid-iteration would store a random state that is half consumed, so
    the loop finishes the iteration, saves, and stops. A second Ctrl-C
    interrupts at once.
    """

    def __init__(self):
        self.requested = False
        self.previous = None

    def __enter__(self):
        try:
            self.previous = signal.signal(signal.SIGINT, self._handle)
        except ValueError:  # not the main thread: leave Ctrl-C alone
            self.previous = None
        return self

    def _handle(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc):
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
        return False


def _set_aside_old_checkpoints(directory):
    """For a fresh start, move earlier checkpoints out of the way (never delete them)."""
    old = checkpoint.list_iterations(directory)
    if not old:
        return
    target = os.path.join(directory, "superseded-%s" % time.strftime("%Y%m%d-%H%M%S"))
    os.makedirs(target, exist_ok=True)
    for it in old:
        for path in (checkpoint.state_path(directory, it), checkpoint.params_path(directory, it)):
            if os.path.exists(path):
                shutil.move(path, target)
    print("Starting fresh: moved %d earlier checkpoint(s) to %s" % (len(old), target))


def sgd(f, x0, step, iterations, postprocessing=None, useSaved=False, PRINT_EVERY=10, *,
        checkpoint_dir=".", save_every=SAVE_PARAMS_EVERY, resume=True, run_info=None,
        random_sources=(), keep=3, history=None):
    """Minimise f by stochastic gradient descent.

    f -- returns (loss, gradient) at x; the gradient is an array shaped like x
         or a RowSparseGrad
    x0 -- the starting point (updated in place and returned)
    step -- the step size; it halves every ANNEAL_EVERY iterations
    iterations -- the total number of iterations to reach
    postprocessing -- applied to x after every step (identity when None)
    useSaved -- checkpoint every ``save_every`` iterations in ``checkpoint_dir``
                and, with ``resume``, continue from the newest usable one
    PRINT_EVERY -- print ``iter N: L`` every so many iterations, L being the
                   moving average 0.95 old + 0.05 new (first: the loss itself)

    Keyword-only: ``run_info`` (a JSON-able dict identifying the run; a
    checkpoint of another run is refused), ``random_sources`` (numpy
    Generators, or objects with get_state/set_state, whose states the
    checkpoints hold besides Python's and NumPy's global ones), ``keep``
    (checkpoints kept), ``history`` (a list that receives an (iteration,
    printed loss) pair at every print, kept across resumes). Ctrl-C saves a checkpoint at the
    current iteration and raises KeyboardInterrupt. A NaN or infinite loss
    raises TrainingDiverged, and so do NaN or infinite parameters at a
    checkpoint (which is then not written), so every checkpoint on disk holds
    finite numbers.
    """
    if postprocessing is None:
        postprocessing = lambda x: x  # noqa: E731

    start_iter = 0
    exploss = None
    x = x0
    if useSaved:
        checkpoint.remove_partial_files(checkpoint_dir)  # left by a crash mid-save
    if useSaved and resume:
        start_iter, saved_x, state = checkpoint.load_newest(checkpoint_dir, run_info)
        if start_iter > iterations:
            raise checkpoint.CheckpointError(
                "the newest checkpoint in %s is at iteration %d, beyond the %d iterations"
                " asked for; ask for at least %d, or start fresh with --no-resume"
                % (checkpoint_dir, start_iter, iterations, start_iter))
        if start_iter > 0:
            if saved_x.shape != np.shape(x0):
                raise checkpoint.CheckpointError(
                    "checkpoint %d holds parameters of shape %s, this run has %s; start fresh"
                    " with --no-resume" % (start_iter, saved_x.shape, np.shape(x0)))
            x = saved_x
            step = state["step"]  # the step in force after start_iter's halvings
            exploss = state["exploss"]
            if history is not None:
                history[:] = [tuple(h) for h in state["history"]]
            checkpoint.set_random_states(state["random"], random_sources)
            print("Resuming from checkpoint %d in %s" % (start_iter, checkpoint_dir))
    elif useSaved:
        _set_aside_old_checkpoints(checkpoint_dir)

    progress = _Progress(start_iter, iterations)
    last_saved = start_iter

    def kept_note():
        if not (useSaved and last_saved):
            return ""
        return " The last good checkpoint (iteration %d) is kept in %s." % (last_saved,
                                                                          checkpoint_dir)

    def save(it):
        if not np.all(np.isfinite(x)):
            progress.clear()
            raise TrainingDiverged(
                "the parameters became NaN or infinite by iteration %d (the loss was still"
                " finite). The step size %g is probably too large: try a smaller one.%s"
                % (it, step, kept_note()))
        checkpoint.save(checkpoint_dir, it, x, step, exploss, run_info, random_sources, keep,
                        history)

    with _DeferredInterrupt() as interrupt:
        for it in range(start_iter + 1, iterations + 1):
            loss, grad = f(x)
            if not math.isfinite(loss):
                progress.clear()
                raise TrainingDiverged(
                    "the loss became %s at iteration %d. The step size %g is probably too"
                    " large: try a smaller one.%s" % (float(loss), it, step, kept_note()))
            x = apply_update(x, grad, step)
            x = postprocessing(x)

            if it % PRINT_EVERY == 0:
                exploss = loss if exploss is None else 0.95 * exploss + 0.05 * loss
                progress.clear()
                print("iter %d: %f" % (it, exploss))
                if history is not None:
                    history.append((it, exploss))

            if it % ANNEAL_EVERY == 0:
                step *= 0.5
            if useSaved and it % save_every == 0:
                save(it)
                last_saved = it
            progress.update(it)

            if interrupt.requested:
                progress.clear()
                if useSaved and last_saved != it:
                    save(it)
                    last_saved = it
                if useSaved:
                    print("Interrupted: saved a checkpoint at iteration %d in %s; run again"
                          " to resume." % (it, checkpoint_dir))
                raise KeyboardInterrupt
    progress.clear()
    return x


def sanity_check():
    """The assignment's check: minimise sum(x^2) from three starting points."""
    quad = lambda x: (np.sum(x ** 2), x * 2)  # noqa: E731
    print("Running sanity checks...")
    ok = True
    for start in (0.5, 0.0, -1.5):
        t = sgd(quad, start, 0.01, 1000, PRINT_EVERY=100)
        print("test result from %s: %r" % (start, t))
        good = abs(t) <= 1e-6
        print("  %s" % ("ok" if good else "FAILED: should be within 1e-6 of 0"))
        ok &= good
    print("All sanity checks passed." if ok else "Some sanity checks FAILED.")
    return ok


def main(argv=None):
    argparse.ArgumentParser(
        description="Run the assignment's sanity checks of sgd(): minimise sum(x^2) from"
                    " 0.5, 0.0 and -1.5 (step 0.01, 1000 iterations); each must end within"
                    " 1e-6 of 0. Exits non-zero on failure.").parse_args(argv)
    return 0 if sanity_check() else 1


if __name__ == "__main__":
    sys.exit(main())
