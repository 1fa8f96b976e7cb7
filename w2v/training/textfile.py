"""A corpus's bytes as decoded text blocks: files (plain, gzip, bzip2, xz) or standard input.

``text_blocks(path)`` reads BLOCK_BYTES at a time and cuts each block after
its last whitespace character, so no word and no UTF-8 sequence is ever split
and a huge line (text8: 100 MB without a newline) is never held whole.
Compression is told by the first bytes, not the name. ``-`` is standard
input, read as it streams (a pipe cannot be read twice: a caller that needs
two readings copies it to a file first, training/sources.py). Bad bytes,
corrupt archives and binary files raise CorpusError naming the line and the
byte offset.
"""

import bz2
import codecs
import gzip
import lzma
import os
import sys
import zlib

from w2v.infra.fileio import MAGIC, NO_LIMIT, RefusedFileError, open_regular

STDIN = "-"

BLOCK_BYTES = 1 << 20        # bytes read at a time
MAX_WORD_BYTES = 1 << 24     # a "word" this long means the file is not text
ASCII_SPACE = b" \t\n\r\x0b\x0c"  # never inside a UTF-8 sequence: safe places to cut


class CorpusError(ValueError):
    """The corpus cannot be used; the message says where and how to fix it."""



OPENERS = {"gzip": lambda f: gzip.GzipFile(fileobj=f, mode="rb"),
           "bzip2": lambda f: bz2.BZ2File(f, mode="rb"),
           "xz": lambda f: lzma.LZMAFile(f, mode="rb")}


def display_name(path):
    """How messages name ``path``."""
    return "standard input" if path == STDIN else path


def _open_stdin():
    """(standard input as a binary file, its first bytes); closing it leaves fd 0 open."""
    raw = open(sys.stdin.fileno(), "rb", closefd=False)
    return raw, raw.peek(8)[:8]


def _open_binary(path):
    """(decompressed stream, raw file, compression or None) of a plain, gzip, bzip2 or
    xz file (or ``-``, standard input), told apart by their first bytes (not the name)."""
    if path == STDIN:
        raw, head = _open_stdin()
        return _unpacked(raw, head, path)
    try:
        raw = open_regular(path, NO_LIMIT, "The corpus")
    except FileNotFoundError:
        raise CorpusError("corpus file not found: %s" % path) from None
    except RefusedFileError as err:  # a folder, a FIFO, a device
        raise CorpusError(str(err)) from None
    except OSError as err:  # no permission, say
        raise CorpusError("cannot read the corpus %s: %s" % (path, err.strerror or err)
                          ) from None
    head = raw.read(8)
    raw.seek(0)
    return _unpacked(raw, head, path)


def _unpacked(raw, head, path):
    """(stream, raw, compression) of a file whose first bytes are ``head``."""
    packed = next((name for magic, name in MAGIC if head.startswith(magic)), None)
    if packed is None:
        return raw, raw, None
    if packed not in OPENERS:
        raw.close()
        raise CorpusError("%s is a %s archive, not text: unpack it first"
                          % (display_name(path), packed))
    return OPENERS[packed](raw), raw, packed


def _position(raw, done):
    """(bytes read so far, total bytes or 0 if unknown) for the progress callback."""
    try:
        return raw.tell(), os.fstat(raw.fileno()).st_size
    except (OSError, AttributeError, ValueError):   # a pipe: no position, no size
        return done, 0


def text_blocks(path, progress=None, start=0, stop=None):
    """Decoded blocks of the file, each ending at a whitespace byte (or the end).

    Cutting at whitespace never splits a word or a UTF-8 sequence. Raises
    CorpusError for bytes that are not UTF-8 (naming the line and the byte
    offset in the decompressed text) and for corrupt compressed data.
    start, stop -- the bytes [start, stop) of a plain file only, ``start`` the
    first byte of a line (training/halves.py; line numbers in errors then
    count from ``start``: that reader reads a failed part again from byte 0).
    """
    stream, raw, packed = _open_binary(path)
    carry, offset, line = b"", start, 1      # offset, line: where ``carry`` starts
    left = -1 if stop is None else stop - start   # bytes still to read; -1: to the end
    if start:
        raw.seek(start)
    name = display_name(path)
    with stream, raw:
        while True:
            try:
                block = stream.read(BLOCK_BYTES if left < 0 else min(BLOCK_BYTES, left))
                left -= len(block) if left >= 0 else 0
            except (OSError, EOFError, zlib.error, lzma.LZMAError) as err:
                raise CorpusError("%s: its %s data are corrupt or truncated (%s); download or"
                                  " copy the file again" % (name, packed, err)) from None
            data = carry + block
            if offset == 0 and data.startswith(codecs.BOM_UTF8):
                data, offset = data[3:], 3         # a byte-order mark is not a word
            cut = len(data) if not block else _last_space(data) + 1
            if cut == 0 and len(data) > MAX_WORD_BYTES:
                raise CorpusError(_no_space(data, name, line, offset))
            chunk, carry = data[:cut], data[cut:]
            yield _decode(chunk, name, offset, line, packed)
            offset += len(chunk)
            line += chunk.count(b"\n")
            if progress is not None:
                progress(*_position(raw, offset))
            if not block:
                return


def _no_space(data, path, line, offset):
    """Why ``data`` (over MAX_WORD_BYTES) holds no whitespace at all, in words."""
    what = ("it holds NUL bytes: the file is binary, not text" if b"\0" in data[:1 << 16]
            else "expected text, words separated by whitespace")
    return ("%s:%d: %d bytes without any whitespace from byte %d: %s"
            % (path, line, len(data), offset, what))


# Every other character str.split() splits on (str.isspace), UTF-8 encoded.
OTHER_SPACES = ("\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
                "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
UNICODE_SPACES = tuple(c.encode("utf-8") for c in OTHER_SPACES)


def _last_space(data):
    """Index of the last byte of the last whitespace character in ``data``, or -1.

    ASCII whitespace first (fast); only a block without any looks for the
    other characters ``str.split()`` splits on, so text separated by U+3000
    (ideographic space), say, is cut between its words too.
    """
    last = max(data.rfind(bytes([c])) for c in ASCII_SPACE)
    if last >= 0:
        return last
    ends = [data.rfind(space) + len(space) - 1 for space in UNICODE_SPACES]
    return max([end for end, space in zip(ends, UNICODE_SPACES) if end >= len(space) - 1]
               or [-1])


def _decode(chunk, path, offset, line, packed):
    try:
        return chunk.decode("utf-8")
    except UnicodeDecodeError as err:
        bad = chunk[err.start:err.start + 4]
        raise CorpusError(
            "%s:%d: not UTF-8 text (byte offset %d%s: %r, %s); convert the file to UTF-8,"
            " e.g. iconv -f latin1 -t utf-8 FILE > FILE.utf8"
            % (path, line + chunk.count(b"\n", 0, err.start), offset + err.start,
               " in the decompressed text" if packed else "", bad, err.reason)) from None

