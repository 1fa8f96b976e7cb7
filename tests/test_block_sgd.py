"""engines/block_sgd.py and the engine's train_block: sgd's loop, many iterations a call.

Both are proven equal, bit for bit, to what they replace: ``train_block`` to
n calls of the engine and of its gradient's ``apply``, and ``sgd_in_blocks``
to ``sgd`` with the same hooks (printed lines, parameters, checkpoints,
resume, annealing, divergence).
"""

import random

import numpy as np
import pytest

import sgd as sgd_module
from engines.batched import BatchedSkipgram
from engines.block_sgd import block_length, sgd_in_blocks
from sgd import sgd
from utils.session import TrainingDiverged, TrainingSession
from w2v.infra import checkpoint

RUN = {"test": "block_sgd"}


def _engine(dataset, dim, kernels=None):
    return BatchedSkipgram(dataset, window=3, K=4, seed=11, chunk_iterations=16, dim=dim,
                           kernels=kernels)


def _start(V, dim, dtype=np.float64):
    rng = np.random.default_rng(2)
    return rng.normal(scale=0.3, size=(2 * V, dim)).astype(dtype)


@pytest.mark.parametrize("dim, dtype", [(10, np.float64), (7, np.float64), (10, np.float32)])
def test_train_block_is_n_engine_calls_bit_for_bit(dataset, kernels, dim, dtype):
    one, block = _engine(dataset, dim, kernels), _engine(dataset, dim, kernels)
    x_one, x_block = _start(one.V, dim, dtype), _start(one.V, dim, dtype)
    losses = []
    for _ in range(40):
        loss, grad = one(x_one)
        grad.apply(x_one, 0.25)
        losses.append(loss)
    got = []
    for n in (3, 13, 16, 8):  # 3 + 13 fill the first chunk; the rest cross into the next
        assert n <= block.steps_left_in_chunk()
        got.extend(block.train_block(x_block, 0.25, n))
    assert block.iteration == one.iteration == 40
    assert got == losses
    assert np.array_equal(x_block, x_one) and x_block.dtype == dtype


def test_train_block_refuses_a_block_past_its_chunk(dataset):
    eng = _engine(dataset, 5)
    x = _start(eng.V, 5)
    eng.train_block(x, 0.1, 10)
    with pytest.raises(ValueError, match="7 iterations do not fit in the sampled chunk"
                                         r" \(6 left\)"):
        eng.train_block(x, 0.1, 7)
    with pytest.raises(ValueError, match="shape"):
        eng.train_block(x[:, :4].copy(), 0.1, 1)


def test_a_closed_engine_has_no_sampling_thread_and_still_trains(dataset):
    one, closed = _engine(dataset, 5), _engine(dataset, 5)
    x_one, x_closed = _start(one.V, 5), _start(one.V, 5)
    one.train_block(x_one, 0.1, 10)
    closed.train_block(x_closed, 0.1, 10)
    closed.close()
    closed.close()  # twice is fine
    assert closed._ahead is None and closed._pool is None
    for eng, x in ((one, x_one), (closed, x_closed)):
        for n in (6, 16, 16):  # across two chunk boundaries
            eng.train_block(x, 0.1, n)
    assert closed._ahead is None  # nothing sampled in the background
    assert np.array_equal(x_closed, x_one)


def test_block_length_stops_at_every_event():
    assert block_length(0, 100, (10, 40, 7), 16) == 7
    assert block_length(7, 100, (10, 40, 7), 16) == 3
    assert block_length(37, 100, (10, 40, 7), 16) == 3
    assert block_length(41, 100, (10, 40, 7), 16) == 1
    assert block_length(95, 100, (10, 40, 7), 100) == 3  # the 98th: a multiple of 7
    assert block_length(98, 100, (10, 400, 70), 100) == 2  # the last iteration
    for it in range(0, 200, 3):
        n = block_length(it, 200, (10, 40, 7), 16 - it % 16)
        ends = range(it + 1, it + n)  # no event strictly inside a block
        assert n >= 1 and not any(i % 10 == 0 or i % 7 == 0 or i % 16 == 0 for i in ends)


def _train(dataset, directory, iterations, blocks, save_every=7, step=0.3):
    """A run as run.py trains: through sgd or sgd_in_blocks; (x, printed lines)."""
    random.seed(1)
    np.random.seed(1)
    eng = _engine(dataset, 6)
    x = _start(eng.V, 6)
    lines = []
    session = TrainingSession(str(directory), RUN, [eng], save_every, print_every=10)
    session.print = lines.append
    if blocks:
        x = sgd_in_blocks(eng, x, step, iterations, 10, session, save_every)
    else:
        x = sgd(eng, x, step, iterations, None, True, PRINT_EVERY=10, hooks=session)
    return x, lines


@pytest.fixture
def short_anneal(monkeypatch):
    """Anneal every 40 iterations, so that a short run crosses it."""
    monkeypatch.setattr(sgd_module, "ANNEAL_EVERY", 40)


def test_sgd_in_blocks_is_sgd(dataset, tmp_path, short_anneal):
    x_sgd, lines_sgd = _train(dataset, tmp_path / "sgd", 95, blocks=False)
    x_blk, lines_blk = _train(dataset, tmp_path / "blocks", 95, blocks=True)
    assert lines_blk == lines_sgd and len(lines_sgd) == 9
    assert np.array_equal(x_blk, x_sgd)
    for directory in ("sgd", "blocks"):
        assert checkpoint.list_iterations(str(tmp_path / directory)) == [95, 91, 84]
    spec = {"params": (x_sgd.shape, x_sgd.dtype)}
    for it in (95, 91, 84):
        a = checkpoint.load(str(tmp_path / "sgd"), it, spec)
        b = checkpoint.load(str(tmp_path / "blocks"), it, spec)
        assert np.array_equal(a[0]["params"], b[0]["params"]) and a[1] == b[1]


def test_sgd_in_blocks_resumes_exactly(dataset, tmp_path, short_anneal):
    straight, _ = _train(dataset, tmp_path / "straight", 95, blocks=True)
    _train(dataset, tmp_path / "split", 37, blocks=True)  # inside a chunk and a print period
    resumed, lines = _train(dataset, tmp_path / "split", 95, blocks=True)
    assert lines[0].startswith("Resuming from checkpoint 37")
    assert np.array_equal(resumed, straight)


def test_divergence_names_the_first_bad_iteration_as_sgd_does(dataset, tmp_path):
    messages = []
    for blocks in (False, True):
        with pytest.raises(TrainingDiverged) as exc:
            _train(dataset, tmp_path / str(blocks), 95, blocks, save_every=5, step=1e200)
        messages.append(str(exc.value).replace(str(tmp_path / str(blocks)), "DIR"))
    assert messages[0] == messages[1]
    assert "the loss became" in messages[0]
