"""w2v.vectors.keyed.KeyedVectors: gensim's names, and gensim's answers.

Every query is asked of our KeyedVectors and of gensim's
``gensim.models.KeyedVectors`` holding the same float32 vectors
(``add_vectors``): the same words in the same order, scores within 1e-6.
On random vectors always; on vectors gensim trains on wiki106, and on the
real benchmarks, when ../shared/data has them (tests/conftest.py's lookup).
"""

import subprocess
import sys
import warnings

import numpy as np
import pytest

from tests.conftest import ROOT, find_real_data
from w2v.vectors import files
from w2v.vectors.keyed import KeyedVectors, UnknownWordError
from w2v.vectors.word2vec_format import VectorsError, save_word2vec_text

# gensim's most_similar_cosmul calls its own deprecated init_sims.
pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated:DeprecationWarning")
TOL = 1e-6
BENCH = find_real_data("benchmarks", "questions-words.txt")
CORPUS = find_real_data("corpora", "wiki106.txt")
needs_real = pytest.mark.skipif(BENCH is None or CORPUS is None,
                                reason="no wiki106 corpus and benchmarks on this machine")


def gensim_kv(words, vectors):
    from gensim.models import KeyedVectors as GensimKeyedVectors
    kv = GensimKeyedVectors(vectors.shape[1])
    kv.add_vectors(list(words), vectors)
    return kv


def random_words(V=400, d=24, seed=0):
    """V distinct words (some case variants of others) and (V, d) float32 vectors."""
    rng = np.random.default_rng(seed)
    words = ["w%d" % i for i in range(V)]
    for i in range(5, V, 9):
        words[i] = "W%d" % (i - 5)  # a later upper-case variant of w(i-5)
    return words, rng.normal(size=(V, d)).astype(np.float32)


@pytest.fixture(scope="module")
def random_pair():
    words, vectors = random_words()
    return KeyedVectors(words, vectors), gensim_kv(words, vectors)


@pytest.fixture(scope="module")
def trained_pair(tmp_path_factory):
    """Vectors gensim trains on wiki106 (a few seconds), read by both from one text file."""
    if CORPUS is None:
        pytest.skip("no wiki106 corpus on this machine")
    from gensim.models import KeyedVectors as GensimKeyedVectors
    from gensim.models import Word2Vec
    with open(CORPUS / "wiki106.txt", encoding="utf-8") as f:
        sentences = [line.split() for line in f]
    model = Word2Vec(sentences, vector_size=50, window=5, min_count=5, workers=1, seed=1,
                     epochs=5)
    path = tmp_path_factory.mktemp("gensim") / "wiki.txt"
    model.wv.save_word2vec_format(str(path))
    return (KeyedVectors.load_word2vec_format(path),
            GensimKeyedVectors.load_word2vec_format(str(path)))


@pytest.fixture(params=["random", "trained"])
def pair(request):
    return request.getfixturevalue(request.param + "_pair")


def assert_same_ranking(ours, theirs):
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    assert np.allclose([s for _, s in ours], [s for _, s in theirs], rtol=0, atol=TOL)
    assert ours, "a comparison of empty answers proves nothing"


def some_words(kv, *ranks):
    return [kv.index_to_key[r] for r in ranks]


# ---- lookups ------------------------------------------------------------------------

def test_lookups_equal_gensims(random_pair):
    ours, theirs = random_pair
    assert len(ours) == len(theirs) and ours.vector_size == theirs.vector_size
    assert ours.index_to_key == theirs.index_to_key
    assert ours.key_to_index == theirs.key_to_index
    assert ours.vectors.dtype == np.float32 and np.array_equal(ours.vectors, theirs.vectors)
    words = some_words(ours, 3, 17, 250)
    assert np.array_equal(ours[words[0]], theirs[words[0]])
    assert ours[words].shape == (3, ours.vector_size)
    assert np.array_equal(ours[words], theirs[words])
    for key in words + ["nope", 5, len(ours), -1]:
        assert (key in ours) == (key in theirs)
        assert ours.has_index_for(key) == theirs.has_index_for(key)
        assert ours.get_index(key, -7) == theirs.get_index(key, -7)
    assert np.allclose(ours.get_vector(words[1], norm=True),
                       theirs.get_vector(words[1], norm=True), atol=TOL)
    assert np.allclose(ours.get_normed_vectors(), theirs.get_normed_vectors(), atol=TOL)
    assert ours.get_normed_vectors().dtype == np.float32
    with pytest.raises(ValueError):
        ours.get_vector(words[0])[0] = 1.0  # read-only, as gensim's


# ---- most_similar ---------------------------------------------------------------------

def similar_queries(kv):
    """most_similar's arguments: words, negative words, weights, vectors, restrict_vocab."""
    a, b, c, d = some_words(kv, 10, 25, 40, 3)
    vector = kv.vectors[kv.get_index(d)] * 3.0 + 0.5
    return [
        dict(positive=[a]),
        dict(positive=a, topn=25),
        dict(positive=[b, c], negative=[a]),
        dict(positive=[b, c], negative=[a], topn=3),
        dict(negative=[a, b]),
        dict(positive=[(b, 0.5), c], negative=[(a, -2.0)]),
        dict(positive=[(b, 2.0), (c, 0.25)], negative=[a, (d, 0.5)]),
        dict(positive=[vector]),
        dict(positive=[vector, b], negative=[a], topn=15),
        dict(positive=[(vector, -0.5), b]),
        dict(positive=[b, c], negative=[a], restrict_vocab=200),
        dict(positive=[a], restrict_vocab=30, topn=40),
        dict(positive=[b, b, c], negative=[a]),
    ]


@pytest.mark.parametrize("number", range(13))
def test_most_similar_equals_gensims(pair, number):
    ours, theirs = pair
    query = similar_queries(ours)[number]
    assert_same_ranking(ours.most_similar(**query), theirs.most_similar(**query))


def test_most_similar_topn_none_is_every_score(pair):
    ours, theirs = pair
    a, b, c = some_words(ours, 10, 25, 40)
    for query in (dict(positive=[b, c], negative=[a]), dict(positive=[a], restrict_vocab=100)):
        mine, gensims = ours.most_similar(topn=None, **query), theirs.most_similar(topn=None,
                                                                                   **query)
        assert mine.shape == gensims.shape == (query.get("restrict_vocab", len(ours)),)
        assert np.allclose(mine, gensims, atol=TOL)
    assert ours.most_similar(positive=[a], topn=0) == theirs.most_similar(positive=[a], topn=0)


def test_restrict_vocab_is_a_vocabulary_of_the_first_words(random_pair):
    """restrict_vocab=N answers as gensim's vectors of the first N words alone."""
    ours, _ = random_pair
    small = gensim_kv(ours.index_to_key[:60], ours.vectors[:60])
    a, b, c = some_words(ours, 10, 25, 40)
    for method in ("most_similar", "most_similar_cosmul"):
        mine = getattr(ours, method)(positive=[b, c], negative=[a], topn=20, restrict_vocab=60)
        assert_same_ranking(mine, getattr(small, method)(positive=[b, c], negative=[a], topn=20))
        assert all(ours.get_index(w) < 60 for w, _ in mine)


def test_restrict_vocab_follows_the_counts(random_pair):
    """With counts, the N most frequent words are searched, wherever their rows are."""
    ours, _ = random_pair
    counts = np.arange(len(ours))[::-1].copy()
    counts[[300, 301]] = 10 ** 6  # two rare rows that are the most frequent words
    counted = KeyedVectors(ours.index_to_key, ours.vectors, counts)
    found = {w for w, _ in counted.most_similar(positive=["w10"], topn=10,
                                                restrict_vocab=3)}
    assert found == {"w300", "w301", "w0"}


def test_similar_by_word_and_vector(pair):
    ours, theirs = pair
    a, = some_words(ours, 7)
    assert_same_ranking(ours.similar_by_word(a, topn=12), theirs.similar_by_word(a, topn=12))
    assert_same_ranking(ours.similar_by_key(a, restrict_vocab=50),
                        theirs.similar_by_key(a, restrict_vocab=50))
    vector = ours[a] + 0.1
    assert_same_ranking(ours.similar_by_vector(vector, topn=8),
                        theirs.similar_by_vector(vector, topn=8))


@pytest.mark.parametrize("number", range(4))
def test_most_similar_cosmul_equals_gensims(pair, number):
    ours, theirs = pair
    a, b, c, d = some_words(ours, 10, 25, 40, 3)
    query = [dict(positive=[b, c], negative=[a]), dict(positive=[b]),
             dict(positive=[b, c, d], negative=[a, c], topn=30),
             dict(positive=b, negative=a, topn=5)][number]
    assert_same_ranking(ours.most_similar_cosmul(**query), theirs.most_similar_cosmul(**query))
    query["topn"] = None
    mine, gensims = (kv.most_similar_cosmul(**query) for kv in (ours, theirs))
    assert np.allclose(mine, gensims, atol=TOL)


# ---- similarity, distances, doesnt_match ------------------------------------------------

def test_similarity_distance_n_similarity_equal_gensims(pair):
    ours, theirs = pair
    a, b, c, d = some_words(ours, 10, 25, 40, 3)
    for w1, w2 in ((a, b), (c, d), (a, a)):
        assert ours.similarity(w1, w2) == pytest.approx(theirs.similarity(w1, w2), abs=TOL)
        assert ours.distance(w1, w2) == pytest.approx(theirs.distance(w1, w2), abs=TOL)
    for ws1, ws2 in (([a], [b]), ([a, b], [c]), ([a, b, a], [c, d])):
        assert ours.n_similarity(ws1, ws2) == pytest.approx(theirs.n_similarity(ws1, ws2),
                                                            abs=TOL)


def test_distances_rank_closer_than_equal_gensims(pair):
    ours, theirs = pair
    a, b, c, d = some_words(ours, 10, 25, 40, 3)
    assert np.allclose(ours.distances(a), theirs.distances(a), atol=TOL)
    assert np.allclose(ours.distances(a, [b, c, d]), theirs.distances(a, [b, c, d]), atol=TOL)
    vector = ours[b] - ours[c]
    assert np.allclose(ours.distances(vector, [a, d]), theirs.distances(vector, [a, d]),
                       atol=TOL)
    for w1, w2 in ((a, b), (c, d)):
        assert ours.rank(w1, w2) == theirs.rank(w1, w2)
        assert ours.closer_than(w1, w2) == theirs.closer_than(w1, w2)


def test_doesnt_match_equals_gensims(pair):
    ours, theirs = pair
    for ranks in ((1, 2, 3, 4), (10, 25, 40), (5, 90, 91, 92, 93, 94)):
        words = some_words(ours, *ranks)
        assert ours.doesnt_match(words) == theirs.doesnt_match(words)
    words = some_words(ours, 1, 2, 3) + ["not-a-word"]
    with pytest.warns(UserWarning, match="not-a-word"):
        mine = ours.doesnt_match(words)
    assert mine == theirs.doesnt_match(words)


# ---- benchmarks -------------------------------------------------------------------------

def write_pairs(path, words, rng, n=60):
    """A WordSim-format file: comments, pairs of known words in changed case, unknown words."""
    lines = ["# Word 1\tWord 2\tHuman (mean)"]
    for _ in range(n):
        w1, w2 = rng.choice(words, 2)
        lines.append("%s\t%s\t%.2f" % (w1.upper(), w2.title(), rng.uniform(0, 10)))
    lines += ["unicorn\t%s\t3.0" % words[3], "%s\tzebra-x\t5.5" % words[4]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("case_insensitive", [True, False])
@pytest.mark.parametrize("dummy4unknown", [False, True])
@pytest.mark.parametrize("restrict_vocab", [300000, 150])
def test_evaluate_word_pairs_equals_gensims(random_pair, tmp_path, case_insensitive,
                                            dummy4unknown, restrict_vocab):
    ours, theirs = random_pair
    rng = np.random.default_rng(3)
    path = write_pairs(tmp_path / "pairs.tsv", ours.index_to_key[:300], rng)
    options = dict(restrict_vocab=restrict_vocab, case_insensitive=case_insensitive,
                   dummy4unknown=dummy4unknown)
    if not case_insensitive:  # the file's case then matters: add pairs as the words are
        with open(path, "a", encoding="utf-8") as f:
            for i in range(0, 120, 4):
                f.write("%s\t%s\t%.1f\n" % (ours.index_to_key[i], ours.index_to_key[i + 1],
                                           rng.uniform(0, 10)))
    mine, gensims = ours.evaluate_word_pairs(path, **options), theirs.evaluate_word_pairs(
        str(path), **options)
    for m, g in zip(mine[:2], gensims[:2]):  # pearson, spearman: (statistic, pvalue)
        assert len(m) == len(g) == 2
        assert np.allclose(tuple(m), tuple(g), atol=TOL)
    assert mine[2] == pytest.approx(gensims[2], abs=1e-12) and mine[2] > 0


def write_analogies(path, kv):
    """Questions whose answers the vectors know (d = b - a + c made true), others not,
    and unknown words; two sections."""
    rng = np.random.default_rng(4)
    words = kv.index_to_key
    lines = [": capital-world"]
    for _ in range(40):
        a, b, c, d = rng.choice(words[:300], 4, replace=False)
        lines.append(" ".join((a.title(), b, c.upper(), d)))
    lines.append(": gram1-adjective-to-adverb")
    for i in range(0, 60, 4):
        lines.append(" ".join(words[i:i + 4]))
    lines.append("unknown %s %s %s" % tuple(words[1:4]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def with_answers(words, vectors, path):
    """The vectors, with every question's d moved onto b - a + c: gensim's answer is d."""
    vectors = vectors.copy()
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    index = {w.upper(): i for i, w in reversed(list(enumerate(words)))}
    for line in path.read_text(encoding="utf-8").splitlines()[1:20]:
        a, b, c, d = (index.get(w.upper()) for w in line.split())
        if None not in (a, b, c, d):
            vectors[d] = unit[b] - unit[a] + unit[c]
    return vectors


@pytest.mark.parametrize("case_insensitive", [True, False])
@pytest.mark.parametrize("dummy4unknown", [False, True])
@pytest.mark.parametrize("restrict_vocab", [300000, 200])
def test_evaluate_word_analogies_equals_gensims(tmp_path, case_insensitive, dummy4unknown,
                                                restrict_vocab):
    words, vectors = random_words()
    path = write_analogies(tmp_path / "questions.txt", KeyedVectors(words, vectors))
    vectors = with_answers(words, vectors, path)
    ours, theirs = KeyedVectors(words, vectors), gensim_kv(words, vectors)
    options = dict(restrict_vocab=restrict_vocab, case_insensitive=case_insensitive,
                   dummy4unknown=dummy4unknown)
    mine = ours.evaluate_word_analogies(path, **options)
    gensims = theirs.evaluate_word_analogies(str(path), **options)
    assert mine[1] == gensims[1]  # every section: the same questions right and wrong, in order
    assert mine[0] == pytest.approx(gensims[0], abs=1e-12)
    assert mine[1][-1]["section"] == "Total accuracy"
    if case_insensitive:
        assert len(mine[1][-1]["correct"]) >= 3  # the answers made true are found


@needs_real
@pytest.mark.parametrize("name", ["wordsim353.tsv", "simlex999.txt"])
def test_evaluate_word_pairs_on_the_real_benchmarks(trained_pair, name):
    ours, theirs = trained_pair
    path = BENCH / name
    for options in (dict(restrict_vocab=3000, dummy4unknown=True), dict()):
        mine, gensims = ours.evaluate_word_pairs(path, **options), theirs.evaluate_word_pairs(
            str(path), **options)
        assert np.allclose([mine[0][0], mine[1][0]], [gensims[0][0], gensims[1][0]], atol=TOL)
        assert np.allclose([mine[0][1], mine[1][1]], [gensims[0][1], gensims[1][1]],
                           rtol=1e-4, atol=1e-12)  # p-values: tiny numbers
        assert mine[2] == pytest.approx(gensims[2], abs=1e-9)
    assert mine[2] < 50  # most pairs compared, not a comparison of nothing


@needs_real
@pytest.mark.parametrize("restrict_vocab", [2000, 30000])
def test_evaluate_word_analogies_on_the_real_benchmark(trained_pair, restrict_vocab):
    ours, theirs = trained_pair
    path = BENCH / "questions-words.txt"
    mine = ours.evaluate_word_analogies(path, restrict_vocab=restrict_vocab)
    gensims = theirs.evaluate_word_analogies(str(path), restrict_vocab=restrict_vocab)
    assert [s["section"] for s in mine[1]] == [s["section"] for s in gensims[1]]
    assert mine[1] == gensims[1]
    assert mine[0] == pytest.approx(gensims[0], abs=1e-12)
    assert len(mine[1][-1]["correct"]) >= 10  # real answers, not a comparison of nothing


# ---- errors -------------------------------------------------------------------------------

def test_unknown_words_raise_a_key_error_naming_word_and_size(random_pair):
    ours, _ = random_pair
    calls = [lambda: ours["zzz"], lambda: ours.get_vector("zzz"), lambda: ours.get_index("zzz"),
             lambda: ours.most_similar(positive=["w1", "zzz"]),
             lambda: ours.most_similar(negative=[("zzz", 1.0)]),
             lambda: ours.most_similar_cosmul(positive=["w1"], negative=["zzz"]),
             lambda: ours.similarity("w1", "zzz"), lambda: ours.n_similarity(["zzz"], ["w1"]),
             lambda: ours.distances("w1", ["zzz"]), lambda: ours.rank("zzz", "w1"),
             lambda: ours[["w1", "zzz"]]]
    for call in calls:
        with pytest.raises(KeyError) as err:
            call()
        assert isinstance(err.value, UnknownWordError)
        assert str(err.value) == "'zzz' is not in the vocabulary (400 words)"
    assert files.UnknownWordError is UnknownWordError


@pytest.mark.parametrize("call, message", [
    (lambda kv: kv.most_similar(positive=["w1"], topn=-1), "topn must be a whole number >= 0"),
    (lambda kv: kv.most_similar(positive=["w1"], topn=2.5), "topn must be"),
    (lambda kv: kv.most_similar(), "positive and negative are both empty"),
    (lambda kv: kv.most_similar(positive=[], negative=[]), "both empty"),
    (lambda kv: kv.most_similar(positive=["w1"], restrict_vocab=0),
     "restrict_vocab must be a whole number >= 1"),
    (lambda kv: kv.most_similar(positive=[np.ones(5)]), "positive: a vector must be 24 numbers"),
    (lambda kv: kv.most_similar(negative=[("w1", 1.0, 2.0)]), "negative: each item must be"),
    (lambda kv: kv.similar_by_vector(np.ones((2, 24))), "vector: a vector must be 24 numbers"),
    (lambda kv: kv.most_similar_cosmul(negative=["w1"]), "positive is empty"),
    (lambda kv: kv.most_similar_cosmul(positive=[("w1", 2.0)]), "no weights here"),
    (lambda kv: kv.most_similar_cosmul(positive=["w1"], restrict_vocab=-3), "restrict_vocab"),
    (lambda kv: kv.n_similarity([], ["w1"]), "two non-empty lists"),
    (lambda kv: kv.doesnt_match([]), "at least one word"),
    (lambda kv: kv.save_projector("/nonexistent-dir-never", limit=0), "limit must be"),
    (lambda kv: KeyedVectors.load_word2vec_format("x", limit=0), "limit must be"),
])
def test_bad_arguments_name_the_argument(random_pair, call, message):
    ours, _ = random_pair
    with pytest.raises(ValueError, match=message):
        call(ours)


def test_constructor_checks_shapes():
    with pytest.raises(ValueError, match="one row per word: 2 words, got shape"):
        KeyedVectors(["a", "b"], np.zeros((3, 4)))
    with pytest.raises(ValueError, match="counts must have one entry per word"):
        KeyedVectors(["a", "b"], np.zeros((2, 4)), counts=[1, 2, 3])
    kv = KeyedVectors(["a", "b", "a"], np.arange(6).reshape(3, 2))
    assert kv.get_index("a") == 0 and kv.vectors.dtype == np.float64  # ints become floats


def test_evaluate_word_pairs_without_usable_pairs(random_pair, tmp_path):
    ours, _ = random_pair
    path = tmp_path / "pairs.tsv"
    path.write_text("cat\tdog\t3.0\nw1\tmouse\t2.0\n", encoding="utf-8")
    with pytest.raises(ValueError, match="0 usable word pairs of 2"):
        ours.evaluate_word_pairs(path)


# ---- files ----------------------------------------------------------------------------------

def test_load_word2vec_format_reads_only_limit_rows(tmp_path):
    words, vectors = random_words(V=30, d=4)
    path = tmp_path / "vecs.txt"
    save_word2vec_text(str(path), words, vectors)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[11] = lines[11].split(" ")[0] + " not numbers at all"  # entry 11 is broken
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(VectorsError, match=":12: 'not' is not a number"):
        KeyedVectors.load_word2vec_format(path)
    kv = KeyedVectors.load_word2vec_format(path, limit=10)  # never reaches line 12
    assert kv.index_to_key == words[:10] and kv.vectors.dtype == np.float32
    assert np.array_equal(kv.vectors, vectors[:10])


@pytest.mark.parametrize("binary", [False, True])
def test_word2vec_format_round_trip_and_gensim_reads_it(tmp_path, binary):
    from gensim.models import KeyedVectors as GensimKeyedVectors
    words, vectors = random_words(V=50, d=6)
    path = tmp_path / ("v.bin" if binary else "v.txt")
    KeyedVectors(words, vectors).save_word2vec_format(path, binary=binary)
    back = KeyedVectors.load_word2vec_format(path, binary=binary, limit=20)
    assert back.index_to_key == words[:20] and np.array_equal(back.vectors, vectors[:20])
    gensims = GensimKeyedVectors.load_word2vec_format(str(path), binary=binary, limit=20)
    assert gensims.index_to_key == words[:20] and np.array_equal(gensims.vectors, vectors[:20])


def test_save_projector_files(tmp_path):
    words, vectors = random_words(V=12, d=3)
    counts = np.array([5, 50, 7, 7, 1, 90, 2, 3, 4, 6, 8, 9])
    paths = KeyedVectors(words, vectors, counts).save_projector(tmp_path / "p", limit=4)
    assert [p.rsplit("/", 1)[1] for p in paths] == ["vectors.tsv", "metadata.tsv"]
    rows = [5, 1, 11, 10]  # the 4 most frequent: 90, 50, 9, 8
    table = np.loadtxt(paths[0], delimiter="\t", dtype=np.float32)
    assert np.array_equal(table, vectors[rows])  # float32 written exactly
    assert "\t" in open(paths[0]).readline() and open(paths[0]).read().count("\n") == 4
    assert open(paths[1], encoding="utf-8").read().splitlines() == \
        ["word\tcount"] + ["%s\t%d" % (words[i], counts[i]) for i in rows]
    # Without counts: the first rows, one word a line, no header (a one-column table).
    paths = KeyedVectors(words, vectors).save_projector(tmp_path / "q", limit=None)
    assert open(paths[1], encoding="utf-8").read().splitlines() == words
    assert np.loadtxt(paths[0], delimiter="\t").shape == (12, 3)


def test_word_vectors_is_the_same_class(tmp_path):
    words, vectors = random_words(V=40, d=5)
    wv = files.WordVectors(words, vectors, source="x", vector="v")
    assert isinstance(wv, KeyedVectors)
    assert wv.words is wv.index_to_key and wv.matrix is wv.vectors and wv.index is wv.key_to_index
    assert wv.neighbours("w3", 5) == wv.most_similar(positive=["w3"], topn=5)
    assert wv.analogy("w1", "w2", "w3", 5) == wv.most_similar(positive=["w2", "w3"],
                                                              negative=["w1"], topn=5)
    with pytest.raises(UnknownWordError):
        wv.row(3)  # a row number is not a word here
    save_word2vec_text(str(tmp_path / "v.txt"), words, vectors)
    assert isinstance(files.load(str(tmp_path / "v.txt")), KeyedVectors)


# ---- python -m w2v export ---------------------------------------------------------------------

def run_export(*args):
    return subprocess.run([sys.executable, "-m", "w2v", "export", *map(str, args)],
                          cwd=str(ROOT), capture_output=True, text=True, timeout=120)


def test_export_command(tmp_path):
    words, vectors = random_words(V=20, d=4)
    folder = tmp_path / "run"
    files.save_vectors(str(folder), np.concatenate((vectors, vectors[::-1])).astype(float),
                       {w: i for i, w in enumerate(words)})
    result = run_export("--vectors", folder, "--projector", tmp_path / "proj", "--limit", 5,
                        "--word2vec", tmp_path / "w.bin", "--binary")
    assert result.returncode == 0, result.stderr
    assert "Saved" in result.stdout and "projector.tensorflow.org" in result.stdout
    assert (tmp_path / "proj" / "metadata.tsv").read_text().splitlines() == words[:5]
    table = np.loadtxt(tmp_path / "proj" / "vectors.tsv", delimiter="\t")
    assert np.allclose(table, np.concatenate((vectors, vectors[::-1]), axis=1)[:5])  # [v, u]
    back = KeyedVectors.load_word2vec_format(tmp_path / "w.bin", binary=True)
    assert back.index_to_key == words and back.vector_size == 8


def test_export_help_and_errors(tmp_path):
    result = run_export("--help")
    assert result.returncode == 0 and "--projector DIR" in result.stdout
    assert "Embedding Projector" in result.stdout
    result = run_export("--vectors", tmp_path)
    assert result.returncode == 2 and "nothing to do" in result.stderr
    result = run_export("--vectors", tmp_path / "none", "--projector", tmp_path / "p")
    assert result.returncode == 1 and result.stderr.startswith("error: ")
    assert "does not exist" in result.stderr and len(result.stderr.splitlines()) == 1
    listed = subprocess.run([sys.executable, "-m", "w2v"], cwd=str(ROOT), capture_output=True,
                            text=True, timeout=60)
    assert "export" in listed.stdout


def test_no_warnings_from_ordinary_queries(random_pair):
    ours, _ = random_pair
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours.most_similar(positive=["w1"], negative=["w2"])
        ours.most_similar(positive=[np.zeros(24)])  # a zero query: scores 0, no NaN warning
