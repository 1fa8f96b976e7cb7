"""Any text as word2vec's training data: streamed words, a vocabulary, int32 ids.

A corpus is plain UTF-8 text, one sentence or document per line, words
separated by whitespace (``str.split()``, U+3000 and the other Unicode spaces
included); gzip, bzip2 and xz files are read directly (known by their first
bytes, whatever their name), and ``-`` is standard input. A line may be huge
(text8 is one line of 17 million words): files are read in blocks of 1 MiB
(training/textfile.py), never a whole line at once, and each line is cut into
pieces of at most ``MAX_PIECE`` = 10,000 words, as gensim's
``LineSentence`` does (windows never cross a piece). A corpus may also be an
iterable of token lists (a list, read twice), e.g. the treebank's sentences.

API (for the trainer):

* ``build_vocabulary(source, min_count=5, max_vocab=None, lowercase=False)``
  -> ``Vocabulary``: ``.words`` (list, by count descending, ties in order of
  first appearance), ``.counts`` (int64), ``.index`` (dict word -> id),
  ``len(vocab)``, ``.total`` (sum of ``counts``), ``.raw_words`` (every word
  read, the dropped rare ones included). Memory: the distinct words only.
* ``encode(source, vocab, lowercase=False)`` -> ``EncodedCorpus``: ``.ids``
  (int32, the in-vocabulary words in corpus order), ``.starts`` (int64, CSR:
  piece i is ``ids[starts[i]:starts[i + 1]]``, 1..10,000 ids, emptied pieces
  left out), ``.raw_words`` (words read). Memory: the vocabulary, a block, the ids.
* ``keep_probabilities(counts, sample)`` -> float64 (V,): word2vec's
  subsampling; ``negative_cum_table(counts, ns_exponent=0.75)`` -> uint32
  (V,): gensim's cumulative table for drawing negatives.

Errors (bad bytes, empty corpus, a vocabulary that min_count empties) raise
``CorpusError`` saying where and what to change.
"""

import itertools
import os
from collections import Counter

import numpy as np

from w2v.training.textfile import CorpusError, display_name, text_blocks

MAX_PIECE = 10000            # words per piece, as gensim's LineSentence / Text8Corpus


# ---- reading ------------------------------------------------------------

def _file_pieces(path, lowercase, progress, start=0, stop=None):
    """Pieces (lists of at most MAX_PIECE words) of every line of a text file
    (of its bytes [start, stop), ``start`` a line's first byte: text_blocks)."""
    piece = []
    for text in text_blocks(path, progress, start, stop):
        if lowercase:
            text = text.lower()
        segments = text.split("\n")
        for i, segment in enumerate(segments):
            piece.extend(segment.split())
            while len(piece) >= MAX_PIECE:
                yield piece[:MAX_PIECE]
                del piece[:MAX_PIECE]
            if i < len(segments) - 1 and piece:   # a line ends here
                yield piece
                piece = []
    if piece:
        yield piece


def _list_pieces(sentences, lowercase):
    """Pieces of an iterable of token lists (each cut at MAX_PIECE words)."""
    if iter(sentences) is sentences:
        raise CorpusError("the corpus is a one-shot iterator; pass a list of token lists"
                          " or a file path (it is read twice: vocabulary, then encoding)")
    for number, sentence in enumerate(sentences):
        if isinstance(sentence, (str, bytes)):
            raise CorpusError("sentence %d is a string, expected a list of words"
                              " (split it first: text.split())" % number)
        words = [w.lower() for w in sentence] if lowercase else list(sentence)
        for start in range(0, len(words), MAX_PIECE):
            yield words[start:start + MAX_PIECE]


def iter_pieces(source, lowercase=False, progress=None):
    """The corpus as pieces: lists of at most MAX_PIECE words, line by line.

    source -- a path (str or os.PathLike; gzip, bzip2, xz decompressed), a list
              of paths (read one after the other) or a re-iterable of token lists
    progress -- optional ``progress(bytes_done, bytes_total)`` called per
              block (file sources only, per file; compressed bytes when compressed)
    """
    if _is_path(source):
        return _file_pieces(os.fspath(source), lowercase, progress)
    if _is_path_list(source):
        return itertools.chain.from_iterable(
            _file_pieces(os.fspath(path), lowercase, progress) for path in source)
    return _list_pieces(source, lowercase)


def span_pieces(spans, lowercase=False, progress=None):
    """iter_pieces of the spans [(path, start, stop)] of plain files, one after the other."""
    return itertools.chain.from_iterable(
        _file_pieces(path, lowercase, progress, start, stop) for path, start, stop in spans)


def _is_path(source):
    return isinstance(source, (str, os.PathLike))


def _is_path_list(source):
    return isinstance(source, (list, tuple)) and bool(source) and all(map(_is_path, source))


def source_name(source):
    if _is_path(source):
        return display_name(os.fspath(source))
    if _is_path_list(source):
        return ", ".join(display_name(os.fspath(p)) for p in source)
    return "the corpus"


# ---- vocabulary ---------------------------------------------------------

class Vocabulary:
    """The kept words, most frequent first.

    words -- list of the V words, by count descending, ties in order of first
             appearance (as word2vec C's stable sort; gensim 4 puts ties in
             reverse order of first appearance)
    counts -- int64 (V,), each word's count in the corpus
    index -- dict word -> id (its position in ``words``)
    raw_words -- words read in the corpus, the dropped ones included
    """

    def __init__(self, words, counts, raw_words):
        self.words = list(words)
        self.counts = np.asarray(counts, dtype=np.int64)
        self.index = {w: i for i, w in enumerate(self.words)}
        self.raw_words = int(raw_words)
        self.pruned = 0     # distinct words dropped while counting (max_vocab_size)

    def __len__(self):
        return len(self.words)

    @property
    def total(self):
        """Sum of the kept words' counts (word2vec's train_words)."""
        return int(self.counts.sum())


def build_vocabulary(source, min_count=5, max_vocab=None, lowercase=False, progress=None,
                     max_vocab_size=None):
    """Count the words of ``source`` and keep those seen at least ``min_count`` times.

    max_vocab -- if given, keep only that many of the most frequent words
    max_vocab_size -- prune the table whenever it holds more words, as gensim's scan:
                      words seen < r times dropped, r = 1, 2, 3... (their counts lost)
    Returns a Vocabulary (``pruned``: words dropped); CorpusError if no word is kept.
    """
    if min_count < 1:
        raise CorpusError("min_count must be at least 1, got %r" % min_count)
    if max_vocab is not None and max_vocab < 1:
        raise CorpusError("max_vocab must be at least 1 (or None), got %r" % max_vocab)
    counter = Counter()                 # a dict: keeps first-appearance order
    raw_words, min_reduce, pruned = 0, 1, 0
    for piece in iter_pieces(source, lowercase, progress):
        counter.update(piece)
        raw_words += len(piece)
        if max_vocab_size is not None and len(counter) > max_vocab_size:
            rare = [w for w, c in counter.items() if c < min_reduce]
            for word in rare:
                del counter[word]
            pruned, min_reduce = pruned + len(rare), min_reduce + 1
    vocab = vocabulary_from_counts(list(counter), list(counter.values()), min_count,
                                   max_vocab, source_name(source))
    vocab.raw_words, vocab.pruned = raw_words, pruned
    return vocab


def vocabulary_from_counts(words, counts, min_count, max_vocab, name):
    """The Vocabulary of ``words`` (in order of first appearance) seen ``counts`` times:
    those seen at least min_count times, by count descending (ties in order of first
    appearance), the first max_vocab of them. CorpusError names ``name`` when none is."""
    raw_words = int(np.sum(counts, dtype=np.int64))
    if raw_words == 0:
        raise CorpusError("%s holds no words: expected text, one sentence or document"
                          " per line" % name)
    counts = np.asarray(counts, dtype=np.int64)
    keep = np.flatnonzero(counts >= min_count)
    if not len(keep):
        top = int(counts.max())
        raise CorpusError("no word of %s occurs min_count=%d times (%d distinct words; the"
                          " most frequent occurs %d times): lower min_count (--min-count)"
                          " to %d or less" % (name, min_count, len(counts), top, top))
    # A stable sort, so equal counts keep their order of first appearance.
    keep = keep[np.argsort(-counts[keep], kind="stable")][:max_vocab]
    return Vocabulary([words[i] for i in keep], counts[keep], raw_words)


# ---- encoding -----------------------------------------------------------

class EncodedCorpus:
    """The corpus as word ids: ``ids`` int32, ``starts`` int64 (see the module doc).
    ``fingerprint``: its identity for checkpoints when the reader computed it, else None."""

    fingerprint = None

    def __init__(self, ids, starts, raw_words):
        self.ids = ids
        self.starts = starts
        self.raw_words = int(raw_words)

    def __len__(self):
        return len(self.ids)

    @property
    def n_pieces(self):
        return len(self.starts) - 1

    def piece(self, i):
        """The ids of piece i (a view)."""
        return self.ids[self.starts[i]:self.starts[i + 1]]


class _Growing:
    """An array appended to in blocks, its capacity doubled when full."""

    def __init__(self, dtype, capacity):
        self.data = np.empty(max(int(capacity), 16), dtype=dtype)
        self.size = 0

    def extend(self, values):
        end = self.size + len(values)
        if end > len(self.data):
            # In place where the allocator can: no second copy of the corpus.
            self.data.resize(max(end, 2 * len(self.data)), refcheck=False)
        self.data[self.size:end] = values
        self.size = end

    def finish(self):
        self.data.resize(self.size, refcheck=False)
        return self.data


def encode(source, vocab, lowercase=False, progress=None):
    """The corpus as an EncodedCorpus of the ids of ``vocab``'s words.

    Words not in ``vocab`` are dropped (as word2vec does), so windows span
    them. Raises CorpusError if no word of the corpus is in the vocabulary.
    """
    lookup = vocab.index.get
    ids = _Growing(np.int32, vocab.total)         # exact when vocab came from source
    starts = _Growing(np.int64, 1024)
    starts.extend([0])
    raw_words = 0
    for piece in iter_pieces(source, lowercase, progress):
        raw_words += len(piece)
        coded = np.fromiter(map(lookup, piece, itertools.repeat(-1, len(piece))),
                            dtype=np.int32, count=len(piece))
        coded = coded[coded >= 0]
        if len(coded):
            ids.extend(coded)
            starts.extend([ids.size])
    if ids.size == 0:
        raise CorpusError("no word of %s is in the vocabulary (%d words read, %d in the"
                          " vocabulary)" % (source_name(source), raw_words, len(vocab)))
    return EncodedCorpus(ids.finish(), starts.finish(), raw_words)


# ---- sampling tables ----------------------------------------------------

def keep_probabilities(counts, sample):
    """Probability of keeping each occurrence of a word under subsampling, float64 (V,).

    word2vec C's and gensim's formula: with f the word's count and
    t = sample * sum(counts), p = (sqrt(f / t) + 1) * t / f, capped at 1, so
    words with f <= t (3 + sqrt 5) / 2 (about 2.6 t) are always kept.
    sample = 0 keeps everything. gensim stores p as the integer
    uint32(p * (2**32 - 1)) and keeps a word if a random uint32 is below it.
    """
    if not 0 <= sample < 1:
        raise CorpusError("sample must be in [0, 1) (e.g. 1e-3, or 0 for no subsampling),"
                          " got %r" % sample)
    counts = np.asarray(counts, dtype=np.float64)
    if sample == 0:
        return np.ones(len(counts))
    threshold = sample * counts.sum()
    return np.minimum((np.sqrt(counts / threshold) + 1.0) * (threshold / counts), 1.0)


NEGATIVE_DOMAIN = 2 ** 31 - 1   # gensim's cum_table scale


def negative_cum_table(counts, ns_exponent=0.75, domain=NEGATIVE_DOMAIN):
    """gensim's cumulative table for negative sampling, uint32 (V,).

    Word w is drawn with probability counts[w]**ns_exponent / sum: draw an
    integer r uniform in [0, table[-1]) and take ``np.searchsorted(table, r)``,
    the first w with table[w] >= r (gensim's ``bisect_left``). table[-1] = domain.
    """
    powered = np.asarray(counts, dtype=np.float64) ** float(ns_exponent)
    cumulative = np.cumsum(powered)        # sequential sums, as gensim's loop
    return np.round(cumulative / cumulative[-1] * domain).astype(np.uint32)
