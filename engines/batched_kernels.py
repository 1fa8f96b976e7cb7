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

from w2v.training.prefetch import prefetch_row

# Rows are prefetched this many pairs ahead: enough for a row from main memory
# to arrive in time (d = 300 rows at V = 20k), not so far that the cache drops it.
PREFETCH_AHEAD = 3
# Factors q in [1, 2] multiplied before their log is taken: 2**1000 < 1.8e308,
# the largest float64 (the assignment's K + 1 = 11 take one log per pair).
Q_FACTORS = 1000


@njit(nogil=True, cache=True)
def pair_terms(score, is_outside):
    """One target's term of the negative-sampling loss, and its derivative.

    score -- u^T v_c for a target u (u_o, or a negative u_{w_k})
    is_outside -- True for u_o (label y = 1), False for a negative (y = 0)

    With z = score for u_o and -score for a negative (the handout's
    U_{o,{w}} signs), the term is -log sigma(z) = softplus(-z) = m + log(q),
    returned as m = max(-z, 0) and q = 1 + e^-|z| (in [1, 2], so the K + 1
    terms of a pair need one log per Q_FACTORS of them, of the product of their q), and
    dJ/dscore = sigma(score) - y. Nothing overflows, for any finite score.
    """
    z = score if is_outside else -score
    e = math.exp(-abs(z))
    sig_minus_z = (e if z >= 0 else 1.0) / (1.0 + e)  # sigma(-z) = 1 - sigma(z)
    return max(-z, 0.0), 1.0 + e, (-sig_minus_z if is_outside else sig_minus_z)


def make_accumulate(D=0):
    """``accumulate`` for rows of D columns (0: any); a constant D lets the compiler
    unroll the row loops (the assignment's d = 10 trains about 10% faster)."""
    @njit(nogil=True, cache=True)
    def accumulate(x, V, centers, targets, slots, a, b, grad, work):
        """Loss and gradient of pairs a..b-1, unscaled; returns the loss.

        x -- (2V, d) parameters: v_w in rows 0..V-1, u_w in rows V..2V-1
        centers -- (P,) centre word c of every pair; targets -- (P, K + 1): o,
            then the K negatives (word ids; u_w is row V + w)
        slots -- (P, K + 2) where each target's row, then the centre's, sums its
            gradient in ``grad`` (``assign_slots``)
        grad (>= the slots used, d) float64 -- zero on entry; grad[s] gets the
            gradient on the iteration's row s
        work (3, max(d, K + 1)) float64 -- scratch

        The loss is summed over the pairs, each row's gradient terms in pair
        order, as ``skipgram`` sums them, in float64 whatever x's type. Per
        pair, in three passes the CPU can overlap: the K + 1 scores, their
        loss terms and dJ/dscore, then the gradients; meanwhile the rows of
        the pair PREFETCH_AHEAD later are fetched.
        """
        T = targets.shape[1]
        d = x.shape[1] if D == 0 else D
        v_c, g_c, dscore = work[0], work[1], work[2]  # g_c: dJ/dv_c
        loss = 0.0
        for p in range(a, b):
            ahead = p + PREFETCH_AHEAD
            if ahead < targets.shape[0]:  # a later pair's rows: likely cache misses
                prefetch_row(x, centers[ahead])
                for k in range(T):
                    prefetch_row(x, V + targets[ahead, k])
            c = centers[p]
            for j in range(d):
                v_c[j] = x[c, j]
                g_c[j] = 0.0
            for k in range(T):
                dscore[k] = score(x, V + targets[p, k], v_c, d)
            q_product = 1.0
            for k in range(T):
                m, q, dscore[k] = pair_terms(dscore[k], k == 0)
                loss += m
                q_product *= q
                if k % Q_FACTORS == Q_FACTORS - 1 and k < T - 1:
                    loss += math.log(q_product)  # before 2**1024 overflows (K >= 1023)
                    q_product = 1.0
            loss += math.log(q_product)
            for k in range(T):
                r = V + targets[p, k]
                s = slots[p, k]
                ds = dscore[k]  # a local: else it is read again after every store to grad
                for j in range(d):
                    g_c[j] += ds * x[r, j]  # dJ/dv_c = sum_k dscore_k u_k
                    grad[s, j] += ds * v_c[j]  # dJ/du_k = dscore_k v_c
            s = slots[p, T]
            for j in range(d):
                grad[s, j] += g_c[j]
        return loss

    return accumulate


@njit(nogil=True, cache=True)
def score(x, r, v_c, d):
    """u^T v_c for u = x[r, :d], in two partial sums (half the dependency chain)."""
    even = 0.0
    odd = 0.0
    for j in range(0, d - 1, 2):
        even += x[r, j] * v_c[j]
        odd += x[r, j + 1] * v_c[j + 1]
    if d % 2:
        even += x[r, d - 1] * v_c[d - 1]
    return even + odd


def assign_slots(V, centers, targets, pair_bounds):
    """Where each iteration sums each row's gradient: (slots, rows, row_bounds).

    centers (P,), targets (P, K + 1) -- as ``accumulate``'s
    pair_bounds -- (n + 1,) iteration j's pairs are pair_bounds[j]:[j + 1]
    Iteration j touches the distinct rows rows[row_bounds[j]:[j + 1]] (int32),
    in order of first use; row i of them sums its gradient in slot i. slots
    (P, K + 2) int32: the slot of each target's row u (row V + w), then of
    the centre's v_c. Computed with the sampling, off the training thread:
    the kernel then neither looks rows up nor branches on them.
    """
    P, T = targets.shape
    slot_of_row = np.full(2 * V, -1, np.int32)
    slots = np.empty((P, T + 1), np.int32)
    rows = np.empty(P * (T + 1), np.int32)
    row_bounds = np.zeros(pair_bounds.shape[0], np.int64)
    total = 0
    for j in range(pair_bounds.shape[0] - 1):
        n = 0
        for p in range(pair_bounds[j], pair_bounds[j + 1]):
            for k in range(T + 1):
                r = V + targets[p, k] if k < T else centers[p]
                s = slot_of_row[r]
                new = s < 0  # written without a branch: whether a row is new is random
                rows[total + n] = r
                slots[p, k] = n if new else s
                slot_of_row[r] = n if new else s
                n += new
        for i in range(n):
            slot_of_row[rows[total + i]] = -1
        total += n
        row_bounds[j + 1] = total
    return slots, rows[:total].copy(), row_bounds


accumulate_any = make_accumulate()


def batch_loss_grad(x, V, centers, targets, slots, rows, row_bounds, pair_bounds, j, batch):
    """Loss and gradient of iteration j, as ``BatchedSkipgram`` defines them.

    Arguments as ``accumulate``'s and ``assign_slots``'s; batch -- the number
    of windows the loss and gradient are averaged over. Returns (loss, rows
    (n,) int64, grad (n, d) float64): the loss summed over the pairs / batch,
    the gradient on the n distinct rows the iteration touches, times 1 / batch.
    """
    n = row_bounds[j + 1] - row_bounds[j]
    grad = np.zeros((n, x.shape[1]))
    loss = accumulate_any(x, V, centers, targets, slots, pair_bounds[j], pair_bounds[j + 1],
                          grad, scratch(x, targets))
    scale = 1.0 / batch
    for i in range(n):
        for k in range(x.shape[1]):
            grad[i, k] *= scale
    return loss / batch, rows[row_bounds[j]:row_bounds[j + 1]].astype(np.int64), grad


@njit(nogil=True, cache=True)
def scratch(x, targets):
    """``accumulate``'s work array: v_c, dJ/dv_c and the K + 1 dJ/dscore."""
    return np.empty((3, max(x.shape[1], targets.shape[1])))


def sgd_rows(x, rows, grad, step):
    """x[rows] -= step * grad, row by row (rows distinct): ``sgd.apply_update``'s arithmetic."""
    d = x.shape[1]
    for i in range(rows.shape[0]):
        r = rows[i]
        for j in range(d):
            x[r, j] = x[r, j] - step * grad[i, j]


def make_train_block(accumulate):
    """``train_block`` on top of one ``accumulate``."""
    def train_block(x, V, centers, targets, slots, rows, row_bounds, pair_bounds, first, last,
                    step, batch):
        """Iterations first..last-1 of sgd with ``batch_loss_grad`` and ``sgd_rows``.

        Arguments as ``batch_loss_grad``'s; step -- the SGD step, the same for
        all these iterations. Returns each iteration's loss (last - first,);
        x is updated in place, bit for bit as ``batch_loss_grad`` then
        ``sgd_rows`` would.
        """
        most = 0
        for j in range(first, last):
            most = max(most, row_bounds[j + 1] - row_bounds[j])
        grad = np.zeros((most, x.shape[1]))
        work = scratch(x, targets)
        losses = np.empty(last - first)
        scale = 1.0 / batch
        for j in range(first, last):
            loss = accumulate(x, V, centers, targets, slots, pair_bounds[j], pair_bounds[j + 1],
                              grad, work)
            # batch_loss_grad's averaging and sgd_rows's step in one pass over the
            # rows (calling the two costs a second pass: 1 us of 25 an iteration),
            # which also leaves grad zero for the next iteration
            base = row_bounds[j]
            for i in range(row_bounds[j + 1] - base):
                r = rows[base + i]
                for k in range(x.shape[1]):
                    x[r, k] = x[r, k] - step * (grad[i, k] * scale)
                    grad[i, k] = 0.0
            losses[j - first] = loss / batch
        return losses

    return train_block


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
    # x, V, centers, targets, slots, rows, row_bounds, pair_bounds
    chunk = "%s[:, ::1], i8, i4[::1], i4[:, ::1], i4[:, ::1], i4[::1], i8[::1], i8[::1]"
    block = "f8[::1](" + chunk + ", i8, i8, f8, f8)"
    out = []
    for tag, real in (("f8", "f8"), ("f4", "f4")):
        out.append(("batch_loss_grad_" + tag, batch_loss_grad,
                    "Tuple((f8, i8[::1], f8[:, ::1]))(" + chunk % real + ", i8, f8)"))
        out.append(("sgd_rows_" + tag, sgd_rows,
                    "void(%s[:, ::1], i8[::1], f8[:, ::1], f8)" % real))
        out.append(("train_block_" + tag, make_train_block(accumulate_any), block % real))
    # The assignment's d = 10, unrolled (engines/batched.py picks it for x of 10 columns).
    out.append(("train_block_f8_d10", make_train_block(make_accumulate(10)), block % "f8"))
    out.append(("assign_slots", assign_slots,
                "Tuple((i4[:, ::1], i4[::1], i8[::1]))(i8, i4[::1], i4[:, ::1], i8[::1])"))
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
