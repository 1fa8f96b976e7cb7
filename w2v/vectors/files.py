"""Word vectors on disk and in queries: saving, loading, neighbours, analogies.

The trainers only save; this module owns the formats (as gensim's
KeyedVectors does). ``run.py`` trains a (2V, d) array ``wordVectors``: the
centre vectors v_w in the first V rows, the outside vectors u_w in the last V
rows, row i of each half belonging to the word with index i. ``save_vectors``
writes, into one folder:

* ``wordVectors.npy`` -- that (2V, d) array as it is;
* ``vocab.txt`` -- the V words in index order, one a line (``word`` or
  ``word<TAB>count``), UTF-8;
* ``vectors.txt`` -- word2vec text format (``V D`` then ``word x1 ... xD``)
  with each word's vector [v_w, u_w], centre and outside concatenated (D = 2d).

``load(path, vector)`` reads such a folder or any word2vec text or binary
file (gensim's, word2vec C's, fastText's ``.vec``) into a ``WordVectors``:
``words`` (file order), ``matrix`` (V, D) and ``counts``. ``vector`` picks v
(centre), u (outside), sum (v + u) or concat ([v, u]); a word2vec file holds
one matrix only. The queries rank words by cosine similarity.
"""

import argparse
import os

import numpy as np

from w2v.infra import checkpoint
from w2v.infra.fileio import atomic_write, write_npy
from w2v.vectors import word2vec_format as w2vformat
from w2v.vectors.keyed import KeyedVectors, UnknownWordError  # noqa: F401 (re-exported)

# The writers and VectorsError are part of this module's interface (train.py uses them).
from w2v.vectors.word2vec_format import (  # noqa: F401
    VectorsError,
    read_word2vec,
    save_vocab,
    save_word2vec_binary,
    save_word2vec_text,
)

VECTORS_NPY = "wordVectors.npy"
VOCAB_TXT = "vocab.txt"
VECTORS_TXT = "vectors.txt"
VECTORS_BIN = "vectors.bin"
CHECKPOINTS = "checkpoints"  # train.py's checkpoint folder, inside its output folder

# v: centre vectors, u: outside vectors, sum: v + u, concat: [v, u] (2d numbers).
VECTOR_CHOICES = ("v", "u", "sum", "concat")
VECTOR_NAMES = {"v": "v_w (centre vectors)", "u": "u_w (outside vectors)",
                "sum": "v_w + u_w", "concat": "[v_w, u_w]"}

RUN_FIRST_HINT = ("run `python run.py` first (it saves them), or pass the folder it saved"
                  " them in with --vectors DIR")


# ---- the loaded vectors --------------------------------------------------------

class WordVectors(KeyedVectors):
    """One vector per word, as ``load`` returns them: a KeyedVectors (gensim's names)
    that also knows where it came from, under the names the scripts use.

    words -- list of the V words (file order): ``index_to_key``
    matrix -- (V, D) float array, row i the vector of words[i]: ``vectors``
    counts -- (V,) int array of corpus counts, or None when the source has none
    index -- dict word -> row: ``key_to_index``
    source -- the path read; vector -- which vector (v, u, sum, concat)
    """

    def __init__(self, words, matrix, counts=None, source=None, vector=None):
        super().__init__(words, matrix, counts)
        self.source = source
        self.vector = vector

    words = property(lambda self: self.index_to_key)
    matrix = property(lambda self: self.vectors)
    index = property(lambda self: self.key_to_index)
    unit = property(lambda self: self.get_normed_vectors(),
                    doc="(V, D): the rows scaled to unit length (zero rows stay zero)")

    def row(self, word):
        """The row of ``word``; UnknownWordError if it has none."""
        if not isinstance(word, str) or word not in self.key_to_index:
            raise UnknownWordError(word, len(self))
        return self.key_to_index[word]

    def neighbours(self, word, k=10):
        """As ``nearest_neighbours``: [(word, cosine)], most similar first, the word
        itself left out."""
        return self.most_similar(positive=[self.row(word)], topn=k)

    def analogy(self, a, b, c, k=10):
        """As ``analogy``: the k words nearest to b - a + c (unit vectors)."""
        a, b, c = (self.row(w) for w in (a, b, c))
        return self.most_similar(positive=[b, c], negative=[a], topn=k)


def load(path, vector="v", binary=None, limit=None, dtype=np.float64):
    """Read word vectors: returns a WordVectors (words, matrix (V, D), counts).

    path -- a folder saved by run.py (wordVectors.npy + vocab.txt; either
            file's path stands for the folder) or by a trainer that writes
            vectors.bin / vectors.txt (with vocab.txt for the counts), or a
            word2vec text or binary file
    vector -- "v" (centre), "u" (outside), "sum" (v + u) or "concat" ([v, u]);
              None: what the source's word2vec export holds: [v, u] for run.py's
              folder, v for train.py's and for a word2vec file.
              A word2vec file holds one matrix, so only "v" (or None) fits it.
    binary -- for a file: True / False forces the format; None detects it
    limit -- read only the first ``limit`` words (files list frequent words first)
    dtype -- the matrix's float type (float32 halves the memory of big files)
    Raises VectorsError (missing, malformed or non-finite data: names the
    file, the line or the word) or ValueError (an unknown ``vector``).
    """
    if vector is not None and vector not in VECTOR_CHOICES:
        raise ValueError("vector must be one of %s, got %r" % (", ".join(VECTOR_CHOICES), vector))
    if limit is not None and limit < 1:
        raise ValueError("limit must be at least 1, got %r" % (limit,))
    path = os.fspath(path)
    if os.path.basename(path) in (VECTORS_NPY, VOCAB_TXT) and os.path.isfile(path):
        path = os.path.dirname(os.path.abspath(path))  # a file of run.py's pair: its folder
    if os.path.isdir(path):
        return _load_folder(path, vector, limit, dtype)
    if not os.path.exists(path):
        raise VectorsError("%s does not exist; %s." % (path, RUN_FIRST_HINT))
    return _one_matrix(read_word2vec(path, binary=binary, limit=limit, dtype=dtype),
                       path, vector)


def add_arguments(parser, default=".", limit=True):
    """Add --vectors PATH, --vector v|u|sum|concat and --limit N, as every script reads
    them, to an argparse parser; pass them on as ``load(args.vectors,
    vector=args.vector, limit=args.limit)``.

    default -- --vectors' default (None makes the option required)
    limit -- add --limit (a command with its own --limit says False)
    """
    parser.add_argument("--vectors", default=default, required=default is None,
                        metavar="PATH",
                        help="the vectors: a folder saved by run.py (wordVectors.npy and"
                             " vocab.txt) or train.py, or a word2vec text or binary file"
                             " (gensim's, word2vec C's, fastText's .vec)"
                             + ("" if default is None else " (default: %(default)s)"))
    parser.add_argument("--vector", choices=VECTOR_CHOICES, default=None,
                        help="which vector of a word: v (centre), u (outside), sum (v + u)"
                             " or concat ([v, u]); a word2vec file has only v (default: what"
                             " the source's vectors.txt holds: [v, u] for run.py, as the"
                             " assignment does; v for train.py and word2vec files)")
    if limit:
        parser.add_argument("--limit", type=_positive, default=None, metavar="N",
                            help="read only the first N words (the files list the most"
                                 " frequent first): a 3M-word file opens in a second with"
                                 " --limit 200000 (default: all)")


def _positive(text):
    if int(text) < 1:
        raise argparse.ArgumentTypeError("N must be at least 1, got %d" % int(text))
    return int(text)


def _one_matrix(read, path, vector, counts=None):
    """A WordVectors of a word2vec file's (words, matrix); only v (or None) exists there."""
    words, matrix = read
    if vector not in (None, "v"):
        raise VectorsError("%s is a word2vec file: it holds one vector per word, not the"
                           " centre and outside vectors apart, so --vector %s is not"
                           " available (use v, or a run.py folder for u, sum and concat)"
                           % (path, vector))
    return WordVectors(words, matrix, counts, source=path, vector="v")


def _load_folder(folder, vector, limit, dtype):
    npy_path = os.path.join(folder, VECTORS_NPY)
    if os.path.exists(npy_path):
        wordVectors, words, counts = _read_run_folder(folder)
        V, n = len(words), len(words) if limit is None else min(limit, len(words))
        vector = _exported_vector(folder, wordVectors.shape[1]) if vector is None else vector
        if vector != "v":
            _refuse_huffman_rows(folder, wordVectors, vector)
        v, u = wordVectors[:n], wordVectors[V:V + n]
        matrix = {"v": lambda: v, "u": lambda: u, "sum": lambda: v + u,
                  "concat": lambda: np.concatenate((v, u), axis=1)}[vector]()
        return WordVectors(words[:n], matrix.astype(dtype, copy=False),
                           None if counts is None else counts[:n], source=folder, vector=vector)
    for name, binary in ((VECTORS_BIN, True), (VECTORS_TXT, False)):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            words, matrix = read_word2vec(path, binary=binary, limit=limit, dtype=dtype)
            counts = _folder_counts(folder, words, path)
            return _one_matrix((words, matrix), path, vector, counts)
    raise VectorsError("no word vectors in %s: neither %s (with %s) nor %s or %s found; %s."
                       % (folder, VECTORS_NPY, VOCAB_TXT, VECTORS_BIN, VECTORS_TXT,
                          RUN_FIRST_HINT))


def _exported_vector(folder, d):
    """The vector a folder's own word2vec export holds: "v" when its dimension is d
    (train.py exports v_w, as gensim does), else "concat" (run.py's [v_w, u_w])."""
    for name in (VECTORS_BIN, VECTORS_TXT):
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            with open(path, "rb") as f:
                header = w2vformat.parse_header(f.readline(100))
            if header is not None and header[1] == d:
                return "v"
    return "concat"


def _trained_loss(folder):
    """The --loss train.py recorded in the folder's newest readable checkpoint, or None."""
    directory = os.path.join(folder, CHECKPOINTS)
    for iteration in checkpoint.list_iterations(directory):
        try:
            run = checkpoint.read_state(directory, iteration)["run"]
        except (ValueError, OSError):
            continue  # unreadable: an older one may tell
        return run.get("loss") if isinstance(run, dict) else None
    return None


def _refuse_huffman_rows(folder, wordVectors, vector):
    """VectorsError when the outside half of wordVectors holds hierarchical softmax's
    Huffman inner nodes, not u_w: train.py's folder after --loss hs (its checkpoints
    say so; without them, its zero last row does: V - 1 inner nodes and a zero row)."""
    loss = _trained_loss(folder)
    if loss == "hs":
        reason = "its checkpoints record --loss hs"
    elif (loss is None and _exported_vector(folder, wordVectors.shape[1]) == "v"
          and not np.any(wordVectors[-1])):
        reason = "the last row is zero, as train.py leaves it after --loss hs"
    else:
        return
    raise VectorsError("%s: --vector %s needs the outside vectors u_w, but these vectors were"
                       " trained with hierarchical softmax (%s): the rows of %s after the V"
                       " word vectors are the Huffman tree's V - 1 inner nodes, not u_w. Use"
                       " --vector v, or train with --loss neg or softmax to get u_w"
                       % (folder, vector, reason, VECTORS_NPY))


def _folder_counts(folder, words, vectors_path):
    """The counts of vocab.txt beside a vectors file, if it has them, checked against it."""
    vocab_path = os.path.join(folder, VOCAB_TXT)
    if not os.path.exists(vocab_path):
        return None
    listed, counts = w2vformat.read_vocab(vocab_path)
    if listed[:len(words)] != words:
        raise VectorsError("%s and %s list different words: they are not from the same run"
                           % (vocab_path, vectors_path))
    return None if counts is None else counts[:len(words)]


# ---- run.py's folder -----------------------------------------------------------

def word_vectors(wordVectors):
    """The (V, 2d) matrix [v_w, u_w] of a (2V, d) array of centre over outside vectors."""
    wordVectors = np.asarray(wordVectors)
    if wordVectors.ndim != 2 or wordVectors.shape[0] % 2:
        raise ValueError("wordVectors must be a (2V, d) array, centre vectors over outside"
                         " vectors; got shape %s" % (wordVectors.shape,))
    V = wordVectors.shape[0] // 2
    return np.concatenate((wordVectors[:V], wordVectors[V:]), axis=1)


def words_in_order(tokens):
    """The words of ``tokens`` (dict word -> index) as a list in index order.

    Raises ValueError unless the indices are exactly 0 .. V-1.
    """
    words = [None] * len(tokens)
    for word, index in tokens.items():
        if not (isinstance(index, (int, np.integer)) and 0 <= index < len(tokens)):
            raise ValueError("tokens[%r] = %r: the indices must be 0..%d"
                             % (word, index, len(tokens) - 1))
        if words[index] is not None:
            raise ValueError("tokens gives index %d to both %r and %r"
                             % (index, words[index], word))
        words[index] = word
    return words


def save_vectors(outdir, wordVectors, tokens, start=None):
    """Write wordVectors.npy, vocab.txt and vectors.txt into ``outdir``.

    outdir -- the folder (created if needed)
    wordVectors -- (2V, d): centre vectors v_w (rows 0..V-1) over outside
                   vectors u_w (rows V..2V-1)
    tokens -- dict word -> index 0..V-1

    ``vectors.txt`` gives each word the vector [v_w, u_w] (centre and outside
    concatenated, D = 2d), written with full float64 precision. A word holding
    whitespace cannot be written in that format (or one per line in vocab.txt),
    so it raises ValueError; the corpus, split on whitespace, has none. Each
    file is written atomically. Returns the paths (npy, vocab, vectors).
    start -- given, ``vectors.txt`` (the slow one) is written by ``start(job)``
    (run.py: ``w2v.infra.background.Jobs.start``, beside its figures); else at once.
    """
    wordVectors = np.asarray(wordVectors, dtype=float)
    words = words_in_order(tokens)
    V = len(words)
    if wordVectors.ndim != 2 or wordVectors.shape[0] != 2 * V:
        raise ValueError("wordVectors must have shape (2V, d) = (%d, d) for the %d words"
                         " of tokens; got %s" % (2 * V, V, wordVectors.shape))
    w2vformat.check_words(words)
    if not np.all(np.isfinite(wordVectors)):
        raise ValueError("wordVectors holds NaN or infinite values; not saving them")

    os.makedirs(outdir, exist_ok=True)
    npy_path = os.path.join(outdir, VECTORS_NPY)
    vocab_path = os.path.join(outdir, VOCAB_TXT)
    text_path = os.path.join(outdir, VECTORS_TXT)
    atomic_write(npy_path, lambda f: write_npy(f, [wordVectors]))
    save_vocab(vocab_path, words)
    matrix = word_vectors(wordVectors)

    def write_text():
        save_word2vec_text(text_path, words, matrix)

    if start is None:
        write_text()
    else:
        start(write_text)
    return npy_path, vocab_path, text_path


def _read_run_folder(directory):
    """wordVectors (2V, d), words and counts (or None) of a run.py folder, checked."""
    npy_path = os.path.join(directory, VECTORS_NPY)
    vocab_path = os.path.join(directory, VOCAB_TXT)
    missing = [p for p in (npy_path, vocab_path) if not os.path.isfile(p)]
    if missing:
        raise VectorsError("no saved word vectors in %s: %s not found; %s."
                           % (directory, " and ".join(missing), RUN_FIRST_HINT))
    try:
        wordVectors = w2vformat.read_npy(npy_path)
    except (ValueError, OSError, EOFError) as err:
        raise VectorsError("%s is not a readable .npy array (%s); %s."
                           % (npy_path, err, RUN_FIRST_HINT)) from None
    if (wordVectors.ndim != 2 or wordVectors.shape[0] % 2 or wordVectors.shape[0] == 0
            or not np.issubdtype(wordVectors.dtype, np.floating)):
        raise VectorsError("%s holds a %s array of shape %s; expected floats (2V, d), centre"
                           " vectors over outside vectors"
                           % (npy_path, wordVectors.dtype, wordVectors.shape))
    words, counts = w2vformat.read_vocab(vocab_path, unique=True)
    V = wordVectors.shape[0] // 2
    if len(words) != V:
        raise VectorsError("%s lists %d words but %s has %d rows, i.e. %d words (2V rows):"
                           " the two files are not from the same run"
                           % (vocab_path, len(words), npy_path, wordVectors.shape[0], V))
    bad = np.flatnonzero(~np.all(np.isfinite(wordVectors), axis=1))
    if bad.size:
        i = int(bad[0])
        raise VectorsError("%s: the %s vector of %r (row %d) holds NaN or infinite values;"
                           " these vectors cannot be used (retrain them)"
                           % (npy_path, "centre" if i < V else "outside", words[i % V], i))
    return wordVectors, words, counts


def load_vectors(directory):
    """Read what ``save_vectors`` wrote: returns (wordVectors (2V, d), words, tokens).

    words is the list of the V words in index order, tokens the dict
    word -> index. Raises VectorsError naming the files that are missing or
    do not agree (vocab.txt must list V distinct words for 2V rows).
    """
    wordVectors, words, _ = _read_run_folder(directory)
    return wordVectors, words, {w: i for i, w in enumerate(words)}


# ---- queries -------------------------------------------------------------------

def _checked(vectors, words):
    """A WordVectors of (V, D) ``vectors`` and V ``words``; ValueError for a non-finite row."""
    wv = WordVectors(words, np.asarray(vectors, dtype=float))
    bad = np.flatnonzero(~np.all(np.isfinite(wv.matrix), axis=1))
    if bad.size:
        raise ValueError("the vector of %r holds NaN or infinite values" % (wv.words[bad[0]],))
    return wv


def nearest_neighbours(vectors, words, word, k=10):
    """The k words nearest to ``word`` by cosine similarity, the word itself left out.

    vectors -- (V, D), row i the vector of words[i]
    words -- list of the V words
    Returns a list of (word, similarity), most similar first (empty for a
    one-word vocabulary). An unknown word raises UnknownWordError (a KeyError).
    """
    return _checked(vectors, words).neighbours(word, k)


def analogy(vectors, words, a, b, c, k=10):
    """Answers to "a is to b as c is to ?": the k words nearest to b - a + c.

    The three are unit vectors first (the usual 3CosAdd, what gensim's
    ``most_similar(positive=[b, c], negative=[a])`` computes); candidates are
    ranked by cosine similarity with that sum, a, b and c left out. E.g.
    ``analogy(vectors, words, "man", "king", "woman")`` hopes for "queen".
    Returns a list of (word, similarity); unknown words raise UnknownWordError.
    """
    return _checked(vectors, words).analogy(a, b, c, k)
