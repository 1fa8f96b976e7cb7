"""export.py (saving, loading, queries) and explore.py."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import export
from export import (UnknownWordError, VectorsError, analogy, load_vectors, nearest_neighbours,
                    plot_loss_curve, save_vectors, word_vectors)

ROOT = Path(__file__).resolve().parents[1]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def random_vectors(V=40, d=5, seed=0):
    """A (2V, d) matrix and tokens, some words non-ASCII, "UNK" last as in the corpus."""
    rng = np.random.default_rng(seed)
    words = ["w%d" % i for i in range(V - 4)] + ["café", "clichÃ©s", "-lrb-", "UNK"]
    return rng.normal(size=(2 * V, d)), {w: i for i, w in enumerate(words)}


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


def test_gensim_reads_vectors_txt_and_agrees(tmp_path):
    from gensim.models import KeyedVectors

    wordVectors, tokens = random_vectors(V=60, d=8, seed=3)
    _, _, text_path = save_vectors(str(tmp_path), wordVectors, tokens)
    kv = KeyedVectors.load_word2vec_format(text_path, binary=False)
    words = list(tokens)
    ours = word_vectors(wordVectors)
    assert kv.index_to_key == words
    assert kv.vectors.shape == ours.shape == (60, 16)
    assert np.allclose(kv.vectors, ours, rtol=0, atol=1e-6)  # gensim keeps float32

    for word in ("w0", "café", "UNK", "w17"):
        theirs = kv.most_similar(word, topn=5)
        mine = nearest_neighbours(ours, words, word, 5)
        assert [w for w, _ in mine] == [w for w, _ in theirs]
        assert np.allclose([s for _, s in mine], [s for _, s in theirs], rtol=0, atol=1e-6)

    theirs = kv.most_similar(positive=["w2", "w3"], negative=["w1"], topn=5)
    mine = analogy(ours, words, "w1", "w2", "w3", 5)
    assert [w for w, _ in mine] == [w for w, _ in theirs]
    assert np.allclose([s for _, s in mine], [s for _, s in theirs], rtol=0, atol=1e-6)


def test_nearest_neighbours_by_cosine():
    vectors = np.array([[1.0, 0.0], [10.0, 1.0], [0.0, 1.0], [-1.0, 0.0], [1.0, 1.0]])
    words = ["a", "b", "c", "d", "e"]
    result = nearest_neighbours(vectors, words, "a", 3)
    assert [w for w, _ in result] == ["b", "e", "c"]  # cosine, not distance: b is far
    assert np.allclose([s for _, s in result], [10 / np.sqrt(101), 1 / np.sqrt(2), 0.0])
    assert len(nearest_neighbours(vectors, words, "a", 100)) == 4  # never the word itself


def test_analogy_finds_the_constructed_answer():
    rng = np.random.default_rng(5)
    words = ["man", "woman", "king", "queen"] + ["x%d" % i for i in range(50)]
    vectors = rng.normal(size=(len(words), 20))
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors[3] = unit[2] - unit[0] + unit[1] + 0.05 * rng.normal(size=20)
    result = analogy(vectors, words, "man", "king", "woman", 3)
    assert result[0][0] == "queen"
    assert result[0][1] > 0.95
    assert not {"man", "king", "woman"} & {w for w, _ in analogy(vectors, words, "man", "king",
                                                                 "woman", 60)}


def test_unknown_word_message():
    vectors = np.eye(3)
    with pytest.raises(KeyError) as err:
        nearest_neighbours(vectors, ["a", "b", "c"], "xyz", 2)
    assert isinstance(err.value, UnknownWordError)
    assert str(err.value) == "'xyz' is not in the vocabulary (3 words)"
    with pytest.raises(UnknownWordError, match="'q' is not in the vocabulary"):
        analogy(vectors, ["a", "b", "c"], "a", "q", "c", 2)


def test_load_vectors_missing_files(tmp_path):
    with pytest.raises(VectorsError) as err:
        load_vectors(str(tmp_path))
    message = str(err.value)
    assert "wordVectors.npy" in message and "vocab.txt" in message
    assert "python run.py" in message


def test_load_vectors_inconsistent(tmp_path):
    wordVectors, tokens = random_vectors(V=10)
    save_vectors(str(tmp_path), wordVectors, tokens)
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("".join(w + "\n" for w in list(tokens)[:-1]), encoding="utf-8")
    with pytest.raises(VectorsError, match=r"lists 9 words but .* has 20 rows, i.e. 10 words"):
        load_vectors(str(tmp_path))
    np.save(tmp_path / "wordVectors.npy", np.zeros((7, 3)))
    with pytest.raises(VectorsError, match=r"shape \(7, 3\)"):
        load_vectors(str(tmp_path))


@pytest.mark.parametrize("word", ["two words", "tab\there", "new\nline", "nbsp\u00a0x", ""])
def test_save_rejects_words_with_whitespace(tmp_path, word):
    wordVectors, tokens = random_vectors(V=5)
    tokens = {(word if i == 2 else w): i for w, i in tokens.items()}
    with pytest.raises(ValueError, match="cannot be saved"):
        save_vectors(str(tmp_path), wordVectors, tokens)
    assert not os.listdir(tmp_path)


def test_save_rejects_wrong_shape(tmp_path):
    wordVectors, tokens = random_vectors(V=5)
    with pytest.raises(ValueError, match=r"\(2V, d\) = \(10, d\)"):
        save_vectors(str(tmp_path), wordVectors[:5], tokens)


def test_save_replaces_old_files(tmp_path):
    wordVectors, tokens = random_vectors(V=5)
    save_vectors(str(tmp_path), wordVectors, tokens)
    save_vectors(str(tmp_path), 2 * wordVectors, tokens)
    assert np.array_equal(load_vectors(str(tmp_path))[0], 2 * wordVectors)
    assert sorted(os.listdir(tmp_path)) == ["vectors.txt", "vocab.txt", "wordVectors.npy"]


def test_loss_curve_png(tmp_path):
    path = tmp_path / "loss.png"
    history = [(i, 20.0 * np.exp(-i / 500) + 9) for i in range(10, 2001, 10)]
    assert plot_loss_curve(history, str(path)) == str(path)
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC and len(data) > 1000
    with pytest.raises(ValueError, match="empty"):
        plot_loss_curve([], str(tmp_path / "empty.png"))


# ---- explore.py ----------------------------------------------------------------

def run_explore(*args):
    return subprocess.run([sys.executable, str(ROOT / "explore.py"), *map(str, args)],
                          cwd=str(ROOT), capture_output=True, text=True, timeout=120)


@pytest.fixture
def saved(tmp_path):
    rng = np.random.default_rng(11)
    words = ["man", "woman", "king", "queen"] + ["x%d" % i for i in range(40)]
    V, d = len(words), 6
    wordVectors = rng.normal(size=(2 * V, d))
    both = word_vectors(wordVectors)
    unit = both / np.linalg.norm(both, axis=1, keepdims=True)
    target = unit[2] - unit[0] + unit[1]
    wordVectors[3], wordVectors[V + 3] = target[:d], target[d:]  # queen = king - man + woman
    save_vectors(str(tmp_path), wordVectors, {w: i for i, w in enumerate(words)})
    return tmp_path, word_vectors(wordVectors), words


def ranked_lines(stdout):
    """The (word, similarity) lines explore.py prints: `rank word similarity`."""
    out = []
    for line in stdout.splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[0].isdigit():
            out.append((fields[1], float(fields[2])))
    return out


def test_explore_neighbours(saved):
    folder, vectors, words = saved
    result = run_explore("--vectors", folder, "--neighbours", "x5", "-k", "4")
    assert result.returncode == 0, result.stderr
    assert "Nearest neighbours of 'x5'" in result.stdout
    printed = ranked_lines(result.stdout)
    expected = nearest_neighbours(vectors, words, "x5", 4)
    assert [w for w, _ in printed] == [w for w, _ in expected]
    assert np.allclose([s for _, s in printed], [s for _, s in expected], atol=5e-5)


def test_explore_analogy(saved):
    folder, vectors, words = saved
    result = run_explore("--vectors", folder, "--analogy", "man", "king", "woman", "-k", "3")
    assert result.returncode == 0, result.stderr
    assert "man : king :: woman : ?" in result.stdout
    assert "king - man + woman" in result.stdout
    printed = ranked_lines(result.stdout)
    assert len(printed) == 3
    assert printed[0][0] == "queen"
    assert [w for w, _ in printed] == [w for w, _ in analogy(vectors, words, "man", "king",
                                                             "woman", 3)]


@pytest.mark.parametrize("args", [["--neighbours", "xyzzy"],
                                  ["--analogy", "man", "xyzzy", "woman"]])
def test_explore_unknown_word(saved, args):
    folder, _, words = saved
    result = run_explore("--vectors", folder, *args)
    assert result.returncode == 1
    assert result.stderr.strip() == ("error: 'xyzzy' is not in the vocabulary (%d words)"
                                     % len(words))
    assert "Traceback" not in result.stderr and "KeyError" not in result.stderr


def test_explore_missing_vectors(tmp_path):
    result = run_explore("--vectors", tmp_path / "nothing", "--neighbours", "good")
    assert result.returncode == 1
    assert "python run.py" in result.stderr and "Traceback" not in result.stderr


def test_explore_help_states_the_analogy_order():
    result = run_explore("--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    assert "'A is to B as C is to ?'" in text and "B - A + C" in text
    assert "--neighbours" in text and "-k" in text

