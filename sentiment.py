#!/usr/bin/env python
"""Sentence sentiment from trained word vectors (the assignment's sentiment part).

A sentence's features are the average of its words' vectors (for run.py's vectors
[v_w, u_w], centre and outside vectors concatenated; ``--vector`` chooses);
words not in the vocabulary are skipped, and a sentence with no known word
gets zeros. The features are standardised (mean 0, variance 1 on train) and
a multinomial logistic regression is fitted for each regularisation strength
of a sweep; the one with the best dev accuracy is kept. Accuracies are
reported on train, dev and test, for the five classes and for the binary
task (neutral sentences dropped, classes 0-1 negative, 3-4 positive), each
next to the majority-class baseline (the most frequent class of train).

    python sentiment.py --vectors DIR [--vector v|u|sum|concat] [--data DIR] [--ptb DIR]
"""

import argparse
import os
import sys
import time
from collections import namedtuple

import numpy as np

from utils.treebank import DEFAULT_PATH, DatasetError, StanfordSentiment
from w2v.infra.terminal import run_command
from w2v.vectors.files import VECTOR_NAMES, VectorsError, add_arguments, load

# sklearn's C is the inverse of the regularisation strength: small C, strong
# regularisation. Half-decade steps from 1e-4 to 1e4.
DEFAULT_CS = np.logspace(-4, 4, 17)
MAX_ITER = 5000
RANDOM_STATE = 0
CLASS_NAMES = ("very negative", "negative", "neutral", "positive", "very positive")
NEUTRAL = 2

SweepResult = namedtuple("SweepResult", "Cs train_accuracy dev_accuracy best model")
SweepResult.__doc__ = """The outcome of ``sweep``.

Cs, train_accuracy, dev_accuracy -- arrays (n,), one entry per C
best -- the index of the chosen C (best dev accuracy; the smallest such C on a tie)
model -- the classifier fitted with Cs[best]
"""


# ---- features ----------------------------------------------------------------

def sentence_features(sentences, vectors, tokens):
    """Array (N, D): each sentence's average word vector.

    sentences -- N lists of words
    vectors -- (V, D), row tokens[w] the vector of word w
    tokens -- dict word -> row
    Words not in ``tokens`` are skipped; a sentence with no known word (or no
    word at all) gets the zero vector.
    """
    vectors = np.asarray(vectors, dtype=float)
    features = np.zeros((len(sentences), vectors.shape[1]))
    for n, sentence in enumerate(sentences):
        rows = [tokens[w] for w in sentence if w in tokens]
        if rows:
            features[n] = vectors[rows].mean(axis=0)
    return features


def split_data(dataset, vectors, tokens):
    """Features and classes of each split: dict name -> (X (N, D), y (N,) ints 0-4).

    Also returns the fraction of word occurrences that are not in ``tokens``.
    """
    data = {}
    unknown = total = 0
    for name, get in (("train", dataset.getTrainSentences), ("dev", dataset.getDevSentences),
                      ("test", dataset.getTestSentences)):
        pairs = get()
        sentences = [words for words, _ in pairs]
        y = np.array([label for _, label in pairs], dtype=int)
        data[name] = (sentence_features(sentences, vectors, tokens), y)
        total += sum(len(s) for s in sentences)
        unknown += sum(w not in tokens for s in sentences for w in s)
    return data, (unknown / total if total else 0.0)


def binary_task(X, y):
    """Drop the neutral class: returns X without those rows, y as 0 (classes 0-1) / 1 (3-4)."""
    keep = y != NEUTRAL
    return X[keep], (y[keep] > NEUTRAL).astype(int)


# ---- classifier --------------------------------------------------------------

def fit_classifier(X, y, C):
    """A multinomial logistic regression (lbfgs) on standardised features, fitted.

    C is sklearn's inverse regularisation strength. With two or more classes
    lbfgs minimises the multinomial (softmax) loss.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(),
                          LogisticRegression(C=C, solver="lbfgs", max_iter=MAX_ITER,
                                             random_state=RANDOM_STATE))
    return model.fit(X, y)


def accuracy(model, X, y):
    """The fraction of rows of X whose predicted class is y."""
    return float(np.mean(model.predict(X) == y)) if len(y) else float("nan")


def sweep(Xtrain, ytrain, Xdev, ydev, Cs=DEFAULT_CS, report=None):
    """Fit one classifier per C on train and keep the one best on dev.

    Returns a SweepResult; on a tie in dev accuracy the smallest C (the
    strongest regularisation) wins. ``report(C, train_accuracy, dev_accuracy,
    seconds)`` is called after each fit, in increasing C. The fits run with
    one BLAS/OpenMP thread: the problem is small, and threads inside each fit
    only contend for the cores (minutes instead of seconds on a busy machine)
    without changing the numbers.
    """
    from threadpoolctl import threadpool_limits

    Cs = np.asarray(Cs, dtype=float)
    if Cs.size == 0 or np.any(Cs <= 0):
        raise ValueError("the C values must be positive and at least one, got %s" % (Cs,))
    if len(np.unique(ytrain)) < 2:
        raise ValueError("the training sentences have a single class (%s); a classifier"
                         " needs at least two" % (np.unique(ytrain),))
    if len(ydev) == 0:
        raise ValueError("the dev split is empty: nothing to choose C on")
    models, train_acc, dev_acc = [], [], []
    order = np.argsort(Cs, kind="stable")
    for C in Cs[order]:
        start = time.perf_counter()
        with threadpool_limits(limits=1):
            model = fit_classifier(Xtrain, ytrain, C)
            models.append(model)
            train_acc.append(accuracy(model, Xtrain, ytrain))
            dev_acc.append(accuracy(model, Xdev, ydev))
        if report is not None:
            report(C, train_acc[-1], dev_acc[-1], time.perf_counter() - start)
    best = int(np.argmax(dev_acc))  # the first maximum: the smallest C
    return SweepResult(Cs[order], np.array(train_acc), np.array(dev_acc), best, models[best])


def majority_baseline(ytrain, ys):
    """The most frequent class of train (smallest on a tie) and its accuracy on each y in ys."""
    majority = int(np.argmax(np.bincount(ytrain)))
    return majority, [float(np.mean(y == majority)) if len(y) else float("nan") for y in ys]


def evaluate_task(data, Cs=DEFAULT_CS, report=None):
    """Sweep C on one task and score the chosen model.

    data -- dict "train"/"dev"/"test" -> (X, y)
    report -- called after each fit of the sweep (see ``sweep``)
    Returns a dict: sweep (SweepResult), accuracy and baseline (dicts split ->
    fraction), majority (the baseline's class), predictions (split -> array).
    """
    result = sweep(*data["train"], *data["dev"], Cs=Cs, report=report)
    splits = ("train", "dev", "test")
    majority, base = majority_baseline(data["train"][1], [data[s][1] for s in splits])
    return {
        "sweep": result,
        "accuracy": {s: accuracy(result.model, *data[s]) for s in splits},
        "baseline": dict(zip(splits, base)),
        "majority": majority,
        "predictions": {s: result.model.predict(data[s][0]) for s in splits},
    }


def score(wv, dataset, Cs=DEFAULT_CS, report=None, split=None):
    """Both tasks for the word vectors ``wv`` (a vectors.WordVectors).

    dataset -- a StanfordSentiment with sentence labels
    report -- called as report(task, C, train_accuracy, dev_accuracy, seconds)
              after each fit, task "5 classes" or "binary"
    split -- ``split_data(dataset, wv.matrix, wv.index)`` if already computed
    Returns a dict: "5 classes" and "binary" (evaluate_task results), "data"
    (split -> (X, y) of the 5-class task), "unknown" (the fraction of word
    occurrences not in the vocabulary).
    """
    data, unknown = split if split is not None else split_data(dataset, wv.matrix, wv.index)
    results = {"data": data, "unknown": unknown}
    for task, task_data in (("5 classes", data),
                            ("binary", {s: binary_task(*data[s]) for s in data})):
        each = None if report is None else (lambda *fit, t=task: report(t, *fit))
        results[task] = evaluate_task(task_data, Cs, each)
    return results


# ---- command line ------------------------------------------------------------

def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Classify the sentiment of Stanford Sentiment Treebank sentences from"
                    " trained word vectors: features are the average of the words' vectors"
                    " (unknown words skipped), standardised, then a multinomial logistic"
                    " regression per C of a sweep, the best chosen on dev accuracy. Prints"
                    " train/dev accuracy for each C, then train/dev/test accuracy for 5"
                    " classes and for positive/negative (neutral dropped), each with the"
                    " majority-class baseline, and saves sentiment_accuracy.png and"
                    " sentiment_confusion.png.")
    add_arguments(parser)
    parser.add_argument("--data", default=DEFAULT_PATH, metavar="DIR",
                        help="the treebank folder holding datasetSentences.txt and"
                             " datasetSplit.txt (default: %(default)s)")
    parser.add_argument("--ptb", default=None, metavar="DIR",
                        help="folder of the PTB sentiment trees (train.txt, dev.txt, test.txt,"
                             " or a trees/ folder holding them), used for the labels when"
                             " the treebank folder has no dictionary.txt (default:"
                             " trainDevTestTrees_PTB/trees next to the treebank folder)")
    parser.add_argument("--outdir", default=None, metavar="DIR",
                        help="where the two PNGs go (default: the --vectors folder)")
    parser.add_argument("--cs", type=float, nargs="+", default=list(DEFAULT_CS), metavar="C",
                        help="the C values to sweep; sklearn's C is 1/regularisation"
                             " strength (default: 17 values, 1e-4 to 1e4 in half-decade"
                             " steps)")
    args = parser.parse_args(argv)
    if any(not (c > 0 and np.isfinite(c)) for c in args.cs):
        parser.error("--cs: every C must be a positive number")
    return args


def _print_fit(task, C, train_accuracy, dev_accuracy, seconds):
    print("  %-9s  C = %-8.3g  train %5.1f%%  dev %5.1f%%  (%.1f s)"
          % (task, C, 100 * train_accuracy, 100 * dev_accuracy, seconds), flush=True)


def _print_task(title, res):
    s = res["sweep"]
    print("%s: best C = %.3g (of %d swept, chosen on dev accuracy)"
          % (title, s.Cs[s.best], len(s.Cs)))
    print("  split   accuracy   majority baseline (class %d of train)" % res["majority"])
    for split in ("train", "dev", "test"):
        print("  %-5s   %6.1f%%    %6.1f%%"
              % (split, 100 * res["accuracy"][split], 100 * res["baseline"][split]))


def _describe(wv):
    if os.path.isfile(wv.source):
        return "its words' vectors"
    return "its words' %s" % VECTOR_NAMES[wv.vector]


def _save_figures(results, outdir):
    """The two PNGs; a figure that cannot be written is a warning, the numbers stand."""
    from w2v import plots

    five = results["5 classes"]
    try:
        os.makedirs(outdir, exist_ok=True)
        saved = [plots.plot_accuracy([("5 classes", five),
                                      ("Binary (neutral dropped)", results["binary"])],
                                     os.path.join(outdir, "sentiment_accuracy.png"))]
        saved.append(os.path.join(outdir, "sentiment_confusion.png"))
        plots.plot_confusion(results["data"]["test"][1], five["predictions"]["test"],
                             saved[-1], CLASS_NAMES)
    except (OSError, ValueError) as err:
        print("warning: the figures were not saved: %s" % err, file=sys.stderr)
        return
    for path in saved:
        print("Saved %s" % path)


def run(args):
    start = time.perf_counter()
    wv = load(args.vectors, vector=args.vector, limit=args.limit)
    dataset = StanfordSentiment(args.data, ptb_path=args.ptb)
    split = split_data(dataset, wv.matrix, wv.index)
    data, unknown = split
    print("Labels:  %s" % dataset.label_source())
    print("Vectors: %s (%d words; a sentence is the mean of %s, %d numbers)"
          % (args.vectors, len(wv), _describe(wv), wv.matrix.shape[1]))
    print("Sentences: train %d, dev %d, test %d; %.2f%% of their words are not in the"
          " vocabulary (skipped)" % (len(data["train"][1]), len(data["dev"][1]),
                                     len(data["test"][1]), 100 * unknown))
    print()
    print("Sweeping C, one logistic regression per value (accuracy on train and dev):")
    results = score(wv, dataset, args.cs, _print_fit, split)
    print()
    _print_task("5 classes", results["5 classes"])
    _print_task("Binary (neutral dropped; classes 0-1 negative, 3-4 positive)",
                results["binary"])
    print()
    outdir = args.outdir
    if outdir is None:
        outdir = args.vectors if os.path.isdir(args.vectors) else os.path.dirname(
            os.path.abspath(args.vectors))
    _save_figures(results, outdir)
    print("sentiment.py took %.1f s (%d classifier fits)"
          % (time.perf_counter() - start, 2 * len(args.cs)))
    return results["5 classes"], results["binary"]


def main(argv=None):
    return run_command(run, parse_args(argv), (VectorsError, DatasetError, ValueError, OSError))


if __name__ == "__main__":
    sys.exit(main())
