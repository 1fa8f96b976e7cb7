"""Corpora as users have them: several files, a folder, standard input (training/sources.py)."""

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


def test_standard_input_trains_as_the_file_does(parts, tmp_path):
    out = tmp_path / "out"
    with open(parts / "whole.txt", "rb") as stdin:
        run = subprocess.run([sys.executable, "-m", "w2v", "train", "--corpus", "-",
                              "--outdir", str(out), "--dim", "8", "--epochs", "2",
                              "--min-count", "2", "--workers", "1"],
                             stdin=stdin, cwd=ROOT, capture_output=True, text=True, timeout=300,
                             env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert run.returncode == 0, run.stderr
    assert (out / sources.STDIN_COPY).read_bytes() == (parts / "whole.txt").read_bytes()
    whole = w2v.train(str(parts / "whole.txt"), **SMALL)
    assert np.array_equal(w2v.load(str(out)).wv.vectors, whole.wv.vectors)
