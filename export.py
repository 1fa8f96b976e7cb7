"""Save, load and query trained word vectors.

``run.py`` trains a (2V, d) array ``wordVectors``: the centre vectors v_w in
the first V rows, the outside vectors u_w in the last V rows, row i of each
half belonging to the word with index i in ``tokens`` (dict word -> index).
``save_vectors`` writes, into one folder:

* ``wordVectors.npy`` -- that (2V, d) array as it is;
* ``vocab.txt`` -- the V words, one per line, in index order (UTF-8);
* ``vectors.txt`` -- word2vec text format (``V D`` then ``word x1 ... xD``),
  readable by ``gensim.models.KeyedVectors.load_word2vec_format``; each
  word's vector there is [v_w, u_w], centre and outside concatenated (D = 2d).

The queries (``nearest_neighbours``, ``analogy``) take such a (V, D) matrix of
one vector per word, and rank by cosine similarity.
"""

import os

import numpy as np

from utils.fileio import atomic_write
from utils.utils import normalizeRows

VECTORS_NPY = "wordVectors.npy"
VOCAB_TXT = "vocab.txt"
VECTORS_TXT = "vectors.txt"

RUN_FIRST_HINT = "run `python run.py` first (it saves them), or pass the folder it saved them in"


class VectorsError(ValueError):
    """Saved vectors are missing or inconsistent; the message says which file and why."""


class UnknownWordError(KeyError):
    """A query word is not in the vocabulary."""

    def __init__(self, word, vocabulary_size):
        super().__init__(word)
        self.word = word
        self.message = "%r is not in the vocabulary (%d words)" % (word, vocabulary_size)

    def __str__(self):
        # KeyError's own __str__ would show the repr of the message, quotes and all.
        return self.message


# ---- saving and loading ------------------------------------------------------

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


def save_vectors(outdir, wordVectors, tokens):
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
    """
    wordVectors = np.asarray(wordVectors, dtype=float)
    words = words_in_order(tokens)
    V = len(words)
    if wordVectors.ndim != 2 or wordVectors.shape[0] != 2 * V:
        raise ValueError("wordVectors must have shape (2V, d) = (%d, d) for the %d words"
                         " of tokens; got %s" % (2 * V, V, wordVectors.shape))
    for word in words:
        if not isinstance(word, str) or not word or word.split() != [word]:
            raise ValueError("the word %r cannot be saved: a word must be a non-empty string"
                             " without whitespace (the vectors.txt format and vocab.txt"
                             " separate words with spaces and newlines)" % (word,))
    if not np.all(np.isfinite(wordVectors)):
        raise ValueError("wordVectors holds NaN or infinite values; not saving them")

    os.makedirs(outdir, exist_ok=True)
    npy_path = os.path.join(outdir, VECTORS_NPY)
    vocab_path = os.path.join(outdir, VOCAB_TXT)
    text_path = os.path.join(outdir, VECTORS_TXT)

    atomic_write(npy_path, lambda f: np.save(f, wordVectors, allow_pickle=False))
    vocab = "".join(w + "\n" for w in words).encode("utf-8")
    atomic_write(vocab_path, lambda f: f.write(vocab))

    vectors = word_vectors(wordVectors)

    def write_text(f):
        f.write(("%d %d\n" % vectors.shape).encode("utf-8"))
        for word, row in zip(words, vectors.tolist()):
            # repr() is the shortest text that reads back as the same float64.
            f.write((word + " " + " ".join(map(repr, row)) + "\n").encode("utf-8"))

    atomic_write(text_path, write_text)
    return npy_path, vocab_path, text_path


def load_vectors(directory):
    """Read what ``save_vectors`` wrote: returns (wordVectors (2V, d), words, tokens).

    words is the list of the V words in index order, tokens the dict
    word -> index. Raises VectorsError naming the files that are missing or
    do not agree (vocab.txt must list V distinct words for 2V rows).
    """
    npy_path = os.path.join(directory, VECTORS_NPY)
    vocab_path = os.path.join(directory, VOCAB_TXT)
    missing = [p for p in (npy_path, vocab_path) if not os.path.isfile(p)]
    if missing:
        raise VectorsError("no saved word vectors in %s: %s not found; %s."
                           % (directory, " and ".join(missing), RUN_FIRST_HINT))
    try:
        wordVectors = np.load(npy_path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as err:
        raise VectorsError("%s is not a readable .npy array (%s); %s."
                           % (npy_path, err, RUN_FIRST_HINT)) from None
    if wordVectors.ndim != 2 or wordVectors.shape[0] % 2 or wordVectors.shape[0] == 0:
        raise VectorsError("%s holds an array of shape %s; expected (2V, d), centre vectors"
                           " over outside vectors" % (npy_path, wordVectors.shape))
    try:
        with open(vocab_path, encoding="utf-8") as f:
            text = f.read()
    except UnicodeDecodeError as err:
        raise VectorsError("%s is not UTF-8 text (%s)" % (vocab_path, err.reason)) from None
    words = text.split("\n")
    if words and words[-1] == "":
        words.pop()
    V = wordVectors.shape[0] // 2
    if len(words) != V:
        raise VectorsError("%s lists %d words but %s has %d rows, i.e. %d words (2V rows):"
                           " the two files are not from the same run"
                           % (vocab_path, len(words), npy_path, wordVectors.shape[0], V))
    tokens = {}
    for index, word in enumerate(words):
        if word in tokens:
            raise VectorsError("%s:%d: %r is listed twice (first on line %d)"
                               % (vocab_path, index + 1, word, tokens[word] + 1))
        tokens[word] = index
    return wordVectors, words, tokens


# ---- plots -------------------------------------------------------------------

def plot_loss_curve(history, path):
    """Save a PNG of the training loss: ``history`` is a list of (iteration, loss).

    The loss is the moving average SGD prints. Returns ``path``.
    """
    history = list(history)
    if not history:
        raise ValueError("plot_loss_curve: the history is empty, nothing to plot")
    iterations, losses = zip(*history)

    import matplotlib
    matplotlib.use("Agg")  # no screen needed
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.plot(iterations, losses, color="tab:blue")
    ax.set_xlabel("iteration")
    ax.set_ylabel("loss (moving average)")
    ax.set_title("Skip-gram training loss")
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    atomic_write(path, lambda f: fig.savefig(f, format="png"))
    plt.close(fig)
    return path


# ---- queries -----------------------------------------------------------------

def _index_of(words, word):
    """The index of ``word`` in the list ``words``, or UnknownWordError."""
    try:
        return words.index(word)
    except ValueError:
        raise UnknownWordError(word, len(words)) from None


def _check_vectors(vectors, words):
    vectors = np.asarray(vectors, dtype=float)
    if vectors.ndim != 2 or vectors.shape[0] != len(words):
        raise ValueError("vectors must be (V, D) with one row per word: %d words, got shape %s"
                         % (len(words), vectors.shape))
    return vectors


def _top(unit, query, exclude, words, k):
    """The k words whose unit vectors have the largest dot product with ``query``."""
    if k < 1:
        raise ValueError("k must be at least 1, got %r" % (k,))
    norm = np.linalg.norm(query)
    sims = unit @ (query / norm if norm > 0 else query)
    sims[list(exclude)] = -np.inf
    k = min(k, len(words) - len(set(exclude)))
    order = np.argsort(-sims, kind="stable")[:k]
    return [(words[i], float(sims[i])) for i in order]


def nearest_neighbours(vectors, words, word, k=10):
    """The k words nearest to ``word`` by cosine similarity, the word itself left out.

    vectors -- (V, D), row i the vector of words[i]
    words -- list of the V words
    Returns a list of (word, similarity), most similar first. An unknown word
    raises UnknownWordError (a KeyError) saying so.
    """
    words = list(words)
    vectors = _check_vectors(vectors, words)
    i = _index_of(words, word)
    unit = normalizeRows(vectors)
    return _top(unit, unit[i], [i], words, k)


def analogy(vectors, words, a, b, c, k=10):
    """Answers to "a is to b as c is to ?": the k words nearest to b - a + c.

    The three are unit vectors first (the usual 3CosAdd, what gensim's
    ``most_similar(positive=[b, c], negative=[a])`` computes); candidates are
    ranked by cosine similarity with that sum, a, b and c left out. E.g.
    ``analogy(vectors, words, "man", "king", "woman")`` hopes for "queen".
    Returns a list of (word, similarity); unknown words raise UnknownWordError.
    """
    words = list(words)
    vectors = _check_vectors(vectors, words)
    ia, ib, ic = (_index_of(words, w) for w in (a, b, c))
    unit = normalizeRows(vectors)
    return _top(unit, unit[ib] - unit[ia] + unit[ic], [ia, ib, ic], words, k)
