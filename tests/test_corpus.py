"""utils/corpus.py: streamed text, the vocabulary, the encoded corpus, sampling tables."""

import bz2
import gzip
import lzma
import os
import re
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import REAL_SST, needs_real_sst
from tests.conftest import REAL_WIKI as WIKI
from tests.conftest import needs_real_wiki as needs_wiki
from train import treebank_sentences
from w2v.training import textfile
from w2v.training.corpus import (
    MAX_PIECE,
    CorpusError,
    build_vocabulary,
    encode,
    iter_pieces,
    keep_probabilities,
    negative_cum_table,
)

ROOT = Path(__file__).resolve().parents[1]


def write(path, text, opener=open):
    with opener(path, "wb") as f:
        f.write(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def reference_pieces(text, lowercase=False):
    """The pieces the module doc promises, computed the obvious (whole-text) way."""
    if lowercase:
        text = text.lower()
    pieces = []
    for line in text.split("\n"):
        words = line.split()
        pieces += [words[i:i + MAX_PIECE] for i in range(0, len(words), MAX_PIECE)]
    return pieces


def zipf_text(n_words, n_lines, seed=0, vocab=300):
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, vocab + 1)
    words = rng.choice(vocab, size=n_words, p=p / p.sum())
    lines = np.array_split(words, n_lines)
    return "\n".join(" ".join("w%d" % w for w in line) for line in lines) + "\n"


# ---- reading -------------------------------------------------------------

def test_lines_words_and_pieces(tmp_path):
    long_line = " ".join("x%d" % (i % 7) for i in range(25000))
    text = "a b\tc\r\n\n  \nd  e\n" + long_line + "\nlast line no newline"
    path = write(tmp_path / "c.txt", text)
    pieces = list(iter_pieces(path))
    assert pieces == reference_pieces(text)
    assert [len(p) for p in pieces] == [3, 2, 10000, 10000, 5000, 4]


texts = st.lists(st.sampled_from(["ab", "Ünï", "ça", "日本", "x", " ", "  ", "\t", "\n", "\r\n",
                                  "\u00a0", "Éé"]), max_size=80).map("".join)


@given(texts, st.integers(1, 9))
@settings(max_examples=200, deadline=None)
def test_any_block_size_gives_the_same_words(tmp_path_factory, text, block):
    """Cutting the file into blocks never splits a word or a UTF-8 sequence."""
    path = write(tmp_path_factory.mktemp("b") / "c.txt", text)
    old = textfile.BLOCK_BYTES
    textfile.BLOCK_BYTES = block
    try:
        assert list(iter_pieces(path)) == [p for p in reference_pieces(text) if p]
        assert list(iter_pieces(path, lowercase=True)) == [
            p for p in reference_pieces(text, lowercase=True) if p]
    finally:
        textfile.BLOCK_BYTES = old


def test_gz_and_bz2_read_directly(tmp_path):
    text = zipf_text(30000, 7)
    plain = list(iter_pieces(write(tmp_path / "c.txt", text)))
    assert list(iter_pieces(write(tmp_path / "c.txt.gz", text, gzip.open))) == plain
    assert list(iter_pieces(write(tmp_path / "c.txt.bz2", text, bz2.open))) == plain


def test_byte_order_mark_and_lowercase(tmp_path):
    path = write(tmp_path / "c.txt", "\ufeffHello hello HELLO\nWorld\n")
    assert build_vocabulary(path, min_count=1).words == ["Hello", "hello", "HELLO", "World"]
    vocab = build_vocabulary(path, min_count=1, lowercase=True)
    assert vocab.words == ["hello", "world"] and vocab.counts.tolist() == [3, 1]


def test_token_lists_as_source():
    sentences = [["The", "cat"], ["the", "dog"] * 6000, []]
    pieces = list(iter_pieces(sentences, lowercase=True))
    assert [len(p) for p in pieces] == [2, 10000, 2000]
    assert pieces[0] == ["the", "cat"]
    with pytest.raises(CorpusError, match="one-shot iterator"):
        build_vocabulary(iter(sentences), min_count=1)
    with pytest.raises(CorpusError, match="sentence 1 is a string"):
        build_vocabulary([["a"], "b c"], min_count=1)


def test_treebank_sentences(treebank_dir):
    sentences = treebank_sentences(str(treebank_dir))
    vocab = build_vocabulary(sentences, min_count=1)
    assert vocab.raw_words == sum(map(len, sentences)) > 1000
    assert all(w == w.lower() for w in vocab.words)


@needs_real_sst
def test_real_treebank_counts():
    """The assignment's numbers: 19,538 words; its count 227,246 includes one "UNK"."""
    vocab = build_vocabulary(treebank_sentences(str(REAL_SST)), min_count=1)
    assert len(vocab) == 19538 and vocab.raw_words == 227246 - 1


# ---- vocabulary ----------------------------------------------------------

def test_vocabulary_order_min_count_and_max_vocab(tmp_path):
    path = write(tmp_path / "c.txt", "b a c a d\nc e b a\nd f g b\n")
    vocab = build_vocabulary(path, min_count=2)
    # a, b: 3 each (b seen first); c, d: 2 each (c seen first); e, f, g dropped.
    assert vocab.words == ["b", "a", "c", "d"] and vocab.counts.tolist() == [3, 3, 2, 2]
    assert vocab.counts.dtype == np.int64 and len(vocab) == 4
    assert vocab.index == {"b": 0, "a": 1, "c": 2, "d": 3}
    assert vocab.total == 10 and vocab.raw_words == 13
    assert build_vocabulary(path, min_count=1, max_vocab=3).words == ["b", "a", "c"]


def gensim_vocab(path):
    gensim = pytest.importorskip("gensim")
    model = gensim.models.Word2Vec(min_count=5, sample=1e-3)
    model.build_vocab(corpus_iterable=gensim.models.word2vec.LineSentence(str(path)))
    return model


def check_against_gensim(path):
    vocab = build_vocabulary(path)
    model = gensim_vocab(path)
    wv = model.wv
    assert sorted(wv.index_to_key) == sorted(vocab.words)
    theirs = np.array([wv.get_vecattr(w, "count") for w in vocab.words])
    assert np.array_equal(theirs, vocab.counts)
    assert model.corpus_total_words == vocab.raw_words
    # gensim 4 puts equal counts in reverse order of first appearance; we keep word2vec C's.
    rank = {w: i for i, w in enumerate(vocab.words)}
    assert wv.index_to_key == sorted(vocab.words, key=lambda w: (-vocab.counts[rank[w]],
                                                                 -rank[w]))
    # Subsampling: gensim's integer thresholds, bit for bit.
    sample_int = np.array([wv.get_vecattr(w, "sample_int") for w in vocab.words])
    ours = (keep_probabilities(vocab.counts, 1e-3) * (2 ** 32 - 1)).astype(np.uint32)
    assert np.array_equal(ours, sample_int) and np.any(sample_int < 2 ** 32 - 1)
    # Negatives: gensim's table (in its own word order), bit for bit.
    counts_in_their_order = vocab.counts[[rank[w] for w in wv.index_to_key]]
    assert np.array_equal(negative_cum_table(counts_in_their_order), model.cum_table)


def test_vocabulary_and_tables_as_gensim(tmp_path):
    check_against_gensim(write(tmp_path / "c.txt", zipf_text(60000, 40)))


@needs_wiki
def test_real_corpus_as_gensim():
    check_against_gensim(WIKI)


# ---- encoding ------------------------------------------------------------

def test_encode_drops_unknown_words_and_keeps_pieces(tmp_path):
    long_line = " ".join(["a", "zz"] * 15000)            # 30,000 words: 3 pieces
    path = write(tmp_path / "c.txt", "a b zz\nzz zz\nb\n" + long_line + "\n")
    vocab = build_vocabulary([["b", "a", "a", "b", "c"]], min_count=2)
    assert vocab.words == ["b", "a"]
    enc = encode(path, vocab)
    a, b = vocab.index["a"], vocab.index["b"]
    assert enc.ids.dtype == np.int32 and enc.starts.dtype == np.int64
    assert enc.raw_words == 6 + 30000
    # The all-unknown line leaves no piece; each 10,000-word piece keeps its 5,000 a's.
    assert enc.n_pieces == 5 and enc.starts.tolist() == [0, 2, 3, 5003, 10003, 15003]
    assert enc.piece(0).tolist() == [a, b] and enc.piece(1).tolist() == [b]
    assert np.all(enc.ids[3:] == a) and len(enc) == len(enc.ids) == 15003


@needs_wiki
def test_encode_real_corpus_matches_the_words():
    vocab = build_vocabulary(WIKI)
    enc = encode(WIKI, vocab)
    assert len(enc) == vocab.total and enc.raw_words == vocab.raw_words
    assert np.array_equal(np.bincount(enc.ids, minlength=len(vocab)), vocab.counts)
    lengths = np.diff(enc.starts)
    assert lengths.min() >= 1 and lengths.max() <= MAX_PIECE
    with open(WIKI, encoding="utf-8") as f:
        first = f.readline().split()[:MAX_PIECE]
    expected = [vocab.index[w] for w in first if w in vocab.index]
    assert enc.piece(0).tolist() == expected


def peak_bytes(function):
    """(function's result, the peak bytes Python allocated while it ran)."""
    tracemalloc.start()
    try:
        result = function()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.slow
def test_a_huge_line_in_bounded_memory(tmp_path, monkeypatch):
    """10^6 words on one line: memory is a block, a piece and the ids, not the line.

    Held as a list of Python strings the 5 MB line would take over 60 MB.
    With 64 KiB blocks, reading costs a few MB whatever the length, and twice
    the text costs only its extra int32 ids.
    """
    monkeypatch.setattr(textfile, "BLOCK_BYTES", 1 << 16)
    peaks = {}
    for n in (10 ** 6, 2 * 10 ** 6):
        path = write(tmp_path / ("line%d.txt" % n), zipf_text(n, 1, seed=n))
        vocab, vocab_peak = peak_bytes(lambda: build_vocabulary(path, min_count=1))
        enc, encode_peak = peak_bytes(lambda: encode(path, vocab))
        assert enc.raw_words == n and enc.n_pieces == n // MAX_PIECE
        peaks[n] = vocab_peak, encode_peak - 4 * n          # less the ids themselves
    for vocab_peak, rest in peaks.values():
        assert vocab_peak < 6e6 and rest < 6e6
    assert peaks[2 * 10 ** 6][0] < 1.2 * peaks[10 ** 6][0]
    assert peaks[2 * 10 ** 6][1] < 1.2 * peaks[10 ** 6][1]


# ---- sampling tables -------------------------------------------------------

def test_keep_probabilities():
    counts = np.array([10000, 1000, 100, 10, 1])
    t = 1e-2 * counts.sum()                 # 111: counts up to 2.6 t = 290 are all kept
    p = keep_probabilities(counts, 1e-2)
    assert p[0] == pytest.approx((np.sqrt(10000 / t) + 1) * t / 10000, rel=1e-15)
    assert p[0] < p[1] < 1.0 and np.all(p[2:] == 1.0)
    assert np.all(keep_probabilities(counts, 0) == 1.0)
    with pytest.raises(CorpusError, match=r"sample must be in \[0, 1\)"):
        keep_probabilities(counts, 2)


def test_negative_table_draws_count_to_the_power():
    counts = np.array([900, 300, 300, 50, 1])
    table = negative_cum_table(counts, ns_exponent=0.75)
    assert table.dtype == np.uint32 and table[-1] == 2 ** 31 - 1
    expected = counts ** 0.75 / np.sum(counts ** 0.75)
    assert np.allclose(np.diff(table, prepend=0) / table[-1], expected, atol=1e-9)
    uniform = negative_cum_table(counts, ns_exponent=0.0)
    assert np.allclose(np.diff(uniform, prepend=0) / uniform[-1], 0.2, atol=1e-9)


# ---- errors ----------------------------------------------------------------

def test_not_utf8_names_line_and_offset(tmp_path):
    path = write(tmp_path / "latin.txt", b"good line\nsecond\ncaf\xe9 au lait\n")
    with pytest.raises(CorpusError, match=r"latin.txt:3: not UTF-8 .*byte offset 20.*iconv"):
        build_vocabulary(path, min_count=1)
    packed = write(tmp_path / "latin.txt.gz", b"ok\n\xff\n", gzip.open)
    with pytest.raises(CorpusError, match=r"gz:2: .*byte offset 3 in the decompressed text"):
        build_vocabulary(packed, min_count=1)


def test_empty_and_emptied_vocabularies(tmp_path):
    for name, text in (("empty.txt", ""), ("blank.txt", "  \n\n\t\n")):
        with pytest.raises(CorpusError, match="holds no words"):
            build_vocabulary(write(tmp_path / name, text))
    path = write(tmp_path / "c.txt", "a b c a\n")
    with pytest.raises(CorpusError, match=r"min_count=5 .*most frequent occurs 2 times.*"
                                          r"--min-count\) to 2 or less"):
        build_vocabulary(path)
    other = build_vocabulary(write(tmp_path / "o.txt", "x y\n"), min_count=1)
    with pytest.raises(CorpusError, match="no word of .* is in the vocabulary"):
        encode(path, other)


def test_broken_files(tmp_path, monkeypatch):
    with pytest.raises(CorpusError, match="not found"):
        build_vocabulary(tmp_path / "missing.txt")
    data = gzip.compress(zipf_text(50000, 3).encode())
    cut = write(tmp_path / "cut.txt.gz", data[:len(data) // 2])
    with pytest.raises(CorpusError, match="its gzip data are corrupt or truncated"):
        build_vocabulary(cut)
    monkeypatch.setattr(textfile, "MAX_WORD_BYTES", 100)
    monkeypatch.setattr(textfile, "BLOCK_BYTES", 64)
    with pytest.raises(CorpusError, match=r"blob.txt:1: \d+ bytes without any whitespace"
                                          r" from byte 0: expected text"):
        build_vocabulary(write(tmp_path / "blob.txt", "x" * 1000))
    with pytest.raises(CorpusError, match="holds NUL bytes: the file is binary, not text"):
        build_vocabulary(write(tmp_path / "zeros.txt", b"\0" * 1000))


# ---- hardening: what a corpus can be instead of text (issue 20) --------------------------

@pytest.mark.parametrize("position", range(10, 400, 7))
def test_any_flipped_bit_in_a_gzip_corpus_is_one_error(tmp_path, position):
    """A flipped bit gives a CRC error, a zlib.error or an EOFError deep in gzip: each is
    one CorpusError (a zlib.error used to escape as a traceback)."""
    data = bytearray(gzip.compress(zipf_text(3000, 3).encode()))
    data[position % len(data)] ^= 0x10
    path = write(tmp_path / "c.txt.gz", bytes(data))
    try:
        build_vocabulary(path, min_count=1)
    except CorpusError as err:
        assert re.match(r"^%s: its gzip data are corrupt or truncated \(.+\); download or"
                        r" copy the file again$" % re.escape(str(path)), str(err)), str(err)


def test_compression_is_known_by_content_not_name(tmp_path):
    text = zipf_text(3000, 5)
    plain = list(iter_pieces(write(tmp_path / "c.txt", text)))
    assert list(iter_pieces(write(tmp_path / "c.txt.xz", text, lzma.open))) == plain
    assert list(iter_pieces(write(tmp_path / "xz_named.txt", text, lzma.open))) == plain
    assert list(iter_pieces(write(tmp_path / "plain.gz", text))) == plain
    zstd = write(tmp_path / "c.txt.zst", b"\x28\xb5\x2f\xfd" + b"\x00" * 40)
    with pytest.raises(CorpusError, match=r"c\.txt\.zst is a zstd archive, not text: unpack"):
        build_vocabulary(zstd)


def test_a_folder_a_fifo_or_a_device_is_named_as_such(tmp_path):
    """Each is refused at once (a FIFO used to be "not found"; reading it would block)."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    script = ("import sys\nfrom w2v.training import corpus\n"
              "try:\n    corpus.build_vocabulary(sys.argv[1])\n"
              "except corpus.CorpusError as err:\n    print(err)\n")
    for path, kind in ((tmp_path, "a folder"), (fifo, r"a FIFO \(named pipe\)"),
                       ("/dev/zero", "a character device")):
        out = subprocess.run([sys.executable, "-c", script, str(path)], cwd=ROOT, timeout=60,
                             capture_output=True, text=True)
        assert re.fullmatch(r"The corpus %s is %s, not a regular file; give the path of an"
                            r" ordinary file\n" % (re.escape(str(path)), kind),
                            out.stdout), out.stdout + out.stderr


def test_words_separated_by_ideographic_spaces(tmp_path, monkeypatch):
    """U+3000 (and the other non-ASCII spaces str.split() knows) separate words even in
    a file with no ASCII whitespace at all (it used to be "N bytes without a space")."""
    monkeypatch.setattr(textfile, "MAX_WORD_BYTES", 100)
    monkeypatch.setattr(textfile, "BLOCK_BYTES", 64)
    text = "\u3000".join("日本%d" % (i % 13) for i in range(2000)) + "\u2028x\xa0y\x1cz"
    path = write(tmp_path / "c.txt", text)
    assert list(iter_pieces(path)) == [p for p in reference_pieces(text) if p]


def test_every_separator_str_split_knows_is_a_place_to_cut():
    spaces = set(textfile.OTHER_SPACES) | set(textfile.ASCII_SPACE.decode("ascii"))
    assert spaces == {chr(c) for c in range(0x110000) if chr(c).isspace()}


unicode_texts = st.lists(st.sampled_from(["ab", "日本", "é", "\u3000", "\xa0", "\u2028", "\x1c",
                                          "\x85", "\u205f"]), max_size=80).map("".join)


@given(unicode_texts, st.integers(1, 9))
@settings(max_examples=200, deadline=None)
def test_blocks_cut_at_unicode_spaces_give_the_same_words(tmp_path_factory, text, block):
    path = write(tmp_path_factory.mktemp("u") / "c.txt", text)
    old = textfile.BLOCK_BYTES
    textfile.BLOCK_BYTES = block
    try:
        assert list(iter_pieces(path)) == [p for p in reference_pieces(text) if p]
    finally:
        textfile.BLOCK_BYTES = old
