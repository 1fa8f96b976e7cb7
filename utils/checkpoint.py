"""Crash-safe training checkpoints, without pickle.

A checkpoint at iteration N is two files in the checkpoint folder:

* ``saved_params_N.npy`` -- the parameters, a plain float array (the name the
  assignment uses; ``collect_submission.sh`` ships ``saved_params_40000.npy``);
* ``saved_state_N.json`` -- everything else: iteration, step, moving-average
  loss, the complete state of every random source the run draws from, what
  identifies the run, the SHA-256 of the parameter file and a SHA-256 of the
  state itself (so a garbled number is caught, not silently resumed).

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

import numpy as np

from utils.fileio import TEMP_PREFIX, atomic_write

FORMAT_VERSION = 2          # 2 adds "state_sha256"; version 1 files still load
READABLE_FORMATS = (1, 2)
STATE_PATTERN = re.compile(r"saved_state_(\d+)\.json$")
PARAMS_PATTERN = re.compile(r"saved_params_(\d+)\.npy$")


class CheckpointError(RuntimeError):
    """A checkpoint cannot be used; the message says why and what to do."""


def params_path(directory, iteration):
    return os.path.join(directory, "saved_params_%d.npy" % iteration)


def state_path(directory, iteration):
    return os.path.join(directory, "saved_state_%d.json" % iteration)


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

def _state_digest(state):
    """SHA-256 of a state dict (without its own checksum), in a canonical JSON form.

    JSON round-trips Python's ints and floats exactly, so the digest computed
    after loading equals the one computed before saving unless the file changed.
    """
    body = {k: v for k, v in state.items() if k != "state_sha256"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def remove_partial_files(directory):
    """Delete temporary files a killed save left behind; returns how many.

    A crash (SIGKILL, power cut) in the middle of ``save`` can leave a
    ``.tmp_...saved_params_N.npy`` or ``.tmp_...saved_state_N.json``: never
    read (their names do not match a checkpoint), only clutter.
    """
    removed = 0
    for path in glob.glob(os.path.join(glob.escape(directory), TEMP_PREFIX + "*")):
        name = os.path.basename(path)
        if (name.endswith(".npy") and "saved_params_" in name) or \
                (name.endswith(".json") and "saved_state_" in name):
            try:
                os.remove(path)
                removed += 1
            except OSError:
                pass
    return removed


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
    try:
        _save(directory, iteration, params, step, exploss, run_info, random_sources, keep,
              history)
    except OSError as err:  # a full disk, a read-only or vanished folder...
        raise CheckpointError(
            "could not write checkpoint %d in %s (%s); the earlier checkpoints there are"
            " intact. Fix that (e.g. free some space) and run again to resume."
            % (iteration, directory, err.strerror or err)) from None


def _save(directory, iteration, params, step, exploss, run_info, random_sources, keep,
          history):
    os.makedirs(directory, exist_ok=True)
    params = np.ascontiguousarray(params)
    ppath = params_path(directory, iteration)
    atomic_write(ppath, lambda f: np.save(f, params, allow_pickle=False))
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
    state["state_sha256"] = _state_digest(state)
    data = json.dumps(state).encode("utf-8")
    atomic_write(state_path(directory, iteration), lambda f: f.write(data))
    _prune(directory, iteration, keep)


def _prune(directory, iteration, keep):
    """Keep the newest ``keep`` checkpoints up to ``iteration`` (the one just written).

    Checkpoints *newer* than ``iteration`` can only be ones the resume skipped
    as unusable; they are left alone (this run overwrites them when it gets
    there) so that they never push the fresh, good ones out. Parameter files
    whose state file is gone (a crash between the two deletions) go too.
    """
    done = [it for it in list_iterations(directory) if it <= iteration]
    for old in done[keep:]:
        # The state file first: a parameter file alone is never used.
        for path in (state_path(directory, old), params_path(directory, old)):
            if os.path.exists(path):
                os.remove(path)
    kept = set(list_iterations(directory))
    oldest_kept = min(done[:keep])
    for path in glob.glob(os.path.join(glob.escape(directory), "saved_params_*.npy")):
        m = PARAMS_PATTERN.search(os.path.basename(path))
        if m and int(m.group(1)) < oldest_kept and int(m.group(1)) not in kept:
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
    sname, pname = os.path.basename(spath), os.path.basename(ppath)
    try:
        try:
            with open(spath, "rb") as f:
                state = json.loads(f.read().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ValueError("%s is not valid JSON: truncated or corrupt" % sname) from None
        if not isinstance(state, dict) or state.get("format") not in READABLE_FORMATS:
            raise ValueError("%s is not a checkpoint state this version can read" % sname)
        if "state_sha256" in state or state["format"] >= 2:
            if state.get("state_sha256") != _state_digest(state):
                raise ValueError("%s does not match its own checksum: corrupt" % sname)
        if state.get("iteration") != iteration:
            raise ValueError("%s is for iteration %r" % (sname, state.get("iteration")))
        if not os.path.exists(ppath):
            raise ValueError("its parameter file %s is missing" % pname)
        with open(ppath, "rb") as f:
            raw = f.read()
        if hashlib.sha256(raw).hexdigest() != state["params_sha256"]:
            raise ValueError("%s does not match the checksum recorded in %s: truncated or"
                             " corrupt" % (pname, sname))
        params = np.load(ppath, allow_pickle=False)
        if list(params.shape) != state["params_shape"]:
            raise ValueError("%s has shape %s, %s records %s"
                             % (pname, params.shape, sname, state["params_shape"]))
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
