"""Issue 20, the trainers: each fault ends in one clear line or in correct behaviour.

The kernel's bounded redraws and stop flag, the trainer's stop at a job
boundary and its progress between checkpoints, the loss on small runs, no
checkpoint before the first job, a failed final checkpoint, the memory
check, the batched loss at K >= 1023. Anything that could hang runs in a
subprocess with a timeout (tests.conftest.run_python) or under a bound.
"""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from tests.conftest import ROOT, run_python
from w2v.infra import checkpoint, fileio
from w2v.infra.checkpoint import CheckpointError
from w2v.infra.memory import NotEnoughMemory, check_memory, format_bytes, need_bytes
from w2v.infra.terminal import ProgressLine
from w2v.training import kernels
from w2v.training.corpus import EncodedCorpus, negative_cum_table
from w2v.training.jobs import JOB_WORDS, PIECE_FLOOR, job_words, plan_jobs, split_pieces
from w2v.training.trainer import (Checkpoints, Progress, Settings, Trainer, init_vectors,
                                  sampling_tables)

TIMEOUT = 240


def corpus_of(lengths, V=6, seed=0):
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, V, size=int(sum(lengths))).astype(np.int32)
    starts = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    return EncodedCorpus(ids, starts, len(ids))


def make_trainer(lengths=(30,) * 40, V=6, epochs=2, p_negative=None, **settings):
    corpus = corpus_of(lengths, V)
    counts = np.bincount(corpus.ids, minlength=V) + 1
    table = (negative_cum_table(counts) if p_negative is None else
             np.cumsum(np.asarray(p_negative) * 1000).astype(np.uint32))
    s = Settings(**dict(dict(dim=4, epochs=epochs, workers=1), **settings))
    return Trainer(s, corpus, sampling_tables(np.ones(V), table, None, V),
                   init_vectors(V, 4, 1))


class Quiet(ProgressLine):
    def __init__(self):
        super().__init__(stream=sys.stdout)
        self.enabled, self.lines = False, []

    def print(self, text):
        self.lines.append(text)


# ---- the kernel: bounded redraws, a stop flag, the loss of every job with a pair ------

def test_a_distribution_on_the_target_alone_gives_up_instead_of_looping():
    t = make_trainer(p_negative=[1, 0, 0, 0, 0, 0], loss="neg")
    totals = t.run_job(0)    # all negatives are word 0: its pairs cannot draw one
    assert totals[kernels.STATUS] == kernels.GAVE_UP
    with pytest.raises(ValueError, match="--ns-exponent between 0 and 1"):
        t.run(0, lambda job, totals: None, lambda: False, lambda jobs: True)


def test_the_control_flag_stops_a_job_before_its_next_centre_word():
    t = make_trainer()
    before = t.vectors.copy()
    t.control[0] = 1
    totals = t.run_job(0)
    assert totals[kernels.STATUS] == kernels.STOPPED and totals[2] == 0
    assert np.array_equal(t.vectors, before)


@pytest.mark.parametrize("lengths", [(2,) * 5, (1, 2, 1, 1), (3,), (1,) * 9 + (2,)])
@pytest.mark.parametrize("loss", ["neg", "hs", "softmax"])
def test_every_job_that_trains_a_pair_has_a_loss(lengths, loss):
    from w2v.training.huffman import build_huffman
    V = 6
    corpus = corpus_of(lengths, V, seed=len(lengths))
    counts = np.bincount(corpus.ids, minlength=V) + 1
    tables = sampling_tables(np.ones(V), negative_cum_table(counts),
                             build_huffman(counts) if loss == "hs" else None, V)
    t = Trainer(Settings(dim=4, epochs=3, workers=1, loss=loss), corpus, tables,
                init_vectors(V, 4, 1))
    for job in range(t.total_jobs):
        totals = t.run_job(job)
        assert totals[2] == 0 or 0 < totals[1] <= totals[2], totals
        assert np.isfinite(totals[0])


def test_progress_never_shows_nan():
    t = make_trainer(lengths=(1,) * 30 + (2,), epochs=1)
    line = Quiet()
    progress = Progress(t, line)
    assert progress.current_loss() is None
    progress.on_result(0, np.array([0.0, 0.0, 0.0, 0.0, 1.0, 0.0]))
    assert "nan" not in " ".join(line.lines)
    progress.on_result(0, np.array([2.0, 1.0, 1.0, 2.0, 2.0, 0.0]))
    assert progress.current_loss() == 2.0


# ---- the trainer: stop at a job boundary, progress between checkpoints --------------

def test_jobs_of_costly_settings_are_short_and_the_defaults_unchanged():
    assert job_words(Settings(), 200000) == JOB_WORDS
    assert job_words(Settings(loss="hs"), 200000) == JOB_WORDS
    short = job_words(Settings(loss="softmax"), 10000)
    assert 1 <= short < JOB_WORDS / 50
    assert job_words(Settings(negative=1000), 100) < JOB_WORDS / 10
    starts = np.array([0, 3, 10, 10, 2500], np.int64)
    cut = split_pieces(starts, 4)          # never below PIECE_FLOOR: windows stay whole
    assert np.all(np.diff(cut) <= PIECE_FLOOR) and set(starts) <= set(cut)
    assert np.max(np.diff(cut)) == PIECE_FLOOR
    assert plan_jobs(cut, 4)[-1] == len(cut) - 1
    assert np.array_equal(split_pieces(starts, JOB_WORDS), starts)


def test_a_pause_takes_back_the_queued_jobs_and_returns_at_a_job_boundary():
    t = make_trainer(lengths=(10000,) * 6, epochs=1)
    ran, saved = [], []
    done = t.run(0, lambda job, totals: ran.append(job), lambda: len(ran) >= 1,
                 lambda jobs: saved.append(jobs) or False)
    assert ran == list(range(done)) and saved == [done]
    assert done <= 2 < t.total_jobs     # the one running may finish; queued ones not


def test_a_pause_wanted_all_the_time_still_trains_to_the_end():
    t = make_trainer(epochs=3)
    pauses = []

    def on_pause(jobs):
        pauses.append(jobs)
        assert len(pauses) <= t.total_jobs + 1, "paused without training"
        return True
    assert t.run(0, lambda job, totals: None, lambda: True, on_pause) == t.total_jobs


def test_an_exception_in_the_run_stops_the_running_jobs_and_is_raised():
    t = make_trainer(lengths=(10000,) * 8, epochs=2)

    def on_result(job, totals):
        raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        t.run(0, on_result, lambda: False, lambda jobs: True)
    assert t.control[0] == 0        # ready for another run


def test_checkpoints_save_nothing_before_the_first_job(tmp_path):
    t = make_trainer()
    saves = Checkpoints(str(tmp_path / "c"), {"run": 1}, t, Progress(t, Quiet()))
    saves.save(0)
    assert not (tmp_path / "c").exists()
    saves.save(1)
    assert checkpoint.list_iterations(str(tmp_path / "c")) == [1]


class _FullDisk:
    def __init__(self, *args, **kwargs):
        import errno
        raise OSError(errno.ENOSPC, "No space left on device", args[0])


def test_a_full_disk_at_the_final_checkpoint_is_a_warning_and_keeps_the_vectors(
        tmp_path, monkeypatch):
    t = make_trainer()
    line = Quiet()
    saves = Checkpoints(str(tmp_path / "c"), {"run": 1}, t, Progress(t, line))
    monkeypatch.setattr(fileio, "open", _FullDisk, raising=False)
    with pytest.raises(CheckpointError, match="There is no earlier checkpoint to resume"):
        saves.save(1)
    saves.save(t.total_jobs)                       # the final one: a warning
    assert saves.failed and "still in memory" in line.lines[-1]
    assert "intact" not in line.lines[-1]


# ---- memory ------------------------------------------------------------------------

def test_need_bytes_and_the_check_give_the_figures():
    assert need_bytes(((2, 3), np.float32), (5, np.int64)) == 24 + 40
    assert need_bytes(((10 ** 6, 10 ** 6), np.float64)) == 8 * 10 ** 12   # no overflow
    check_memory(100, "x", have=100)
    with pytest.raises(NotEnoughMemory) as err:
        check_memory(3 << 30, "the vectors", "lower --dim", have=1 << 30)
    assert str(err.value) == ("the vectors need 3.0 GiB of memory, this machine has 1.0 GiB"
                              " available: lower --dim")
    assert format_bytes(5 << 20) == "5 MiB"


def test_vectors_larger_than_the_machine_are_refused_before_allocating():
    with pytest.raises(NotEnoughMemory, match=r"d = 1,000,000,000.*lower --dim"):
        init_vectors(28, 10 ** 9, 1)


@pytest.mark.parametrize("option", ["--dim", "--window", "--negatives"])
def test_run_py_refuses_sizes_the_machine_cannot_hold(treebank_dir, tmp_path, option):
    done = subprocess.run([sys.executable, "run.py", "--data", str(treebank_dir), "--outdir",
                           str(tmp_path / "out"), option, str(10 ** 9)], cwd=str(ROOT),
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "of memory, this machine has" in lines[0]
    assert not list((tmp_path / "out").glob("saved_*"))


# ---- the batched engine's loss at K >= 1023 ---------------------------------------------

def test_batched_loss_is_right_for_a_thousand_and_more_negatives(dataset, kernels):
    from engines.batched import BatchedSkipgram
    from tests.engine_check import assert_matches_skipgram, windows_of_pairs
    K = 1100
    eng = BatchedSkipgram(dataset, window=2, K=K, seed=5, chunk_iterations=2, dim=3,
                          kernels=kernels)
    x = np.random.default_rng(0).normal(scale=1e-3, size=(2 * eng.V, 3))   # q near 2
    window_ids, centers, targets = eng.pairs(0)
    loss, grad = eng(x)
    assert np.isfinite(loss)
    assert_matches_skipgram(loss, grad.toarray(x.shape), x,
                            windows_of_pairs(window_ids, centers, targets),
                            list(dataset.tokens()), K=K)


# ---- end to end: train.py ---------------------------------------------------------------

def write_lines(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def small_corpus(tmp_path):
    rng = np.random.default_rng(1)
    words = ["w%d" % i for i in range(30)]
    return write_lines(tmp_path / "corpus.txt", [" ".join(rng.choice(words, 12))
                                                 for _ in range(400)])


def train_cmd(corpus, outdir, *extra):
    return [sys.executable, "train.py", "--corpus", str(corpus), "--outdir", str(outdir),
            "--min-count", "1", "--dim", "8", "--workers", "1"] + [str(a) for a in extra]


@pytest.mark.parametrize("exponent,trains", [("1000", False), ("20", False),
                                              ("-1000", True)])
def test_an_exponent_on_one_word_is_one_line_not_a_hang(tmp_path, exponent, trains):
    """'the' is 6 times as frequent as 'cat' and 'dog': count**20 leaves it alone,
    count**1000 overflows; count**-1000 is shared by 'a' and 'b' (usable)."""
    skewed = write_lines(tmp_path / "skewed.txt",
                         ["the the the the cat the the dog"] * 200 + ["a b"])
    done = subprocess.run(train_cmd(skewed, tmp_path / "out", "--ns-exponent", exponent),
                          cwd=str(ROOT), capture_output=True, text=True, timeout=TIMEOUT)
    assert "Traceback" not in done.stderr
    if trains:
        assert done.returncode == 0 and "Saved" in done.stdout, done.stderr
        return
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and "--ns-exponent" in last


def test_small_runs_report_a_loss_not_nan(tmp_path):
    tiny = write_lines(tmp_path / "tiny.txt", ["a b", "c a", "b c d", "d a"])
    done = subprocess.run(train_cmd(tiny, tmp_path / "out", "--sample", "0"), cwd=str(ROOT),
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr
    assert "loss " in done.stdout and "nan" not in done.stdout


def test_sigterm_before_the_first_job_writes_no_checkpoint(tmp_path, small_corpus):
    code = ("import signal, sys, train\n"
            "from w2v.training import trainer\n"
            "real = trainer.Trainer.run\n"
            "def run(self, *a):\n"
            "    signal.raise_signal(signal.SIGTERM)\n"
            "    return real(self, *a)\n"
            "trainer.Trainer.run = run\n"
            "sys.exit(train.main(sys.argv[1:]))\n")
    done = run_python(code, *train_cmd(small_corpus, tmp_path / "out")[2:], timeout=TIMEOUT)
    assert done.returncode == 130, done.stderr
    assert not list((tmp_path / "out" / "checkpoints").glob("saved_state_*"))
    assert "before the first job was trained: nothing to save" in done.stdout


@pytest.mark.parametrize("twice", [False, True])
def test_sigterm_stops_a_softmax_run_at_a_job_boundary(tmp_path, twice):
    rng = np.random.default_rng(0)
    words = ["w%d" % i for i in range(3000)]
    corpus = write_lines(tmp_path / "big.txt", [" ".join(rng.choice(words, 500))
                                                for _ in range(400)])
    cmd = train_cmd(corpus, tmp_path / "out", "--loss", "softmax", "--dim", "50",
                    "--checkpoint-every", "1000")
    proc = subprocess.Popen(cmd, cwd=str(ROOT), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    while not proc.stdout.readline().startswith("Vocabulary"):
        assert proc.poll() is None, proc.stderr.read()
    time.sleep(1.0)                 # training (no timing is asserted)
    proc.send_signal(signal.SIGTERM)
    if twice:
        proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=TIMEOUT)   # a hang fails here
    assert proc.returncode == 130, err
    folder = tmp_path / "out" / "checkpoints"
    jobs = checkpoint.list_iterations(str(folder))
    if twice:       # the second signal may come before the first is honoured
        assert "Interrupted" in out + err and len(jobs) <= 1
    else:
        assert "checkpoint saved" in out and len(jobs) == 1 and jobs[0] > 0


def test_compiling_is_announced_only_when_the_module_is_missing(tmp_path):
    env = dict(os.environ, W2V_KERNEL_DIR=str(tmp_path / "kernels"))
    code = ("from w2v.training import trainer\n"
            "print(trainer.kernels_need_compiling())\n"
            "trainer.warm_up()\n")
    first, second = (subprocess.run([sys.executable, "-c", code], cwd=str(ROOT), env=env,
                                    capture_output=True, text=True, timeout=900)
                     for _ in range(2))
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert first.stdout.split() == ["True"] and second.stdout.split() == ["False"]


def test_the_session_saves_nothing_at_iteration_zero(tmp_path):
    from utils.session import TrainingSession
    session = TrainingSession(str(tmp_path / "s"), {"run": 1})
    session.save(0, np.zeros((4, 2)), 0.3, None)
    assert not (tmp_path / "s").exists()
