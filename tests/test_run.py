"""run.py end to end on a small treebank: what it prints, what it saves, and a
clear message naming the real cause for every input or output it cannot use."""

import errno
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import run as run_module
from tests.conftest import ROOT, write_treebank
from tests.test_checkpoint import _FullDisk
from w2v import plots
from w2v.infra import background, checkpoint, fileio

SANITY = "sanity check: cost at convergence should be around or below 10"


def _run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def _args(data, outdir, iterations=40, every=20, *extra):
    return ["--data", str(data), "--outdir", str(outdir), "--iterations", str(iterations),
            "--checkpoint-every", str(every), *extra]


def _one_clear_line(stderr):
    assert "Traceback" not in stderr
    assert stderr.startswith("error: ") and stderr.count("\n") == 1, stderr
    return stderr.strip()


OUTPUTS = ["word_vectors.png", "wordVectors.npy", "vocab.txt", "vectors.txt", "loss_curve.png"]


@pytest.mark.parametrize("path", [[], ["--exact"]], ids=["batched", "exact"])
def test_run_trains_and_plots(treebank_dir, tmp_path, path):
    out_dir = tmp_path / "out"
    r = _run(*_args(treebank_dir, out_dir, 200, 100, *path))
    assert r.returncode == 0, r.stderr
    assert "warning" not in r.stderr and "Traceback" not in r.stderr
    lines = r.stdout.splitlines()
    iters = [l for l in lines if l.startswith("iter ")]
    assert len(iters) == 20 and iters[-1].startswith("iter 200: ")
    last = float(iters[-1].split(": ")[1])
    rest = lines[len(iters):]
    assert rest[0] == SANITY
    assert rest[1] == ("this run ends at %f after 200 iterations: %s" % (
        last, "it meets that" if last <= 10 else "not below 10 yet (the assignment trains"
                                                 " 40000 iterations)"))
    assert re.fullmatch(r"training took \d+ seconds", rest[2])
    assert rest[3] == "Saved " + ", ".join(str(out_dir / n) for n in OUTPUTS)
    png = out_dir / "word_vectors.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    params = np.load(out_dir / "saved_params_200.npy", allow_pickle=False)
    assert params.shape[1] == 10 and np.all(np.isfinite(params))
    assert np.array_equal(np.load(out_dir / "wordVectors.npy", allow_pickle=False), params)
    assert checkpoint.list_iterations(str(out_dir)) == [200, 100]


@pytest.mark.parametrize("history,text", [
    ([], "this run printed no loss (fewer than 10 iterations)"),
    ([(10, 21.9)], "this run ends at 21.900000 after 2000 iterations: not below 10 yet (the"
                   " assignment trains 40000 iterations)"),
    ([(10, 21.9), (20, 9.5)], "this run ends at 9.500000 after 2000 iterations: it meets that"),
    ([(10, 10.0)], "this run ends at 10.000000 after 2000 iterations: it meets that"),
])
def test_verdict_says_whether_this_run_meets_the_target(history, text):
    assert run_module.verdict(history, 2000) == text


def test_help():
    r = _run("--help")
    assert r.returncode == 0
    for option in ("--iterations", "--data", "--outdir", "--no-resume", "--exact",
                   "--checkpoint-every", "--step"):
        assert option in r.stdout


@pytest.mark.parametrize("option,value", [("--step", "0"), ("--step", "nan"),
                                          ("--step", "-1"), ("--checkpoint-every", "0"),
                                          ("--iterations", "0")])
def test_bad_options_are_refused(option, value, capsys):
    with pytest.raises(SystemExit) as exc:
        run_module.parse_args([option, value])
    assert exc.value.code == 2
    assert option in capsys.readouterr().err


# ---- inputs it cannot use ----------------------------------------------------------

def test_missing_dataset_is_one_clear_line(tmp_path):
    r = _run(*_args(tmp_path / "nothing", tmp_path / "out", 10))
    assert r.returncode == 1
    msg = _one_clear_line(r.stderr)
    assert "datasetSentences.txt" in msg and "was not found" in msg
    assert "get_datasets.sh" in msg and "free some space" not in msg


def test_folder_in_place_of_the_sentence_file(tmp_path):
    (tmp_path / "sst" / "datasetSentences.txt").mkdir(parents=True)
    r = _run(*_args(tmp_path / "sst", tmp_path / "out", 10))
    assert r.returncode == 1
    msg = _one_clear_line(r.stderr)
    assert "datasetSentences.txt is a folder, not a regular file" in msg
    assert "free some space" not in msg


HEADER = "sentence_index\tsentence\n"

BAD_SENTENCE_FILES = {
    "empty file": (b"", r"datasetSentences\.txt: the file is empty"),
    "header only": (HEADER.encode(), r"datasetSentences\.txt: the file is empty"),
    "no index": ((HEADER + "1\tgood film\nbad film\n").encode(),
                 r"datasetSentences\.txt:3: expected a sentence index \(a whole number\)"),
    "not UTF-8": ((HEADER + "1\tgood film\n2\tna\xefve\n").encode("latin-1"),
                  r"datasetSentences\.txt:3: bytes that are not UTF-8"),
    "no words": ((HEADER + "1\t\n2\n").encode(),
                 r"datasetSentences\.txt: no sentence has two different words"),
    "one word repeated": ((HEADER + "1\tfilm film film\n").encode(),
                          r"datasetSentences\.txt: no sentence has two different words"),
    "tiny corpus": ((HEADER + "1\tgood film\n").encode(),
                    # run.py's wording (2 words) or the reader's, which can see it first
                    r"datasetSentences\.txt: the corpus is too small to train on( \(2 words\))?:"
                    r" subsampling"),
}


@pytest.mark.parametrize("path", [[], ["--exact"]], ids=["batched", "exact"])
@pytest.mark.parametrize("kind", list(BAD_SENTENCE_FILES))
def test_bad_sentence_file_is_one_clear_line(tmp_path, kind, path):
    content, expected = BAD_SENTENCE_FILES[kind]
    data = tmp_path / "sst"
    data.mkdir()
    (data / "datasetSentences.txt").write_bytes(content)
    (data / "datasetSplit.txt").write_text("sentence_index,splitset_label\n1,1\n")
    r = _run(*_args(data, tmp_path / "out", 20, 10, *path))
    assert r.returncode == 1
    msg = _one_clear_line(r.stderr)
    assert re.search(re.escape(str(data)) + "/" + expected, msg), msg


# ---- output folders it cannot use --------------------------------------------------

def test_outdir_that_is_a_file(treebank_dir, tmp_path):
    (tmp_path / "a_file").write_text("mine")
    r = _run(*_args(treebank_dir, tmp_path / "a_file"))
    assert r.returncode == 1
    assert _one_clear_line(r.stderr) == ("error: --outdir %s is a file, not a folder: choose"
                                         " another --outdir" % (tmp_path / "a_file"))
    assert (tmp_path / "a_file").read_text() == "mine"


def test_outdir_below_a_file(treebank_dir, tmp_path):
    (tmp_path / "a_file").write_text("")
    r = _run(*_args(treebank_dir, tmp_path / "a_file" / "out"))
    assert r.returncode == 1
    msg = _one_clear_line(r.stderr)
    assert msg.startswith("error: cannot use %s as the output folder: a file stands where a"
                          " folder should be" % (tmp_path / "a_file" / "out"))


def _failing_writes(monkeypatch, code, which):
    """Writes of files whose name passes ``which`` fail with ``code`` (as the file system
    would: a read-only one refuses to create the file, a full one fails mid-write)."""
    real_open = fileio.open if hasattr(fileio, "open") else open

    def failing(path, mode):
        if not which(os.path.basename(path).split(".", 2)[-1]):
            return real_open(path, mode)
        if code == errno.ENOSPC:
            return _FullDisk(path, mode)
        raise OSError(code, os.strerror(code), path)

    monkeypatch.setattr(fileio, "open", failing, raising=False)


def test_read_only_output_folder_is_named(treebank_dir, tmp_path, monkeypatch, capsys):
    _failing_writes(monkeypatch, errno.EROFS, lambda name: True)
    assert run_module.main(_args(treebank_dir, tmp_path / "out")) == 1
    err = capsys.readouterr().err
    assert err == ("error: could not write checkpoint 20 in %s: the file system is read-only:"
                   " choose another --outdir (%s). There is no earlier checkpoint to"
                   " resume from.\n" % (tmp_path / "out",
                                                tmp_path / "out" / "saved_params_20.npy"))


@pytest.mark.parametrize("code,cause", [
    (errno.ENOSPC, "the disk is full: free some space"),
    (errno.EROFS, "the file system is read-only: choose another --outdir (%s)"),
])
def test_outputs_that_cannot_be_written_keep_the_training(treebank_dir, tmp_path,
                                                          monkeypatch, capsys, code, cause):
    out = tmp_path / "out"
    _failing_writes(monkeypatch, code, lambda name: not name.startswith("saved_"))
    assert run_module.main(_args(treebank_dir, out)) == 1
    captured = capsys.readouterr()
    assert captured.err == ("error: %s; the trained vectors are in the final checkpoint: run"
                            " again to write the outputs\n"
                            % (cause.replace("%s", str(out / "wordVectors.npy"))))
    assert checkpoint.list_iterations(str(out)) == [40, 20]
    monkeypatch.undo()
    assert run_module.main(_args(treebank_dir, out)) == 0  # writes them, trains nothing
    again = capsys.readouterr().out.splitlines()
    assert again[0] == "Resuming from checkpoint 40 in %s" % out
    assert not [l for l in again if l.startswith("iter ")]
    assert sorted(set(os.listdir(out)) & set(OUTPUTS)) == sorted(OUTPUTS)


@pytest.mark.parametrize("in_a_child", [True, False], ids=["child process", "in place"])
def test_vectors_txt_failing_in_its_child_process_is_the_same_error(
        treebank_dir, tmp_path, monkeypatch, capsys, in_a_child):
    # run.py writes vectors.txt in a forked child (utils/background.py) on Linux.
    if in_a_child and not background.CAN_FORK:
        pytest.skip("fork is used on Linux only")
    monkeypatch.setattr(background, "CAN_FORK", in_a_child)
    out = tmp_path / "out"
    _failing_writes(monkeypatch, errno.ENOSPC, lambda name: name == "vectors.txt")
    assert run_module.main(_args(treebank_dir, out)) == 1
    assert capsys.readouterr().err == (
        "error: the disk is full: free some space; the trained vectors are in the final"
        " checkpoint: run again to write the outputs\n")
    assert not [name for name in os.listdir(out) if name.startswith(fileio.TEMP_PREFIX)]


# ---- figures are optional, the vectors are not ------------------------------------------

def test_plot_words_not_in_the_vocabulary_is_a_warning(tmp_path):
    data = tmp_path / "sst"
    write_treebank(str(data), words="alpha beta gamma delta epsilon zeta eta theta".split())
    out = tmp_path / "out"
    r = _run(*_args(data, out, 40, 20))
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    assert r.stderr == ("warning: could not draw %s (ValueError: cannot plot the word vectors:"
                        " fewer than two of the words are in the vocabulary (0 of 24)); the"
                        " vectors are saved\n" % (out / "word_vectors.png"))
    saved = [n for n in OUTPUTS if n != "word_vectors.png"]
    assert r.stdout.splitlines()[-1] == "Saved " + ", ".join(str(out / n) for n in saved)
    assert not (out / "word_vectors.png").exists()
    assert np.array_equal(np.load(out / "wordVectors.npy", allow_pickle=False),
                          np.load(out / "saved_params_40.npy", allow_pickle=False))


def test_a_figure_that_fails_is_a_warning(treebank_dir, tmp_path, monkeypatch, capsys):
    def svd_fails(*args):
        raise np.linalg.LinAlgError("SVD did not converge")

    monkeypatch.setattr(plots, "plot_word_vectors", svd_fails)
    out = tmp_path / "out"
    assert run_module.main(_args(treebank_dir, out)) == 0
    captured = capsys.readouterr()
    assert captured.err == ("warning: could not draw %s (LinAlgError: SVD did not converge);"
                            " the vectors are saved\n" % (out / "word_vectors.png"))
    assert captured.out.splitlines()[-1] == "Saved " + ", ".join(
        str(out / n) for n in OUTPUTS[1:])
    assert checkpoint.list_iterations(str(out)) == [40, 20]


@pytest.mark.parametrize("path", [[], ["--exact"]], ids=["batched", "exact"])
def test_corpus_subsampled_to_one_word_sentences_is_an_error_not_a_hang(tmp_path, path):
    # Issue 13's corpus: "z y" holds the only pair, and subsampling (z and y are
    # each half of the corpus) drops one of its words; sampling must not loop.
    data = tmp_path / "sst"
    data.mkdir()
    lines = ["z " * 1000, "y " * 1000, "z y"]
    (data / "datasetSentences.txt").write_text(
        "sentence_index\tsentence\n" + "".join("%d\t%s\n" % (i + 1, s.strip())
                                               for i, s in enumerate(lines)))
    (data / "datasetSplit.txt").write_text("sentence_index,splitset_label\n1,1\n2,1\n3,1\n")
    r = subprocess.run([sys.executable, str(ROOT / "run.py"),
                        *_args(data, tmp_path / "out", 100, 50, *path)],
                       cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    msg = _one_clear_line(r.stderr)
    assert "no (centre, context) pair can be drawn" in msg and "repeats a single word" in msg
