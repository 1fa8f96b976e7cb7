"""The batched engine's hot loops, in numba's Python (built by engines/compiled.py).

Importing this module needs numba; ``python run.py`` does not import it once
the kernels are built: engines/compiled.py loads the built extension instead.
Every kernel here is the compiled twin of a NumPy definition: the loss and
gradient of ``word2vec.neg_sampling_core`` summed as ``skipgram`` sums them,
the update of ``sgd.apply_update``, and the sampling steps of
``engines.batched`` (which keeps every random draw in NumPy, so the draws
are NumPy's own). tests/test_batched.py proves each equal to its definition.

``EXPORTS`` lists the kernels with their argument types, for the build.
"""

import math

import numpy as np
from numba import njit


@njit(nogil=True, cache=True)
def pair_terms(score, is_outside):
    """One target's term of the negative-sampling loss, and its derivative.

    score -- u^T v_c for a target u (u_o, or a negative u_{w_k})
    is_outside -- True for u_o (label y = 1), False for a negative (y = 0)

    With z = score for u_o and -score for a negative (the handout's
    U_{o,{w}} signs), the term is -log sigma(z) = softplus(-z) = m + log(q),
    returned as m = max(-z, 0) and q = 1 + e^-|z| (in [1, 2], so the K + 1
    terms of a pair need one log, of the product of their q), and
    dJ/dscore = sigma(score) - y. Nothing overflows, for any finite score.
    """
    z = score if is_outside else -score
    e = math.exp(-abs(z))
    sig_minus_z = (e if z >= 0 else 1.0) / (1.0 + e)  # sigma(-z) = 1 - sigma(z)
    return max(-z, 0.0), 1.0 + e, (-sig_minus_z if is_outside else sig_minus_z)


@njit(nogil=True, cache=True)
def distinct_rows(V, centers, targets, a, b, slot_of_row):
    """The distinct rows of pairs a..b-1 (centres c, then targets V + w), in order of
    first use; slot_of_row[r] is set to r's position among them."""
    rows = np.empty((b - a) * (targets.shape[1] + 1), np.int64)
    n = 0
    for p in range(a, b):
        r = centers[p]
        if slot_of_row[r] < 0:
            slot_of_row[r] = n
            rows[n] = r
            n += 1
    for p in range(a, b):
        for k in range(targets.shape[1]):
            r = V + targets[p, k]
            if slot_of_row[r] < 0:
                slot_of_row[r] = n
                rows[n] = r
                n += 1
    return rows[:n]


def batch_loss_grad(x, V, centers, targets, a, b, slot_of_row, batch):
    """Loss and gradient of pairs a..b-1, as ``BatchedSkipgram`` defines them.

    x -- (2V, d) parameters: v_w in rows 0..V-1, u_w in rows V..2V-1
    centers -- (P,) centre word c of every pair; targets -- (P, K + 1): o, then
        the K negatives (word ids; u_w is row V + w)
    slot_of_row -- (2V,) int32 scratch, all -1 on entry; left all -1
    batch -- the number of windows the loss and gradient are averaged over

    Returns (loss, rows (n,), grad (n, d) float64): the loss summed over the
    pairs / batch, and the gradient on the n distinct rows touched (centres,
    then targets, in order of first use), each row's terms summed in pair
    order as ``skipgram`` sums them, then times 1 / batch. Arithmetic in
    float64 whatever x's type. Per pair: the K + 1 scores, then their loss
    terms and dJ/dscore, then the gradients (independent work that the CPU
    overlaps).
    """
    T = targets.shape[1]
    d = x.shape[1]
    rows = distinct_rows(V, centers, targets, a, b, slot_of_row)
    grad = np.zeros((rows.shape[0], d))
    v_c = np.empty(d)
    g_c = np.empty(d)
    dscores = np.empty(T)
    loss = 0.0
    for p in range(a, b):
        c = centers[p]
        for j in range(d):
            v_c[j] = x[c, j]
            g_c[j] = 0.0
        q_product = 1.0
        for k in range(T):
            r = V + targets[p, k]
            even = 0.0  # two partial sums: half the dependency chain of u^T v_c
            odd = 0.0
            for j in range(0, d - 1, 2):
                even += x[r, j] * v_c[j]
                odd += x[r, j + 1] * v_c[j + 1]
            if d % 2:
                even += x[r, d - 1] * v_c[d - 1]
            m, q, dscores[k] = pair_terms(even + odd, k == 0)
            loss += m
            q_product *= q
        loss += math.log(q_product)
        for k in range(T):
            r = V + targets[p, k]
            s = slot_of_row[r]  # 2-D indexing below: a row view would cost a refcount
            for j in range(d):
                g_c[j] += dscores[k] * x[r, j]  # dJ/dv_c = sum_k dscore_k u_k
                grad[s, j] += dscores[k] * v_c[j]  # dJ/du_k = dscore_k v_c
        s = slot_of_row[c]
        for j in range(d):
            grad[s, j] += g_c[j]
    scale = 1.0 / batch
    for i in range(rows.shape[0]):
        slot_of_row[rows[i]] = -1
        for j in range(d):
            grad[i, j] *= scale
    return loss / batch, rows, grad


def sgd_rows(x, rows, grad, step):
    """x[rows] -= step * grad, row by row (rows distinct): ``sgd.apply_update``'s arithmetic."""
    d = x.shape[1]
    for i in range(rows.shape[0]):
        r = rows[i]
        for j in range(d):
            x[r, j] = x[r, j] - step * grad[i, j]


def subsample_copy(ids, reject, lengths, draws, kept):
    """One copy of the corpus, subsampled as ``allSentences`` defines it.

    ids -- (N,) the corpus's words, sentence after sentence; lengths -- (S,)
    reject -- (N,) each word's reject probability; draws -- (N,) its uniform draw
    kept -- (N,) int32 buffer for the words kept
    A word is kept unless reject > 0 and draw < reject; a sentence left with
    fewer than 2 words is dropped. Returns (words kept n, their sentences' lengths).
    """
    kept_lengths = np.empty(lengths.shape[0], np.int32)
    n = 0
    m = 0
    i = 0
    for s in range(lengths.shape[0]):
        start = n
        for _ in range(lengths[s]):
            if reject[i] <= 0 or draws[i] >= reject[i]:
                kept[n] = ids[i]
                n += 1
            i += 1
        if n - start > 1:
            kept_lengths[m] = n - start
            m += 1
        else:
            n = start
    return n, kept_lengths[:m].copy()


def window_contexts(ids, starts, lengths, sizes, todo, sent, pos, centers, context, valid):
    """Fill windows ``todo`` from their drawn sentence and position; return those left empty.

    ids, starts, lengths -- the subsampled corpus (SubsampledCorpus)
    sizes -- (n,) each window's size C1; sent, pos -- the draws for ``todo``
    centers (n,), context (n, 2C), valid (n, 2C) -- written for the windows in
    todo: the centre word, the words at offsets -C..-1, 1..C (clipped to the
    sentence), and whether each is in the window and differs from the centre.
    """
    C = context.shape[1] // 2
    again = np.empty(todo.shape[0], np.int64)
    m = 0
    for i in range(todo.shape[0]):
        w = todo[i]
        s = sent[i]
        length = lengths[s]
        centre = ids[starts[s] + pos[i]]
        centers[w] = centre
        any_ok = False
        for slot in range(2 * C):
            offset = slot - C if slot < C else slot - C + 1
            where = pos[i] + offset
            word = ids[starts[s] + min(max(where, 0), length - 1)]
            ok = (abs(offset) <= sizes[w] and 0 <= where < length and word != centre)
            context[w, slot] = word
            valid[w, slot] = ok
            any_ok = any_ok or ok
        if not any_ok:
            again[m] = w
            m += 1
    return again[:m]


def window_pairs(centers, context, valid):
    """The (centre, outside) pairs of the windows, window by window: (centres, windows,
    outsides), each (P,) int32."""
    P = 0
    for w in range(valid.shape[0]):
        for slot in range(valid.shape[1]):
            P += valid[w, slot]
    pair_centers = np.empty(P, np.int32)
    windows = np.empty(P, np.int32)
    outsides = np.empty(P, np.int32)
    p = 0
    for w in range(valid.shape[0]):
        for slot in range(valid.shape[1]):
            if valid[w, slot]:
                pair_centers[p] = centers[w]
                windows[p] = w
                outsides[p] = context[w, slot]
                p += 1
    return pair_centers, windows, outsides


def place_negatives(table, draws, positions, targets):
    """Lay negatives out: targets[p, 1 + k] = table[draws[i]], the i-th position to fill
    being p * K + k = positions[i] (or i itself when ``positions`` is empty: a
    chunk's first draws, all positions in order). Returns the positions whose
    negative equals the pair's outside word targets[p, 0], in order: the ones
    NumPy's boolean indexing would redraw next.
    """
    K = targets.shape[1] - 1
    every = positions.shape[0] == 0
    clash = np.empty(draws.shape[0], np.int64)
    m = 0
    p = 0
    k = 0
    for i in range(draws.shape[0]):
        if not every:
            p = positions[i] // K
            k = positions[i] - p * K
        word = table[draws[i]]
        targets[p, 1 + k] = word
        if word == targets[p, 0]:
            clash[m] = p * K + k
            m += 1
        if every:  # the next position, without a division
            k += 1
            if k == K:
                k = 0
                p += 1
    return clash[:m]


def _signatures():
    """(name, function, numba signature) of every exported kernel."""
    out = []
    for tag, real in (("f8", "f8"), ("f4", "f4")):
        out.append(("batch_loss_grad_" + tag, batch_loss_grad,
                    "Tuple((f8, i8[::1], f8[:, ::1]))(%s[:, ::1], i8, i4[::1], i4[:, ::1],"
                    " i8, i8, i4[::1], f8)" % real))
        out.append(("sgd_rows_" + tag, sgd_rows,
                    "void(%s[:, ::1], i8[::1], f8[:, ::1], f8)" % real))
    out.append(("subsample_copy", subsample_copy,
                "Tuple((i8, i4[::1]))(i4[::1], f8[::1], i8[::1], f8[::1], i4[::1])"))
    out.append(("window_contexts", window_contexts,
                "i8[::1](i4[::1], i4[::1], i4[::1], i8[::1], i8[::1], i8[::1], i8[::1],"
                " i4[::1], i4[:, ::1], b1[:, ::1])"))
    out.append(("window_pairs", window_pairs,
                "Tuple((i4[::1], i4[::1], i4[::1]))(i4[::1], i4[:, ::1], b1[:, ::1])"))
    out.append(("place_negatives", place_negatives,
                "i8[::1](i4[::1], i4[::1], i8[::1], i4[:, ::1])"))
    return out


EXPORTS = _signatures()
