"""Property-based tests (hypothesis): the treebank reader and the two losses.

Derandomized, so a run in CI draws the same examples every time.
"""

import contextlib
import os
import random
import signal
import tempfile
from collections import Counter

import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from utils.treebank import DatasetError, StanfordSentiment
from word2vec import (
    getNegativeSamples,
    naiveSoftmaxLossAndGradient,
    negSamplingLossAndGradient,
)


def _settings(n):
    return settings(max_examples=n, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


# ---- the treebank reader ----------------------------------------------------

# A word: any non-empty run of characters that str.split() does not split on
# (so no whitespace of any kind, Unicode's included) and that UTF-8 can encode.
word_chars = st.characters(blacklist_categories=("Cs",)).filter(lambda c: not c.isspace())
words = st.text(word_chars, min_size=1, max_size=8)
sentences = st.lists(st.lists(words, min_size=0, max_size=8), min_size=1, max_size=12)


@_settings(60)
@given(sentences, st.booleans())
def test_sentences_round_trip_through_the_file_format(sents, header):
    with tempfile.TemporaryDirectory() as folder:
        with open(os.path.join(folder, "datasetSentences.txt"), "w", encoding="utf-8",
                  newline="\n") as f:
            if header:  # without it, the first sentence is still read
                f.write("sentence_index\tsentence\n")
            for i, s in enumerate(sents, start=1):
                f.write("%d\t%s\n" % (i, " ".join(s)))
        ds = StanfordSentiment(folder)
        expected = [[w.lower() for w in s] for s in sents]
        assert ds.sentences() == expected
        assert ds.numSentences() == len(sents)

        tokens = ds.tokens()
        flat = [w for s in expected for w in s]
        first_seen = list(dict.fromkeys(flat))
        V = len(first_seen) + 1
        # Indices 0..V-1 in order of first appearance, UNK last.
        assert list(tokens) == first_seen + ["UNK"]
        assert sorted(tokens.values()) == list(range(V)) and tokens["UNK"] == V - 1
        counts = ds.token_counts()
        assert counts.shape == (V,)
        assert counts.sum() == len(flat) + 1  # UNK counted once
        by_word = Counter(flat)
        assert all(counts[tokens[w]] == n for w, n in by_word.items())
        assert counts[tokens["UNK"]] == 1


@contextlib.contextmanager
def hang_guard(seconds):
    """Raise TimeoutError if the block runs longer than ``seconds`` (a loop that never
    ends then fails the test instead of hanging the suite; not a speed check)."""
    def expire(signum, frame):
        raise TimeoutError("still running after %d s: a sampling loop that never ends?"
                           % seconds)
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# Tiny corpora over a few letters, repeated words included, so that subsampling
# often leaves nothing, or only sentences of one repeated word.
small_sentences = st.lists(st.lists(st.sampled_from("zzzyyx"), min_size=0, max_size=30),
                           min_size=1, max_size=6)


@_settings(80)
@given(small_sentences, st.integers(0, 150), st.integers(1, 40), st.integers(1, 3),
       st.integers(0, 2 ** 32 - 1))
def test_sampling_ends_or_says_why(sents, filler, tablesize, C, seed):
    """getRandomContext and sampleTokenIdx return, or raise DatasetError exactly when
    no pair (or no second negative) can be drawn; they never loop forever.

    filler -- sentences of 20 distinct rare words added: rare words survive
    subsampling, so with enough of them pairs can be drawn.
    """
    sents = sents + [["w%d" % (20 * i + j) for j in range(20)] for i in range(filler)]
    with tempfile.TemporaryDirectory() as folder:
        with open(os.path.join(folder, "datasetSentences.txt"), "w", encoding="utf-8") as f:
            f.write("".join("%d\t%s\n" % (i, " ".join(s)) for i, s in enumerate(sents, 1)))
        ds = StanfordSentiment(folder, tablesize=tablesize)
        random.seed(seed)
        with hang_guard(30):
            has_pair = any(len(set(s)) > 1 for s in ds.allSentences())
            try:
                for _ in range(20):
                    center, context = ds.getRandomContext(C)
                    assert context and center not in context and len(context) <= 2 * C
                assert has_pair
                event("a pair found")
            except DatasetError as err:
                assert not has_pair
                event("no pair: DatasetError")
                assert "datasetSentences.txt" in str(err)
            # The table's layout by its definition: word j fills p_j of it.
            p = ds.sampling_probabilities()
            in_table = np.unique(np.minimum(
                np.searchsorted(np.cumsum(p) * tablesize, np.arange(tablesize)), len(p) - 1))
            table_words = len(in_table)
            try:
                for o in in_table.tolist():  # (other words never clash with a negative)
                    negatives = getNegativeSamples(o, ds, 5)
                    assert len(negatives) == 5 and o not in negatives
                assert table_words > 1
                event("negatives drawn")
            except DatasetError as err:
                assert table_words == 1 and "holds one word only" in str(err)
                event("table of one word: DatasetError")


# ---- the losses ---------------------------------------------------------------

class UniformDataset:
    """Negatives drawn uniformly with Python's random (as sampleTokenIdx does)."""

    def __init__(self, V):
        self.V = V

    def sampleTokenIdx(self):
        return random.randint(0, self.V - 1)


@st.composite
def pair_problems(draw, bound):
    """(v_c (d,), o, U (V, d), K, seed) with entries in [-bound, bound]."""
    V = draw(st.integers(2, 6))
    d = draw(st.integers(1, 5))
    entries = st.floats(-bound, bound, allow_nan=False, allow_infinity=False)
    U = draw(arrays(np.float64, (V, d), elements=entries))
    v = draw(arrays(np.float64, (d,), elements=entries))
    o = draw(st.integers(0, V - 1))
    K = draw(st.integers(1, 6))
    seed = draw(st.integers(0, 2 ** 32 - 1))
    return v, o, U, K, seed


def _evaluate(lossfn, v, o, U, K, seed):
    """One evaluation, with the same negatives every time for the same seed."""
    if lossfn is naiveSoftmaxLossAndGradient:
        return lossfn(v, o, U, None)
    random.seed(seed)
    return lossfn(v, o, U, UniformDataset(U.shape[0]), K=K)


LOSSES = [naiveSoftmaxLossAndGradient, negSamplingLossAndGradient]


@_settings(150)
@given(st.sampled_from(LOSSES), pair_problems(1e3))
def test_losses_are_finite_for_any_finite_input(lossfn, problem):
    v, o, U, K, seed = problem
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss, g_center, g_outside = _evaluate(lossfn, v, o, U, K, seed)
    assert np.isfinite(loss) and loss >= 0
    assert g_center.shape == v.shape and np.all(np.isfinite(g_center))
    assert g_outside.shape == U.shape and np.all(np.isfinite(g_outside))


def _central_differences(f, x, h=1e-6):
    """d f / d x by central differences, one entry at a time."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        up = f(x)
        x[i] = old - h
        down = f(x)
        x[i] = old
        grad[i] = (up - down) / (2 * h)
    return grad


@_settings(60)
@given(st.sampled_from(LOSSES), pair_problems(3.0))
def test_gradients_match_finite_differences(lossfn, problem):
    v, o, U, K, seed = problem
    loss, g_center, g_outside = _evaluate(lossfn, v, o, U, K, seed)
    # _evaluate reseeds Python's random, so every evaluation draws the same negatives.
    num_center = _central_differences(lambda x: _evaluate(lossfn, x, o, U, K, seed)[0],
                                      v.copy())
    num_outside = _central_differences(lambda x: _evaluate(lossfn, v, o, x, K, seed)[0],
                                       U.copy())
    np.testing.assert_allclose(g_center, num_center, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(g_outside, num_outside, rtol=1e-5, atol=1e-6)
