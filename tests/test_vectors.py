"""vectors.py and utils/word2vec_format.py: saving, loading any word2vec file, queries."""

import os
from pathlib import Path

import numpy as np
import pytest

from w2v.vectors import files as vectors
from w2v.vectors import word2vec_format
from w2v.vectors.files import (
    UnknownWordError,
    VectorsError,
    analogy,
    load,
    load_vectors,
    nearest_neighbours,
    save_vectors,
    save_vocab,
    save_word2vec_binary,
    save_word2vec_text,
)

ROOT = Path(__file__).resolve().parents[1]


def random_vectors(V=40, d=5, seed=0):
    """A (2V, d) matrix and tokens, some words non-ASCII, "UNK" last as in the corpus."""
    rng = np.random.default_rng(seed)
    words = ["w%d" % i for i in range(V - 4)] + ["café", "clichÃ©s", "-lrb-", "UNK"]
    return rng.normal(size=(2 * V, d)), {w: i for i, w in enumerate(words)}


def words_and_matrix(V=30, D=7, seed=1, dtype=np.float64):
    wordVectors, tokens = random_vectors(V, D, seed)
    return list(tokens), wordVectors[:V].astype(dtype)


# ---- run.py's folder -----------------------------------------------------------

def test_round_trip(tmp_path):
    wordVectors, tokens = random_vectors()
    paths = save_vectors(str(tmp_path / "out"), wordVectors, tokens)
    assert [os.path.basename(p) for p in paths] == ["wordVectors.npy", "vocab.txt",
                                                    "vectors.txt"]
    assert sorted(os.listdir(tmp_path / "out")) == sorted(os.path.basename(p) for p in paths)
    loaded, words, loaded_tokens = load_vectors(str(tmp_path / "out"))
    assert np.array_equal(loaded, wordVectors)
    assert words == list(tokens)
    assert loaded_tokens == tokens
    assert np.array_equal(np.load(paths[0], allow_pickle=False), wordVectors)
    assert (tmp_path / "out" / "vocab.txt").read_text(encoding="utf-8").splitlines() == words


def test_vectors_txt_is_the_concatenation(tmp_path):
    wordVectors, tokens = random_vectors(V=6, d=3)
    _, _, text_path = save_vectors(str(tmp_path), wordVectors, tokens)
    lines = Path(text_path).read_text(encoding="utf-8").splitlines()
    assert lines[0] == "6 6"
    first = lines[1].split(" ")
    assert first[0] == "w0"
    expected = np.concatenate((wordVectors[0], wordVectors[6]))
    assert np.array_equal(np.array(first[1:], dtype=float), expected)  # exact float64


@pytest.mark.parametrize("vector", ["v", "u", "sum", "concat", None])
def test_load_folder_each_vector(tmp_path, vector):
    wordVectors, tokens = random_vectors(V=12, d=4)
    save_vectors(str(tmp_path), wordVectors, tokens)
    v, u = wordVectors[:12], wordVectors[12:]
    expected = {"v": v, "u": u, "sum": v + u, "concat": np.hstack((v, u)), None: np.hstack((v, u))}
    wv = load(tmp_path, vector=vector)
    assert wv.words == list(tokens)
    assert np.array_equal(wv.matrix, expected[vector])
    assert wv.vector == (vector or "concat")
    assert wv.counts is None
    assert wv.index["café"] == tokens["café"]
    for name in ("wordVectors.npy", "vocab.txt"):  # either file stands for its folder
        assert np.array_equal(load(tmp_path / name, vector=vector).matrix, expected[vector])
    # The folder's vectors.txt is the concatenation: the same numbers as "concat".
    assert np.array_equal(load(tmp_path / "vectors.txt").matrix, np.hstack((v, u)))


def test_load_folder_limit_and_counts(tmp_path):
    wordVectors, tokens = random_vectors(V=10, d=3)
    save_vectors(str(tmp_path), wordVectors, tokens)
    save_vocab(str(tmp_path / "vocab.txt"), list(tokens), range(100, 110))
    wv = load(tmp_path, vector="u", limit=4)
    assert wv.words == list(tokens)[:4]
    assert np.array_equal(wv.matrix, wordVectors[10:14])
    assert list(wv.counts) == [100, 101, 102, 103]


def test_load_vectors_missing_files(tmp_path):
    with pytest.raises(VectorsError) as err:
        load_vectors(str(tmp_path))
    message = str(err.value)
    assert "wordVectors.npy" in message and "vocab.txt" in message
    assert "python run.py" in message and "--vectors" in message
    with pytest.raises(VectorsError, match="vectors.bin or vectors.txt"):
        load(tmp_path)
    with pytest.raises(VectorsError, match="does not exist.*--vectors DIR"):
        load(tmp_path / "nothing")


def test_load_vectors_inconsistent(tmp_path):
    wordVectors, tokens = random_vectors(V=10)
    save_vectors(str(tmp_path), wordVectors, tokens)
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("".join(w + "\n" for w in list(tokens)[:-1]), encoding="utf-8")
    with pytest.raises(VectorsError, match=r"lists 9 words but .* has 20 rows, i.e. 10 words"):
        load_vectors(str(tmp_path))
    np.save(tmp_path / "wordVectors.npy", np.zeros((7, 3)))
    with pytest.raises(VectorsError, match=r"shape \(7, 3\)"):
        load(tmp_path)


def test_load_folder_rejects_non_finite_naming_the_word(tmp_path):
    wordVectors, tokens = random_vectors(V=10)
    wordVectors[10 + tokens["café"], 2] = np.nan  # an outside vector
    np.save(tmp_path / "wordVectors.npy", wordVectors)
    save_vocab(str(tmp_path / "vocab.txt"), list(tokens))
    with pytest.raises(VectorsError, match="outside vector of 'café'.*NaN or infinite"):
        load(tmp_path, vector="v")


def test_vocab_lines_name_file_and_line(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("the\t10\nfilm\t7\nbad\tmany\n", encoding="utf-8")
    with pytest.raises(VectorsError, match=r"vocab.txt:3: 'bad\\tmany'"):
        word2vec_format.read_vocab(str(path))
    path.write_text("the\t10\nfilm\n", encoding="utf-8")
    with pytest.raises(VectorsError, match=r"vocab.txt:2: 'film' is not"):
        word2vec_format.read_vocab(str(path))
    path.write_text("the\nfilm\nthe\n", encoding="utf-8")
    with pytest.raises(VectorsError, match=r"vocab.txt:3: 'the' is listed twice"
                                           r" \(first on line 1\)"):
        word2vec_format.read_vocab(str(path), unique=True)


@pytest.mark.parametrize("word", ["two words", "tab\there", "new\nline", "nbsp\u00a0x", ""])
def test_save_rejects_words_with_whitespace(tmp_path, word):
    wordVectors, tokens = random_vectors(V=5)
    tokens = {(word if i == 2 else w): i for w, i in tokens.items()}
    with pytest.raises(ValueError, match="cannot be saved"):
        save_vectors(str(tmp_path), wordVectors, tokens)
    with pytest.raises(ValueError, match="cannot be saved"):
        save_word2vec_binary(str(tmp_path / "x.bin"), list(tokens), wordVectors[:5])
    assert not os.listdir(tmp_path)


def test_save_rejects_wrong_shape_and_non_finite(tmp_path):
    wordVectors, tokens = random_vectors(V=5)
    with pytest.raises(ValueError, match=r"\(2V, d\) = \(10, d\)"):
        save_vectors(str(tmp_path), wordVectors[:5], tokens)
    bad = wordVectors[:5].copy()
    bad[1, 1] = np.inf
    with pytest.raises(ValueError, match="NaN or infinite"):
        save_word2vec_text(str(tmp_path / "x.txt"), list(tokens), bad)
    with pytest.raises(ValueError, match="listed twice"):
        save_word2vec_text(str(tmp_path / "x.txt"), ["a", "a"], np.ones((2, 3)))
    assert not os.listdir(tmp_path)


def test_save_replaces_old_files(tmp_path):
    wordVectors, tokens = random_vectors(V=5)
    save_vectors(str(tmp_path), wordVectors, tokens)
    save_vectors(str(tmp_path), 2 * wordVectors, tokens)
    assert np.array_equal(load_vectors(str(tmp_path))[0], 2 * wordVectors)
    assert sorted(os.listdir(tmp_path)) == ["vectors.txt", "vocab.txt", "wordVectors.npy"]


# ---- queries -------------------------------------------------------------------

def test_nearest_neighbours_by_cosine():
    vectors_ = np.array([[1.0, 0.0], [10.0, 1.0], [0.0, 1.0], [-1.0, 0.0], [1.0, 1.0]])
    words = ["a", "b", "c", "d", "e"]
    result = nearest_neighbours(vectors_, words, "a", 3)
    assert [w for w, _ in result] == ["b", "e", "c"]  # cosine, not distance: b is far
    assert np.allclose([s for _, s in result], [10 / np.sqrt(101), 1 / np.sqrt(2), 0.0])
    assert len(nearest_neighbours(vectors_, words, "a", 100)) == 4  # never the word itself
    assert vectors.WordVectors(words, vectors_).neighbours("a", 3) == result


def test_analogy_finds_the_constructed_answer():
    rng = np.random.default_rng(5)
    words = ["man", "woman", "king", "queen"] + ["x%d" % i for i in range(50)]
    vecs = rng.normal(size=(len(words), 20))
    unit = vecs / np.linalg.norm(vecs, axis=1, keepdims=True)
    vecs[3] = unit[2] - unit[0] + unit[1] + 0.05 * rng.normal(size=20)
    result = analogy(vecs, words, "man", "king", "woman", 3)
    assert result[0][0] == "queen"
    assert result[0][1] > 0.95
    assert not {"man", "king", "woman"} & {w for w, _ in analogy(vecs, words, "man", "king",
                                                                 "woman", 60)}


def test_one_word_vocabulary_has_no_neighbours():
    wv = vectors.WordVectors(["only"], np.array([[0.3, -1.0]]))
    assert wv.neighbours("only", 5) == []
    assert wv.analogy("only", "only", "only", 5) == []
    assert nearest_neighbours(wv.matrix, wv.words, "only", 5) == []


def test_queries_refuse_non_finite_vectors():
    vecs = np.array([[1.0, 0.0], [np.nan, np.nan], [0.0, 1.0]])
    with pytest.raises(ValueError, match="the vector of 'b' holds NaN"):
        nearest_neighbours(vecs, ["a", "b", "c"], "a", 2)


def test_unknown_word_message():
    vecs = np.eye(3)
    with pytest.raises(KeyError) as err:
        nearest_neighbours(vecs, ["a", "b", "c"], "xyz", 2)
    assert isinstance(err.value, UnknownWordError)
    assert str(err.value) == "'xyz' is not in the vocabulary (3 words)"
    with pytest.raises(UnknownWordError, match="'q' is not in the vocabulary"):
        analogy(vecs, ["a", "b", "c"], "a", "q", "c", 2)
    with pytest.raises(UnknownWordError, match="'q' is not in the vocabulary"):
        vectors.WordVectors(["a", "b", "c"], vecs)["q"]


# ---- train.py's folder after --loss hs: no outside vectors -----------------------

@pytest.fixture(scope="module")
def trained_folders(tmp_path_factory):
    """train.py's output folders of one small corpus, --loss hs and --loss neg."""
    from w2v.commands import train
    root = tmp_path_factory.mktemp("train")
    rng = np.random.default_rng(0)
    words = ["w%d" % i for i in range(12)]
    text = "\n".join(" ".join(rng.choice(words, 12)) for _ in range(60)) + "\n"
    (root / "corpus.txt").write_text(text, encoding="utf-8")
    for loss in ("hs", "neg"):
        code = train.main(["--corpus", str(root / "corpus.txt"), "--outdir", str(root / loss),
                           "--loss", loss, "--dim", "8", "--epochs", "1", "--min-count", "1",
                           "--workers", "1"])
        assert code == 0
    return root


@pytest.mark.parametrize("vector", ["u", "sum", "concat"])
def test_hs_folder_refuses_outside_vectors(trained_folders, tmp_path, vector):
    import shutil
    hs = trained_folders / "hs"
    with pytest.raises(VectorsError) as err:
        load(str(hs), vector=vector)
    message = str(err.value)
    assert "--vector %s" % vector in message and "hierarchical softmax" in message
    assert "checkpoints record --loss hs" in message and "Huffman tree's V - 1 inner" in message
    assert load(str(hs), vector="v").matrix.shape[1] == 8  # v_w is there
    assert load(str(hs)).vector == "v"  # the default never needed u
    # Without its checkpoints the folder still tells: train.py's zero last row.
    bare = tmp_path / "bare"
    shutil.copytree(hs, bare, ignore=shutil.ignore_patterns("checkpoints"))
    with pytest.raises(VectorsError, match="the last row is zero, as train.py leaves it"):
        load(str(bare), vector=vector)


def test_neg_folder_gives_outside_vectors(trained_folders):
    neg = trained_folders / "neg"
    wordVectors = np.load(neg / "wordVectors.npy")
    wv = load(str(neg), vector="u")
    assert np.array_equal(wv.matrix, wordVectors[len(wv):])
    assert load(str(neg), vector="concat").matrix.shape == (len(wv), 16)
