#!/usr/bin/env python
"""Stochastic gradient descent (CS224N Assignment 2), as the starter shapes it.

``sgd`` is the loop: f(x), the update, then ``after_step`` (the printing,
the annealing, the hooks; engines/block_sgd.py's loop shares it). What a
real run adds (resume, checkpoints, the progress line, Ctrl-C) plugs in
through ``hooks`` (utils/session.py), so the loop reads as the starter's.
"""

import argparse
import sys

import numpy as np

from utils.session import TrainingSession

SAVE_PARAMS_EVERY = 5000  # iterations between checkpoints
ANNEAL_EVERY = 20000      # the step halves after this many iterations


class RowSparseGrad:
    """A gradient that is zero except on a few rows.

    rows -- (n,) distinct non-negative row indices
    values -- (n, d) the gradient on those rows (already summed over repeats)
    check -- validate the rows (engines that build them correct skip it)

    ``apply`` does ``x[rows] -= step * values``: O(n d), whatever the number
    of rows of x.
    """

    __slots__ = ("rows", "values")

    def __init__(self, rows, values, check=True):
        self.rows, self.values = rows, values
        if check:
            rows = np.asarray(rows)
            if rows.ndim != 1 or not np.issubdtype(rows.dtype, np.integer) \
                    or np.shape(values)[:1] != rows.shape:
                raise ValueError("RowSparseGrad needs rows (n,) of integers and values (n, d);"
                                 " got %s %s and %s" % (rows.dtype, rows.shape, np.shape(values)))
            if rows.size and (rows.min() < 0 or np.unique(rows).size != rows.size):
                raise ValueError("RowSparseGrad rows must be distinct and >= 0; got %s"
                                 % rows[:10])

    def toarray(self, shape):
        """The dense gradient, shape ``shape`` (for tests and gradient checks)."""
        dense = np.zeros(shape)
        dense[self.rows] = self.values
        return dense

    def apply(self, x, step):
        """x[rows] -= step * values, in place; returns x. (A compiled engine overrides it.)"""
        # Rows are distinct, so gather-update-scatter is exact (take() is quicker).
        x[self.rows] = x.take(self.rows, axis=0) - step * self.values
        return x


def apply_update(x, grad, step):
    """x <- x - step * grad, for a dense gradient or a RowSparseGrad; returns x.

    Arrays are updated in place (a plain number cannot be, hence the return).
    """
    if isinstance(grad, RowSparseGrad):
        return grad.apply(x, step)
    x -= step * grad
    return x


class SgdHooks:
    """No checkpoints, no progress line: the plain loop."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def start(self, x0, step, iterations, schedule):
        return 0, x0, step, None  # (first iteration done, x, step, exploss)

    def print(self, line):
        print(line)

    def on_step(self, it, x, loss, step, exploss):
        pass

    def show_progress(self, it):
        pass

    def finish(self, it, x, step, exploss):
        pass


def scheduled_step(first_step, iteration):
    """The step after ``iteration`` iterations: halved every ANNEAL_EVERY (exact)."""
    return first_step * 0.5 ** (iteration // ANNEAL_EVERY)


def after_step(hooks, it, x, loss, step, exploss, PRINT_EVERY):
    """The end of iteration ``it``: print, anneal, then the hooks; returns (step, exploss).

    The printed loss is a moving average, 0.95 old + 0.05 new (first: the
    loss itself); the step halves every ANNEAL_EVERY iterations.
    """
    if it % PRINT_EVERY == 0:
        exploss = loss if exploss is None else 0.95 * exploss + 0.05 * loss
        hooks.print("iter %d: %f" % (it, exploss))
    if it % ANNEAL_EVERY == 0:
        step *= 0.5
    hooks.on_step(it, x, loss, step, exploss)
    return step, exploss


def sgd(f, x0, step, iterations, postprocessing=None, useSaved=False, PRINT_EVERY=10, *,
        hooks=None):
    """Minimise f by stochastic gradient descent.

    f -- returns (loss, gradient) at x; the gradient is an array shaped like x
         or a RowSparseGrad
    x0 -- the starting point (updated in place and returned)
    step -- the step size; it halves every ANNEAL_EVERY iterations
    iterations -- the total number of iterations to reach
    postprocessing -- applied to x after every step (identity when None)
    useSaved -- as the assignment: checkpoint every SAVE_PARAMS_EVERY iterations
                in the current folder and resume from the newest one
    PRINT_EVERY -- print ``iter N: L`` every so many iterations, L being the
                   moving average 0.95 old + 0.05 new (first: the loss itself)
    hooks -- what a real run plugs in (utils.session.TrainingSession); by
             default that with useSaved, else nothing (SgdHooks)
    """
    if postprocessing is None:
        postprocessing = lambda x: x  # noqa: E731
    if hooks is None:
        hooks = TrainingSession(".", save_every=SAVE_PARAMS_EVERY) if useSaved else SgdHooks()
    with hooks:
        start_iter, x, step, exploss = hooks.start(x0, step, iterations, scheduled_step)
        for it in range(start_iter + 1, iterations + 1):
            # BEGIN SOLUTION
            loss, grad = f(x)
            x = apply_update(x, grad, step)
            # END SOLUTION
            x = postprocessing(x)
            step, exploss = after_step(hooks, it, x, loss, step, exploss, PRINT_EVERY)
        hooks.finish(iterations, x, step, exploss)
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
