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

import itertools
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


def shifted(cos):
    """cos' = (cos + 1) / 2: cosines moved into [0, 1], as 3CosMul multiplies them."""
    return (cos + 1.0) * 0.5


def cos_mul(positive, negative, epsilon=EPSILON):
    """3CosMul's score of every candidate: prod(positive) / (prod(negative) + epsilon).

    positive, negative -- sequences of equal-shaped arrays of cos' (``shifted``):
    for an analogy (a, b, c), positive = (cos'(x, b), cos'(x, c)) and negative =
    (cos'(x, a),); with no negative the denominator is 1 + epsilon (gensim's
    most_similar_cosmul, whose epsilon is 1e-6).
    """
    numerator = positive[0]
    for term in positive[1:]:
        numerator = numerator * term
    denominator = negative[0] if len(negative) else 1.0
    for term in negative[1:]:
        denominator = denominator * term
    return numerator / (denominator + epsilon)


def answer(unit, questions, group, progress=None, methods=METHODS):
    """The answers of each method: dict method -> (m,) positions (-1: every word excluded).

    unit -- (n, D) unit vectors of the kept words
    questions -- (m, 3) positions of a, b, c (each the first of its group)
    group -- (n,) the group of each kept word (see WordIndex)
    progress -- called with the fraction done after each chunk, if given
    methods -- which of METHODS to answer with
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
    best = {method: (np.full(m, -np.inf), np.full(m, -1)) for method in methods}
    for first in range(0, len(unit), width):
        cos = unit[distinct] @ unit[first:first + width].T  # (k, w)
        half = shifted(cos)
        for start in range(0, m, step):
            stop = min(start + step, m)
            part = slice(start, stop)
            a, b, c = inverse[part].T
            lo, hi = np.searchsorted(key, [first // width * m + start, first // width * m + stop])
            rows, cols = numbers[lo:hi] - start, positions[lo:hi] - first
            for method in methods:
                if method == "3CosAdd":
                    scores = cos[b] - cos[a] + cos[c]
                else:
                    scores = cos_mul((half[b], half[c]), (half[a],))
                scores[rows, cols] = -np.inf
                _keep_best(best[method], scores, part, first)
        if progress is not None:
            progress(min(1.0, (first + width) / len(unit)))
    return {method: positions for method, (_, positions) in best.items()}


def _positions(index, sections):
    """The questions whose four words are kept, in file order: (m, 4) positions and
    (m, 2) (section number, question number within the section)."""
    rows, used = [], []
    for number, section in enumerate(sections):
        for k, question in enumerate(section.questions):
            positions = [index.position(w) for w in question]
            if None not in positions:
                rows.append(positions)
                used.append((number, k))
    return (np.array(rows, dtype=np.int64).reshape(-1, 4),
            np.array(used, dtype=np.int64).reshape(-1, 2))


def question_results(matrix, index, sections, progress=None, methods=METHODS):
    """Which questions each method answers right.

    matrix, index, sections, progress -- as ``evaluate_analogies``
    methods -- which of METHODS to answer with
    Returns (used, right): used (m, 2) the (section number, question number)
    of the m questions whose four words are kept, in file order; right a dict
    method -> (m,) bool, whether the answer is d (or a case variant of d).
    """
    questions, used = _positions(index, sections)
    right = {method: np.zeros(len(questions), dtype=bool) for method in methods}
    if len(questions):
        unit = unit_rows(np.asarray(matrix)[index.rows])
        for method, predicted in answer(unit, questions[:, :3], index.group, progress,
                                        methods).items():
            right[method] = (predicted >= 0) & (index.group[predicted] == questions[:, 3])
    return used, right


def evaluate_analogies(matrix, index, sections, progress=None):
    """Accuracy of 3CosAdd and 3CosMul, per section and overall.

    matrix -- (V, D) word vectors
    index -- a WordIndex (the kept words: usually the 30,000 most frequent)
    sections -- list of Section(name, [(a, b, c, d), ...]) (w2v.evaluation.benchmarks)
    progress -- called with the fraction done from time to time, if given
    Returns a list of AnalogyScore: one per section in file order, then
    "semantic" and "syntactic" (sections named gram* are syntactic), then "total".
    """
    used, right = question_results(matrix, index, sections, progress)
    n = len(sections)
    scores = [AnalogyScore(s.name, questions_total=len(s.questions)) for s in sections]
    for score, count in zip(scores, np.bincount(used[:, 0], minlength=n)):
        score.questions_used = int(count)
    for method, correct in right.items():
        for score, count in zip(scores, np.bincount(used[correct, 0], minlength=n)):
            score.correct[method] += int(count)
    groups = {name: AnalogyScore(name) for name in ("semantic", "syntactic", "total")}
    for score in scores:
        groups["syntactic" if is_syntactic(score.name) else "semantic"].add(score)
        groups["total"].add(score)
    return scores + list(groups.values())


def gensim_sections(sections, used, right, case_insensitive=True, dummy4unknown=False):
    """gensim's ``evaluate_word_analogies`` result: (score, list of section dicts).

    sections -- as read (Section(name, questions)); used, right -- of
    ``question_results``: the questions asked and whether one method was right
    Each dict is {'section': name, 'correct': [(a, b, c, d), ...], 'incorrect':
    [...]} in file order, the words upper-cased when case_insensitive; with
    ``dummy4unknown`` the questions not asked count as incorrect. The last is
    'Total accuracy', their sum; score is its accuracy (0.0 when it is empty).
    """
    marks = [np.full(len(s.questions), -1) for s in sections]  # -1: not asked
    for (number, k), correct in zip(used, right):
        marks[number][k] = int(correct)
    out = []
    for section, mark in zip(sections, marks):
        questions = [tuple(w.upper() for w in q) if case_insensitive else tuple(q)
                     for q in section.questions]
        out.append({"section": section.name,
                    "correct": [q for q, m in zip(questions, mark) if m == 1],
                    "incorrect": [q for q, m in zip(questions, mark)
                                  if m == 0 or (m < 0 and dummy4unknown)]})
    total = {"section": "Total accuracy"}
    for key in ("correct", "incorrect"):
        total[key] = list(itertools.chain.from_iterable(s[key] for s in out))
    asked = len(total["correct"]) + len(total["incorrect"])
    return (len(total["correct"]) / asked if asked else 0.0), out + [total]
