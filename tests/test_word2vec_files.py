"""w2v/vectors/word2vec_format.py through the loaders: word2vec text and binary files,
ours, gensim's, headerless, malformed, truncated."""

import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.test_vectors import ROOT, random_vectors, words_and_matrix
from w2v.vectors.files import (
    VectorsError,
    analogy,
    load,
    nearest_neighbours,
    save_vectors,
    save_vocab,
    save_word2vec_binary,
    save_word2vec_text,
    word_vectors,
)

# ---- word2vec files ------------------------------------------------------------

def test_text_round_trip_exact(tmp_path):
    words, matrix = words_and_matrix()
    path = save_word2vec_text(str(tmp_path / "v.txt"), words, matrix)
    wv = load(path)
    assert wv.words == words and np.array_equal(wv.matrix, matrix)  # float64, exactly
    assert wv.vector == "v" and wv.counts is None
    words, matrix32 = words_and_matrix(dtype=np.float32)
    save_word2vec_text(path, words, matrix32)
    assert np.array_equal(load(path, dtype=np.float32).matrix, matrix32)  # 9 digits suffice


def test_binary_round_trip_is_float32(tmp_path):
    words, matrix = words_and_matrix()
    path = save_word2vec_binary(str(tmp_path / "v.bin"), words, matrix)
    data = Path(path).read_bytes()
    assert data.startswith(b"30 7\nw0 ")
    assert len(data) == len(b"30 7\n") + sum(len(w.encode()) + 2 + 28 for w in words)
    wv = load(path)
    assert wv.words == words
    assert np.array_equal(wv.matrix, matrix.astype(np.float32).astype(np.float64))


@pytest.mark.parametrize("binary", [False, True])
def test_gensim_reads_ours(tmp_path, binary):
    from gensim.models import KeyedVectors

    words, matrix = words_and_matrix(V=50, D=9, seed=4)
    save = save_word2vec_binary if binary else save_word2vec_text
    path = save(str(tmp_path / "v.w2v"), words, matrix)
    kv = KeyedVectors.load_word2vec_format(path, binary=binary)
    assert kv.index_to_key == words
    assert np.array_equal(kv.vectors, matrix.astype(np.float32))


@pytest.mark.parametrize("binary", [False, True])
def test_we_read_gensims(tmp_path, binary):
    from gensim.models import KeyedVectors

    words, matrix = words_and_matrix(V=50, D=9, seed=5)
    kv = KeyedVectors(vector_size=9)
    kv.add_vectors(words, matrix.astype(np.float32))
    path = str(tmp_path / "gensim.w2v")
    kv.save_word2vec_format(path, binary=binary)  # gensim's binary has no newlines
    for forced in (None, binary):  # detected, and told
        wv = load(path, binary=forced)
        assert wv.words == words
        assert np.allclose(wv.matrix, kv.vectors, rtol=0, atol=1e-6 if not binary else 0)


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
    wv = load(tmp_path, vector="concat")
    for word in ("w0", "café", "UNK", "w17"):
        theirs = kv.most_similar(word, topn=5)
        for mine in (nearest_neighbours(ours, words, word, 5), wv.neighbours(word, 5)):
            assert [w for w, _ in mine] == [w for w, _ in theirs]
            assert np.allclose([s for _, s in mine], [s for _, s in theirs], atol=1e-6)
    theirs = kv.most_similar(positive=["w2", "w3"], negative=["w1"], topn=5)
    for mine in (analogy(ours, words, "w1", "w2", "w3", 5), wv.analogy("w1", "w2", "w3", 5)):
        assert [w for w, _ in mine] == [w for w, _ in theirs]
        assert np.allclose([s for _, s in mine], [s for _, s in theirs], rtol=0, atol=1e-6)


def test_format_is_detected_whatever_the_name(tmp_path):
    words, matrix = words_and_matrix(V=8, D=3)
    binary = save_word2vec_binary(str(tmp_path / "looks.txt"), words, matrix)
    text = save_word2vec_text(str(tmp_path / "looks.bin"), words, matrix)
    assert np.array_equal(load(binary).matrix, matrix.astype(np.float32))
    assert np.array_equal(load(text).matrix, matrix)
    with pytest.raises(VectorsError, match=r"looks.txt:\d+: "):
        load(binary, binary=False)  # told wrongly: an error naming file and line


def test_headerless_text_file(tmp_path):
    path = tmp_path / "glove.txt"
    path.write_text("the 0.5 -1 2\nfilm 1e-3 0 4\n", encoding="utf-8")
    wv = load(path)
    assert wv.words == ["the", "film"]
    assert np.array_equal(wv.matrix, [[0.5, -1, 2], [1e-3, 0, 4]])
    with pytest.raises(VectorsError, match=r"glove.txt:1: a word2vec binary file starts"):
        load(path, binary=True)


@pytest.mark.parametrize("vector", ["u", "sum", "concat"])
def test_a_word2vec_file_has_only_v(tmp_path, vector):
    words, matrix = words_and_matrix(V=5, D=2)
    path = save_word2vec_text(str(tmp_path / "v.txt"), words, matrix)
    with pytest.raises(VectorsError, match="holds one vector per word.*--vector %s" % vector):
        load(path, vector=vector)
    with pytest.raises(ValueError, match="must be one of v, u, sum, concat"):
        load(path, vector="w")


@pytest.mark.parametrize("lines, where, message", [
    (["3 2", "a 1 2", "b 1 2 3", "c 1 2"], 3,
     "expected a word and 2 numbers separated by spaces, found 4 fields"),
    (["3 2", "a 1 2", "b 1 x", "c 1 2"], 3, "'x' is not a number"),
    (["2 2", "a 1 2", "b 1 nan"], 3, "the vector of 'b' holds NaN or infinite"),
    (["2 2", "a 1 2", "b -inf 1"], 3, "the vector of 'b' holds NaN or infinite"),
])
def test_malformed_text_names_file_and_line(tmp_path, lines, where, message):
    path = tmp_path / "bad.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(VectorsError) as err:
        load(path)
    assert str(err.value).startswith("%s:%d: " % (path, where))
    assert message in str(err.value)


def test_text_with_missing_lines_or_bad_bytes(tmp_path):
    path = tmp_path / "short.txt"
    path.write_text("3 2\na 1 2\nb 3 4\n", encoding="utf-8")
    with pytest.raises(VectorsError, match="announces 3 words but the file holds 2"):
        load(path)
    assert load(path, limit=2).words == ["a", "b"]  # a limit reads no further
    path.write_bytes(b"2 2\na 1 2\n\xff\xfe 3 4\n")
    with pytest.raises(VectorsError, match=r"short.txt:3: not UTF-8"):
        load(path)


def binary_file(path, entries, D, count=None):
    """A word2vec binary file written by hand: entries are (word, values)."""
    data = b"%d %d\n" % (len(entries) if count is None else count, D)
    for word, values in entries:
        data += word.encode("utf-8") + b" " + struct.pack("<%df" % D, *values) + b"\n"
    path.write_bytes(data)
    return path


def test_binary_non_finite_and_truncation(tmp_path):
    path = binary_file(tmp_path / "v.bin", [("a", [1, 2]), ("b", [np.inf, 0])], 2)
    with pytest.raises(VectorsError, match=r"v.bin: entry 2: the vector of 'b' holds NaN"):
        load(path)
    path = binary_file(tmp_path / "v.bin", [("a", [1, 2]), ("b", [3, 4])], 2)
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(VectorsError, match=r"entry 2 of 2 \('b'\): the file ends inside"):
        load(path, binary=True)
    binary_file(path, [("a", [1, 2])], 2, count=3)
    with pytest.raises(VectorsError, match="entry 2 of 3"):
        load(path)
    path.write_bytes(path.read_bytes().replace(b"3 2", b"1 2") + b"junk")
    with pytest.raises(VectorsError, match="data after the 1 words"):
        load(path)


def test_duplicate_words_keep_the_first_as_gensim_does(tmp_path):
    from gensim.models import KeyedVectors

    path = tmp_path / "dup.txt"
    path.write_text("3 2\na 1 2\nb 3 4\na 5 6\n", encoding="utf-8")
    with pytest.warns(UserWarning, match=r"1 repeated word \('a'\); the first vector"):
        wv = load(path)
    kv = KeyedVectors.load_word2vec_format(str(path))
    # gensim 4.4 leaves an empty slot (None) at the end for the repeat.
    kept = [i for i, w in enumerate(kv.index_to_key) if w is not None]
    assert wv.words == [kv.index_to_key[i] for i in kept] == ["a", "b"]
    assert np.array_equal(wv.matrix, kv.vectors[kept])


def test_trainer_folder_of_word2vec_files(tmp_path):
    words, matrix = words_and_matrix(V=6, D=3)
    save_word2vec_binary(str(tmp_path / "vectors.bin"), words, matrix)
    save_word2vec_text(str(tmp_path / "vectors.txt"), words, matrix)
    save_vocab(str(tmp_path / "vocab.txt"), words, [60, 50, 40, 30, 20, 10])
    wv = load(tmp_path)
    assert wv.source == str(tmp_path / "vectors.bin")  # the binary one is preferred
    assert np.array_equal(wv.matrix, matrix.astype(np.float32))
    assert list(wv.counts) == [60, 50, 40, 30, 20, 10]
    with pytest.raises(VectorsError, match="--vector sum"):
        load(tmp_path, vector="sum")
    save_vocab(str(tmp_path / "vocab.txt"), words[::-1])
    with pytest.raises(VectorsError, match="list different words"):
        load(tmp_path)


def test_trainer_folder_with_both_matrices_defaults_to_v(tmp_path):
    # train.py's folder: wordVectors.npy (2V, d), vectors.txt/.bin holding v_w, counts.
    wordVectors, tokens = random_vectors(V=8, d=3)
    words = list(tokens)
    np.save(tmp_path / "wordVectors.npy", wordVectors)
    save_word2vec_binary(str(tmp_path / "vectors.bin"), words, wordVectors[:8])
    save_vocab(str(tmp_path / "vocab.txt"), words, range(80, 0, -10))
    wv = load(tmp_path)
    assert wv.vector == "v" and np.array_equal(wv.matrix, wordVectors[:8])
    assert list(wv.counts) == list(range(80, 0, -10))
    assert np.array_equal(load(tmp_path, vector="u").matrix, wordVectors[8:])


def test_a_fifo_is_refused_not_waited_on(tmp_path):
    fifo = tmp_path / "vectors.txt"
    os.mkfifo(fifo)
    code = "from w2v.vectors import files as vectors; vectors.load(%r)" % str(fifo)
    result = subprocess.run([sys.executable, "-c", code], cwd=str(ROOT), capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 1
    assert "is not a regular file" in result.stderr


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_text_written_on_two_cores_is_the_same_file(tmp_path, monkeypatch, dtype):
    """Above TWO_CORES_FROM values a child writes the second half of the rows: the
    file is byte for byte the one a single process writes."""
    from w2v.vectors import word2vec_format
    words = ["w%d" % i for i in range(2500)] + ["é", "日本"]
    matrix = np.random.default_rng(3).standard_normal((len(words), 7)).astype(dtype)
    one = save_word2vec_text(str(tmp_path / "one.txt"), words, matrix)
    monkeypatch.setattr(word2vec_format, "TWO_CORES_FROM", 0)
    two = save_word2vec_text(str(tmp_path / "two.txt"), words, matrix)
    assert open(one, "rb").read() == open(two, "rb").read()
    assert sorted(os.listdir(tmp_path)) == ["one.txt", "two.txt"]   # no part left
    back = load(two, binary=False, dtype=dtype)
    assert back.words == words and np.array_equal(back.matrix, matrix)
