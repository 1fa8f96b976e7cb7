"""One check for every training engine: its loss and gradient equal ``skipgram``'s
on the same draws.

An engine's iteration is a batch of windows, each a centre word c, its outside
words o_1..o_m and, for each pair (c, o_i), K negatives. ``skipgram`` with
``negSamplingLossAndGradient``, replaying those negatives, gives the reference
loss and gradient; averaged over the batch as ``word2vec_sgd_wrapper``
averages them. Usage::

    windows = windows_of_pairs(window_ids, centers, targets)
    assert_matches_skipgram(loss, grad, x, windows, words, K)
"""

import numpy as np

from word2vec import BATCH_SIZE, negSamplingLossAndGradient, skipgram


class Replay:
    """A dataset whose ``sampleTokenIdx()`` returns the given negatives, in order."""

    def __init__(self, negatives):
        self.negatives = [int(n) for n in negatives]

    def sampleTokenIdx(self):
        return self.negatives.pop(0)


def windows_of_pairs(window_ids, centers, targets):
    """Group an engine's pairs into windows: [(c, outsides (m,), negatives (m, K))].

    window_ids, centers -- (P,) each pair's window and centre word
    targets -- (P, K + 1): each pair's outside word, then its K negatives
    """
    windows = []
    for w in np.unique(window_ids):
        sel = np.flatnonzero(window_ids == w)
        centre = np.unique(centers[sel])
        assert centre.size == 1, "window %d has pairs with different centres" % w
        windows.append((int(centre[0]), targets[sel, 0], targets[sel, 1:]))
    return windows


def skipgram_reference(x, windows, words, K, batch=BATCH_SIZE):
    """(loss, dense gradient (2V, d)) of ``skipgram`` over ``windows``, / batch.

    x -- (2V, d) float64: v_w over u_w; words -- the vocabulary, in index order.
    """
    V = x.shape[0] // 2
    word2ind = {w: i for i, w in enumerate(words)}
    loss, grad = 0.0, np.zeros(x.shape)
    for centre, outsides, negatives in windows:
        replay = Replay(np.asarray(negatives).ravel())
        l, g_in, g_out = skipgram(words[centre], 0, [words[o] for o in outsides], word2ind,
                                  x[:V], x[V:], replay,
                                  lambda *a: negSamplingLossAndGradient(*a, K=K))
        assert not replay.negatives, "skipgram drew fewer negatives than the engine"
        loss += l / batch
        grad[:V] += g_in / batch
        grad[V:] += g_out / batch
    return loss, grad


def assert_matches_skipgram(loss, grad, x, windows, words, K, batch=BATCH_SIZE, tol=1e-12):
    """The engine's (loss, dense gradient) at x equal skipgram's on ``windows``.

    tol is relative to the largest magnitude (of the loss; of the gradient).
    x may be float32: the reference then computes with the same values as float64.
    """
    exp_loss, exp_grad = skipgram_reference(np.asarray(x, dtype=np.float64), windows, words,
                                            K, batch)
    assert abs(loss - exp_loss) <= tol * max(1.0, abs(exp_loss)), (loss, exp_loss)
    err = np.max(np.abs(grad - exp_grad))
    assert err <= tol * max(1e-300, np.max(np.abs(exp_grad))), err
    # Nothing outside the touched rows, nothing missing from them.
    assert np.array_equal(np.any(grad != 0, axis=1), np.any(exp_grad != 0, axis=1))
