"""run.py end to end on a small treebank."""

import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import ROOT


def _run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("path", [[], ["--exact"]], ids=["batched", "exact"])
def test_run_trains_and_plots(treebank_dir, tmp_path, path):
    out_dir = tmp_path / "out"
    r = _run("--iterations", "200", "--data", str(treebank_dir), "--outdir", str(out_dir),
             "--checkpoint-every", "100", *path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    iters = [l for l in lines if l.startswith("iter ")]
    assert len(iters) == 20 and iters[-1].startswith("iter 200: ")
    assert "sanity check: cost at convergence should be around or below 10" in lines
    png = out_dir / "word_vectors.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    params = np.load(out_dir / "saved_params_200.npy", allow_pickle=False)
    assert params.shape[1] == 10 and np.all(np.isfinite(params))
    assert (out_dir / "saved_params_100.npy").exists()


def test_missing_dataset_is_one_clear_line(tmp_path):
    r = _run("--iterations", "10", "--data", str(tmp_path / "nothing"), "--outdir",
             str(tmp_path))
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    assert r.stderr.strip().count("\n") == 0
    assert "get_datasets.sh" in r.stderr


def test_help():
    r = _run("--help")
    assert r.returncode == 0
    for option in ("--iterations", "--data", "--outdir", "--no-resume"):
        assert option in r.stdout
