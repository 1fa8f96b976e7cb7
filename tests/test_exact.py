"""engines/exact.py: the --exact path is the assignment's own code, draw for draw."""

import random

import numpy as np
import pytest

from engines.exact import ExactSkipgram, PerWindow, sum_by_key
from sgd import sgd
from tests.engine_check import assert_matches_skipgram
from utils.treebank import StanfordSentiment
from word2vec import (
    cbow,
    naiveSoftmaxLossAndGradient,
    negSamplingLossAndGradient,
    skipgram,
    word2vec_sgd_wrapper,
)


def _start(ds, d=4):
    random.seed(31415)
    np.random.seed(9265)
    V = len(ds.tokens())
    return np.concatenate(((np.random.rand(V, d) - 0.5) / d, np.zeros((V, d))))


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



class Recorder:
    """Records the windows and negatives a run draws from ``ds``: the engine's draws."""

    def __init__(self, ds, monkeypatch):
        self.windows, tokens = [], ds.tokens()
        real_context, real_sample = ds.getRandomContext, ds.sampleTokenIdx

        def context(C):
            centre, words = real_context(C)
            self.windows.append((tokens[centre], [tokens[w] for w in words], []))
            return centre, words

        def sample():
            idx = real_sample()
            self.windows[-1][2].append(idx)
            return idx

        monkeypatch.setattr(ds, "getRandomContext", context)
        monkeypatch.setattr(ds, "sampleTokenIdx", sample)


def _accepted(draws, outsides, K):
    """(m, K): the negatives each outside word kept (a draw equal to it is redrawn)."""
    draws, kept = list(draws), []
    for o in outsides:
        row = []
        while len(row) < K:
            idx = draws.pop(0)
            if idx != o:
                row.append(idx)
        kept.append(row)
    assert not draws
    return np.array(kept).reshape(len(outsides), K)


@pytest.mark.parametrize("K", [1, 10])
def test_exact_engine_matches_skipgram_on_the_same_draws(dataset, monkeypatch, K):
    x = _start(dataset)
    x[len(dataset.tokens()):] = np.random.default_rng(1).normal(size=x[:len(x) // 2].shape)
    engine = ExactSkipgram(dataset, window=5, K=K)
    recorder = Recorder(dataset, monkeypatch)
    loss, grad = engine(x)
    windows = [(c, np.array(o), _accepted(draws, o, K)) for c, o, draws in recorder.windows]
    words = [w for w, _ in sorted(dataset.tokens().items(), key=lambda kv: kv[1])]
    assert_matches_skipgram(loss, grad.toarray(x.shape), x, windows, words, K)


def test_sum_by_key_adds_in_input_order():
    keys = np.array([3, 1, 3, 3, 1])
    values = np.array([[1e16], [1.0], [1.0], [-1e16], [2.0]])
    distinct, sums = sum_by_key(keys, values)
    assert distinct.tolist() == [1, 3]
    acc = 0.0
    for v in (1e16, 1.0, -1e16):  # the loop it must round like
        acc += v
    assert sums[:, 0].tolist() == [3.0, acc]


@pytest.mark.parametrize("model,loss,lossfn", [
    ("cbow", "neg", negSamplingLossAndGradient),
    ("skipgram", "softmax", naiveSoftmaxLossAndGradient)])
def test_per_window_path_is_the_wrapper(dataset, model, loss, lossfn):
    x = _start(dataset)
    engine = PerWindow(dataset, window=3, K=4, model=model, loss=loss)
    dataset.allSentences()  # built on first use, from the random stream: build it first
    dataset.sampleTable()
    state = random.getstate()
    got_loss, got_grad = engine(x)
    random.setstate(state)
    modelfn = {"cbow": cbow, "skipgram": skipgram}[model]
    fn = (lambda *a: lossfn(*a, K=4)) if loss == "neg" else lossfn
    ref_loss, ref_grad = word2vec_sgd_wrapper(modelfn, dataset.tokens(), x, dataset, 3, fn)
    assert got_loss == ref_loss and np.array_equal(got_grad, ref_grad)
