"""The sentiment classifier (sentence features, logistic regression sweep) and sentiment.py."""

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import sentiment
from tests.conftest import write_sentences, write_trees
from utils.treebank import StanfordSentiment
from w2v.vectors.files import load, save_vectors, save_word2vec_text, word_vectors

ROOT = Path(__file__).resolve().parents[1]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


# ---- features and classifier ---------------------------------------------------

def test_sentence_features_average_known_words():
    vectors = np.array([[1.0, 0.0], [3.0, 2.0], [0.0, 4.0]])
    tokens = {"a": 0, "b": 1, "c": 2}
    X = sentiment.sentence_features(
        [["a", "b"], ["a", "zzz", "c", "c"], ["zzz", "yyy"], [], ["b"]], vectors, tokens)
    assert np.allclose(X, [[2.0, 1.0], [1 / 3, 8 / 3], [0.0, 0.0], [0.0, 0.0], [3.0, 2.0]])


def test_features_use_centre_and_outside_vectors(ptb_data):
    ds = StanfordSentiment(str(ptb_data))
    tokens = ds.tokens()
    V = len(tokens)
    wordVectors = np.arange(2 * V * 3, dtype=float).reshape(2 * V, 3)
    data, unknown = sentiment.split_data(ds, word_vectors(wordVectors), tokens)
    words, label = ds.getTrainSentences()[0]
    rows = [tokens[w] for w in words]
    expected = np.concatenate((wordVectors[rows].mean(0), wordVectors[V:][rows].mean(0)))
    assert np.allclose(data["train"][0][0], expected)
    assert data["train"][1][0] == label
    assert unknown == 0.0


def test_binary_task_drops_neutral():
    X = np.arange(12.0).reshape(6, 2)
    y = np.array([0, 1, 2, 3, 4, 2])
    Xb, yb = sentiment.binary_task(X, y)
    assert np.array_equal(Xb, X[[0, 1, 3, 4]])
    assert list(yb) == [0, 0, 1, 1]


def test_majority_baseline():
    majority, acc = sentiment.majority_baseline(np.array([3, 3, 1, 0, 3]),
                                                [np.array([3, 1]), np.array([0, 0, 0, 3])])
    assert majority == 3
    assert acc == [0.5, 0.25]


def synthetic(n, rng, noise):
    """Three separable classes in 2-D plus noise dimensions."""
    centres = np.array([[-3.0, 0.0], [0.0, 3.0], [3.0, 0.0]])
    y = rng.integers(0, 3, size=n)
    X = np.hstack([centres[y] + rng.normal(scale=0.7, size=(n, 2)),
                   rng.normal(scale=noise, size=(n, 3))])
    return X, y


def test_sweep_picks_the_best_dev_accuracy():
    rng = np.random.default_rng(0)
    Xtr, ytr = synthetic(60, rng, 1.0)
    Xdev, ydev = synthetic(200, rng, 1.0)
    Cs = [100.0, 1e-4, 0.01, 1.0]
    result = sentiment.sweep(Xtr, ytr, Xdev, ydev, Cs)
    assert list(result.Cs) == sorted(Cs)
    # Recompute each C's dev accuracy independently.
    dev = [sentiment.accuracy(sentiment.fit_classifier(Xtr, ytr, C), Xdev, ydev)
           for C in sorted(Cs)]
    assert np.allclose(result.dev_accuracy, dev)
    assert result.best == int(np.argmax(dev))
    assert result.dev_accuracy[result.best] == max(dev)
    assert sentiment.accuracy(result.model, Xdev, ydev) == max(dev)
    _, (base,) = sentiment.majority_baseline(ytr, [ydev])
    assert max(dev) > base + 0.4
    assert dev[0] < max(dev)  # C = 1e-4 underfits: the choice mattered


def test_sweep_reports_each_fit_and_fits_on_one_thread(monkeypatch):
    from threadpoolctl import threadpool_info

    threads = []
    fit = sentiment.fit_classifier

    def spy(X, y, C):
        threads.append({pool["user_api"]: pool["num_threads"] for pool in threadpool_info()})
        return fit(X, y, C)

    monkeypatch.setattr(sentiment, "fit_classifier", spy)
    rng = np.random.default_rng(2)
    Xtr, ytr = synthetic(40, rng, 1.0)
    Xdev, ydev = synthetic(40, rng, 1.0)
    reports = []
    before = threadpool_info()
    result = sentiment.sweep(Xtr, ytr, Xdev, ydev, [10.0, 0.1],
                             report=lambda *fit: reports.append(fit))
    assert [r[0] for r in reports] == [0.1, 10.0]  # increasing C
    assert [r[1] for r in reports] == list(result.train_accuracy)
    assert [r[2] for r in reports] == list(result.dev_accuracy)
    assert all(r[3] >= 0 for r in reports)
    # No BLAS or OpenMP threads inside a fit: they only contend for the cores.
    assert len(threads) == 2 and all(set(t.values()) <= {1} for t in threads)
    assert threadpool_info() == before  # and the limit ends with the sweep


def test_sweep_needs_two_classes():
    with pytest.raises(ValueError, match="single class"):
        sentiment.sweep(np.zeros((3, 2)), np.array([1, 1, 1]), np.zeros((2, 2)),
                        np.array([1, 0]), [1.0])


# ---- the script ----------------------------------------------------------------

def run_script(*args):
    return subprocess.run([sys.executable, str(ROOT / "sentiment.py"), *map(str, args)],
                          cwd=str(ROOT), capture_output=True, text=True, timeout=300)


def test_sentiment_script_end_to_end(tmp_path):
    sst, trees, tokens = labelled_treebank(tmp_path)
    rng = np.random.default_rng(1)
    vectors = tmp_path / "vectors"
    save_vectors(str(vectors), rng.normal(size=(2 * len(tokens), 4)), tokens)
    out = tmp_path / "plots"

    result = run_script("--vectors", vectors, "--data", sst, "--ptb", trees.parent,
                        "--outdir", out, "--cs", 0.1, 1, 10)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    stdout = result.stdout
    assert "5 classes: best C = " in stdout
    assert "Binary (neutral dropped" in stdout
    assert "Sentences: train 20, dev 20, test 20" in stdout
    assert "mean of its words' [v_w, u_w], 8 numbers" in stdout  # concat by default
    check_fit_lines(stdout, [0.1, 1, 10])
    assert re.search(r"^sentiment.py took \d+\.\d s \(6 classifier fits\)$", stdout, re.M)
    for split in ("train", "dev", "test"):
        assert sum(line.split()[:1] == [split] for line in stdout.splitlines()) == 2
    for name in ("sentiment_accuracy.png", "sentiment_confusion.png"):
        assert (out / name).read_bytes()[:8] == PNG_MAGIC

    # The PNGs go next to the vectors by default.
    result = run_script("--vectors", vectors, "--data", sst, "--ptb", trees, "--cs", 1)
    assert result.returncode == 0, result.stderr
    assert (vectors / "sentiment_confusion.png").read_bytes()[:8] == PNG_MAGIC


def check_fit_lines(stdout, Cs):
    """One line per task and C, in increasing C: task, C, train and dev accuracy, time."""
    fits = re.findall(r"^  (5 classes|binary) +C = (\S+) +train +([\d.]+)% +dev +([\d.]+)%"
                      r" +\((\d+\.\d) s\)$", stdout, re.M)
    assert [(task, float(C)) for task, C, *_ in fits] == (
        [("5 classes", C) for C in Cs] + [("binary", C) for C in Cs])
    assert all(0 <= float(acc) <= 100 for fit in fits for acc in fit[2:4])
    return fits


def labelled_treebank(tmp_path):
    """60 sentences, 20 per split, each class in each split; returns (sst, trees, tokens)."""
    rng = np.random.default_rng(1)
    vocab = ["good", "great", "fine", "bad", "awful", "film", "plot", "the", "a", "is"]
    sentences = []
    for i in range(60):
        words = " ".join(rng.choice(vocab, size=int(rng.integers(2, 7))))
        sentences.append((words, words, i % 5, 1 + (i // 5) % 3))
    sst = tmp_path / "sst"
    write_sentences(str(sst), sentences)
    trees = tmp_path / "ptb" / "trees"
    write_trees(str(trees), sentences)
    return sst, trees, StanfordSentiment(str(sst)).tokens()


@pytest.mark.parametrize("vector", ["v", "u", "sum", "concat"])
def test_sentiment_vector_choice(tmp_path, vector):
    sst, trees, tokens = labelled_treebank(tmp_path)
    rng = np.random.default_rng(7)
    folder = tmp_path / "vectors"
    save_vectors(str(folder), rng.normal(size=(2 * len(tokens), 3)), tokens)
    result = run_script("--vectors", folder, "--vector", vector, "--data", sst, "--ptb", trees,
                        "--outdir", tmp_path / "out", "--cs", 0.1, 10)
    assert result.returncode == 0, result.stderr
    size = 6 if vector == "concat" else 3
    assert "%d numbers)" % size in result.stdout
    # The printed accuracies are those of the same sweep run in-process.
    wv = load(folder, vector)
    data, _ = sentiment.split_data(StanfordSentiment(str(sst), ptb_path=str(trees)),
                                   wv.matrix, wv.index)
    expected = sentiment.sweep(*data["train"], *data["dev"], [0.1, 10])
    fits = check_fit_lines(result.stdout, [0.1, 10])[:2]
    assert [float(f[2]) for f in fits] == [round(100 * a, 1) for a in expected.train_accuracy]
    assert [float(f[3]) for f in fits] == [round(100 * a, 1) for a in expected.dev_accuracy]


def test_sentiment_reads_a_word2vec_file(tmp_path):
    sst, trees, tokens = labelled_treebank(tmp_path)
    rng = np.random.default_rng(8)
    path = save_word2vec_text(str(tmp_path / "mine.txt"), list(tokens),
                              rng.normal(size=(len(tokens), 5)))
    result = run_script("--vectors", path, "--data", sst, "--ptb", trees, "--cs", 1)
    assert result.returncode == 0, result.stderr
    assert "mean of its words' vectors, 5 numbers" in result.stdout
    assert (tmp_path / "sentiment_accuracy.png").read_bytes()[:8] == PNG_MAGIC  # beside it
    result = run_script("--vectors", path, "--vector", "concat", "--data", sst, "--cs", 1)
    assert result.returncode == 1 and "--vector concat is not available" in result.stderr


@pytest.mark.parametrize("what", ["vectors", "data"])
def test_sentiment_script_missing_input(tmp_path, ptb_data, what):
    vectors = tmp_path / "vectors"
    if what == "data":
        tokens = StanfordSentiment(str(ptb_data)).tokens()
        save_vectors(str(vectors), np.ones((2 * len(tokens), 2)), tokens)
        data = tmp_path / "no-such-treebank"
    else:
        data = ptb_data
    result = run_script("--vectors", vectors, "--data", data)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    expected = "--vectors DIR" if what == "vectors" else "datasetSentences.txt"
    assert expected in lines[0]


def test_sentiment_help_explains_every_option():
    result = run_script("--help")
    assert result.returncode == 0
    for option in ("--vectors", "--vector", "--data", "--ptb", "--outdir", "--cs"):
        assert option in result.stdout
    text = " ".join(result.stdout.split())  # argparse wraps lines
    assert "majority" in text and "dev accuracy" in text
