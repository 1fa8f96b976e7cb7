"""Tests for collect_submission.sh: what assignment2.zip holds, and what it says when it cannot.

Each test runs a copy of the script in a temporary project folder. The last
test zips the real project's code and imports every module from the
unzipped copy alone, so a module the code needs but the zip lacks fails it.
"""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.test_get_datasets import restricted_bin

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "collect_submission.sh"
TIMEOUT = 120
REQUIRED = ("word2vec.py", "sgd.py", "run.py", "utils/__init__.py", "utils/gradcheck.py",
            "utils/treebank.py", "utils/utils.py", "word_vectors.png", "saved_params_40000.npy")


@pytest.fixture
def project(tmp_path):
    proj = tmp_path / "project"
    proj.mkdir()
    shutil.copy2(SCRIPT, proj / "collect_submission.sh")
    return proj


def run(proj, env=None, shell="bash", cwd=None, args=()):
    return subprocess.run([shell, str(proj / "collect_submission.sh"), *args],
                          env=env, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT)


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def fill_project(proj, outputs=True):
    """Code in the project's layout, with what must stay out of the zip."""
    for name in ("word2vec.py", "sgd.py", "run.py", "vectors.py", "plots.py", "evaluate.py",
                 "utils/__init__.py", "utils/treebank.py", "utils/gradcheck.py", "utils/utils.py",
                 "utils/labels.py", "engines/__init__.py", "engines/batched.py",
                 "engines/sub/__init__.py", "engines/sub/deep.py"):
        write(proj / name, f"# {name}\n")
    write(proj / "utils" / "__pycache__" / "treebank.cpython-311.pyc", "pyc")
    write(proj / "utils" / "notes.txt", "not python\n")
    write(proj / "utils" / "datasets" / "stanfordSentimentTreebank" / "datasetSentences.txt",
          "sentence_index\tsentence\n1\tdata\n")
    write(proj / "utils" / "datasets" / "helper.py", "# data folder: not submitted\n")
    for excluded in ("tests", "bench", "docs"):
        write(proj / excluded / "__init__.py", "")
        write(proj / excluded / "thing.py", "# not submitted\n")
    write(proj / "scratch" / "notes.py", "# not a package: not submitted\n")
    if outputs:
        (proj / "saved_params_40000.npy").write_bytes(b"\x93NUMPY fake")
        (proj / "word_vectors.png").write_bytes(b"\x89PNG fake")


def zip_names(proj):
    with zipfile.ZipFile(proj / "assignment2.zip") as zf:
        assert zf.testzip() is None
        assert zf.read("word2vec.py") == b"# word2vec.py\n"
        return set(zf.namelist())


def check_zip(proj):
    names = zip_names(proj)
    expected = {"word2vec.py", "sgd.py", "run.py", "vectors.py", "plots.py", "evaluate.py",
                "utils/__init__.py", "utils/treebank.py", "utils/gradcheck.py", "utils/utils.py",
                "utils/labels.py", "engines/__init__.py", "engines/batched.py",
                "engines/sub/__init__.py", "engines/sub/deep.py", "word_vectors.png",
                "saved_params_40000.npy"}
    assert names == expected, names ^ expected


@pytest.mark.parametrize("shell", ["bash", "sh"])
def test_makes_the_zip_in_the_project_folder(project, tmp_path, shell):
    fill_project(project)
    (project / "assignment2.zip").write_text("stale")  # an old zip is replaced
    r = run(project, shell=shell, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    check_zip(project)
    assert not (tmp_path / "assignment2.zip").exists()
    assert "with 17 files" in r.stdout and "engines/batched.py" in r.stdout


def test_without_the_zip_command(project, tmp_path):
    fill_project(project)
    env = dict(os.environ, PATH=str(restricted_bin(tmp_path, {"zip"})))
    r = run(project, env=env)
    assert r.returncode == 0, r.stderr
    check_zip(project)


@pytest.mark.parametrize("name", REQUIRED)
def test_a_missing_required_file_is_named(project, tmp_path, name):
    fill_project(project)
    (project / name).unlink()
    (project / "assignment2.zip").write_text("stale")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    r = run(project, cwd=elsewhere)
    assert r.returncode == 1
    assert f"ERROR: {name} is missing" in r.stderr
    assert r.stderr.count("is missing") == 1  # only the one that is
    if name.endswith((".png", ".npy")):
        assert f"cd {project} && python run.py" in r.stderr
        assert f"sh {project}/get_datasets.sh" in r.stderr  # the real path, from elsewhere
    else:
        assert f"git checkout -- {name}" in r.stderr
    assert "No assignment2.zip was made" in r.stderr
    assert not (project / "assignment2.zip").exists()


def test_every_missing_file_is_named_at_once(project):
    fill_project(project, outputs=False)
    (project / "sgd.py").unlink()
    r = run(project)
    assert r.returncode == 1
    for name in ("sgd.py", "word_vectors.png", "saved_params_40000.npy"):
        assert f"ERROR: {name} is missing" in r.stderr


def test_help_and_bad_arguments(project):
    r = run(project, shell="sh", args=["--help"])
    assert r.returncode == 0
    assert "Usage" in r.stdout and "assignment2.zip" in r.stdout and "engines/" in r.stdout
    r = run(project, args=["--bogus"])
    assert r.returncode == 2 and "--bogus" in r.stderr
    assert not (project / "assignment2.zip").exists()


def test_script_is_executable_bash():
    assert os.access(SCRIPT, os.X_OK)
    assert SCRIPT.read_text().startswith("#!/usr/bin/env bash\n")


def test_the_real_code_runs_from_the_zip_alone(project, tmp_path):
    """Zip the real project's code; every module imports from the unzipped copy only."""
    tracked = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "*.py"], cwd=ROOT,
                             capture_output=True, text=True)
    if tracked.returncode != 0:
        pytest.skip("the project is not a git checkout: its file list is unknown")
    for name in tracked.stdout.split():
        if (ROOT / name).is_file():
            write(project / name, (ROOT / name).read_text(encoding="utf-8"))
    (project / "saved_params_40000.npy").write_bytes(b"\x93NUMPY fake")
    (project / "word_vectors.png").write_bytes(b"\x89PNG fake")
    r = run(project)
    assert r.returncode == 0, r.stderr
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(project / "assignment2.zip") as zf:
        zf.extractall(unpacked)
        modules = sorted(n[:-3].replace("/", ".").removesuffix(".__init__")
                         for n in zf.namelist() if n.endswith(".py"))
    assert {"word2vec", "sgd", "run", "utils.treebank", "engines"} <= set(modules)
    check = ("import importlib, os, sys\n"
             "for m in sys.argv[1:]:\n"
             "    f = importlib.import_module(m).__file__\n"
             "    assert os.path.realpath(f).startswith(os.path.realpath(os.getcwd())), (m, f)\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["MPLBACKEND"] = "Agg"
    r = subprocess.run([sys.executable, "-c", check, *modules], cwd=unpacked, env=env,
                       capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
