"""Phrase detection: word2phrase / gensim's ``Phrases`` (default scoring), compiled.

Frequent bigrams become one token joined by the delimiter ("new york" ->
"new_york"). A pass counts the words and the adjacent pairs (a, b) within each
sentence (a line, cut at 10,000 words as corpus.py and gensim's LineSentence
cut it) and scores each pair as gensim's ``original_scorer`` (Mikolov et al.)::

    score(a, b) = (count(ab) - min_count) / (count(a) * count(b)) * len_vocab

len_vocab being the number of keys of gensim's vocabulary: the distinct words
and distinct pairs *as strings* (a word and a pair joining to the same string,
"new_york" and "new" "york" in pass 2, share one key and one count, here too).
A pair is a phrase when its score is strictly above ``threshold``. Then each
sentence is scanned left to right: a word and the next that form a phrase are
written joined, both consumed; else the word alone (gensim's
``analyze_sentence``, no connector words). Pass 2 does the same to pass 1's
output (word2phrase run twice; gensim's ``Phrases(bigram[sentences])``).

Streaming: the text is read once, in blocks (corpus.iter_pieces), encoded to
int32 ids and spilled to an unlinked temporary file beside the output (4 bytes
a word, -1 after each sentence) that later steps read in blocks. Counting and
joining are compiled (numba); a pair is the int64 key a << 32 | b in an
open-addressing hash table. Memory: the vocabulary (the words and phrase
tokens: a dict, an int64 count each) and the pair table (16 bytes a slot, 2 to
4 slots a distinct pair), plus bounded buffers (BATCH_WORDS words of text,
BLOCK_IDS ids), whatever the corpus size.

API: ``find_phrases(source, ...) -> {(a, b): score}`` (one pass, gensim's
``export_phrases``); ``apply_phrases(source, out, ...)`` writes the joined text
atomically and returns one such dict per pass. Bad options raise PhrasesError;
unreadable or empty text, corpus.CorpusError.
"""

import collections
import itertools
import os
import tempfile

import numpy as np
from numba import njit

from w2v.infra import kernel_cache
from w2v.infra.fileio import atomic_write
from w2v.training.corpus import CorpusError, iter_pieces, source_name

# A damaged cache file of these kernels is compiled again, with one line saying so.
kernel_cache.guard()

BATCH_WORDS = 1 << 16      # words of text encoded at a time
BLOCK_IDS = 1 << 20        # ids read from the spill file at a time
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)   # Fibonacci hashing's multiplier
_LOW = (1 << 32) - 1


class PhrasesError(ValueError):
    """A bad option of phrase detection; the message names it."""


def check_options(min_count, threshold, passes, delimiter):
    """Raise PhrasesError naming the first bad option."""
    if not min_count > 0:
        raise PhrasesError("min_count must be at least 1, got %r" % (min_count,))
    if not threshold > 0:
        raise PhrasesError("threshold must be positive for word2phrase's scoring, got %r"
                           % (threshold,))
    if int(passes) != passes or passes < 1:
        raise PhrasesError("passes must be a whole number, at least 1, got %r" % (passes,))
    if not isinstance(delimiter, str) or delimiter.split() != [delimiter]:
        raise PhrasesError("delimiter must be a non-empty string without spaces, got %r"
                           % (delimiter,))


@njit(cache=True, inline="always")
def _slot(keys, key, shift):
    """Slot of ``key`` in the table, or the empty one (-1) it would take."""
    mask = len(keys) - 1
    h = np.int64((np.uint64(key) * _GOLDEN) >> np.uint64(shift))
    while keys[h] != key and keys[h] != -1:
        h = (h + 1) & mask
    return h


@njit(cache=True)
def _count_block(block, start, unigrams, keys, counts, shift, used):
    """Add the words and adjacent pairs of ``block`` (int32 ids, -1 ending each
    sentence) from ``start`` on to ``unigrams`` (int64 (V,)) and the table.

    Stops when half the table is used; returns (where it stopped, slots used).
    """
    limit = len(keys) // 2
    prev = block[start - 1] if start > 0 else -1
    for i in range(start, len(block)):
        if used >= limit:
            return i, used
        t = block[i]
        if t < 0:
            prev = -1
            continue
        unigrams[t] += 1
        if prev >= 0:
            key = (np.int64(prev) << 32) | t
            h = _slot(keys, key, shift)
            if keys[h] == -1:
                keys[h] = key
                used += 1
            counts[h] += 1
        prev = t
    return len(block), used


@njit(cache=True)
def _rehash(keys, counts, new_keys, new_counts, shift):
    for i in range(len(keys)):
        if keys[i] >= 0:
            h = _slot(new_keys, keys[i], shift)
            new_keys[h] = keys[i]
            new_counts[h] = counts[i]


@njit(cache=True)
def _join_block(block, keys, tokens, shift, out):
    """Scan each sentence of ``block`` left to right, writing to ``out`` the
    phrase token ``tokens[h]`` for a pair found in ``keys`` (both words
    consumed), else the word. Returns the length written."""
    n, i = 0, 0
    while i < len(block):
        t = block[i]
        if t >= 0 and block[i + 1] >= 0:       # a block ends with -1: i + 1 exists
            h = _slot(keys, (np.int64(t) << 32) | block[i + 1], shift)
            if keys[h] >= 0:
                out[n] = tokens[h]
                n += 1
                i += 2
                continue
        out[n] = t
        n += 1
        i += 1
    return n


@njit(cache=True)
def _spell(block, flat, starts, out):
    """The UTF-8 text of ``block`` in ``out``: word t is flat[starts[t]:starts[t + 1]]
    (its bytes and a space); a sentence's last space becomes a newline."""
    n = 0
    for t in block:
        if t < 0:
            out[n - 1] = 10
            continue
        for j in range(starts[t], starts[t + 1]):
            out[n] = flat[j]
            n += 1
    return n


class _Counts:
    """A hash table of int64 keys a << 32 | b -> int64 values (pair counts, or
    phrase ids), a power-of-2 size, and ``unigrams`` int64 (V,) counts by id."""

    def __init__(self, capacity=16, size=0):
        self.keys = np.full(1 << max(4, int(capacity - 1).bit_length()), -1, np.int64)
        self.values = np.zeros(len(self.keys), dtype=np.int64)
        self.used, self.shift = 0, 64 - (len(self.keys).bit_length() - 1)
        self.unigrams = np.zeros(max(size, 16), dtype=np.int64)

    def reserve(self, more):
        """Grow (rehashing) so ``more`` new keys keep the load under 1/2."""
        if 2 * (self.used + more) >= len(self.keys):
            bigger = _Counts(2 * (self.used + more) + 1)
            _rehash(self.keys, self.values, bigger.keys, bigger.values, bigger.shift)
            self.keys, self.values, self.shift = bigger.keys, bigger.values, bigger.shift

    def items(self):
        """(keys, values) of the used slots."""
        full = self.keys >= 0
        return self.keys[full], self.values[full]

    def add(self, block, size):
        """Count ``block`` (ids < ``size``, -1 after each sentence)."""
        if size > len(self.unigrams):
            more = max(size, 2 * len(self.unigrams)) - len(self.unigrams)
            self.unigrams = np.concatenate([self.unigrams, np.zeros(more, np.int64)])
        done = 0
        while done < len(block):              # the table doubles when half full
            self.reserve(1)
            done, self.used = _count_block(block, done, self.unigrams, self.keys,
                                           self.values, self.shift, self.used)


class _Tokens:
    """The token strings by id (words, then phrase tokens) and their index."""

    def __init__(self):
        # A new word gets the next id inside the dict lookup itself, in C.
        self.index = collections.defaultdict(itertools.count().__next__)
        self.words = []

    def id_of(self, word):
        i = self.index[word]
        if i == len(self.words):
            self.words.append(word)
        return i

    def encode(self, words, lengths):
        """int32 ids of ``words`` with -1 after each sentence of ``lengths`` words."""
        known = len(self.words)
        ids = np.fromiter(map(self.index.__getitem__, words), dtype=np.int32,
                          count=len(words))
        if len(self.index) > known:           # new words: note their spellings
            fresh = np.flatnonzero(ids >= known)
            _, first = np.unique(ids[fresh], return_index=True)    # sorted by id
            self.words.extend(words[j] for j in fresh[first].tolist())
        return np.insert(ids, np.cumsum(lengths), -1)


def _read_text(source, lowercase, tokens, counts, spill, progress):
    """Encode and count the whole text, writing its id blocks to ``spill`` (or not)."""
    words, lengths = [], []
    for piece in itertools.chain(iter_pieces(source, lowercase, progress), [None]):
        if piece is not None:
            words.extend(piece)
            lengths.append(len(piece))
        if words and (piece is None or len(words) >= BATCH_WORDS):
            block = tokens.encode(words, lengths)
            counts.add(block, len(tokens.words))
            if spill is not None:
                spill.write(block.tobytes())
            words, lengths = [], []
    if not tokens.words:
        raise CorpusError("%s holds no words: expected text, one sentence or document"
                          " per line" % source_name(source))


def _spill_blocks(spill, table):
    """The spill file's ids from its start, in blocks ending with a -1, with the
    pairs of ``table`` joined (_join_block)."""
    spill.seek(0)
    carry = np.empty(0, dtype=np.int32)
    while True:
        data = np.frombuffer(spill.read(4 * BLOCK_IDS), dtype=np.int32)
        if not len(data):
            return
        data = np.concatenate([carry, data]) if len(carry) else data
        ends = np.flatnonzero(data < 0)
        cut = int(ends[-1]) + 1 if len(ends) else 0    # after the last -1
        carry, out = data[cut:], np.empty(cut, dtype=np.int32)
        yield out[:_join_block(data[:cut], table.keys, table.values, table.shift, out)]


def _string_groups(tokens, unigrams, keys, delimiter):
    """The vocabulary keys that share a string (gensim keys its counts by string).

    Only a word holding the delimiter can collide: as a word (with a pair that
    joins to it) or inside a pair (with another pair). Returns the groups of
    more than one member, each a list of ("w", id) and ("p", row of ``keys``).
    """
    words = tokens.words
    marked = np.array([delimiter in w for w in words], dtype=bool)
    if not marked.any():
        return []
    groups = {}
    for i in np.flatnonzero(marked & (unigrams[:len(words)] > 0)).tolist():
        groups.setdefault(words[i], []).append(("w", i))
    left, right = keys >> 32, keys & _LOW
    rows = np.flatnonzero(marked[left] | marked[right])
    for row, a, b in zip(rows.tolist(), left[rows].tolist(), right[rows].tolist()):
        groups.setdefault(words[a] + delimiter + words[b], []).append(("p", row))
    # A pair of two plain words may join to a marked word: split the word.
    queries = []
    for word, members in ((w, m) for w, m in groups.items() if m[0][0] == "w"):
        at = [i for i in range(len(word)) if word.startswith(delimiter, i)]
        for a, b in ((word[:i], word[i + len(delimiter):]) for i in at):
            i, j = tokens.index.get(a), tokens.index.get(b)
            if i is not None and j is not None and not marked[i] and not marked[j]:
                queries.append(((i << 32) | j, members))
    wanted = dict(queries)
    for row in np.flatnonzero(np.isin(keys, list(wanted))).tolist() if wanted else ():
        wanted[int(keys[row])].append(("p", row))
    return [m for m in groups.values() if len(m) > 1]


def _merged(tokens, counts, delimiter):
    """(pair keys, word counts, pair counts, len_vocab) as gensim's string-keyed
    vocabulary has them: keys sharing a string share the sum of their counts."""
    keys, pair_counts = counts.items()
    unigrams = counts.unigrams.copy()
    len_vocab = int(np.count_nonzero(unigrams)) + len(keys)
    for members in _string_groups(tokens, unigrams, keys, delimiter):
        total = sum(int((unigrams if kind == "w" else pair_counts)[at])
                    for kind, at in members)
        for kind, at in members:
            (unigrams if kind == "w" else pair_counts)[at] = total
        len_vocab -= len(members) - 1
    return keys, unigrams, pair_counts, len_vocab


def _score(tokens, counts, min_count, threshold, delimiter):
    """(keys int64, scores float64) of the pairs scored above ``threshold``."""
    keys, unigrams, pair_counts, len_vocab = _merged(tokens, counts, delimiter)
    denom = unigrams[keys >> 32] * unigrams[keys & _LOW]
    # gensim's order of operations, so the floats are the same.
    scores = (pair_counts - min_count) / denom.astype(np.float64) * len_vocab
    chosen = scores > threshold
    return keys[chosen], scores[chosen]


def _as_dict(tokens, keys, scores):
    words = tokens.words
    return {(words[k >> 32], words[k & _LOW]): float(s)
            for k, s in zip(keys.tolist(), scores.tolist())}


def _phrase_table(tokens, keys, delimiter):
    """The chosen pairs -> the ids of their joined tokens (a string seen as a
    word already keeps that word's id, as gensim's strings would)."""
    table = _Counts(2 * len(keys) + 1)
    words = tokens.words
    joined = [tokens.id_of(words[k >> 32] + delimiter + words[k & _LOW])
              for k in keys.tolist()]
    _rehash(keys, np.array(joined, dtype=np.int64), table.keys, table.values, table.shift)
    table.used = len(keys)
    return table


def _write_text(blocks, words, f):
    """Write id blocks as UTF-8 text: words separated by spaces, a line per sentence."""
    spelled = [w.encode("utf-8") for w in words]
    starts = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum([len(b) + 1 for b in spelled], out=starts[1:])    # each with its space
    flat = np.frombuffer(b" ".join(spelled) + b" ", dtype=np.uint8)
    for block in blocks:
        out = np.empty(int((starts[block + 1] - starts[block])[block >= 0].sum()), np.uint8)
        f.write(out[:_spell(block, flat, starts, out)].tobytes())


def find_phrases(source, min_count=5, threshold=100.0, delimiter="_", lowercase=False):
    """The bigrams of ``source`` that word2phrase's scoring puts above ``threshold``.

    source -- a text file (.gz, .bz2 too), a list of them, or a list of token lists
    Returns {(a, b): score} (one pass; gensim's ``export_phrases`` with the pairs
    as tuples). Memory: the vocabulary and the pair table (see the module doc).
    """
    check_options(min_count, threshold, 1, delimiter)
    tokens, counts = _Tokens(), _Counts()
    _read_text(source, lowercase, tokens, counts, None, None)
    keys, scores = _score(tokens, counts, min_count, threshold, delimiter)
    return _as_dict(tokens, keys, scores)


def apply_phrases(source, out, min_count=5, threshold=100.0, passes=2, delimiter="_",
                  lowercase=False, progress=None, say=None):
    """Join the phrases of ``source`` and write the text to ``out``, ``passes`` times over.

    source -- as find_phrases; out -- the text file written (atomically), a
    sentence a line (a line of over 10,000 words as lines of at most 10,000)
    progress -- optional ``progress(bytes_done, bytes_total)`` while reading
    say -- optional ``say(line)`` told each pass's counts
    Returns one {(a, b): score} per pass, the phrases joined in that pass.
    The temporary ids file goes beside ``out`` (4 bytes a word).
    """
    check_options(min_count, threshold, passes, delimiter)
    out = os.fspath(out)
    folder = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(folder):
        raise PhrasesError("cannot write %s: the folder %s does not exist" % (out, folder))
    if os.path.isdir(out):
        raise PhrasesError("cannot write %s: it is a folder; give a file name" % out)
    tokens, counts, found = _Tokens(), _Counts(), []
    spill = tempfile.TemporaryFile(dir=folder, prefix=".tmp_phrases_")
    try:
        _read_text(source, lowercase, tokens, counts, spill, progress)
        for number in range(1, int(passes) + 1):
            keys, scores = _score(tokens, counts, min_count, threshold, delimiter)
            found.append(_as_dict(tokens, keys, scores))
            if say is not None:
                say("pass %d: %d words, %d distinct pairs; %d phrases score above %g"
                    % (number, counts.unigrams.sum(), counts.used, len(keys), threshold))
            table = _phrase_table(tokens, keys, delimiter)
            if number == passes:
                atomic_write(out, lambda f: _write_text(_spill_blocks(spill, table),
                                                        tokens.words, f))
            else:
                spill, counts = _next_pass(spill, table, tokens, folder)
    finally:
        spill.close()
    return found


def _next_pass(spill, table, tokens, folder):
    """(new spill file, its counts): the old one's text with the phrases joined."""
    joined = tempfile.TemporaryFile(dir=folder, prefix=".tmp_phrases_")  # unlinked now
    counts = _Counts(size=len(tokens.words))
    for block in _spill_blocks(spill, table):
        counts.add(block, len(tokens.words))
        joined.write(block.tobytes())
    spill.close()
    return joined, counts
