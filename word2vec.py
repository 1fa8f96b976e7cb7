#!/usr/bin/env python
"""Skip-gram word2vec: losses, gradients and the SGD wrapper (CS224N Assignment 2).

Notation (the handout's): v_c is the centre word's vector, u_o the true outside
word's, u_w any outside vector; U stacks the u_w. In this code the *rows* of
``outsideVectors`` are the u_w (so ``outsideVectors`` is U transposed, (V, d))
and the rows of ``centerWordVectors`` are the v_w. y is the one-hot true
distribution, y_hat the softmax prediction, K the number of negative samples.

Run ``python word2vec.py [sigmoid|naiveSoftmaxLossAndGradient|
negSamplingLossAndGradient|skipgram]`` for the assignment's self-checks.
"""

import argparse
import random
import sys

import numpy as np

from utils.selfchecks import CHECKS


def sigmoid(x):
    """The logistic function 1 / (1 + e^-x), elementwise.

    x -- a scalar or an array of any shape; returns the same kind and shape.
    Exact for every finite input, without overflow: with e = e^-|x| <= 1,
    sigma(x) = 1/(1 + e) for x >= 0 and e/(1 + e) for x < 0.
    """
    # SciPy's ufunc evaluates exactly that, in one pass. Imported here, on first
    # use: scipy.special costs 0.15 s of start-up that the compiled path never needs.
    from scipy.special import expit

    s = expit(x)
    return s if np.ndim(x) else float(s)


def softplus(x):
    """log(1 + e^x) elementwise, finite for any finite x; -log sigma(x) = softplus(-x).

    Written as max(x, 0) + log(1 + e^-|x|) so e^... never overflows (and it
    is quicker than np.logaddexp).
    """
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def init_vectors(V, d, rng):
    """The assignment's starting point: (2V, d), centre vectors over outside vectors.

    V -- vocabulary size; d -- vector size
    rng -- anything with NumPy's legacy ``rand`` (the ``np.random`` module, a
           RandomState), so run.py's draws are the assignment's
    The v_w are uniform in [-0.5/d, 0.5/d), the u_w zero (as word2vec C does).
    """
    return np.concatenate(((rng.rand(V, d) - 0.5) / d, np.zeros((V, d))), axis=0)


def _check_index(value, limit, name, what):
    """Reject anything but an integer in 0..limit-1 (bools and floats included)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError("%s must be an integer index of %s; got %r (%s)"
                         % (name, what, value, type(value).__name__))
    if not 0 <= value < limit:
        raise ValueError("%s %r is out of range: the vocabulary has %d words (indices 0..%d)"
                         % (name, value, limit, limit - 1))


def _check_positive_int(value, name):
    """Reject anything but an integer >= 1 (bools and floats included)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) \
            or value < 1:
        raise ValueError("%s must be an integer >= 1; got %r" % (name, value))


def _check_pair_args(centerWordVec, outsideWordIdx, outsideVectors):
    """Reject arguments a per-pair loss cannot use, naming the expected shape."""
    if np.ndim(outsideVectors) != 2:
        raise ValueError("outsideVectors must be a 2-D array (V, d) of outside vectors"
                         " u_w, one per row; got shape %s" % (np.shape(outsideVectors),))
    V, d = outsideVectors.shape
    if np.shape(centerWordVec) != (d,):
        raise ValueError("centerWordVec must have shape (d,) = (%d,) to match"
                         " outsideVectors (%d, %d); got shape %s"
                         % (d, V, d, np.shape(centerWordVec)))
    _check_index(outsideWordIdx, V, "outsideWordIdx", "a row of outsideVectors")


def naiveSoftmaxLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset):
    """Naive-softmax loss J = -log y_hat_o and its gradients, for one (c, o) pair.

    centerWordVec -- v_c, shape (d,)
    outsideWordIdx -- o, the index of the true outside word
    outsideVectors -- U transposed, shape (V, d): row w is u_w
    dataset -- unused (kept for the common interface with negative sampling)

    Returns (loss, gradCenterVec (d,) = U (y_hat - y),
             gradOutsideVecs (V, d) = (y_hat - y) v_c^T, row w being dJ/du_w).
    The loss is log(sum_w e^(s_w - top)) - (s_o - top) with top = max_w s_w:
    both terms are small, so it stays exact (log V for equal scores) even
    when the scores u_w^T v_c are as large as 1e16.
    """
    _check_pair_args(centerWordVec, outsideWordIdx, outsideVectors)
    scores = outsideVectors @ centerWordVec             # (V,): u_w^T v_c
    shifted = scores - np.max(scores)                   # no overflow, no cancellation
    exp_scores = np.exp(shifted)
    total = np.sum(exp_scores)
    loss = np.log(total) - shifted[outsideWordIdx]

    delta = exp_scores / total                          # y_hat
    delta[outsideWordIdx] -= 1.0                        # y_hat - y
    gradCenterVec = delta @ outsideVectors              # U (y_hat - y)
    gradOutsideVecs = np.outer(delta, centerWordVec)    # (y_hat - y) v_c^T
    return loss, gradCenterVec, gradOutsideVecs


MAX_REDRAWS = 10 ** 6  # o drawn this many times in a row: a one-word vocabulary (~0.5 s)


def getNegativeSamples(outsideWordIdx, dataset, K):
    """K negative word indices, each ``dataset.sampleTokenIdx()`` redrawn while it equals o.

    The order of the draws is part of the assignment's contract: the published
    numbers depend on it. The redraws are bounded so that a vocabulary whose
    only word is o fails with a message instead of looping forever.
    """
    _check_positive_int(K, "K, the number of negative samples,")
    negSampleWordIndices = [None] * K
    for k in range(K):
        newidx = dataset.sampleTokenIdx()
        redraws = 0
        while newidx == outsideWordIdx:
            redraws += 1
            if redraws == MAX_REDRAWS:
                raise ValueError(
                    "the sampler returned the outside word %r %d times in a row: it has no"
                    " other word to draw as a negative (a vocabulary of one word?); train on"
                    " a corpus with at least two different words" % (outsideWordIdx, redraws))
            newidx = dataset.sampleTokenIdx()
        negSampleWordIndices[k] = newidx
    return negSampleWordIndices


def neg_sampling_core(center, targets):
    """Negative-sampling loss and gradients for a batch of B (c, o) pairs.

    The one place the negative-sampling maths lives: the per-pair function
    below calls it with B = 1, the training engines with every pair at once.

    center -- v_c of each pair, (B, d)
    targets -- (B, K + 1, d): u_o, then the K negatives u_{w_1..w_K} (repeats allowed)

    With the label vector y = [1, 0, ..., 0] (the true word first) and the
    handout's U_{o,{w}} = [u_o, -u_{w_1}, ..., -u_{w_K}], the scores are
    z = U_{o,{w}}^T v_c and J = -sum_k log sigma(z_k). dJ/dz = sigma(z) - 1
    = -sigma(-z), the handout's delta (written answer (g)(ii)).

    Returns (loss (B,), grad_center (B, d) = dJ/dv_c, dscores (B, K + 1)):
    dscores[b, k] = dJ/d(u_k^T v_c), so the gradient through target k is
    dscores[b, k] * v_c (``target_gradients``); a word drawn n times gets n
    such terms to sum.
    """
    label = np.zeros(targets.shape[1])
    label[0] = 1.0                                              # y
    sign = 2.0 * label - 1.0                                    # +u_o, then -u_{w_k}
    scores = np.matmul(targets, center[:, :, None])[:, :, 0]   # u^T v_c, (B, K + 1)
    z = sign * scores                                           # U_{o,{w}}^T v_c
    loss = np.sum(softplus(-z), axis=1)                         # -sum log sigma(z)
    dscores = -sigmoid(-z) * sign                               # dJ/dz * dz/d(u^T v_c)
    grad_center = np.matmul(dscores[:, None, :], targets)[:, 0, :]  # U_{o,{w}} delta
    return loss, grad_center, dscores


def target_gradients(dscores, center):
    """dJ/du for each target of each pair, (B, K + 1, d): dscores[b, k] * v_c[b]."""
    return dscores[:, :, None] * center[:, None, :]


def negSamplingLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset,
                               K=10):
    """Negative-sampling loss and gradients for one (c, o) pair.

    centerWordVec -- v_c, shape (d,)
    outsideWordIdx -- o
    outsideVectors -- U transposed, shape (V, d)
    dataset -- provides ``sampleTokenIdx()`` for the K negatives
    K -- number of negative samples; a word drawn several times counts that
         many times in the loss and the gradient

    Returns (loss, gradCenterVec (d,), gradOutsideVecs (V, d)).
    """
    _check_pair_args(centerWordVec, outsideWordIdx, outsideVectors)
    negSampleWordIndices = getNegativeSamples(outsideWordIdx, dataset, K)

    indices = [outsideWordIdx] + negSampleWordIndices
    center = centerWordVec[None, :]
    loss, grad_center, dscores = neg_sampling_core(center, outsideVectors[indices][None, :, :])

    gradOutsideVecs = np.zeros_like(outsideVectors, dtype=float)
    # Repeated negatives add up.
    np.add.at(gradOutsideVecs, indices, target_gradients(dscores, center)[0])
    return loss[0], grad_center[0], gradOutsideVecs


def skipgram(currentCenterWord, windowSize, outsideWords, word2Ind,
             centerWordVectors, outsideVectors, dataset,
             word2vecLossAndGradient=naiveSoftmaxLossAndGradient):
    """Skip-gram loss and gradients for one centre word and its window.

    currentCenterWord -- the centre word c (a string)
    windowSize -- m, the context size (unused by the sum itself)
    outsideWords -- the outside words of the window (strings), at most 2m
    word2Ind -- dict word -> index into the vector matrices
    centerWordVectors -- rows are the v_w, shape (V, d)
    outsideVectors -- rows are the u_w, shape (V, d)
    word2vecLossAndGradient -- the per-pair loss to sum

    Returns (loss, gradCenterVecs (V, d), gradOutsideVectors (V, d)): the
    sums over the outside words; only row c of gradCenterVecs is non-zero.
    """
    if np.shape(centerWordVectors) != np.shape(outsideVectors):
        raise ValueError("centerWordVectors and outsideVectors must both be (V, d) for the"
                         " same vocabulary; got shapes %s and %s"
                         % (np.shape(centerWordVectors), np.shape(outsideVectors)))
    try:
        c = word2Ind[currentCenterWord]
        outside = [word2Ind[w] for w in outsideWords]
    except KeyError as err:
        raise ValueError("word %r is not in the vocabulary (word2Ind)" % err.args[0]) from None
    _check_index(c, centerWordVectors.shape[0], "the index of the centre word %r"
                 % (currentCenterWord,), "a row of centerWordVectors")

    loss = 0.0
    gradCenterVecs = np.zeros(centerWordVectors.shape)
    gradOutsideVectors = np.zeros(outsideVectors.shape)
    centerWordVec = centerWordVectors[c]
    for o in outside:
        pair_loss, grad_center, grad_outside = word2vecLossAndGradient(
            centerWordVec, o, outsideVectors, dataset)
        loss += pair_loss
        gradCenterVecs[c] += grad_center
        gradOutsideVectors += grad_outside
    return loss, gradCenterVecs, gradOutsideVectors


BATCH_SIZE = 50  # windows averaged per call of the wrapper (one SGD step)


def word2vec_sgd_wrapper(word2vecModel, word2Ind, wordVectors, dataset, windowSize,
                         word2vecLossAndGradient=naiveSoftmaxLossAndGradient):
    """Average loss and gradient over 50 random windows, for SGD.

    wordVectors -- (2V, d): the centre vectors v_w (first V rows) stacked over
                   the outside vectors u_w (last V rows)
    windowSize -- C; each window's size is ``random.randint(1, C)``, then
                  ``dataset.getRandomContext`` draws the window, in that order

    Returns (loss, grad (2V, d)), both averaged over the 50 windows.
    """
    if np.ndim(wordVectors) != 2 or wordVectors.shape[0] % 2:
        raise ValueError("wordVectors must be (2V, d): centre vectors over outside vectors;"
                         " got shape %s" % (np.shape(wordVectors),))
    _check_positive_int(windowSize, "windowSize, the largest context size C,")
    loss = 0.0
    grad = np.zeros(wordVectors.shape)
    half = wordVectors.shape[0] // 2
    centerWordVectors = wordVectors[:half, :]
    outsideVectors = wordVectors[half:, :]
    for _ in range(BATCH_SIZE):
        windowSize1 = random.randint(1, windowSize)
        centerWord, context = dataset.getRandomContext(windowSize1)
        c, gin, gout = word2vecModel(centerWord, windowSize1, context, word2Ind,
                                     centerWordVectors, outsideVectors, dataset,
                                     word2vecLossAndGradient)
        loss += c / BATCH_SIZE
        grad[:half, :] += gin / BATCH_SIZE
        grad[half:, :] += gout / BATCH_SIZE
    return loss, grad


# ---------------------------------------------------------------------------
# Beyond the assignment: hierarchical softmax and CBOW (the general trainer's
# NumPy references; train.py's compiled kernels are tested against them)
# ---------------------------------------------------------------------------

def hierarchicalSoftmaxLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors,
                                       dataset):
    """Hierarchical-softmax loss and gradients for one (c, o) pair.

    centerWordVec -- v_c, shape (d,)
    outsideWordIdx -- o
    outsideVectors -- (V, d): row n < V - 1 is u_n, inner node n's vector; the
                      last row is unused (as in word2vec C's and gensim's
                      syn1), so skipgram, cbow and the wrapper take it like U
    dataset -- provides ``huffman()``, the tree (w2v.training.huffman.HuffmanTree):
               ``path(o)`` gives o's branches b_j (0/1) and nodes n_j, root first

    P(o | c) = prod_j sigma(s_j u_{n_j}^T v_c), s_j = 1 - 2 b_j (word2vec C
    trains sigma(u_{n_j}^T v_c) towards the label 1 - b_j), so
    J = -sum_j log sigma(s_j u_{n_j}^T v_c): per node, the negative-sampling
    loss of a lone true target s_j u_{n_j}. With delta_j = dJ/d(u_{n_j}^T v_c)
    = s_j (sigma(s_j u_{n_j}^T v_c) - 1): dJ/dv_c = sum_j delta_j u_{n_j},
    dJ/du_{n_j} = delta_j v_c.

    Returns (loss, gradCenterVec (d,), gradOutsideVecs (V, d)); only the rows
    of o's path are non-zero.
    """
    _check_pair_args(centerWordVec, outsideWordIdx, outsideVectors)
    tree = dataset.huffman()
    if len(tree) != outsideVectors.shape[0]:
        raise ValueError("outsideVectors has %d rows but the Huffman tree has %d words: it"
                         " must be (V, d), inner node n in row n"
                         % (outsideVectors.shape[0], len(tree)))
    codes, nodes = tree.path(outsideWordIdx)
    signs = 1.0 - 2.0 * codes                                   # s_j
    targets = (signs[:, None] * outsideVectors[nodes])[:, None, :]  # (L, 1, d): s_j u_{n_j}
    center = np.broadcast_to(centerWordVec, (len(nodes), len(centerWordVec)))
    losses, grad_centers, dscores = neg_sampling_core(center, targets)
    delta = signs * dscores[:, 0]                               # dJ/d(u_{n_j}^T v_c)
    gradOutsideVecs = np.zeros(outsideVectors.shape)
    gradOutsideVecs[nodes] = np.outer(delta, centerWordVec)     # a path never repeats a node
    return float(np.sum(losses)), np.sum(grad_centers, axis=0), gradOutsideVecs


def cbow(currentCenterWord, windowSize, outsideWords, word2Ind,
         centerWordVectors, outsideVectors, dataset,
         word2vecLossAndGradient=naiveSoftmaxLossAndGradient):
    """CBOW loss and gradients for one window: the centre word predicted from its context.

    currentCenterWord -- c, the word to predict (a string)
    windowSize -- m (unused by the loss itself)
    outsideWords -- the context words w_{t+j} (strings), 1 to 2m of them
    word2Ind -- dict word -> index into the vector matrices
    centerWordVectors -- rows are the input vectors v_w, (V, d): here the
                         context words' vectors
    outsideVectors -- rows are the output vectors u_w, (V, d)
    word2vecLossAndGradient -- the per-pair loss, given v_hat as its centre
                               vector and c as the word to predict

    With n context words, v_hat = (1/n) sum_j v_{w_{t+j}} (word2vec's
    cbow_mean=1) and J = J_pair(v_hat, c, U); a context word that occurs n_w
    times gets dJ/dv_w = (n_w / n) dJ/dv_hat. (word2vec C and gensim add
    dJ/dv_hat to each context vector, not divided by n: a step n times larger
    than the gradient's.)

    Returns (loss, gradCenterVecs (V, d), gradOutsideVectors (V, d)); only
    the context words' rows of gradCenterVecs are non-zero.
    """
    if np.shape(centerWordVectors) != np.shape(outsideVectors):
        raise ValueError("centerWordVectors and outsideVectors must both be (V, d) for the"
                         " same vocabulary; got shapes %s and %s"
                         % (np.shape(centerWordVectors), np.shape(outsideVectors)))
    if len(outsideWords) == 0:
        raise ValueError("cbow needs at least one context word to predict %r from"
                         % (currentCenterWord,))
    try:
        c = word2Ind[currentCenterWord]
        context = [word2Ind[w] for w in outsideWords]
    except KeyError as err:
        raise ValueError("word %r is not in the vocabulary (word2Ind)" % err.args[0]) from None
    for w in context:
        _check_index(w, centerWordVectors.shape[0], "the index of a context word",
                     "a row of centerWordVectors")

    v_hat = np.mean(centerWordVectors[context], axis=0)         # (d,)
    loss, grad_hat, gradOutsideVectors = word2vecLossAndGradient(
        v_hat, c, outsideVectors, dataset)
    gradCenterVecs = np.zeros(centerWordVectors.shape)
    np.add.at(gradCenterVecs, context, grad_hat / len(context))  # repeats add up
    return loss, gradCenterVecs, gradOutsideVectors


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Run the assignment's self-checks of word2vec.py: the published"
                    " values and numerical gradient checks. Exits non-zero on any failure.")
    parser.add_argument("function", nargs="?", default="all",
                        choices=["all"] + list(CHECKS),
                        help="which function to check (default: all of them)")
    args = parser.parse_args(argv)
    names = list(CHECKS) if args.function == "all" else [args.function]
    this = sys.modules[__name__]  # the checks call this module's functions
    results = {}
    for name in names:
        try:
            results[name] = "passed" if CHECKS[name](this) else "FAILED"
        except NotImplementedError as err:  # a starter's stub (python -m instructor...)
            print(err)
            results[name] = "not implemented yet"
    print()
    for name, result in results.items():
        print("%-30s %s" % (name, result))
    return 0 if all(r == "passed" for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
