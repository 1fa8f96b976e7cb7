"""gensim's Huffman merge, compiled: a heap of nodes ordered by count alone.

gensim builds its tree with heapq over items that compare by count only, so
which of two equal nodes comes out first is decided by the heap's layout.
``heap_merge`` repeats CPython's heapq (heapify, heappop, heappush; its
_siftup and _siftdown) step for step on node numbers, so it returns gensim's
tree for leaves given in gensim's order (w2v.training.huffman). O(V log V).
Built ahead of time with the training kernels (kernels.EXPORTS), so a training
run does not load numba.
"""

import numpy as np
from numba import njit

from w2v.training.kernel_args import JIT


@njit(inline="always", **JIT)
def _sift_down(heap, count, start, pos):
    """heapq's _siftdown: node heap[pos] moves up while strictly smaller than its parent."""
    node = heap[pos]
    while pos > start:
        up = (pos - 1) >> 1
        if not count[node] < count[heap[up]]:
            break
        heap[pos] = heap[up]
        pos = up
    heap[pos] = node


@njit(inline="always", **JIT)
def _sift_up(heap, count, n, pos):
    """heapq's _siftup on heap[:n]: the smaller child (the right one on a tie) moves
    up, down to a leaf, then heap[pos]'s old node is sifted down from there."""
    start, node, child = pos, heap[pos], 2 * pos + 1
    while child < n:
        if child + 1 < n and not count[heap[child]] < count[heap[child + 1]]:
            child += 1
        heap[pos] = heap[child]
        pos, child = child, 2 * child + 1
    heap[pos] = node
    _sift_down(heap, count, start, pos)


@njit(**JIT)
def heap_merge(sorted_counts):
    """The Huffman tree of the leaves 0..V-1 with counts int64 (V,), V >= 1.

    Leaves are nodes 0..V-1, inner node a is V + a (the root is 2V - 2); each
    merge pops the two smallest, the first getting bit 0 and the second bit 1.
    Returns (parent int64 (2V - 1,), bit uint8 (2V - 1,), depth int64 (2V - 1,)):
    each node's parent, the branch leading to it and its depth (the root's
    parent and bit are unused, its depth 0).
    """
    V = sorted_counts.shape[0]
    count = np.zeros(2 * V - 1, dtype=np.int64)
    count[:V] = sorted_counts
    parent = np.zeros(2 * V - 1, dtype=np.int64)
    bit = np.zeros(2 * V - 1, dtype=np.uint8)
    heap, n = np.arange(V), V
    for pos in range(V // 2 - 1, -1, -1):          # heapify
        _sift_up(heap, count, n, pos)
    for a in range(V - 1):
        for side in range(2):                       # heappop, twice
            top, n = heap[0], n - 1
            heap[0] = heap[n]
            _sift_up(heap, count, n, 0)
            parent[top], bit[top] = V + a, side
            count[V + a] += count[top]
        heap[n], n = V + a, n + 1                   # heappush
        _sift_down(heap, count, 0, n - 1)
    depth = np.zeros(2 * V - 1, dtype=np.int64)
    for node in range(2 * V - 3, -1, -1):           # parents come after their children
        depth[node] = depth[parent[node]] + 1
    return parent, bit, depth
