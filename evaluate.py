#!/usr/bin/env python
"""Score word vectors: ``python -m w2v evaluate`` plus the assignment's sentiment part.

    python evaluate.py --vectors PATH [--benchmarks DIR] [--no-sentiment] ...

Word similarity and analogies come from the library (w2v/commands/evaluate.py);
this file adds sentiment.py's 5-class and binary test accuracies when the
treebank and its labels are there.
"""

import os
import sys

import sentiment
from utils.datafiles import DatasetError
from utils.treebank import DEFAULT_PATH, StanfordSentiment
from w2v.commands import evaluate

NAME = "sentiment"
DESCRIPTION = "and sentiment.py's accuracies when the treebank is there"


def add_arguments(parser):
    parser.add_argument("--no-sentiment", action="store_true", help="skip the sentiment part")
    parser.add_argument("--data", default=DEFAULT_PATH, metavar="DIR",
                        help="the treebank folder for the sentiment part (default: %(default)s)")
    parser.add_argument("--ptb", default=None, metavar="DIR",
                        help="the PTB sentiment trees, for the labels when the treebank has"
                             " no dictionary.txt (default: beside the treebank folder)")


def score(wv, args, progress):
    """sentiment.score's results, or None (with a line saying why) when it cannot run."""
    if args.no_sentiment:
        return None
    if not os.path.isfile(os.path.join(args.data, "datasetSentences.txt")):
        print("sentiment: skipped: no treebank in %s (run `sh get_datasets.sh`, or --data DIR)"
              % args.data)
        return None
    fits = iter(range(1, 2 * len(sentiment.DEFAULT_CS) + 1))
    try:
        dataset = StanfordSentiment(args.data, ptb_path=args.ptb)
        return sentiment.score(wv, dataset, report=lambda *_: progress.show(
            "sentiment: classifier %d of %d" % (next(fits), 2 * len(sentiment.DEFAULT_CS))))
    except (DatasetError, OSError) as err:
        print("sentiment: skipped: %s" % err)
        return None
    finally:
        progress.close()


def _percent(x):
    return "-" if x is None else "%.1f%%" % (100 * x)


def print_scores(result):
    print("Sentiment (sentiment.py): test accuracy, majority-class baseline in brackets")
    for task in ("5 classes", "binary"):
        res = result[task]
        print("  %-10s %6s  (%s)" % (task, _percent(res["accuracy"]["test"]),
                                     _percent(res["baseline"]["test"])))


def _task_json(res):
    accuracy = res["accuracy"]
    return {"train": accuracy["train"], "dev": accuracy["dev"], "test": accuracy["test"],
            "majority_test": res["baseline"]["test"],
            "C": float(res["sweep"].Cs[res["sweep"].best])}


def as_json(result):
    return {"5_classes": _task_json(result["5 classes"]), "binary": _task_json(result["binary"])}


def main(argv=None):
    return evaluate.main(argv, extras=[sys.modules[__name__]])


if __name__ == "__main__":
    sys.exit(main())
