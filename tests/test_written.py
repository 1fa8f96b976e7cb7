"""Numerical checks of the written answers in docs/written.md, questions (a) to (i).

Each closed form of the document (tests/written_forms.py) is checked against
central finite differences of the loss computed from its definition in the
handout, in the document's order. The project's word2vec.py is not imported:
the document's maths is checked on its own.
"""

import numpy as np
import pytest

from tests.written_forms import (
    RTOL,
    SIZES,
    H,
    a_cross_entropy,
    a_neg_log_prob,
    b_i_grad_vc,
    b_iii_step_terms,
    b_iv_normalise,
    c_grad_uw,
    d_grad_U,
    distinct_negatives,
    e_leaky_relu_grad,
    f_sigmoid_grad,
    g_i_grads,
    g_ii_grads_from_delta,
    h_grad_negative,
    i_skipgram_grads,
    naive_pair_grads,
    naive_softmax_loss,
    neg_pair_grads,
    neg_sample_loss,
    numerical_grad,
    one_hot,
    random_problem,
    rel_err,
    sigmoid,
    skipgram_loss,
    softmax,
)

# ---------------------------------------------------------------------------
# Tests, in document order.
# ---------------------------------------------------------------------------

# Checks docs/written.md section (a).
@pytest.mark.parametrize("seed,d,n", SIZES)
def test_a_cross_entropy_equals_neg_log_prob(seed, d, n):
    _, U, v_c, o = random_problem(seed, d, n)
    y_hat = softmax(U.T @ v_c)
    y = one_hot(o, n)
    ce = a_cross_entropy(y, y_hat)
    assert ce == pytest.approx(a_neg_log_prob(y_hat, o), rel=1e-12)
    assert ce == pytest.approx(naive_softmax_loss(v_c, o, U), rel=1e-10)
    # Not a tautology: with a non-one-hot target the two sides differ.
    y_soft = np.full(n, 1.0 / n)
    assert abs(a_cross_entropy(y_soft, y_hat) - a_neg_log_prob(y_hat, o)) > 1e-6


# Checks docs/written.md section (b)(i).
@pytest.mark.parametrize("seed,d,n", SIZES)
def test_b_i_grad_vc(seed, d, n):
    _, U, v_c, o = random_problem(seed, d, n)
    y_hat = softmax(U.T @ v_c)
    y = one_hot(o, n)
    closed = b_i_grad_vc(U, y, y_hat)
    assert closed.shape == v_c.shape
    numeric = numerical_grad(lambda: naive_softmax_loss(v_c, o, U), v_c)
    assert rel_err(closed, numeric) <= RTOL
    # Same thing as -u_o + U y_hat (the two terms of (b)(iii)).
    assert np.allclose(closed, U @ y_hat - U[:, o], atol=1e-14)


# Checks docs/written.md section (b)(ii): columns of U all equal => U y_hat = u_o.
@pytest.mark.parametrize("seed,d,n", SIZES)
def test_b_ii_zero_when_columns_equal(seed, d, n):
    rng, _, v_c, o = random_problem(seed, d, n)
    U = np.tile(rng.standard_normal((d, 1)), (1, n))
    y_hat = softmax(U.T @ v_c)
    y = one_hot(o, n)
    assert np.linalg.norm(y_hat - y) > 0.5                    # y_hat is far from y ...
    assert np.allclose(b_i_grad_vc(U, y, y_hat), 0.0, atol=1e-12)   # ... yet the gradient is 0
    numeric = numerical_grad(lambda: naive_softmax_loss(v_c, o, U), v_c)
    assert np.allclose(numeric, 0.0, atol=1e-8)
    assert naive_softmax_loss(v_c, o, U) == pytest.approx(np.log(n), rel=1e-12)


# Checks docs/written.md section (b)(ii): v_c = 0 and u_o = mean of the other columns,
# a non-trivial null-space case; it is a global minimum in v_c (J is convex in v_c).
@pytest.mark.parametrize("seed,d,n", SIZES)
def test_b_ii_zero_in_null_space(seed, d, n):
    rng, U, _, o = random_problem(seed, d, n)
    others = [w for w in range(n) if w != o]
    U[:, o] = U[:, others].mean(axis=1)
    v_c = np.zeros(d)
    y_hat = softmax(U.T @ v_c)
    y = one_hot(o, n)
    assert np.linalg.norm(U[:, others] - U[:, others[:1]]) > 1e-3  # columns not all equal
    assert np.allclose(U @ (y_hat - y), 0.0, atol=1e-12)             # y_hat - y in null(U)
    assert np.allclose(b_i_grad_vc(U, y, y_hat), 0.0, atol=1e-12)
    numeric = numerical_grad(lambda: naive_softmax_loss(v_c, o, U), v_c)
    assert np.allclose(numeric, 0.0, atol=1e-8)
    j0 = naive_softmax_loss(v_c, o, U)
    for _ in range(20):
        assert naive_softmax_loss(v_c + 0.1 * rng.standard_normal(d), o, U) >= j0 - 1e-12


# Checks docs/written.md section (b)(ii): generically the gradient is non-zero,
# and y_hat = y is never reached exactly (every y_hat_w > 0).
@pytest.mark.parametrize("seed,d,n", SIZES)
def test_b_ii_nonzero_generic(seed, d, n):
    _, U, v_c, o = random_problem(seed, d, n)
    y_hat = softmax(U.T @ v_c)
    y = one_hot(o, n)
    assert np.all(y_hat > 0.0) and not np.array_equal(y_hat, y)
    assert np.linalg.norm(b_i_grad_vc(U, y, y_hat)) > 1e-3
    # Even with a huge margin for o, y_hat_w stays > 0 for w != o.
    scores = np.full(n, -30.0)
    scores[o] = 30.0
    assert np.all(softmax(scores) > 0.0)


# Checks docs/written.md section (b)(iii): each term's effect, and the full step.
@pytest.mark.parametrize("seed,d,n", SIZES)
def test_b_iii_two_terms(seed, d, n):
    _, U, v_c, o = random_problem(seed, d, n)
    y_hat = softmax(U.T @ v_c)
    y = one_hot(o, n)
    eta = 1e-3
    pull, push = b_iii_step_terms(U, o, y_hat, eta)
    # v_c - eta * grad == v_c + pull + push
    assert np.allclose(v_c - eta * b_i_grad_vc(U, y, y_hat), v_c + pull + push, atol=1e-15)
    # +eta u_o raises the true score by eta ||u_o||^2 > 0.
    gain = U[:, o] @ (v_c + pull) - U[:, o] @ v_c
    assert gain == pytest.approx(eta * U[:, o] @ U[:, o], rel=1e-8) and gain > 0
    # -eta U y_hat lowers the y_hat-weighted expected score by eta ||U y_hat||^2 > 0.
    drop = y_hat @ (U.T @ v_c) - y_hat @ (U.T @ (v_c + push))
    assert drop == pytest.approx(eta * np.sum((U @ y_hat) ** 2), rel=1e-8) and drop > 0
    # Together: the loss goes down and y_hat_o goes up.
    v_new = v_c + pull + push
    assert naive_softmax_loss(v_new, o, U) < naive_softmax_loss(v_c, o, U)
    assert softmax(U.T @ v_new)[o] > y_hat[o]


# Checks docs/written.md section (b)(iv), case alpha > 0.
@pytest.mark.parametrize("alpha", [0.3, 2.0, 5.0])
@pytest.mark.parametrize("seed,d", [(0, 4), (1, 10)])
def test_b_iv_positive_alpha_collapses(alpha, seed, d):
    rng = np.random.default_rng(seed)
    u_y = rng.standard_normal(d)
    u_x = alpha * u_y
    # Raw vectors: a linear classifier with bias separates x from y.
    w, b = u_y, -0.5 * (1.0 + alpha) * (u_y @ u_y)
    assert np.sign(w @ u_x + b) != np.sign(w @ u_y + b)
    # Normalised vectors are identical, so no classifier (linear or not) can separate them.
    n_x, n_y = b_iv_normalise(u_x), b_iv_normalise(u_y)
    assert np.allclose(n_x, n_y, atol=1e-15)
    for _ in range(50):
        w_r, b_r = rng.standard_normal(d), rng.standard_normal()
        assert w_r @ n_x + b_r == pytest.approx(w_r @ n_y + b_r, abs=1e-12)


# Checks docs/written.md section (b)(iv), case alpha < 0.
@pytest.mark.parametrize("alpha", [-0.3, -1.0, -4.0])
@pytest.mark.parametrize("seed,d", [(0, 4), (1, 10)])
def test_b_iv_negative_alpha_stays_separable(alpha, seed, d):
    rng = np.random.default_rng(seed)
    u_y = rng.standard_normal(d)
    u_x = alpha * u_y
    n_x, n_y = b_iv_normalise(u_x), b_iv_normalise(u_y)
    assert np.allclose(n_x, -n_y, atol=1e-15)            # exact opposites
    assert np.linalg.norm(n_x - n_y) == pytest.approx(2.0)
    # The bias-free classifier sign(n^T u) still separates them (polarity survives).
    assert n_y @ n_y > 0 > n_y @ n_x


# Checks docs/written.md section (c), case w = o.
@pytest.mark.parametrize("seed,d,n", SIZES)
def test_c_grad_uw_true_outside_word(seed, d, n):
    _, U, v_c, o = random_problem(seed, d, n)
    y_hat = softmax(U.T @ v_c)
    y = one_hot(o, n)
    numeric = numerical_grad(lambda: naive_softmax_loss(v_c, o, U), U)[:, o]
    closed = c_grad_uw(v_c, y, y_hat, o)
    assert rel_err(closed, numeric) <= RTOL
    assert np.allclose(closed, (y_hat[o] - 1.0) * v_c)


# Checks docs/written.md section (c), case w != o (every other word).
@pytest.mark.parametrize("seed,d,n", SIZES)
def test_c_grad_uw_other_words(seed, d, n):
    _, U, v_c, o = random_problem(seed, d, n)
    y_hat = softmax(U.T @ v_c)
    y = one_hot(o, n)
    numeric = numerical_grad(lambda: naive_softmax_loss(v_c, o, U), U)
    for w in range(n):
        if w == o:
            continue
        closed = c_grad_uw(v_c, y, y_hat, w)
        assert rel_err(closed, numeric[:, w]) <= RTOL
        assert np.allclose(closed, (y_hat[w] - y[w]) * v_c)   # unified form


# Checks docs/written.md section (d).
@pytest.mark.parametrize("seed,d,n", SIZES)
def test_d_grad_U(seed, d, n):
    _, U, v_c, o = random_problem(seed, d, n)
    y_hat = softmax(U.T @ v_c)
    y = one_hot(o, n)
    closed = d_grad_U(v_c, y, y_hat)
    assert closed.shape == U.shape == (d, n)
    numeric = numerical_grad(lambda: naive_softmax_loss(v_c, o, U), U)
    assert rel_err(closed, numeric) <= RTOL
    for w in range(n):                                   # its columns are the (c) answers
        assert np.allclose(closed[:, w], c_grad_uw(v_c, y, y_hat, w))


# Checks docs/written.md section (e).
@pytest.mark.parametrize("alpha", [0.01, 0.2, 0.5, 0.9])
@pytest.mark.parametrize("seed", [0, 1])
def test_e_leaky_relu_grad(alpha, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-5, 5, size=50)
    x = x[np.abs(x) > 1e-3]                                # derivative undefined at 0
    f = lambda t: np.maximum(alpha * t, t)
    numeric = (f(x + H) - f(x - H)) / (2 * H)
    closed = e_leaky_relu_grad(x, alpha)
    assert rel_err(closed, numeric) <= RTOL
    assert np.all(closed[x > 0] == 1.0) and np.all(closed[x < 0] == alpha)


# Checks docs/written.md section (f).
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_f_sigmoid_grad(seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-8, 8, size=50)
    numeric = (sigmoid(x + H) - sigmoid(x - H)) / (2 * H)
    closed = f_sigmoid_grad(x)
    assert rel_err(closed, numeric) <= RTOL
    assert np.allclose(closed, np.exp(-x) / (1 + np.exp(-x)) ** 2, rtol=1e-12)  # derivation step
    assert np.allclose(1 - sigmoid(x), sigmoid(-x), atol=1e-15)                # identity used in (g)


NEG_SIZES = [(0, 3, 8, 2), (1, 5, 12, 4), (2, 10, 15, 6), (3, 6, 11, 10)]  # (seed, d, |Vocab|, K)


# Checks docs/written.md section (g)(i).
@pytest.mark.parametrize("seed,d,n,K", NEG_SIZES)
def test_g_i_grads(seed, d, n, K):
    rng, U, v_c, o = random_problem(seed, d, n)
    neg = distinct_negatives(rng, n, o, K)
    grad_vc, grad_uo, grad_uneg = g_i_grads(v_c, U[:, o], U[:, neg])
    loss = lambda: neg_sample_loss(v_c, o, U, neg)
    assert rel_err(grad_vc, numerical_grad(loss, v_c)) <= RTOL
    num_U = numerical_grad(loss, U)
    assert rel_err(grad_uo, num_U[:, o]) <= RTOL
    assert grad_uneg.shape == (d, K)
    for s in range(K):
        assert rel_err(grad_uneg[:, s], num_U[:, neg[s]]) <= RTOL
    # Alternative form 1 - sigma(-x) = sigma(x).
    assert np.allclose(grad_uneg, np.outer(v_c, sigmoid(U[:, neg].T @ v_c)))


# Checks docs/written.md section (g)(ii): delta reproduces the loss and all three gradients.
@pytest.mark.parametrize("seed,d,n,K", NEG_SIZES)
def test_g_ii_grads_from_delta(seed, d, n, K):
    rng, U, v_c, o = random_problem(seed, d, n)
    neg = distinct_negatives(rng, n, o, K)
    loss, grad_vc, grad_uo, grad_uneg = g_ii_grads_from_delta(v_c, U[:, o], U[:, neg])
    assert loss == pytest.approx(neg_sample_loss(v_c, o, U, neg), rel=1e-12)
    ref_vc, ref_uo, ref_uneg = g_i_grads(v_c, U[:, o], U[:, neg])
    assert rel_err(grad_vc, ref_vc) <= 1e-12
    assert rel_err(grad_uo, ref_uo) <= 1e-12
    assert rel_err(grad_uneg, ref_uneg) <= 1e-12
    f = lambda: neg_sample_loss(v_c, o, U, neg)
    assert rel_err(grad_vc, numerical_grad(f, v_c)) <= RTOL
    num_U = numerical_grad(f, U)
    assert rel_err(grad_uo, num_U[:, o]) <= RTOL
    assert rel_err(grad_uneg, num_U[:, neg]) <= RTOL


# Checks docs/written.md section (g)(iii): only the K+1 columns o, w_1..w_K get a gradient.
@pytest.mark.parametrize("seed,d,n,K", NEG_SIZES)
def test_g_iii_only_k_plus_1_columns(seed, d, n, K):
    rng, U, v_c, o = random_problem(seed, d, n)
    neg = distinct_negatives(rng, n, o, K)
    num_U = numerical_grad(lambda: neg_sample_loss(v_c, o, U, neg), U)
    touched = {o, *neg.tolist()}
    untouched = [w for w in range(n) if w not in touched]
    assert len(untouched) == n - K - 1
    assert np.all(num_U[:, untouched] == 0.0)
    assert np.all(np.linalg.norm(num_U[:, sorted(touched)], axis=0) > 0.0)


# Checks docs/written.md section (h): repeated negatives accumulate into one column.
@pytest.mark.parametrize("seed,d,n,K", NEG_SIZES)
def test_h_grad_negative_repeated(seed, d, n, K):
    rng, U, v_c, o = random_problem(seed, d, n)
    pool = [w for w in range(n) if w != o]
    neg = rng.choice(pool, size=K, replace=True)
    neg[:2] = neg[0]                                      # force at least one repeat
    neg = rng.permutation(neg)
    assert len(np.unique(neg)) < K
    num_U = numerical_grad(lambda: neg_sample_loss(v_c, o, U, neg), U)
    for s in range(K):
        w_s = neg[s]
        n_s = int(np.sum(neg == w_s))
        closed = h_grad_negative(v_c, U[:, w_s], n_s)
        assert rel_err(closed, num_U[:, w_s]) <= RTOL
    # The repeated word really gets n_s > 1 times the single-draw gradient.
    w_rep = neg[np.argmax([np.sum(neg == w) for w in neg])]
    n_rep = int(np.sum(neg == w_rep))
    assert n_rep >= 2
    single = h_grad_negative(v_c, U[:, w_rep], 1)
    assert rel_err(num_U[:, w_rep], n_rep * single) <= RTOL
    assert rel_err(num_U[:, w_rep], single) > 0.1


# Checks docs/written.md section (i), with J = naive softmax and J = negative sampling.
@pytest.mark.parametrize("kind", ["naive-softmax", "neg-sample"])
@pytest.mark.parametrize("seed,d,n,m,K", [(0, 3, 8, 1, 3), (1, 5, 12, 2, 4), (2, 6, 15, 3, 5)])
def test_i_skipgram_grads(kind, seed, d, n, m, K):
    rng, U, _, _ = random_problem(seed, d, n)
    V = 0.5 * rng.standard_normal((d, n))
    c = int(rng.integers(n))
    outside = rng.integers(n, size=2 * m)                 # window words w_{t+j}, j != 0
    outside[-1] = outside[0]                              # an outside word repeated in the window
    if kind == "naive-softmax":
        pair_loss = lambda v_c, o, U_, j: naive_softmax_loss(v_c, o, U_)
        pair_grads = lambda v_c, o, U_, j: naive_pair_grads(v_c, o, U_)
    else:
        negs = []
        for o in outside:
            pool = [w for w in range(n) if w != o]
            draw = rng.choice(pool, size=K, replace=True)
            draw[1] = draw[0]                             # repeated negatives, as in (h)
            negs.append(draw)
        pair_loss = lambda v_c, o, U_, j: neg_sample_loss(v_c, o, U_, negs[j])
        pair_grads = lambda v_c, o, U_, j: neg_pair_grads(v_c, o, U_, negs[j])
    loss, grad_V, grad_U = i_skipgram_grads(V, c, outside, U, pair_grads)
    f = lambda: skipgram_loss(V, c, outside, U, pair_loss)
    assert loss == pytest.approx(f(), rel=1e-12)
    num_U = numerical_grad(f, U)
    num_V = numerical_grad(f, V)
    assert rel_err(grad_U, num_U) <= RTOL                 # (i)(i)
    assert rel_err(grad_V[:, c], num_V[:, c]) <= RTOL     # (i)(ii)
    assert np.linalg.norm(num_V[:, c]) > 1e-3
    others = [w for w in range(n) if w != c]
    assert np.all(num_V[:, others] == 0.0)                # (i)(iii): dJ/dv_w = 0, w != c
    assert np.all(grad_V[:, others] == 0.0)
