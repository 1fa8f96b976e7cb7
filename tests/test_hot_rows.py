"""w2v.training.hot_rows: a job on its own copies of the most shared rows.

Alone, a job on private copies trains what it would on the shared rows (to
rounding: the shared row becomes x + (x_mine - x)); its changes are added to
whatever another job wrote meanwhile; the rows it owns are the most frequent
words' (negative sampling) and the top of the tree (hierarchical softmax); the
trainer gives each worker its own and keeps them out of the vectors it saves.
"""

import numpy as np
import pytest

from tests.test_hardening_trainer import corpus_of
from w2v.training import hot_rows, kernel_args, kernels
from w2v.training.corpus import keep_probabilities, negative_cum_table
from w2v.training.huffman import build_huffman
from w2v.training.trainer import Settings, Trainer, init_vectors, sampling_tables

V, D, N = 40, 12, 6
LOSSES = {"neg": kernel_args.NEG, "hs": kernel_args.HS}
MODELS = {"skipgram": kernel_args.SKIPGRAM, "cbow": kernel_args.CBOW}


def _job(model, loss, sweep, hot, train=True, n=3000, seed=4):
    """One train_job on a Zipf corpus; storage (2V + 2N, D) float64: syn0, syn1, then
    the job's own rows of each when ``hot``. Returns (storage, totals)."""
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, V + 1)
    ids = rng.choice(V, size=n, p=p / p.sum()).astype(np.int32)
    starts = np.array([0, 1200, 1201, n], np.int64)
    counts = np.bincount(ids, minlength=V)
    tables = sampling_tables(keep_probabilities(counts, 0.01), negative_cum_table(counts),
                             build_huffman(counts), V)
    storage = np.zeros((2 * V + 2 * N, D))
    storage[:2 * V] = (rng.random((2 * V, D)) - 0.5) / D
    extra = [N, 2 * V, V + N] if hot else [0, 0, 0]
    settings = np.array([MODELS[model], LOSSES[loss], 4, 5, 0, len(starts) - 1, 1, sweep] +
                        extra, np.int64)
    if not train:
        return storage, None
    totals = kernels.train_job(settings, storage, storage[V:], ids, starts, tables,
                               np.array([0.05, 1e-6]), kernel_args.job_seed(seed, 1),
                               np.zeros(1, np.int64), np.zeros((0, 15), np.int64),
                               np.zeros(0))
    return storage, totals


@pytest.mark.parametrize("model,loss,sweep", [("skipgram", "neg", 0), ("cbow", "neg", 0),
                                              ("skipgram", "hs", 1), ("cbow", "hs", 0),
                                              ("skipgram", "neg", 1)])
def test_a_job_alone_on_its_own_rows_trains_as_on_the_shared_ones(model, loss, sweep):
    shared, shared_totals = _job(model, loss, sweep, hot=False)
    own, own_totals = _job(model, loss, sweep, hot=True)
    start, _ = _job(model, loss, sweep, hot=False, train=False)
    assert not np.allclose(own[:2 * V], start[:2 * V])          # it trained
    assert np.abs(own[2 * V:]).sum() > 0                         # on its own rows
    np.testing.assert_allclose(own[:2 * V], shared[:2 * V], rtol=1e-9, atol=1e-12)
    assert np.array_equal(own_totals[2:], shared_totals[2:])
    assert own_totals[0] == pytest.approx(shared_totals[0], rel=1e-9)


@pytest.mark.parametrize("loss,flip,row1", [("neg", -1, 1), ("hs", V - 2, V - 3)])
def test_the_changes_are_added_to_what_another_job_wrote_meanwhile(loss, flip, row1):
    rng = np.random.default_rng(0)
    storage = rng.standard_normal((2 * V + 2 * N, D))
    syn0, syn1 = storage, storage[V:]
    hot = (N, 2 * V, V + N, flip)
    before = storage[:2 * V].copy()
    start0, start1 = hot_rows.take_rows(syn0, syn1, hot)
    assert np.array_equal(storage[2 * V + 1], before[1])         # word 1's v_w, copied
    assert np.array_equal(storage[2 * V + N + 1], before[V + row1])  # hot output row 1
    storage[2 * V + 1] += 1.0        # this job moves word 1's v_w ...
    storage[2 * V + N + 1] -= 2.0    # ... and its output row 1
    storage[1] += 10.0               # another job moved them meanwhile
    storage[V + row1] += 20.0
    hot_rows.give_back(syn0, syn1, hot, start0, start1)
    np.testing.assert_allclose(storage[1], before[1] + 11.0)
    np.testing.assert_allclose(storage[V + row1], before[V + row1] + 18.0)
    cold = [r for r in range(2 * V) if r not in (1, V + row1)]
    np.testing.assert_allclose(storage[cold], before[cold])


def test_rows_map_to_the_jobs_own_only_where_hot():
    neg, hs = (N, 100, 200, -1), (N, 100, 200, V - 2)
    assert [hot_rows.input_row(w, neg) for w in (0, N - 1, N)] == [100, 100 + N - 1, N]
    assert [hot_rows.output_row(w, neg) for w in (0, N)] == [200, N]
    assert hot_rows.output_row(V - 2, hs) == 200                 # the root
    assert hot_rows.output_row(V - 2 - N, hs) == V - 2 - N       # below the top N nodes
    assert hot_rows.output_row(5, hot_rows.NO_HOT_ROWS) == 5


def _trainer(workers, loss="neg", V=30):
    corpus = corpus_of((50,) * 20, V)
    counts = np.bincount(corpus.ids, minlength=V) + 1
    tables = sampling_tables(np.ones(V), negative_cum_table(counts),
                             build_huffman(counts) if loss == "hs" else None, V)
    return Trainer(Settings(dim=4, epochs=1, workers=workers, loss=loss), corpus, tables,
                   init_vectors(V, 4, 1))


def test_the_trainer_gives_each_worker_its_own_rows_and_saves_none_of_them():
    t, V = _trainer(workers=2), 30
    n = t.hot_rows
    assert n == min(kernel_args.HOT_ROWS, V - 1)
    assert t.vectors.shape == (2 * V, 4) and t.storage.shape[0] == 2 * V + 4 * n
    settings, syn0, syn1 = t.job_arguments(0, slot=1)[:3]
    assert list(settings[8:]) == [n, 2 * V + n, V + 3 * n]
    assert syn0.shape[0] == 2 * V + 4 * n and syn1.shape[0] == V + 4 * n
    traced = t.job_arguments(0, trace=(np.zeros((1, 17), np.int64), np.zeros(1)), slot=1)
    assert list(traced[0][8:]) == [0, 0, 0] and traced[1].shape[0] == V
    assert _trainer(workers=1).hot_rows == 0 and _trainer(2, "softmax").hot_rows == 0


@pytest.mark.parametrize("loss", ["neg", "hs"])
def test_two_workers_train_every_row_and_leave_them_finite(loss):
    t = _trainer(workers=2, loss=loss)
    before = t.vectors.copy()
    assert t.run(0, lambda job, totals: None, lambda: False, lambda jobs: True) == \
        t.total_jobs
    assert np.all(np.isfinite(t.vectors)) and not np.allclose(t.vectors, before)
    moved = np.abs(t.vectors[:30] - before[:30]).sum(axis=1) > 0
    assert moved[:t.hot_rows].all()              # the hot words' v_w came back shared
