"""The TensorFlow Embedding Projector's files (https://projector.tensorflow.org, "Load").

* ``vectors.tsv`` -- one line per word: its d numbers, tab-separated, no header;
* ``metadata.tsv`` -- the words in the same order. One column (the word) has
  no header; with counts the file is a table, ``word<TAB>count``, under the
  header line ``word<TAB>count``, as the projector reads multi-column metadata.
"""

import os

import numpy as np

from w2v.infra.fileio import atomic_write
from w2v.vectors.word2vec_format import check_words

VECTORS_TSV = "vectors.tsv"
METADATA_TSV = "metadata.tsv"
ROWS_AT_ONCE = 1024  # rows turned into text at a time


def save_projector(directory, words, vectors, counts=None):
    """Write vectors.tsv and metadata.tsv into ``directory`` (created if needed), atomically.

    words -- the n words; vectors -- (n, d), row i the vector of words[i];
    counts -- (n,) corpus counts, or None. float32 values are written with 9
    digits (exact), float64 ones in full. Returns the two paths.
    """
    words = list(words)
    vectors = np.asarray(vectors)
    if vectors.ndim != 2 or vectors.shape[0] != len(words):
        raise ValueError("vectors must be (n, d) with one row per word: %d words, got shape %s"
                         % (len(words), vectors.shape))
    check_words(words)  # a tab or a newline in a word would break the tables
    number = "%.9g" if vectors.dtype == np.float32 else "%r"

    def write_vectors(f):
        for start in range(0, len(words), ROWS_AT_ONCE):
            block = vectors[start:start + ROWS_AT_ONCE].tolist()
            f.write("".join("\t".join(number % x for x in row) + "\n"
                            for row in block).encode("utf-8"))

    if counts is None:
        metadata = "".join(w + "\n" for w in words)
    else:
        metadata = "word\tcount\n" + "".join("%s\t%d\n" % (w, int(c))
                                             for w, c in zip(words, counts))
    os.makedirs(directory, exist_ok=True)
    paths = [os.path.join(directory, name) for name in (VECTORS_TSV, METADATA_TSV)]
    atomic_write(paths[0], write_vectors)
    atomic_write(paths[1], lambda f: f.write(metadata.encode("utf-8")))
    return paths
