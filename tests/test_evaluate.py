"""evaluate.py and its metrics: utils/wordindex.py, utils/similarity.py, utils/analogies.py.

The reference is gensim: on vectors of a real (small) training run our
Spearman correlations equal ``KeyedVectors.evaluate_word_pairs``'s to 1e-6 and
our analogy counts equal ``evaluate_word_analogies``'s exactly, per section,
with the same restriction, also on mixed-case and upper-case vocabularies.
The vectorised analogy search is also checked against a plain per-question
search on random vectors, in chunks small enough to cut everything.
"""

import random

import numpy as np
import pytest
from scipy import stats

from tests.conftest import REAL_BENCH, REAL_WIKI, ROOT, WIKI_HOW, missing_reason
from w2v.evaluation import analogies
from w2v.evaluation.analogies import METHODS, evaluate_analogies
from w2v.evaluation.benchmarks import Section, read_analogies, read_word_pairs
from w2v.evaluation.similarity import evaluate_word_pairs, spearman
from w2v.evaluation.wordindex import WordIndex, frequency_order
from w2v.vectors import files as vectors

BENCH = REAL_BENCH or ROOT / "utils" / "datasets" / "benchmarks"
CORPUS = REAL_WIKI
FILES = {"wordsim353": BENCH / "wordsim353.tsv", "simlex999": BENCH / "simlex999.txt",
         "analogy": BENCH / "questions-words.txt"}


# ---- Spearman ----------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(5))
def test_spearman_equals_scipy_with_ties(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 60))
    x = rng.integers(0, 8, n).astype(float)  # many ties in both samples
    y = np.round(x + rng.normal(0, 3, n))
    assert spearman(x, y) == pytest.approx(stats.spearmanr(x, y)[0], abs=1e-12)


def test_spearman_is_none_when_undefined():
    assert spearman([1.0], [2.0]) is None  # one value
    assert spearman([1.0, 2.0, 3.0], [5.0, 5.0, 5.0]) is None  # a constant sample
    with pytest.raises(ValueError, match="same length"):
        spearman([1.0, 2.0], [1.0])


# ---- which vector a word gets --------------------------------------------------------

def test_frequency_order_sorts_by_counts_keeping_file_order_on_ties():
    assert frequency_order(4).tolist() == [0, 1, 2, 3]
    assert frequency_order(5, [3, 9, 3, 9, 1]).tolist() == [1, 3, 0, 2, 4]
    with pytest.raises(ValueError, match="one entry per word"):
        frequency_order(3, [1, 2])


def test_word_index_first_variant_in_frequency_order_wins():
    words = ["paris", "Paris", "the", "PARIS", "the"]
    counts = [5, 9, 20, 1, 3]  # frequency order: the(2), Paris(1), paris(0), the(4), PARIS(3)
    index = WordIndex(words, counts)
    assert index.row("paris") == index.row("PARIS") == 1  # the most frequent variant
    assert index.row("The") == 2 and index.row("london") is None
    assert index.duplicates == 3  # paris, the (again), PARIS share a key with an earlier word
    assert index.group.tolist() == [0, 1, 1, 0, 1]  # positions: the, Paris, paris, the, PARIS
    exact = WordIndex(words, counts, case_insensitive=False)
    assert (exact.row("paris"), exact.row("Paris"), exact.row("PARIS")) == (0, 1, 3)
    assert exact.row("the") == 2 and exact.duplicates == 1
    limited = WordIndex(words, counts, limit=2)
    assert limited.row("the") == 2 and limited.row("paris") == 1 and len(limited) == 2
    with pytest.raises(ValueError, match="at least 1"):
        WordIndex(words, limit=0)


def test_word_pairs_edge_cases():
    matrix = np.eye(3)
    pairs = [("cat", "dog", 5.0), ("cat", "car", 2.0), ("x", "y", 1.0)]
    nothing = evaluate_word_pairs(matrix, WordIndex(["a", "b", "c"]), pairs)
    assert (nothing.spearman, nothing.pairs_used, nothing.pairs_total) == (None, 0, 3)
    assert nothing.note == "no pair has both words in the vocabulary"
    assert nothing.as_json() == {"spearman": None, "pairs_used": 0, "pairs_total": 3}
    one = evaluate_word_pairs(matrix, WordIndex(["cat", "dog", "z"]), pairs)
    assert one.spearman is None and one.pairs_used == 1 and "only 1 pair" in one.note
    assert one.left_out == [("cat", "car"), ("x", "y")]
    # Upper-case vocabulary, lower-case benchmark: matched (gensim's case rule).
    upper = evaluate_word_pairs(np.array([[1.0, 0], [1, 1], [0, 1]]),
                                WordIndex(["CAT", "DOG", "CAR"]), pairs)
    assert upper.pairs_used == 2 and upper.spearman == pytest.approx(1.0)
    constant = evaluate_word_pairs(np.ones((3, 2)), WordIndex(["cat", "dog", "car"]), pairs)
    assert constant.spearman is None and "model scores" in constant.note


# ---- analogies: vectorised search against a plain one ----------------------------------

def plain_search(matrix, words, counts, limit, questions, case_insensitive=True):
    """Per question, per word: the analogy answers the slow obvious way (by keys, not groups)."""
    key = (lambda w: w.upper()) if case_insensitive else (lambda w: w)
    order = sorted(range(len(words)), key=lambda i: -counts[i])[:limit]  # stable: file order
    kept = [words[i] for i in order]
    unit = matrix[order] / np.linalg.norm(matrix[order], axis=1, keepdims=True)
    first = {}
    for p, w in enumerate(kept):
        first.setdefault(key(w), p)
    correct = dict.fromkeys(METHODS, 0)
    used = 0
    for question in questions:
        if any(key(w) not in first for w in question):
            continue
        used += 1
        a, b, c = (unit[first[key(w)]] for w in question[:3])
        cos_a, cos_b, cos_c = unit @ a, unit @ b, unit @ c
        scores = {"3CosAdd": cos_b - cos_a + cos_c,
                  "3CosMul": (cos_b + 1) / 2 * (cos_c + 1) / 2 / ((cos_a + 1) / 2 + 1e-3)}
        banned = {key(w) for w in question[:3]}
        for method, s in scores.items():
            best = max((p for p in range(len(kept)) if key(kept[p]) not in banned),
                       key=lambda p: s[p])
            correct[method] += key(kept[best]) == key(question[3])
    return used, correct


@pytest.mark.parametrize("case_insensitive", [True, False])
def test_blocked_search_equals_the_plain_search(monkeypatch, case_insensitive):
    rng = np.random.default_rng(7)
    base = ["w%d" % i for i in range(60)]
    # Case variants and an exact duplicate, more and less frequent than the original.
    words = base + ["W3", "w5", "W5", "w7", "W10"]
    counts = list(rng.integers(1, 30, len(words)))  # with ties
    # Few dimensions, so that case variants often score high and must be excluded.
    matrix = rng.normal(size=(len(words), 3))
    questions = [tuple(rng.choice(words + ["oov"], 4)) for _ in range(400)]
    questions += [("w3", "w5", "w7", "w10"), ("W3", "w5", "W3", "w5")]
    # Tiny memory budgets: many vocabulary chunks and question blocks.
    monkeypatch.setattr(analogies, "COSINE_ELEMENTS", 500)
    monkeypatch.setattr(analogies, "SCORE_ELEMENTS", 64)
    for limit in (len(words), 40):
        index = WordIndex(words, counts, limit=limit, case_insensitive=case_insensitive)
        total = evaluate_analogies(matrix, index, [Section("s", questions)])[-1]
        used, correct = plain_search(matrix, words, counts, limit, questions, case_insensitive)
        assert total.name == "total" and total.questions_total == len(questions)
        assert (total.questions_used, total.correct) == (used, correct)
        assert 0 < total.correct["3CosAdd"] and 0 < used < len(questions)


def test_a_known_analogy_and_the_excluded_question_words():
    # Orthogonal axes: king - man + woman = queen exactly; "king" itself would be
    # the nearest to it were the question words not excluded.
    words = ["man", "woman", "king", "queen", "Queen", "apple"]
    matrix = np.array([[1.0, 0, 0, 0], [0, 1, 0, 0], [1, 0, 3, 0], [0, 1, 3, 0],
                       [0, 1, 3, 0.1], [0, 0, 0, 1]])
    sections = [Section("family", [("man", "king", "woman", "QUEEN")]),
                Section("gram1-x", [("man", "woman", "king", "queen"),
                                    ("man", "apple", "king", "pear")])]
    rows = evaluate_analogies(matrix, WordIndex(words), sections)
    assert [r.name for r in rows] == ["family", "gram1-x", "semantic", "syntactic", "total"]
    assert rows[0].correct == {"3CosAdd": 1, "3CosMul": 1} and rows[0].accuracy() == 1.0
    assert (rows[1].questions_used, rows[1].questions_total) == (1, 2)  # "pear" unknown
    assert rows[1].correct["3CosAdd"] == 1
    assert (rows[-1].questions_used, rows[-1].correct["3CosAdd"]) == (2, 2)
    # Case-sensitive: "QUEEN" is unknown; "Queen" is now a word of its own, and the
    # nearest to king - man + woman after queen... but queen is the answer: still right.
    exact = evaluate_analogies(matrix, WordIndex(words, case_insensitive=False), sections)
    assert exact[0].questions_used == 0 and exact[0].accuracy() is None
    assert exact[1].correct["3CosAdd"] == 1


# ---- equality with gensim on a real training run -------------------------------------------

_missing_real = pytest.mark.skipif(
    REAL_WIKI is None or REAL_BENCH is None, reason=missing_reason(
        "corpora/wiki106.txt and benchmarks/", WIKI_HOW + "; `sh get_datasets.sh` installs"
        " the benchmarks"))


def needs_real(test):
    """A test on gensim's training run of wiki106: needs the real data, and is slow."""
    return pytest.mark.slow(_missing_real(test))


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """gensim Word2Vec vectors of wiki106 (a few seconds), as a word2vec text file."""
    from gensim.models import Word2Vec
    with open(CORPUS, encoding="utf-8") as f:
        sentences = [line.split() for line in f]
    model = Word2Vec(sentences, vector_size=50, window=5, min_count=5, workers=1, seed=1,
                     epochs=10)
    path = tmp_path_factory.mktemp("gensim") / "wiki.txt"
    model.wv.save_word2vec_format(str(path))
    return path


def mixed_case(src, dst, upper_all=False):
    """Rewrite a word2vec text file with case variants, as a real mixed-case vocabulary.

    Every third word title-cased; every seventh of the first 3,000 gets a later,
    less frequent UPPER-case variant with a vector of its own. upper_all:
    every word in upper case instead. (No word twice: gensim's reader drops
    repeats but leaves None keys behind, which its evaluators cannot take.)
    """
    lines = src.read_text(encoding="utf-8").splitlines()[1:]
    entries = [line.split(" ", 1) for line in lines]
    out = [(word.upper() if upper_all else word.title() if i % 3 == 1 else word, rest)
           for i, (word, rest) in enumerate(entries)]
    if not upper_all:
        taken = {word for word, _ in out}
        for i in range(0, 3000, 7):
            variant = entries[i][0].upper()
            if variant not in taken:
                taken.add(variant)
                # A vector of its own: an exact tie would be broken arbitrarily by gensim.
                mixed = np.array(entries[i + 1][1].split(), float) + 0.5 * np.array(
                    entries[i + 2][1].split(), float)
                out.insert(i + 50 + i // 7, (variant, " ".join(map(repr, mixed.tolist()))))
    assert len({word for word, _ in out}) == len(out)
    D = len(entries[0][1].split())
    dst.write_text("%d %d\n" % (len(out), D) + "".join("%s %s\n" % e for e in out),
                   encoding="utf-8")
    return dst


def ours_and_gensim(path, restrict, case_insensitive=True, counts_folder=None):
    """Both evaluations of the same vectors: (ours, gensim's), as comparable tuples."""
    from gensim.models import KeyedVectors
    kv = KeyedVectors.load_word2vec_format(str(path), datatype=np.float64)
    wv = vectors.load(str(counts_folder or path), vector="v")
    ours, theirs = {}, {}
    for name in ("wordsim353", "simlex999"):
        result = evaluate_word_pairs(
            wv.matrix, WordIndex(wv.words, wv.counts, case_insensitive=case_insensitive),
            read_word_pairs(str(FILES[name])).pairs)
        ours[name] = (result.spearman, result.pairs_used)
        _, (rho, _), oov = kv.evaluate_word_pairs(str(FILES[name]), restrict_vocab=len(kv),
                                                  case_insensitive=case_insensitive)
        theirs[name] = (rho, round(result.pairs_total * (1 - oov / 100)))
    rows = evaluate_analogies(wv.matrix, WordIndex(wv.words, wv.counts, limit=restrict,
                                                   case_insensitive=case_insensitive),
                              read_analogies(str(FILES["analogy"])))
    ours["analogy"] = [(r.correct["3CosAdd"], r.questions_used) for r in rows[:-3] + rows[-1:]]
    _, sections = kv.evaluate_word_analogies(str(FILES["analogy"]), restrict_vocab=restrict,
                                             case_insensitive=case_insensitive)
    theirs["analogy"] = [(len(s["correct"]), len(s["correct"]) + len(s["incorrect"]))
                         for s in sections]
    return ours, theirs


def assert_same(ours, theirs):
    for name in ("wordsim353", "simlex999"):
        assert ours[name][1] == theirs[name][1]
        assert ours[name][0] == pytest.approx(theirs[name][0], abs=1e-6)
    assert ours["analogy"] == theirs["analogy"]


@needs_real
@pytest.mark.parametrize("restrict", [2000, 30000])
def test_equal_to_gensim_on_gensim_vectors(trained, restrict):
    ours, theirs = ours_and_gensim(trained, restrict)
    assert_same(ours, theirs)
    # Not a comparison of empty results: a real share of questions answered right.
    assert ours["analogy"][-1][0] >= 20 and ours["wordsim353"][0] > 0.1


@needs_real
@pytest.mark.parametrize("case_insensitive", [True, False])
def test_equal_to_gensim_on_a_mixed_case_vocabulary(trained, tmp_path, case_insensitive):
    path = mixed_case(trained, tmp_path / "mixed.txt")
    ours, theirs = ours_and_gensim(path, 5000, case_insensitive)
    assert_same(ours, theirs)
    assert ours["analogy"][-1][0] > 0


@needs_real
def test_equal_to_gensim_on_an_upper_case_vocabulary(trained, tmp_path):
    path = mixed_case(trained, tmp_path / "upper.txt", upper_all=True)
    ours, theirs = ours_and_gensim(path, 30000)
    assert_same(ours, theirs)
    plain, _ = ours_and_gensim(trained, 30000)
    assert ours == plain  # the benchmarks' words found whatever the case


@needs_real
def test_counts_give_the_frequency_order(trained, tmp_path):
    """A run folder whose vocab.txt is not in frequency order: the counts decide."""
    lines = trained.read_text(encoding="utf-8").splitlines()[1:]
    words = [line.split(" ", 1)[0] for line in lines]
    v = np.array([line.split(" ")[1:] for line in lines], dtype=float)
    shuffled = list(range(len(words)))
    random.Random(3).shuffle(shuffled)
    folder = tmp_path / "run"
    wordVectors = np.concatenate((v[shuffled], np.zeros_like(v)))  # u: unused here
    vectors.save_vectors(str(folder), wordVectors, {words[i]: k for k, i in enumerate(shuffled)})
    # Counts falling with the gensim rank: frequency order = the file order of `trained`.
    vectors.save_vocab(str(folder / "vocab.txt"), [words[i] for i in shuffled],
                       [len(words) - i for i in shuffled])
    ours, theirs = ours_and_gensim(trained, 2000, counts_folder=folder)
    assert_same(ours, theirs)
