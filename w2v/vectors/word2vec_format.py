"""The word2vec file formats (text and binary) and vocab.txt, read and written.

Text (word2vec C's ``-binary 0``, gensim's ``binary=False``, fastText's .vec):
a header line ``V D``, then V lines ``word x1 ... xD`` separated by single
spaces. Files without the header (GloVe's) are read too.
Binary (``-binary 1``): the header line ``V D``, then for each word its UTF-8
bytes, a space, D little-endian float32 (4D bytes) and, as word2vec C
writes it, a newline.
vocab.txt: one word a line, ``word`` or ``word<TAB>count``.

Every reader names the file and the line (or, in a binary file, the entry and
byte offset) of what it cannot read, and refuses NaN or infinite values,
naming the word.
"""

import mmap
import os
import shutil
import warnings

import numpy as np

# read_npy: files.py reads run.py's wordVectors.npy through it.
from w2v.infra.background import CAN_FORK, Jobs
from w2v.infra.fileio import atomic_write, compression, read_npy  # noqa: F401
from w2v.vectors.detection import (
    FIELD_SEPARATOR,
    MAX_WORD_BYTES,
    VectorsError,
    decompressed,
    is_number,
    is_text,
)
MAX_COUNT = np.iinfo(np.int64).max  # counts are int64


def check_words(words):
    """ValueError unless every word is a non-empty string without whitespace.

    Both formats and vocab.txt separate words with spaces and newlines.
    """
    for word in words:
        if not isinstance(word, str) or not word or word.split() != [word]:
            raise ValueError("the word %r cannot be saved: a word must be a non-empty string"
                             " without whitespace (the vectors.txt format and vocab.txt"
                             " separate words with spaces and newlines)" % (word,))


def _check_regular(path):
    """VectorsError unless ``path`` is a regular file (a FIFO would block forever)."""
    if not os.path.exists(path):
        raise VectorsError("%s: no such file" % path)
    if not os.path.isfile(path):
        raise VectorsError("%s is not a regular file" % path)


# ---- vocab.txt -----------------------------------------------------------------

def read_vocab(path, unique=False):
    """The words of vocab.txt and their counts: (list of V str, (V,) int array or None).

    Lines are ``word`` or ``word<TAB>count``, all of one kind, ending in LF or
    CRLF. With ``unique`` a word listed twice is an error.
    """
    _check_regular(path)
    try:  # utf-8-sig: a byte-order mark is not part of the first word
        with open(path, encoding="utf-8-sig", newline="\n") as f:
            lines = f.read().split("\n")
    except UnicodeDecodeError as err:
        packed = compression(path)
        raise VectorsError("%s is %s (%s)" % (path, "not UTF-8 text" if packed is None else
                                              "%s-compressed: unpack it first" % packed,
                                              err.reason)) from None
    if lines and lines[-1] == "":
        lines.pop()
    words, counts, first = [], [], {}
    with_counts = bool(lines) and "\t" in lines[0]
    for lineno, line in enumerate(lines, start=1):
        word, tab, count = line[:-1].partition("\t") if line.endswith("\r") else \
            line.partition("\t")
        if not word or bool(tab) != with_counts or (tab and not (count.isascii()
                                                                and count.isdigit())):
            raise VectorsError("%s:%d: %r is not `word` or `word<TAB>count` like line 1"
                               % (path, lineno, line))
        if tab and int(count) > MAX_COUNT:
            raise VectorsError("%s:%d: the count %s of %r is too large (at most %d); the"
                               " file is corrupt" % (path, lineno, count, word, MAX_COUNT))
        if unique and word in first:
            raise VectorsError("%s:%d: %r is listed twice (first on line %d)"
                               % (path, lineno, word, first[word]))
        first.setdefault(word, lineno)
        words.append(word)
        counts.append(int(count) if tab else 0)
    return words, (np.array(counts, dtype=np.int64) if with_counts else None)


def save_vocab(path, words, counts=None):
    """Write vocab.txt atomically: one word a line, ``word<TAB>count`` when counts are given."""
    words = list(words)
    check_words(words)
    if counts is None:
        text = "".join(w + "\n" for w in words)
    else:
        counts = [int(c) for c in counts]
        if len(counts) != len(words):
            raise ValueError("%d counts for %d words" % (len(counts), len(words)))
        text = "".join("%s\t%d\n" % wc for wc in zip(words, counts))
    data = text.encode("utf-8")
    atomic_write(path, lambda f: f.write(data))
    return path


# ---- reading word2vec files ----------------------------------------------------

def read_word2vec(path, binary=None, limit=None, dtype=np.float64):
    """Read a word2vec text or binary file: returns (words, matrix (V, D)).

    binary -- True / False forces the format; None detects it from the content
    limit -- read only the first ``limit`` words
    A gzip, bzip2 or xz file is decompressed (in memory) first. A word listed
    twice keeps its first vector, as gensim does (with a warning).
    """
    _check_regular(path)
    packed = compression(path)
    if packed is None:
        with open(path, "rb") as f:
            if not os.fstat(f.fileno()).st_size:
                raise VectorsError("%s is empty; expected word vectors" % path)
            with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
                return _read(mm, path, binary, limit, dtype)
    return _read(decompressed(path, packed), path, binary, limit, dtype)


def _read(buf, path, binary, limit, dtype):
    """Read the word2vec file whose bytes are ``buf`` (bytes or an mmap)."""
    first = 3 if buf[:3] == b"\xef\xbb\xbf" else 0  # a UTF-8 byte-order mark
    end = buf.find(b"\n", first, MAX_WORD_BYTES)
    start = len(buf) if end < 0 else end + 1
    header = parse_header(buf[first:start])
    if header is None:  # no "V D" line: a headerless text file (GloVe's layout)
        if binary:
            raise VectorsError("%s:1: a word2vec binary file starts with the line `V D`"
                               " (number of words, dimension); found %r"
                               % (path, buf[:80]))
        return _read_text(_lines(buf, first), path, 1, None, None, limit, dtype)
    V, D = header
    if binary is None:
        binary = not is_text(buf, start, V, D)
    if not binary:
        return _read_text(_lines(buf, start), path, 2, V, D, limit, dtype)
    return _read_binary(buf, path, start, V, D, limit, dtype)


def _lines(buf, start):
    """The lines (bytes) of ``buf`` from byte ``start``, read one at a time."""
    while start < len(buf):
        end = buf.find(b"\n", start)
        end = len(buf) if end < 0 else end + 1
        yield buf[start:end]
        start = end


def parse_header(line):
    """(V, D) of a ``V D`` header line, or None when the line is not one."""
    fields = line.split()
    if len(fields) == 2 and all(x.isdigit() for x in fields):
        return int(fields[0]), int(fields[1])
    return None


def _keep(words, seen, duplicates, word):
    """Record ``word``; False (and noted) when it is a repeat, whose vector is dropped."""
    if word in seen:
        duplicates.append(word)
        return False
    seen.add(word)
    words.append(word)
    return True


def _finished(path, words, rows, duplicates, dtype):
    if not words:
        raise VectorsError("%s holds no word vectors" % path)
    if duplicates:
        warnings.warn("%s: %d repeated word%s (%s); the first vector of each word is kept,"
                      " as gensim does" % (path, len(duplicates), "" if len(duplicates) == 1
                                           else "s", ", ".join(map(repr, duplicates[:5]))))
    return words, np.array(rows, dtype=dtype)


def _read_text(lines, path, lineno, V, D, limit, dtype):
    """Read the text entries of ``lines`` (bytes, from line ``lineno``); D None: from line 1.

    Fields are separated by runs of spaces or tabs; a line may end in CRLF.
    """
    words, rows, seen, duplicates = [], [], set(), []
    entries = 0
    for lineno, raw in enumerate(lines, start=lineno):
        if limit is not None and entries >= limit:
            break
        try:
            fields = FIELD_SEPARATOR.split(raw.decode("utf-8").rstrip())
        except UnicodeDecodeError as err:
            raise VectorsError("%s:%d: not UTF-8 text (%s)" % (path, lineno, err.reason)) from None
        if fields == [""]:
            continue  # a blank line
        D = len(fields) - 1 if D is None else D
        if D < 1:
            raise VectorsError("%s:%d: expected a word and its numbers separated by spaces,"
                               " found %r" % (path, lineno, raw[:80]))
        if len(fields) != D + 1:
            raise VectorsError("%s:%d: expected a word and %d numbers separated by spaces,"
                               " found %d fields" % (path, lineno, D, len(fields)))
        try:
            row = np.array(fields[1:], dtype=float)
        except ValueError:
            bad = next(x for x in fields[1:] if not is_number(x))
            raise VectorsError("%s:%d: %r is not a number (the vector of %r)"
                               % (path, lineno, bad, fields[0])) from None
        if not np.all(np.isfinite(row)):
            raise VectorsError("%s:%d: the vector of %r holds NaN or infinite values"
                               % (path, lineno, fields[0]))
        entries += 1
        if _keep(words, seen, duplicates, fields[0]):
            rows.append(row)
    if V is not None and entries != V and (limit is None or entries < limit):
        raise VectorsError("%s: the header announces %d words but the file holds %d (lines"
                           " missing or extra: the file is truncated or not one file)"
                           % (path, V, entries))
    return _finished(path, words, rows, duplicates, dtype)


def _read_binary(buf, path, start, V, D, limit, dtype):
    """Read the binary entries after the header (byte ``start``) of ``buf``."""
    n = V if limit is None else min(V, limit)
    words, rows, seen, duplicates = [], [], set(), []
    size, p = len(buf), start
    for entry in range(1, n + 1):
        while p < size and buf[p] == 0x0A:  # word2vec C ends each vector with "\n"
            p += 1
        space = buf.find(b" ", p, p + MAX_WORD_BYTES)
        if space < 0:
            raise VectorsError("%s: entry %d of %d (byte %d): no word followed by a space;"
                               " the file is truncated or not word2vec binary"
                               % (path, entry, V, p))
        try:
            word = buf[p:space].decode("utf-8")
        except UnicodeDecodeError as err:
            raise VectorsError("%s: entry %d (byte %d): the word is not UTF-8 (%s)"
                               % (path, entry, p, err.reason)) from None
        p = space + 1 + 4 * D
        if p > size:
            raise VectorsError("%s: entry %d of %d (%r): the file ends inside its vector;"
                               " it is truncated" % (path, entry, V, word))
        row = np.frombuffer(buf[space + 1:p], dtype="<f4")
        if not np.all(np.isfinite(row)):
            raise VectorsError("%s: entry %d: the vector of %r holds NaN or infinite values"
                               % (path, entry, word))
        if _keep(words, seen, duplicates, word):
            rows.append(row)
    if n == V and buf[p:size].strip(b"\n"):
        raise VectorsError("%s: data after the %d words the header announces (byte %d);"
                           " the header is wrong or the file is not word2vec binary"
                           % (path, V, p))
    return _finished(path, words, rows, duplicates, dtype)


# ---- writing -------------------------------------------------------------------

def _checked(words, matrix):
    words = list(words)
    matrix = np.asarray(matrix)
    if matrix.ndim != 2 or matrix.shape[0] != len(words) or not len(words):
        raise ValueError("matrix must be (V, D) with one row per word, V >= 1: %d words,"
                         " got shape %s" % (len(words), matrix.shape))
    check_words(words)
    if len(set(words)) != len(words):
        raise ValueError("a word is listed twice; each word needs one vector")
    if not np.all(np.isfinite(matrix)):
        raise ValueError("the vectors hold NaN or infinite values; not saving them")
    return words, matrix


TEXT_ROWS_AT_ONCE = 1024  # rows turned into Python floats at a time


def save_word2vec_text(path, words, matrix):
    """Write word2vec text format atomically: ``V D``, then ``word x1 ... xD`` a line.

    words -- the V words; matrix -- (V, D), row i the vector of words[i].
    float64 values are written exactly (repr, the shortest text reading back
    as the same float64); float32 values with 9 digits (exact for float32).
    A float is formatted at a time, in Python: from TWO_CORES_FROM values on,
    a forked child formats the second half of the rows meanwhile
    (infra/background.py), appended when both are done.
    """
    words, matrix = _checked(words, matrix)
    middle = len(words) // 2 if CAN_FORK and matrix.size >= TWO_CORES_FROM else len(words)

    def write(f):
        f.write(("%d %d\n" % matrix.shape).encode("utf-8"))
        if middle == len(words):
            _write_rows(f, words, matrix, 0, middle)
            return
        second = f.name + ".second"     # TEMP_PREFIX: a crash leaves a known stray
        try:
            with Jobs() as jobs:
                jobs.start(lambda: _write_rows_to(second, words, matrix, middle))
                _write_rows(f, words, matrix, 0, middle)
            with open(second, "rb") as part:
                shutil.copyfileobj(part, f)
        finally:
            if os.path.exists(second):
                os.remove(second)

    atomic_write(path, write)
    return path


TWO_CORES_FROM = 1 << 20   # values (V x D): below, a fork costs more than it saves


def _write_rows_to(path, words, matrix, start):
    with open(path, "wb") as f:
        _write_rows(f, words, matrix, start, len(words))


def _write_rows(f, words, matrix, start, stop):
    """The text lines of rows start..stop-1, TEXT_ROWS_AT_ONCE rows at a time."""
    number = "%.9g" if matrix.dtype == np.float32 else None
    for lo in range(start, stop, TEXT_ROWS_AT_ONCE):   # bounded memory
        hi = min(lo + TEXT_ROWS_AT_ONCE, stop)
        lines = []
        for word, row in zip(words[lo:hi], matrix[lo:hi].tolist()):
            text = " ".join(map(repr, row)) if number is None else " ".join(
                number % x for x in row)
            lines.append(word + " " + text + "\n")
        f.write("".join(lines).encode("utf-8"))


def save_word2vec_binary(path, words, matrix):
    """Write word2vec binary format atomically (as word2vec C does; gensim reads it).

    ``V D\\n``, then per word: its UTF-8 bytes, a space, D little-endian
    float32, a newline. The values are rounded to float32.
    """
    words, matrix = _checked(words, matrix)
    rows = matrix.astype("<f4", copy=False)   # no copy of float32 vectors

    def write(f):
        f.write(("%d %d\n" % matrix.shape).encode("utf-8"))
        for word, row in zip(words, rows):
            f.write(word.encode("utf-8") + b" " + row.tobytes() + b"\n")

    atomic_write(path, write)
    return path
