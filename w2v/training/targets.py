"""What a pair trains toward: the subsampled centre words, negatives, Huffman paths.

``subsample`` keeps each corpus word w with probability keep[w] (word2vec
C's formula, corpus.keep_probabilities). ``fill_targets`` gives a pair's output
rows and their signs s_k: [o, w_1..w_K] and [+1, -1, ..., -1] for negative
sampling (the K negatives drawn NEG_AHEAD pairs ahead, so that their rows can be
prefetched meanwhile), o's Huffman path and +-1 per branch for hierarchical
softmax. ``fill_ring`` draws a job's first NEG_AHEAD pairs' negatives.
"""

from numba import njit

from w2v.training.kernel_args import HS, MAX_REDRAWS, NEG
from w2v.training.rng import JIT, draw_word, rand_unit


@njit(**JIT)
def subsample(ids, keep, out, state):
    """Copy into ``out`` the words of ``ids`` kept with probability keep[w].

    Returns (new state, number kept). A word with keep[w] >= 1 costs no draw.
    """
    n = 0
    for w in ids:
        if keep[w] < 1.0:
            state, u = rand_unit(state)
            if u >= keep[w]:
                continue
        out[n] = w
        n += 1
    return state, n


@njit(inline="always", **JIT)
def fill_targets(loss_kind, o, K, state, accept, alias, codes, points, lengths, rows,
                 signs, ring, turn):
    """Rows and signs of target o's output step; returns (state, number of rows).

    Negative sampling takes the K negatives drawn NEG_AHEAD pairs ago from
    the alias table (accept, alias), row ``turn`` of ``ring`` (NEG_AHEAD, K),
    each redrawn while it equals o (as word2vec.getNegativeSamples does, at
    most MAX_REDRAWS times: then the number of rows returned is -1),
    and draws the K of a later pair in their place (the caller prefetches their
    rows: it knows which copy of a row its job uses).
    Hierarchical softmax copies o's path (codes, points, lengths: HuffmanTree's).
    """
    if loss_kind == NEG:
        rows[0] = o
        signs[0] = 1.0
        for k in range(1, K + 1):
            w = ring[turn, k - 1]
            redraws = 0
            while w == o:
                if redraws == MAX_REDRAWS:
                    return state, -1
                state, w = draw_word(state, accept, alias)
                redraws += 1
            rows[k] = w
            signs[k] = -1.0
            state, ring[turn, k - 1] = draw_word(state, accept, alias)
        return state, K + 1
    if loss_kind == HS:
        n = lengths[o]
        for j in range(n):
            rows[j] = points[o, j]
            signs[j] = 1.0 - 2.0 * codes[o, j]
        return state, n
    return state, 0


@njit(inline="always", **JIT)
def fill_ring(ring, state, accept, alias):
    """Draw every negative of ``ring`` (a job's first NEG_AHEAD pairs'); returns the state."""
    for t in range(ring.shape[0]):
        for k in range(ring.shape[1]):
            state, ring[t, k] = draw_word(state, accept, alias)
    return state
