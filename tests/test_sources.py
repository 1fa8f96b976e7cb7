"""Corpora as users have them: several files, a folder, standard input (training/sources.py)."""

import gzip
import os
import subprocess
import sys

import numpy as np
import pytest

import w2v
from tests.conftest import ROOT
from tests.test_train import write_corpus
from w2v.training import sources
from w2v.training.corpus import CorpusError

SMALL = dict(dim=8, epochs=2, min_count=2, workers=1, verbose=False)


@pytest.fixture
def parts(tmp_path):
    """The same text whole (whole.txt) and in three files of a folder (parts/)."""
    text = write_corpus(tmp_path / "whole.txt", lines=150)
    lines = text.splitlines()
    (tmp_path / "parts").mkdir()
    for i, cut in enumerate((lines[:50], lines[50:100], lines[100:])):
        (tmp_path / "parts" / ("%d.txt" % i)).write_text("\n".join(cut) + "\n", "utf-8")
    (tmp_path / "parts" / ".hidden").write_text("zzz zzz zzz\n" * 50, "utf-8")
    return tmp_path


def test_a_folder_is_its_files_in_name_order(parts):
    files = sources.resolve(str(parts / "parts"), None)
    assert [os.path.basename(f) for f in files] == ["0.txt", "1.txt", "2.txt"]
    whole = w2v.train(str(parts / "whole.txt"), **SMALL)
    folder = w2v.train(str(parts / "parts"), **SMALL)
    assert folder.wv.index_to_key == whole.wv.index_to_key
    assert np.array_equal(folder.wv.vectors, whole.wv.vectors)


def test_an_empty_folder_is_a_clear_error(tmp_path):
    with pytest.raises(CorpusError, match="holds no file"):
        sources.resolve(str(tmp_path), None)


def test_token_lists_pass_through():
    sentences = [["a", "b"], ["c"]]
    assert sources.resolve(sentences, None) is sentences


def _train_from_stdin(data, out, *extra):
    """``python -m w2v train --corpus -`` fed ``data`` through a pipe."""
    return subprocess.run([sys.executable, "-m", "w2v", "train", "--corpus", "-",
                           "--outdir", str(out), "--dim", "8", "--epochs", "2",
                           "--min-count", "2", "--workers", "1"] + list(extra),
                          input=data, cwd=ROOT, capture_output=True, timeout=300,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))


@pytest.mark.parametrize("packed", [False, True])
def test_standard_input_streams_and_trains_as_the_file_does(parts, tmp_path, packed):
    """Read once from the pipe, never copied (gzip'd bytes too: told by their magic)."""
    data = (parts / "whole.txt").read_bytes()
    run = _train_from_stdin(gzip.compress(data) if packed else data, tmp_path / "out")
    assert run.returncode == 0, run.stderr.decode()
    assert not (tmp_path / "out" / sources.STDIN_COPY).exists()
    whole = w2v.train(str(parts / "whole.txt"), **SMALL)
    assert np.array_equal(w2v.load(str(tmp_path / "out")).wv.vectors, whole.wv.vectors)


def test_bounded_counting_copies_standard_input_to_read_it_twice(parts, tmp_path):
    data = (parts / "whole.txt").read_bytes()
    run = _train_from_stdin(data, tmp_path / "out", "--max-vocab-size", "1000")
    assert run.returncode == 0, run.stderr.decode()
    assert (tmp_path / "out" / sources.STDIN_COPY).read_bytes() == data
    whole = w2v.train(str(parts / "whole.txt"), max_vocab_size=1000, **SMALL)
    assert np.array_equal(w2v.load(str(tmp_path / "out")).wv.vectors, whole.wv.vectors)


def test_standard_input_named_twice_is_refused():
    with pytest.raises(CorpusError, match="named twice"):
        sources.resolve(["-", "a.txt", "-"], None)


def test_bad_bytes_on_standard_input_name_it(tmp_path):
    run = _train_from_stdin(b"good words here\nbad \xff byte\n", tmp_path / "out")
    assert run.returncode != 0
    assert "standard input:2: not UTF-8" in run.stderr.decode()
