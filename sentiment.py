#!/usr/bin/env python
"""Sentence sentiment from trained word vectors (the assignment's sentiment part).

A sentence's features are the average of its words' vectors, a word's vector
being [v_w, u_w] (centre and outside vectors concatenated); words not in the
vocabulary are skipped, and a sentence with no known word gets zeros. The
features are standardised (mean 0, variance 1 on train) and a multinomial
logistic regression is fitted for each regularisation strength of a sweep;
the one with the best dev accuracy is kept. Accuracies are reported on
train, dev and test, for the five classes and for the binary task (neutral
sentences dropped, classes 0-1 negative, 3-4 positive), each next to the
majority-class baseline (the most frequent class of train).

    python sentiment.py --vectors DIR [--data DIR] [--ptb DIR] [--outdir DIR]
"""

import argparse
import os
import sys
from collections import namedtuple

import numpy as np

from export import VectorsError, load_vectors, word_vectors
from utils.fileio import atomic_write
from utils.treebank import DEFAULT_PATH, NUM_CLASSES, DatasetError, StanfordSentiment

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


def sweep(Xtrain, ytrain, Xdev, ydev, Cs=DEFAULT_CS):
    """Fit one classifier per C on train and keep the one best on dev.

    Returns a SweepResult; on a tie in dev accuracy the smallest C (the
    strongest regularisation) wins.
    """
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
        model = fit_classifier(Xtrain, ytrain, C)
        models.append(model)
        train_acc.append(accuracy(model, Xtrain, ytrain))
        dev_acc.append(accuracy(model, Xdev, ydev))
    best = int(np.argmax(dev_acc))  # the first maximum: the smallest C
    return SweepResult(Cs[order], np.array(train_acc), np.array(dev_acc), best, models[best])


def majority_baseline(ytrain, ys):
    """The most frequent class of train (smallest on a tie) and its accuracy on each y in ys."""
    majority = int(np.argmax(np.bincount(ytrain)))
    return majority, [float(np.mean(y == majority)) if len(y) else float("nan") for y in ys]


def evaluate_task(data, Cs=DEFAULT_CS):
    """Sweep C on one task and score the chosen model.

    data -- dict "train"/"dev"/"test" -> (X, y)
    Returns a dict: sweep (SweepResult), accuracy and baseline (dicts split ->
    fraction), majority (the baseline's class), predictions (split -> array).
    """
    result = sweep(*data["train"], *data["dev"], Cs=Cs)
    splits = ("train", "dev", "test")
    majority, base = majority_baseline(data["train"][1], [data[s][1] for s in splits])
    return {
        "sweep": result,
        "accuracy": {s: accuracy(result.model, *data[s]) for s in splits},
        "baseline": dict(zip(splits, base)),
        "majority": majority,
        "predictions": {s: result.model.predict(data[s][0]) for s in splits},
    }


# ---- plots -------------------------------------------------------------------

def _pyplot():
    import matplotlib
    matplotlib.use("Agg")  # no screen needed
    import matplotlib.pyplot as plt
    return plt


def plot_accuracy(tasks, path):
    """Train and dev accuracy against C (log axis), best C marked, one panel per task.

    tasks -- list of (title, evaluate_task result)
    """
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(tasks), figsize=(6 * len(tasks), 4.5), squeeze=False)
    for ax, (title, res) in zip(axes[0], tasks):
        s = res["sweep"]
        ax.semilogx(s.Cs, s.train_accuracy, "o-", label="train")
        ax.semilogx(s.Cs, s.dev_accuracy, "s-", label="dev")
        ax.plot([s.Cs[s.best]], [s.dev_accuracy[s.best]], "*", color="red", markersize=16,
                label="best on dev: C = %.3g" % s.Cs[s.best])
        ax.axhline(res["baseline"]["dev"], color="gray", linestyle="--",
                   label="majority baseline (dev)")
        ax.set_xlabel("C (inverse regularisation strength; larger = weaker)")
        ax.set_ylabel("accuracy")
        ax.set_title(title)
        ax.grid(True, alpha=0.3)
        ax.legend(loc="best", fontsize="small")
    fig.tight_layout()
    atomic_write(path, lambda f: fig.savefig(f, format="png"))
    plt.close(fig)
    return path


def plot_confusion(y_true, y_pred, path, title="5-class sentiment, test set"):
    """Save an annotated 5-class confusion matrix (rows true, columns predicted)."""
    from sklearn.metrics import confusion_matrix

    cm = confusion_matrix(y_true, y_pred, labels=list(range(NUM_CLASSES)))
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 6))
    image = ax.imshow(cm, cmap="Blues")
    fig.colorbar(image, ax=ax, label="sentences")
    names = ["%d %s" % (k, n) for k, n in enumerate(CLASS_NAMES)]
    ax.set_xticks(range(NUM_CLASSES), names, rotation=30, ha="right")
    ax.set_yticks(range(NUM_CLASSES), names)
    threshold = cm.max() / 2 if cm.size else 0
    for i in range(NUM_CLASSES):
        for j in range(NUM_CLASSES):
            ax.text(j, i, str(cm[i, j]), ha="center", va="center",
                    color="white" if cm[i, j] > threshold else "black")
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title("%s (accuracy %.1f%%)" % (title, 100 * np.trace(cm) / max(cm.sum(), 1)))
    fig.tight_layout()
    atomic_write(path, lambda f: fig.savefig(f, format="png"))
    plt.close(fig)
    return cm


# ---- command line ------------------------------------------------------------

def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Classify the sentiment of Stanford Sentiment Treebank sentences from"
                    " trained word vectors: features are the average of the words' vectors"
                    " [v_w, u_w] (centre and outside concatenated; unknown words skipped),"
                    " standardised, then a multinomial logistic regression per C of a"
                    " sweep, the best chosen on dev accuracy. Prints train/dev/test"
                    " accuracy for 5 classes and for positive/negative (neutral dropped),"
                    " each with the majority-class baseline, and saves"
                    " sentiment_accuracy.png and sentiment_confusion.png.")
    parser.add_argument("--vectors", default=".", metavar="DIR",
                        help="folder holding wordVectors.npy and vocab.txt as run.py saves"
                             " them (default: the current folder)")
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
    if any(c <= 0 for c in args.cs):
        parser.error("--cs: every C must be positive")
    return args


def _print_task(title, res):
    s = res["sweep"]
    print("%s: best C = %.3g (of %d swept, chosen on dev accuracy)"
          % (title, s.Cs[s.best], len(s.Cs)))
    print("  split   accuracy   majority baseline (class %d of train)" % res["majority"])
    for split in ("train", "dev", "test"):
        print("  %-5s   %6.1f%%    %6.1f%%"
              % (split, 100 * res["accuracy"][split], 100 * res["baseline"][split]))


def run(args):
    wordVectors, words, tokens = load_vectors(args.vectors)
    vectors = word_vectors(wordVectors)
    dataset = StanfordSentiment(args.data, ptb_path=args.ptb)
    data, unknown = split_data(dataset, vectors, tokens)
    print("Labels:  %s" % dataset.label_source())
    print("Vectors: %s (%d words; a sentence is the mean of its words' [v_w, u_w], %d numbers)"
          % (args.vectors, len(words), vectors.shape[1]))
    print("Sentences: train %d, dev %d, test %d; %.2f%% of their words are not in the"
          " vocabulary (skipped)" % (len(data["train"][1]), len(data["dev"][1]),
                                     len(data["test"][1]), 100 * unknown))
    print()
    five = evaluate_task(data, args.cs)
    _print_task("5 classes", five)
    binary = evaluate_task({s: binary_task(*data[s]) for s in data}, args.cs)
    _print_task("Binary (neutral dropped; classes 0-1 negative, 3-4 positive)", binary)
    print()

    outdir = args.outdir if args.outdir is not None else args.vectors
    os.makedirs(outdir, exist_ok=True)
    acc_png = plot_accuracy([("5 classes", five), ("Binary (neutral dropped)", binary)],
                            os.path.join(outdir, "sentiment_accuracy.png"))
    conf_png = os.path.join(outdir, "sentiment_confusion.png")
    plot_confusion(data["test"][1], five["predictions"]["test"], conf_png)
    print("Saved %s" % acc_png)
    print("Saved %s" % conf_png)
    return five, binary


def main(argv=None):
    args = parse_args(argv)
    try:
        run(args)
    except (VectorsError, DatasetError, ValueError, OSError) as err:
        print("error: %s" % err, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
