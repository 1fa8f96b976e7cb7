"""Crash-safe training checkpoints, without pickle.

A checkpoint at iteration N is two files in the checkpoint folder:

* ``saved_params_N.npy`` -- the parameters, a plain float array (the name the
  assignment uses; ``collect_submission.sh`` ships ``saved_params_40000.npy``);
* ``saved_state_N.json`` -- everything else: iteration, step, moving-average
  loss, the complete state of every random source the run draws from, what
  identifies the run, and the SHA-256 of the parameter file.

Both are written to a temporary file, flushed, fsynced and renamed into place,
the state file last, so a crash mid-write leaves earlier checkpoints intact and
a parameter file without its state file is never used. Loading never runs
code: ``np.load(allow_pickle=False)`` and JSON only.
"""

import glob
import hashlib
import json
import os
import random
import re
import sys
import tempfile

import numpy as np

FORMAT_VERSION = 1
STATE_PATTERN = re.compile(r"saved_state_(\d+)\.json$")


class CheckpointError(RuntimeError):
    """A checkpoint cannot be used; the message says why and what to do."""


def params_path(directory, iteration):
    return os.path.join(directory, "saved_params_%d.npy" % iteration)


def state_path(directory, iteration):
    return os.path.join(directory, "saved_state_%d.json" % iteration)


def _atomic_write(path, write):
    """Write a file through ``write(fileobj)`` so that it appears whole or not at all."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp_", suffix=os.path.basename(path), dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    # Make the rename itself durable.
    try:
        dfd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


# ---- random states as JSON ------------------------------------------------

def python_random_state():
    version, internal, gauss = random.getstate()
    return [version, list(internal), gauss]


def set_python_random_state(state):
    version, internal, gauss = state
    random.setstate((version, tuple(internal), gauss))


def numpy_legacy_state():
    name, keys, pos, has_gauss, cached = np.random.get_state()
    return [name, keys.tolist(), int(pos), int(has_gauss), float(cached)]


def set_numpy_legacy_state(state):
    name, keys, pos, has_gauss, cached = state
    np.random.set_state((name, np.array(keys, dtype=np.uint32), pos, has_gauss, cached))


def _source_state(source):
    if isinstance(source, np.random.Generator):
        return source.bit_generator.state
    return source.get_state()


def _set_source_state(source, state):
    if isinstance(source, np.random.Generator):
        source.bit_generator.state = state
    else:
        source.set_state(state)


def random_states(sources=()):
    """Every random source of a run: Python's, NumPy's global, and each of ``sources``.

    A source is a numpy Generator or any object with JSON-able
    ``get_state()``/``set_state(state)`` (such as the batched engine).
    """
    return {"python": python_random_state(),
            "numpy_legacy": numpy_legacy_state(),
            "sources": [_source_state(s) for s in sources]}


def set_random_states(states, sources=()):
    set_python_random_state(states["python"])
    set_numpy_legacy_state(states["numpy_legacy"])
    if len(states["sources"]) != len(sources):
        raise CheckpointError("the checkpoint holds %d extra random states, this run has %d"
                              % (len(states["sources"]), len(sources)))
    for source, state in zip(sources, states["sources"]):
        _set_source_state(source, state)


# ---- save and load ----------------------------------------------------------

def save(directory, iteration, params, step, exploss, run_info=None, random_sources=(),
         keep=3, history=None):
    """Write checkpoint ``iteration`` atomically and keep only the newest ``keep``.

    params -- the parameter array (any shape)
    step -- the step size in force for the *next* iteration
    exploss -- the moving-average loss printed so far (None before the first print)
    run_info -- a JSON-able dict identifying the run (compared on resume)
    random_sources -- Generators or engines whose states are saved with the others
    history -- the (iteration, printed loss) pairs so far, for the loss curve
    """
    os.makedirs(directory, exist_ok=True)
    params = np.ascontiguousarray(params)
    ppath = params_path(directory, iteration)
    _atomic_write(ppath, lambda f: np.save(f, params, allow_pickle=False))
    with open(ppath, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    state = {"format": FORMAT_VERSION,
             "iteration": int(iteration),
             "step": float(step),
             "exploss": None if exploss is None else float(exploss),
             "params_sha256": digest,
             "params_shape": list(params.shape),
             "run": run_info or {},
             "history": [list(h) for h in history or []],
             "random": random_states(random_sources)}
    data = json.dumps(state).encode("utf-8")
    _atomic_write(state_path(directory, iteration), lambda f: f.write(data))
    for old in list_iterations(directory)[keep:]:
        for path in (state_path(directory, old), params_path(directory, old)):
            if os.path.exists(path):
                os.remove(path)


def list_iterations(directory):
    """Iterations of the state files in ``directory``, newest first."""
    found = []
    for path in glob.glob(os.path.join(glob.escape(directory), "saved_state_*.json")):
        m = STATE_PATTERN.search(os.path.basename(path))
        if m:
            found.append(int(m.group(1)))
    return sorted(found, reverse=True)


def load(directory, iteration):
    """Load and verify one checkpoint; returns (params, state dict).

    Raises CheckpointError when a file is missing, truncated, corrupt or
    does not match its recorded checksum.
    """
    spath = state_path(directory, iteration)
    ppath = params_path(directory, iteration)
    try:
        with open(spath, "rb") as f:
            state = json.loads(f.read().decode("utf-8"))
        if state.get("format") != FORMAT_VERSION or state.get("iteration") != iteration:
            raise ValueError("unknown format or wrong iteration")
        with open(ppath, "rb") as f:
            raw = f.read()
        if hashlib.sha256(raw).hexdigest() != state["params_sha256"]:
            raise ValueError("parameter file does not match its checksum")
        params = np.load(ppath, allow_pickle=False)
        if list(params.shape) != state["params_shape"]:
            raise ValueError("parameter shape differs from the recorded one")
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise CheckpointError("checkpoint %d in %s is unusable (%s)"
                              % (iteration, directory, err)) from None
    return params, state


def describe_mismatch(saved, current):
    """Human-readable differences between two run-identity dicts ('' if none)."""
    diffs = []
    for key in sorted(set(saved) | set(current)):
        if saved.get(key) != current.get(key):
            diffs.append("%s: checkpoint has %r, this run has %r"
                         % (key, saved.get(key), current.get(key)))
    return "; ".join(diffs)


def load_newest(directory, run_info=None, warn=None):
    """The newest checkpoint that loads and verifies: (iteration, params, state).

    Returns (0, None, None) when there is none. Corrupt or truncated
    checkpoints are skipped with a warning; a checkpoint of a different run
    (``run_info`` differs) is refused with a CheckpointError saying what
    differs and how to start fresh.
    """
    warn = warn or (lambda msg: print("warning: " + msg, file=sys.stderr))
    for iteration in list_iterations(directory):
        try:
            params, state = load(directory, iteration)
        except CheckpointError as err:
            warn("%s; skipping it." % err)
            continue
        if run_info is not None:
            diff = describe_mismatch(state.get("run", {}), run_info)
            if diff:
                raise CheckpointError(
                    "the checkpoint %s was made by a different run (%s). Resume it with the"
                    " same settings, or start fresh with --no-resume (or another --outdir)."
                    % (state_path(directory, iteration), diff))
        return iteration, params, state
    return 0, None, None
