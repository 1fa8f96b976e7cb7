"""The Huffman tree of hierarchical softmax, built once from the word counts.

Hierarchical softmax replaces the softmax over V words by a walk down a binary
tree: each of the V - 1 inner nodes n has a vector u_n, and word w's
probability is the product, along its path, of sigma(+u_n^T v_c) where the
path goes to branch 0 and sigma(-u_n^T v_c) where it goes to branch 1
(``word2vec.hierarchicalSoftmaxLossAndGradient``). A Huffman tree gives
frequent words short paths, so a pair costs O(log V) on average.

The tree is gensim's (``_build_heap``): a heap of the nodes ordered by count
alone, the two smallest merged into inner node a = 0, 1, ..., V - 2 (the root
is V - 2), the first taken getting bit 0 and the second bit 1. Where counts
tie, which equal node comes out first is decided by the heap's layout and the
order the leaves go in; ``huffman_heap.heap_merge`` repeats CPython's heapq step
for step, and ``build_huffman`` puts the leaves in gensim 4's order, so a corpus
gets the tree gensim gives it (tests/test_huffman.py).

word2vec C (``CreateBinaryTree``) merges with two queues instead and takes equal
leaves in vocabulary order (for equal counts, the order the words were first
seen). Every such tree is optimal (the same sum of count x code length), but
they train differently: on wiki106 x10 (skip-gram + hs, one epoch, 2 workers)
ours gave SimLex 0.140 and 0.145 on word2vec C's tree (seeds 1 and 2), 0.149 and
0.153 on it with the equal leaves shuffled, and 0.186, 0.165 and 0.181 on
gensim's (seeds 1 to 3); gensim 0.186, 0.193 and 0.185 (docs/speed.md). Why the
heap's order trains better is not known.
"""

import numpy as np

from w2v.training import compiled


class HuffmanTree:
    """Every word's path from the root, as padded arrays (numba-friendly).

    codes -- uint8 (V, L): codes[w, j] is the branch (0 or 1) taken at the
             j-th node of w's path, root first; 0 past the path's end
    points -- int32 (V, L): points[w, j] is that node's index in 0..V-2 (the
              row of the inner-node vectors); -1 past the path's end
    lengths -- int32 (V,): the path lengths (code lengths)
    L is the longest path (0 for a one-word vocabulary).
    """

    def __init__(self, codes, points, lengths):
        self.codes = codes
        self.points = points
        self.lengths = lengths

    def __len__(self):
        return len(self.lengths)

    def path(self, w):
        """(codes, points) of word w's path, root first: uint8 (n,), int32 (n,)."""
        n = self.lengths[w]
        return self.codes[w, :n], self.points[w, :n]


def build_huffman(counts):
    """The Huffman tree of a vocabulary with these counts (int (V,), V >= 1).

    The leaves enter the heap by count descending, equal counts from the last
    row up: gensim 4's vocabulary order when the rows are in order of first
    appearance (ours, word2vec C's), so a corpus gets gensim's tree.
    O(V log V) to sort and to merge, then O(V L) to write the paths.
    Returns a HuffmanTree whose rows follow ``counts``' order.
    """
    counts = np.asarray(counts)
    if counts.ndim != 1 or len(counts) == 0:
        raise ValueError("counts must be a non-empty 1-D array of word counts; got shape %s"
                         % (counts.shape,))
    if np.any(counts < 0):
        raise ValueError("word counts must be >= 0; word %d has %s"
                         % (int(np.argmin(counts)), counts.min().item()))
    V = len(counts)
    order = np.lexsort((-np.arange(V), -counts))     # sorted leaf i is word order[i]
    parent, bit, depth = compiled.huffman_merge(counts[order])
    lengths = depth[:V]
    L = int(lengths.max())
    codes = np.zeros((V, L), dtype=np.uint8)
    points = np.full((V, L), -1, dtype=np.int32)
    # Walk all leaves up together, writing each path from its end to the root.
    rows = np.arange(V)
    node, pos = rows.copy(), lengths - 1
    for _ in range(L):
        live = pos >= 0
        r, n, p = rows[live], node[live], pos[live]
        codes[r, p] = bit[n]
        points[r, p] = parent[n] - V
        node[live] = parent[n]
        pos[live] -= 1
    tree_codes = np.empty_like(codes)
    tree_points = np.empty_like(points)
    tree_codes[order], tree_points[order] = codes, points
    return HuffmanTree(tree_codes, tree_points, lengths[np.argsort(order)].astype(np.int32))
