"""The Huffman tree of hierarchical softmax, built once from the word counts.

Hierarchical softmax replaces the softmax over V words by a walk down a binary
tree: each of the V - 1 inner nodes n has a vector u_n, and word w's
probability is the product, along its path, of sigma(+u_n^T v_c) where the
path goes to branch 0 and sigma(-u_n^T v_c) where it goes to branch 1
(``word2vec.hierarchicalSoftmaxLossAndGradient``). A Huffman tree gives
frequent words short paths, so a pair costs O(log V) on average.

The tree is word2vec C's (``CreateBinaryTree``): leaves sorted by count,
two queues (leaves from the rarest up, inner nodes in the order they are
made), the two smallest nodes merged into inner node a = 0, 1, ..., V - 2
(the root is V - 2); of the two, the first taken gets bit 0 and the second
bit 1; on equal counts the inner node is taken before the leaf. gensim builds
the same tree with a heap; where counts tie, the heap may take equal nodes in
another order, giving other (equally short) codes.
"""

import numpy as np


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


def _merge(sorted_counts):
    """word2vec C's two-queue Huffman construction over counts sorted descending.

    Returns (parent, bit): for each of the 2V - 1 nodes (leaves 0..V-1 in the
    sorted order, inner nodes V..2V-2), its parent node and the bit of the
    branch leading to it (the root's entries are unused).
    """
    V = len(sorted_counts)
    count = [int(c) for c in sorted_counts] + [0] * (V - 1)
    parent = [0] * (2 * V - 1)
    bit = [0] * (2 * V - 1)
    leaf, inner = V - 1, V          # the next candidate of each queue
    for a in range(V - 1):
        pair = []
        for _ in range(2):
            # The leaf only if strictly smaller (and inner queue not empty).
            if leaf >= 0 and (inner >= V + a or count[leaf] < count[inner]):
                pair.append(leaf)
                leaf -= 1
            else:
                pair.append(inner)
                inner += 1
        count[V + a] = count[pair[0]] + count[pair[1]]
        parent[pair[0]] = parent[pair[1]] = V + a
        bit[pair[1]] = 1
    return np.array(parent, dtype=np.int64), np.array(bit, dtype=np.uint8)


def _depths(parent, V):
    """Depth of every node (root 0): parents have larger indices, so go downwards."""
    depth = np.zeros(2 * V - 1, dtype=np.int64)
    for node in range(2 * V - 3, -1, -1):
        depth[node] = depth[parent[node]] + 1
    return depth


def build_huffman(counts):
    """The Huffman tree of a vocabulary with these counts (int (V,), V >= 1).

    O(V log V) for the sort, then O(V) to merge and O(V L) to write the paths.
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
    order = np.argsort(-counts, kind="stable")       # sorted leaf i is word order[i]
    parent, bit = _merge(counts[order])
    lengths = _depths(parent, V)[:V]
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
