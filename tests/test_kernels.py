"""The compiled kernels of the general trainer against the NumPy reference (word2vec.py).

Every pair step (skip-gram and CBOW x negative sampling, hierarchical softmax,
full softmax) must equal x - alpha * gradient of word2vec.py's functions on
the same draws: to 1e-12 in float64, within float32 rounding in float32. A
whole job must equal its traced pairs replayed through the NumPy functions,
and its random draws (window sizes, subsampling, negatives) must follow
their distributions (chi-square tests).
"""

import numpy as np
import pytest
from scipy import stats

import word2vec
from w2v.training import kernels
from w2v.training.corpus import keep_probabilities, negative_cum_table
from w2v.training.huffman import build_huffman
from w2v.training.trainer import alias_table, sampling_tables

LOSSES = {"neg": (kernels.NEG, word2vec.negSamplingLossAndGradient),
          "hs": (kernels.HS, word2vec.hierarchicalSoftmaxLossAndGradient),
          "softmax": (kernels.SOFTMAX, word2vec.naiveSoftmaxLossAndGradient)}
P_MIN = 1e-4          # chi-square tests fail below this p-value (fixed seeds: no flakes)


class Draws:
    """The NumPy reference's ``dataset``: given negatives in order, and the Huffman tree."""

    def __init__(self, negatives=(), tree=None):
        self.negatives = list(negatives)
        self.tree = tree

    def sampleTokenIdx(self):
        return self.negatives.pop(0)

    def huffman(self):
        return self.tree


def setup(V=12, d=7, seed=0, K=5):
    """Random vectors (2V, d) (output vectors too, so every gradient term shows), counts, tree."""
    rng = np.random.default_rng(seed)
    vectors = rng.normal(scale=0.5, size=(2 * V, d))
    counts = np.sort(rng.integers(1, 200, size=V))[::-1]
    return vectors, counts, build_huffman(counts)


def targets(loss, o, negatives, tree, K):
    """rows, signs, n as kernels.fill_targets makes them, from the given draws."""
    width = max(K + 1, tree.codes.shape[1])
    rows, signs = np.zeros(width, np.int64), np.zeros(width)
    if loss == "neg":
        rows[:K + 1], signs[:K + 1] = [o] + list(negatives), [1.0] + [-1.0] * K
        return rows, signs, K + 1
    if loss == "hs":
        codes, points = tree.path(o)
        rows[:len(points)], signs[:len(points)] = points, 1.0 - 2.0 * codes
        return rows, signs, len(points)
    return rows, signs, 0


def reference_step(model, loss, vectors, inputs, o, negatives, tree, alpha):
    """(loss, new vectors) of one SGD step through word2vec.py's skipgram / cbow.

    inputs -- the input words (skip-gram: the one word whose v predicts o)
    o -- the target word (the window's centre in the kernels)
    """
    V = vectors.shape[0] // 2
    words = ["w%d" % i for i in range(V)]
    word2Ind = {w: i for i, w in enumerate(words)}
    lossfn = LOSSES[loss][1]
    if loss == "neg":
        K = len(negatives)
        lossfn = lambda *a: word2vec.negSamplingLossAndGradient(*a, K=K)  # noqa: E731
    dataset = Draws(negatives, tree)
    if model == "skipgram":   # the centre inputs[0] predicts o
        J, g_in, g_out = word2vec.skipgram(words[inputs[0]], 1, [words[o]], word2Ind,
                                           vectors[:V], vectors[V:], dataset, lossfn)
    else:                     # the context inputs predicts the centre o
        J, g_in, g_out = word2vec.cbow(words[o], 1, [words[i] for i in inputs], word2Ind,
                                       vectors[:V], vectors[V:], dataset, lossfn)
    # CBOW moves each context vector by -alpha dJ/dv_hat, as word2vec C does: m times
    # the gradient step (see kernels.cbow_pair).
    m = len(inputs) if model == "cbow" else 1
    return J, vectors - alpha * np.concatenate((m * g_in, g_out))


def kernel_step(model, loss, vectors, inputs, o, negatives, tree, alpha):
    """(loss, new vectors) of the same step by the compiled kernel, on a copy."""
    out = vectors.copy()
    V, d = out.shape[0] // 2, out.shape[1]
    K = len(negatives)
    rows, signs, n = targets(loss, o, negatives, tree, K)
    g = np.zeros(V if loss == "softmax" else len(rows), out.dtype)
    H, E = np.zeros((1, d), out.dtype), np.zeros((1, d), out.dtype)
    kind = LOSSES[loss][0]
    if model == "skipgram":
        J = kernels.skipgram_pair(kind, out[:V], out[V:], inputs[0], o, rows, signs, n,
                                  alpha, E, g, True)
    else:
        context = np.array(inputs, np.int64)
        J = kernels.cbow_pair(kind, out[:V], out[V:], context, len(context), o, rows, signs,
                              n, alpha, H, E, g, True)
    return J, out


CASES = [("skipgram", [3]), ("cbow", [3, 7, 3, 1])]   # CBOW: a context word twice


@pytest.mark.parametrize("loss", sorted(LOSSES))
@pytest.mark.parametrize("model,inputs", CASES)
def test_pair_step_equals_numpy_float64(model, inputs, loss):
    vectors, _, tree = setup()
    negatives = [5, 1, 5, 10, 2]           # 5 drawn twice: both terms count
    for o in (0, 4, 11):                   # frequent and rare targets: short and long paths
        J_ref, expected = reference_step(model, loss, vectors, inputs, o, negatives, tree,
                                         0.05)
        J, got = kernel_step(model, loss, vectors, inputs, o, negatives, tree, 0.05)
        assert abs(J - J_ref) <= 1e-12 * max(1.0, abs(J_ref))
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
        assert not np.array_equal(got, vectors)     # the step did move something


@pytest.mark.parametrize("loss", sorted(LOSSES))
@pytest.mark.parametrize("model,inputs", CASES)
def test_pair_step_equals_numpy_float32(model, inputs, loss):
    vectors, _, tree = setup(seed=1)
    vectors = vectors.astype(np.float32).astype(np.float64)   # the same start for both
    negatives = [1, 9, 1, 6, 4]
    J_ref, expected = reference_step(model, loss, vectors, inputs, 2, negatives, tree, 0.05)
    J, got = kernel_step(model, loss, vectors.astype(np.float32), inputs, 2, negatives,
                         tree, 0.05)
    assert got.dtype == np.float32
    assert abs(J - J_ref) <= 1e-5 * max(1.0, abs(J_ref))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    # The change itself is right, not just the unchanged bulk.
    np.testing.assert_allclose(got - vectors, expected - vectors, rtol=1e-3, atol=1e-6)


# ---- whole jobs -----------------------------------------------------------------

def job(model, loss, ids, starts, vectors, tables, window=3, K=4, alpha=(0.03, 1e-6),
        seed=7, trace_rows=100000, loss_every=1, sweep=0):
    """Run kernels.train_job in place; returns (totals, trace, trace_alpha).

    sweep 1: skip-gram a window at a time (w2v.training.window_sweep)."""
    V = vectors.shape[0] // 2
    trace = np.full((trace_rows, 2 + 2 * window + K), -1, np.int64)
    trace_alpha = np.zeros(trace_rows)
    settings = np.array([kernels.SKIPGRAM if model == "skipgram" else kernels.CBOW,
                         LOSSES[loss][0], window, K, 0, len(starts) - 1, loss_every, sweep],
                        np.int64)
    totals = kernels.train_job(settings, vectors[:V], vectors[V:], ids, starts, tables,
                               np.array(alpha), kernels.job_seed(seed, 0),
                               np.zeros(1, np.int64), trace, trace_alpha)
    return totals, trace, trace_alpha


def small_corpus(V=12, n=600, seed=3):
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, V + 1)
    ids = rng.choice(V, size=n, p=p / p.sum()).astype(np.int32)
    starts = np.array([0, 250, 251, 420, n], np.int64)    # a one-word piece too
    counts = np.bincount(ids, minlength=V)
    return ids, starts, counts


@pytest.mark.parametrize("loss,sweep", [(loss, 0) for loss in sorted(LOSSES)] +
                         [("hs", 1), ("neg", 1)])
@pytest.mark.parametrize("model", ["skipgram", "cbow"])
def test_job_equals_its_pairs_replayed_through_numpy(model, loss, sweep):
    ids, starts, counts = small_corpus()
    V, K, window = len(counts), 4, 3
    vectors, _, _ = setup(V=V, d=6, seed=2)
    tree = build_huffman(counts)
    tables = sampling_tables(keep_probabilities(counts, 0.05),
                             negative_cum_table(counts, 0.75), tree, V)
    trained = vectors.copy()
    totals, trace, trace_alpha = job(model, loss, ids, starts, trained, tables, window, K,
                                     sweep=sweep)
    pairs = int(totals[2])
    assert 0 < pairs <= len(trace) and totals[3] < len(ids)   # subsampling dropped words
    replayed, J_sum = vectors.copy(), 0.0
    for row, alpha in zip(trace[:pairs], trace_alpha[:pairs]):
        o, m = int(row[0]), int(row[1])
        negatives = [int(w) for w in row[-K:]] if loss == "neg" else []
        J, replayed = reference_step(model, loss, replayed, [int(w) for w in row[2:2 + m]],
                                     o, negatives, tree, alpha)
        J_sum += J
    np.testing.assert_allclose(trained, replayed, rtol=0, atol=1e-10)
    assert totals[1] == pairs and abs(totals[0] - J_sum) <= 1e-9 * J_sum
    if loss == "neg":
        negs = trace[:pairs, -K:]
        assert np.all(negs != trace[:pairs, :1])    # never the target itself
        shared = model == "skipgram" and sweep == 1  # one draw per window, not per pair
        assert (len({tuple(r) for r in negs}) < 0.5 * pairs) == shared


def test_job_alpha_schedule_and_determinism():
    ids, starts, counts = small_corpus()
    V = len(counts)
    vectors, _, _ = setup(V=V, d=6, seed=2)
    tables = sampling_tables(np.ones(V), negative_cum_table(counts), None, V)
    a = vectors.copy()
    totals, _, trace_alpha = job("skipgram", "neg", ids, starts, a, tables, alpha=(0.03, 1e-5))
    # alpha is constant within a piece, 0.03 - 1e-5 * (words before the piece)
    expected = {0.03 - 1e-5 * s for s in starts[:-1]}
    assert set(np.round(trace_alpha[:int(totals[2])], 15)) <= {round(x, 15) for x in expected}
    b = vectors.copy()
    assert np.array_equal(job("skipgram", "neg", ids, starts, b, tables,
                              alpha=(0.03, 1e-5))[0], totals)
    assert np.array_equal(a, b)                       # same seed: bit for bit
    c = vectors.copy()
    job("skipgram", "neg", ids, starts, c, tables, alpha=(0.03, 1e-5), seed=8)
    assert not np.array_equal(a, c)                   # another job seed: other draws


def test_window_sizes_are_uniform_and_windows_contiguous():
    """Distinct words 0..n-1 in order: a pair (o, c) sits |o - c| apart."""
    n, window = 4000, 5
    ids = np.arange(n, dtype=np.int32)
    starts = np.array([0, n], np.int64)
    vectors = np.zeros((2 * n, 2))
    tables = sampling_tables(np.ones(n), negative_cum_table(np.ones(n)), None, n)
    totals, trace, _ = job("skipgram", "neg", ids, starts, vectors, tables, window=window,
                           K=1, trace_rows=12 * n)
    rows = trace[:int(totals[2])]
    centre, outside = rows[:, 0], rows[:, 2]          # outside words predict the centre
    sizes = []
    for c in range(window, n - window):              # windows not clipped by the ends
        seen = np.sort(outside[centre == c] - c)
        b = seen[-1]
        assert np.array_equal(seen, np.concatenate((np.arange(-b, 0), np.arange(1, b + 1))))
        sizes.append(b)
    observed = np.bincount(sizes, minlength=window + 1)[1:]
    assert len(observed) == window
    assert stats.chisquare(observed).pvalue > P_MIN


def test_subsampling_keeps_words_with_their_probability():
    keep = np.array([1.0, 0.5, 0.1, 0.9, 0.0])
    reps = 20000
    ids = np.repeat(np.arange(len(keep), dtype=np.int32), reps)
    out = np.zeros_like(ids)
    state, n = kernels.subsample(ids, keep, out, kernels.job_seed(5, 1))
    kept = np.bincount(out[:n], minlength=len(keep))
    assert kept[0] == reps and kept[4] == 0
    for w in (1, 2, 3):
        assert stats.binomtest(int(kept[w]), reps, keep[w]).pvalue > P_MIN


def test_alias_table_is_exactly_the_distribution():
    counts = np.array([5000, 700, 700, 31, 8, 1, 1, 0, 120])
    table = negative_cum_table(counts, 0.75)
    p = np.diff(table.astype(np.float64), prepend=0.0) / table[-1]
    accept, alias = alias_table(p)
    V = len(p)
    rebuilt = accept / V
    np.add.at(rebuilt, alias, (1.0 - accept) / V)
    np.testing.assert_allclose(rebuilt, p, rtol=0, atol=1e-12)
    # Drawn through the kernels' generator: chi-square against p (word 7 never).
    state, draws = kernels.job_seed(1, 2), np.zeros(V, np.int64)
    for _ in range(60000):
        state, w = kernels.draw_word(state, accept, alias)
        state = np.uint64(state)        # Python ints would type the next call as int64
        draws[w] += 1
    assert draws[7] == 0
    used = p > 0
    assert stats.chisquare(draws[used], p[used] * draws.sum()).pvalue > P_MIN


def test_negatives_follow_the_unigram_power_distribution():
    counts = np.array([900, 400, 100, 50, 20, 5])
    table = negative_cum_table(counts, 0.75)
    tables = sampling_tables(np.ones(6), table, None, 6)
    rows, signs = np.zeros(11, np.int64), np.zeros(11)
    state, draws = kernels.job_seed(3, 4), np.zeros(6, np.int64)
    ring = np.zeros((kernels.NEG_AHEAD, 10), np.int64)
    state = kernels.fill_ring(ring, state, tables[1], tables[2])
    for turn in range(8000):
        state, n = kernels.fill_targets(kernels.NEG, 0, 10, state, tables[1], tables[2],
                                        tables[3], tables[4], tables[5], rows, signs,
                                        ring, turn % kernels.NEG_AHEAD)
        state = np.uint64(state)
        assert n == 11 and rows[0] == 0 and np.all(rows[1:] != 0)
        np.add.at(draws, rows[1:], 1)
    p = counts[1:] ** 0.75 / np.sum(counts[1:] ** 0.75)    # o = 0 redrawn: excluded
    assert stats.chisquare(draws[1:], p * draws[1:].sum()).pvalue > P_MIN


def test_random_generator_ranges_and_job_seeds():
    state = kernels.job_seed(0, 0)
    values = []
    for _ in range(20000):
        state, r = kernels.rand_below(state, 7)
        state = np.uint64(state)
        values.append(r)
    counts = np.bincount(values)
    assert len(counts) == 7 and stats.chisquare(counts).pvalue > P_MIN
    state, u = kernels.rand_unit(state)
    assert 0.0 <= u < 1.0
    seeds = {int(kernels.job_seed(s, j)) for s in range(3) for j in range(100)}
    assert len(seeds) == 300
