"""``KeyedVectors``: word vectors with gensim's names and gensim's answers.

One (V, d) matrix ``vectors``, row i the vector of ``index_to_key[i]``, and
the queries a gensim user knows: ``most_similar`` (the cosine with the
weighted mean of unit vectors, the input words left out), its 3CosMul form
``most_similar_cosmul``, ``similarity``, ``n_similarity``, ``distances``,
``doesnt_match``, ``rank``, the benchmark evaluators ``evaluate_word_pairs``
and ``evaluate_word_analogies`` (their maths is w2v.evaluation's), and the
word2vec and TensorFlow Embedding Projector formats.

The vectors keep their dtype (float32 from the trainer); their unit-length
copy (``get_normed_vectors``) has the same dtype. Where gensim speaks of "the
first N words" (``restrict_vocab``) this class takes the N most frequent by
``counts`` when it has them, else the first N rows, as gensim does; the two
agree for vectors saved in frequency order, as every trainer saves them.
"""

import itertools
import os
import warnings

import numpy as np
from scipy import stats

from w2v.evaluation import benchmarks
from w2v.evaluation.analogies import cos_mul, question_results, shifted
from w2v.evaluation.similarity import evaluate_word_pairs
from w2v.evaluation.wordindex import WordIndex, frequency_order
from w2v.infra.fileio import atomic_write
from w2v.linalg import unit_rows
from w2v.vectors import word2vec_format as w2vformat

COSMUL_EPSILON = 1e-6  # gensim's most_similar_cosmul (Levy & Goldberg use 1e-3)
UNIT_ROWS_AT_ONCE = 65536  # rows normalised at a time (bounded float64 memory)
PROJECTOR_VECTORS = "vectors.tsv"
PROJECTOR_METADATA = "metadata.tsv"
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
        self.key_to_index = {}
        for i, word in enumerate(self.index_to_key):
            self.key_to_index.setdefault(word, i)
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
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool) and \
                0 <= key < len(self):
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

    def _weighted_mean(self, positive, negative):
        """(unit (d,) query, rows of the words given): gensim's weighted mean of the
        words' unit vectors and the given vectors (weights 1 and -1, or as given)."""
        positive, negative = _as_list(positive), _as_list(negative)
        if not positive and not negative:
            raise ValueError("positive and negative are both empty: give at least one word"
                             " or vector")
        total, weights, rows = np.zeros(self.vector_size), 0.0, []
        for argument, default, items in (("positive", 1.0, positive),
                                         ("negative", -1.0, negative)):
            for item in items:
                key, weight = item, default
                if not isinstance(item, _KEY_TYPES + (np.ndarray,)):
                    if not isinstance(item, (tuple, list)) or len(item) != 2:
                        raise ValueError("%s: each item must be a word, a vector or a (word or"
                                         " vector, weight) pair, got %r" % (argument, item))
                    key, weight = item[0], float(item[1])  # a weight as given, as gensim
                if isinstance(key, np.ndarray):
                    total += weight * self._as_vector(key, argument)
                else:
                    rows.append(self.get_index(key))
                    total += weight * self._normed()[rows[-1]]
                weights += abs(weight)
        return _unit_vector(total / weights if weights else total), rows

    def _ranked(self, scores, searched, exclude, topn):
        """The ``topn`` best (word, score) of ``scores`` over the rows ``searched`` (None:
        all), the rows ``exclude`` left out; topn None: the scores themselves."""
        if topn is None:
            return scores
        rows = np.arange(len(self)) if searched is None else searched
        keep = np.ones(len(self), dtype=bool)
        keep[list(exclude)] = False
        candidates = np.flatnonzero(keep[rows])
        values = scores[candidates]
        if topn < len(values):
            best = np.argpartition(-values, topn - 1)[:topn]
        else:
            best = np.arange(len(values))
        best = best[np.lexsort((candidates[best], -values[best]))]  # ties: row order
        return [(self.index_to_key[rows[candidates[i]]], float(values[i])) for i in best]

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
        query, rows = self._weighted_mean(positive, negative)
        if topn == 0:
            return []
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
        terms, rows = {}, []
        for argument, items in (("positive", _as_list(positive)),
                                ("negative", _as_list(negative))):
            terms[argument] = []
            for item in items:
                if isinstance(item, np.ndarray):
                    terms[argument].append(self._as_vector(item, argument))
                elif isinstance(item, _KEY_TYPES):
                    rows.append(self.get_index(item))
                    terms[argument].append(self._normed()[rows[-1]].astype(float))
                else:
                    raise ValueError("%s: most_similar_cosmul takes words or vectors, without"
                                     " weights; got %r" % (argument, item))
        if not terms["positive"]:
            raise ValueError("positive is empty: most_similar_cosmul needs at least one"
                             " positive word or vector")
        if topn == 0:
            return []
        cos = {name: [shifted(self._cosines(t, searched)) for t in ts]
               for name, ts in terms.items()}
        scores = cos_mul(cos["positive"], cos["negative"], COSMUL_EPSILON)
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
        restrict_vocab -- only the N most frequent words are known
        case_insensitive -- match words whatever their case (the most frequent
                 variant's vector); dummy4unknown -- a pair with an unknown word
                 counts with similarity 0 instead of being left out
        Returns (pearson, spearman, oov_ratio) as gensim: scipy's results of
        pearsonr and spearmanr (statistic, pvalue), and the percentage of pairs
        with an unknown word. ValueError when no pair is usable.
        """
        index = self._index(restrict_vocab, case_insensitive)
        result = evaluate_word_pairs(self.vectors, index,
                                     benchmarks.read_word_pairs(pairs, delimiter).pairs)
        gold, model = result.gold, result.model
        if dummy4unknown:
            gold = np.concatenate((gold, result.left_out_gold))
            model = np.concatenate((model, np.zeros(len(result.left_out_gold))))
        if len(gold) < 2:
            raise ValueError("%s: %d usable word pair%s of %d (the others have words out of"
                             " the vocabulary); a correlation needs 2"
                             % (pairs, len(gold), "" if len(gold) == 1 else "s",
                                result.pairs_total))
        # gensim's ratio: unknown pairs over all pairs, dummies or not.
        oov_ratio = 100.0 * len(result.left_out) / result.pairs_total
        return stats.pearsonr(gold, model), stats.spearmanr(gold, model), oov_ratio

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
        status = [np.full(len(s.questions), -1) for s in sections]  # -1: not asked
        for (number, k), correct in zip(used, right["3CosAdd"]):
            status[number][k] = int(correct)
        out = []
        for section, marks in zip(sections, status):
            questions = [tuple(w.upper() for w in q) if case_insensitive else tuple(q)
                         for q in section.questions]
            out.append({"section": section.name,
                        "correct": [q for q, m in zip(questions, marks) if m == 1],
                        "incorrect": [q for q, m in zip(questions, marks)
                                      if m == 0 or (m < 0 and dummy4unknown)]})
        total = {"section": "Total accuracy"}
        for key in ("correct", "incorrect"):
            total[key] = list(itertools.chain.from_iterable(s[key] for s in out))
        asked = len(total["correct"]) + len(total["incorrect"])
        return (len(total["correct"]) / asked if asked else 0.0), out + [total]

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
        words = [self.index_to_key[i] for i in rows]
        w2vformat.check_words(words)  # a tab or newline in a word would break the table
        number = "%.9g" if self.vectors.dtype == np.float32 else "%r"
        os.makedirs(directory, exist_ok=True)
        paths = [os.path.join(directory, n) for n in (PROJECTOR_VECTORS, PROJECTOR_METADATA)]

        def write_vectors(f):
            for start in range(0, len(rows), 1024):
                block = self.vectors[rows[start:start + 1024]].tolist()
                f.write("".join("\t".join(number % x for x in row) + "\n"
                                for row in block).encode("utf-8"))

        if self.counts is None:
            metadata = "".join(w + "\n" for w in words)
        else:
            metadata = "word\tcount\n" + "".join("%s\t%d\n" % (w, self.counts[i])
                                                 for w, i in zip(words, rows))
        atomic_write(paths[0], write_vectors)
        atomic_write(paths[1], lambda f: f.write(metadata.encode("utf-8")))
        return paths

    def __repr__(self):
        return "<%s: %d words, d = %d, %s>" % (type(self).__name__, len(self), self.vector_size,
                                               self.vectors.dtype)
