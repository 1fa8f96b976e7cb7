"""Vocabularies: --save-vocab / --read-vocab (word2vec C's files, w2v/training/vocab_files.py)
and counting in bounded memory (--max-vocab-size, gensim's max_vocab_size)."""

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


# ---- counting in bounded memory: max_vocab_size, as gensim's ----------------------------

def test_max_vocab_size_prunes_as_gensims_scan_does():
    from gensim.models import Word2Vec
    rng = np.random.default_rng(0)
    words = ["w%d" % i for i in range(400)]
    p = 1.0 / np.arange(1, 401)
    sentences = [list(rng.choice(words, size=int(rng.integers(3, 30)), p=p / p.sum()))
                 for _ in range(300)]
    vocab = build_vocabulary(sentences, min_count=1, max_vocab_size=60)
    model = Word2Vec(vector_size=4, min_count=1, max_vocab_size=60, sorted_vocab=True)
    model.build_vocab(sentences)
    theirs = {w: model.wv.get_vecattr(w, "count") for w in model.wv.index_to_key}
    assert dict(zip(vocab.words, vocab.counts.tolist())) == theirs
    assert vocab.pruned > 0 and vocab.raw_words == sum(map(len, sentences))
    unpruned = build_vocabulary(sentences, min_count=1)
    assert len(unpruned) > len(vocab) and unpruned.pruned == 0


def test_max_vocab_size_in_a_run_says_how_many_were_pruned(tmp_path, capsys):
    corpus = tmp_path / "c.txt"
    write_corpus(corpus, lines=150)
    model = w2v.train(str(corpus), max_vocab_size=10, dim=8, epochs=1, min_count=1,
                      workers=1)
    assert "distinct words pruned while counting (max_vocab_size 10)" in capsys.readouterr().out
    assert len(model.wv) <= 10
