"""The trainer's kernels built ahead of time (w2v/training/compiled.py over w2v/infra/aot.py):
the same vectors as numba's JIT bit for bit, a training run without numba, a damaged
build rebuilt, a failed build falling back to the JIT, one build for processes starting
together."""

import os
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import ROOT
from w2v.training import compiled, kernel_args, kernels
from w2v.training.corpus import keep_probabilities, negative_cum_table
from w2v.training.huffman import build_huffman
from w2v.training.trainer import sampling_tables

LOSSES = {"neg": kernel_args.NEG, "hs": kernel_args.HS, "softmax": kernel_args.SOFTMAX}
MODELS = {"skipgram": kernel_args.SKIPGRAM, "cbow": kernel_args.CBOW}


def _job(train_job, model, loss, dtype, d=24, V=40, n=3000, seed=5, sweep=0):
    """The vectors (2V, d) after one job of ``train_job`` on a Zipf corpus, and its totals
    (sweep 1: skip-gram a window at a time, as with 2+ workers)."""
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, V + 1)
    ids = rng.choice(V, size=n, p=p / p.sum()).astype(np.int32)
    starts = np.array([0, 1000, 1001, 2200, n], np.int64)
    counts = np.bincount(ids, minlength=V)
    tables = sampling_tables(keep_probabilities(counts, 0.01), negative_cum_table(counts),
                             build_huffman(counts), V)
    vectors = np.zeros((2 * V, d), dtype)
    vectors[:V] = (rng.random((V, d)) - 0.5) / d
    vectors[V:] = (rng.random((V, d)) - 0.5) / d   # non-zero outputs: every term counts
    settings = np.array([MODELS[model], LOSSES[loss], 4, 5, 0, len(starts) - 1, 1, sweep],
                        np.int64)
    args = (settings, vectors[:V], vectors[V:], ids, starts, tables, np.array([0.05, 1e-6]),
            kernel_args.job_seed(seed, 3), np.zeros(1, np.int64),
            np.zeros((0, 2 + 8 + 5), np.int64), np.zeros(0))
    assert kernel_args.built_for(args) == dtype  # the built function, not the JIT fallback
    totals = train_job(*args)
    return vectors, totals


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("model,loss,sweep", [(m, loss, 0) for m in sorted(MODELS)
                                              for loss in sorted(LOSSES)] +
                         [("skipgram", "neg", 1), ("skipgram", "hs", 1)])
def test_the_built_train_job_gives_the_jit_vectors_bit_for_bit(model, loss, sweep, dtype):
    built = compiled.load()
    assert type(built).__name__ == "module", "the kernels were not built ahead of time"
    ahead, ahead_totals = _job(getattr(built, "train_job_" + np.dtype(dtype).name), model,
                               loss, dtype, sweep=sweep)
    jit, jit_totals = _job(kernels.train_job, model, loss, dtype, sweep=sweep)
    start, _ = _job(lambda *args: None, model, loss, dtype, sweep=sweep)
    assert not np.array_equal(ahead, start)  # trained
    assert ahead_totals[2] > 1000 and np.array_equal(ahead_totals, jit_totals)
    assert np.array_equal(ahead, jit)


def test_the_build_is_named_by_every_module_the_kernels_are_compiled_from():
    # A module left out would leave a stale build in place after it changed: every
    # module of w2v that defines a numba function the kernels load must name it.
    code = ("import sys, w2v.training.kernels\n"
            "for n, m in list(sys.modules.items()):\n"
            "    if n.startswith('w2v.') and any(type(v).__module__.startswith('numba') and\n"
            "            getattr(v, '__module__', None) == n for v in vars(m).values()):\n"
            "        print(m.__file__)")
    compiled_from = {os.path.realpath(f) for f in subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
        check=True).stdout.split()}
    named = set(map(os.path.realpath, compiled.kernel_sources()))
    assert {os.path.basename(f) for f in compiled_from} >= {
        "kernels.py", "targets.py", "hot_rows.py", "window_sweep.py", "simd.py"}
    assert compiled_from <= named


def test_the_built_alias_table_is_the_jit_one():
    p = np.random.default_rng(2).random(1000) ** 3
    p /= p.sum()
    built, jit = compiled.load().alias_table(p), kernels.alias_table(p)
    assert built[1].dtype == np.int32
    assert np.array_equal(built[0], jit[0]) and np.array_equal(built[1], jit[1])


def test_arguments_not_of_a_built_type_go_to_the_jit():
    args = list(_job(lambda *a: a, "skipgram", "neg", np.float32)[1])
    assert kernel_args.built_for(tuple(args)) == np.float32
    args[1] = np.asfortranarray(args[1])  # read as C order, it would be the wrong rows
    assert kernel_args.built_for(tuple(args)) is None
    args[1] = args[2] = np.zeros((4, 3), np.float16)
    assert kernel_args.built_for(tuple(args)) is None


TRAIN = ("import atexit, runpy, sys\n"
         "atexit.register(lambda: print('numba loaded:', 'numba' in sys.modules))\n"
         "sys.argv = ['w2v', 'train', '--corpus', sys.argv[1], '--out', sys.argv[2],"
         " '--epochs', '1', '--dim', '8', '--min-count', '1', '--seed', '3',"
         " '--workers', '1'] + sys.argv[3:]\n"
         "runpy.run_module('w2v', run_name='__main__')\n")


def _train(tmp_path, name, env=None, corpus=None, options=()):
    corpus = corpus or _corpus(tmp_path)
    run = subprocess.Popen([sys.executable, "-c", TRAIN, str(corpus), str(tmp_path / name),
                            *options],
                           cwd=str(ROOT), env=dict(os.environ, **(env or {})), text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return run


def _finish(run):
    out, _ = run.communicate(timeout=900)
    assert run.returncode == 0, out
    return out


def _corpus(tmp_path):
    path = tmp_path / "corpus.txt"
    if not path.exists():
        rng = np.random.default_rng(1)
        words = ["w%d" % i for i in rng.zipf(1.5, 20000) % 300]
        path.write_text("\n".join(" ".join(words[i:i + 20]) for i in range(0, 20000, 20)))
    return path


@pytest.mark.parametrize("loss", ["neg", "hs"])   # hs: the Huffman merge is built too
def test_a_training_run_does_not_import_numba(tmp_path, loss):
    out = _finish(_train(tmp_path, "out", options=("--loss", loss)))
    assert out.splitlines()[-1] == "numba loaded: False", out
    assert "Compiling" not in out  # built by the session's fixture


@pytest.mark.slow
def test_processes_starting_together_build_once_and_a_damaged_build_is_rebuilt(tmp_path):
    kernel_dir = tmp_path / "kernels"
    env = {"W2V_KERNEL_DIR": str(kernel_dir)}
    runs = [_train(tmp_path, "out%d" % i, env, _corpus(tmp_path)) for i in range(3)]
    outs = [_finish(run) for run in runs]
    assert all(out.splitlines()[-1] == "numba loaded: False" for out in outs), outs
    assert sum("waiting for another process building" in out for out in outs) >= 1, outs
    names = sorted(os.listdir(kernel_dir))  # one module, its record, no scratch folder
    assert len(names) == 2 and names[1] == names[0] + ".built", names
    vectors = [np.load(tmp_path / ("out%d" % i) / "wordVectors.npy") for i in range(3)]
    assert all(np.array_equal(v, vectors[0]) for v in vectors)
    module = kernel_dir / names[0]
    module.write_bytes(module.read_bytes()[:1000])
    out = _finish(_train(tmp_path, "again", env))
    assert "note: the built kernels %s are truncated or damaged" % module in out, out
    assert out.splitlines()[-1] == "numba loaded: False"
    assert np.array_equal(np.load(tmp_path / "again" / "wordVectors.npy"), vectors[0])


@pytest.mark.slow
def test_without_a_compiler_the_run_falls_back_to_the_jit(tmp_path):
    env = {"W2V_KERNEL_DIR": str(tmp_path / "kernels"), "CC": "/nonexistent/cc"}
    out = _finish(_train(tmp_path, "jit", env))
    assert "could not build the kernels ahead of time" in out, out
    assert "compiling them just in time with numba instead" in out
    assert out.splitlines()[-1] == "numba loaded: True"
    built = _finish(_train(tmp_path, "built"))
    assert built.splitlines()[-1] == "numba loaded: False"
    assert np.array_equal(np.load(tmp_path / "jit" / "wordVectors.npy"),
                          np.load(tmp_path / "built" / "wordVectors.npy"))


def test_the_build_goes_to_the_user_cache_when_the_package_is_read_only(tmp_path, monkeypatch):
    from w2v.infra import aot
    blocked = tmp_path / "a file"
    blocked.write_text("")
    cache = tmp_path / "cache" / "w2v"
    assert aot._writable([str(blocked / "__pycache__"), str(cache)]) == str(cache)
    assert aot._writable([str(tmp_path / "new" / "__pycache__"), str(cache)]) == \
        str(tmp_path / "new" / "__pycache__")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert compiled._user_cache() == str(tmp_path / "xdg" / "w2v")
    monkeypatch.setenv("W2V_KERNEL_DIR", str(tmp_path / "mine"))
    assert compiled.KERNELS.folders() == [str(tmp_path / "mine")]
