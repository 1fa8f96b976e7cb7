"""Reader for the Stanford Sentiment Treebank, as the word2vec assignment uses it.

The semantics below decide every number the assignment prints, so they follow
the assignment exactly:

* a sentence is a line of ``datasetSentences.txt`` after its index, split on
  whitespace (``str.split()``, so a no-break space splits too) and lower-cased;
* ``tokens()`` numbers words in order of first appearance, then ``"UNK"``;
* ``allSentences()`` is 30 subsampled copies of the corpus, drawn with Python's
  ``random`` on first use;
* negatives come from a table of ``tablesize`` entries laid out in proportion
  to count**0.75.
"""

import os
import random
import re

import numpy as np

DEFAULT_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                            "datasets", "stanfordSentimentTreebank")

SUBSAMPLE_THRESHOLD = 1e-5  # t in the reject probability 1 - sqrt(t * N / count)
CORPUS_COPIES = 30          # allSentences() holds this many subsampled copies
SAMPLING_POWER = 0.75       # negatives are drawn proportional to count**0.75

GET_DATA_HINT = "run `sh get_datasets.sh` (or pass --data DIR) to get it"


class DatasetError(ValueError):
    """A dataset file is missing or malformed; the message says where and why."""


def numbered_lines(path, what, hint=GET_DATA_HINT):
    """All lines of a UTF-8 text file as ``(line_number, text)``, 1-based as an editor shows.

    Raises DatasetError naming the file when it is missing (with ``hint``, how
    to get it), and the file and line for bytes that are not UTF-8.
    """
    if not os.path.isfile(path):
        raise DatasetError("%s not found: %s; %s" % (what, path, hint))
    with open(path, "rb") as f:
        raw = f.read()
    lines = []
    for number, line in enumerate(raw.splitlines(), start=1):
        try:
            lines.append((number, line.decode("utf-8")))
        except UnicodeDecodeError as err:
            raise DatasetError("%s:%d: bytes that are not UTF-8 (%s); expected a UTF-8"
                               " text file as Stanford ships it"
                               % (path, number, err.reason)) from None
    return lines


def read_lines(path, what):
    """The lines of a dataset file after its header, as ``(line_number, text)``.

    Raises DatasetError when the file is missing, empty or not UTF-8.
    """
    lines = numbered_lines(path, what)
    if len(lines) < 2:
        raise DatasetError("%s: the file is empty (expected a header line and one line"
                           " per sentence); %s." % (path, GET_DATA_HINT))
    return lines[1:]


def build_sample_table(probabilities, tablesize):
    """A table of ``tablesize`` word indices in which word j fills a share probabilities[j].

    Entry i is the first word j whose cumulative probability times
    ``tablesize`` reaches i (the assignment's layout); returns an int array.
    """
    bounds = np.cumsum(probabilities) * tablesize
    table = np.searchsorted(bounds, np.arange(tablesize), side="left")
    return np.minimum(table, len(probabilities) - 1)


class StanfordSentiment:
    """The Stanford Sentiment Treebank as the word2vec assignment reads it.

    path -- the folder holding ``datasetSentences.txt`` (default
            ``utils/datasets/stanfordSentimentTreebank``)
    tablesize -- entries in the negative-sampling table
    ptb_path -- optional folder of the PTB sentiment trees (holding
            ``train.txt``, ``dev.txt``, ``test.txt``, or a ``trees/`` folder
            with them); only read for the sentence labels when
            ``dictionary.txt`` is missing (see ``sent_labels()``)
    """

    def __init__(self, path=None, tablesize=1000000, ptb_path=None):
        self.path = path if path is not None else DEFAULT_PATH
        self.tablesize = int(tablesize)
        # Everything below is built on first use and cached.
        self._sentences = None
        self._numSentences = None
        self._tokens = None
        self._rejectProb = None
        self._allsentences = None
        self._sampleTable = None
        self._split = None
        # Sentence labels (see sent_labels()), also built on first use.
        self.ptb_path = ptb_path
        self._raw_sentences = None
        self._sent_labels = None
        self._label_source = None

    # ---- corpus ---------------------------------------------------------

    def sentences(self):
        """The corpus: a list of sentences, each a list of lower-cased words."""
        if self._sentences is not None:
            return self._sentences

        self._sentences = [[w.lower() for w in text.split()]
                           for _, text in self._raw_sentence_lines()]
        return self._sentences

    def numSentences(self):
        """How many sentences the corpus has."""
        if self._numSentences is not None:
            return self._numSentences
        self._numSentences = len(self.sentences())
        return self._numSentences

    def tokens(self):
        """Dict word -> index, in order of first appearance, "UNK" last.

        Also records each word's count and the total count N (UNK counted once).
        """
        if self._tokens is not None:
            return self._tokens

        tokens = {}
        tokenfreq = {}
        revtokens = []
        wordcount = 0
        for sentence in self.sentences():
            for w in sentence:
                wordcount += 1
                if w in tokens:
                    tokenfreq[w] += 1
                else:
                    tokens[w] = len(revtokens)
                    revtokens.append(w)
                    tokenfreq[w] = 1
        tokens["UNK"] = len(revtokens)
        revtokens.append("UNK")
        tokenfreq["UNK"] = 1
        wordcount += 1

        self._tokens = tokens
        self._tokenfreq = tokenfreq
        self._wordcount = wordcount
        self._revtokens = revtokens
        return self._tokens

    def token_counts(self):
        """Counts of the words as an array (V,), indexed like ``tokens()``."""
        self.tokens()
        return np.array([self._tokenfreq[w] for w in self._revtokens], dtype=float)

    # ---- subsampling and contexts ---------------------------------------

    def rejectProb(self):
        """Array (V,): probability that an occurrence of word i is dropped.

        ``max(0, 1 - sqrt(1e-5 * N / count_i))`` with N the total word count.
        """
        if self._rejectProb is not None:
            return self._rejectProb
        threshold = SUBSAMPLE_THRESHOLD * self._total_count()
        self._rejectProb = np.maximum(0.0, 1.0 - np.sqrt(threshold / self.token_counts()))
        return self._rejectProb

    def _total_count(self):
        self.tokens()
        return self._wordcount

    def allSentences(self):
        """30 subsampled copies of the corpus, sentences of < 2 words dropped.

        A word is kept unless its reject probability is positive and
        ``random.random()`` falls below it; ``random.random()`` is drawn only
        for words with a positive reject probability, in corpus order. Built
        once, on first use.
        """
        if self._allsentences is not None:
            return self._allsentences

        sentences = self.sentences()
        tokens = self.tokens()
        reject = self.rejectProb().tolist()
        rand = random.random
        allsentences = []
        for _ in range(CORPUS_COPIES):
            for s in sentences:
                # `or` short-circuits: no draw for words that are never dropped.
                kept = [w for w in s
                        if reject[tokens[w]] <= 0 or rand() >= reject[tokens[w]]]
                if len(kept) > 1:
                    allsentences.append(kept)

        self._allsentences = allsentences
        return self._allsentences

    def getRandomContext(self, C=5):
        """A random centre word and its context of up to C words on each side.

        Returns ``(centerword, context)``. The sentence is drawn with
        ``random.randint`` over ``allSentences()``, then the position; every
        occurrence of the centre word is removed from the context, and if
        nothing remains the draw is repeated.
        """
        allsent = self.allSentences()
        while True:
            sent = allsent[random.randint(0, len(allsent) - 1)]
            wordID = random.randint(0, len(sent) - 1)
            centerword = sent[wordID]
            context = sent[max(0, wordID - C):wordID] + sent[wordID + 1:wordID + C + 1]
            context = [w for w in context if w != centerword]
            if context:
                return centerword, context

    # ---- negative sampling ----------------------------------------------

    def sampling_probabilities(self):
        """Array (V,): the negative-sampling distribution, count**0.75 normalised."""
        freq = self.token_counts() ** SAMPLING_POWER
        return freq / np.sum(freq)

    def sampleTable(self):
        """The negative-sampling table: ``tablesize`` word indices.

        Entry i is the first word j whose cumulative probability times
        ``tablesize`` reaches i, so word j fills a share of the table equal to
        its probability. Like the assignment, building it first makes sure
        ``allSentences()`` exists (this fixes when the subsampling draws happen).
        """
        if self._sampleTable is not None:
            return self._sampleTable
        self.allSentences()
        self._sampleTable = build_sample_table(self.sampling_probabilities(),
                                               self.tablesize).tolist()
        return self._sampleTable

    def sampleTokenIdx(self):
        """One negative: ``sampleTable()[random.randint(0, tablesize - 1)]``."""
        return self.sampleTable()[random.randint(0, self.tablesize - 1)]

    # ---- splits -----------------------------------------------------------

    def dataset_split(self):
        """Sentence indices (0-based) of each split: [train, test, dev].

        ``datasetSplit.txt`` labels are 1 = train, 2 = test, 3 = dev.
        """
        if self._split is not None:
            return self._split

        path = os.path.join(self.path, "datasetSplit.txt")
        split = [[] for _ in range(3)]
        for number, line in read_lines(path, "The split file"):
            if not line.strip():
                continue
            fields = line.strip().split(",")
            try:
                index, label = int(fields[0]), int(fields[1])
            except (ValueError, IndexError):
                raise DatasetError("%s:%d: expected `sentence_index,splitset_label`"
                                   " (two whole numbers), got %r"
                                   % (path, number, line[:60])) from None
            if label not in (1, 2, 3):
                raise DatasetError("%s:%d: split label %d is not 1 (train), 2 (test)"
                                   " or 3 (dev)" % (path, number, label))
            split[label - 1].append(index - 1)

        self._split = split
        return split

    # ---- sentence labels (the assignment's sentiment side) ---------------

    def _raw_sentence_lines(self):
        """The sentences as written: a list of ``(line_number, text)``.

        ``text`` is the line after its index, original case, mojibake and
        no-break spaces kept; the list is in the order of ``sentences()``.
        """
        if self._raw_sentences is not None:
            return self._raw_sentences
        path = os.path.join(self.path, "datasetSentences.txt")
        raw = []
        for number, line in read_lines(path, "The sentence file"):
            fields = line.split(None, 1)
            if not fields:
                continue
            if not fields[0].isdigit():
                raise DatasetError("%s:%d: expected a sentence index (a whole number)"
                                   " then the sentence, got %r"
                                   % (path, number, line[:60]))
            raw.append((number, fields[1].strip() if len(fields) > 1 else ""))
        self._raw_sentences = raw
        return raw

    def label_source(self):
        """Where ``sent_labels()`` takes the labels from, as a short description.

        Stanford's ``dictionary.txt`` (with ``sentiment_labels.txt``) when it is
        in the treebank folder, as the assignment does; otherwise the PTB
        sentiment trees. Raises DatasetError naming both when neither is there.
        """
        if self._label_source is None:
            self._label_source = self._find_label_source()
        kind, where = self._label_source
        if kind == "dictionary":
            return "dictionary.txt + sentiment_labels.txt in %s" % where
        return "PTB sentiment trees in %s" % where

    def _find_label_source(self):
        """("dictionary", treebank folder) or ("ptb", trees folder), or DatasetError."""
        dictionary = os.path.join(self.path, "dictionary.txt")
        if os.path.isfile(dictionary):
            return "dictionary", self.path
        if self.ptb_path is not None:
            trees = find_ptb_trees(self.ptb_path)
            if trees is None:
                raise DatasetError(
                    "No sentence labels: %s is missing, and the PTB trees folder given"
                    " (%s) holds neither %s nor trees/ with them. %s"
                    % (dictionary, self.ptb_path, ", ".join(PTB_FILES), GET_LABELS_HINT))
            return "ptb", trees
        sibling = default_ptb_path(self.path)
        trees = find_ptb_trees(sibling)
        if trees is None:
            raise DatasetError(
                "No sentence labels: neither Stanford's dictionary.txt (looked for %s)"
                " nor the PTB sentiment trees (looked for %s) are there. %s"
                % (dictionary, os.path.join(sibling, "trees", "{train,dev,test}.txt"),
                   GET_LABELS_HINT))
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
        if self._sent_labels is not None:
            return self._sent_labels
        kind, where = self._find_label_source()
        if kind == "dictionary":
            labels = self._labels_from_dictionary(where)
        else:
            labels = self._labels_from_ptb(where)
        self._label_source = (kind, where)
        self._sent_labels = labels
        return labels

    def _labels_from_dictionary(self, folder):
        dict_path = os.path.join(folder, "dictionary.txt")
        labels_path = os.path.join(folder, "sentiment_labels.txt")
        phrases = read_phrase_dictionary(dict_path)
        values = read_phrase_labels(labels_path)
        lowered = None
        sent_path = os.path.join(self.path, "datasetSentences.txt")
        labels = np.empty(len(self._raw_sentence_lines()))
        for i, (number, text) in enumerate(self._raw_sentence_lines()):
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
        raw = self._raw_sentence_lines()
        sent_path = os.path.join(self.path, "datasetSentences.txt")
        labels = np.full(len(raw), np.nan)
        for split, name in enumerate(PTB_SPLIT_FILES):
            tree_path = os.path.join(trees_folder, name)
            indices = sorted(self.dataset_split()[split])
            trees = read_ptb_roots(tree_path)
            for position, ((number, label, leaves), index) in enumerate(
                    zip(trees, indices), start=1):
                if index >= len(raw):
                    raise DatasetError("%s lists sentence %d, but %s has %d sentences"
                                       % (os.path.join(self.path, "datasetSplit.txt"),
                                          index + 1, sent_path, len(raw)))
                tree_text = " ".join(leaves).replace("\u00a0", " ")
                sent_line, text = raw[index]
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

    def categorify(self, label):
        """The class (0-4) of a sentiment value in [0, 1], as the assignment bins it.

        <= 0.2 -> 0 (very negative), <= 0.4 -> 1, <= 0.6 -> 2 (neutral),
        <= 0.8 -> 3, otherwise 4 (very positive). NaN (no label) is an error.
        """
        if label != label:
            raise ValueError("categorify: the label is NaN (a sentence without a label:"
                             " it is in no split of datasetSplit.txt)")
        if label <= 0.2:
            return 0
        elif label <= 0.4:
            return 1
        elif label <= 0.6:
            return 2
        elif label <= 0.8:
            return 3
        else:
            return 4

    def getSplitSentences(self, split=0):
        """The sentences of a split as a list of ``(words, class)`` pairs.

        split -- 0 train, 1 test, 2 dev (the order of ``dataset_split()``).
        words are lower-cased as ``sentences()`` gives them, class is 0-4;
        the order is that of datasetSplit.txt.
        """
        if split not in (0, 1, 2):
            raise ValueError("split must be 0 (train), 1 (test) or 2 (dev), got %r" % (split,))
        sentences = self.sentences()
        labels = self.sent_labels()
        return [(sentences[i], self.categorify(labels[i]))
                for i in self.dataset_split()[split]]

    def getTrainSentences(self):
        """The training split as ``(words, class)`` pairs."""
        return self.getSplitSentences(0)

    def getTestSentences(self):
        """The test split as ``(words, class)`` pairs."""
        return self.getSplitSentences(1)

    def getDevSentences(self):
        """The dev split as ``(words, class)`` pairs."""
        return self.getSplitSentences(2)

    def getRandomTrainSentence(self):
        """A random training sentence as ``(words, class)``, drawn with ``random.randint``."""
        split = self.dataset_split()[0]
        sentId = split[random.randint(0, len(split) - 1)]
        return self.sentences()[sentId], self.categorify(self.sent_labels()[sentId])


# ---- sentence labels: file readers ------------------------------------------

PTB_FOLDER_NAME = "trainDevTestTrees_PTB"
PTB_FILES = ("train.txt", "dev.txt", "test.txt")
PTB_SPLIT_FILES = ("train.txt", "test.txt", "dev.txt")  # in dataset_split() order
SPLIT_NAMES = ("train", "test", "dev")
NUM_CLASSES = 5

GET_LABELS_HINT = ("Run `sh get_datasets.sh` (it fetches the PTB trees too, into"
                   " utils/datasets/%s/trees; set PTB_SOURCE=PATH to copy them from a"
                   " local %s.zip or folder), or pass the trees folder (--ptb DIR)."
                   % (PTB_FOLDER_NAME, PTB_FOLDER_NAME))

# Brackets, and words split on ASCII whitespace only: a leaf can hold a
# no-break space ("8\u00a01\/2" in train.txt).
_PTB_TOKEN = re.compile(r"\(|\)|[^ \t\n\r\f\v()]+")
_PTB_LABEL = re.compile(r"[0-4]")
_WHOLE_NUMBER = re.compile(r"[0-9]+")


def default_ptb_path(treebank_path):
    """Where the PTB trees are looked for by default: a sibling of the treebank folder."""
    return os.path.join(os.path.dirname(os.path.abspath(treebank_path)), PTB_FOLDER_NAME)


def find_ptb_trees(path):
    """The folder holding train.txt, dev.txt and test.txt: ``path`` or ``path/trees``.

    Returns None when neither holds all three files.
    """
    for folder in (path, os.path.join(path, "trees")):
        if all(os.path.isfile(os.path.join(folder, f)) for f in PTB_FILES):
            return folder
    return None


def class_midpoint(k):
    """The sentiment value standing for class k (0-4): (k + 0.5) / 5."""
    return (k + 0.5) / NUM_CLASSES


def repair_mojibake(text):
    """Undo UTF-8 read as Latin-1 (``clichÃ©s`` -> ``clichés``), or return text unchanged."""
    try:
        return text.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return text


def ptb_sentence_text(text):
    """A datasetSentences.txt sentence as the PTB trees spell it.

    The mojibake repaired (``repair_mojibake``) and each no-break space
    (U+00A0) made a plain space; the tree's leaves joined with single spaces
    (no-break spaces made plain too: three leaves, such as the "8 1/2" of
    sentence 5955, hold one) equal this for every sentence of the real data (11855/11855).
    """
    return repair_mojibake(text).replace("\u00a0", " ")


def parse_ptb_tree(line):
    """The root label and the leaves of one tree in PTB bracket form.

    ``(3 (2 It) (4 (2 's) (3 fine)))`` -> ``(3, ["It", "'s", "fine"])``.
    Raises ValueError (saying what is wrong) for anything else.
    """
    tokens = _PTB_TOKEN.findall(line)
    if not tokens or tokens[0] != "(":
        raise ValueError("a tree must start with '('")
    root = None
    leaves = []
    depth = 0
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token == "(":
            if depth == 0 and root is not None:
                raise ValueError("more than one tree on the line")
            label = tokens[i + 1] if i + 1 < len(tokens) else ""
            if not _PTB_LABEL.fullmatch(label):
                raise ValueError("expected a label 0-4 after '(', got %r" % label)
            if root is None:
                root = int(label)
            depth += 1
            i += 2
            if i < len(tokens) and tokens[i] not in ("(", ")"):
                leaves.append(tokens[i])  # a leaf: (label word)
                i += 1
                if i >= len(tokens) or tokens[i] != ")":
                    raise ValueError("a leaf (label word) must end after its word: %r"
                                     % leaves[-1])
            elif i < len(tokens) and tokens[i] == ")":
                raise ValueError("a node with neither a word nor children")
        elif token == ")":
            depth -= 1
            if depth < 0:
                raise ValueError("unbalanced brackets: ')' without its '('")
            i += 1
        else:
            raise ValueError("a word outside a leaf: %r" % token)
    if depth != 0:
        raise ValueError("unbalanced brackets: %d '(' not closed" % depth)
    return root, leaves


def read_ptb_roots(path):
    """The trees of a PTB file: a list of ``(line_number, root_label, leaves)``.

    Blank lines are skipped; a malformed tree raises DatasetError naming the
    file and line.
    """
    trees = []
    for number, line in numbered_lines(path, "The PTB tree file", GET_LABELS_HINT):
        if not line.strip():
            continue
        try:
            label, leaves = parse_ptb_tree(line)
        except ValueError as err:
            raise DatasetError("%s:%d: not a PTB sentiment tree (%s): %r"
                               % (path, number, err, line[:60])) from None
        trees.append((number, label, leaves))
    return trees


def read_phrase_dictionary(path):
    """Stanford's dictionary.txt: dict phrase (original case) -> phrase id.

    Each line is ``phrase|id`` (no header); the last ``|`` separates them.
    """
    phrases = {}
    for number, line in numbered_lines(path, "The phrase dictionary", GET_LABELS_HINT):
        if not line.strip():
            continue
        phrase, bar, phrase_id = line.rpartition("|")
        if not bar or not _WHOLE_NUMBER.fullmatch(phrase_id.strip()):
            raise DatasetError("%s:%d: expected `phrase|id` (the id a whole number), got %r"
                               % (path, number, line[:60]))
        phrases[phrase] = int(phrase_id)
    return phrases


def read_phrase_labels(path):
    """Stanford's sentiment_labels.txt: dict phrase id -> sentiment value in [0, 1].

    The first line is the header ``phrase ids|sentiment values``; then
    ``id|value`` per line.
    """
    lines = numbered_lines(path, "The phrase labels file", GET_LABELS_HINT)
    if not lines or _WHOLE_NUMBER.fullmatch(lines[0][1].split("|")[0].strip()):
        raise DatasetError("%s:1: expected the header `phrase ids|sentiment values`, got %r"
                           % (path, lines[0][1][:60] if lines else ""))
    values = {}
    first_line = {}
    for number, line in lines[1:]:
        if not line.strip():
            continue
        fields = line.split("|")
        if len(fields) != 2 or not _WHOLE_NUMBER.fullmatch(fields[0].strip()):
            raise DatasetError("%s:%d: expected `phrase id|sentiment value`, got %r"
                               % (path, number, line[:60]))
        try:
            value = float(fields[1])
        except ValueError:
            raise DatasetError("%s:%d: the sentiment value %r is not a number"
                               % (path, number, fields[1][:30])) from None
        if not 0.0 <= value <= 1.0:
            raise DatasetError("%s:%d: the sentiment value %r is outside [0, 1]"
                               % (path, number, fields[1].strip()))
        phrase_id = int(fields[0])
        if phrase_id in values:
            raise DatasetError("%s:%d: phrase id %d already has a value (line %d)"
                               % (path, number, phrase_id, first_line[phrase_id]))
        values[phrase_id] = value
        first_line[phrase_id] = number
    return values
