"""Sentence labels (utils/treebank.py) and the sentiment classifier (sentiment.py)."""

import os
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import sentiment
from export import save_vectors
from utils.treebank import DatasetError, StanfordSentiment, parse_ptb_tree

ROOT = Path(__file__).resolve().parents[1]
REAL_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def mojibake(text):
    """UTF-8 bytes read as Latin-1, as datasetSentences.txt spells some words."""
    return text.encode("utf-8").decode("latin-1")


# (sentence as datasetSentences.txt writes it, words of its PTB tree, class, split)
# split: 1 train, 2 test, 3 dev, as in datasetSplit.txt.
SENTENCES = [
    ("The Rock -LRB- 2002 -RRB- is great .",
     "The Rock -LRB- 2002 -RRB- is great .", 4, 1),
    ("A dull , dull film .", "A dull , dull film .", 0, 3),
    ("Its %s are tired ." % mojibake("clichés"), "Its clichés are tired .", 1, 1),
    ("It is a film .", "It is a film .", 2, 2),
    ("Like Contempt and %s .", "Like Contempt and 8\u00a01\\/2 .", 3, 1),
    ("Pretty good , really .", "Pretty good , really .", 3, 3),
    ("Bad .", "Bad .", 1, 2),
    ("Wonderful acting by %s ." % mojibake("André"), "Wonderful acting by André .", 4, 1),
]
# Sentence 5 holds a no-break space inside the mojibake, like the real sentence 5955.
SENTENCES[4] = (SENTENCES[4][0] % mojibake("8\u00a01\\/2"),) + SENTENCES[4][1:]
TREE_FILES = {1: "train.txt", 2: "test.txt", 3: "dev.txt"}


def write_sentences(folder, sentences=SENTENCES):
    """datasetSentences.txt and datasetSplit.txt of ``sentences`` (text, ..., split)."""
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "datasetSentences.txt"), "w", encoding="utf-8") as f:
        f.write("sentence_index\tsentence\n")
        for i, s in enumerate(sentences, start=1):
            f.write("%d\t%s\n" % (i, s[0]))
    with open(os.path.join(folder, "datasetSplit.txt"), "w", encoding="utf-8") as f:
        f.write("sentence_index,splitset_label\n")
        for i, s in enumerate(sentences, start=1):
            f.write("%d,%d\n" % (i, s[3]))


def tree_line(words, label):
    """A PTB tree: the root labelled ``label``, a leaf ``(2 word)`` per word."""
    leaves = " ".join("(2 %s)" % w for w in words.split(" "))
    return "(%d (2 %s))" % (label, leaves)


def write_trees(folder, sentences=SENTENCES):
    """trees/{train,dev,test}.txt with one tree per sentence, in split order."""
    os.makedirs(folder, exist_ok=True)
    for split, name in TREE_FILES.items():
        with open(os.path.join(folder, name), "w", encoding="utf-8") as f:
            for s in sentences:
                if s[3] == split:
                    f.write(tree_line(s[1], s[2]) + "\n")


@pytest.fixture
def ptb_data(tmp_path):
    """A treebank folder with its PTB trees next to it, as get_datasets.sh lays them out."""
    sst = tmp_path / "stanfordSentimentTreebank"
    write_sentences(str(sst))
    write_trees(str(tmp_path / "trainDevTestTrees_PTB" / "trees"))
    return sst


def expected_split(split):
    return [([w.lower() for w in s[0].split()], s[2]) for s in SENTENCES if s[3] == split]


# ---- the PTB route -------------------------------------------------------------

def test_ptb_labels_are_class_midpoints(ptb_data):
    ds = StanfordSentiment(str(ptb_data))
    labels = ds.sent_labels()
    assert labels.shape == (len(SENTENCES),)
    assert np.allclose(labels, [(s[2] + 0.5) / 5 for s in SENTENCES])
    assert [ds.categorify(x) for x in labels] == [s[2] for s in SENTENCES]
    assert "PTB" in ds.label_source()


def test_split_selection(ptb_data):
    ds = StanfordSentiment(str(ptb_data))
    assert ds.getTrainSentences() == expected_split(1) == ds.getSplitSentences(0)
    assert ds.getTestSentences() == expected_split(2) == ds.getSplitSentences(1)
    assert ds.getDevSentences() == expected_split(3) == ds.getSplitSentences(2)
    assert len(ds.getTrainSentences()) == 4
    with pytest.raises(ValueError, match="split must be 0"):
        ds.getSplitSentences(3)


def test_random_train_sentence_uses_python_random(ptb_data):
    ds = StanfordSentiment(str(ptb_data))
    random.seed(7)
    drawn = [ds.getRandomTrainSentence() for _ in range(20)]
    random.seed(7)
    again = [ds.getRandomTrainSentence() for _ in range(20)]
    assert drawn == again
    train = expected_split(1)
    assert all(pair in train for pair in drawn)
    assert len({tuple(w) for w, _ in drawn}) > 1


def test_explicit_ptb_path(tmp_path):
    sst = tmp_path / "sst"
    write_sentences(str(sst))
    elsewhere = tmp_path / "somewhere" / "trees"
    write_trees(str(elsewhere))
    with pytest.raises(DatasetError):
        StanfordSentiment(str(sst)).sent_labels()  # no sibling folder
    for path in (elsewhere, elsewhere.parent):  # the trees folder, or its parent
        ds = StanfordSentiment(str(sst), ptb_path=str(path))
        assert [ds.categorify(x) for x in ds.sent_labels()] == [s[2] for s in SENTENCES]
    with pytest.raises(DatasetError, match="PTB trees folder given"):
        StanfordSentiment(str(sst), ptb_path=str(tmp_path / "nothing")).sent_labels()


def test_misaligned_tree_names_file_line_and_both_texts(ptb_data):
    trees = ptb_data.parent / "trainDevTestTrees_PTB" / "trees" / "train.txt"
    lines = trees.read_text(encoding="utf-8").splitlines()
    lines[2] = tree_line("Like Contempt and 8 1/2 .", 3)  # tree 3 no longer matches
    trees.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DatasetError) as err:
        StanfordSentiment(str(ptb_data)).sent_labels()
    message = str(err.value)
    assert "%s:3:" % trees in message
    assert "Like Contempt and 8 1/2 ." in message       # the tree's text
    assert "Like Contempt and 8 1\\\\/2 ." in message   # the sentence's (repr)


def test_tree_count_mismatch(ptb_data):
    trees = ptb_data.parent / "trainDevTestTrees_PTB" / "trees" / "dev.txt"
    lines = trees.read_text(encoding="utf-8").splitlines()
    trees.write_text(lines[0] + "\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"dev.txt has 1 trees but datasetSplit.txt lists 2"):
        StanfordSentiment(str(ptb_data)).sent_labels()


def test_malformed_tree_names_the_line(ptb_data):
    trees = ptb_data.parent / "trainDevTestTrees_PTB" / "trees" / "test.txt"
    lines = trees.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1][:-1]  # an unclosed bracket
    trees.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"test.txt:2: not a PTB sentiment tree"):
        StanfordSentiment(str(ptb_data)).sent_labels()


@pytest.mark.parametrize("line, root, leaves", [
    ("(3 (2 It) (4 (2 's) (3 fine)))", 3, ["It", "'s", "fine"]),
    ("(0 bad)", 0, ["bad"]),
    ("(2 (2 8\u00a01\\/2) (2 .))", 2, ["8\u00a01\\/2", "."]),
])
def test_parse_ptb_tree(line, root, leaves):
    assert parse_ptb_tree(line) == (root, leaves)


@pytest.mark.parametrize("line", ["", "word", "(3 (2 a)", "(3 (2 a)))", "(7 a)", "(2 )",
                                  "(2 a b)", "(2 a) (2 b)", "(x a)"])
def test_parse_ptb_tree_rejects(line):
    with pytest.raises(ValueError):
        parse_ptb_tree(line)


# ---- the dictionary route ------------------------------------------------------

def write_dictionary(folder, phrases, values, header="phrase ids|sentiment values"):
    with open(os.path.join(folder, "dictionary.txt"), "w", encoding="utf-8") as f:
        for phrase, i in phrases:
            f.write("%s|%d\n" % (phrase, i))
    with open(os.path.join(folder, "sentiment_labels.txt"), "w", encoding="utf-8") as f:
        f.write(header + "\n")
        for i, v in values:
            f.write("%d|%s\n" % (i, v))


DICT_SENTENCES = [
    ("The Rock -LRB- 2002 -RRB- is great .", None, 4, 1),
    ("A dull , dull film .", None, 0, 3),
    ("It is a film .", None, 2, 2),
    ("Pretty good , really .", None, 3, 1),
]


@pytest.fixture
def dict_data(tmp_path):
    sst = tmp_path / "sst"
    write_sentences(str(sst), DICT_SENTENCES)
    phrases = [("The Rock ( 2002 ) is great .", 10),
               ("the rock ( 2002 ) is great .", 11),   # the lower-cased phrase differs
               ("A dull , dull film .", 12),
               ("It is a film .", 13),
               ("Pretty good , really .", 14),
               ("great", 15)]
    values = [(10, "0.9"), (11, "0.1"), (12, "0.2"), (13, "0.5"), (14, "0.7"), (15, "0.95")]
    write_dictionary(str(sst), phrases, values)
    return sst


def test_dictionary_labels(dict_data):
    ds = StanfordSentiment(str(dict_data))
    assert np.allclose(ds.sent_labels(), [0.9, 0.2, 0.5, 0.7])  # original case matched
    assert "dictionary.txt" in ds.label_source()
    assert ds.getTrainSentences() == [
        ("the rock -lrb- 2002 -rrb- is great .".split(), 4),
        ("pretty good , really .".split(), 3)]
    assert ds.getDevSentences() == [("a dull , dull film .".split(), 0)]
    assert ds.getTestSentences() == [("it is a film .".split(), 2)]


def test_dictionary_wins_over_ptb_trees(dict_data):
    # Trees that disagree with the dictionary are not read when dictionary.txt is there.
    write_trees(str(dict_data.parent / "trainDevTestTrees_PTB" / "trees"),
                [(s[0], s[0], 0, s[3]) for s in DICT_SENTENCES])
    ds = StanfordSentiment(str(dict_data))
    assert [ds.categorify(x) for x in ds.sent_labels()] == [4, 0, 2, 3]


@pytest.mark.parametrize("which, bad, message", [
    ("dictionary.txt", "no bar here\n", r"dictionary.txt:7: expected `phrase\|id`"),
    ("dictionary.txt", "phrase|seven\n", r"dictionary.txt:7: expected `phrase\|id`"),
    ("sentiment_labels.txt", "16|high\n", r"sentiment_labels.txt:8: .*'high' is not a number"),
    ("sentiment_labels.txt", "16|1.5\n", r"sentiment_labels.txt:8: .*outside \[0, 1\]"),
    ("sentiment_labels.txt", "16\n", r"sentiment_labels.txt:8: expected `phrase id\|"),
])
def test_malformed_dictionary_lines(dict_data, which, bad, message):
    with open(dict_data / which, "a", encoding="utf-8") as f:
        f.write(bad)
    with pytest.raises(DatasetError, match=message):
        StanfordSentiment(str(dict_data)).sent_labels()


def test_sentence_missing_from_dictionary(dict_data):
    text = (dict_data / "dictionary.txt").read_text(encoding="utf-8")
    (dict_data / "dictionary.txt").write_text(text.replace("It is a film .|13\n", ""),
                                              encoding="utf-8")
    with pytest.raises(DatasetError, match=r"datasetSentences.txt:4: the sentence 'It is a"):
        StanfordSentiment(str(dict_data)).sent_labels()


def test_neither_source_names_both(tmp_path):
    sst = tmp_path / "sst"
    write_sentences(str(sst))
    with pytest.raises(DatasetError) as err:
        StanfordSentiment(str(sst)).getTrainSentences()
    message = str(err.value)
    assert str(sst / "dictionary.txt") in message
    assert str(tmp_path / "trainDevTestTrees_PTB" / "trees") in message
    assert "get_datasets.sh" in message and "PTB_SOURCE" in message


@pytest.mark.parametrize("value, cls", [
    (0.0, 0), (0.2, 0), (0.2000001, 1), (0.4, 1), (0.41, 2), (0.6, 2), (0.61, 3),
    (0.8, 3), (0.81, 4), (1.0, 4)])
def test_categorify_boundaries(value, cls):
    assert StanfordSentiment("unused").categorify(value) == cls


def test_categorify_rejects_nan():
    with pytest.raises(ValueError, match="NaN"):
        StanfordSentiment("unused").categorify(float("nan"))


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
    from export import word_vectors
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


def test_sweep_needs_two_classes():
    with pytest.raises(ValueError, match="single class"):
        sentiment.sweep(np.zeros((3, 2)), np.array([1, 1, 1]), np.zeros((2, 2)),
                        np.array([1, 0]), [1.0])


# ---- the script ----------------------------------------------------------------

def run_script(*args):
    return subprocess.run([sys.executable, str(ROOT / "sentiment.py"), *map(str, args)],
                          cwd=str(ROOT), capture_output=True, text=True, timeout=300)


def test_sentiment_script_end_to_end(tmp_path):
    # 60 sentences, 20 per split, each class represented in each split.
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
    ds = StanfordSentiment(str(sst))
    tokens = ds.tokens()
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
    for split in ("train", "dev", "test"):
        assert sum(line.split()[:1] == [split] for line in stdout.splitlines()) == 2
    for name in ("sentiment_accuracy.png", "sentiment_confusion.png"):
        assert (out / name).read_bytes()[:8] == PNG_MAGIC

    # The PNGs go next to the vectors by default.
    result = run_script("--vectors", vectors, "--data", sst, "--ptb", trees, "--cs", 1)
    assert result.returncode == 0, result.stderr
    assert (vectors / "sentiment_confusion.png").read_bytes()[:8] == PNG_MAGIC


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
    expected = "python run.py" if what == "vectors" else "datasetSentences.txt"
    assert expected in lines[0]


def test_sentiment_help_explains_every_option():
    result = run_script("--help")
    assert result.returncode == 0
    for option in ("--vectors", "--data", "--ptb", "--outdir", "--cs"):
        assert option in result.stdout
    text = " ".join(result.stdout.split())  # argparse wraps lines
    assert "majority" in text and "dev accuracy" in text


# ---- the real data -------------------------------------------------------------

@pytest.mark.skipif(not (REAL_DATA / "stanfordSentimentTreebank").is_dir()
                    or not (REAL_DATA / "trainDevTestTrees_PTB").is_dir(),
                    reason="the real data are not at %s" % REAL_DATA)
def test_real_data_labels():
    ds = StanfordSentiment(str(REAL_DATA / "stanfordSentimentTreebank"))
    expected = {
        "train": (ds.getTrainSentences, 8544, [1092, 2218, 1624, 2322, 1288]),
        "dev": (ds.getDevSentences, 1101, [139, 289, 229, 279, 165]),
        "test": (ds.getTestSentences, 2210, [279, 633, 389, 510, 399]),
    }
    for name, (get, size, counts) in expected.items():
        pairs = get()
        assert len(pairs) == size, name
        got = Counter(label for _, label in pairs)
        assert [got[k] for k in range(5)] == counts, name
    assert not np.any(np.isnan(ds.sent_labels()))
