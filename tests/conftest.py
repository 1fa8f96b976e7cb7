"""Shared fixtures: a small treebank written in the real file formats."""

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# Tests that stop a child with Ctrl-C (SIGINT) need it to reach the child as it
# would from a terminal. A shell without job control starts `cmd &` with SIGINT
# ignored, children inherit that, and a script cannot catch a signal ignored
# from its start (bash, Python): the stop would never arrive. Catching it here
# again gives every child the default disposition (exec resets caught signals).
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# The real data, where this machine has it. Looked for, in this order, in the
# folder named by $W2V_DATA, in utils/datasets (where get_datasets.sh installs
# them) and in ../shared/data (CI's copy).
DATA_ENV = "W2V_DATA"


def real_data_folders():
    """The folders searched for the real data, first match wins."""
    named = os.environ.get(DATA_ENV, "").strip()
    folders = [Path(named).expanduser()] if named else []
    return folders + [ROOT / "utils" / "datasets", ROOT.parent / "shared" / "data"]


def find_real_data(name, *markers):
    """``<folder>/<name>`` of the first searched folder holding one of ``markers``
    inside it (a $W2V_DATA that is that folder itself counts too); None if none does."""
    for folder in real_data_folders():
        for candidate in (folder / name, folder):
            if any((candidate / marker).is_file() for marker in markers):
                return candidate
    return None


def missing_reason(what, how="run `sh get_datasets.sh` (it installs them in utils/datasets)"):
    """The skip message of a test needing ``what`` (e.g. "benchmarks/"): where it was
    looked for and how to provide it."""
    return ("the real data are not on this machine: no %s in %s; %s, or set %s=DIR, a folder"
            " holding them" % (what, ", ".join(map(str, real_data_folders())), how, DATA_ENV))


_FOUND_SST = find_real_data("stanfordSentimentTreebank", "datasetSentences.txt")
_FOUND_PTB = find_real_data("trainDevTestTrees_PTB", "trees/train.txt", "train.txt")
# Always paths: where get_datasets.sh would put them when they are not found.
REAL_SST = _FOUND_SST or ROOT / "utils" / "datasets" / "stanfordSentimentTreebank"
REAL_PTB = _FOUND_PTB or ROOT / "utils" / "datasets" / "trainDevTestTrees_PTB"
_MISSING = [name for name, found in (("stanfordSentimentTreebank/", _FOUND_SST),
                                     ("trainDevTestTrees_PTB/", _FOUND_PTB)) if found is None]
REAL_DATA_MISSING = missing_reason(" or ".join(_MISSING) or "-")
needs_real_sst = pytest.mark.skipif(_FOUND_SST is None, reason=REAL_DATA_MISSING)
needs_real_labels = pytest.mark.skipif(_FOUND_SST is None or _FOUND_PTB is None,
                                       reason=REAL_DATA_MISSING)

# The three benchmarks (get_datasets.sh installs them) and the small Wikipedia corpus
# (CI's copy; no script fetches it): None when not found.
BENCHMARK_FILES = ("wordsim353.tsv", "simlex999.txt", "questions-words.txt")
REAL_BENCH = find_real_data("benchmarks", *BENCHMARK_FILES)
if REAL_BENCH is not None and not all((REAL_BENCH / n).is_file() for n in BENCHMARK_FILES):
    REAL_BENCH = None
needs_real_bench = pytest.mark.skipif(REAL_BENCH is None, reason=missing_reason(
    "benchmarks/ (%s)" % ", ".join(BENCHMARK_FILES)))
_CORPUS = find_real_data("corpora", "wiki106.txt")
REAL_WIKI = None if _CORPUS is None else _CORPUS / "wiki106.txt"
WIKI_HOW = ("no script fetches it: copy CI's (106 Wikipedia articles from gensim 4.4's test"
            " data, described in its shared/data/README.md)")
needs_real_wiki = pytest.mark.skipif(REAL_WIKI is None, reason=missing_reason(
    "corpora/wiki106.txt", WIKI_HOW))


# ---- slow tests: `-m "not slow"` leaves them out -------------------------------------------

# The slow tests of files other helpers maintain, by file and test name (parameters
# included); the files this list does not name mark theirs with @pytest.mark.slow.
# tests/test_hardening_data.py checks that every name here is a test of its file.
SLOW_TESTS = {
    "test_train.py": ("test_killed_run_resumes_bit_identical",
                      "test_memory_of_a_single_line_corpus_is_bounded",
                      "test_progress_line_on_a_terminal"),
    "test_kernels.py": ("test_job_equals_its_pairs_replayed_through_numpy",),
    "test_resume.py": ("test_killed_at_random_moments_resumes_bit_identical",
                       "test_stop_signal_saves_and_resumes_bit_identical",
                       "test_a_finished_run_asked_again_does_not_train_again",
                       "test_a_second_run_on_the_same_outdir_stops_at_once"),
    "test_resume_checkpoints.py": ("test_all_checkpoints_corrupt_restarts_without_losing_new_ones",
                                   "test_edited_engine_seed_on_the_exact_path_is_refused"),
    "test_terminal.py": ("test_progress_line_stays_on_screen_under_run_py_output",),
    "test_sentiment.py": ("test_sentiment_script_end_to_end", "test_sentiment_vector_choice"),
    "test_treebank.py": ("test_real_data_counts",),
}


def pytest_collection_modifyitems(items):
    for item in items:
        if getattr(item, "originalname", None) in SLOW_TESTS.get(item.path.name, ()):
            item.add_marker(pytest.mark.slow)


def run_python(code, *args, timeout=60):
    """Run ``code`` (with ``args`` as sys.argv[1:]) in a fresh interpreter in the project folder.

    Returns the CompletedProcess (text output captured). Code that could hang
    runs here: past ``timeout`` seconds the child is killed and the test fails
    instead of hanging the suite (a hang guard, not a speed check).
    """
    try:
        return subprocess.run([sys.executable, "-c", code, *map(str, args)], cwd=str(ROOT),
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail("hung: still running after %d s (killed)\n%s" % (timeout, code))


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


@pytest.fixture
def dataset(treebank_dir):
    """The small treebank read as the assignment reads it (a 10,000-entry sample table)."""
    from utils.treebank import StanfordSentiment

    return StanfordSentiment(str(treebank_dir), tablesize=10000)


@pytest.fixture(scope="module", params=["ahead-of-time", "just-in-time"])
def kernels(request):
    """Both builds of the batched engine's kernels: what run.py loads, and numba's JIT
    fallback."""
    from engines import compiled

    return compiled.load() if request.param == "ahead-of-time" else compiled.just_in_time()


@pytest.fixture(scope="session", autouse=True)
def _compiled_kernels_built():
    """Build the batched engine's and the trainer's kernels once, before any test runs
    run.py or train.

    The first build prints "compiling the kernel (once)..." on stderr; tests
    that check run.py's stderr line by line must not see it.
    """
    from engines import compiled
    from w2v.training import compiled as training_kernels

    compiled.load()
    training_kernels.load()


@pytest.fixture(autouse=True)
def _restore_random_state():
    """Tests seed the global generators; leave them as they were for the next test."""
    py, npy = random.getstate(), np.random.get_state()
    yield
    random.setstate(py)
    np.random.set_state(npy)


# ---- a labelled treebank (sentence labels: tests/test_labels.py, sentiment.py) ----

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


@pytest.fixture(scope="session", autouse=True)
def _corpus_cache(tmp_path_factory):
    """The tests' runs (and their child processes) keep encoded corpora in a folder of
    the test session, never in the user's ~/.cache."""
    folder = tmp_path_factory.mktemp("w2v-corpus-cache")
    before = os.environ.get("W2V_CACHE_DIR")
    os.environ["W2V_CACHE_DIR"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("W2V_CACHE_DIR", None)
    else:
        os.environ["W2V_CACHE_DIR"] = before


def resign_state(path, edit):
    """Edit a state file, then recompute its checksum as the format defines it: what
    someone editing it on purpose does. Only the field checks can catch that."""
    body = json.loads(path.read_text())
    edit(body)
    body.pop("sha256", None)
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    body["sha256"] = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    path.write_text(json.dumps(body))
