"""Numerical checks of the written answers in docs/written.md.

Each closed form from the document is implemented as a small function named
after its question, in the same order as the document. Each one is checked
against central finite differences of the loss computed directly from its
definition in the handout.

This file deliberately does NOT import the project's word2vec.py: it checks
the maths of the document independently of the implementation.
"""

import numpy as np
import pytest

# ---------------------------------------------------------------------------
# Losses straight from the handout's definitions (no gradients here).
# Convention (as in the document): U and V are d x |Vocab|, columns are words.
# ---------------------------------------------------------------------------

H = 1e-6          # central-difference step (float64)
RTOL = 1e-6       # maximum relative error between closed form and numerics


def softmax(z):
    z = z - np.max(z)
    e = np.exp(z)
    return e / e.sum()


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def one_hot(o, n):
    y = np.zeros(n)
    y[o] = 1.0
    return y


def naive_softmax_loss(v_c, o, U):
    """J_naive-softmax = -log P(O=o | C=c), with P the softmax of U^T v_c."""
    scores = U.T @ v_c
    return -(scores[o] - np.log(np.sum(np.exp(scores))))


def neg_sample_loss(v_c, o, U, neg_ids):
    """J_neg-sample = -log s(u_o.v_c) - sum_s log s(-u_{w_s}.v_c), one term per draw."""
    loss = -np.log(sigmoid(U[:, o] @ v_c))
    for w in neg_ids:
        loss -= np.log(sigmoid(-U[:, w] @ v_c))
    return loss


def skipgram_loss(V, c, outside_ids, U, pair_loss):
    """J_skip-gram = sum over the window of J(v_c, w_{t+j}, U)."""
    return sum(pair_loss(V[:, c], o, U, j) for j, o in enumerate(outside_ids))


def numerical_grad(f, x):
    """Central finite differences of the scalar f at array x (x is restored)."""
    g = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + H
        f_plus = f()
        x[i] = old - H
        f_minus = f()
        x[i] = old
        g[i] = (f_plus - f_minus) / (2 * H)
    return g


def rel_err(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    denom = max(np.linalg.norm(a), np.linalg.norm(b))
    if denom == 0.0:
        return 0.0
    return np.linalg.norm(a - b) / denom


def random_problem(seed, d, n_vocab, scale=0.5):
    rng = np.random.default_rng(seed)
    U = scale * rng.standard_normal((d, n_vocab))
    v_c = scale * rng.standard_normal(d)
    o = int(rng.integers(n_vocab))
    return rng, U, v_c, o


SIZES = [(0, 3, 5), (1, 5, 10), (2, 10, 7), (3, 8, 20)]   # (seed, d, |Vocab|)


# ---------------------------------------------------------------------------
# Closed forms from docs/written.md, one per question, in document order.
# ---------------------------------------------------------------------------

def a_cross_entropy(y, y_hat):
    """(a) left-hand side: -sum_w y_w log y_hat_w."""
    return -np.sum(y * np.log(y_hat))


def a_neg_log_prob(y_hat, o):
    """(a) right-hand side: -log y_hat_o."""
    return -np.log(y_hat[o])


def b_i_grad_vc(U, y, y_hat):
    """(b)(i) dJ/dv_c = U (y_hat - y)."""
    return U @ (y_hat - y)


def b_iii_step_terms(U, o, y_hat, eta):
    """(b)(iii) the two parts of v_c - eta * grad: +eta u_o and -eta U y_hat."""
    return eta * U[:, o], -eta * (U @ y_hat)


def b_iv_normalise(u):
    """(b)(iv) L2 normalisation u / ||u||_2."""
    return u / np.linalg.norm(u)


def c_grad_uw(v_c, y, y_hat, w):
    """(c) dJ/du_w: (y_hat_o - 1) v_c if w = o, y_hat_w v_c otherwise."""
    if y[w] == 1.0:               # w = o, the true outside word
        return (y_hat[w] - 1.0) * v_c
    return y_hat[w] * v_c         # w != o


def d_grad_U(v_c, y, y_hat):
    """(d) dJ/dU = v_c (y_hat - y)^T, shape d x |Vocab|."""
    return np.outer(v_c, y_hat - y)


def e_leaky_relu_grad(x, alpha):
    """(e) f'(x) = 1 for x > 0, alpha for x < 0."""
    return np.where(x > 0, 1.0, alpha)


def f_sigmoid_grad(x):
    """(f) sigma'(x) = sigma(x) (1 - sigma(x))."""
    s = sigmoid(x)
    return s * (1.0 - s)


def g_i_grads(v_c, u_o, U_neg):
    """(g)(i) gradients wrt v_c, u_o and each u_{w_s} (the columns of U_neg)."""
    a = u_o @ v_c
    b = U_neg.T @ v_c                                    # b_s = u_{w_s}^T v_c
    grad_vc = -(1.0 - sigmoid(a)) * u_o + U_neg @ (1.0 - sigmoid(-b))
    grad_uo = -(1.0 - sigmoid(a)) * v_c
    grad_uneg = np.outer(v_c, 1.0 - sigmoid(-b))         # column s = dJ/du_{w_s}
    return grad_vc, grad_uo, grad_uneg


def g_ii_grads_from_delta(v_c, u_o, U_neg):
    """(g)(ii) everything from delta = sigma(U_tilde^T v_c) - 1.

    U_tilde = [u_o, -u_{w_1}, ..., -u_{w_K}]; returns
    (loss, dJ/dv_c, dJ/du_o, dJ/du_{w_s} as columns).
    """
    U_tilde = np.column_stack([u_o, -U_neg])             # d x (K+1)
    ones = np.ones(U_tilde.shape[1])
    sig = sigmoid(U_tilde.T @ v_c)                       # computed once, reused
    loss = -ones @ np.log(sig)                           # J = -1^T log sigma(U_tilde^T v_c)
    delta = sig - ones                                   # the reused quantity
    grad_vc = U_tilde @ delta                            # dJ/dv_c = U_tilde delta
    grad_uo = delta[0] * v_c                             # dJ/du_o = delta_0 v_c
    grad_uneg = -np.outer(v_c, delta[1:])                # dJ/du_{w_s} = -delta_s v_c
    return loss, grad_vc, grad_uo, grad_uneg


def h_grad_negative(v_c, u_ws, n_s):
    """(h) dJ/du_{w_s} = n_s (1 - sigma(-u_{w_s}^T v_c)) v_c, n_s = #draws equal to w_s."""
    return n_s * (1.0 - sigmoid(-u_ws @ v_c)) * v_c


def naive_pair_grads(v_c, o, U):
    """Pair loss and gradients for J_naive-softmax, assembled from (b)(i) and (d)."""
    y_hat = softmax(U.T @ v_c)
    y = one_hot(o, U.shape[1])
    return a_neg_log_prob(y_hat, o), b_i_grad_vc(U, y, y_hat), d_grad_U(v_c, y, y_hat)


def neg_pair_grads(v_c, o, U, neg_ids):
    """Pair loss and gradients for J_neg-sample with possibly repeated draws, from (g)(i) and (h)."""
    a = U[:, o] @ v_c
    b = U[:, neg_ids].T @ v_c
    loss = -np.log(sigmoid(a)) - np.sum(np.log(sigmoid(-b)))
    grad_vc = -(1.0 - sigmoid(a)) * U[:, o] + U[:, neg_ids] @ (1.0 - sigmoid(-b))
    grad_U = np.zeros_like(U)
    grad_U[:, o] = -(1.0 - sigmoid(a)) * v_c
    words, counts = np.unique(neg_ids, return_counts=True)
    for w, n_s in zip(words, counts):
        grad_U[:, w] = h_grad_negative(v_c, U[:, w], n_s)
    return loss, grad_vc, grad_U


def i_skipgram_grads(V, c, outside_ids, U, pair_grads):
    """(i) dJ_sg/dU = sum_j dJ_j/dU, dJ_sg/dv_c = sum_j dJ_j/dv_c, dJ_sg/dv_w = 0 (w != c).

    pair_grads(v_c, o, U, j) -> (loss, dJ/dv_c, dJ/dU) for the j-th outside word.
    """
    loss, grad_U, grad_V = 0.0, np.zeros_like(U), np.zeros_like(V)
    for j, o in enumerate(outside_ids):
        l_j, g_vc, g_U = pair_grads(V[:, c], o, U, j)
        loss += l_j
        grad_V[:, c] += g_vc
        grad_U += g_U
    return loss, grad_V, grad_U


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


def distinct_negatives(rng, n, o, K):
    return rng.choice([w for w in range(n) if w != o], size=K, replace=False)


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


# ---------------------------------------------------------------------------
# Beyond the assignment: CBOW and hierarchical softmax (the document's last
# section), closed forms then tests, in document order.
# ---------------------------------------------------------------------------

def cbow_input(V, context_ids):
    """v_hat = (1/n) sum_j v_{w_{t+j}}."""
    return V[:, context_ids].mean(axis=1)


def cbow_grad_context(grad_v_hat, context_ids, n_vocab):
    """dJ/dv_w = (n_w / n) dJ/dv_hat for each word w (columns of a d x |Vocab| matrix)."""
    n_w = np.bincount(context_ids, minlength=n_vocab)
    return np.outer(grad_v_hat, n_w / len(context_ids))


def random_tree_paths(rng, n_vocab):
    """Paths of a random full binary tree: {word: [(node, branch), ...]} from the root.

    Nodes are numbered 0..|Vocab|-2 as they are made; the words are shuffled
    over the leaves. Independent of engines/huffman.py on purpose.
    """
    paths, counter = {}, iter(range(n_vocab - 1))

    def split(words, prefix):
        if len(words) == 1:
            paths[words[0]] = prefix
            return
        node = next(counter)
        cut = int(rng.integers(1, len(words)))
        split(words[:cut], prefix + [(node, 0)])
        split(words[cut:], prefix + [(node, 1)])

    split(list(rng.permutation(n_vocab)), [])
    return paths


def hs_loss(v_c, path, U_inner):
    """J_hs = -sum_j log sigma(s_j u_{n_j}^T v_c), s_j = 1 - 2 b_j; U_inner is d x (|Vocab|-1)."""
    return -sum(np.log(sigmoid((1 - 2 * b) * (U_inner[:, n] @ v_c))) for n, b in path)


def hs_delta(v_c, path, U_inner):
    """delta_j = s_j (sigma(z_j) - 1), with z_j = s_j u_{n_j}^T v_c."""
    s = np.array([1 - 2 * b for _, b in path], dtype=float)
    z = s * np.array([U_inner[:, n] @ v_c for n, _ in path])
    return s * (sigmoid(z) - 1.0)


def hs_grads(v_c, path, U_inner):
    """dJ/dv_c = sum_j delta_j u_{n_j}; dJ/du_{n_j} = delta_j v_c; 0 off the path."""
    delta = hs_delta(v_c, path, U_inner)
    nodes = [n for n, _ in path]
    grad_U = np.zeros_like(U_inner)
    grad_U[:, nodes] = np.outer(v_c, delta)
    return U_inner[:, nodes] @ delta, grad_U


CBOW_SIZES = [(0, 3, 8, [1, 4]), (1, 5, 12, [2, 2, 7, 0]), (2, 6, 15, [3, 9, 3, 3, 11, 1])]


# Checks docs/written.md, "CBOW": dJ/dU is the pair loss's at v_hat.
@pytest.mark.parametrize("seed,d,n,context", CBOW_SIZES)
def test_cbow_grad_U(seed, d, n, context):
    rng, U, _, c = random_problem(seed, d, n)
    V = 0.5 * rng.standard_normal((d, n))
    v_hat = cbow_input(V, context)
    y_hat, y = softmax(U.T @ v_hat), one_hot(c, n)
    numeric = numerical_grad(lambda: naive_softmax_loss(cbow_input(V, context), c, U), U)
    assert rel_err(d_grad_U(v_hat, y, y_hat), numeric) <= RTOL


# Checks docs/written.md, "CBOW": dJ/dv_w = (n_w / n) dJ/dv_hat, 0 outside the context.
@pytest.mark.parametrize("kind", ["naive-softmax", "neg-sample"])
@pytest.mark.parametrize("seed,d,n,context", CBOW_SIZES)
def test_cbow_grad_context_vectors(kind, seed, d, n, context):
    rng, U, _, c = random_problem(seed, d, n)
    V = 0.5 * rng.standard_normal((d, n))
    v_hat = cbow_input(V, context)
    if kind == "naive-softmax":
        loss = lambda: naive_softmax_loss(cbow_input(V, context), c, U)
        grad_v_hat = b_i_grad_vc(U, one_hot(c, n), softmax(U.T @ v_hat))
    else:
        neg = distinct_negatives(rng, n, c, 3)
        loss = lambda: neg_sample_loss(cbow_input(V, context), c, U, neg)
        grad_v_hat = g_i_grads(v_hat, U[:, c], U[:, neg])[0]
    closed = cbow_grad_context(grad_v_hat, np.array(context), n)
    numeric = numerical_grad(loss, V)
    assert rel_err(closed, numeric) <= RTOL
    outside = np.setdiff1d(np.arange(n), context)
    assert np.all(numeric[:, outside] == 0.0)
    assert np.linalg.norm(numeric[:, context], axis=0).min() > 1e-6


# Checks docs/written.md, "Hierarchical softmax": sum_w P(w | c) = 1, no normalising sum.
@pytest.mark.parametrize("seed,d,n", SIZES)
def test_hs_is_a_distribution(seed, d, n):
    rng, U, v_c, _ = random_problem(seed, d, n)
    paths = random_tree_paths(rng, n)
    U_inner = U[:, :n - 1]
    probs = np.array([np.exp(-hs_loss(v_c, paths[w], U_inner)) for w in range(n)])
    assert probs.sum() == pytest.approx(1.0, abs=1e-12)
    assert probs.min() > 0.0 and probs.max() < 1.0


# Checks docs/written.md, "Hierarchical softmax": delta_j = sigma(u^T v_c) - (1 - b_j).
@pytest.mark.parametrize("seed,d,n", SIZES)
def test_hs_delta_two_forms(seed, d, n):
    rng, U, v_c, _ = random_problem(seed, d, n)
    paths = random_tree_paths(rng, n)
    for path in paths.values():
        label = np.array([1 - b for _, b in path])
        prediction = sigmoid(np.array([U[:, node] @ v_c for node, _ in path]))
        assert np.allclose(hs_delta(v_c, path, U[:, :n - 1]), prediction - label, atol=1e-15)


# Checks docs/written.md, "Hierarchical softmax": dJ/dv_c, dJ/du_{n_j}, zero off the path,
# and the (g)(ii) matrix form with U_tilde = [s_j u_{n_j}].
@pytest.mark.parametrize("seed,d,n", SIZES)
def test_hs_grads(seed, d, n):
    rng, U, v_c, _ = random_problem(seed, d, n)
    paths = random_tree_paths(rng, n)
    U_inner = U[:, :n - 1].copy()
    for w, path in paths.items():
        grad_vc, grad_U = hs_grads(v_c, path, U_inner)
        loss = lambda: hs_loss(v_c, path, U_inner)
        assert rel_err(grad_vc, numerical_grad(loss, v_c)) <= RTOL
        numeric_U = numerical_grad(loss, U_inner)
        assert rel_err(grad_U, numeric_U) <= RTOL
        off = np.setdiff1d(np.arange(n - 1), [node for node, _ in path])
        assert np.all(numeric_U[:, off] == 0.0)
        U_tilde = np.column_stack([(1 - 2 * b) * U_inner[:, node] for node, b in path])
        assert rel_err(U_tilde @ (sigmoid(U_tilde.T @ v_c) - 1.0), grad_vc) <= 1e-12
