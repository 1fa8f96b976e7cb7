"""count_and_encode (one reading) equals build_vocabulary then encode (two readings),
in RAM and through files (training/idstore.py); encode_into equals encode."""

import hashlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from w2v.training.corpus import CorpusError, build_vocabulary, encode
from w2v.training import idstore, onepass
from w2v.training.onepass import count_and_encode, encode_into


def _two_passes(source, min_count, max_vocab, lowercase=False):
    vocab = build_vocabulary(source, min_count, max_vocab, lowercase)
    return vocab, encode(source, vocab, lowercase)


def _assert_same(one, two):
    (v1, e1), (v2, e2) = one, two
    assert v1.words == v2.words and np.array_equal(v1.counts, v2.counts)
    assert v1.raw_words == v2.raw_words == e1.raw_words == e2.raw_words
    assert e1.ids.dtype == np.int32 and e1.starts.dtype == np.int64
    assert np.array_equal(e1.ids, e2.ids) and np.array_equal(e1.starts, e2.starts)


sentences = st.lists(st.lists(st.sampled_from("a b c d e f g h A".split()), max_size=12),
                     min_size=1, max_size=30)


@settings(max_examples=150, deadline=None)
@given(sentences, st.integers(1, 4), st.one_of(st.none(), st.integers(1, 5)), st.booleans())
def test_token_lists_give_the_two_pass_result(sents, min_count, max_vocab, lowercase):
    try:
        two = _two_passes(sents, min_count, max_vocab, lowercase)
    except CorpusError as err:
        with pytest.raises(CorpusError, match=str(err)[:30]):
            count_and_encode(sents, min_count, max_vocab, lowercase)
        return
    _assert_same(count_and_encode(sents, min_count, max_vocab, lowercase), two)


def test_a_file_with_long_lines_and_empty_pieces(tmp_path):
    rng = np.random.default_rng(0)
    words = ["w%d" % i for i in range(300)]
    p = 1.0 / np.arange(1, 301)
    lines = [" ".join(rng.choice(words, size=int(rng.integers(0, 40)), p=p / p.sum()))
             for _ in range(400)]
    lines += ["rare%d rare%d" % (i, i + 1) for i in range(20)]   # pieces left empty
    lines.append(" ".join(rng.choice(words, size=25000)))         # cut into pieces
    path = tmp_path / "c.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _assert_same(count_and_encode(str(path), 3), _two_passes(str(path), 3, None))
    _assert_same(count_and_encode(str(path), 1, 50), _two_passes(str(path), 1, 50))


def _zipf_file(path, rng, lines=300):
    words = ["w%d" % i for i in range(200)]
    p = 1.0 / np.arange(1, 201)
    text = [" ".join(rng.choice(words, size=int(rng.integers(0, 60)), p=p / p.sum()))
            for _ in range(lines)]
    text += ["rare%d" % i for i in range(10)]                    # pieces left empty
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("chunk", [7, 1000, 1 << 22])
def test_file_stores_give_the_in_memory_result(tmp_path, monkeypatch, chunk):
    """Spooled and remapped through files, in chunks that cut pieces anywhere."""
    monkeypatch.setattr(idstore, "CHUNK_WORDS", chunk)
    monkeypatch.setattr(onepass, "CHUNK_WORDS", chunk)
    path = _zipf_file(tmp_path / "c.txt", np.random.default_rng(chunk))
    two = _two_passes(path, 3, None)
    store = idstore.FileStore(str(tmp_path / "ids.i32"))
    spool = idstore.FileStore(str(tmp_path / "spool.i32"), hashed=False)
    vocab, mapped = count_and_encode(path, 3, store=store, spool=spool)
    assert isinstance(mapped, idstore.MappedCorpus)
    assert not (tmp_path / "spool.i32").exists()                 # the spool is gone
    _assert_same((vocab, mapped), two)
    assert store.sha.hexdigest() == hashlib.sha256(two[1].ids.tobytes()).hexdigest()
    # Handing pages back changes no value: they are read again from the file.
    mapped.release(0, len(mapped.ids))
    assert np.array_equal(mapped.ids, two[1].ids)


@pytest.mark.parametrize("chunk", [5, 1 << 22])
def test_encode_into_equals_encode(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(idstore, "CHUNK_WORDS", chunk)
    monkeypatch.setattr(onepass, "CHUNK_WORDS", chunk)
    path = _zipf_file(tmp_path / "c.txt", np.random.default_rng(1))
    vocab = build_vocabulary(path, 4, 30)
    store = idstore.FileStore(str(tmp_path / "ids.i32"))
    got = encode_into(path, vocab, store=store,
                      spool=idstore.FileStore(str(tmp_path / "s.i32"), hashed=False))
    want = encode(path, vocab)
    assert np.array_equal(got.ids, want.ids) and np.array_equal(got.starts, want.starts)
    assert got.raw_words == want.raw_words
    assert np.array_equal(encode_into(path, vocab).ids, want.ids)   # in RAM


def test_encode_into_refuses_a_corpus_without_a_known_word(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("x y z\n", encoding="utf-8")
    vocab = build_vocabulary(_zipf_file(tmp_path / "v.txt", np.random.default_rng(2)), 3)
    with pytest.raises(CorpusError, match="no word of .* is in the vocabulary"):
        encode_into(str(path), vocab)


def test_a_mapped_corpus_checks_its_length(tmp_path):
    (tmp_path / "ids.i32").write_bytes(np.arange(5, dtype=np.int32).tobytes())
    with pytest.raises(ValueError, match="holds 20 bytes, not the 6 ids"):
        idstore.MappedCorpus.open(str(tmp_path / "ids.i32"), np.array([0, 6]), 6)
