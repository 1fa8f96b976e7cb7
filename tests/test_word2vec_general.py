"""word2vec.py beyond the assignment: hierarchical softmax and CBOW.

Gradient checks (utils.gradcheck.gradcheck_naive) of every new function and
of every combination, the properties that pin the conventions down (the
hierarchical softmax is a distribution; code 0 means sigma(+u^T v_c)), and
one training step of gensim reproduced with these gradients.
"""

import random

import numpy as np
import pytest

from utils.gradcheck import gradcheck_naive
from w2v.training.huffman import HuffmanTree, build_huffman
from word2vec import (
    cbow,
    hierarchicalSoftmaxLossAndGradient,
    naiveSoftmaxLossAndGradient,
    negSamplingLossAndGradient,
    sigmoid,
    skipgram,
    word2vec_sgd_wrapper,
)

LOSSES = [naiveSoftmaxLossAndGradient, negSamplingLossAndGradient,
          hierarchicalSoftmaxLossAndGradient]
COUNTS = [np.array([50, 20, 20, 10, 5, 3, 1]),           # (V,) word counts
          np.array([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]),
          np.array([1000, 3, 2, 300, 40, 40, 7, 1, 90])]


class ToyDataset:
    """A vocabulary with counts: Huffman tree, uniform negatives, random windows."""

    def __init__(self, counts, tree=None):
        self.words = ["w%d" % i for i in range(len(counts))]
        self.tree = build_huffman(counts) if tree is None else tree

    def huffman(self):
        return self.tree

    def sampleTokenIdx(self):
        return random.randint(0, len(self.words) - 1)

    def getRandomContext(self, C):
        pick = lambda: self.words[random.randint(0, len(self.words) - 1)]  # noqa: E731
        return pick(), [pick() for _ in range(2 * C)]


def problem(counts, seed, d=4):
    """(dataset, word2Ind, V_in (V, d), U (V, d), v_c (d,)) with random vectors."""
    rng = np.random.default_rng(seed)
    V = len(counts)
    dataset = ToyDataset(counts)
    word2Ind = {w: i for i, w in enumerate(dataset.words)}
    return (dataset, word2Ind, rng.standard_normal((V, d)), rng.standard_normal((V, d)),
            rng.standard_normal(d))


# ---- hierarchical softmax --------------------------------------------------

@pytest.mark.parametrize("counts", COUNTS)
@pytest.mark.parametrize("seed", [0, 1])
def test_hs_gradient_check(counts, seed):
    dataset, _, _, U, v_c = problem(counts, seed)
    for o in range(len(counts)):
        assert gradcheck_naive(lambda v: hierarchicalSoftmaxLossAndGradient(
            v, o, U, dataset)[:2], v_c, "hs dJ/dv_c, o=%d" % o)
        assert gradcheck_naive(lambda x: hierarchicalSoftmaxLossAndGradient(
            v_c, o, x, dataset)[::2], U, "hs dJ/dU, o=%d" % o)


@pytest.mark.parametrize("counts", COUNTS)
def test_hs_is_a_distribution(counts):
    """sum_w P(w | c) = 1 for any v_c: each node splits its mass sigma(x) + sigma(-x)."""
    for seed in range(3):
        dataset, _, _, U, v_c = problem(counts, seed)
        probs = [np.exp(-hierarchicalSoftmaxLossAndGradient(v_c, o, U, dataset)[0])
                 for o in range(len(counts))]
        assert sum(probs) == pytest.approx(1.0, abs=1e-12)
        assert min(probs) > 0.0


def test_hs_code_zero_means_plus_sign():
    """word2vec C's convention: on branch 0 the factor is sigma(+u_n^T v_c)."""
    tree = build_huffman([5, 2])                    # one inner node, the root 0
    zero, one = (int(np.flatnonzero(tree.codes[:, 0] == b)[0]) for b in (0, 1))
    U = np.array([[0.7, -0.2], [9.0, 9.0]])         # row 1 (V - 1) is unused
    v_c = np.array([1.5, 0.5])
    x = U[0] @ v_c
    loss0 = hierarchicalSoftmaxLossAndGradient(v_c, zero, U, ToyDataset([5, 2], tree))[0]
    loss1 = hierarchicalSoftmaxLossAndGradient(v_c, one, U, ToyDataset([5, 2], tree))[0]
    assert loss0 == pytest.approx(-np.log(sigmoid(x)), rel=1e-14)
    assert loss1 == pytest.approx(-np.log(sigmoid(-x)), rel=1e-14)


@pytest.mark.parametrize("counts", COUNTS)
def test_hs_touches_only_the_path(counts):
    dataset, _, _, U, v_c = problem(counts, 3)
    tree = dataset.huffman()
    for o in range(len(counts)):
        _, _, grad = hierarchicalSoftmaxLossAndGradient(v_c, o, U, dataset)
        _, nodes = tree.path(o)
        assert np.all(np.linalg.norm(grad[nodes], axis=1) > 0)
        off = np.setdiff1d(np.arange(len(counts)), nodes)
        assert len(off) >= 1 and not np.any(grad[off])      # the last row is never used


def test_hs_is_deterministic_and_leaves_inputs_alone():
    dataset, _, _, U, v_c = problem(COUNTS[2], 4)
    before = U.copy(), v_c.copy()
    first = hierarchicalSoftmaxLossAndGradient(v_c, 5, U, dataset)
    second = hierarchicalSoftmaxLossAndGradient(v_c, 5, U, dataset)
    assert first[0] == second[0]
    assert np.array_equal(first[1], second[1]) and np.array_equal(first[2], second[2])
    assert np.array_equal(U, before[0]) and np.array_equal(v_c, before[1])


def test_hs_rejects_a_tree_of_another_vocabulary():
    dataset, _, _, U, v_c = problem(COUNTS[0], 0)
    with pytest.raises(ValueError, match="Huffman tree has 7 words"):
        hierarchicalSoftmaxLossAndGradient(v_c, 1, U[:5], dataset)


# ---- CBOW ----------------------------------------------------------------

CONTEXTS = [["w1", "w2", "w1", "w6"], ["w0"], ["w3", "w4"]]


@pytest.mark.parametrize("lossfn", LOSSES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("context", CONTEXTS, ids=len)
def test_cbow_gradient_check(lossfn, context):
    dataset, word2Ind, V_in, U, _ = problem(COUNTS[0], 5)
    random.seed(7)      # gradcheck_naive replays this state for every call
    assert gradcheck_naive(lambda x: cbow("w5", 2, context, word2Ind, x, U, dataset,
                                          lossfn)[:2], V_in, "cbow dJ/dV")
    assert gradcheck_naive(lambda x: cbow("w5", 2, context, word2Ind, V_in, x, dataset,
                                          lossfn)[::2], U, "cbow dJ/dU")


@pytest.mark.parametrize("lossfn", LOSSES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("model", [cbow, skipgram], ids=lambda f: f.__name__)
def test_sgd_wrapper_gradient_check(lossfn, model):
    """Every model with every loss through the assignment's wrapper (50 random windows)."""
    dataset, word2Ind, V_in, U, _ = problem(COUNTS[2], 6, d=3)
    random.seed(8)
    assert gradcheck_naive(lambda x: word2vec_sgd_wrapper(
        model, word2Ind, x, dataset, 3, lossfn), np.vstack([V_in, U]), "wrapper gradient")


@pytest.mark.parametrize("lossfn", LOSSES, ids=lambda f: f.__name__)
def test_cbow_is_the_pair_loss_at_the_mean(lossfn):
    dataset, word2Ind, V_in, U, _ = problem(COUNTS[0], 9)
    context = ["w1", "w2", "w1", "w6"]
    rows = [word2Ind[w] for w in context]
    random.seed(3)
    loss, grad_in, grad_out = cbow("w5", 2, context, word2Ind, V_in, U, dataset, lossfn)
    random.seed(3)
    ref_loss, ref_hat, ref_out = lossfn(V_in[rows].mean(axis=0), 5, U, dataset)
    assert loss == ref_loss and np.array_equal(grad_out, ref_out)
    # dJ/dv_w = (n_w / n) dJ/dv_hat: w1 is in the context twice.
    assert np.allclose(grad_in[1], 2 / 4 * ref_hat, rtol=1e-15)
    assert np.allclose(grad_in[2], 1 / 4 * ref_hat, rtol=1e-15)
    others = np.setdiff1d(np.arange(7), rows)
    assert not np.any(grad_in[others])


@pytest.mark.parametrize("lossfn", LOSSES, ids=lambda f: f.__name__)
def test_cbow_with_one_context_word_is_a_skipgram_pair(lossfn):
    """One context word w predicting c is the skip-gram pair (centre w, outside c)."""
    dataset, word2Ind, V_in, U, _ = problem(COUNTS[0], 10)
    random.seed(4)
    got = cbow("w3", 1, ["w0"], word2Ind, V_in, U, dataset, lossfn)
    random.seed(4)
    ref = skipgram("w0", 1, ["w3"], word2Ind, V_in, U, dataset, lossfn)
    assert got[0] == ref[0]
    assert np.array_equal(got[1], ref[1]) and np.array_equal(got[2], ref[2])


def test_cbow_errors():
    dataset, word2Ind, V_in, U, _ = problem(COUNTS[0], 0)
    with pytest.raises(ValueError, match="at least one context word"):
        cbow("w1", 2, [], word2Ind, V_in, U, dataset)
    with pytest.raises(ValueError, match="'zz' is not in the vocabulary"):
        cbow("w1", 2, ["w2", "zz"], word2Ind, V_in, U, dataset)
    with pytest.raises(ValueError, match="same vocabulary"):
        cbow("w1", 2, ["w2"], word2Ind, V_in, U[:6], dataset)


# ---- against gensim --------------------------------------------------------

def _gensim_model(sg):
    gensim = pytest.importorskip("gensim")
    model = gensim.models.Word2Vec(vector_size=4, window=1, min_count=1, sample=0, sg=sg,
                                   hs=1, negative=0, alpha=0.1, min_alpha=0.1, workers=1,
                                   cbow_mean=1, seed=3)
    model.build_vocab_from_freq({"a": 9, "b": 7, "c": 4, "d": 2, "e": 1})
    rng = np.random.default_rng(0)
    model.wv.vectors[:] = rng.standard_normal(model.wv.vectors.shape)
    model.syn1[:] = rng.standard_normal(model.syn1.shape)
    wv = model.wv
    V = len(wv)
    L = max(len(wv.get_vecattr(i, "code")) for i in range(V))
    codes, points = np.zeros((V, L), np.uint8), np.full((V, L), -1, np.int32)
    lengths = np.zeros(V, np.int32)
    for i in range(V):
        n = lengths[i] = len(wv.get_vecattr(i, "code"))
        codes[i, :n], points[i, :n] = wv.get_vecattr(i, "code"), wv.get_vecattr(i, "point")
    return model, ToyDataset(np.ones(V), HuffmanTree(codes, points, lengths))


def _our_steps(model, dataset, sg, flip=False):
    """gensim's per-pair SGD on one sentence, with this file's gradients (float64)."""
    if flip:
        tree = dataset.tree
        dataset = ToyDataset([1], HuffmanTree(1 - tree.codes, tree.points, tree.lengths))
    vin, out = model.wv.vectors.astype(float), model.syn1.astype(float)
    word2Ind, alpha, sentence = model.wv.key_to_index, 0.1, ["a", "c", "b", "e"]
    for i, word in enumerate(sentence):
        context = [sentence[j] for j in (i - 1, i + 1) if 0 <= j < len(sentence)]
        if sg:      # gensim's skip-gram: each context word's v predicts the centre word
            for cw in context:
                _, gin, gout = skipgram(cw, 1, [word], word2Ind, vin, out, dataset,
                                        hierarchicalSoftmaxLossAndGradient)
                vin, out = vin - alpha * gin, out - alpha * gout
        else:       # gensim adds dJ/dv_hat to each context vector: n times our gradient
            _, gin, gout = cbow(word, 1, context, word2Ind, vin, out, dataset,
                                hierarchicalSoftmaxLossAndGradient)
            vin, out = vin - alpha * len(context) * gin, out - alpha * gout
    return vin, out, sentence


@pytest.mark.parametrize("sg", [1, 0], ids=["skipgram", "cbow"])
def test_one_gensim_step_matches(sg):
    """gensim's hs training of one sentence = SGD with these gradients.

    gensim computes sigma from a 1,000-entry float32 table, so the match is to
    a few percent of the step, not to rounding; the same steps with the
    branches flipped miss by the step's own size.
    """
    model, dataset = _gensim_model(sg)
    start = model.wv.vectors.copy(), model.syn1.copy()
    vin, out, sentence = _our_steps(model, dataset, sg)
    flipped = _our_steps(model, dataset, sg, flip=True)
    model.train([sentence], total_examples=1, epochs=1)
    for ours, wrong, theirs, before in ((vin, flipped[0], model.wv.vectors, start[0]),
                                        (out, flipped[1], model.syn1, start[1])):
        step = np.abs(theirs - before).max()
        assert step > 0.01
        assert np.abs(ours - theirs).max() < 0.05 * step
        assert np.abs(wrong - theirs).max() > 0.3 * step
