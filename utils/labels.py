"""Sentence labels of the Stanford Sentiment Treebank: the splits, the five classes, and
the two places the labels come from (Stanford's dictionary.txt, or the PTB trees).

The assignment reads a sentence's label from ``dictionary.txt`` (phrase -> id)
and ``sentiment_labels.txt`` (id -> value in [0, 1]), and bins the value into
five classes (``categorify``). Stanford's current download lacks
``dictionary.txt``; the PTB sentiment trees (``train.txt``, ``dev.txt``,
``test.txt``) hold the same sentences with their class at the root, one tree
per sentence of each split in datasetSplit.txt order. The file readers are in
utils/label_files.py.
"""

import os
import random
import re

import numpy as np

from utils.datafiles import DatasetError, read_records
from utils.label_files import (
    PTB_FILES,
    default_ptb_path,
    find_ptb_trees,
    get_labels_hint,
    ptb_sentence_text,
    read_phrase_dictionary,
    read_phrase_labels,
    read_ptb_roots,
    repair_mojibake,
)

PTB_SPLIT_FILES = ("train.txt", "test.txt", "dev.txt")  # in dataset_split() order
SPLIT_NAMES = ("train", "test", "dev")
NUM_CLASSES = 5

_SPLIT_RECORD = re.compile(r"\s*[0-9]+\s*,\s*[0-9]+\s*")


def is_split_record(text):
    """Whether a line of datasetSplit.txt is a record: ``index,label``."""
    return _SPLIT_RECORD.fullmatch(text) is not None


def categorify(label):
    """The class (0-4) of a sentiment value in [0, 1], as the assignment bins it.

    <= 0.2 -> 0 (very negative), <= 0.4 -> 1, <= 0.6 -> 2 (neutral),
    <= 0.8 -> 3, otherwise 4 (very positive). NaN (no label) and values
    outside [0, 1] raise ValueError.
    """
    try:
        value = float(label)
    except (TypeError, ValueError):
        value = None
    if value != value:
        raise ValueError("categorify: the label is NaN (a sentence without a label:"
                         " it is in no split of datasetSplit.txt)")
    if value is None or not 0.0 <= value <= 1.0:
        raise ValueError("categorify: expected a sentiment value in [0, 1] (as"
                         " sentiment_labels.txt gives), got %r" % (label,))
    if value <= 0.2:
        return 0
    elif value <= 0.4:
        return 1
    elif value <= 0.6:
        return 2
    elif value <= 0.8:
        return 3
    else:
        return 4


def class_midpoint(k):
    """The sentiment value standing for class k (0-4): (k + 0.5) / 5."""
    return (k + 0.5) / NUM_CLASSES


class SentenceLabels:
    """The splits and sentence labels of a StanfordSentiment.

    dataset -- the StanfordSentiment: its folder (``path``), its sentences as
        written (``sentence_lines()``) and an optional ``ptb_path``
    Everything is read on first use and cached.
    """

    def __init__(self, dataset):
        self.dataset = dataset
        self._split = None
        self._labels = None
        self._source = None

    def _file(self, name):
        return os.path.join(self.dataset.path, name)

    def dataset_split(self):
        """Sentence indices (0-based) of each split: [train, test, dev].

        ``datasetSplit.txt`` labels are 1 = train, 2 = test, 3 = dev; each
        sentence index must be one of the sentence file's, listed once.
        """
        if self._split is not None:
            return self._split
        path = self._file("datasetSplit.txt")
        n = len(self.dataset.sentence_lines())
        split = [[] for _ in range(3)]
        seen = {}
        for number, line in read_records(path, "The split file", is_split_record,
                                         "`sentence_index,splitset_label` (two whole numbers)"):
            index, label = (int(field) for field in line.split(","))
            if label not in (1, 2, 3):
                raise DatasetError("%s:%d: split label %d is not 1 (train), 2 (test)"
                                   " or 3 (dev)" % (path, number, label))
            if not 1 <= index <= n:
                raise DatasetError("%s:%d: sentence index %d is not one of the sentences"
                                   " (1 to %d in %s); are the two files from the same"
                                   " release?" % (path, number, index, n,
                                                  self._file("datasetSentences.txt")))
            if index in seen:
                raise DatasetError("%s:%d: sentence %d is listed a second time (first on"
                                   " line %d)" % (path, number, index, seen[index]))
            seen[index] = number
            split[label - 1].append(index - 1)
        self._split = split
        return split

    def label_source(self):
        """Where ``sent_labels()`` takes the labels from, as a short description.

        Stanford's ``dictionary.txt`` (with ``sentiment_labels.txt``) when it is
        in the treebank folder, as the assignment does; otherwise the PTB
        sentiment trees. Raises DatasetError naming both when neither is there.
        """
        if self._source is None:
            self._source = self._find_source()
        kind, where = self._source
        if kind == "dictionary":
            return "dictionary.txt + sentiment_labels.txt in %s" % where
        return "PTB sentiment trees in %s" % where

    def _find_source(self):
        """("dictionary", treebank folder) or ("ptb", trees folder), or DatasetError."""
        dictionary = self._file("dictionary.txt")
        if os.path.exists(dictionary):  # not isfile: a FIFO there is named, not skipped
            return "dictionary", self.dataset.path
        ptb_path = self.dataset.ptb_path
        if ptb_path is not None:
            trees = find_ptb_trees(ptb_path)
            if trees is None:
                raise DatasetError(
                    "No sentence labels: %s is missing, and the PTB trees folder given"
                    " (%s) holds neither %s nor trees/ with them. %s"
                    % (dictionary, ptb_path, ", ".join(PTB_FILES), get_labels_hint()))
            return "ptb", trees
        sibling = default_ptb_path(self.dataset.path)
        trees = find_ptb_trees(sibling)
        if trees is None:
            raise DatasetError(
                "No sentence labels: neither Stanford's dictionary.txt (looked for %s)"
                " nor the PTB sentiment trees (looked for %s) are there. %s"
                % (dictionary, os.path.join(sibling, "trees", "{train,dev,test}.txt"),
                   get_labels_hint()))
        return "ptb", trees

    def sent_labels(self):
        """Array (numSentences,): a sentiment value in [0, 1] per sentence.

        With ``dictionary.txt`` in the treebank folder (the assignment's
        route): the value ``sentiment_labels.txt`` gives the phrase equal to
        the sentence, the sentence's original-case words joined by single
        spaces with ``-LRB-``/``-RRB-`` turned back into ``(``/``)``. (If that
        exact phrase is missing, the assignment's lower-cased match and then
        the mojibake-repaired text are tried.)

        Otherwise from the PTB sentiment trees: the root label k (0-4) of the
        i-th tree of train/test/dev.txt belongs to the i-th sentence of that
        split, and the value returned is the class midpoint (k + 0.5) / 5, so
        ``categorify`` gives k back. Sentences in no split get NaN. Every tree
        is checked against its sentence (see ``ptb_sentence_text``).
        """
        if self._labels is not None:
            return self._labels
        kind, where = self._find_source()
        if kind == "dictionary":
            labels = self._labels_from_dictionary(where)
        else:
            labels = self._labels_from_ptb(where)
        self._source = (kind, where)
        self._labels = labels
        return labels

    def _labels_from_dictionary(self, folder):
        dict_path = os.path.join(folder, "dictionary.txt")
        labels_path = os.path.join(folder, "sentiment_labels.txt")
        phrases = read_phrase_dictionary(dict_path)
        values = read_phrase_labels(labels_path)
        lowered = None
        sent_path = self._file("datasetSentences.txt")
        lines = self.dataset.sentence_lines()
        labels = np.empty(len(lines))
        for i, (number, text) in enumerate(lines):
            key = " ".join(text.split()).replace("-LRB-", "(").replace("-RRB-", ")")
            phrase_id = phrases.get(key)
            if phrase_id is None:
                if lowered is None:
                    lowered = {p.lower(): j for p, j in phrases.items()}
                phrase_id = lowered.get(key.lower())
            if phrase_id is None:
                phrase_id = phrases.get(repair_mojibake(key))
            if phrase_id is None:
                raise DatasetError("%s:%d: the sentence %r is not a phrase of %s"
                                   % (sent_path, number, key[:80], dict_path))
            if phrase_id not in values:
                raise DatasetError("%s: phrase id %d (the sentence on line %d of %s) has"
                                   " no value in %s" % (dict_path, phrase_id, number,
                                                        sent_path, labels_path))
            labels[i] = values[phrase_id]
        return labels

    def _labels_from_ptb(self, trees_folder):
        lines = self.dataset.sentence_lines()
        sent_path = self._file("datasetSentences.txt")
        labels = np.full(len(lines), np.nan)
        for split, name in enumerate(PTB_SPLIT_FILES):
            tree_path = os.path.join(trees_folder, name)
            indices = sorted(self.dataset_split()[split])  # all within the sentences
            trees = read_ptb_roots(tree_path)
            for position, ((number, label, leaves), index) in enumerate(
                    zip(trees, indices), start=1):
                tree_text = " ".join(leaves).replace("\u00a0", " ")
                sent_line, text = lines[index]
                sentence = ptb_sentence_text(text)
                if tree_text != sentence:
                    raise DatasetError(
                        "%s:%d: tree %d of the %s split does not match its sentence"
                        " (%s line %d) -- are the trees and the treebank from the same"
                        " release?\n  tree:     %r\n  sentence: %r"
                        % (tree_path, number, position, SPLIT_NAMES[split], sent_path,
                           sent_line, tree_text, sentence))
                labels[index] = class_midpoint(label)
            if len(trees) != len(indices):
                raise DatasetError("%s has %d trees but datasetSplit.txt lists %d %s"
                                   " sentences; they must match one for one"
                                   % (tree_path, len(trees), len(indices),
                                      SPLIT_NAMES[split]))
        return labels

    def split_sentences(self, split):
        """The sentences of a split as a list of ``(words, class)`` pairs.

        split -- 0 train, 1 test, 2 dev (the order of ``dataset_split()``).
        words are lower-cased as ``sentences()`` gives them, class is 0-4;
        the order is that of datasetSplit.txt.
        """
        if split not in (0, 1, 2):
            raise ValueError("split must be 0 (train), 1 (test) or 2 (dev), got %r" % (split,))
        sentences = self.dataset.sentences()
        labels = self.sent_labels()
        return [(sentences[i], categorify(labels[i])) for i in self.dataset_split()[split]]

    def random_train_sentence(self):
        """A random training sentence as ``(words, class)``, drawn with ``random.randint``."""
        split = self.dataset_split()[0]
        sentId = split[random.randint(0, len(split) - 1)]
        return self.dataset.sentences()[sentId], categorify(self.sent_labels()[sentId])
