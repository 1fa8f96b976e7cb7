"""utils/treebank.py: the sampler semantics that decide the assignment's numbers."""

import json
import os
import random
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest

from tests.conftest import REAL_SST, ROOT, needs_real_sst, run_python, write_treebank
from utils import datafiles
from utils.treebank import DatasetError, StanfordSentiment, build_sample_table


def test_sentences_tokens_and_counts(treebank_dir):
    raw = write_treebank(str(treebank_dir))
    ds = StanfordSentiment(str(treebank_dir))
    assert ds.sentences() == [[w.lower() for w in s] for s in raw]
    assert ds.numSentences() == len(raw)
    tokens = ds.tokens()
    order = []
    for s in ds.sentences():
        for w in s:
            if w not in order:
                order.append(w)
    assert list(tokens) == order + ["UNK"]
    assert [tokens[w] for w in tokens] == list(range(len(tokens)))
    counts = Counter(w for s in ds.sentences() for w in s)
    assert ds._wordcount == sum(counts.values()) + 1
    assert np.array_equal(ds.token_counts(), [counts[w] for w in order] + [1])


def test_reject_probabilities(treebank_dir):
    ds = StanfordSentiment(str(treebank_dir))
    counts = ds.token_counts()
    N = counts.sum()
    expected = [max(0.0, 1 - np.sqrt(1e-5 * N / c)) for c in counts]
    assert np.allclose(ds.rejectProb(), expected, rtol=0, atol=1e-15)
    assert np.all((ds.rejectProb() > 0) & (ds.rejectProb() < 1))  # a small corpus: all droppable


def _reference_all_sentences(ds):
    """The definition, written plainly: 30 copies, one draw per droppable word."""
    reject, tokens = ds.rejectProb(), ds.tokens()
    out = []
    for s in ds.sentences() * 30:
        kept = []
        for w in s:
            p = reject[tokens[w]]
            if p <= 0 or random.random() >= p:
                kept.append(w)
        if len(kept) > 1:
            out.append(kept)
    return out


def test_all_sentences_follow_the_definition(treebank_dir):
    ds = StanfordSentiment(str(treebank_dir))
    random.seed(5)
    got = ds.allSentences()
    after = random.random()
    random.seed(5)
    assert got == _reference_all_sentences(StanfordSentiment(str(treebank_dir)))
    assert random.random() == after  # the same number of draws, too
    assert ds.allSentences() is got  # built once


def test_random_context_semantics(treebank_dir):
    ds = StanfordSentiment(str(treebank_dir))
    random.seed(1)
    allsent = ds.allSentences()
    for C in (1, 2, 5):
        for _ in range(300):
            state = random.getstate()
            center, context = ds.getRandomContext(C)
            assert context and center not in context and len(context) <= 2 * C
            # Replay the draws by the definition.
            random.setstate(state)
            while True:
                sent = allsent[random.randint(0, len(allsent) - 1)]
                i = random.randint(0, len(sent) - 1)
                ctx = [w for w in sent[max(0, i - C):i] + sent[i + 1:i + 1 + C] if w != sent[i]]
                if ctx:
                    break
            assert (center, context) == (sent[i], ctx)


def test_sample_table_matches_its_definition(treebank_dir):
    ds = StanfordSentiment(str(treebank_dir), tablesize=5000)
    random.seed(2)
    table = ds.sampleTable()
    freq = ds.token_counts() ** 0.75
    bounds = np.cumsum(freq / freq.sum()) * 5000
    expected, j = [], 0
    for i in range(5000):  # the assignment's loop
        while i > bounds[j]:
            j += 1
        expected.append(j)
    assert table == expected
    state = random.getstate()
    idx = ds.sampleTokenIdx()
    random.setstate(state)
    assert idx == table[random.randint(0, 4999)]


def test_dataset_split(treebank_dir):
    ds = StanfordSentiment(str(treebank_dir))
    train, test, dev = ds.dataset_split()
    assert sorted(train + test + dev) == list(range(ds.numSentences()))
    assert all((i + 1) % 3 == 0 for i in train)


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(DatasetError, match="get_datasets.sh"):
        StanfordSentiment(str(tmp_path / "nowhere")).tokens()
    (tmp_path / "datasetSentences.txt").write_text("")
    with pytest.raises(DatasetError, match="empty"):
        StanfordSentiment(str(tmp_path)).tokens()
    (tmp_path / "datasetSentences.txt").write_text("sentence_index\tsentence\n1\tok\nx\tbad\n")
    with pytest.raises(DatasetError, match=r"datasetSentences.txt:3: expected a sentence index"):
        StanfordSentiment(str(tmp_path)).tokens()
    (tmp_path / "datasetSentences.txt").write_bytes(b"h\n1\tgood\n2\tbad \xff\n")
    with pytest.raises(DatasetError, match=r":3: bytes that are not UTF-8"):
        StanfordSentiment(str(tmp_path)).tokens()
    (tmp_path / "datasetSentences.txt").write_text("h\n1\tgood\n2\tbad\n")
    (tmp_path / "datasetSplit.txt").write_text("sentence_index,splitset_label\n1,1\n2,7\n")
    with pytest.raises(DatasetError, match=r"datasetSplit.txt:3: split label 7"):
        StanfordSentiment(str(tmp_path)).dataset_split()


def write_corpus(folder, lines, header=True):
    """datasetSentences.txt of ``lines`` (each a sentence's text), numbered from 1."""
    os.makedirs(str(folder), exist_ok=True)
    with open(os.path.join(str(folder), "datasetSentences.txt"), "w", encoding="utf-8") as f:
        if header:
            f.write("sentence_index\tsentence\n")
        for i, text in enumerate(lines, start=1):
            f.write("%d\t%s\n" % (i, text))
    return folder


# ---- sampling loops that must end ------------------------------------------------

# Each snippet runs in a fresh interpreter (run_python), so a loop that never
# ends fails the test after a timeout instead of hanging the suite.
RAISES = """
import random, sys
from utils.treebank import DatasetError, StanfordSentiment
ds = StanfordSentiment(sys.argv[1], **eval(sys.argv[2]))
random.seed(314)
try:
    print(repr(eval(sys.argv[3])))
except (DatasetError, ValueError) as err:
    print(type(err).__name__, err)
"""


def call(folder, expression, **kwargs):
    """``expression`` (of ``ds``, a StanfordSentiment of folder) in a fresh interpreter."""
    r = run_python(RAISES, folder, repr(kwargs), expression)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


@pytest.mark.parametrize("C", ["0", "-1", "2.5", "True", "'3'"])
def test_random_context_needs_a_window_of_at_least_one(treebank_dir, C):
    out = call(treebank_dir, "ds.getRandomContext(%s)" % C)
    assert out == ("ValueError getRandomContext: C, the window size, must be a whole number"
                   " >= 1, got %s" % C)


def test_random_context_accepts_numpy_integers(treebank_dir):
    ds = StanfordSentiment(str(treebank_dir))
    random.seed(3)
    center, context = ds.getRandomContext(np.int64(2))
    assert context and center not in context and len(context) <= 4


def test_single_word_sentences_say_no_pair_can_be_drawn(tmp_path):
    # Every sentence repeats one word: no position has a context word.
    folder = write_corpus(tmp_path / "sst", ["z " * 2000, "y " * 2000])
    kept = int(call(folder, "len(ds.allSentences())"))
    assert kept > 0
    out = call(folder, "ds.getRandomContext(5)")
    assert out.startswith("DatasetError %s: no (centre, context) pair can be drawn"
                          % (folder / "datasetSentences.txt")), out
    assert "each of the %d sentences left repeats a single word" % kept in out
    assert "use a larger corpus" in out


def test_subsampling_to_single_word_sentences_is_detected(tmp_path):
    # The corpus: "z y" holds a pair, but subsampling (z and y are
    # each half of the corpus) almost surely drops one of its two words.
    folder = write_corpus(tmp_path / "sst", ["z " * 1000, "y " * 1000, "z y"])
    out = call(folder, "[len(set(s)) for s in ds.allSentences()]")
    assert set(eval(out)) == {1}  # the precondition, under this seed
    assert "no (centre, context) pair can be drawn" in call(folder, "ds.getRandomContext(1)")


def test_corpus_subsampled_to_nothing(tmp_path):
    folder = write_corpus(tmp_path / "sst", ["good film"])
    assert call(folder, "len(ds.allSentences())") == "0"
    out = call(folder, "ds.getRandomContext(5)")
    assert out.startswith("DatasetError %s: the corpus is too small to train on"
                          % (folder / "datasetSentences.txt")), out


def test_rare_pairs_are_still_found(treebank_dir):
    # One subsampled sentence in 41 holds a pair, and only at one position.
    ds = StanfordSentiment(str(treebank_dir))
    ds._allsentences = [["z", "z", "z"]] * 40 + [["z", "a"]]
    random.seed(0)
    drawn = {(c, tuple(ctx)) for c, ctx in (ds.getRandomContext(1) for _ in range(20))}
    assert drawn == {("z", ("a",)), ("a", ("z",))}


def test_negative_sampling_table_of_one_word_is_refused(tmp_path):
    # 100 z and UNK (count 1): in a table of 5 entries UNK gets none.
    folder = write_corpus(tmp_path / "sst", ["z " * 100])
    message = ("DatasetError %s: the negative-sampling table (5 entries) holds one word only"
               % (folder / "datasetSentences.txt"))
    assert call(folder, "ds.sampleTable()", tablesize=5).startswith(message)
    assert call(folder, "ds.sampleTokenIdx()", tablesize=5).startswith(message)
    out = call(folder, "__import__('word2vec').getNegativeSamples(0, ds, 3)", tablesize=5)
    assert out.startswith(message), out


def test_one_word_vocabulary_still_has_unk_to_draw(tmp_path):
    # At the default table size UNK keeps its entries: negatives for z end.
    folder = write_corpus(tmp_path / "sst", ["z " * 1000])
    assert call(folder, "sorted(set(ds.sampleTable()))") == "[0, 1]"
    assert call(folder, "[ds.sampleTokenIdx() for _ in range(3000)].count(1) > 0") == "True"


def test_build_sample_table_refuses_a_single_word():
    for probabilities, tablesize in (([1.0], 10), ([0.5, 0.5], 1), ([0.999, 0.001], 100)):
        with pytest.raises(DatasetError, match=r"holds one word only \(index 0\)"):
            build_sample_table(probabilities, tablesize)
    assert list(build_sample_table([0.5, 0.5], 4)) == [0, 0, 0, 1]


def test_table_size_below_one_is_refused(treebank_dir):
    with pytest.raises(ValueError, match="tablesize must be at least 1, got 0"):
        StanfordSentiment(str(treebank_dir), tablesize=0)


# ---- the sentence file's format ---------------------------------------------------

def test_sentence_file_without_header_keeps_its_first_sentence(tmp_path):
    lines = ["The Rock is great", "a dull film", "it is a film"]
    with_header = StanfordSentiment(str(write_corpus(tmp_path / "a", lines)))
    without = StanfordSentiment(str(write_corpus(tmp_path / "b", lines, header=False)))
    assert without.sentences() == with_header.sentences() == [
        ["the", "rock", "is", "great"], ["a", "dull", "film"], ["it", "is", "a", "film"]]
    assert [n for n, _ in without.sentence_lines()] == [1, 2, 3]
    assert [n for n, _ in with_header.sentence_lines()] == [2, 3, 4]


def test_sentence_indices_must_run_in_order(tmp_path):
    (tmp_path / "datasetSentences.txt").write_text("sentence_index\tsentence\n1\ta b\n3\tc d\n")
    with pytest.raises(DatasetError, match=r"datasetSentences.txt:3: sentence index 3 where 2"
                                           r" was expected"):
        StanfordSentiment(str(tmp_path)).sentences()


# ---- files that are not what they should be ----------------------------------------

def test_missing_file_message_names_the_script_from_anywhere(tmp_path, monkeypatch):
    missing = tmp_path / "nowhere"
    monkeypatch.chdir(str(ROOT))
    with pytest.raises(DatasetError) as err:
        StanfordSentiment(str(missing)).tokens()
    assert str(err.value) == ("The sentence file %s was not found; run `sh get_datasets.sh`"
                              " to get it (or name the folder that holds it: run.py --data"
                              " DIR, train.py --sst DIR)"
                              % (missing / "datasetSentences.txt"))
    monkeypatch.chdir(str(tmp_path))
    with pytest.raises(DatasetError) as err:
        StanfordSentiment(str(missing)).tokens()
    assert "run `sh %s` to get it" % (ROOT / "get_datasets.sh") in str(err.value)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_fifo_in_place_of_the_sentence_file(tmp_path):
    os.mkfifo(str(tmp_path / "datasetSentences.txt"))
    assert call(tmp_path, "ds.tokens()") == (
        "DatasetError The sentence file %s is a FIFO (named pipe), not a regular file; give"
        " the path of an ordinary file" % (tmp_path / "datasetSentences.txt"))


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_device_and_folder_in_place_of_the_sentence_file(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "datasetSentences.txt").symlink_to("/dev/zero")
    assert "is a character device, not a regular file" in call(tmp_path / "a", "ds.tokens()")
    (tmp_path / "b" / "datasetSentences.txt").mkdir(parents=True)
    assert "is a folder, not a regular file" in call(tmp_path / "b", "ds.tokens()")


def test_oversized_data_file_is_refused(tmp_path, monkeypatch):
    write_corpus(tmp_path, ["a b"] * 100)
    size = (tmp_path / "datasetSentences.txt").stat().st_size
    monkeypatch.setattr(datafiles, "MAX_FILE_BYTES", size - 1)
    with pytest.raises(DatasetError, match=r"datasetSentences.txt is %d bytes, more than the"
                                           r" %d" % (size, size - 1)):
        StanfordSentiment(str(tmp_path)).tokens()


# ---- where the tests find the real data ---------------------------------------------

FIND = """
import json
from tests import conftest
print(json.dumps([str(conftest.REAL_SST), str(conftest.REAL_PTB), conftest.REAL_DATA_MISSING,
                  [str(f) for f in conftest.real_data_folders()]]))
"""


def test_real_data_are_found_where_the_variable_says(tmp_path):
    write_treebank(str(tmp_path / "stanfordSentimentTreebank"), n_sentences=5)
    (tmp_path / "trainDevTestTrees_PTB" / "trees").mkdir(parents=True)
    (tmp_path / "trainDevTestTrees_PTB" / "trees" / "train.txt").write_text("(2 a)\n")
    env = dict(os.environ, W2V_DATA=str(tmp_path))
    r = subprocess.run([sys.executable, "-c", FIND], cwd=str(ROOT), env=env,
                       capture_output=True, text=True, timeout=60)
    sst, ptb, missing, folders = json.loads(r.stdout)
    assert sst == str(tmp_path / "stanfordSentimentTreebank")
    assert ptb == str(tmp_path / "trainDevTestTrees_PTB")
    assert folders == [str(tmp_path), str(ROOT / "utils" / "datasets"),
                       str(ROOT.parent / "shared" / "data")]
    assert "W2V_DATA=DIR" in missing and "get_datasets.sh" in missing


@needs_real_sst
def test_real_data_counts():
    ds = StanfordSentiment(str(REAL_SST))
    assert ds.numSentences() == 11855
    assert len(ds.tokens()) == 19539
    assert ds._wordcount == 227246
    random.seed(31415)
    assert len(ds.allSentences()) == 299483
    assert [len(s) for s in ds.dataset_split()] == [8544, 2210, 1101]


def test_sample_table_is_the_searchsorted_definition():
    """The O(V) table equals its definition: entry i = the first j with cum_j * T >= i."""
    from utils.treebank import build_sample_table

    rng = np.random.default_rng(7)
    for _ in range(200):
        V, T = int(rng.integers(2, 40)), int(rng.integers(1, 2000))
        p = rng.random(V) ** 3
        p[rng.random(V) < 0.2] = 0.0
        p[0] += 1e-3  # never all zero
        p /= p.sum()
        bounds = np.cumsum(p) * T
        expected = np.minimum(np.searchsorted(bounds, np.arange(T), side="left"), V - 1)
        if expected[0] == expected[-1]:
            continue  # one word: refused, tested elsewhere
        table = build_sample_table(p, T)
        assert table.dtype == np.int32 and np.array_equal(table, expected)
