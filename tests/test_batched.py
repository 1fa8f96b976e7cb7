"""engines/batched.py: the batched engine equals skipgram on the same draws (its compiled
kernels, ahead-of-time and just-in-time, float64 and float32), samples exactly as the
NumPy definitions do, and resumes exactly; the fast exact path follows the assignment's
stream bit for bit."""

import dataclasses
import os
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

from engines import compiled
from engines.batched import BatchedSkipgram, Chunk, KernelGrad, SubsampledCorpus
from sgd import RowSparseGrad, apply_update, sgd
from tests.conftest import ROOT
from tests.engine_check import assert_matches_skipgram, windows_of_pairs
from utils.gradcheck import gradcheck_naive
from utils.treebank import CORPUS_COPIES


def _vectors(V, d=5, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return rng.normal(scale=0.5, size=(2 * V, d)).astype(dtype)


# ---- the kernels against the NumPy reference ------------------------------------

@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("iteration", [0, 7, 63])
def test_batched_equals_skipgram_on_the_same_draws(dataset, kernels, iteration, dtype):
    eng = BatchedSkipgram(dataset, window=3, K=4, seed=5, chunk_iterations=32, dim=5,
                          kernels=kernels)
    x = _vectors(eng.V, dtype=dtype)
    window_ids, centers, targets = eng.pairs(iteration)
    eng.iteration = iteration
    loss, grad = eng(x)
    windows = windows_of_pairs(window_ids, centers, targets)
    assert len(windows) == 50
    assert len(np.unique(grad.rows)) == len(grad.rows) and grad.values.dtype == np.float64
    assert_matches_skipgram(loss, grad.toarray(x.shape), x, windows, list(dataset.tokens()),
                            K=4)


def test_assign_slots_gives_each_row_of_an_iteration_one_slot(dataset, kernels):
    eng = BatchedSkipgram(dataset, window=3, K=4, seed=5, chunk_iterations=6, dim=5,
                          kernels=kernels)
    chunk = eng.sample_chunk(1)
    assert chunk.slots.shape == (chunk.targets.shape[0], 6) and chunk.row_bounds[0] == 0
    for j in range(6):
        seen = []  # the rows in order of first use, as the slots should number them
        for p in range(chunk.pair_bounds[j], chunk.pair_bounds[j + 1]):
            used = [eng.V + w for w in chunk.targets[p]] + [chunk.centers[p]]
            for row, slot in zip(used, chunk.slots[p]):
                if row not in seen:
                    seen.append(row)
                assert slot == seen.index(row)
        assert chunk.rows[chunk.row_bounds[j]:chunk.row_bounds[j + 1]].tolist() == seen


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_update_kernel_is_apply_update_bit_for_bit(dataset, kernels, dtype):
    eng = BatchedSkipgram(dataset, window=3, K=4, seed=5, chunk_iterations=8, dim=5,
                          kernels=kernels)
    x = _vectors(eng.V, dtype=dtype)
    _, grad = eng(x)
    assert isinstance(grad, KernelGrad) and isinstance(grad, RowSparseGrad)
    expected = apply_update(x.copy(), RowSparseGrad(grad.rows, grad.values), 0.3)
    got = grad.apply(x, 0.3)
    assert got is x and got.dtype == dtype
    assert np.array_equal(got, expected)
    # Parameters the kernel was not built for get the NumPy update, not a crash.
    other = x.astype(np.float32 if dtype == np.float64 else np.float64)
    expected = apply_update(other.copy(), RowSparseGrad(grad.rows, grad.values), 0.3)
    assert np.array_equal(grad.apply(other, 0.3), expected)
    fortran = np.asfortranarray(x)
    expected = apply_update(x.copy(), RowSparseGrad(grad.rows, grad.values), 0.3)
    assert np.array_equal(grad.apply(fortran, 0.3), expected)


def test_batched_gradcheck(dataset, capsys):
    eng = BatchedSkipgram(dataset, window=2, K=3, seed=1, chunk_iterations=4, dim=3)
    x = _vectors(eng.V, d=3, seed=2)

    def f(v):
        eng.iteration = 2  # the same pairs at every evaluation
        loss, grad = eng(v)
        return loss, grad.toarray(v.shape)

    assert gradcheck_naive(f, x, "batched skip-gram")


def test_extreme_scores_stay_finite(dataset):
    eng = BatchedSkipgram(dataset, window=3, K=4, seed=5, chunk_iterations=8, dim=5)
    x = _vectors(eng.V) * 1e4  # scores around 1e8: e^-z would overflow without care
    with np.errstate(all="raise"):
        loss, grad = eng(x)
    assert np.isfinite(loss) and loss > 1e6 and np.all(np.isfinite(grad.values))


def test_bad_parameters_are_clear_errors(dataset):
    eng = BatchedSkipgram(dataset, window=3, K=4, seed=5, chunk_iterations=8, dim=5)
    x = _vectors(eng.V)
    with pytest.raises(ValueError, match=r"shape \(2V, d\)"):
        eng(x[:, :4])
    with pytest.raises(ValueError, match="float64 or float32"):
        eng(x.astype(np.float16))
    with pytest.raises(ValueError, match="ascontiguousarray"):
        eng(np.asfortranarray(x))
    assert eng.iteration == 0  # a refused call does not advance


# ---- sampling: the compiled layout equals the NumPy definitions ------------------

def numpy_windows(corpus, C, rng, n, rounds):
    """getRandomContext's windows, vectorised in plain NumPy (the definition).

    rounds -- a list that receives the number of windows drawn in each round
    """
    ids, starts, lengths = (a.astype(np.int64) for a in (corpus.ids, corpus.starts,
                                                         corpus.lengths))
    sizes = rng.integers(1, C + 1, size=n)
    offsets = np.concatenate((np.arange(-C, 0), np.arange(1, C + 1)))
    centers = np.empty(n, dtype=np.int64)
    context = np.empty((n, 2 * C), dtype=np.int64)
    valid = np.zeros((n, 2 * C), dtype=bool)
    todo = np.arange(n)
    while todo.size:
        rounds.append(todo.size)
        sent = rng.integers(0, len(lengths), size=todo.size)
        length = lengths[sent]
        pos = rng.integers(0, length)
        where = pos[:, None] + offsets
        inside = (np.abs(offsets) <= sizes[todo, None]) & (where >= 0) & (where < length[:, None])
        words = ids[starts[sent, None] + np.clip(where, 0, length[:, None] - 1)]
        center = ids[starts[sent] + pos]
        ok = inside & (words != center[:, None])
        centers[todo], context[todo], valid[todo] = center, words, ok
        todo = todo[~ok.any(axis=1)]  # no context left: draw those windows again
    return sizes, centers, valid, context


def numpy_negatives(table, K, rng, outsides, rounds):
    """(P, K) negatives from the table, each redrawn while it equals its outside word."""
    negs = table[rng.integers(0, table.shape[0], size=(outsides.shape[0], K))]
    clash = negs == outsides[:, None]
    while clash.any():
        rounds.append(int(clash.sum()))
        negs[clash] = table[rng.integers(0, table.shape[0], size=int(clash.sum()))]
        clash = negs == outsides[:, None]
    return negs


@pytest.mark.parametrize("index", [0, 1, 5])
def test_chunk_equals_the_numpy_definition(dataset, kernels, index):
    eng = BatchedSkipgram(dataset, window=4, K=6, seed=11, chunk_iterations=40,
                          kernels=kernels)
    chunk = eng.sample_chunk(index)
    rng = eng._rng(1, index)
    window_rounds, negative_rounds = [], []
    sizes, centers, valid, context = numpy_windows(eng.corpus, 4, rng, 40 * 50, window_rounds)
    win, slot = np.nonzero(valid)
    negatives = numpy_negatives(eng.table.astype(np.int64), 6, rng, context[win, slot],
                                negative_rounds)
    assert np.array_equal(chunk.windows, win) and np.array_equal(chunk.centers, centers[win])
    assert np.array_equal(chunk.targets, np.column_stack((context[win, slot], negatives)))
    assert np.array_equal(chunk.pair_bounds, np.searchsorted(win, np.arange(41) * 50))
    assert chunk.start == 40 * index
    # The small vocabulary makes both kinds of redraw happen: both are checked.
    assert len(window_rounds) > 1 and len(negative_rounds) > 1


def test_window_sizes_are_uniform(dataset):
    eng = BatchedSkipgram(dataset, window=5, seed=3)
    sizes, centers, valid, context = eng.sample_windows(np.random.default_rng(0), 20000)
    counts = np.bincount(sizes, minlength=6)[1:]
    assert stats.chisquare(counts).pvalue > 1e-3
    # No context word equals its centre, and every window has context.
    assert not np.any(valid & (context == centers[:, None]))
    assert np.all(valid.any(axis=1))
    # A word at distance k only appears in windows of size >= k.
    offsets = np.concatenate((np.arange(-5, 0), np.arange(1, 6)))
    assert np.all(np.abs(offsets)[None, :] * valid <= sizes[:, None])


def test_negatives_follow_count_power(dataset):
    eng = BatchedSkipgram(dataset, window=5, seed=3)
    o = 0
    negs = eng.sample_negatives(np.random.default_rng(1), np.full(20000, o))
    assert not np.any(negs == o)
    p = dataset.sampling_probabilities().copy()
    p[o] = 0
    p /= p.sum()
    observed = np.bincount(negs.ravel(), minlength=eng.V)
    expected = p * negs.size
    keep = expected > 5
    chi = stats.chisquare(observed[keep], expected[keep] * observed[keep].sum()
                          / expected[keep].sum())
    assert chi.pvalue > 1e-3


def test_a_table_of_one_word_is_an_error_not_a_loop(dataset, monkeypatch):
    monkeypatch.setattr("engines.batched.MAX_REDRAWS", 20)
    eng = BatchedSkipgram(dataset, window=5, K=3, seed=3)
    eng.table[:] = 7  # every negative drawn is word 7
    assert np.all(eng.sample_negatives(np.random.default_rng(0), np.full(5, 2)) == 7)
    with pytest.raises(ValueError, match="outside word 7 20 times in a row"):
        eng.sample_negatives(np.random.default_rng(0), np.array([2, 7, 2]))


def numpy_corpus(dataset, rng):
    """allSentences() as flat arrays, by its definition: 30 copies laid end to end."""
    tokens = dataset.tokens()
    kept = []
    for sentence in [s for _ in range(CORPUS_COPIES) for s in dataset.sentences()]:
        ids = np.array([tokens[w] for w in sentence], dtype=np.int64)
        reject = dataset.rejectProb()[ids]
        ids = ids[(reject <= 0) | (rng.random(ids.shape[0]) >= reject)]
        if ids.shape[0] > 1:
            kept.append(ids)
    return kept


def test_subsampled_corpus_is_the_definition(dataset, kernels):
    corpus = SubsampledCorpus(dataset, np.random.default_rng(4), kernels=kernels)
    kept = numpy_corpus(dataset, np.random.default_rng(4))
    assert corpus.ids.dtype == np.int32
    assert np.array_equal(corpus.lengths, [len(s) for s in kept])
    assert np.array_equal(corpus.ids, np.concatenate(kept))
    assert np.array_equal(corpus.starts, np.cumsum([0] + [len(s) for s in kept])[:-1])


def test_subsampled_corpus_keeps_words_at_the_right_rate(dataset):
    corpus = SubsampledCorpus(dataset, np.random.default_rng(0))
    assert np.all(corpus.lengths >= 2)
    assert corpus.ids.shape[0] == corpus.lengths.sum()
    # The kept fraction of each word follows 1 - rejectProb.
    counts = dataset.token_counts()
    kept = np.bincount(corpus.ids, minlength=len(counts))
    expected = 30 * counts * (1 - dataset.rejectProb())
    big = expected > 200
    assert np.all(np.abs(kept[big] - expected[big]) < 6 * np.sqrt(expected[big]) + 0.1
                  * expected[big])


def test_chunk_is_a_frozen_record(dataset):
    eng = BatchedSkipgram(dataset, window=3, K=4, seed=5, chunk_iterations=8)
    chunk = eng.sample_chunk(0)
    assert [f.name for f in dataclasses.fields(Chunk)] == [
        "start", "pair_bounds", "centers", "windows", "targets", "slots", "rows",
        "row_bounds"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        chunk.start = 3


# ---- training: reproducible, resumable mid-chunk ----------------------------------

def _train(dataset, iterations, seed=7, state=None, x=None):
    np.random.seed(0)
    eng = BatchedSkipgram(dataset, window=3, K=5, seed=seed, chunk_iterations=16, dim=4)
    if x is None:
        x = np.concatenate(((np.random.rand(eng.V, 4) - 0.5) / 4, np.zeros((eng.V, 4))))
    if state is not None:
        eng.set_state(state)
    losses = []

    def f(v):
        loss, grad = eng(v)
        losses.append(loss)
        return loss, grad

    return sgd(f, x, 0.3, iterations - eng.iteration, PRINT_EVERY=10 ** 9), losses, eng


def test_same_seed_same_vectors(dataset):
    a = _train(dataset, 50)[0]
    b = _train(dataset, 50)[0]
    assert np.array_equal(a, b)
    assert not np.array_equal(a, _train(dataset, 50, seed=8)[0])


def test_resume_mid_chunk_is_exact(dataset):
    straight, losses, _ = _train(dataset, 60)
    half, first, eng = _train(dataset, 37)  # 37: inside the third 16-iteration chunk
    state = eng.get_state()
    assert state == {"iteration": 37, "seed": 7}
    resumed, rest, _ = _train(dataset, 60, state=state, x=half)
    assert first + rest == losses
    assert np.array_equal(resumed, straight)
    with pytest.raises(ValueError, match="seed 8"):
        eng.set_state({"iteration": 3, "seed": 8})


# ---- the compiled module: built once, then loaded without numba ---------------------

@pytest.mark.slow
def test_kernels_build_once_then_load_without_numba(tmp_path):
    env = dict(os.environ, W2V_KERNEL_DIR=str(tmp_path))
    code = ("import sys; sys.path.insert(0, %r); from engines import compiled;"
            " k = compiled.load(); print(k.__name__, 'numba' in sys.modules)" % str(ROOT))

    def run():
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env=env, timeout=600)

    first, second = run(), run()
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert "compiling the kernel (once)" in first.stderr
    assert second.stderr == ""
    name = compiled.module_name()
    assert second.stdout.split() == [name, "False"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [  # the module and its record
        name + compiled.SUFFIX, name + compiled.SUFFIX + compiled.RECORD]


@pytest.mark.slow
def test_kernels_fall_back_to_numba_jit_when_they_cannot_be_built(tmp_path):
    blocked = tmp_path / "a file, not a folder"
    blocked.write_text("")
    env = dict(os.environ, W2V_KERNEL_DIR=str(blocked / "kernels"))
    code = ("import sys; sys.path.insert(0, %r); from engines import compiled;"
            " k = compiled.load(); print(type(k).__name__)" % str(ROOT))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                       timeout=600)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "SimpleNamespace"
    assert "cannot write the kernels" in r.stderr and "just in time" in r.stderr


def test_has_pairs_needs_two_different_words_side_by_side(dataset):
    corpus = BatchedSkipgram(dataset).corpus
    assert corpus.has_pairs()  # the fixture corpus
    # Two sentences "3 3" and "4 4": different words, but never side by side.
    corpus.ids = np.array([3, 3, 4, 4], dtype=np.int32)
    corpus.lengths = np.array([2, 2], dtype=np.int32)
    corpus.starts = np.array([0, 2], dtype=np.int32)
    assert not corpus.has_pairs()
    corpus.ids = np.array([3, 3, 4, 3], dtype=np.int32)
    assert corpus.has_pairs()
