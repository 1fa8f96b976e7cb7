"""Crash-safe training checkpoints, without pickle: one format, every field verified.

A checkpoint at iteration N is, in the checkpoint folder:

* ``saved_<name>_N.npy`` for each array of the run (run.py has one,
  ``params``: ``saved_params_N.npy`` is the name the assignment uses and
  ``collect_submission.sh`` ships);
* ``saved_state_N.json``: the format, N, what identifies the run, each
  array's SHA-256, shape and dtype, the caller's own state (step, random
  states...) and a SHA-256 of all that, so an edited number is caught.

Files are written to a temporary file, fsynced and renamed into place, the
state file last, so a crash mid-write leaves the earlier checkpoints intact.
Loading never runs code (``np.load(allow_pickle=False)``, JSON), reads only
regular files of bounded size, and checks every field: a checkpoint that is
not exactly what this run would have written is skipped, never half-used.
"""

import glob
import hashlib
import json
import os
import re
import sys

import numpy as np

from w2v.infra.fileio import TEMP_PREFIX, atomic_write, npy_from_bytes, read_regular, write_npy
from w2v.infra.outdir import explain

FORMAT = "word2vec-numpy checkpoint 3"
MAX_STATE_BYTES = 64 << 20   # a state file is kilobytes; refuse anything absurd
NPY_HEADER_BYTES = 1 << 16   # allowance over the raw data size of an .npy file
STATE_PATTERN = re.compile(r"saved_state_(\d+)\.json$")


class TrainingDiverged(RuntimeError):
    """The loss or the parameters became NaN or infinite."""


class CheckpointError(RuntimeError):
    """A checkpoint cannot be used; the message says why and what to do."""


def array_path(directory, name, iteration):
    return os.path.join(directory, "saved_%s_%d.npy" % (name, iteration))


def state_path(directory, iteration):
    return os.path.join(directory, "saved_state_%d.json" % iteration)


def _digest(body):
    """SHA-256 of a JSON-able dict in canonical form (JSON round-trips ints and floats).

    Raises ValueError for NaN or infinite numbers (they are not JSON).
    """
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def save(directory, iteration, arrays, state, run_info, keep=3):
    """Write checkpoint ``iteration`` atomically, then keep only the newest ``keep``.

    arrays -- {name: ndarray}; state -- a JSON-able dict (finite numbers only)
    run_info -- a JSON-able dict identifying the run (compared on resume)
    Raises OSError as the file system reports it (the caller words it).
    """
    # A state that cannot be written (NaN, say) is refused before the first
    # file is written: no array file is left without its state.
    json.dumps({"run": run_info, "state": state}, allow_nan=False)
    os.makedirs(directory, exist_ok=True)
    described = {}
    for name, array in sorted(arrays.items()):
        digest = []
        atomic_write(array_path(directory, name, iteration),
                     lambda f: digest.append(write_npy(f, [array])))
        described[name] = {"sha256": digest[0], "shape": list(array.shape),
                           "dtype": array.dtype.str}
    body = {"format": FORMAT, "iteration": int(iteration), "run": run_info,
            "arrays": described, "state": state}
    body["sha256"] = _digest(body)
    text = json.dumps(body, allow_nan=False).encode("utf-8")
    atomic_write(state_path(directory, iteration), lambda f: f.write(text))
    prune(directory, iteration, keep, list(arrays))



def save_or_explain(directory, iteration, arrays, state, run_info, keep=3):
    """``save``; an OSError becomes a CheckpointError saying what failed and what to do."""
    try:
        save(directory, iteration, arrays, state, run_info, keep)
    except ValueError as err:  # nothing was written
        raise CheckpointError("could not write checkpoint %d in %s: %s (the training went"
                              " wrong; try a smaller --alpha)" % (iteration, directory, err)
                              ) from None
    except OSError as err:
        earlier = [it for it in list_iterations(directory) if it < iteration]
        kept = ("The earlier checkpoints there are intact; run again to resume" if earlier
                else "There is no earlier checkpoint to resume from")
        raise CheckpointError("could not write checkpoint %d in %s: %s. %s."
                              % (iteration, directory, explain(err), kept)) from None


def prune(directory, iteration, keep, names):
    """Delete all but the newest ``keep`` checkpoints up to ``iteration``.

    Newer ones can only be checkpoints the resume skipped as unusable: they
    are left alone (this run overwrites them when it gets there).
    """
    done = [it for it in list_iterations(directory) if it <= iteration]
    # The state files first: arrays without their state file are never used.
    for old in done[keep:]:
        _remove(state_path(directory, old))
    # Then the arrays of no kept checkpoint: those just dropped, and any whose
    # state file a crash removed before them.
    kept = set(done[:keep])
    for name in names:
        pattern = re.compile(r"saved_%s_(\d+)\.npy" % re.escape(name))
        for path in glob.glob(os.path.join(glob.escape(directory), "saved_%s_*.npy" % name)):
            m = pattern.fullmatch(os.path.basename(path))
            if m and int(m.group(1)) <= iteration and int(m.group(1)) not in kept:
                _remove(path)


def _remove(path):
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def list_iterations(directory):
    """Iterations of the state files in ``directory``, newest first."""
    found = []
    for path in glob.glob(os.path.join(glob.escape(directory), "saved_state_*.json")):
        m = STATE_PATTERN.search(os.path.basename(path))
        if m:
            found.append(int(m.group(1)))
    return sorted(found, reverse=True)


def all_files(directory, names):
    """Every file of every checkpoint in ``directory``: state files, then the arrays ``names``."""
    its = list_iterations(directory)
    return [state_path(directory, it) for it in its] + \
        [array_path(directory, name, it) for name in names for it in its]


def remove_partial_files(directory):
    """Delete the temporary files a killed save left behind; returns how many.

    Only call it while holding the folder's lock (w2v.infra.outdir): another
    run's temporary files are in use.
    """
    removed = 0
    for path in glob.glob(os.path.join(glob.escape(directory), TEMP_PREFIX + "*")):
        name = os.path.basename(path)
        if STATE_PATTERN.search(name) or re.search(r"saved_\w+_\d+\.npy$", name):
            try:
                os.remove(path)
                removed += 1
            except OSError:
                pass
    return removed


def read_state(directory, iteration):
    """The verified state dict of checkpoint ``iteration``; ValueError if unusable."""
    name = os.path.basename(state_path(directory, iteration))
    raw = read_regular(state_path(directory, iteration), MAX_STATE_BYTES, "The checkpoint")
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError("%s is not valid JSON: truncated or corrupt" % name) from None
    except RecursionError:
        raise ValueError("%s nests its brackets too deeply: corrupt or edited" % name) from None
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise ValueError("%s is not a checkpoint of this version (format %r expected)"
                         % (name, FORMAT))
    if set(body) != {"format", "iteration", "run", "arrays", "state", "sha256"}:
        raise ValueError("%s has fields %s" % (name, sorted(body)))
    try:
        digest = _digest({k: v for k, v in body.items() if k != "sha256"})
    except (ValueError, RecursionError):  # NaN (json.loads accepts it) or deep nesting
        digest = None
    if body["sha256"] != digest:
        raise ValueError("%s does not match its own checksum: corrupt or edited" % name)
    if type(body["iteration"]) is not int or body["iteration"] != iteration:
        raise ValueError("%s is for iteration %r" % (name, body["iteration"]))
    if not isinstance(body["state"], dict) or not isinstance(body["arrays"], dict):
        raise ValueError("%s: 'state' and 'arrays' must be objects" % name)
    return body


def read_array(directory, name, iteration, record, shape, dtype):
    """One verified array of a checkpoint: its checksum, shape, dtype and finiteness."""
    path = array_path(directory, name, iteration)
    dtype = np.dtype(dtype)
    limit = int(np.prod(shape)) * dtype.itemsize + NPY_HEADER_BYTES
    try:
        raw = read_regular(path, limit, "The checkpoint array")
    except FileNotFoundError:
        raise ValueError("its array file %s is missing" % os.path.basename(path)) from None
    if not isinstance(record, dict) or hashlib.sha256(raw).hexdigest() != record.get("sha256"):
        raise ValueError("%s does not match its recorded checksum: truncated or corrupt"
                         % os.path.basename(path))
    try:
        array = npy_from_bytes(raw)
    except ValueError as err:
        raise ValueError("%s: %s" % (os.path.basename(path), err)) from None
    if array.dtype != dtype or array.shape != tuple(shape):
        raise ValueError("%s holds %s %s, this run needs %s %s" % (
            os.path.basename(path), array.dtype, array.shape, dtype, tuple(shape)))
    if not np.all(np.isfinite(array)):
        raise ValueError("%s holds NaN or infinite numbers" % os.path.basename(path))
    _check_magnitude(array, os.path.basename(path))
    return array


def _check_magnitude(array, name):
    """ValueError when a dot product of two rows of ``array`` could overflow its dtype.

    Trained parameters are small; values this large (say 3e38 in float32)
    make every later loss and save NaN or infinite, so such a checkpoint is
    as unusable as a corrupt one.
    """
    if not array.size or not np.issubdtype(array.dtype, np.floating):
        return
    largest = float(np.max(np.abs(array)))
    bound = float(np.sqrt(np.finfo(array.dtype).max / max(array.shape[-1], 1)))
    if largest > bound:
        raise ValueError("%s holds a value of %.3g, too large to train with (at most %.3g in"
                         " %s: dot products would overflow)" % (name, largest, bound, array.dtype))


def load(directory, iteration, spec):
    """Load and verify checkpoint ``iteration``: (arrays dict, state dict, run dict).

    spec -- {name: (shape, dtype)}: exactly the arrays this run expects.
    Raises CheckpointError naming what is wrong.
    """
    try:
        body = read_state(directory, iteration)
        return _read_arrays(directory, iteration, body, spec), body["state"], body["run"]
    except (OSError, ValueError, TypeError, KeyError, RecursionError) as err:
        raise CheckpointError("checkpoint %d in %s is unusable (%s)"
                              % (iteration, directory, err)) from None


def _read_arrays(directory, iteration, body, spec):
    """The verified arrays that the state ``body`` records, as ``spec`` expects them."""
    if set(body["arrays"]) != set(spec):
        raise ValueError("it holds arrays %s, this run needs %s"
                         % (sorted(body["arrays"]), sorted(spec)))
    return {name: read_array(directory, name, iteration, body["arrays"][name], *spec[name])
            for name in spec}


def describe_mismatch(saved, current):
    """Human-readable differences between two run-identity dicts ('' if none)."""
    if not isinstance(saved, dict):
        return "run: checkpoint has %r" % (saved,)
    diffs = ["%s: checkpoint has %r, this run has %r" % (key, saved.get(key), current.get(key))
             for key in sorted(set(saved) | set(current)) if saved.get(key) != current.get(key)]
    return "; ".join(diffs)


def load_newest(directory, run_info, spec, check_state, warn=None):
    """The newest checkpoint that verifies: (iteration, arrays, state), or (0, None, None).

    check_state(iteration, state) raises ValueError when a field is out of
    range; such a checkpoint, like a corrupt or truncated one, is skipped with
    a warning. A checkpoint of a different run (``run_info`` differs) is
    refused with a CheckpointError saying what differs and how to start fresh.
    """
    warn = warn or (lambda msg: print("warning: " + msg, file=sys.stderr))
    for iteration in list_iterations(directory):
        try:
            body = read_state(directory, iteration)
            diff = describe_mismatch(body["run"], run_info)
            if diff:
                raise CheckpointError(
                    "the checkpoint %s was made by a different run (%s). Resume it with the"
                    " same settings, or start fresh with --no-resume (or another --outdir)."
                    % (state_path(directory, iteration), diff))
            arrays = _read_arrays(directory, iteration, body, spec)
            check_state(iteration, body["state"])
        except (OSError, ValueError, TypeError, KeyError, RecursionError) as err:
            warn("checkpoint %d in %s is unusable (%s); skipping it." % (iteration, directory, err))
            continue
        return iteration, arrays, body["state"]
    return 0, None, None
