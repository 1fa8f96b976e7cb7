"""KeyedVectors: for now the loaders' WordVectors under gensim's attribute names."""

from w2v.vectors.files import UnknownWordError, WordVectors  # noqa: F401 (re-exported)


class KeyedVectors(WordVectors):
    index_to_key = property(lambda self: self.words)
    vectors = property(lambda self: self.matrix)
    key_to_index = property(lambda self: self.index)
