"""Shared fixtures: a small treebank written in the real file formats."""

import os
import random
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# The real data, where this machine has it (CI's does: ../shared/data).
REAL_SST = ROOT.parent / "shared" / "data" / "stanfordSentimentTreebank"
REAL_PTB = ROOT.parent / "shared" / "data" / "trainDevTestTrees_PTB"

FIXTURE_WORDS = ("great cool brilliant wonderful well amazing worth sweet enjoyable boring bad"
                 " dumb annoying female male queen king man woman rain snow hail coffee tea"
                 " the a of and film movie is it 's , . to").split()


def write_treebank(folder, n_sentences=300, seed=0, words=FIXTURE_WORDS):
    """Write datasetSentences.txt and datasetSplit.txt of a synthetic corpus.

    Word frequencies are Zipf-like, so the frequent words have a positive
    reject probability, as in the real corpus. Returns the sentences as
    written (before lower-casing), each a list of words.
    """
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, len(words) + 1)
    weights /= weights.sum()
    sentences = []
    for _ in range(n_sentences):
        n = int(rng.integers(1, 15))
        sent = [str(w) for w in rng.choice(words, size=n, p=weights)]
        # Some capitals, to check lower-casing.
        if rng.random() < 0.3:
            sent[0] = sent[0].capitalize()
        sentences.append(sent)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "datasetSentences.txt"), "w", encoding="utf-8") as f:
        f.write("sentence_index\tsentence\n")
        for i, s in enumerate(sentences, start=1):
            f.write("%d\t%s\n" % (i, " ".join(s)))
    with open(os.path.join(folder, "datasetSplit.txt"), "w", encoding="utf-8") as f:
        f.write("sentence_index,splitset_label\n")
        for i in range(1, n_sentences + 1):
            f.write("%d,%d\n" % (i, 1 + (i % 3)))
    return sentences


@pytest.fixture
def treebank_dir(tmp_path):
    """A folder holding a small synthetic treebank."""
    folder = tmp_path / "sst"
    write_treebank(str(folder))
    return folder


@pytest.fixture(autouse=True)
def _restore_random_state():
    """Tests seed the global generators; leave them as they were for the next test."""
    py, npy = random.getstate(), np.random.get_state()
    yield
    random.setstate(py)
    np.random.set_state(npy)
