"""batched.py: the batched engine equals the per-pair code, samples by the definitions,
and the fast exact path follows the assignment's stream bit for bit."""

import random

import numpy as np
import pytest
from scipy import stats

from engines.batched import BatchedSkipgram, SubsampledCorpus
from engines.exact import ExactSkipgram
from sgd import sgd
from utils.gradcheck import gradcheck_naive
from utils.treebank import StanfordSentiment
from word2vec import negSamplingLossAndGradient, skipgram, word2vec_sgd_wrapper


@pytest.fixture
def dataset(treebank_dir):
    return StanfordSentiment(str(treebank_dir), tablesize=10000)


def _vectors(V, d=5, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(scale=0.5, size=(2 * V, d))


class Replay:
    """A dataset whose sampleTokenIdx() replays given negatives."""

    def __init__(self, negatives):
        self.negatives = list(negatives)

    def sampleTokenIdx(self):
        return self.negatives.pop(0)


@pytest.mark.parametrize("iteration", [0, 7, 63])
def test_batched_equals_skipgram_on_the_same_draws(dataset, iteration):
    eng = BatchedSkipgram(dataset, window=3, K=4, seed=5, chunk_iterations=32, dim=5)
    V = eng.V
    words = list(dataset.tokens())
    x = _vectors(V)
    windows, centers, targets = eng.pairs(iteration)
    eng.iteration = iteration
    loss, grad = eng(x)

    exp_loss, exp_grad = 0.0, np.zeros_like(x)
    for w in np.unique(windows):
        sel = windows == w
        assert len(set(centers[sel])) == 1  # one centre per window
        replay = Replay(targets[sel, 1:].ravel())
        l, gin, gout = skipgram(words[centers[sel][0]], 3, [words[o] for o in targets[sel, 0]],
                                dataset.tokens(), x[:V], x[V:], replay,
                                lambda *a: negSamplingLossAndGradient(*a, K=4))
        exp_loss += l / 50
        exp_grad[:V] += gin / 50
        exp_grad[V:] += gout / 50
    assert len(np.unique(windows)) == 50
    assert loss == pytest.approx(exp_loss, abs=1e-10)
    assert len(np.unique(grad.rows)) == len(grad.rows)
    dense = grad.toarray(x.shape)
    assert np.max(np.abs(dense - exp_grad)) < 1e-10
    assert set(np.flatnonzero(np.any(exp_grad != 0, axis=1))) <= set(grad.rows)


def test_batched_gradcheck(dataset, capsys):
    eng = BatchedSkipgram(dataset, window=2, K=3, seed=1, chunk_iterations=4, dim=3)
    x = _vectors(eng.V, d=3, seed=2)

    def f(v):
        eng.iteration = 2  # the same pairs at every evaluation
        loss, grad = eng(v)
        return loss, grad.toarray(v.shape)

    assert gradcheck_naive(f, x, "batched skip-gram")


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


def test_subsampled_corpus_matches_the_definition(dataset):
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


def _train(dataset, iterations, seed=7):
    np.random.seed(0)
    eng = BatchedSkipgram(dataset, window=3, K=5, seed=seed, chunk_iterations=16, dim=4)
    x = np.concatenate(((np.random.rand(eng.V, 4) - 0.5) / 4, np.zeros((eng.V, 4))))
    return sgd(eng, x, 0.3, iterations, PRINT_EVERY=10 ** 9)


def test_same_seed_same_vectors(dataset):
    a = _train(dataset, 50)
    b = _train(dataset, 50)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, _train(dataset, 50, seed=8))


def test_exact_path_is_bit_identical_to_the_wrapper(treebank_dir):
    def run(make_f):
        ds = StanfordSentiment(str(treebank_dir), tablesize=10000)
        random.seed(31415)
        np.random.seed(9265)
        V = len(ds.tokens())
        x = np.concatenate(((np.random.rand(V, 4) - 0.5) / 4, np.zeros((V, 4))))
        losses = []

        f = make_f(ds)

        def logged(v):
            loss, grad = f(v)
            losses.append(loss)
            return loss, grad

        return sgd(logged, x, 0.3, 60, PRINT_EVERY=10 ** 9), losses

    ref, ref_losses = run(lambda ds: lambda v: word2vec_sgd_wrapper(
        skipgram, ds.tokens(), v, ds, 5, negSamplingLossAndGradient))
    fast, fast_losses = run(lambda ds: ExactSkipgram(ds, window=5, K=10))
    assert fast_losses == ref_losses
    assert np.array_equal(fast, ref)
