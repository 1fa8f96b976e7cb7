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

The sentence labels and the splits live in utils/labels.py (their file formats
in utils/label_files.py); StanfordSentiment keeps the assignment's label methods,
handing them over to it. utils/datafiles.py reads the files (regular files of
bounded size, UTF-8, errors naming file and line).
"""

import os
import random
import re
import sys

import numpy as np

# DatasetError is part of this module's interface (run.py and sentiment.py catch it).
from utils.datafiles import PROJECT_ROOT, DatasetError, read_records
from utils.labels import SentenceLabels, categorify

DEFAULT_PATH = os.path.join(PROJECT_ROOT, "utils", "datasets", "stanfordSentimentTreebank")

SUBSAMPLE_THRESHOLD = 1e-5  # t in the reject probability 1 - sqrt(t * N / count)
CORPUS_COPIES = 30          # allSentences() holds this many subsampled copies
SAMPLING_POWER = 0.75       # negatives are drawn proportional to count**0.75

_WHOLE_NUMBER = re.compile(r"[0-9]+")


def is_sentence_record(text):
    """Whether a line of datasetSentences.txt is a sentence: a whole number first."""
    fields = text.split(None, 1)
    return bool(fields) and _WHOLE_NUMBER.fullmatch(fields[0]) is not None


def build_sample_table(probabilities, tablesize):
    """A table of ``tablesize`` word indices in which word j fills a share probabilities[j].

    Entry i is the first word j whose cumulative probability times
    ``tablesize`` reaches i (the assignment's layout), or the last word if
    none does; returns an int32 array (nondecreasing). Raises DatasetError
    when the table holds a single word: no negative could then differ from
    it, and redrawing would never end.
    """
    V = len(probabilities)
    bounds = np.cumsum(probabilities) * tablesize
    # Entries i <= bounds[j] hold a word <= j: count them per word, in O(V).
    upto = np.minimum(np.floor(bounds) + 1, tablesize).astype(np.int64)
    counts = np.diff(upto, prepend=0)
    if V:
        counts[-1] += tablesize - upto[-1]  # rounding: the rest go to the last word
    table = np.repeat(np.arange(V, dtype=np.int32), counts)
    if table.shape[0] == 0 or table[0] == table[-1]:
        raise DatasetError(
            "the negative-sampling table (%d entries) holds one word only (index %s) of"
            " %d: a negative must differ from the outside word, so none could be drawn;"
            " train on a corpus with at least two different words (or a larger tablesize)"
            % (tablesize, table[0] if tablesize > 0 else "none", len(probabilities)))
    return table


def no_pair_error(sentences_file, kept):
    """The DatasetError for a subsampled corpus of ``kept`` one-word sentences (both
    training paths raise it: no window can have a context, so sampling would not end)."""
    return DatasetError(
        "%s: no (centre, context) pair can be drawn: after subsampling (frequent words"
        " dropped, as word2vec does) each of the %d sentences left repeats a single word,"
        " and a word is not its own context; use a larger corpus with sentences of"
        " different words" % (sentences_file, kept))


class StanfordSentiment:
    """The Stanford Sentiment Treebank as the word2vec assignment reads it.

    path -- the folder holding ``datasetSentences.txt`` (default
            ``utils/datasets/stanfordSentimentTreebank``)
    tablesize -- entries in the negative-sampling table
    ptb_path -- optional folder of the PTB sentiment trees, read for the
            sentence labels when ``dictionary.txt`` is missing (utils/labels.py)
    """

    def __init__(self, path=None, tablesize=1000000, ptb_path=None):
        self.path = path if path is not None else DEFAULT_PATH
        self.tablesize = int(tablesize)
        if self.tablesize < 1:
            raise ValueError("tablesize must be at least 1, got %r" % (tablesize,))
        self.ptb_path = ptb_path
        # Everything below is built on first use and cached.
        self._lines = None
        self._sentences = None
        self._numSentences = None
        self._tokens = None
        self._rejectProb = None
        self._allsentences = None
        self._has_pairs = False  # allSentences() checked to hold a (centre, context) pair
        self._sampleTable = None
        self._labels = None

    # ---- corpus ---------------------------------------------------------

    def sentence_lines(self):
        """The sentences as written: a list of ``(line_number, text)``.

        ``text`` is the line after its index, original case, mojibake and
        no-break spaces kept; the list is in the order of ``sentences()``.
        The indices must run 1, 2, 3, ... (datasetSplit.txt refers to them).
        """
        if self._lines is not None:
            return self._lines
        path = os.path.join(self.path, "datasetSentences.txt")
        lines = []
        for number, line in read_records(path, "The sentence file", is_sentence_record,
                                         "a sentence index (a whole number) then the sentence"):
            fields = line.split(None, 1)
            if int(fields[0]) != len(lines) + 1:
                raise DatasetError("%s:%d: sentence index %s where %d was expected: the"
                                   " sentences must be numbered 1, 2, 3, ... in order"
                                   % (path, number, fields[0], len(lines) + 1))
            lines.append((number, fields[1].strip() if len(fields) > 1 else ""))
        self._lines = lines
        return lines

    def sentences(self):
        """The corpus: a list of sentences, each a list of lower-cased words."""
        if self._sentences is None:
            # One string object per distinct word (19,539), not per token (227,246).
            self._sentences = [[sys.intern(w.lower()) for w in text.split()]
                               for _, text in self.sentence_lines()]
        return self._sentences

    def numSentences(self):
        """How many sentences the corpus has."""
        if self._numSentences is None:
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
        if self._rejectProb is None:
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
        nothing remains the draw is repeated. C must be a whole number >= 1.
        """
        if type(C) is not int or C < 1:  # the fast test first: this runs per window
            if isinstance(C, bool) or not isinstance(C, (int, np.integer)) or C < 1:
                raise ValueError("getRandomContext: C, the window size, must be a whole"
                                 " number >= 1, got %r" % (C,))
            C = int(C)
        allsent = self.allSentences()
        if not self._has_pairs:
            self._check_pairs(allsent)
        # Ends with probability 1: some sentence holds two different words, so
        # some position has a different neighbour, which any C >= 1 reaches.
        while True:
            sent = allsent[random.randint(0, len(allsent) - 1)]
            wordID = random.randint(0, len(sent) - 1)
            centerword = sent[wordID]
            context = sent[max(0, wordID - C):wordID] + sent[wordID + 1:wordID + C + 1]
            context = [w for w in context if w != centerword]
            if context:
                return centerword, context

    def _check_pairs(self, allsent):
        """Raise DatasetError unless some subsampled sentence holds two different words."""
        where = os.path.join(self.path, "datasetSentences.txt")
        if not allsent:
            raise DatasetError(
                "%s: the corpus is too small to train on: subsampling (frequent words"
                " dropped, as word2vec does) left no sentence of two words; use a larger"
                " corpus" % where)
        if not any(len(set(s)) > 1 for s in allsent):
            raise no_pair_error(where, len(allsent))
        self._has_pairs = True

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
        A table of a single word raises DatasetError (see build_sample_table).
        """
        if self._sampleTable is not None:
            return self._sampleTable
        self.allSentences()
        try:
            table = build_sample_table(self.sampling_probabilities(), self.tablesize)
        except DatasetError as err:
            raise DatasetError("%s: %s" % (os.path.join(self.path, "datasetSentences.txt"),
                                           err)) from None
        self._sampleTable = table.tolist()
        return self._sampleTable

    def sampleTokenIdx(self):
        """One negative: ``sampleTable()[random.randint(0, tablesize - 1)]``."""
        return self.sampleTable()[random.randint(0, self.tablesize - 1)]

    # ---- sentence labels and splits: utils/labels.py ---------------------

    def label_reader(self):
        """The SentenceLabels (utils/labels.py) reading this treebank's labels."""
        if self._labels is None:
            self._labels = SentenceLabels(self)
        return self._labels

    def dataset_split(self):
        """Sentence indices (0-based) of each split: [train, test, dev]."""
        return self.label_reader().dataset_split()

    def label_source(self):
        """Where ``sent_labels()`` takes the labels from, as a short description."""
        return self.label_reader().label_source()

    def sent_labels(self):
        """Array (numSentences,): a sentiment value in [0, 1] per sentence."""
        return self.label_reader().sent_labels()

    def categorify(self, label):
        """The class (0-4) of a sentiment value in [0, 1], as the assignment bins it."""
        return categorify(label)

    def getSplitSentences(self, split=0):
        """The sentences of a split (0 train, 1 test, 2 dev) as ``(words, class)`` pairs."""
        return self.label_reader().split_sentences(split)

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
        return self.label_reader().random_train_sentence()
