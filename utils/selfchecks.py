"""The assignment's self-checks of word2vec.py: ``python word2vec.py [name]`` runs them.

The published values and numerical gradient checks, printed as the
assignment's starter prints them. Each check takes the module
whose functions it checks (word2vec.py passes itself), so the functions are
looked up when it runs and a test can swap one for a broken one.
"""

import numpy as np

from utils import published
from utils.gradcheck import gradcheck_naive


def _report(ok, what):
    print("  %s  %s" % ("ok  " if ok else "FAIL", what))
    return ok


def test_sigmoid(word2vec):
    """sigmoid's published values and its behaviour at extreme inputs."""
    print("==== sigmoid ====")
    ok = True
    ok &= _report(word2vec.sigmoid(0) == 0.5, "sigmoid(0) == 0.5")
    got = word2vec.sigmoid(np.array([1.0, 2.0, 3.0]))
    ok &= _report(np.allclose(got, published.SIGMOID_123), "sigmoid([1, 2, 3]) = %s" % got)
    with np.errstate(over="raise", invalid="raise"):
        extreme = word2vec.sigmoid(np.array([-1e4, -1000.0, 50.0, 1e4]))
    ok &= _report(np.array_equal(extreme, [0.0, 0.0, 1.0, 1.0]),
                  "sigmoid([-1e4, -1000, 50, 1e4]) = %s, no overflow" % extreme)
    return ok


def _gradcheck_pair_loss(lossfn, name):
    """Gradient-check a per-pair loss with respect to v_c and to U."""
    dataset, dummy_vectors, _ = published.dummy_setup()
    print("==== Gradient check for %s ====" % name)

    def of_center(vec):
        loss, grad_center, _ = lossfn(vec, 1, dummy_vectors, dataset)
        return loss, grad_center

    centerVec = np.random.randn(3)

    def of_outside(vec):
        loss, _, grad_outside = lossfn(centerVec, 1, vec, dataset)
        return loss, grad_outside

    ok = gradcheck_naive(of_center, np.random.randn(3), name + " gradCenterVec")
    ok &= gradcheck_naive(of_outside, dummy_vectors, name + " gradOutsideVecs")
    return ok


def test_naiveSoftmaxLossAndGradient(word2vec):
    return _gradcheck_pair_loss(word2vec.naiveSoftmaxLossAndGradient, "naiveSoftmaxLossAndGradient")


def test_negSamplingLossAndGradient(word2vec):
    return _gradcheck_pair_loss(word2vec.negSamplingLossAndGradient, "negSamplingLossAndGradient")


def _compare_case(word2vec, case, dummy_tokens, dummy_vectors, dataset, lossfn):
    """Run one published skipgram case and compare loss and gradients."""
    center, window, outside = case["args"]
    loss, gin, gout = word2vec.skipgram(center, window, outside, dummy_tokens,
                               dummy_vectors[:5, :], dummy_vectors[5:, :], dataset, lossfn)
    c = dummy_tokens[center]
    ok = _report(np.isclose(loss, case["loss"], rtol=1e-10, atol=0),
                 "skipgram(%r, %d, %s) loss %.14f (published %.14f)"
                 % (center, window, outside, loss, case["loss"]))
    ok &= _report(np.allclose(gin[c], case["gradCenter"], atol=1e-8),
                  "  dJ/dV row %s matches" % center)
    ok &= _report(np.allclose(gout, case["gradOutside"], atol=1e-8), "  dJ/dU matches")
    others = np.delete(gin, c, axis=0)
    ok &= _report(not np.any(others), "  other rows of dJ/dV are zero")
    return ok


def test_skipgram(word2vec):
    """The assignment's skipgram check: gradient checks, then the published cases."""
    dataset, dummy_vectors, dummy_tokens = published.dummy_setup()
    ok = True
    # Order matters: each gradient check consumes the random stream that the
    # negative-sampling cases' negatives are drawn from.
    for lossfn, cases in ((word2vec.naiveSoftmaxLossAndGradient, published.SKIPGRAM_SOFTMAX),
                          (word2vec.negSamplingLossAndGradient, published.SKIPGRAM_NEGSAMPLING)):
        name = lossfn.__name__
        print("==== Gradient check for skip-gram with %s ====" % name)
        ok &= gradcheck_naive(lambda vec: word2vec.word2vec_sgd_wrapper(
            word2vec.skipgram, dummy_tokens, vec, dataset, 5, lossfn), dummy_vectors,
            name + " Gradient")
        print("==== Published skip-gram cases, %s ====" % name)
        for case in cases:
            ok &= _compare_case(word2vec, case, dummy_tokens, dummy_vectors, dataset, lossfn)
    return ok


CHECKS = {
    "sigmoid": test_sigmoid,
    "naiveSoftmaxLossAndGradient": test_naiveSoftmaxLossAndGradient,
    "negSamplingLossAndGradient": test_negSamplingLossAndGradient,
    "skipgram": test_skipgram,
}
