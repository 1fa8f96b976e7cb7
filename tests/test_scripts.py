"""Tests for the shell scripts get_datasets.sh and collect_submission.sh.

Every test copies the script into a temporary project folder, so the real
utils/datasets/ and the real project folder are never touched. Fixture data
is small but written in Stanford's real file formats. No test uses the
network: a fake `wget` and `curl` that always fail come first in PATH (or
they are left out of PATH entirely).
"""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GET_DATASETS = ROOT / "get_datasets.sh"
COLLECT = ROOT / "collect_submission.sh"
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

SST = "stanfordSentimentTreebank"
PTB = "trainDevTestTrees_PTB"
SST_URL = "http://nlp.stanford.edu/~socherr/stanfordSentimentTreebank.zip"

SENTENCES = (
    "sentence_index\tsentence\n"
    "1\tThe Rock is destined to be the 21st Century 's new `` Conan '' .\n"
    "2\tThe gorgeously elaborate continuation of `` The Lord of the Rings '' .\n"
    "3\tEffective but too-tepid biopic\n"
    "4\tIt 's a lovely film with lovely performances .\n"
)
SPLIT = "sentence_index,splitset_label\n1,1\n2,1\n3,2\n4,3\n"
LABELS = "phrase ids|sentiment values\n0|0.5\n1|0.5\n2|0.44444\n3|0.5\n4|0.42708\n"
DICTIONARY = "!|0\n! '|22935\nThe Rock|1\n"
README = "Stanford Sentiment Treebank V1.0 (fixture)\n"
TREES = {
    "train.txt": "(3 (2 The) (3 good))\n(1 (2 A) (1 (1 bad) (2 film)))\n",
    "dev.txt": "(2 (2 It) (2 is))\n",
    "test.txt": "(4 (2 So) (4 great))\n(0 (0 Awful))\n",
}
TIMEOUT = 120


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------
def write_sst(folder, sentences=SENTENCES, dictionary=True):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "datasetSentences.txt").write_text(sentences, encoding="utf-8")
    (folder / "datasetSplit.txt").write_text(SPLIT, encoding="utf-8")
    (folder / "sentiment_labels.txt").write_text(LABELS, encoding="utf-8")
    (folder / "README.txt").write_text(README, encoding="utf-8")
    if dictionary:
        (folder / "dictionary.txt").write_text(DICTIONARY, encoding="utf-8")
    return folder


def write_trees(folder):
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in TREES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def make_sst_zip(path, macosx=True):
    """A zip laid out like Stanford's stanfordSentimentTreebank.zip."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{SST}/", "")
        zf.writestr(f"{SST}/datasetSentences.txt", SENTENCES)
        zf.writestr(f"{SST}/datasetSplit.txt", SPLIT)
        zf.writestr(f"{SST}/sentiment_labels.txt", LABELS)
        zf.writestr(f"{SST}/dictionary.txt", DICTIONARY)
        zf.writestr(f"{SST}/README.txt", README)
        if macosx:
            zf.writestr(f"__MACOSX/{SST}/._datasetSentences.txt", b"\x00\x05\x16\x07junk")
            zf.writestr("__MACOSX/._stanfordSentimentTreebank", b"\x00\x05\x16\x07junk")
    return path


def make_ptb_zip(path):
    """A zip laid out like Stanford's trainDevTestTrees_PTB.zip (trees/...)."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("trees/", "")
        for name, text in TREES.items():
            zf.writestr(f"trees/{name}", text)
    return path


def fake_bin(tmp_path):
    """A folder with a `wget` and `curl` that always fail (no network)."""
    b = tmp_path / "fakebin"
    b.mkdir(exist_ok=True)
    for name in ("wget", "curl"):
        p = b / name
        p.write_text(f"#!/bin/sh\necho 'fake {name}: network is unreachable' >&2\nexit 1\n")
        p.chmod(0o755)
    return b


def restricted_bin(tmp_path, exclude):
    """A folder of symlinks to every command in PATH except those in `exclude`."""
    b = tmp_path / "restricted_bin"
    b.mkdir()
    for d in os.environ.get("PATH", "").split(os.pathsep):
        if not d or not os.path.isdir(d):
            continue
        for entry in os.listdir(d):
            if entry in exclude or (b / entry).exists() or (b / entry).is_symlink():
                continue
            full = os.path.join(d, entry)
            if os.path.isfile(full) and os.access(full, os.X_OK):
                (b / entry).symlink_to(full)
    # Use the interpreter running the tests (a real binary, not a shim).
    for name in ("python3", "python"):
        if (b / name).is_symlink():
            (b / name).unlink()
        (b / name).symlink_to(os.path.realpath(sys.executable))
    for name in exclude:
        assert not (b / name).exists()
    return b


def base_env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if k not in ("SST_SOURCE", "PTB_SOURCE")}
    env["PATH"] = str(fake_bin(tmp_path)) + os.pathsep + env.get("PATH", "")
    env.update({k: str(v) for k, v in extra.items()})
    return env


@pytest.fixture
def project(tmp_path):
    proj = tmp_path / "project"
    proj.mkdir()
    shutil.copy2(GET_DATASETS, proj / "get_datasets.sh")
    shutil.copy2(COLLECT, proj / "collect_submission.sh")
    return proj


def run(script, env, shell="bash", cwd=None, args=()):
    return subprocess.run([shell, str(script), *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=TIMEOUT)


def datasets(proj):
    return proj / "utils" / "datasets"


def leftovers(proj):
    d = datasets(proj)
    return sorted(p.name for p in d.glob(".tmp*")) if d.exists() else []


def assert_sst_installed(proj):
    target = datasets(proj) / SST
    for name, text in (("datasetSentences.txt", SENTENCES), ("datasetSplit.txt", SPLIT),
                       ("sentiment_labels.txt", LABELS)):
        assert (target / name).read_text(encoding="utf-8") == text, name
    assert not (target / "__MACOSX").exists()
    assert not (datasets(proj) / "__MACOSX").exists()
    assert leftovers(proj) == []


def assert_ptb_installed(proj):
    trees = datasets(proj) / PTB / "trees"
    for name, text in TREES.items():
        assert (trees / name).read_text(encoding="utf-8") == text, name
    assert leftovers(proj) == []


# --------------------------------------------------------------------------
# collect_submission.sh
# --------------------------------------------------------------------------
def fill_project(proj, png=True):
    for name in ("word2vec.py", "sgd.py", "run.py"):
        (proj / name).write_text(f"# dummy {name}\n")
    utils = proj / "utils"
    (utils / "__pycache__").mkdir(parents=True, exist_ok=True)
    for name in ("__init__.py", "treebank.py", "gradcheck.py", "utils.py"):
        (utils / name).write_text(f"# dummy utils/{name}\n")
    (utils / "__pycache__" / "treebank.cpython-311.pyc").write_bytes(b"\x00pyc")
    (utils / "notes.txt").write_text("not python\n")
    write_sst(utils / "datasets" / SST)
    (utils / "datasets" / "helper.py").write_text("# must not be submitted\n")
    (proj / "saved_params_40000.npy").write_bytes(b"\x93NUMPY fake")
    if png:
        (proj / "word_vectors.png").write_bytes(b"\x89PNG fake")


def check_zip(proj):
    zpath = proj / "assignment2.zip"
    assert zpath.is_file()
    with zipfile.ZipFile(zpath) as zf:
        assert zf.testzip() is None
        names = set(zf.namelist())
        assert zf.read("word2vec.py") == b"# dummy word2vec.py\n"
        assert zf.read("utils/treebank.py") == b"# dummy utils/treebank.py\n"
    for needed in ("word2vec.py", "sgd.py", "run.py", "utils/__init__.py",
                   "utils/treebank.py", "word_vectors.png", "saved_params_40000.npy"):
        assert needed in names, needed
    assert not any("datasets" in n for n in names), names
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names), names
    assert "utils/notes.txt" not in names
    assert not any(n.endswith(".sh") for n in names), names
    return names


@pytest.mark.parametrize("shell", ["bash", "sh"])
def test_collect_submission_makes_zip(project, tmp_path, shell):
    fill_project(project)
    (project / "assignment2.zip").write_text("stale")  # an old zip is replaced
    r = run(project / "collect_submission.sh", base_env(tmp_path), shell=shell, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    check_zip(project)
    assert not (tmp_path / "assignment2.zip").exists()  # made in the project folder


def test_collect_submission_without_zip_command(project, tmp_path):
    fill_project(project)
    env = base_env(tmp_path)
    env["PATH"] = str(restricted_bin(tmp_path, exclude={"zip"}))
    r = run(project / "collect_submission.sh", env)
    assert r.returncode == 0, r.stderr
    check_zip(project)


def test_collect_submission_missing_png(project, tmp_path):
    fill_project(project, png=False)
    (project / "assignment2.zip").write_text("stale")
    r = run(project / "collect_submission.sh", base_env(tmp_path))
    assert r.returncode != 0
    assert "word_vectors.png" in r.stderr
    assert "python run.py" in r.stderr
    assert "saved_params_40000.npy is missing" not in r.stderr
    assert not (project / "assignment2.zip").exists()


def test_collect_submission_missing_code(project, tmp_path):
    fill_project(project)
    (project / "sgd.py").unlink()
    r = run(project / "collect_submission.sh", base_env(tmp_path))
    assert r.returncode != 0
    assert "sgd.py is missing" in r.stderr
    assert not (project / "assignment2.zip").exists()


def test_collect_submission_help(project, tmp_path):
    r = run(project / "collect_submission.sh", base_env(tmp_path), shell="sh", args=["--help"])
    assert r.returncode == 0
    assert "Usage" in r.stdout and "assignment2.zip" in r.stdout
    assert not (project / "assignment2.zip").exists()


def test_scripts_are_executable():
    for script in (COLLECT,):
        assert os.access(script, os.X_OK), script
        assert script.read_text().startswith("#!/usr/bin/env bash\n")


# --------------------------------------------------------------------------
# env.yml / requirements.txt
# --------------------------------------------------------------------------
def _requirements():
    from packaging.requirements import Requirement
    reqs = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            r = Requirement(line)
            reqs[r.name.lower()] = r
    return reqs


def _env_yml_packages():
    import re
    names = {}
    for line in (ROOT / "env.yml").read_text().splitlines():
        m = re.match(r"^\s*-\s+([A-Za-z0-9_.\-]+)\s*([<>=!].*)?$", line.split("#", 1)[0])
        if m and m.group(1) not in ("python", "pip", "conda-forge", "defaults"):
            names[m.group(1).lower()] = (m.group(2) or "").strip()
    return names


def test_requirements_and_env_yml_agree():
    reqs = _requirements()
    env = _env_yml_packages()
    expected = {"numpy", "scipy", "matplotlib", "scikit-learn", "pytest", "hypothesis", "gensim"}
    assert set(reqs) == expected
    assert set(env) == expected
    for name, req in reqs.items():
        assert env[name] == str(req.specifier), name
    text = (ROOT / "env.yml").read_text()
    assert "name: a2" in text and "python=3.11" in text


def test_installed_versions_satisfy_requirements():
    from importlib.metadata import PackageNotFoundError, version
    for name, req in _requirements().items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            pytest.skip(f"{name} is not installed in this environment")
        assert req.specifier.contains(installed, prereleases=True), (name, installed)
