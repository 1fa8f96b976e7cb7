"""word2vec.py: the published numbers, gradient checks, numerical robustness."""

import random
import subprocess
import sys

import numpy as np
import pytest

import word2vec
from tests.conftest import ROOT
from utils import published, selfchecks
from utils.gradcheck import gradcheck_naive
from word2vec import (
    getNegativeSamples,
    naiveSoftmaxLossAndGradient,
    negSamplingLossAndGradient,
    sigmoid,
    skipgram,
    word2vec_sgd_wrapper,
)

# ---- sigmoid ---------------------------------------------------------------

def test_sigmoid_published_values():
    assert sigmoid(0) == 0.5
    assert np.allclose(sigmoid(np.array([1, 2, 3])), published.SIGMOID_123)


def test_sigmoid_scalar_and_shape():
    assert isinstance(sigmoid(0.3), float)
    x = np.linspace(-3, 3, 12).reshape(3, 4)
    assert sigmoid(x).shape == (3, 4)
    assert np.allclose(sigmoid(x), 1 / (1 + np.exp(-x)), rtol=1e-15)


def test_sigmoid_extremes_without_warnings():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert sigmoid(-1000) == 0.0
        assert sigmoid(50) == 1.0
        s = sigmoid(np.array([-1e4, -700.0, 700.0, 1e4]))
    assert np.all(np.isfinite(s)) and s[0] == 0.0 and s[-1] == 1.0
    # Symmetry holds to rounding even far out.
    x = np.linspace(-40, 40, 81)
    assert np.allclose(sigmoid(x) + sigmoid(-x), 1.0, atol=1e-15)


# ---- the published skip-gram numbers --------------------------------------

def _check_case(case, tokens, vectors, dataset, lossfn):
    center, window, outside = case["args"]
    loss, gin, gout = skipgram(center, window, outside, tokens, vectors[:5], vectors[5:],
                               dataset, lossfn)
    assert loss == pytest.approx(case["loss"], rel=1e-12)
    assert np.allclose(gin[tokens[center]], case["gradCenter"], atol=1e-8)
    assert np.allclose(gout, case["gradOutside"], atol=1e-8)
    assert not np.any(np.delete(gin, tokens[center], axis=0))


def test_published_skipgram_sequence(capsys):
    """The assignment's sequence: gradcheck, softmax cases, gradcheck, neg-sampling cases."""
    dataset, vectors, tokens = published.dummy_setup()
    assert gradcheck_naive(lambda v: word2vec_sgd_wrapper(
        skipgram, tokens, v, dataset, 5, naiveSoftmaxLossAndGradient), vectors, "softmax")
    for case in published.SKIPGRAM_SOFTMAX:
        _check_case(case, tokens, vectors, dataset, naiveSoftmaxLossAndGradient)
    assert gradcheck_naive(lambda v: word2vec_sgd_wrapper(
        skipgram, tokens, v, dataset, 5, negSamplingLossAndGradient), vectors, "negsamp")
    for case in published.SKIPGRAM_NEGSAMPLING:
        _check_case(case, tokens, vectors, dataset, negSamplingLossAndGradient)


def test_self_check_script_passes_and_fails():
    out = subprocess.run([sys.executable, "word2vec.py"], cwd=ROOT, capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    for name in selfchecks.CHECKS:
        assert "%-30s passed" % name in out.stdout
    bad = subprocess.run([sys.executable, "word2vec.py", "nonsense"], cwd=ROOT,
                         capture_output=True, text=True)
    assert bad.returncode != 0 and "invalid choice" in bad.stderr


def test_self_check_reports_a_broken_function(monkeypatch, capsys):
    monkeypatch.setattr(word2vec, "sigmoid", lambda x: np.tanh(x))
    assert word2vec.main(["sigmoid"]) == 1
    assert "FAIL" in capsys.readouterr().out


# ---- gradient checks on random sizes ---------------------------------------

class UniformDataset:
    def __init__(self, V):
        self.V = V

    def sampleTokenIdx(self):
        return random.randint(0, self.V - 1)


@pytest.mark.parametrize("lossfn", [naiveSoftmaxLossAndGradient, negSamplingLossAndGradient])
@pytest.mark.parametrize("V,d,seed", [(5, 3, 0), (12, 4, 1), (30, 7, 2)])
def test_pair_losses_gradcheck(lossfn, V, d, seed, capsys):
    rng = np.random.default_rng(seed)
    random.seed(seed)
    U = rng.normal(size=(V, d))
    v = rng.normal(size=d)
    o = int(rng.integers(V))
    ds = UniformDataset(V)
    assert gradcheck_naive(lambda x: lossfn(x, o, U, ds)[:2], v, "v_c")
    assert gradcheck_naive(lambda x: (lambda r: (r[0], r[2]))(lossfn(v, o, x, ds)), U, "U")


def test_gradcheck_detects_a_wrong_gradient(capsys):
    assert not gradcheck_naive(lambda x: (np.sum(x ** 2), 2.1 * x), np.ones(3), "wrong")
    assert "failed" in capsys.readouterr().out


@pytest.mark.parametrize("lossfn", [naiveSoftmaxLossAndGradient, negSamplingLossAndGradient])
def test_skipgram_and_wrapper_gradcheck(lossfn, capsys):
    V, d = 8, 4
    words = ["w%d" % i for i in range(V)]
    tokens = {w: i for i, w in enumerate(words)}

    class Data(UniformDataset):
        def getRandomContext(self, C):
            return (words[random.randint(0, V - 1)],
                    [words[random.randint(0, V - 1)] for _ in range(2 * C)])

    ds = Data(V)
    random.seed(7)
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(2 * V, d))
    outside = ["w1", "w2", "w2", "w5"]

    def sg(x):
        loss, gin, gout = skipgram("w3", 2, outside, tokens, x[:V], x[V:], ds, lossfn)
        return loss, np.concatenate([gin, gout])

    assert gradcheck_naive(sg, vectors, "skipgram")
    assert gradcheck_naive(lambda x: word2vec_sgd_wrapper(skipgram, tokens, x, ds, 3, lossfn),
                           vectors, "wrapper")


# ---- semantics and robustness ----------------------------------------------

def test_negative_samples_skip_the_outside_word():
    class Seq:
        def __init__(self, seq):
            self.seq = iter(seq)

        def sampleTokenIdx(self):
            return next(self.seq)

    assert getNegativeSamples(2, Seq([2, 1, 2, 2, 3, 1, 0]), 4) == [1, 3, 1, 0]


def test_repeated_negatives_count_each_time():
    class Seq:
        def __init__(self, seq):
            self.seq = list(seq)

        def sampleTokenIdx(self):
            return self.seq.pop(0)

    rng = np.random.default_rng(3)
    U = rng.normal(size=(6, 4))
    v = rng.normal(size=4)
    negs = [1, 1, 1, 4]
    loss, gc, gU = negSamplingLossAndGradient(v, 0, U, Seq(negs), K=4)
    expected = -np.log(sigmoid(U[0] @ v)) - sum(np.log(sigmoid(-U[k] @ v)) for k in negs)
    assert loss == pytest.approx(expected, rel=1e-12)
    assert np.allclose(gU[1], 3 * sigmoid(U[1] @ v) * v)
    assert np.allclose(gU[4], sigmoid(U[4] @ v) * v)
    assert not np.any(gU[[2, 3, 5]])


def test_losses_finite_for_huge_scores():
    U = np.array([[1000.0, 0.0], [-1000.0, 0.0], [0.0, 3000.0]])
    v = np.array([5.0, 2.0])
    with np.errstate(over="raise", invalid="raise"):
        loss, gc, gU = naiveSoftmaxLossAndGradient(v, 1, U, None)
    # Scores 5000, -5000, 6000: the loss is 6000 - (-5000) plus a vanishing term.
    assert loss == pytest.approx(11000.0)
    assert np.all(np.isfinite(gc)) and np.all(np.isfinite(gU))

    class Fixed:
        def sampleTokenIdx(self):
            return 2

    with np.errstate(over="raise", invalid="raise"):
        loss, gc, gU = negSamplingLossAndGradient(v, 1, U, Fixed(), K=3)
    assert np.isfinite(loss) and loss == pytest.approx(5000.0 + 3 * 6000.0)
    assert np.all(np.isfinite(gc)) and np.all(np.isfinite(gU))


@pytest.mark.parametrize("lossfn", [naiveSoftmaxLossAndGradient, negSamplingLossAndGradient])
def test_bad_arguments_raise_clear_errors(lossfn):
    U = np.zeros((5, 3))
    with pytest.raises(ValueError, match=r"\(d,\) = \(3,\)"):
        lossfn(np.zeros(4), 1, U, None)
    with pytest.raises(ValueError, match="out of range"):
        lossfn(np.zeros(3), 5, U, None)
    with pytest.raises(ValueError, match="2-D"):
        lossfn(np.zeros(3), 1, np.zeros(3), None)


def test_skipgram_unknown_word():
    with pytest.raises(ValueError, match="'zzz' is not in the vocabulary"):
        skipgram("a", 1, ["zzz"], {"a": 0}, np.zeros((1, 2)), np.zeros((1, 2)), None)


@pytest.mark.parametrize("lossfn", [naiveSoftmaxLossAndGradient, negSamplingLossAndGradient])
@pytest.mark.parametrize("index", [True, np.True_, 1.0, np.float64(2), "1", None])
def test_indices_must_be_integers(lossfn, index):
    with pytest.raises(ValueError, match="must be an integer index"):
        lossfn(np.zeros(3), index, np.zeros((5, 3)), None)


@pytest.mark.parametrize("K", [0, -3, 2.0, True, None])
def test_negative_sample_count_must_be_positive(K):
    class Any:
        def sampleTokenIdx(self):
            return random.randint(0, 4)

    with pytest.raises(ValueError, match="K, the number of negative samples, must be an"
                                         " integer >= 1"):
        negSamplingLossAndGradient(np.zeros(3), 1, np.zeros((5, 3)), Any(), K=K)


def test_one_word_vocabulary_fails_instead_of_hanging():
    class OneWord:
        def sampleTokenIdx(self):
            return 0

    with pytest.raises(ValueError, match="no\\s+other word to draw as a negative"):
        getNegativeSamples(0, OneWord(), 10)


@pytest.mark.parametrize("C", [0, -2, 1.5, True])
def test_wrapper_rejects_a_bad_window_size(C):
    with pytest.raises(ValueError, match="windowSize, the largest context size C"):
        word2vec_sgd_wrapper(skipgram, {"a": 0}, np.zeros((2, 3)), None, C)


def test_skipgram_rejects_mismatched_vocabularies():
    with pytest.raises(ValueError, match="same vocabulary"):
        skipgram("a", 1, ["a"], {"a": 0}, np.zeros((2, 3)), np.zeros((3, 3)), None)


@pytest.mark.parametrize("scale", [1.0, 1e8, 1e16, 1e300])
def test_naive_softmax_equal_scores_give_log_v(scale):
    V = 7
    U = np.full((V, 2), scale)
    loss, gc, gU = naiveSoftmaxLossAndGradient(np.array([1.0, 0.0]), 3, U, None)
    assert loss == pytest.approx(np.log(V), rel=1e-12)
    assert np.all(np.isfinite(gc)) and np.all(np.isfinite(gU))


@pytest.mark.parametrize("bad", ["nan-gradient", "inf-loss", "nan-loss"])
def test_gradcheck_fails_on_nan_or_infinite(bad, capsys):
    def f(x):
        loss = np.sum(x ** 2)
        grad = 2 * x
        if bad == "nan-gradient":
            grad = np.full_like(x, np.nan)
        elif bad == "inf-loss":
            loss = np.inf
        else:
            loss = np.nan
        return loss, grad

    assert gradcheck_naive(f, np.array([0.5, -1.0]), bad) is False
    assert "failed" in capsys.readouterr().out


def test_init_vectors_is_the_assignments_start():
    np.random.seed(9265)
    x = word2vec.init_vectors(6, 4, np.random)
    np.random.seed(9265)
    expected = (np.random.rand(6, 4) - 0.5) / 4
    assert x.shape == (12, 4)
    assert np.array_equal(x[:6], expected) and not np.any(x[6:])
