"""What ``sgd`` plugs in for a real run: resume, checkpoints, progress, a clean stop.

``sgd`` calls four hooks (see sgd.SgdHooks): ``start`` (resume from the newest
checkpoint, or start fresh), ``print`` (the ``iter`` lines), ``on_step``
(after every step: divergence check, checkpoints, the progress line, a
pending Ctrl-C or SIGTERM) and ``finish`` (the final checkpoint).
engines/block_sgd.py calls them once per block of steps, and ``show_progress``
(the live line) before each block's ``iter`` line.
"""

import copy
import math
import random
import time

import numpy as np

from w2v.infra import checkpoint
from w2v.infra.checkpoint import CheckpointError, TrainingDiverged  # noqa: F401 (re-exported)
from w2v.infra.outdir import set_aside
from w2v.infra.terminal import ProgressLine, StopRequest, format_seconds, rate_and_eta

# ---- random states as JSON ------------------------------------------------

def random_states(sources=()):
    """Python's and NumPy's global random states and each source's, JSON-able.

    A source is a numpy Generator or any object with JSON-able
    ``get_state()``/``set_state(state)`` (such as the training engines).
    """
    version, internal, gauss = random.getstate()
    name, keys, pos, has_gauss, cached = np.random.get_state()
    return {"python": [version, list(internal), gauss],
            "numpy_legacy": [name, keys.tolist(), int(pos), int(has_gauss), float(cached)],
            "sources": [s.bit_generator.state if isinstance(s, np.random.Generator)
                        else s.get_state() for s in sources]}


def set_random_states(states, sources=()):
    """Restore what ``random_states`` saved (raises ValueError/TypeError if malformed)."""
    version, internal, gauss = states["python"]
    random.setstate((version, tuple(internal), gauss))
    name, keys, pos, has_gauss, cached = states["numpy_legacy"]
    np.random.set_state((name, np.array(keys, dtype=np.uint32), pos, has_gauss, cached))
    for source, state in zip(sources, states["sources"]):
        if isinstance(source, np.random.Generator):
            source.bit_generator.state = state
        else:
            source.set_state(state)


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) \
        and math.isfinite(value)


def _is_word_list(values, n, top=1 << 32):
    """A list of ``n`` ints in [0, top): a Mersenne Twister's words."""
    return isinstance(values, list) and len(values) == n and \
        all(type(v) is int and 0 <= v < top for v in values)


def _check_random(rnd, iteration, sources):
    """Raise ValueError unless ``rnd`` is what ``random_states(sources)`` gives.

    Restoring a state checks little (Python's truncates out-of-range words and
    takes any Gaussian cache): every field is checked here. A source's state
    other than its iteration is fixed by the run (its seed): it must equal the
    source's own; its iteration must be the checkpoint's.
    """
    if not isinstance(rnd, dict) or set(rnd) != {"python", "numpy_legacy", "sources"} \
            or not isinstance(rnd["sources"], list) or len(rnd["sources"]) != len(sources):
        raise ValueError("the random states are not this run's")
    py, legacy = rnd["python"], rnd["numpy_legacy"]
    if not (isinstance(py, list) and len(py) == 3 and py[0] == random.getstate()[0]
            and _is_word_list(py[1], 625) and py[1][-1] <= 624
            and (py[2] is None or _is_number(py[2]))):
        raise ValueError("Python's random state is malformed")
    if not (isinstance(legacy, list) and len(legacy) == 5 and legacy[0] == "MT19937"
            and _is_word_list(legacy[1], 624) and type(legacy[2]) is int
            and 0 <= legacy[2] <= 624 and legacy[3] in (0, 1) and type(legacy[3]) is int
            and _is_number(legacy[4])):
        raise ValueError("NumPy's random state is malformed")
    for source, saved in zip(sources, rnd["sources"]):
        if isinstance(source, np.random.Generator):
            try:  # on a copy: setting the state checks it completely
                copy.deepcopy(source).bit_generator.state = saved
            except Exception as err:
                raise ValueError("a generator's state is malformed (%s)" % err) from None
            continue
        own = source.get_state()
        if not isinstance(saved, dict) or set(saved) != set(own):
            raise ValueError("the engine's state %r is not this run's" % (saved,))
        for key, value in own.items():
            if key == "iteration":
                if type(saved[key]) is not int or saved[key] != iteration:
                    raise ValueError("the engine is at iteration %r, the checkpoint at %d"
                                     % (saved[key], iteration))
            elif type(saved[key]) is not type(value) or saved[key] != value:
                raise ValueError("the engine's %s is %r, this run's is %r"
                                 % (key, saved[key], value))


def check_sgd_state(iteration, state, sources, expected_step):
    """Raise ValueError unless ``state`` is exactly what ``TrainingSession`` saves.

    sources -- the run's random sources (their states are compared)
    expected_step -- the schedule's step at ``iteration``: the saved one must equal it
    """
    if set(state) != {"step", "exploss", "history", "random"}:
        raise ValueError("state fields %s" % sorted(state))
    if not (_is_number(state["step"]) and state["step"] == expected_step):
        raise ValueError("step %r is not the schedule's %r at iteration %d"
                         % (state["step"], expected_step, iteration))
    if state["exploss"] is not None and not _is_number(state["exploss"]):
        raise ValueError("loss %r is not a finite number" % (state["exploss"],))
    its = [h[0] if isinstance(h, list) and len(h) == 2 and _is_number(h[1]) else None
           for h in state["history"]]
    if not all(type(i) is int for i in its) or its != sorted(set(its)) or \
            (its and not 0 < its[0] <= its[-1] <= iteration):
        raise ValueError("the loss history is not a list of [iteration, loss] up to %d"
                         % iteration)
    _check_random(state["random"], iteration, sources)
    saved = random.getstate(), np.random.get_state()
    try:  # restoring them is the last check of their structure
        set_random_states({**state["random"], "sources": []})
    except Exception as err:
        raise ValueError("the random states cannot be restored (%s)" % err) from None
    finally:
        random.setstate(saved[0])
        np.random.set_state(saved[1])


class TrainingSession:
    """sgd's hooks for a run that checkpoints in ``directory`` and stops cleanly.

    run_info -- a JSON-able dict identifying the run: a checkpoint of another
                run is refused, never resumed
    random_sources -- Generators or engines whose states the checkpoints hold,
                      besides Python's and NumPy's global ones
    save_every -- iterations between checkpoints (and one at the end)
    resume -- continue from the newest usable checkpoint; if False, earlier
              checkpoints are moved aside (never deleted)
    keep -- checkpoints kept; print_every -- how often sgd prints (for history)

    ``history`` receives an (iteration, printed loss) pair at every print,
    kept across resumes. The caller holds the folder's lock (w2v.infra.outdir).
    """

    def __init__(self, directory=".", run_info=None, random_sources=(), save_every=5000,
                 resume=True, keep=3, print_every=10):
        self.directory, self.run_info = directory, run_info or {}
        self.sources, self.save_every, self.keep = list(random_sources), save_every, keep
        self.resume_wanted, self.print_every = resume, print_every
        self.history, self.last_saved = [], 0
        self.progress, self.stop = ProgressLine(), StopRequest()

    def __enter__(self):
        self.stop.__enter__()
        return self

    def __exit__(self, *exc):
        self.progress.close()
        return self.stop.__exit__(*exc)

    def print(self, line):
        self.progress.print(line)

    def start(self, x0, step, iterations, schedule):
        """(first iteration done, x, step, exploss): a resumed or a fresh start.

        schedule(step, i) -- the step sgd uses after i iterations (a resumed
        checkpoint's step must equal it)
        """
        self.iterations, self.t0 = iterations, time.monotonic()
        checkpoint.remove_partial_files(self.directory)  # left by a crash mid-save
        if not self.resume_wanted:
            self._set_aside_old()
            return self._fresh(x0, step)
        spec = {"params": (np.shape(x0), np.asarray(x0).dtype)}
        it, arrays, state = checkpoint.load_newest(
            self.directory, self.run_info, spec,
            lambda i, s: check_sgd_state(i, s, self.sources, schedule(step, i)))
        if it > iterations:
            raise CheckpointError(
                "the newest checkpoint in %s is at iteration %d, beyond the %d iterations"
                " asked for; ask for at least %d, or start fresh with --no-resume"
                % (self.directory, it, iterations, it))
        if it == 0:
            return self._fresh(x0, step)
        set_random_states(state["random"], self.sources)
        self.history = [tuple(h) for h in state["history"]]
        self.start_iter = self.last_saved = it
        self.print("Resuming from checkpoint %d in %s" % (it, self.directory))
        return it, arrays["params"], state["step"], state["exploss"]

    def _fresh(self, x0, step):
        self.start_iter = 0
        return 0, x0, step, None

    def _set_aside_old(self):
        old = checkpoint.list_iterations(self.directory)
        target = set_aside(self.directory, checkpoint.all_files(self.directory, ["params"]))
        if target:
            self.print("Starting fresh: moved %d earlier checkpoint(s) to %s"
                       % (len(old), target))

    def on_step(self, it, x, loss, step, exploss):
        """After step ``it``: stop on divergence, checkpoint, show progress, honour a stop."""
        if not math.isfinite(loss):
            raise TrainingDiverged(
                "the loss became %s at iteration %d. The step size %g is probably too"
                " large: try a smaller one.%s" % (float(loss), it, step, self._kept_note()))
        if it % self.print_every == 0:
            self.history.append((it, exploss))
        if it % self.save_every == 0:
            self.save(it, x, step, exploss)
        self.show_progress(it)
        if self.stop.requested:
            self._stop(it, x, step, exploss)

    def show_progress(self, it):
        """The live line: ``it`` iterations done, the rate and the time left."""
        if self.progress.enabled:  # no formatting cost when nobody sees it
            rate, eta = rate_and_eta(it - self.start_iter, self.iterations - it,
                                     time.monotonic() - self.t0)
            self.progress.show("%d/%d iterations, %.0f it/s, ETA %s"
                               % (it, self.iterations, rate, format_seconds(eta)))

    def finish(self, it, x, step, exploss):
        """The final checkpoint, so a finished run is never trained again."""
        self.save(it, x, step, exploss)
        self.progress.close()
        if self.stop.requested:  # it came during that save: stop before anything else
            self._stop(it, x, step, exploss)

    def _stop(self, it, x, step, exploss):
        self.save(it, x, step, exploss)
        self.progress.close()
        print("Interrupted (%s): saved a checkpoint at iteration %d in %s; run again to"
              " resume." % (self.stop.requested, it, self.directory))
        raise KeyboardInterrupt

    def save(self, it, x, step, exploss):
        """Checkpoint iteration ``it`` (once, none before the first); finite parameters only."""
        if it == self.last_saved or it <= 0:
            return
        if not np.all(np.isfinite(x)):
            raise TrainingDiverged(
                "the parameters became NaN or infinite by iteration %d (the loss was still"
                " finite). The step size %g is probably too large: try a smaller one.%s"
                % (it, step, self._kept_note()))
        state = {"step": float(step), "exploss": None if exploss is None else float(exploss),
                 "history": [[int(i), float(v)] for i, v in self.history],
                 "random": random_states(self.sources)}
        checkpoint.save_or_explain(self.directory, it, {"params": np.asarray(x)}, state,
                                   self.run_info, self.keep)
        self.last_saved = it

    def _kept_note(self):
        if not self.last_saved:
            return ""
        return " The last good checkpoint (iteration %d) is kept in %s." % (
            self.last_saved, self.directory)
