"""train.py end to end: outputs, quality on a two-topic corpus, reproducibility, resume.

Small corpora in the real formats (plain, .bz2, the treebank); the resume
tests kill a real training process (SIGKILL, SIGTERM) and check that the
resumed run ends bit-identical to an uninterrupted one.
"""

import bz2
import os
import pty
import select
import signal
import subprocess
import sys
import time
from collections import Counter

import numpy as np
import pytest

import train as train_script
from tests.conftest import ROOT, resign_state
from w2v.training import options

FUNCTION_WORDS = ["the", "of", "and", "a"]
TIMEOUT = 300          # seconds any subprocess may take (compiling included)


def write_corpus(path, lines=300, seed=0, words_per_line=(8, 30), one_line=False,
                 topic_words=12):
    """Lines of one topic each (Zipf-weighted topic words, some function words)."""
    rng = np.random.default_rng(seed)
    topics = [["apple%d" % i for i in range(topic_words)],
              ["bolt%d" % i for i in range(topic_words)]]
    weights = 1.0 / np.arange(1, topic_words + 1)
    weights /= weights.sum()
    out = []
    for _ in range(lines):
        topic = topics[int(rng.random() < 0.5)]
        n = int(rng.integers(*words_per_line))
        words = [topic[i] for i in rng.choice(topic_words, size=n, p=weights)]
        for pos in rng.choice(n, size=n // 4):
            words[pos] = FUNCTION_WORDS[int(rng.integers(4))]
        out.append(" ".join(words))
    text = (" ".join(out) if one_line else "\n".join(out)) + "\n"
    opener = bz2.open if str(path).endswith(".bz2") else open
    with opener(path, "wt", encoding="utf-8") as f:
        f.write(text)
    return text


def run_main(*argv):
    return train_script.main([str(a) for a in argv])


def small_run(corpus, outdir, *extra):
    return run_main("--corpus", corpus, "--outdir", outdir, "--dim", 16, "--epochs", 3,
                    "--min-count", 2, "--workers", 1, *extra)


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "corpus.txt"
    write_corpus(path)
    return path


def neighbours_in_own_topic(folder):
    """Share of topic words whose nearest topic word (cosine of v) has the same topic."""
    words = [line.split("\t")[0] for line in
             (folder / "vocab.txt").read_text(encoding="utf-8").splitlines()]
    vectors = np.load(folder / "wordVectors.npy")[:len(words)]
    topical = [i for i, w in enumerate(words) if w not in FUNCTION_WORDS]
    unit = vectors[topical] / np.linalg.norm(vectors[topical], axis=1, keepdims=True)
    cos = unit @ unit.T
    np.fill_diagonal(cos, -2)
    nearest = np.argmax(cos, axis=1)
    return np.mean([words[topical[i]][0] == words[topical[j]][0]
                    for i, j in enumerate(nearest)])


@pytest.mark.parametrize("model", ["skipgram", "cbow"])
@pytest.mark.parametrize("loss", ["neg", "hs", "softmax"])
def test_every_model_and_loss_learns_the_topics(tmp_path, corpus, model, loss):
    out = tmp_path / "out"
    assert small_run(corpus, out, "--model", model, "--loss", loss, "--epochs", 5,
                     "--workers", 2) == 0
    assert neighbours_in_own_topic(out) >= 0.9
    vectors = np.load(out / "wordVectors.npy")
    assert vectors.dtype == np.float32 and np.all(np.isfinite(vectors))
    if loss == "hs":      # V - 1 inner nodes: the last output row is never used
        assert not np.any(vectors[-1]) and np.any(vectors[-2])


def test_outputs_read_by_gensim_and_counts(tmp_path, corpus):
    from gensim.models import KeyedVectors
    out = tmp_path / "out"
    assert small_run(corpus, out) == 0
    counts = Counter(corpus.read_text(encoding="utf-8").split())
    vocab = [line.split("\t") for line in (out / "vocab.txt").read_text().splitlines()]
    assert {w: int(c) for w, c in vocab} == {w: c for w, c in counts.items() if c >= 2}
    assert [int(c) for _, c in vocab] == sorted((int(c) for _, c in vocab), reverse=True)
    words = [w for w, _ in vocab]
    matrix = np.load(out / "wordVectors.npy")
    assert matrix.shape == (2 * len(words), 16)
    binary = KeyedVectors.load_word2vec_format(str(out / "vectors.bin"), binary=True)
    text = KeyedVectors.load_word2vec_format(str(out / "vectors.txt"))
    for kv in (binary, text):
        assert kv.index_to_key == words
    np.testing.assert_array_equal(binary.vectors, matrix[:len(words)])
    np.testing.assert_allclose(text.vectors, matrix[:len(words)], rtol=1e-6, atol=1e-7)
    assert (out / "loss_curve.png").stat().st_size > 1000


def test_one_worker_is_reproducible_bit_for_bit(tmp_path, corpus):
    runs = {}
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        assert small_run(corpus, tmp_path / name, "--seed", seed) == 0
        runs[name] = (tmp_path / name / "wordVectors.npy").read_bytes()
    assert runs["a"] == runs["b"]
    assert runs["a"] != runs["c"]


def test_bz2_corpus_trains_like_the_plain_file(tmp_path, corpus):
    packed = tmp_path / "corpus.txt.bz2"
    packed.write_bytes(bz2.compress(corpus.read_bytes()))
    assert small_run(corpus, tmp_path / "plain") == 0
    assert small_run(packed, tmp_path / "packed") == 0
    for name in ("wordVectors.npy", "vocab.txt"):
        assert (tmp_path / "plain" / name).read_bytes() == (tmp_path / "packed" / name).read_bytes()


def test_sst_sentences(tmp_path, treebank_dir):
    out = tmp_path / "out"
    assert run_main("--sst", treebank_dir, "--outdir", out, "--min-count", 1, "--dim", 8,
                    "--epochs", 1, "--workers", 1) == 0
    words = [line.split("\t")[0] for line in (out / "vocab.txt").read_text().splitlines()]
    text = (treebank_dir / "datasetSentences.txt").read_text(encoding="utf-8").lower()
    expected = {w for line in text.splitlines()[1:] for w in line.split("\t", 1)[1].split()}
    assert set(words) == expected


def test_checkpoint_of_another_configuration_is_refused(tmp_path, corpus, capsys):
    out = tmp_path / "out"
    assert small_run(corpus, out) == 0
    first = (out / "wordVectors.npy").read_bytes()
    assert small_run(corpus, out) == 0          # finished: resumes at the end, same vectors
    assert (out / "wordVectors.npy").read_bytes() == first
    assert "100.0%" in capsys.readouterr().out
    assert small_run(corpus, out, "--window", 3) == 1
    err = capsys.readouterr().err
    assert "different run" in err and "window" in err and "--no-resume" in err
    assert small_run(corpus, out, "--window", 3, "--no-resume") == 0
    assert "moved to" in capsys.readouterr().out
    assert any(p.name.startswith("superseded-") for p in (out / "checkpoints").iterdir())


def test_hs_checkpoint_of_word2vec_cs_tree_is_refused(tmp_path, corpus, capsys):
    """A hierarchical-softmax checkpoint written before the tree became gensim's (its
    run has no huffman_tree) holds inner-node rows of another tree: not resumed."""
    from pathlib import Path
    from w2v.infra import checkpoint
    out = tmp_path / "out"
    assert small_run(corpus, out, "--loss", "hs") == 0
    folder = str(out / "checkpoints")
    newest = checkpoint.list_iterations(folder)[0]
    dropped = []
    resign_state(Path(checkpoint.state_path(folder, newest)),
                 lambda body: dropped.append(body["run"].pop("huffman_tree")))
    assert dropped == ["gensim"]
    assert small_run(corpus, out, "--loss", "hs") == 1
    err = capsys.readouterr().err
    assert "different run" in err and "huffman_tree" in err and "--no-resume" in err


def test_bad_input_gives_clear_errors(tmp_path, corpus, capsys, monkeypatch):
    assert run_main("--corpus", tmp_path / "missing.txt", "--outdir", tmp_path / "o") == 1
    assert "not found" in capsys.readouterr().err
    monkeypatch.setattr(options, "SOFTMAX_MAX_VOCAB", 10)
    assert small_run(corpus, tmp_path / "o2", "--loss", "softmax") == 1
    err = capsys.readouterr().err
    assert "refused above 10 words" in err and "--loss neg" in err
    with pytest.raises(SystemExit) as exit_info:
        run_main("--corpus", corpus, "--outdir", tmp_path / "o3", "--min-alpha", "0.5")
    assert exit_info.value.code == 2


# ---- real processes: kill and resume, the progress line, memory -----------------

def command(corpus, outdir, *extra):
    return [sys.executable, os.path.join(ROOT, "train.py"), "--corpus", str(corpus),
            "--outdir", str(outdir), "--dim", "50", "--epochs", "5", "--min-count", "2",
            "--sample", "0", "--workers", "1", "--seed", "3", *[str(e) for e in extra]]


@pytest.fixture(scope="module")
def long_corpus(tmp_path_factory):
    """About 600,000 words, 3 million trained: seconds of training, enough to interrupt."""
    path = tmp_path_factory.mktemp("long") / "corpus.txt"
    write_corpus(path, lines=30000, seed=1, words_per_line=(10, 30), topic_words=500)
    return path


@pytest.fixture(scope="module")
def uninterrupted(long_corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("whole")
    subprocess.run(command(long_corpus, out), check=True, timeout=TIMEOUT,
                   capture_output=True)
    return (out / "wordVectors.npy").read_bytes()


def interrupt_after_a_checkpoint(cmd, sig):
    """Start cmd, send ``sig`` once it has written a checkpoint; its CompletedProcess."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    folder = os.path.join(cmd[cmd.index("--outdir") + 1], "checkpoints")
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline and proc.poll() is None:
        if os.path.isdir(folder) and any(n.startswith("saved_state_") for n in os.listdir(folder)):
            proc.send_signal(sig)
            break
        time.sleep(0.02)
    out, err = proc.communicate(timeout=TIMEOUT)
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killed_run_resumes_bit_identical(tmp_path, long_corpus, uninterrupted, sig):
    cmd = command(long_corpus, tmp_path / "out", "--checkpoint-every", "0.3")
    stopped = interrupt_after_a_checkpoint(cmd, sig)
    if sig == signal.SIGKILL:
        assert stopped.returncode == -signal.SIGKILL
    else:
        assert stopped.returncode == 130, stopped.stderr
        assert "Interrupted (SIGTERM): checkpoint saved" in stopped.stdout
    assert not (tmp_path / "out" / "wordVectors.npy").exists()     # really cut short
    resumed = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
    assert resumed.returncode == 0, resumed.stderr
    assert "Resuming from" in resumed.stdout
    assert (tmp_path / "out" / "wordVectors.npy").read_bytes() == uninterrupted


def test_progress_line_on_a_terminal(tmp_path, long_corpus):
    leader, follower = pty.openpty()
    proc = subprocess.Popen(command(long_corpus, tmp_path / "out", "--epochs", "2"),
                            stdout=follower, stderr=follower, close_fds=True)
    os.close(follower)
    output, deadline = b"", time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if select.select([leader], [], [], 1.0)[0]:
            try:
                chunk = os.read(leader, 65536)
            except OSError:        # the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
        elif proc.poll() is not None:
            break
    proc.wait(timeout=TIMEOUT)
    os.close(leader)
    text = output.decode("utf-8", "replace")
    live = [part for part in text.split("\r") if "words/s" in part and "ETA" in part]
    assert live, text
    assert all(s in live[-1] for s in ("%", "alpha", "loss"))
    assert "epoch 1/2" in text and "training took" in text


def peak_memory_mib(cmd):
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, proc.stderr.read()
    return usage.ru_maxrss / 1024.0


def test_memory_of_a_single_line_corpus_is_bounded(tmp_path):
    """10^6 words on one line cost little more than 10^5 words: the ids, not the text."""
    peaks = []
    for lines in (5000, 50000):          # about 10^5 and 10^6 words
        path = tmp_path / ("one_line_%d.txt" % lines)
        write_corpus(path, lines=lines, seed=2, words_per_line=(15, 26), one_line=True)
        assert path.read_text().count("\n") == 1
        peaks.append(peak_memory_mib([sys.executable, os.path.join(ROOT, "train.py"),
                                      "--corpus", str(path), "--outdir", str(tmp_path / "o"),
                                      "--dim", "10", "--epochs", "1", "--no-resume"]))
    # 900,000 more words: 3.6 MB of int32 ids; allow for allocator noise.
    assert peaks[1] - peaks[0] < 40, peaks
