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

import numpy as np

DEFAULT_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                            "datasets", "stanfordSentimentTreebank")

SUBSAMPLE_THRESHOLD = 1e-5  # t in the reject probability 1 - sqrt(t * N / count)
CORPUS_COPIES = 30          # allSentences() holds this many subsampled copies
SAMPLING_POWER = 0.75       # negatives are drawn proportional to count**0.75

GET_DATA_HINT = "run `sh get_datasets.sh` (or pass --data DIR) to get it"


class DatasetError(ValueError):
    """A dataset file is missing or malformed; the message says where and why."""


def read_lines(path, what):
    """Return the lines of a UTF-8 text file without the header line.

    Each entry is ``(line_number, text)`` with 1-based line numbers as an
    editor shows them. Raises DatasetError naming the file (and the line, for
    bytes that are not UTF-8) when the file is missing, empty or unreadable.
    """
    if not os.path.isfile(path):
        raise DatasetError("%s not found: %s; %s." % (what, path, GET_DATA_HINT))
    with open(path, "rb") as f:
        raw = f.read()
    lines = []
    for number, line in enumerate(raw.splitlines(), start=1):
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as err:
            raise DatasetError("%s:%d: bytes that are not UTF-8 (%s); expected a UTF-8"
                               " text file as Stanford ships it"
                               % (path, number, err.reason)) from None
        lines.append((number, text))
    if len(lines) < 2:
        raise DatasetError("%s: the file is empty (expected a header line and one line"
                           " per sentence); %s." % (path, GET_DATA_HINT))
    return lines[1:]


class StanfordSentiment:
    """The Stanford Sentiment Treebank as the word2vec assignment reads it.

    path -- the folder holding ``datasetSentences.txt`` (default
            ``utils/datasets/stanfordSentimentTreebank``)
    tablesize -- entries in the negative-sampling table
    """

    def __init__(self, path=None, tablesize=1000000):
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

    # ---- corpus ---------------------------------------------------------

    def sentences(self):
        """The corpus: a list of sentences, each a list of lower-cased words."""
        if self._sentences is not None:
            return self._sentences

        path = os.path.join(self.path, "datasetSentences.txt")
        sentences = []
        for number, line in read_lines(path, "The sentence file"):
            fields = line.split()
            if not fields:
                continue
            if not fields[0].isdigit():
                raise DatasetError("%s:%d: expected a sentence index (a whole number)"
                                   " then the sentence, got %r"
                                   % (path, number, line[:60]))
            sentences.append([w.lower() for w in fields[1:]])

        self._sentences = sentences
        self._sentlengths = np.array([len(s) for s in sentences])
        self._cumsentlen = np.cumsum(self._sentlengths)
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
        bounds = np.cumsum(self.sampling_probabilities()) * self.tablesize
        table = np.searchsorted(bounds, np.arange(self.tablesize), side="left")
        nTokens = len(self.tokens())
        self._sampleTable = np.minimum(table, nTokens - 1).tolist()
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
