"""Which vector a benchmark word gets: the matching rules of gensim's evaluators.

gensim's ``evaluate_word_pairs`` and ``evaluate_word_analogies`` (with their
default ``case_insensitive=True``) compare words in upper case, so "Paris",
"paris" and "PARIS" are one word; when the vocabulary holds several case
variants (or the same word twice), the first in frequency order wins. The
analogy evaluator looks only at the ``restrict_vocab`` most frequent words.
``WordIndex`` applies the same rules, so that our numbers equal gensim's.
"""

import numpy as np


def frequency_order(n_words, counts=None):
    """Rows (n_words,) most frequent first.

    counts -- (n_words,) corpus counts, or None: then the file order is the
              frequency order (word2vec files list the most frequent first)
    Equal counts keep their file order (a stable sort).
    """
    if counts is None:
        return np.arange(n_words)
    counts = np.asarray(counts)
    if counts.shape != (n_words,):
        raise ValueError("counts must have one entry per word: %d words, got shape %s"
                         % (n_words, counts.shape))
    return np.argsort(-counts, kind="stable")


class WordIndex:
    """Benchmark words -> rows of a (V, D) vector matrix.

    words -- the V words, row i of the matrix being words[i]
    counts -- their corpus counts, or None (file order is frequency order)
    limit -- keep only the ``limit`` most frequent words (None: all)
    case_insensitive -- match words whatever their case (gensim's default)

    Attributes, over the n kept words in frequency order ("positions"):
    rows (n,) -- the matrix row of each position
    group (n,) -- for each position, the position of the first word with the
                  same key (itself unless it is a later case variant or a
                  duplicate); a word and its variants are one answer
    duplicates -- how many kept words share their key with an earlier one
    """

    def __init__(self, words, counts=None, limit=None, case_insensitive=True):
        order = frequency_order(len(words), counts)
        if limit is not None:
            if limit < 1:
                raise ValueError("limit must be at least 1, got %r" % (limit,))
            order = order[:limit]
        self.case_insensitive = case_insensitive
        self.rows = order
        self._position = {}
        group = np.empty(len(order), dtype=np.int64)
        for position, row in enumerate(order):
            group[position] = self._position.setdefault(self.key(words[row]), position)
        self.group = group
        self.duplicates = len(order) - len(self._position)

    def __len__(self):
        return len(self.rows)

    def key(self, word):
        """The form under which ``word`` is matched: upper case (as gensim) if case-insensitive."""
        return word.upper() if self.case_insensitive else word

    def position(self, word):
        """The position (frequency rank among the kept words) of ``word``, or None."""
        return self._position.get(self.key(word))

    def row(self, word):
        """The matrix row of ``word``, or None when it is not among the kept words."""
        position = self.position(word)
        return None if position is None else int(self.rows[position])
