"""explore.py: nearest neighbours and analogies from the command line."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from w2v.vectors.files import (
    analogy,
    nearest_neighbours,
    save_vectors,
    save_vocab,
    save_word2vec_binary,
    word_vectors,
)

ROOT = Path(__file__).resolve().parents[1]


def run_explore(*args):
    return subprocess.run([sys.executable, str(ROOT / "explore.py"), *map(str, args)],
                          cwd=str(ROOT), capture_output=True, text=True, timeout=120)


@pytest.fixture
def saved(tmp_path):
    """A run.py folder whose vectors make queen = king - man + woman."""
    rng = np.random.default_rng(11)
    words = ["man", "woman", "king", "queen"] + ["x%d" % i for i in range(40)]
    V, d = len(words), 6
    wordVectors = rng.normal(size=(2 * V, d))
    both = word_vectors(wordVectors)
    unit = both / np.linalg.norm(both, axis=1, keepdims=True)
    target = unit[2] - unit[0] + unit[1]
    wordVectors[3], wordVectors[V + 3] = target[:d], target[d:]
    save_vectors(str(tmp_path), wordVectors, {w: i for i, w in enumerate(words)})
    return tmp_path, wordVectors, words


def ranked_lines(stdout):
    """The (word, similarity) lines explore.py prints: `rank word similarity`."""
    out = []
    for line in stdout.splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[0].isdigit():
            out.append((fields[1], float(fields[2])))
    return out


def assert_same_ranking(printed, expected):
    assert [w for w, _ in printed] == [w for w, _ in expected]
    assert np.allclose([s for _, s in printed], [s for _, s in expected], atol=5e-5)


def test_explore_neighbours(saved):
    folder, wordVectors, words = saved
    result = run_explore("--vectors", folder, "--neighbours", "x5", "-k", "4")
    assert result.returncode == 0, result.stderr
    assert "Nearest neighbours of 'x5'" in result.stdout
    # [v_w, u_w] by default, as before --vector existed.
    assert_same_ranking(ranked_lines(result.stdout),
                        nearest_neighbours(word_vectors(wordVectors), words, "x5", 4))


@pytest.mark.parametrize("vector", ["v", "u", "sum", "concat"])
def test_explore_vector_choice(saved, vector):
    folder, wordVectors, words = saved
    V = len(words)
    v, u = wordVectors[:V], wordVectors[V:]
    matrix = {"v": v, "u": u, "sum": v + u, "concat": np.hstack((v, u))}[vector]
    result = run_explore("--vectors", folder, "--vector", vector, "--neighbours", "x7",
                         "-k", "5")
    assert result.returncode == 0, result.stderr
    assert_same_ranking(ranked_lines(result.stdout), nearest_neighbours(matrix, words, "x7", 5))


def test_explore_word2vec_file(saved, tmp_path):
    _, wordVectors, words = saved
    path = save_word2vec_binary(str(tmp_path / "other.bin"), words, wordVectors[:len(words)])
    result = run_explore("--vectors", path, "--neighbours", "x1", "-k", "3")
    assert result.returncode == 0, result.stderr
    expected = nearest_neighbours(wordVectors[:len(words)].astype(np.float32), words, "x1", 3)
    assert_same_ranking(ranked_lines(result.stdout), expected)
    result = run_explore("--vectors", path, "--vector", "u", "--neighbours", "x1")
    assert result.returncode == 1
    assert "--vector u is not available" in result.stderr and "Traceback" not in result.stderr


def test_explore_analogy(saved):
    folder, wordVectors, words = saved
    result = run_explore("--vectors", folder, "--analogy", "man", "king", "woman", "-k", "3")
    assert result.returncode == 0, result.stderr
    assert "man : king :: woman : ?" in result.stdout
    assert "king - man + woman" in result.stdout
    printed = ranked_lines(result.stdout)
    assert len(printed) == 3
    assert printed[0][0] == "queen"
    assert [w for w, _ in printed] == [w for w, _ in analogy(word_vectors(wordVectors), words,
                                                             "man", "king", "woman", 3)]


def test_explore_one_word_vocabulary(tmp_path):
    save_vectors(str(tmp_path), np.array([[0.5, -0.25], [0.125, 1.0]]), {"only": 0})
    result = run_explore("--vectors", tmp_path, "--neighbours", "only", "--analogy", "only",
                         "only", "only")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("(no other word: the vocabulary holds 1 word)") == 2
    assert ranked_lines(result.stdout) == []


def test_explore_refuses_nan_vectors_naming_the_word(tmp_path):
    wordVectors = np.ones((6, 2))
    wordVectors[1] = np.nan  # the centre vector of "b"
    np.save(tmp_path / "wordVectors.npy", wordVectors)
    save_vocab(str(tmp_path / "vocab.txt"), ["a", "b", "c"])
    result = run_explore("--vectors", tmp_path, "--neighbours", "a")
    assert result.returncode == 1
    assert "centre vector of 'b'" in result.stderr and "NaN" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


@pytest.mark.parametrize("args", [["--neighbours", "xyzzy"],
                                  ["--analogy", "man", "xyzzy", "woman"]])
def test_explore_unknown_word(saved, args):
    folder, _, words = saved
    result = run_explore("--vectors", folder, *args)
    assert result.returncode == 1
    assert result.stderr.strip() == ("error: 'xyzzy' is not in the vocabulary (%d words)"
                                     % len(words))
    assert "Traceback" not in result.stderr and "KeyError" not in result.stderr


def test_explore_missing_vectors_names_the_option(tmp_path):
    for path in (tmp_path / "nothing", tmp_path):
        result = run_explore("--vectors", path, "--neighbours", "good")
        assert result.returncode == 1
        assert "python run.py" in result.stderr and "--vectors DIR" in result.stderr
        assert "Traceback" not in result.stderr


def test_explore_help_states_the_analogy_order():
    result = run_explore("--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    assert "'A is to B as C is to ?'" in text and "B - A + C" in text
    assert "--neighbours" in text and "-k" in text and "--vector {v,u,sum,concat}" in text


def test_explore_refuses_u_of_a_hierarchical_softmax_folder(tmp_path):
    """train.py's folder after --loss hs (no checkpoints left: its zero last row tells)."""
    rng = np.random.default_rng(2)
    words = ["w%d" % i for i in range(6)]
    wordVectors = rng.normal(size=(12, 4)).astype(np.float32)
    wordVectors[-1] = 0.0  # V - 1 Huffman inner nodes, then a zero row
    np.save(tmp_path / "wordVectors.npy", wordVectors)
    save_vocab(str(tmp_path / "vocab.txt"), words, [9, 8, 7, 6, 5, 4])
    save_word2vec_binary(str(tmp_path / "vectors.bin"), words, wordVectors[:6])
    result = run_explore("--vectors", tmp_path, "--vector", "sum", "--neighbours", "w1")
    assert result.returncode == 1 and len(result.stderr.splitlines()) == 1
    assert "hierarchical softmax" in result.stderr and "Use --vector v" in result.stderr
    assert run_explore("--vectors", tmp_path, "--neighbours", "w1").returncode == 0
