"""Checks of a training run's data and outputs, before anything is trained or written
(the options' own checks are training/options.py's).

Each raises ValueError with one line: what was wrong, where, what to do (the
checks of the data raise its subclass w2v.training.corpus.CorpusError).
They refuse what would otherwise hang (a negative-sampling distribution on
one word, checkpoints so frequent that nothing trains), end in a traceback
(a negative seed), train nothing while saying it succeeded (a corpus with no
pair of words) or destroy an input (an output folder holding the corpus).
"""

import math
import os

import numpy as np

from w2v.training.corpus import CorpusError, keep_probabilities

MAX_NEGATIVE_SHARE = 0.99      # one word's share of the negatives: 100 redraws a negative
# What ``python -m w2v train`` writes in its output folder.
OUTPUT_NAMES = ("vectors.txt", "vectors.bin", "vocab.txt", "wordVectors.npy",
                "loss_curve.png", "model.json")
CHECKPOINT_FOLDER = "checkpoints"
PAIRS_CHUNK = 1 << 20          # words looked at a time when counting the expected pairs


def negative_probabilities(counts, ns_exponent):
    """Each word's probability as a negative, counts**ns_exponent normalised, float64 (V,).

    Computed in logarithms, so an exponent of 1000 does not overflow; raises
    ValueError for a non-finite exponent.
    """
    if not math.isfinite(ns_exponent):
        raise ValueError("--ns-exponent %r: give a finite number, e.g. 0.75" % ns_exponent)
    logs = float(ns_exponent) * np.log(np.maximum(np.asarray(counts, np.float64), 1.0))
    p = np.exp(logs - logs.max())
    return p / p.sum()


def check_ns_exponent(words, counts, ns_exponent):
    """Refuse an exponent that puts (almost) every negative on one word.

    Its pairs would redraw their negatives about 1 / (1 - p) times each, p that
    word's share, forever at p = 1; a share over MAX_NEGATIVE_SHARE is refused,
    as is an exponent whose counts**x overflows or vanishes in float64 (the
    sampling table of w2v.training.corpus.negative_cum_table).
    """
    p = negative_probabilities(counts, ns_exponent)
    top = int(np.argmax(p))
    with np.errstate(over="ignore", under="ignore"):
        powered = np.asarray(counts, np.float64) ** float(ns_exponent)
    if p[top] > MAX_NEGATIVE_SHARE or not (np.all(np.isfinite(powered)) and
                                           np.isfinite(powered.sum()) and powered.sum() > 0):
        raise CorpusError(
            "--ns-exponent %g puts %.4g%% of the negatives on %r (counts**%g over %d words):"
            " no other word is left to draw; use an exponent between 0 and 1 (word2vec's"
            " 0.75)" % (ns_exponent, 100 * p[top], words[top], ns_exponent, len(counts)))


def expected_pairs(counts, encoded, sample):
    """Expected pairs of kept words in one piece, per epoch, up to 1 (then 1).

    Subsampling keeps word w with probability p_w (keep_probabilities); a piece
    trains only if two of its words are kept: its expected number of kept pairs
    is ((sum p)^2 - sum p^2) / 2, an upper bound of the chance it trains.
    """
    keep = keep_probabilities(counts, sample)
    starts = np.asarray(encoded.starts, np.int64)
    total, first = 0.0, 0
    while first < len(starts) - 1 and total < 1.0:
        last = int(np.searchsorted(starts, starts[first] + PAIRS_CHUNK, side="right")) - 1
        last = max(last, first + 1)
        a, b = starts[first], starts[last]
        p = keep[encoded.ids[a:b]]
        edges = starts[first:last] - a
        edges = edges[edges < len(p)]       # empty pieces have no words to sum
        if len(p):
            s, q = np.add.reduceat(p, edges), np.add.reduceat(p * p, edges)
            total += float(np.sum((s * s - q) / 2.0))
        first = last
    return min(total, 1.0)


def check_trainable(counts, encoded, sample, epochs, source):
    """Refuse a corpus from which no (centre, context) pair would be trained.

    counts -- the vocabulary's counts (V,); encoded -- its EncodedCorpus
    source -- the file's name for the message. A pair needs two words of the
    vocabulary on one line (a piece) and, with subsampling, both kept: fewer
    than one such pair expected over the run leaves the random initial vectors.
    """
    lengths = np.diff(np.asarray(encoded.starts, np.int64))
    if len(lengths) == 0 or lengths.max() < 2:
        raise CorpusError("%s: no line holds two words of the vocabulary (%d words, each alone"
                         " on its line): word2vec trains on words that share a line; join"
                         " the sentences' words on their lines (or lower --min-count)"
                         % (source, len(encoded.ids)))
    if sample > 0 and expected_pairs(counts, encoded, sample) * epochs < 1.0:
        raise CorpusError("%s: with --sample %g subsampling keeps too few of its %d words to"
                         " make one pair of words on a line; use --sample 1e-3 (the default)"
                         " or 0" % (source, sample, len(encoded.ids)))


def _same(a, b):
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def check_outputs_not_inputs(outdir, inputs, names=OUTPUT_NAMES):
    """Refuse an input that is (or links to) a file the run writes in ``outdir``.

    inputs -- {option: path}, e.g. {"--corpus": "data/vectors.txt"}; the outputs
    are ``names`` in outdir, and everything in outdir/checkpoints.
    """
    checkpoints = os.path.realpath(os.path.join(outdir, CHECKPOINT_FOLDER))
    for option, path in inputs.items():
        if path is None or not os.path.exists(path):
            continue
        real = os.path.realpath(path)
        if real == checkpoints or real.startswith(checkpoints + os.sep):
            raise ValueError("%s %s is in %s, where this run writes its checkpoints: move it"
                             " out, or choose another --outdir" % (option, path, checkpoints))
        for name in names:
            output = os.path.join(outdir, name)
            if os.path.exists(output) and _same(path, output) or real == os.path.realpath(
                    output):
                raise ValueError("%s %s is %s, which this run writes: choose another"
                                 " --outdir (or move the input)" % (option, path, output))
