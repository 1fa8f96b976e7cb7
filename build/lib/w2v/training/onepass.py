"""Count and encode a corpus in one reading: ``count_and_encode``.

``corpus.build_vocabulary`` then ``corpus.encode`` read the text twice:
splitting it and looking its words up are most of the time outside training.
Here each word gets a provisional id when first seen (a dict lookup per word,
in C), the provisional ids are kept as int32, and once the counts are known
(``np.bincount``) one vectorised remap turns them into the vocabulary's ids,
dropping the rare words. The result equals the two-pass one exactly: the same
Vocabulary, the same EncodedCorpus (tests/test_onepass.py).

Memory: 4 bytes per word read (rare words included) until the remap, the
distinct words, one block of text.
"""

import numpy as np

from w2v.training.corpus import (
    CorpusError,
    EncodedCorpus,
    _Growing,
    iter_pieces,
    source_name,
    vocabulary_from_counts,
)


class _FirstSeen(dict):
    """word -> provisional id, numbered in order of first appearance."""

    def __missing__(self, word):
        self[word] = len(self)
        return self[word]


def _read_ids(source, lowercase, progress):
    """(provisional ids int32, piece ends int64, word -> provisional id)."""
    first_seen = _FirstSeen()
    ids, ends = _Growing(np.int32, 1 << 16), _Growing(np.int64, 1024)
    lookup = first_seen.__getitem__
    for piece in iter_pieces(source, lowercase, progress):
        ids.extend(np.fromiter(map(lookup, piece), dtype=np.int32, count=len(piece)))
        ends.extend([ids.size])
    return ids.finish(), ends.finish(), first_seen


def _remap(provisional, ends, new_id):
    """The EncodedCorpus of the provisional ids mapped by new_id (-1: dropped);
    pieces left empty are left out, as corpus.encode does."""
    mapped = new_id[provisional]
    kept = mapped >= 0
    # Kept words before each piece's end: the new starts (empty pieces repeat one).
    before = np.concatenate(([0], np.cumsum(kept, dtype=np.int64)))
    starts = np.unique(np.concatenate(([0], before[ends])))
    return EncodedCorpus(mapped[kept], starts, len(provisional))


def count_and_encode(source, min_count=5, max_vocab=None, lowercase=False, progress=None):
    """(Vocabulary, EncodedCorpus) of ``source``, as build_vocabulary and encode give them."""
    if min_count < 1:
        raise CorpusError("min_count must be at least 1, got %r" % min_count)
    provisional, ends, first_seen = _read_ids(source, lowercase, progress)
    counts = np.bincount(provisional, minlength=len(first_seen))
    vocab = vocabulary_from_counts(list(first_seen), counts, min_count, max_vocab,
                                   source_name(source))
    new_id = np.full(len(first_seen), -1, dtype=np.int32)
    order = np.fromiter(map(first_seen.__getitem__, vocab.words), dtype=np.int64,
                        count=len(vocab))
    new_id[order] = np.arange(len(vocab), dtype=np.int32)
    return vocab, _remap(provisional, ends, new_id)
