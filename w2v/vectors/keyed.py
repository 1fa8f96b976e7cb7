"""``KeyedVectors``: word vectors with gensim's names and gensim's answers.

``vectors`` (V, d), row i the vector of ``index_to_key[i]``; the queries of
gensim's KeyedVectors (most_similar, most_similar_cosmul, similarity,
n_similarity, distances, doesnt_match, rank, evaluate_word_pairs and
evaluate_word_analogies, whose maths is w2v.evaluation's) and the word2vec
and Embedding Projector files. The vectors keep their dtype (float32 from the
trainer), and so does their unit copy. ``restrict_vocab`` (gensim: the first
N rows) is the N most frequent words by ``counts`` if given, else the first N
rows; they agree for vectors in frequency order, as every trainer saves them.
"""

import os
import warnings

import numpy as np

from w2v.evaluation import benchmarks
from w2v.evaluation.analogies import cos_mul, gensim_sections, question_results, shifted
from w2v.evaluation.similarity import correlations, evaluate_word_pairs
from w2v.evaluation.wordindex import WordIndex, frequency_order
from w2v.linalg import unit_rows
from w2v.vectors import projector
from w2v.vectors import word2vec_format as w2vformat

COSMUL_EPSILON = 1e-6  # gensim's most_similar_cosmul (Levy & Goldberg use 1e-3)
UNIT_ROWS_AT_ONCE = 65536  # rows normalised at a time (bounded float64 memory)
_KEY_TYPES = (str, int, np.integer)


class UnknownWordError(KeyError):
    """A query word is not in the vocabulary."""

    def __init__(self, word, vocabulary_size):
        super().__init__(word)
        self.word = word
        self.message = "%r is not in the vocabulary (%d words)" % (word, vocabulary_size)

    def __str__(self):
        # KeyError's own __str__ would show the repr of the message, quotes and all.
        return self.message


def _as_list(value):
    """gensim's positive/negative: None -> [], one word or one (d,) vector -> [it]."""
    if value is None:
        return []
    if isinstance(value, _KEY_TYPES) or (isinstance(value, np.ndarray) and value.ndim == 1):
        return [value]
    return list(value)


def _unit_vector(x):
    """``x`` (d,) scaled to unit length, in float64; zeros stay zeros."""
    return unit_rows(np.asarray(x, dtype=float)[None, :])[0]


def _check_topn(topn):
    if topn is not None and (not isinstance(topn, (int, np.integer)) or topn < 0):
        raise ValueError("topn must be a whole number >= 0 (how many words to return) or None"
                         " (every word's score), got %r" % (topn,))


class KeyedVectors:
    """Word vectors: ``index_to_key`` (V words), ``vectors`` (V, d), ``counts`` (V,) or None.

    index_to_key -- list of the V words, row order
    vectors -- (V, d) float array, row i the vector of index_to_key[i]; kept
               as given (its dtype too)
    counts -- (V,) corpus counts, or None; they give the frequency order of
              ``restrict_vocab`` (None: the row order, as gensim)
    A word listed twice keeps its first row (as the word2vec readers do).
    """

    def __init__(self, index_to_key, vectors, counts=None):
        self.index_to_key = list(index_to_key)
        vectors = np.asarray(vectors)
        if vectors.ndim != 2 or vectors.shape[0] != len(self.index_to_key):
            raise ValueError("vectors must be (V, d) with one row per word: %d words, got"
                             " shape %s" % (len(self.index_to_key), vectors.shape))
        if not np.issubdtype(vectors.dtype, np.floating):
            vectors = vectors.astype(float)
        self.vectors = vectors
        self.counts = None if counts is None else np.asarray(counts, dtype=np.int64)
        if self.counts is not None and self.counts.shape != (len(self.index_to_key),):
            raise ValueError("counts must have one entry per word: %d words, got shape %s"
                             % (len(self.index_to_key), self.counts.shape))
        # Built from the last row to the first, so a repeated word keeps its first row.
        V = len(self.index_to_key)
        self.key_to_index = dict(zip(self.index_to_key[::-1], range(V - 1, -1, -1)))
        self._unit = None

    # ---- lookups ----------------------------------------------------------------

    def __len__(self):
        return len(self.index_to_key)

    def __contains__(self, key):
        return self.has_index_for(key)

    def __getitem__(self, key_or_keys):
        """The (d,) vector of a word, or (n, d) of a list of words."""
        if isinstance(key_or_keys, _KEY_TYPES):
            return self.get_vector(key_or_keys)
        return np.vstack([self.get_vector(key) for key in key_or_keys])

    @property
    def vector_size(self):
        return self.vectors.shape[1]

    def get_index(self, key, default=None):
        """The row of ``key`` (a word, or a row number 0..V-1 as gensim allows); ``default``
        if given, else UnknownWordError, when there is none."""
        index = self.key_to_index.get(key, -1) if isinstance(key, str) else -1
        if index >= 0:
            return index
        if isinstance(key, (int, np.integer)) and 0 <= key < len(self):  # a row number
            return int(key)
        if default is not None:
            return default
        raise UnknownWordError(key, len(self))

    def has_index_for(self, key):
        return self.get_index(key, -1) >= 0

    def get_vector(self, key, norm=False):
        """The (d,) vector of ``key`` (read-only), scaled to unit length if ``norm``."""
        i = self.get_index(key)
        vector = (self._normed() if norm else self.vectors)[i]
        vector.flags.writeable = False  # a view: writing would leave the unit copy stale
        return vector

    def get_normed_vectors(self):
        """(V, d), read-only: every row scaled to unit length (zero rows stay zero)."""
        return self._normed()

    def _normed(self):
        if self._unit is None:
            unit = np.empty_like(self.vectors)
            for start in range(0, len(unit), UNIT_ROWS_AT_ONCE):  # float64 in bounded pieces
                unit[start:start + UNIT_ROWS_AT_ONCE] = unit_rows(
                    self.vectors[start:start + UNIT_ROWS_AT_ONCE])
            unit.flags.writeable = False
            self._unit = unit
        return self._unit

    def _searched(self, restrict_vocab, argument="restrict_vocab"):
        """The rows a query ranks: all (None), else the ``restrict_vocab`` most frequent."""
        if restrict_vocab is None:
            return None
        if not isinstance(restrict_vocab, (int, np.integer)) or restrict_vocab < 1:
            raise ValueError("%s must be a whole number >= 1 (the N most frequent words) or"
                             " None (all words), got %r" % (argument, restrict_vocab))
        return frequency_order(len(self), self.counts)[:restrict_vocab]

    def _as_vector(self, value, argument):
        """A query vector given as an array: (d,) floats, else ValueError naming ``argument``."""
        vector = np.asarray(value)
        if vector.shape != (self.vector_size,) or not np.issubdtype(vector.dtype, np.number):
            raise ValueError("%s: a vector must be %d numbers (the vectors' size), got an array"
                             " of shape %s" % (argument, self.vector_size, vector.shape))
        return vector.astype(float)

    # ---- similarity queries ---------------------------------------------------

    def _terms(self, positive, negative, weighted=True):
        """Each query item as (argument, (d,) float64 vector, weight, row or None): a word
        gives its unit vector and row, a (d,) array itself; the weight is 1 (positive)
        or -1 (negative) unless a (word or vector, weight) pair gives it, as gensim."""
        terms = []
        for argument, default, items in (("positive", 1.0, _as_list(positive)),
                                         ("negative", -1.0, _as_list(negative))):
            for item in items:
                key, weight = item, default
                if not isinstance(item, _KEY_TYPES + (np.ndarray,)):
                    if not weighted or not isinstance(item, (tuple, list)) or len(item) != 2:
                        raise ValueError("%s: each item must be a word, a vector%s, got %r"
                                         % (argument, " or a (word or vector, weight) pair"
                                            if weighted else " (no weights here)", item))
                    key, weight = item[0], float(item[1])  # a weight as given, as gensim
                if isinstance(key, np.ndarray):
                    terms.append((argument, self._as_vector(key, argument), weight, None))
                else:
                    row = self.get_index(key)
                    terms.append((argument, self._normed()[row].astype(float), weight, row))
        return terms

    def _ranked(self, scores, searched, exclude, topn):
        """The ``topn`` best (word, score) of ``scores`` over the rows ``searched`` (None:
        all), the rows ``exclude`` left out; topn None: the scores themselves."""
        if topn is None:
            return scores
        exclude = np.unique(np.asarray(exclude, dtype=np.int64))
        left_out = exclude if searched is None else np.flatnonzero(np.isin(searched, exclude))
        values = scores  # a fresh array of the caller's: marked in place
        values[left_out] = -np.inf  # never chosen: k is at most the words left
        k = min(topn, len(values) - len(left_out))
        best = np.argpartition(-values, k - 1)[:k] if 0 < k < len(values) else \
            np.flatnonzero(values > -np.inf)
        best = best[np.lexsort((best, -values[best]))]  # ties: row (or frequency) order
        rows = best if searched is None else searched[best]
        return [(self.index_to_key[r], float(values[i])) for r, i in zip(rows, best)]

    def _cosines(self, query, searched):
        """Cosine of every searched row with the unit (d,) ``query``, in the vectors' dtype."""
        unit = self._normed() if searched is None else self._normed()[searched]
        return unit @ query.astype(unit.dtype)

    def most_similar(self, positive=None, negative=None, topn=10, restrict_vocab=None):
        """The ``topn`` words most similar to the weighted mean of the words and vectors given.

        positive, negative -- words, (d,) vectors, or (word or vector, weight)
            pairs; a word counts with its unit vector, a vector as it is; the
            weights default to 1 (positive) and -1 (negative), a given weight is
            used as given (gensim's rule). The mean is scaled to unit length.
        topn -- how many (word, cosine) to return, best first; None: the cosine
            of every searched word, an array in row (or frequency) order
        restrict_vocab -- search only the N most frequent words
        The words given are never in the answer (their case variants may be).
        """
        _check_topn(topn)
        searched = self._searched(restrict_vocab)
        terms = self._terms(positive, negative)
        if not terms:
            raise ValueError("positive and negative are both empty: give at least one word"
                             " or vector")
        total = sum(weight * vector for _, vector, weight, _ in terms)
        weights = sum(abs(weight) for _, _, weight, _ in terms)
        query = _unit_vector(total / weights if weights else total)
        if topn == 0:
            return []
        rows = [row for _, _, _, row in terms if row is not None]
        return self._ranked(self._cosines(query, searched), searched, rows, topn)

    def similar_by_word(self, word, topn=10, restrict_vocab=None):
        """``most_similar(positive=[word], ...)``."""
        return self.most_similar(positive=[word], topn=topn, restrict_vocab=restrict_vocab)

    similar_by_key = similar_by_word

    def similar_by_vector(self, vector, topn=10, restrict_vocab=None):
        """The words whose vectors are most similar to the (d,) ``vector``."""
        return self.most_similar(positive=[self._as_vector(vector, "vector")], topn=topn,
                                 restrict_vocab=restrict_vocab)

    def most_similar_cosmul(self, positive=None, negative=None, topn=10, restrict_vocab=None):
        """The words x maximising prod_p cos'(x, p) / (prod_n cos'(x, n) + 1e-6), with
        cos' = (1 + cos) / 2 (Levy & Goldberg's 3CosMul for positive=[b, c], negative=[a];
        w2v.evaluation.analogies' maths with gensim's epsilon).

        positive (required), negative -- words (their unit vectors) or (d,) vectors
        (used as they are, as gensim does); no weights. The words given are never
        in the answer. topn, restrict_vocab -- as ``most_similar``.
        """
        _check_topn(topn)
        searched = self._searched(restrict_vocab)
        terms = self._terms(positive, negative, weighted=False)
        cos = {name: [shifted(self._cosines(vector, searched))
                      for argument, vector, _, _ in terms if argument == name]
               for name in ("positive", "negative")}
        if not cos["positive"]:
            raise ValueError("positive is empty: most_similar_cosmul needs at least one"
                             " positive word or vector")
        if topn == 0:
            return []
        scores = cos_mul(cos["positive"], cos["negative"], COSMUL_EPSILON)
        rows = [row for _, _, _, row in terms if row is not None]
        return self._ranked(scores, searched, rows, topn)

    def similarity(self, w1, w2):
        """The cosine similarity of two words."""
        unit = self._normed()
        return float(np.dot(unit[self.get_index(w1)].astype(float),
                            unit[self.get_index(w2)].astype(float)))

    def distance(self, w1, w2):
        """1 - ``similarity(w1, w2)``."""
        return 1.0 - self.similarity(w1, w2)

    def n_similarity(self, ws1, ws2):
        """The cosine similarity of the means of two lists of words' vectors (as they are)."""
        if not len(ws1) or not len(ws2):
            raise ValueError("n_similarity needs two non-empty lists of words, got %d and %d"
                             " words" % (len(ws1), len(ws2)))
        means = [np.mean([self.vectors[self.get_index(w)] for w in ws], axis=0, dtype=float)
                 for ws in (ws1, ws2)]
        return float(np.dot(_unit_vector(means[0]), _unit_vector(means[1])))

    def distances(self, word_or_vector, other_words=()):
        """(n,) cosine distances, 1 - cos, from a word or (d,) vector to ``other_words``
        (empty: to every word, itself included)."""
        if isinstance(word_or_vector, _KEY_TYPES):
            query = self._normed()[self.get_index(word_or_vector)].astype(float)
        else:
            query = _unit_vector(self._as_vector(word_or_vector, "word_or_vector"))
        rows = [self.get_index(w) for w in other_words] if len(other_words) else None
        return 1.0 - self._cosines(query, rows)

    def closer_than(self, key1, key2):
        """The words closer to ``key1`` than ``key2`` is (``key1`` left out), in row order."""
        i = self.get_index(key1)
        distances = self.distances(key1)
        closer = np.flatnonzero(distances < distances[self.get_index(key2)])
        return [self.index_to_key[j] for j in closer if j != i]

    def rank(self, key1, key2):
        """1 + how many words are closer to ``key1`` than ``key2`` is."""
        return len(self.closer_than(key1, key2)) + 1

    def doesnt_match(self, words):
        """The word of ``words`` least similar to the mean of their unit vectors (unknown
        words are left out with a warning, as gensim does)."""
        known = [w for w in words if w in self]
        if len(known) != len(words):
            warnings.warn("doesnt_match: not in the vocabulary, left out: %s"
                          % ", ".join(sorted(map(repr, set(words) - set(known)))))
        if not known:
            raise ValueError("doesnt_match needs at least one word in the vocabulary")
        unit = self._normed()[[self.get_index(w) for w in known]].astype(float)
        scores = unit @ _unit_vector(unit.mean(axis=0))
        return min(zip(scores, known))[1]  # gensim's: the lowest score, then the lowest word

    # ---- benchmarks -----------------------------------------------------------

    def _index(self, restrict_vocab, case_insensitive):
        self._searched(restrict_vocab)  # the argument's check
        return WordIndex(self.index_to_key, self.counts, restrict_vocab, case_insensitive)

    def evaluate_word_pairs(self, pairs, delimiter="\t", restrict_vocab=300000,
                            case_insensitive=True, dummy4unknown=False):
        """Correlation of the cosine similarities with human scores (WordSim-353, SimLex-999).

        pairs -- the file: ``word1 word2 score`` a line, ``delimiter``-separated,
                 ``#`` comments (w2v.evaluation.benchmarks.read_word_pairs)
        restrict_vocab -- only the N most frequent words are known; case_insensitive
        -- whatever their case (the most frequent variant's vector); dummy4unknown --
        a pair with an unknown word counts with similarity 0, not left out
        Returns (pearson, spearman, oov_ratio) as gensim: scipy's pearsonr and
        spearmanr (statistic, pvalue), the percentage of pairs left out.
        """
        index = self._index(restrict_vocab, case_insensitive)
        result = evaluate_word_pairs(self.vectors, index,
                                     benchmarks.read_word_pairs(pairs, delimiter).pairs)
        return correlations(result, dummy4unknown, pairs)

    def evaluate_word_analogies(self, analogies, restrict_vocab=300000, case_insensitive=True,
                                dummy4unknown=False):
        """3CosAdd accuracy on an analogy file (Google's questions-words.txt), as gensim.

        A question "a b c d" is asked when its four words are among the
        ``restrict_vocab`` most frequent; the answer is the word among those,
        not a, b or c (nor a case variant), most similar to b - a + c. With
        ``dummy4unknown`` the other questions count as wrong.
        Returns (score, sections): the overall accuracy (0.0 when no question
        was asked) and one dict per section, {'section': name, 'correct':
        [(a, b, c, d), ...], 'incorrect': [...]}, the words upper-cased when
        case_insensitive, then the sum, {'section': 'Total accuracy', ...}.
        """
        sections = benchmarks.read_analogies(analogies)
        index = self._index(restrict_vocab, case_insensitive)
        used, right = question_results(self.vectors, index, sections, methods=("3CosAdd",))
        return gensim_sections(sections, used, right["3CosAdd"], case_insensitive, dummy4unknown)

    # ---- files ------------------------------------------------------------------

    def save_word2vec_format(self, path, binary=False):
        """Write word2vec text (or ``binary``) format, the words in row order."""
        save = w2vformat.save_word2vec_binary if binary else w2vformat.save_word2vec_text
        return save(os.fspath(path), self.index_to_key, self.vectors)

    @classmethod
    def load_word2vec_format(cls, path, binary=False, limit=None, dtype=np.float32):
        """Read a word2vec text (or ``binary``; None: detect) file, only its first ``limit``
        words if given, into float32 (``dtype``) vectors."""
        if limit is not None and (not isinstance(limit, (int, np.integer)) or limit < 1):
            raise ValueError("limit must be a whole number >= 1 or None, got %r" % (limit,))
        words, matrix = w2vformat.read_word2vec(os.fspath(path), binary=binary, limit=limit,
                                                dtype=dtype)
        return cls(words, matrix)

    def save_projector(self, directory, limit=10000):
        """Write the TensorFlow Embedding Projector's two files into ``directory``.

        vectors.tsv -- one line per word, its d numbers tab-separated, no header
        metadata.tsv -- the words in the same order, one a line; with counts,
                        a header ``word<TAB>count`` and ``word<TAB>count`` lines
        limit -- the N most frequent words only (None: all)
        Returns the two paths. Load them at projector.tensorflow.org ("Load").
        """
        rows = self._searched(limit, "limit")
        rows = np.arange(len(self)) if rows is None else rows
        return projector.save_projector(directory, [self.index_to_key[i] for i in rows],
                                        self.vectors[rows],
                                        None if self.counts is None else self.counts[rows])

    def __repr__(self):
        return "<%s: %d words, d = %d, %s>" % (type(self).__name__, len(self), self.vector_size,
                                               self.vectors.dtype)
