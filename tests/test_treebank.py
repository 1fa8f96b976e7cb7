"""utils/treebank.py: the sampler semantics that decide the assignment's numbers."""

import os
import random
from collections import Counter

import numpy as np
import pytest

from tests.conftest import REAL_SST, write_treebank
from utils.treebank import DatasetError, StanfordSentiment


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
    (tmp_path / "datasetSplit.txt").write_text("sentence_index,splitset_label\n1,1\n2,7\n")
    with pytest.raises(DatasetError, match=r"datasetSplit.txt:3: split label 7"):
        StanfordSentiment(str(tmp_path)).dataset_split()


@pytest.mark.skipif(not REAL_SST.is_dir(), reason="the real treebank is not on this machine")
def test_real_data_counts():
    ds = StanfordSentiment(str(REAL_SST))
    assert ds.numSentences() == 11855
    assert len(ds.tokens()) == 19539
    assert ds._wordcount == 227246
    random.seed(31415)
    assert len(ds.allSentences()) == 299483
    assert [len(s) for s in ds.dataset_split()] == [8544, 2210, 1101]
