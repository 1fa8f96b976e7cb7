"""The written answers' maths, straight from the handout and from docs/written.md.

The losses from the handout's definitions, a central-difference gradient,
and each closed form of docs/written.md as a small function named after its
question, in the document's order. test_written.py and test_written_beyond.py
check each closed form against finite differences of its loss. Nothing here
imports the project's word2vec.py: the document's maths is checked on its own.
"""

import numpy as np

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


def distinct_negatives(rng, n, o, K):
    """K distinct negative ids, none of them o."""
    return rng.choice([w for w in range(n) if w != o], size=K, replace=False)
