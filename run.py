#!/usr/bin/env python
"""Train skip-gram word vectors on the Stanford Sentiment Treebank and plot them.

``python run.py`` trains as the assignment's run.py does: 40,000 SGD
iterations of skip-gram with negative sampling (d = 10, window 5, K = 10,
step 0.3, 50 windows per iteration), checkpoints every 5,000 iterations, then
a 2-D SVD projection of some words saved as ``word_vectors.png``.

By default the iterations run on the batched engine (batched.py: the same
objective, sampled with a seeded NumPy Generator; seconds instead of an hour).
``--exact`` follows the assignment's Python ``random`` stream draw for draw,
so it prints the numbers the assignment's own code prints.
"""

import argparse
import hashlib
import math
import os
import random
import sys
import time

import numpy as np

from sgd import sgd, SAVE_PARAMS_EVERY, TrainingDiverged
from utils.checkpoint import CheckpointError
from utils.treebank import StanfordSentiment, DatasetError, DEFAULT_PATH
from engines.batched import BatchedSkipgram
from engines.exact import ExactSkipgram
from export import plot_loss_curve, save_vectors

DIM = 10            # d, the size of the word vectors
WINDOW = 5          # C, the largest window size
STEP = 0.3          # the initial SGD step
K = 10              # negative samples per (centre, outside) pair
ITERATIONS = 40000
PRINT_EVERY = 10
SEED = 31415        # Python's seed (exact path) and the batched engine's

VISUALIZE_WORDS = [
    "great", "cool", "brilliant", "wonderful", "well", "amazing",
    "worth", "sweet", "enjoyable", "boring", "bad", "dumb",
    "annoying", "female", "male", "queen", "king", "man", "woman", "rain", "snow",
    "hail", "coffee", "tea"]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Train word2vec (skip-gram, negative sampling) on the Stanford Sentiment"
                    " Treebank, as CS224N Assignment 2 does, and save word_vectors.png.")
    parser.add_argument("--iterations", type=int, default=ITERATIONS,
                        help="SGD iterations of 50 windows each (default %(default)s)")
    parser.add_argument("--data", default=DEFAULT_PATH, metavar="DIR",
                        help="folder holding datasetSentences.txt (default: %(default)s,"
                             " filled by get_datasets.sh)")
    parser.add_argument("--outdir", default=".", metavar="DIR",
                        help="where the PNG and the checkpoints go (default: the current"
                             " folder)")
    parser.add_argument("--no-resume", action="store_true",
                        help="start fresh even if the output folder holds checkpoints (they"
                             " are moved aside, not deleted)")
    parser.add_argument("--exact", action="store_true",
                        help="follow the assignment's random stream draw for draw (slower:"
                             " minutes instead of seconds) instead of the batched engine")
    parser.add_argument("--checkpoint-every", type=int, default=SAVE_PARAMS_EVERY, metavar="N",
                        help="save a checkpoint every N iterations (default %(default)s)")
    parser.add_argument("--step", type=float, default=STEP, metavar="S",
                        help="the initial SGD step; it halves every 20,000 iterations"
                             " (default %(default)s, the assignment's)")
    args = parser.parse_args(argv)
    if args.iterations < 1:
        parser.error("--iterations must be at least 1")
    if args.checkpoint_every < 1:
        parser.error("--checkpoint-every must be at least 1")
    if not (math.isfinite(args.step) and args.step > 0):
        parser.error("--step must be a positive number")
    return args


def data_fingerprint(path):
    """SHA-256 of the sentence file: a checkpoint is only valid for the same corpus."""
    with open(os.path.join(path, "datasetSentences.txt"), "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def check_trainable(dataset, engine, path):
    """Raise DatasetError when the corpus has no (centre, outside) pair to train on.

    Skip-gram needs a sentence with two different words; the batched engine's
    subsampled corpus (frequent words dropped, as word2vec does) must keep one.
    """
    sentences_file = os.path.join(path, "datasetSentences.txt")
    if not any(len(set(s)) > 1 for s in dataset.sentences()):
        n = dataset.numSentences()
        raise DatasetError("%s: no sentence has two different words (%d sentence%s read);"
                           " skip-gram needs pairs of words to train on"
                           % (sentences_file, n, "" if n == 1 else "s"))
    if isinstance(engine, BatchedSkipgram) and len(engine.corpus) == 0:
        raise DatasetError(_too_small(sentences_file, dataset))


def _too_small(sentences_file, dataset):
    return ("%s: the corpus is too small to train on (%d words): subsampling drops"
            " frequent words, as word2vec does, and leaves no sentence of two words"
            % (sentences_file, sum(len(s) for s in dataset.sentences())))


def plot_word_vectors(wordVectors, tokens, path, words=VISUALIZE_WORDS):
    """Project the centre vectors of ``words`` to 2-D and save a labelled scatter.

    The projection: centre the chosen vectors, take the SVD of their
    covariance, keep the first two directions. Words missing from the
    vocabulary are left out (and named). Returns the (n, 2) coordinates.
    """
    import matplotlib
    matplotlib.use("Agg")  # no screen needed
    import matplotlib.pyplot as plt

    missing = [w for w in words if w not in tokens]
    if missing:
        print("Not in the vocabulary, left out of the plot: %s" % ", ".join(missing))
    words = [w for w in words if w in tokens]
    vecs = wordVectors[[tokens[w] for w in words], :]
    centred = vecs - np.mean(vecs, axis=0)
    covariance = centred.T @ centred / len(words)
    U, _, _ = np.linalg.svd(covariance)
    coord = centred @ U[:, :2]

    fig, ax = plt.subplots(figsize=(8, 6))
    for (x, y), word in zip(coord, words):
        ax.text(x, y, word, bbox=dict(facecolor="green", alpha=0.1))
    pad = 0.05 * (np.ptp(coord, axis=0) + 1e-12)
    ax.set_xlim(coord[:, 0].min() - pad[0], coord[:, 0].max() + pad[0])
    ax.set_ylim(coord[:, 1].min() - pad[1], coord[:, 1].max() + pad[1])
    ax.set_title("Word vectors: first two SVD directions")
    fig.savefig(path)
    plt.close(fig)
    return coord


def train(args):
    """Train as the assignment does; returns (wordVectors (2V, d), tokens, history)."""
    random.seed(314)
    dataset = StanfordSentiment(args.data)
    tokens = dataset.tokens()
    nWords = len(tokens)

    # On the exact path allSentences() and the sampling table are built lazily
    # inside training, so their random draws come after this seeding, as in
    # the assignment.
    random.seed(SEED)
    np.random.seed(9265)

    startTime = time.time()
    wordVectors = np.concatenate(
        ((np.random.rand(nWords, DIM) - 0.5) / DIM, np.zeros((nWords, DIM))), axis=0)
    if args.exact:
        engine = ExactSkipgram(dataset, window=WINDOW, K=K, seed=SEED)
    else:
        engine = BatchedSkipgram(dataset, window=WINDOW, K=K, seed=SEED, dim=DIM)
    check_trainable(dataset, engine, args.data)
    run_info = {"vocabulary": nWords, "dimension": DIM, "window": WINDOW, "K": K,
                "path": "exact" if args.exact else "batched", "seed": SEED,
                "step": args.step, "data": data_fingerprint(args.data)}
    history = []
    try:
        # Overflow only ever shows up as a NaN or infinite loss, which sgd()
        # reports itself: no RuntimeWarnings on top of that message.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            wordVectors = sgd(engine, wordVectors, args.step, args.iterations, None, True,
                              PRINT_EVERY=PRINT_EVERY, checkpoint_dir=args.outdir,
                              save_every=args.checkpoint_every, resume=not args.no_resume,
                              run_info=run_info, random_sources=[engine], history=history)
    except ValueError:
        # The exact path subsamples on its first iteration (the assignment's
        # order of draws), so a corpus subsampled to nothing shows up here.
        if args.exact and len(dataset.allSentences()) == 0:
            raise DatasetError(_too_small(os.path.join(args.data, "datasetSentences.txt"),
                                          dataset)) from None
        raise
    print("sanity check: cost at convergence should be around or below 10")
    print("training took %d seconds" % (time.time() - startTime))
    return wordVectors, tokens, history


def main(argv=None):
    args = parse_args(argv)
    try:
        os.makedirs(args.outdir, exist_ok=True)
        wordVectors, tokens, history = train(args)
    except TrainingDiverged as err:
        print("error: %s Rerun with a smaller --step (and --no-resume, to start over)."
              % err, file=sys.stderr)
        return 1
    except (DatasetError, CheckpointError) as err:
        print("error: %s" % err, file=sys.stderr)
        return 1
    except OSError as err:  # an unreadable data file, an output folder that cannot be made
        print("error: %s" % err, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    nWords = len(tokens)
    # The plot uses the centre vectors v_w (the first half of the rows).
    png = os.path.join(args.outdir, "word_vectors.png")
    plot_word_vectors(wordVectors[:nWords], tokens, png)
    saved = [png]
    saved += save_vectors(args.outdir, wordVectors, tokens)
    if history:
        saved.append(os.path.join(args.outdir, "loss_curve.png"))
        plot_loss_curve(history, saved[-1])
    print("Saved %s" % ", ".join(saved))
    return 0


if __name__ == "__main__":
    sys.exit(main())
