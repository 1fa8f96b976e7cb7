"""Numerical checks of docs/written.md's last section, beyond the assignment:
the CBOW and hierarchical-softmax gradients, against finite differences."""

import numpy as np
import pytest

from tests.written_forms import (
    RTOL,
    SIZES,
    b_i_grad_vc,
    d_grad_U,
    distinct_negatives,
    g_i_grads,
    naive_softmax_loss,
    neg_sample_loss,
    numerical_grad,
    one_hot,
    random_problem,
    rel_err,
    sigmoid,
    softmax,
)

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
