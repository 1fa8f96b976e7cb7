"""Sentence labels, splits and the label file readers (utils/labels.py, utils/label_files.py)."""

import os
import random
from collections import Counter

import numpy as np
import pytest

from tests.conftest import (
    REAL_PTB,
    REAL_SST,
    ROOT,
    SENTENCES,
    needs_real_labels,
    run_python,
    tree_line,
    write_sentences,
    write_trees,
)
from utils.label_files import parse_ptb_tree
from utils.labels import categorify
from utils.treebank import DatasetError, StanfordSentiment


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


@pytest.mark.parametrize("label", [7, -0.1, 1.0000001, float("inf"), "x", None, [0.5]])
def test_categorify_rejects_values_outside_0_1(label):
    with pytest.raises(ValueError) as err:
        StanfordSentiment("unused").categorify(label)
    assert str(err.value) == ("categorify: expected a sentiment value in [0, 1] (as"
                              " sentiment_labels.txt gives), got %r" % (label,))


def test_categorify_is_one_function():
    assert StanfordSentiment("unused").categorify(np.float64(0.3)) == categorify(0.3) == 1


# ---- the split file ------------------------------------------------------------

def rewrite_split(folder, records, header=True):
    with open(os.path.join(str(folder), "datasetSplit.txt"), "w", encoding="utf-8") as f:
        f.write("sentence_index,splitset_label\n" if header else "")
        f.write("".join("%s\n" % r for r in records))


@pytest.mark.parametrize("index", [0, 5, 12])
def test_split_index_outside_the_sentences(dict_data, index):
    rewrite_split(dict_data, ["1,1", "2,3", "%d,1" % index])
    ds = StanfordSentiment(str(dict_data))
    with pytest.raises(DatasetError) as err:
        ds.getTrainSentences()  # 0 used to wrap to the last sentence, 5 an IndexError
    assert str(err.value) == (
        "%s:4: sentence index %d is not one of the sentences (1 to 4 in %s); are the two"
        " files from the same release?"
        % (dict_data / "datasetSplit.txt", index, dict_data / "datasetSentences.txt"))


def test_split_index_listed_twice(dict_data):
    rewrite_split(dict_data, ["1,1", "2,3", "1,2"])
    with pytest.raises(DatasetError, match=r"datasetSplit.txt:4: sentence 1 is listed a second"
                                           r" time \(first on line 2\)"):
        StanfordSentiment(str(dict_data)).dataset_split()


def test_split_file_without_header_keeps_its_first_record(dict_data):
    rewrite_split(dict_data, ["1,1", "2,3", "3,2", "4,1"], header=False)
    ds = StanfordSentiment(str(dict_data))
    assert ds.dataset_split() == [[0, 3], [2], [1]]
    assert [label for _, label in ds.getTrainSentences()] == [4, 3]


def test_sentence_file_without_header_on_the_dictionary_route(dict_data):
    path = dict_data / "datasetSentences.txt"
    path.write_text(path.read_text(encoding="utf-8").split("\n", 1)[1], encoding="utf-8")
    ds = StanfordSentiment(str(dict_data))
    assert np.allclose(ds.sent_labels(), [0.9, 0.2, 0.5, 0.7])  # the first one kept
    assert ds.getTrainSentences()[0] == ("the rock -lrb- 2002 -rrb- is great .".split(), 4)


# ---- label files that are not regular files -----------------------------------------

@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_fifo_dictionary_is_named_not_skipped(dict_data):
    (dict_data / "dictionary.txt").unlink()
    os.mkfifo(str(dict_data / "dictionary.txt"))
    code = ("import sys\nfrom utils.treebank import DatasetError, StanfordSentiment\n"
            "try:\n    StanfordSentiment(sys.argv[1]).sent_labels()\n"
            "except DatasetError as err:\n    print(err)\n")
    r = run_python(code, dict_data)
    assert r.stdout.strip() == ("The phrase dictionary %s is a FIFO (named pipe), not a"
                                " regular file; give the path of an ordinary file"
                                % (dict_data / "dictionary.txt")), r.stderr


def test_no_labels_hint_names_the_script_from_anywhere(tmp_path, monkeypatch):
    sst = tmp_path / "sst"
    write_sentences(str(sst))
    monkeypatch.chdir(str(tmp_path))
    with pytest.raises(DatasetError) as err:
        StanfordSentiment(str(sst)).sent_labels()
    assert "Run `sh %s` (it fetches the PTB trees too" % (ROOT / "get_datasets.sh") \
        in str(err.value)


# ---- the real data -------------------------------------------------------------

@needs_real_labels
def test_real_data_labels():
    ds = StanfordSentiment(str(REAL_SST), ptb_path=str(REAL_PTB))
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
