"""w2v/training/huffman.py: the Huffman tree of hierarchical softmax (gensim's)."""

import heapq
from itertools import combinations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import REAL_WIKI as WIKI
from tests.conftest import needs_real_wiki
from w2v.training.huffman import build_huffman


count_lists = st.lists(st.integers(0, 50), min_size=2, max_size=60)


def code_strings(tree):
    return ["".join(map(str, tree.path(w)[0])) for w in range(len(tree))]


def optimal_cost(counts):
    """The least sum of count * code length (the sum of the merged weights)."""
    heap = [int(c) for c in counts]
    heapq.heapify(heap)
    cost = 0
    while len(heap) > 1:
        merged = heapq.heappop(heap) + heapq.heappop(heap)
        cost += merged
        heapq.heappush(heap, merged)
    return cost


@given(count_lists)
@settings(max_examples=150, deadline=None)
def test_prefix_code_kraft_and_optimal(counts):
    tree = build_huffman(counts)
    codes = code_strings(tree)
    for a, b in combinations(codes, 2):
        assert not a.startswith(b) and not b.startswith(a)
    # A full binary tree: the Kraft sum is exactly 1.
    assert sum(2.0 ** -len(c) for c in codes) == 1.0
    assert int(np.dot(counts, tree.lengths)) == optimal_cost(counts)


@given(count_lists)
@settings(max_examples=150, deadline=None)
def test_frequent_words_get_codes_no_longer(counts):
    tree = build_huffman(counts)
    counts = np.array(counts)
    for a in range(len(counts)):
        more_frequent = counts > counts[a]
        assert np.all(tree.lengths[more_frequent] <= tree.lengths[a])


@given(count_lists)
@settings(max_examples=100, deadline=None)
def test_points_name_the_inner_nodes(counts):
    """Root V-2 first; one node per code prefix; all V-1 inner nodes on some path."""
    tree = build_huffman(counts)
    V = len(counts)
    node_of_prefix = {}
    for w in range(V):
        code, points = tree.path(w)
        assert points[0] == V - 2
        assert np.all((points >= 0) & (points <= V - 2))
        for j, p in enumerate(points):
            prefix = tuple(code[:j])
            assert node_of_prefix.setdefault(prefix, int(p)) == p
        # Past the path: padding that cannot be mistaken for a node.
        assert np.all(tree.points[w, len(points):] == -1)
        assert np.all(tree.codes[w, len(points):] == 0)
    assert sorted(node_of_prefix.values()) == list(range(V - 1))


def test_array_types_fit_compiled_code():
    tree = build_huffman([5, 4, 3, 2, 1])
    assert tree.codes.dtype == np.uint8 and tree.points.dtype == np.int32
    assert tree.lengths.dtype == np.int32
    for a in (tree.codes, tree.points, tree.lengths):
        assert a.flags.c_contiguous
    assert tree.codes.shape == tree.points.shape == (5, tree.lengths.max())


def test_small_vocabularies():
    one = build_huffman([7])
    assert one.lengths.tolist() == [0] and one.codes.shape == (1, 0)
    two = build_huffman([3, 9])
    # word2vec C: the first node taken (the rarer) gets 0, the second 1.
    assert two.path(0)[0].tolist() == [0] and two.path(1)[0].tolist() == [1]
    assert two.points[:, 0].tolist() == [0, 0]


def test_rows_follow_the_counts_order():
    counts = np.array([13, 200, 7, 55, 1, 90, 31])
    tree = build_huffman(counts)
    perm = np.random.default_rng(0).permutation(len(counts))
    permuted = build_huffman(counts[perm])
    assert np.array_equal(permuted.codes, tree.codes[perm])
    assert np.array_equal(permuted.points, tree.points[perm])


def test_bad_counts():
    with pytest.raises(ValueError, match="non-empty"):
        build_huffman([])
    with pytest.raises(ValueError, match="word 1 has -2"):
        build_huffman([3, -2])


# ---- against gensim ----------------------------------------------------------

def gensim_paths(counts):
    """gensim's codes and points for a vocabulary whose rows are in order of first
    appearance (ours): gensim 4 sorts it by count, equal counts last-seen first, and
    builds its tree on that order. Returned in the rows' order."""
    pytest.importorskip("gensim")
    from gensim.models.keyedvectors import KeyedVectors
    from gensim.models.word2vec import _assign_binary_codes
    theirs = np.lexsort((-np.arange(len(counts)), -np.asarray(counts)))
    kv = KeyedVectors(2)
    kv.add_vectors(["w%d" % i for i in theirs], np.zeros((len(counts), 2)))
    kv.allocate_vecattrs(attrs=["count"], types=[np.int64])
    for i, row in enumerate(theirs):
        kv.set_vecattr(i, "count", int(counts[row]))
    _assign_binary_codes(kv)
    return [(list(kv.get_vecattr("w%d" % row, "code")), list(kv.get_vecattr("w%d" % row, "point")))
            for row in range(len(counts))]


def assert_paths(tree, paths):
    """Every row w of ``tree`` has the (codes, points) paths[w]."""
    assert len(paths) == len(tree)
    for w, (code, points) in enumerate(paths):
        assert tree.path(w)[0].tolist() == code, w
        assert tree.path(w)[1].tolist() == points, w


@pytest.mark.parametrize("seed", range(4))
def test_same_as_gensim_without_ties(seed):
    """With no equal weights anywhere, the Huffman tree is unique: gensim's and ours agree."""
    rng = np.random.default_rng(seed)
    counts = np.sort(rng.choice(10 ** 9, size=150, replace=False))[::-1]
    tree = build_huffman(counts)
    assert_paths(tree, gensim_paths(counts))


@pytest.mark.parametrize("seed", range(4))
def test_same_as_gensim_with_ties(seed):
    """Equal counts everywhere: gensim's heap decides which equal node comes first, and
    so does ours, step for step."""
    counts = np.sort(np.random.default_rng(seed).integers(1, 20, size=400))[::-1]
    tree = build_huffman(counts)
    assert_paths(tree, gensim_paths(counts))


def test_equal_leaves_are_not_paired_as_vocabulary_neighbours():
    """word2vec C's two queues pair equal leaves as neighbours in the vocabulary (63 with
    62, 61 with 60, ...); gensim's heap, and so ours, takes them in its own order."""
    tree = build_huffman(np.full(64, 5))
    last_node = [tree.path(w)[1][-1] for w in range(64)]
    neighbours = sum(last_node[w] == last_node[w + 1] for w in range(0, 64, 2))
    assert neighbours < 32
    assert int(np.dot(np.full(64, 5), tree.lengths)) == optimal_cost([5] * 64)


@needs_real_wiki
def test_real_corpus_gets_gensims_tree():
    """wiki106: every word's path equals the one gensim's Word2Vec gives it."""
    pytest.importorskip("gensim")
    from gensim.models import Word2Vec
    from w2v.training.corpus import build_vocabulary
    vocab = build_vocabulary(WIKI, min_count=5)
    tree = build_huffman(vocab.counts)
    assert int(np.dot(vocab.counts, tree.lengths)) == optimal_cost(vocab.counts)
    assert tree.lengths[0] <= 5 and tree.lengths.max() >= 15
    model = Word2Vec(vector_size=2, min_count=5, hs=1, negative=0)
    model.build_vocab(corpus_file=str(WIKI))
    assert len(model.wv) == len(vocab.words)
    assert_paths(tree, [(list(model.wv.get_vecattr(word, "code")),
                         list(model.wv.get_vecattr(word, "point"))) for word in vocab.words])
