"""Vocabulary files as word2vec C writes them (``-save-vocab``) and reads them (``-read-vocab``).

One word a line, ``word<space>count`` (a tab is accepted too), most frequent
first. Reading one skips counting the corpus: the words are kept as the file
lists them (re-sorted by count, ties in file order), those under min_count
dropped and max_vocab applied, as for a counted vocabulary.
"""

import os

from w2v.infra.fileio import atomic_write
from w2v.training.corpus import CorpusError, Vocabulary

MAX_LINE_FIELDS = 2


def save_vocab_file(path, vocab):
    """Write ``vocab`` (a Vocabulary) as ``word count`` lines, atomically; returns path."""
    text = "".join("%s %d\n" % wc for wc in zip(vocab.words, vocab.counts.tolist()))
    data = text.encode("utf-8")
    atomic_write(path, lambda f: f.write(data))
    return path


def _parse(path, number, line):
    """(word, count) of one line, or CorpusError naming the file and line."""
    fields = line.split()
    if len(fields) != MAX_LINE_FIELDS or not fields[1].isdigit():
        raise CorpusError("%s:%d: expected `word count` (a word, a space or a tab, a count),"
                          " got %r" % (path, number, line[:80]))
    return fields[0], int(fields[1])


def read_vocab_file(path, min_count=1, max_vocab=None):
    """The Vocabulary listed in ``path`` (see the module doc); CorpusError names what is wrong.

    Its raw_words is the sum of all the listed counts, dropped words included.
    """
    if not os.path.isfile(path):
        raise CorpusError("vocabulary file %s not found (or not a file); write one with"
                          " --save-vocab" % path)
    entries, seen = [], {}
    try:
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                word, count = _parse(path, number, line.rstrip("\r\n"))
                if word in seen:
                    raise CorpusError("%s:%d: %r is listed twice (first on line %d)"
                                      % (path, number, word, seen[word]))
                seen[word] = number
                entries.append((word, count))
    except UnicodeDecodeError as err:
        raise CorpusError("%s is not UTF-8 text (%s)" % (path, err.reason)) from None
    kept = sorted((e for e in entries if e[1] >= min_count), key=lambda e: -e[1])[:max_vocab]
    if len(kept) < 2:
        raise CorpusError("%s lists %d word(s) seen at least min_count=%d times; word2vec"
                          " needs at least 2" % (path, len(kept), min_count))
    return Vocabulary([w for w, _ in kept], [c for _, c in kept],
                      sum(c for _, c in entries))
