"""Vector files under malformed or unusual input (issue 20): the text/binary detection,
CRLF and compressed files, over-large counts, and .npy headers that lie about their size."""

import bz2
import gzip
import io
import lzma
import struct
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT
from w2v.infra import fileio
from w2v.vectors import word2vec_format
from w2v.vectors.files import VectorsError, load, save_vectors


def _text(path, lines, opener=open):
    with opener(path, "wb") as f:
        f.write(("\n".join(lines) + "\n").encode("utf-8"))
    return path


@pytest.mark.parametrize("bad", ["0x1p-2", "0x1.8p+1", "1,5", "--1"])
@pytest.mark.parametrize("D", [3, 100])
def test_a_malformed_first_value_names_its_line_not_read_as_binary(tmp_path, bad, D):
    """A hex float in the first entry used to make the file 'binary': words like
    '2\\ncat' and values of 2e29, or a truncation error."""
    row = " ".join([bad] + ["0.25"] * (D - 1))
    path = _text(tmp_path / "v.txt", ["2 %d" % D, "cat " + row, "dog " + " ".join(["1"] * D)])
    with pytest.raises(VectorsError) as err:
        load(path)
    assert str(err.value) == "%s:2: %r is not a number (the vector of 'cat')" % (path, bad)


@pytest.mark.parametrize("separator", ["  ", "\t", " \t ", "   "])
def test_runs_of_spaces_or_tabs_separate_fields(tmp_path, separator):
    path = _text(tmp_path / "v.txt", ["2 3", separator.join(["cat", "0.5", "0.25", "1"]),
                                      "dog 1 2 3"])
    wv = load(path)
    assert wv.words == ["cat", "dog"]
    assert wv.matrix.tolist() == [[0.5, 0.25, 1.0], [1.0, 2.0, 3.0]]


def test_crlf_text_file(tmp_path):
    path = tmp_path / "v.txt"
    path.write_bytes(b"2 3\r\ncat 0.5 0.25 1\r\ndog 1 2 3\r\n")
    assert load(path).words == ["cat", "dog"]


printable_floats = st.binary(min_size=4, max_size=4).map(  # float32 bytes a text could hold
    lambda b: bytes(0x20 + x % 95 for x in b)).map(lambda b: float(np.frombuffer(b, "<f4")[0]))


@given(st.lists(st.floats(-1e3, 1e3, width=32) | printable_floats, min_size=1, max_size=8),
       st.integers(1, 5), st.booleans())
@settings(max_examples=300, deadline=None)
def test_binary_files_are_still_detected_whatever_their_values(tmp_path_factory, values, V,
                                                                newline):
    """Robust detection must not mistake a real binary file for text: word2vec C's (a
    newline after each vector) or gensim's (none), whatever bytes the values have."""
    D = len(values)
    path = tmp_path_factory.mktemp("b") / "v.bin"
    rows = [np.roll(np.array(values, dtype="<f4"), i) for i in range(V)]
    path.write_bytes(b"%d %d\n" % (V, D) + b"".join(
        b"w%d " % i + row.tobytes() + b"\n" * newline for i, row in enumerate(rows)))
    words, matrix = word2vec_format.read_word2vec(str(path))
    assert words == ["w%d" % i for i in range(V)]
    assert np.array_equal(matrix, np.array(rows, dtype=np.float64))


@pytest.mark.parametrize("opener", [gzip.open, bz2.open, lzma.open])
def test_compressed_vector_files_are_read(tmp_path, opener):
    lines = ["2 3", "cat 0.5 0.25 1", "dog 1 2 3"]
    plain = load(_text(tmp_path / "v.txt", lines))
    packed = load(_text(tmp_path / "v.txt.packed", lines, opener))
    assert packed.words == plain.words and np.array_equal(packed.matrix, plain.matrix)
    binary = tmp_path / "v.bin.gz"
    with gzip.open(binary, "wb") as f:
        f.write(b"1 2\ncat " + struct.pack("<2f", 1.5, -2.0) + b"\n")
    assert load(binary).matrix.tolist() == [[1.5, -2.0]]


def test_corrupt_or_unsupported_compression_is_named(tmp_path):
    data = bytearray(gzip.compress(b"2 3\ncat 0.5 0.25 1\ndog 1 2 3\n" * 50))
    path = tmp_path / "v.txt.gz"
    path.write_bytes(bytes(data[:len(data) // 2]))
    with pytest.raises(VectorsError, match=r"v\.txt\.gz: its gzip data are corrupt or"
                                           r" truncated \(.*\); download or copy"):
        load(path)
    path = tmp_path / "v.zip"
    path.write_bytes(b"PK\x03\x04" + b"\0" * 40)
    with pytest.raises(VectorsError, match=r"v\.zip is a zip archive, not a word2vec file:"
                                           r" unpack it first"):
        load(path)


def test_vocab_txt_with_crlf_counts_and_too_large_counts(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_bytes(b"cat\t5\r\ndog\t3\r\n")
    words, counts = word2vec_format.read_vocab(str(path))
    assert words == ["cat", "dog"] and counts.tolist() == [5, 3]
    path.write_bytes(b"cat\r\ndog\r\n")
    assert word2vec_format.read_vocab(str(path)) == (["cat", "dog"], None)
    path.write_bytes(b"cat\t%d\n" % 10 ** 23)
    with pytest.raises(VectorsError, match=r"vocab\.txt:1: the count 1{1}0{23} of 'cat' is too"
                                           r" large \(at most 9223372036854775807\)"):
        word2vec_format.read_vocab(str(path))
    path.write_bytes("cat\t\u00b2\n".encode())  # a superscript two: isdigit(), not int()
    with pytest.raises(VectorsError, match=r"vocab\.txt:1: .* is not `word` or"):
        word2vec_format.read_vocab(str(path))
    path.write_bytes(gzip.compress(b"cat\t5\n"))
    with pytest.raises(VectorsError, match=r"vocab\.txt is gzip-compressed: unpack it first"):
        word2vec_format.read_vocab(str(path))


def _npy_claiming(shape, data=b"\0" * 64):
    header = (b"{'descr': '<f8', 'fortran_order': False, 'shape': %s, }" % shape).ljust(117)
    return b"\x93NUMPY\x01\x00" + (118).to_bytes(2, "little") + header + b"\n" + data


@pytest.mark.parametrize("shape, message", [
    (b"(2000000000000, 4)", r"announces a float64 array of shape \(2000000000000, 4\)"
                            r" \(64000000000000 bytes of data\) but the file holds 64"),
    (b"(2, 4", r"not a valid \.npy file: its header cannot be read \(TokenError"),
    (b"(2, 2)", r"\(32 bytes of data\) but the file holds 64: it is truncated or corrupt"),
])
def test_an_npy_header_is_checked_against_the_file_before_reading(tmp_path, shape, message):
    path = tmp_path / "a.npy"
    path.write_bytes(_npy_claiming(shape))
    with pytest.raises(ValueError, match=message):
        fileio.read_npy(str(path))
    ok = io.BytesIO()
    np.save(ok, np.arange(8.0).reshape(2, 4))
    path.write_bytes(ok.getvalue())
    assert fileio.read_npy(str(path)).tolist() == np.arange(8.0).reshape(2, 4).tolist()


@pytest.mark.parametrize("script", ["explore.py", "evaluate.py", "sentiment.py"])
def test_a_lying_word_vectors_npy_is_one_line_in_every_script(tmp_path, script):
    """(2e12, 4) in the header used to be an _ArrayMemoryError traceback."""
    save_vectors(str(tmp_path), np.ones((4, 2)), {"a": 0, "b": 1})
    (tmp_path / "wordVectors.npy").write_bytes(_npy_claiming(b"(2000000000000, 4)"))
    args = {"explore.py": ["--neighbours", "a"], "evaluate.py": [],
            "sentiment.py": []}[script]
    done = subprocess.run([sys.executable, str(ROOT / script), "--vectors", str(tmp_path)]
                          + args, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("error: %s is not a readable .npy array (its header"
                                  " announces a float64 array of shape (2000000000000, 4)"
                                  % (tmp_path / "wordVectors.npy")), done.stderr
    assert len(done.stderr.splitlines()) == 1


def test_a_byte_order_mark_is_not_part_of_the_first_word(tmp_path):
    path = tmp_path / "v.txt"
    path.write_bytes(b"\xef\xbb\xbf2 3\ncat 0.5 0.25 1\ndog 1 2 3\n")
    assert load(path).words == ["cat", "dog"]
    path.write_bytes(b"\xef\xbb\xbfcat 0.5 0.25 1\ndog 1 2 3\n")  # headerless
    assert load(path).words == ["cat", "dog"]
    vocab = tmp_path / "vocab.txt"
    vocab.write_bytes(b"\xef\xbb\xbfcat\t5\ndog\t3\n")
    assert word2vec_format.read_vocab(str(vocab))[0] == ["cat", "dog"]


def test_an_empty_line_in_vocab_txt_is_named(tmp_path):
    vocab = tmp_path / "vocab.txt"
    vocab.write_bytes(b"cat\n\ndog\n")
    with pytest.raises(VectorsError, match=r"vocab\.txt:2: '' is not `word` or"):
        word2vec_format.read_vocab(str(vocab))
