"""Issue 20: w2v/training/checks.py, the train command's validations, each one line
naming the option (or the file) and what to do."""

import os

import numpy as np
import pytest

from w2v.training import checks, options
from w2v.training.options import OptionError
from w2v.training.corpus import EncodedCorpus


def encoded(lines):
    """An EncodedCorpus of word-id lines, and the counts of its V words."""
    ids = np.array([w for line in lines for w in line], np.int32)
    starts = np.concatenate(([0], np.cumsum([len(line) for line in lines]))).astype(np.int64)
    counts = np.bincount(ids, minlength=max(ids) + 1 if len(ids) else 1)
    return EncodedCorpus(ids, starts, len(ids)), counts


@pytest.mark.parametrize("seconds", [1e-9, 0, -5, 0.05, float("nan")])
def test_checkpoint_every_has_a_floor(seconds):
    with pytest.raises(OptionError, match=r"^checkpoint_every must be at least 0\.1 seconds"):
        options.make(checkpoint_every=seconds)


@pytest.mark.parametrize("seconds", [0.1, 60, float("inf")])
def test_checkpoint_every_accepts_sensible_periods(seconds):
    options.make(checkpoint_every=seconds)


@pytest.mark.parametrize("seed", [-1, 2 ** 32, 2 ** 70, True, 1.5])
def test_seed_out_of_range_is_refused(seed):
    with pytest.raises(OptionError,
                       match=r"^seed must be an integer from 0 to 4294967295, got "):
        options.make(seed=seed)


@pytest.mark.parametrize("seed", [0, 1, 2 ** 32 - 1])
def test_seeds_in_range_are_accepted(seed):
    options.make(seed=seed)
    np.random.default_rng(int(seed))       # and NumPy takes them


def test_workers_bounded():
    options.make(workers=2)
    with pytest.raises(OptionError, match="^workers must be 1 to 256 threads"):
        options.make(workers=10 ** 6)


@pytest.mark.parametrize("exponent", [20, 1000, -1000, float("inf")])
def test_an_exponent_that_leaves_one_word_is_refused(exponent):
    words, counts = ["the", "cat", "dog", "a"], np.array([1200, 200, 200, 1])
    if exponent == -1000:
        counts = np.array([1200, 200, 200, 3])
    with pytest.raises(ValueError, match=r"^--ns-exponent .*(between 0 and 1|e\.g\. 0\.75)"):
        checks.check_ns_exponent(words, counts, exponent)


@pytest.mark.parametrize("exponent", [0.75, 0, 1, -0.5, 2])
def test_usual_exponents_pass(exponent):
    checks.check_ns_exponent(["the", "cat", "dog"], np.array([1200, 200, 200]), exponent)


def test_negative_probabilities_do_not_overflow():
    p = checks.negative_probabilities(np.array([1200, 200, 1]), 1000)
    assert np.all(np.isfinite(p)) and p[0] == 1.0 and abs(p.sum() - 1) < 1e-12
    q = checks.negative_probabilities(np.array([9, 4, 1]), 0.5)
    np.testing.assert_allclose(q, np.array([3, 2, 1]) / 6)


def test_one_word_per_line_is_refused_naming_the_file():
    corpus, counts = encoded([[0], [1], [2], [0]])
    with pytest.raises(ValueError, match=r"^words\.txt: no line holds two words"):
        checks.check_trainable(counts, corpus, 0, 5, "words.txt")


def test_subsampling_that_leaves_no_pair_is_refused():
    corpus, counts = encoded([[0, 1, 2, 0, 1] * 20] * 30)
    checks.check_trainable(counts, corpus, 1e-3, 5, "c.txt")
    with pytest.raises(ValueError, match=r"^c\.txt: with --sample 1e-12 subsampling keeps"):
        checks.check_trainable(counts, corpus, 1e-12, 5, "c.txt")


def test_expected_pairs_is_the_pair_count_without_subsampling():
    corpus, counts = encoded([[0, 1], [2]])
    assert checks.expected_pairs(counts, corpus, 0) == 1.0
    corpus, counts = encoded([[0]] * 5 + [[1]])
    assert checks.expected_pairs(counts, corpus, 0) == 0.0


@pytest.mark.parametrize("name", ["vectors.txt", "vectors.bin", "vocab.txt", "wordVectors.npy"])
def test_an_input_that_is_an_output_is_refused(tmp_path, name):
    (tmp_path / name).write_text("a b c\n")
    with pytest.raises(ValueError, match=r"^--corpus .* which this run writes: choose another"):
        checks.check_outputs_not_inputs(str(tmp_path), {"--corpus": str(tmp_path / name)})


def test_links_to_an_output_are_refused(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "vectors.txt").write_text("a b\n")
    os.symlink(out / "vectors.txt", tmp_path / "sym.txt")
    os.link(out / "vectors.txt", tmp_path / "hard.txt")
    for path in ("sym.txt", "hard.txt"):
        with pytest.raises(ValueError, match="which this run writes"):
            checks.check_outputs_not_inputs(str(out), {"--corpus": str(tmp_path / path)})
    (out / "checkpoints").mkdir()
    (out / "checkpoints" / "mine.txt").write_text("a b\n")
    with pytest.raises(ValueError, match="where this run writes its checkpoints"):
        checks.check_outputs_not_inputs(str(out), {"--corpus": str(out / "checkpoints" /
                                                                    "mine.txt")})


def test_other_inputs_in_the_output_folder_are_fine(tmp_path):
    (tmp_path / "corpus.txt").write_text("a b\n")
    (tmp_path / "vectors.txt").write_text("x\n")
    checks.check_outputs_not_inputs(str(tmp_path), {"--corpus": str(tmp_path / "corpus.txt"),
                                                    "--sst": None})


def test_sizes_beyond_the_kernels_integers_are_refused():
    options.make(window=5, negative=5, dim=100)
    with pytest.raises(OptionError, match=r"^window must be at most 2147483647, got 10{30}$"):
        options.make(window=10 ** 30)


def test_the_data_checks_raise_corpus_errors():
    from w2v.training.corpus import CorpusError
    corpus, counts = encoded([[0], [1]])
    with pytest.raises(CorpusError):
        checks.check_trainable(counts, corpus, 0, 1, "x")
    with pytest.raises(CorpusError):
        checks.check_ns_exponent(["a", "b"], np.array([100, 1]), 50)


# ---- end to end: what python train.py prints ---------------------------------------

def _train(tmp_path, corpus, *extra, outdir=None):
    import subprocess
    import sys

    from tests.conftest import ROOT
    cmd = [sys.executable, "train.py", "--corpus", str(corpus), "--outdir",
           str(outdir or tmp_path / "out"), "--min-count", "1", "--dim", "8", "--workers", "1"]
    return subprocess.run(cmd + [str(a) for a in extra], cwd=str(ROOT), capture_output=True,
                          text=True, timeout=300)


@pytest.fixture
def text(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("the cat sat on the mat\nthe dog ate the cat\n" * 50, encoding="utf-8")
    return path


@pytest.mark.parametrize("extra,expected", [
    (("--seed", "-1"), "--seed must be an integer from 0 to 4294967295, got -1"),
    (("--checkpoint-every", "1e-9"), "--checkpoint-every must be at least 0.1 seconds"),
    (("--workers", "1000000"), "--workers must be 1 to 256 threads"),
    (("--window", "1000000000000"), "--window must be at most 2147483647"),
    (("--dim", "1000000000"), "of memory, this machine has"),
    (("--sample", "1e-12"), "subsampling keeps too few"),
    (("--ns-exponent", "1000"), "no other word is left to draw"),
])
def test_train_refuses_with_one_line(tmp_path, text, extra, expected):
    done = _train(tmp_path, text, *extra)
    assert done.returncode in (1, 2) and "Traceback" not in done.stderr
    assert expected in done.stderr.strip().splitlines()[-1]
    assert not (tmp_path / "out" / "vectors.txt").exists()


def test_train_refuses_a_corpus_of_one_word_per_line(tmp_path):
    lines = tmp_path / "lines.txt"
    lines.write_text("alpha\nbeta\nalpha\n", encoding="utf-8")
    done = _train(tmp_path, lines)
    assert done.returncode == 1 and "no line holds two words" in done.stderr


def test_train_refuses_to_overwrite_its_own_corpus(tmp_path, text):
    out = tmp_path / "out"
    out.mkdir()
    own = out / "vectors.txt"
    own.write_bytes(text.read_bytes())
    done = _train(tmp_path, own, outdir=out)
    assert done.returncode in (1, 2) and "which this run writes" in done.stderr
    assert own.read_bytes() == text.read_bytes()
