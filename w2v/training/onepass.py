"""Count and encode a corpus in one reading, into a store: ``count_and_encode``, ``encode_into``.

``corpus.build_vocabulary`` then ``corpus.encode`` read the text twice, and
splitting it and looking its words up are most of the time outside training.
Here each word gets a provisional id when first seen (a dict lookup per word,
in C); the provisional ids go to a spool (training/idstore.py: RAM, or a file
for a corpus read from files) and the counts are kept as they come, a chunk
at a time (``np.bincount``). Once the counts are known, one vectorised remap,
chunk by chunk, turns the spool into the vocabulary's ids, dropping the rare
words, written to the final store. The result equals the two-pass one
exactly: the same Vocabulary, the same ids and starts (tests/test_onepass.py).

Memory: the distinct words, one block of text, one chunk of ids
(idstore.CHUNK_WORDS), and the piece ends (8 bytes a line); with file
stores, the ids themselves stay on disk.
"""

import itertools

import numpy as np

from w2v.training.corpus import (
    CorpusError,
    _Growing,
    iter_pieces,
    source_name,
    vocabulary_from_counts,
)
from w2v.training.idstore import CHUNK_WORDS, MemoryStore


class _FirstSeen(dict):
    """word -> provisional id, numbered in order of first appearance."""

    def __missing__(self, word):
        self[word] = len(self)
        return self[word]


class _Counted:
    """Provisional ids buffered to CHUNK_WORDS, then counted and written to a spool."""

    def __init__(self, spool):
        self.spool, self.buffer, self.buffered = spool, [], 0
        self.counts = np.zeros(0, np.int64)

    def add(self, ids, distinct):
        self.buffer.append(ids)
        self.buffered += len(ids)
        if self.buffered >= CHUNK_WORDS:
            self.flush(distinct)

    def flush(self, distinct):
        chunk = np.concatenate(self.buffer) if self.buffer else np.zeros(0, np.int32)
        self.buffer, self.buffered = [], 0
        grown = np.zeros(distinct, np.int64)
        grown[:len(self.counts)] = self.counts
        self.counts = grown + np.bincount(chunk, minlength=distinct)
        self.spool.write(chunk)


def _read_ids(pieces, code, distinct, spool):
    """Write the provisional ids of ``pieces`` to ``spool``; (counts int64, piece ends int64).

    code(piece) -- the piece's provisional ids (a word's map lookups, in C)
    distinct() -- the number of provisional ids so far (bincount's minlength)"""
    counted, ends, total = _Counted(spool), _Growing(np.int64, 1024), 0
    for piece in pieces:
        total += len(piece)
        counted.add(np.fromiter(code(piece), dtype=np.int32, count=len(piece)), distinct())
        ends.extend([total])
    counted.flush(distinct())
    return counted.counts, ends.finish()


def count_ids(pieces, spool):
    """(first_seen: word -> provisional id, counts int64, piece ends int64) of ``pieces``,
    the provisional ids written to ``spool``."""
    first_seen = _FirstSeen()
    lookup = first_seen.__getitem__
    counts, ends = _read_ids(pieces, lambda piece: map(lookup, piece), first_seen.__len__,
                             spool)
    return first_seen, counts, ends


def _remap(parts, store, raw_words):
    """The corpus of the parts' spools, each [(spool, its piece ends, new_id)] in corpus
    order, mapped by its new_id (-1: dropped) and written to ``store``; pieces left
    empty are left out, as corpus.encode does."""
    all_ends, kept_before = [np.zeros(1, np.int64)], 0
    for spool, ends, new_id in parts:
        new_ends = np.empty(len(ends), np.int64)
        read = first = 0
        for chunk in spool.chunks():
            mapped = new_id[chunk]
            kept = mapped >= 0
            store.write(mapped[kept])
            kept_so_far = np.cumsum(kept, dtype=np.int64)
            last = int(np.searchsorted(ends, read + len(chunk), side="right"))
            new_ends[first:last] = kept_before + kept_so_far[ends[first:last] - read - 1]
            kept_before += int(kept_so_far[-1]) if len(chunk) else 0
            read, first = read + len(chunk), last
        spool.discard()
        all_ends.append(new_ends)
    return store.corpus(np.unique(np.concatenate(all_ends)), raw_words)


def vocabulary_and_ids(first_seen, counts, min_count, max_vocab, name):
    """(Vocabulary, new_id int32: provisional id -> the vocabulary's id, or -1)."""
    vocab = vocabulary_from_counts(list(first_seen), counts, min_count, max_vocab, name)
    new_id = np.full(len(first_seen), -1, dtype=np.int32)
    order = np.fromiter(map(first_seen.__getitem__, vocab.words), dtype=np.int64,
                        count=len(vocab))
    new_id[order] = np.arange(len(vocab), dtype=np.int32)
    return vocab, new_id


def count_and_encode(source, min_count=5, max_vocab=None, lowercase=False, progress=None,
                     store=None, spool=None):
    """(Vocabulary, EncodedCorpus) of ``source``, as build_vocabulary and encode give them.

    store, spool -- where the final and the provisional ids go (idstore's stores;
    default: RAM). A FileStore gives a MappedCorpus."""
    check_min_count(min_count)
    store = MemoryStore() if store is None else store
    spool = MemoryStore(hashed=False) if spool is None else spool
    first_seen, counts, ends = count_ids(iter_pieces(source, lowercase, progress), spool)
    vocab, new_id = vocabulary_and_ids(first_seen, counts, min_count, max_vocab,
                                       source_name(source))
    return vocab, _remap([(spool, ends, new_id)], store, int(counts.sum()))


def check_min_count(min_count):
    if min_count < 1:
        raise CorpusError("min_count must be at least 1, got %r" % min_count)


def encode_into(source, vocab, lowercase=False, progress=None, store=None, spool=None):
    """corpus.encode's EncodedCorpus, streamed through ``spool`` into ``store``:
    the words of ``vocab`` only (a vocabulary read from a file, or pruned)."""
    store = MemoryStore() if store is None else store
    spool = MemoryStore(hashed=False) if spool is None else spool
    unknown = len(vocab)                  # one provisional id for every other word
    lookup = vocab.index.get
    counts, ends = _read_ids(iter_pieces(source, lowercase, progress),
                             lambda piece: map(lookup, piece, itertools.repeat(unknown)),
                             lambda: unknown + 1, spool)
    if not counts[:unknown].any():
        spool.discard()
        raise CorpusError("no word of %s is in the vocabulary (%d words read, %d in the"
                          " vocabulary)" % (source_name(source), int(counts.sum()), len(vocab)))
    new_id = np.append(np.arange(unknown, dtype=np.int32), np.int32(-1))
    return _remap([(spool, ends, new_id)], store, int(counts.sum()))

