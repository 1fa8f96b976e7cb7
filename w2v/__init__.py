"""w2v: a small, readable word2vec (skip-gram and CBOW; negative sampling,
hierarchical softmax, full softmax) in NumPy and numba, with gensim's query API.

    import w2v
    model = w2v.train("text.txt", dim=100, epochs=5)
    model.wv.most_similar(positive=["king", "woman"], negative=["man"])
    model.save("run1"); model = w2v.load("run1")
    kv = w2v.KeyedVectors.load_word2vec_format("vectors.bin", binary=True)

The command line is ``python -m w2v {train,evaluate,explore,...} --help``.
"""

from w2v.model import ModelError, Word2Vec, load, train
from w2v.training.corpus import CorpusError
from w2v.training.options import OptionError, Options
from w2v.vectors.keyed import KeyedVectors, UnknownWordError
from w2v.vectors.word2vec_format import VectorsError

__version__ = "0.1.0"


# Loaded when first used: they bring numba's compiler, which querying vectors never needs.
_LAZY = {"EpochStats": "w2v.training.pipeline", "find_phrases": "w2v.training.phrases",
         "apply_phrases": "w2v.training.phrases", "PhrasesError": "w2v.training.phrases"}


def __getattr__(name):
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError("module 'w2v' has no attribute %r" % name)


def load_vectors(path, **kwargs):
    """Word vectors from a run's folder or any word2vec text or binary file (a KeyedVectors)."""
    from w2v.vectors.files import load as load_any
    return load_any(path, **kwargs)


__all__ = ["train", "load", "load_vectors", "Word2Vec", "KeyedVectors", "Options",
           "EpochStats", "find_phrases", "apply_phrases", "OptionError", "CorpusError",
           "ModelError", "PhrasesError", "UnknownWordError", "VectorsError"]
