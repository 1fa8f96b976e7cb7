"""Analogies "a is to b as c is to d": accuracy of 3CosAdd and 3CosMul.

Every vector is scaled to unit length; cos(x, y) is then a dot product. For a
question (a, b, c, d) the answer is the word x, among the ``limit`` most
frequent, other than a, b and c (and their case variants), that maximises

* 3CosAdd (Mikolov et al. 2013; word2vec's compute-accuracy, gensim's
  ``evaluate_word_analogies``): cos(x, b) - cos(x, a) + cos(x, c), which ranks
  words as the cosine with b - a + c does;
* 3CosMul (Levy & Goldberg 2014): cos'(x, b) cos'(x, c) / (cos'(x, a) + eps)
  with cos' = (cos + 1) / 2 in [0, 1] and eps = 0.001.

The question counts as correct when that answer is d. A question with a word
outside the kept words is not asked (counted as not covered), as gensim does.

Vectorised (see ``answer``): matrix products in chunks of the vocabulary, and
the scores of many questions at once; no Python loop per question.
"""

from dataclasses import dataclass, field

import numpy as np

from w2v.evaluation.benchmarks import is_syntactic
from w2v.linalg import unit_rows

METHODS = ("3CosAdd", "3CosMul")
EPSILON = 1e-3  # Levy & Goldberg's eps: keeps 3CosMul finite when cos'(x, a) = 0
# Memory, in float64 elements: the cosines of the distinct question words with
# a chunk of the kept words (two such arrays: cos and cos'), and the scores of
# a few questions over that chunk, small enough to stay in cache.
COSINE_ELEMENTS = 1 << 22  # 32 MB
SCORE_ELEMENTS = 1 << 18  # 2 MB


@dataclass
class AnalogyScore:
    """One row of the results: a section, or the semantic / syntactic / total sum.

    questions_total -- questions in the file; questions_used -- those whose
    four words are all kept; correct -- dict method -> questions answered right
    """
    name: str
    questions_total: int = 0
    questions_used: int = 0
    correct: dict = field(default_factory=lambda: dict.fromkeys(METHODS, 0))

    def accuracy(self, method="3CosAdd"):
        """Correct / used, or None when no question was used."""
        return self.correct[method] / self.questions_used if self.questions_used else None

    def add(self, other):
        self.questions_total += other.questions_total
        self.questions_used += other.questions_used
        for method in METHODS:
            self.correct[method] += other.correct[method]


def _excluded(questions, group):
    """The (question, position) pairs that may not be answers: a, b, c and their variants.

    questions -- (m, 3) positions of a, b, c, each the first of its group
    group -- (n,) the group (first position with the same key) of every position
    Returns two (p,) arrays: question numbers and positions.
    """
    order = np.argsort(group, kind="stable")  # positions, grouped by their group
    sizes = np.bincount(group, minlength=len(group))  # members of each group
    starts = np.cumsum(sizes) - sizes  # where each group begins in order
    numbers, positions = [], []
    for canonical in questions.T:  # the a's, the b's, the c's
        n = sizes[canonical]
        offsets = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)  # 0..n_q-1 per question
        numbers.append(np.repeat(np.arange(len(canonical)), n))
        positions.append(order[np.repeat(starts[canonical], n) + offsets])
    return np.concatenate(numbers), np.concatenate(positions)


def _keep_best(best, scores, part, first):
    """Update best = (values, positions) of the questions ``part`` with a chunk's scores.

    scores -- (m, w) scores of kept words first .. first + w - 1. A later chunk
    wins only when strictly better: on a tie the more frequent word stays.
    """
    top = np.argmax(scores, axis=1)
    value = scores[np.arange(len(top)), top]
    values, positions = best[0][part], best[1][part]  # views: updated in place
    better = value > values
    values[better] = value[better]
    positions[better] = first + top[better]


def answer(unit, questions, group, progress=None):
    """The answers of each method: dict method -> (m,) positions (-1: every word excluded).

    unit -- (n, D) unit vectors of the kept words
    questions -- (m, 3) positions of a, b, c (each the first of its group)
    group -- (n,) the group of each kept word (see WordIndex)
    progress -- called with the fraction done after each chunk, if given
    The kept words go in chunks of ``width``: the cosines of the distinct
    question words with a chunk are one matrix product (k, width), and each
    question's scores over the chunk are sums or products of three of its rows.
    """
    distinct, inverse = np.unique(questions, return_inverse=True)
    inverse = inverse.reshape(questions.shape)
    m = len(questions)
    width = max(1, COSINE_ELEMENTS // len(distinct))  # kept words per chunk
    step = max(1, SCORE_ELEMENTS // width)  # questions scored at once
    numbers, positions = _excluded(questions, group)
    key = (positions // width) * m + numbers  # sorted: by chunk, then by question
    sort = np.argsort(key, kind="stable")
    key, numbers, positions = key[sort], numbers[sort], positions[sort]
    best = {method: (np.full(m, -np.inf), np.full(m, -1)) for method in METHODS}
    for first in range(0, len(unit), width):
        cos = unit[distinct] @ unit[first:first + width].T  # (k, w)
        half = (cos + 1.0) * 0.5  # cos' in [0, 1]
        for start in range(0, m, step):
            stop = min(start + step, m)
            part = slice(start, stop)
            a, b, c = inverse[part].T
            lo, hi = np.searchsorted(key, [first // width * m + start, first // width * m + stop])
            rows, cols = numbers[lo:hi] - start, positions[lo:hi] - first
            for method in METHODS:
                if method == "3CosAdd":
                    scores = cos[b] - cos[a] + cos[c]
                else:
                    scores = half[b] * half[c] / (half[a] + EPSILON)
                scores[rows, cols] = -np.inf
                _keep_best(best[method], scores, part, first)
        if progress is not None:
            progress(min(1.0, (first + width) / len(unit)))
    return {method: positions for method, (_, positions) in best.items()}


def _positions(index, sections):
    """(used questions (m, 4) positions, the section number of each, per-section scores)."""
    rows, section_of, scores = [], [], []
    for number, section in enumerate(sections):
        score = AnalogyScore(section.name, questions_total=len(section.questions))
        before = len(rows)
        for question in section.questions:
            positions = [index.position(w) for w in question]
            if None not in positions:
                rows.append(positions)
                section_of.append(number)
        score.questions_used = len(rows) - before
        scores.append(score)
    return np.array(rows, dtype=np.int64).reshape(-1, 4), np.array(section_of, dtype=int), scores


def evaluate_analogies(matrix, index, sections, progress=None):
    """Accuracy of 3CosAdd and 3CosMul, per section and overall.

    matrix -- (V, D) word vectors
    index -- a WordIndex (the kept words: usually the 30,000 most frequent)
    sections -- list of Section(name, [(a, b, c, d), ...]) (w2v.evaluation.benchmarks)
    progress -- called with the fraction done from time to time, if given
    Returns a list of AnalogyScore: one per section in file order, then
    "semantic" and "syntactic" (sections named gram* are syntactic), then "total".
    """
    questions, section_of, scores = _positions(index, sections)
    if len(questions):
        unit = unit_rows(np.asarray(matrix)[index.rows])
        for method, predicted in answer(unit, questions[:, :3], index.group, progress).items():
            right = (predicted >= 0) & (index.group[predicted] == questions[:, 3])
            counts = np.bincount(section_of[right], minlength=len(sections))
            for score, n in zip(scores, counts):
                score.correct[method] += int(n)
    groups = {name: AnalogyScore(name) for name in ("semantic", "syntactic", "total")}
    for score in scores:
        groups["syntactic" if is_syntactic(score.name) else "semantic"].add(score)
        groups["total"].add(score)
    return scores + list(groups.values())
