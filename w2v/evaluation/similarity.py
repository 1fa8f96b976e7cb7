"""Word similarity: Spearman correlation of cosine similarity with human scores.

For each benchmark pair (w1, w2, human score) whose two words are in the
vocabulary (matched as ``WordIndex`` says: gensim's rules), the model's
score is the cosine similarity of the two word vectors. The benchmark's
figure is Spearman's rank correlation between the model's and the humans'
scores over those pairs; the other pairs are left out and counted. This is
what gensim's ``KeyedVectors.evaluate_word_pairs`` reports as ``spearman``.
"""

from dataclasses import dataclass, field

import numpy as np

from w2v.linalg import unit_rows


@dataclass
class PairScore:
    """The outcome of ``evaluate_word_pairs``.

    spearman -- rho over the pairs used, or None when it is undefined (see note)
    pairs_used, pairs_total -- pairs with both words in the vocabulary / all pairs
    left_out -- the (w1, w2) pairs not used
    note -- why spearman is None ("" otherwise)
    gold, model -- (pairs_used,) the human scores and the cosine similarities
                   of the pairs used, in file order
    left_out_gold -- the human scores of the pairs left out (gensim's
                     dummy4unknown gives them a cosine of 0)
    """
    spearman: object
    pairs_used: int
    pairs_total: int
    left_out: list = field(default_factory=list)
    note: str = ""
    gold: object = None
    model: object = None
    left_out_gold: list = field(default_factory=list)

    def as_json(self):
        return {"spearman": self.spearman, "pairs_used": self.pairs_used,
                "pairs_total": self.pairs_total}


def spearman(x, y):
    """Spearman's rho of two (n,) samples: the Pearson correlation of their ranks.

    Tied values share the mean of their ranks (as scipy.stats.spearmanr).
    Returns None when rho is undefined: fewer than 2 values, or one sample
    constant (every rank the same).
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError("spearman needs two samples of the same length, got shapes %s and %s"
                         % (x.shape, y.shape))
    if len(x) < 2:
        return None
    from scipy.stats import rankdata  # here: scipy.stats takes 0.4 s to import

    rx, ry = rankdata(x) - (len(x) + 1) / 2, rankdata(y) - (len(y) + 1) / 2  # mean rank 0
    denominator = np.sqrt(np.sum(rx * rx) * np.sum(ry * ry))
    if denominator == 0:
        return None
    return float(np.sum(rx * ry) / denominator)


def cosines(matrix, rows_a, rows_b):
    """(n,) cosine similarities of matrix rows rows_a[i] and rows_b[i] (a zero vector gives 0)."""
    matrix = np.asarray(matrix)
    return np.sum(unit_rows(matrix[rows_a]) * unit_rows(matrix[rows_b]), axis=1)


def evaluate_word_pairs(matrix, index, pairs):
    """Spearman correlation of the model's cosine similarities with the human scores.

    matrix -- (V, D) word vectors
    index -- a WordIndex over the V words (its case rule and limit apply)
    pairs -- list of (w1, w2, human score)
    Returns a PairScore; spearman is None, with a note saying why, when no
    pair (or only one) is covered or the scores of the pairs used are all equal.
    """
    used, gold, left_out, left_out_gold = [], [], [], []
    for w1, w2, score in pairs:
        r1, r2 = index.row(w1), index.row(w2)
        if r1 is None or r2 is None:
            left_out.append((w1, w2))
            left_out_gold.append(score)
        else:
            used.append((r1, r2))
            gold.append(score)
    result = PairScore(None, len(used), len(pairs), left_out, gold=np.array(gold, dtype=float),
                       model=np.zeros(0), left_out_gold=left_out_gold)
    if used:
        rows = np.array(used)
        result.model = cosines(matrix, rows[:, 0], rows[:, 1])
    if len(used) < 2:
        result.note = ("no pair has both words in the vocabulary" if not used else
                       "only 1 pair has both words in the vocabulary; a correlation needs 2")
        return result
    result.spearman = spearman(gold, result.model)
    if result.spearman is None:
        result.note = ("the %s scores of the %d pairs used are all equal"
                       % ("human" if np.ptp(gold) == 0 else "model", len(used)))
    return result


def correlations(result, dummy4unknown=False, source="the benchmark"):
    """gensim's ``evaluate_word_pairs`` figures of a PairScore: (pearson, spearman, oov_ratio).

    pearson, spearman -- scipy's pearsonr and spearmanr results (statistic,
    pvalue) of the human scores against the cosines of the pairs used, and
    with ``dummy4unknown`` of the left-out pairs too, their cosine taken as 0
    oov_ratio -- the percentage of pairs left out
    ValueError (naming ``source``) when fewer than 2 pairs are usable.
    """
    gold, model = result.gold, result.model
    if dummy4unknown:
        gold = np.concatenate((gold, result.left_out_gold))
        model = np.concatenate((model, np.zeros(len(result.left_out_gold))))
    if len(gold) < 2:
        raise ValueError("%s: %d usable word pair%s of %d (the others have words out of the"
                         " vocabulary); a correlation needs 2"
                         % (source, len(gold), "" if len(gold) == 1 else "s",
                            result.pairs_total))
    oov_ratio = 100.0 * len(result.left_out) / result.pairs_total  # dummies or not, as gensim
    from scipy import stats  # here: it takes 0.4 s to import

    return stats.pearsonr(gold, model), stats.spearmanr(gold, model), oov_ratio
