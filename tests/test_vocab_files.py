"""--save-vocab / --read-vocab (word2vec C's vocabulary files): w2v/training/vocab_files.py."""

import numpy as np
import pytest

import w2v
from tests.test_train import write_corpus
from w2v.training.corpus import CorpusError, build_vocabulary
from w2v.training.vocab_files import read_vocab_file, save_vocab_file

SMALL = dict(dim=8, epochs=2, min_count=2, workers=1, verbose=False)


def test_a_saved_vocabulary_reads_back_and_trains_the_same_vectors(tmp_path):
    corpus = tmp_path / "c.txt"
    write_corpus(corpus, lines=150)
    counted = w2v.train(str(corpus), save_vocab=str(tmp_path / "v.txt"), **SMALL)
    lines = (tmp_path / "v.txt").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "%s %d" % (counted.wv.index_to_key[0], counted.wv.counts[0])
    assert len(lines) == len(counted.wv)
    read = w2v.train(str(corpus), read_vocab=str(tmp_path / "v.txt"), **SMALL)
    assert read.wv.index_to_key == counted.wv.index_to_key
    assert np.array_equal(read.wv.vectors, counted.wv.vectors)


def test_reading_applies_min_count_max_vocab_and_sorts_by_count(tmp_path):
    path = tmp_path / "v.txt"
    path.write_text("b 3\na\t7\r\nc 1\n\nd 3\n", encoding="utf-8")
    vocab = read_vocab_file(str(path), min_count=2)
    assert vocab.words == ["a", "b", "d"] and vocab.counts.tolist() == [7, 3, 3]
    assert vocab.raw_words == 14
    assert read_vocab_file(str(path), max_vocab=2).words == ["a", "b"]


def test_save_writes_word_space_count(tmp_path):
    vocab = build_vocabulary([["x", "y", "x"]], min_count=1)
    save_vocab_file(str(tmp_path / "v.txt"), vocab)
    assert (tmp_path / "v.txt").read_text(encoding="utf-8") == "x 2\ny 1\n"


@pytest.mark.parametrize("text, message", [
    ("a 3\nb three\n", r"v\.txt:2: expected `word count`"),
    ("a 3\nb 2 1\n", r"v\.txt:2: expected `word count`"),
    ("a 3\nb 2\na 1\n", r"v\.txt:3: 'a' is listed twice \(first on line 1\)"),
    ("a 3\n", "lists 1 word"),
])
def test_a_bad_vocabulary_file_names_the_line(tmp_path, text, message):
    (tmp_path / "v.txt").write_text(text, encoding="utf-8")
    with pytest.raises(CorpusError, match=message):
        read_vocab_file(str(tmp_path / "v.txt"))


def test_a_missing_or_binary_vocabulary_file_is_one_clear_error(tmp_path):
    with pytest.raises(CorpusError, match="not found.*--save-vocab"):
        read_vocab_file(str(tmp_path / "none.txt"))
    (tmp_path / "v.bin").write_bytes(b"a 1\n\xff\xfe 2\n")
    with pytest.raises(CorpusError, match="not UTF-8"):
        read_vocab_file(str(tmp_path / "v.bin"))
