"""The exact training path behind ``python run.py --exact``.

Why bit-identity matters: the assignment's run prints a reference trajectory
(``iter N: L`` lines) that students compare against, and graders may too. This
engine makes exactly the draws ``word2vec_sgd_wrapper(skipgram, ...,
negSamplingLossAndGradient)`` makes on Python's ``random``, and sums gradient
rows in the same order, so its loss and updated vectors are the same floats
as the per-window code's, in a fraction of the time. Any change here is
checked bit for bit against that code (tests/test_exact.py).
"""

import functools
import random

import numpy as np

import word2vec
from sgd import RowSparseGrad
from word2vec import BATCH_SIZE, getNegativeSamples, neg_sampling_core, target_gradients


def sum_by_key(keys, values):
    """Distinct keys (sorted) and the sum of the value rows of each.

    keys -- (n,) integers; values -- (n, d). Each sum is accumulated
    sequentially in input order, starting from 0.0 (np.bincount's order), so
    it rounds exactly like a loop of ``acc += value``.
    """
    distinct, inverse = np.unique(keys, return_inverse=True)
    d = values.shape[1]
    cells = (inverse[:, None] * d + np.arange(d)).ravel()
    sums = np.bincount(cells, weights=values.ravel(), minlength=distinct.shape[0] * d)
    return distinct, sums.reshape(-1, d)


class ExactSkipgram:
    """f(x) for ``sgd`` that follows the assignment's random stream draw for draw.

    It makes exactly the calls ``word2vec_sgd_wrapper(skipgram, ...,
    negSamplingLossAndGradient)`` makes on Python's ``random`` (window size,
    ``getRandomContext``, K negatives per outside word, in that order), then
    computes all pairs at once with ``neg_sampling_core`` and sums the
    gradient rows in the same order as the per-window code (pair, then window,
    then iteration), so the loss and the updated parameters are the same
    numbers, without a 2V x d array per pair.

    dataset -- a StanfordSentiment; tokens -- its word -> index dict
    seed -- the Python seed set before training (used to rebuild the lazily
    built ``allSentences()`` identically when a run resumes)
    """

    def __init__(self, dataset, window=5, K=10, batch=BATCH_SIZE, seed=31415):
        self.dataset, self.window, self.K, self.batch = dataset, int(window), int(K), int(batch)
        self.tokens = dataset.tokens()
        self.V = len(self.tokens)
        self.seed = seed

    # The run's Python random state is saved by the checkpoint itself; what this
    # engine must restore is the subsampled corpus, which the first iteration
    # built from the seeded stream (after drawing the first window size).
    def get_state(self):
        return {"seed": self.seed}

    def set_state(self, state):
        saved = random.getstate()
        random.seed(state["seed"])
        random.randint(1, self.window)
        self.dataset.allSentences()
        self.dataset.sampleTable()
        random.setstate(saved)

    def __call__(self, x):
        dataset, tokens, K, B, V = self.dataset, self.tokens, self.K, self.batch, self.V
        centers, targets, window_of_pair, window_losses = [], [], [], []
        n_pairs = 0
        for w in range(B):
            size = random.randint(1, self.window)
            center, context = dataset.getRandomContext(size)
            c = tokens[center]
            for word in context:
                o = tokens[word]
                centers.append(c)
                targets.append([o] + getNegativeSamples(o, dataset, K))
            window_of_pair.extend([w] * len(context))
            window_losses.append((n_pairs, n_pairs + len(context)))
            n_pairs += len(context)
        centers = np.array(centers)
        targets = np.array(targets)
        window_of_pair = np.array(window_of_pair)
        d = x.shape[1]

        center_vecs = x[centers]
        pair_loss, g_center, dscores = neg_sampling_core(center_vecs, x[V + targets])
        g_targets = target_gradients(dscores, center_vecs)

        # The loss as the wrapper adds it: per window, then (window / 50) in turn.
        loss = 0.0
        pl = pair_loss.tolist()
        for a, b in window_losses:
            c = 0.0
            for value in pl[a:b]:
                c += value
            loss += c / B

        # Outside rows: per pair, then per window (as skipgram adds pair gradients).
        P, T = targets.shape
        pair_keys = np.repeat(np.arange(P), T) * (2 * V) + V + targets.ravel()
        keys, sums = sum_by_key(pair_keys, g_targets.reshape(-1, d))
        pair = keys // (2 * V)
        keys, out_sums = sum_by_key(window_of_pair[pair] * (2 * V) + keys % (2 * V), sums)
        # Centre rows: per window.
        ckeys, c_sums = sum_by_key(window_of_pair * (2 * V) + centers, g_center)
        # Then divide each window's gradient by 50 and add the windows up in order.
        win_keys = np.concatenate((ckeys, keys))
        win_sums = np.concatenate((c_sums, out_sums)) / B
        order = np.argsort(win_keys // (2 * V), kind="stable")  # window order
        rows, summed = sum_by_key(win_keys[order] % (2 * V), win_sums[order])
        return loss, RowSparseGrad(rows, summed)


class PerWindow(ExactSkipgram):
    """f(x) for ``sgd`` by the assignment's own code: ``word2vec_sgd_wrapper``.

    For the settings the faster engines do not cover (CBOW, the naive
    softmax): slow, but the reference itself. model -- "skipgram" or "cbow";
    loss -- "neg" (K negatives) or "softmax".
    """

    def __init__(self, dataset, window=5, K=10, batch=BATCH_SIZE, seed=31415,
                 model="skipgram", loss="neg"):
        super().__init__(dataset, window=window, K=K, batch=batch, seed=seed)
        self.model = getattr(word2vec, model)
        self.loss = (functools.partial(word2vec.negSamplingLossAndGradient, K=self.K)
                     if loss == "neg" else word2vec.naiveSoftmaxLossAndGradient)

    def __call__(self, x):
        return word2vec.word2vec_sgd_wrapper(self.model, self.tokens, x, self.dataset,
                                             self.window, self.loss)
