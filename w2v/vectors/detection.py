"""How a word2vec file is read: compressed or not, text or binary, by its content.

Used by word2vec_format.read_word2vec; see ``is_text`` for the detection.
"""

import bz2
import gzip
import lzma
import re
import zlib

MAX_WORD_BYTES = 10000  # a longer "word" means the file is not word2vec binary
FIELD_SEPARATOR = re.compile(r"[ \t]+")  # a run of spaces or tabs (gensim allows one space)
CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # never in a text line
TEXT_BYTES = re.compile(rb"[\x20-\x7e\t\r\n]*")  # what a text file's numbers are made of


class VectorsError(ValueError):
    """Word vectors on disk are missing, malformed or inconsistent; the message says where."""


def decompressed(path, packed):
    """The bytes of the gzip, bzip2 or xz file ``path``; VectorsError for other archives
    or corrupt data."""
    openers = {"gzip": gzip.open, "bzip2": bz2.open, "xz": lzma.open}
    if packed not in openers:
        raise VectorsError("%s is a %s archive, not a word2vec file: unpack it first"
                           % (path, packed))
    try:
        with openers[packed](path, "rb") as f:
            return f.read()
    except (OSError, EOFError, zlib.error, lzma.LZMAError) as err:
        raise VectorsError("%s: its %s data are corrupt or truncated (%s); download or"
                           " copy the file again" % (path, packed, err)) from None


def is_text(buf, start, V, D):
    """Whether the entries after the header (byte ``start``) are text, not binary.

    A first line of a word and D numbers is text. Otherwise the first entries
    are tried as binary (word, space, 4D bytes): a line that is text-like (no
    control bytes) and does not parse as binary is text, so the text reader
    names its malformed value. When both readings fit (rare: a malformed text
    line, or float32 bytes that happen to be printable), the whole file is
    parsed as binary: if all V entries fit exactly, it is binary; if not, it is
    text when the first vector's bytes are all printable ASCII.
    """
    end = buf.find(b"\n", start, start + MAX_WORD_BYTES + 40 * D)
    line = buf[start:len(buf) if end < 0 else end]
    try:
        fields = FIELD_SEPARATOR.split(line.decode("utf-8").rstrip())
        text_like = not CONTROL.search(line)
    except UnicodeDecodeError:
        fields, text_like = [], False
    if text_like and len(fields) == D + 1 and all(map(is_number, fields[1:])):
        return True
    vector = _binary_entries(buf, start, min(V, 2), D)
    if vector is None:
        return text_like
    if not text_like or _binary_entries(buf, start, V, D, whole=True) is not None:
        return False
    return TEXT_BYTES.fullmatch(vector) is not None


def _binary_entries(buf, p, n, D, whole=False):
    """The vector bytes of the first of ``n`` binary entries from byte ``p``, or None
    unless all ``n`` parse: a word (UTF-8, no whitespace or control bytes), a
    space, 4D bytes, an optional newline. ``whole``: None also unless the
    entries end the file (newlines aside)."""
    first = None
    for _ in range(n):
        space = buf.find(b" ", p, p + MAX_WORD_BYTES)
        word = buf[p:space]
        if space <= p or CONTROL.search(word) or re.search(rb"[\t\n\r]", word):
            return None
        try:
            word.decode("utf-8")
        except UnicodeDecodeError:
            return None
        p = space + 1 + 4 * D
        if p > len(buf):
            return None
        first = buf[space + 1:p] if first is None else first
        p += buf[p:p + 1] == b"\n"
    if whole and buf[p:].strip(b"\n"):
        return None
    return first


def is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True
