"""w2v.vectors.keyed.KeyedVectors: gensim's names, and gensim's answers.

Every query is asked of our KeyedVectors and of gensim's
``gensim.models.KeyedVectors`` holding the same float32 vectors
(``add_vectors``): the same words in the same order, scores within 1e-6.
On random vectors always; on vectors gensim trains on wiki106, and on the
real benchmarks, when tests/conftest.py's lookup finds them.
"""

import warnings

import numpy as np
import pytest

from tests.conftest import find_real_data
from w2v.vectors import files
from w2v.vectors.keyed import KeyedVectors, UnknownWordError

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


def test_no_warnings_from_ordinary_queries(random_pair):
    ours, _ = random_pair
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours.most_similar(positive=["w1"], negative=["w2"])
        ours.most_similar(positive=[np.zeros(24)])  # a zero query: scores 0, no NaN warning
