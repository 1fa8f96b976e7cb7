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
# get_datasets.sh
# --------------------------------------------------------------------------
@pytest.mark.parametrize("shell", ["bash", "sh"])
def test_get_datasets_help(project, tmp_path, shell):
    for flag in ("--help", "-h"):
        r = run(project / "get_datasets.sh", base_env(tmp_path), shell=shell, args=[flag])
        assert r.returncode == 0, r.stderr
        for word in ("Usage", "SST_SOURCE", "PTB_SOURCE", "Exit codes", SST_URL):
            assert word in r.stdout
    assert not datasets(project).exists()  # --help does nothing else


def test_get_datasets_unknown_argument(project, tmp_path):
    r = run(project / "get_datasets.sh", base_env(tmp_path), args=["--bogus"])
    assert r.returncode == 2
    assert "--bogus" in r.stderr


def test_sst_source_folder(project, tmp_path):
    src = write_sst(tmp_path / "somewhere" / "sst_files")
    r = run(project / "get_datasets.sh", base_env(tmp_path, SST_SOURCE=src))
    assert r.returncode == 0, r.stderr
    assert_sst_installed(project)
    assert (datasets(project) / SST / "dictionary.txt").read_text() == DICTIONARY
    # Success report lists the files with their line counts.
    assert "datasetSentences.txt" in r.stdout
    assert any("5" in line and "datasetSentences.txt" in line for line in r.stdout.splitlines())
    # PTB could not be downloaded (fake wget/curl): only a warning.
    assert "WARNING" in r.stderr and "PTB" in r.stderr
    assert not (datasets(project) / PTB).exists()


def test_sst_source_folder_with_subfolder(project, tmp_path):
    parent = tmp_path / "data"
    write_sst(parent / SST, dictionary=False)
    r = run(project / "get_datasets.sh", base_env(tmp_path, SST_SOURCE=parent))
    assert r.returncode == 0, r.stderr
    assert_sst_installed(project)
    # dictionary.txt is optional; its absence is mentioned, not fatal.
    assert not (datasets(project) / SST / "dictionary.txt").exists()
    assert "dictionary.txt" in r.stdout
    assert not (datasets(project) / SST / SST).exists()


def test_sst_source_zip_with_macosx_via_sh_from_other_cwd(project, tmp_path):
    make_sst_zip(tmp_path / "stanfordSentimentTreebank.zip")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # Relative SST_SOURCE, resolved against the caller's folder; script run by `sh`.
    env = base_env(tmp_path, SST_SOURCE="../stanfordSentimentTreebank.zip")
    r = run(project / "get_datasets.sh", env, shell="sh", cwd=elsewhere)
    assert r.returncode == 0, r.stderr
    assert_sst_installed(project)
    assert (datasets(project) / SST / "dictionary.txt").read_text() == DICTIONARY
    assert list(elsewhere.iterdir()) == []  # nothing written into the caller's folder


def test_second_run_is_a_noop(project, tmp_path):
    src = write_sst(tmp_path / "src")
    script = project / "get_datasets.sh"
    r1 = run(script, base_env(tmp_path, SST_SOURCE=src))
    assert r1.returncode == 0, r1.stderr
    installed = datasets(project) / SST / "datasetSentences.txt"
    mtime = installed.stat().st_mtime_ns
    # The second run must not even look at the source (it no longer exists).
    shutil.rmtree(src)
    r2 = run(script, base_env(tmp_path, SST_SOURCE=src))
    assert r2.returncode == 0, r2.stderr
    assert "already" in r2.stdout
    assert installed.stat().st_mtime_ns == mtime
    assert installed.read_text(encoding="utf-8") == SENTENCES


@pytest.mark.parametrize("problem", ["missing", "empty"])
def test_broken_sst_source_fails_and_leaves_nothing(project, tmp_path, problem):
    src = write_sst(tmp_path / "broken")
    if problem == "missing":
        (src / "datasetSentences.txt").unlink()
    else:
        (src / "datasetSentences.txt").write_text("")
    r = run(project / "get_datasets.sh", base_env(tmp_path, SST_SOURCE=src))
    assert r.returncode != 0
    assert "datasetSentences.txt" in r.stderr
    assert problem in r.stderr
    assert "SST_SOURCE" in r.stderr
    assert not (datasets(project) / SST).exists()
    assert leftovers(project) == []


def test_sst_source_with_wrong_header_fails(project, tmp_path):
    src = write_sst(tmp_path / "noheader", sentences="1\tA sentence without header\n")
    r = run(project / "get_datasets.sh", base_env(tmp_path, SST_SOURCE=src))
    assert r.returncode != 0
    assert "header" in r.stderr and "datasetSentences.txt" in r.stderr
    assert not (datasets(project) / SST).exists()
    assert leftovers(project) == []


def test_broken_zip_fails_and_leaves_nothing(project, tmp_path):
    # A zip without datasetSentences.txt: the unpacked remains must be cleaned up.
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr(f"{SST}/datasetSplit.txt", SPLIT)
        zf.writestr(f"{SST}/sentiment_labels.txt", LABELS)
    r = run(project / "get_datasets.sh", base_env(tmp_path, SST_SOURCE=bad))
    assert r.returncode != 0
    assert "datasetSentences.txt is missing" in r.stderr
    assert not (datasets(project) / SST).exists()
    assert leftovers(project) == []


def test_sst_source_that_does_not_exist_fails(project, tmp_path):
    r = run(project / "get_datasets.sh", base_env(tmp_path, SST_SOURCE=tmp_path / "nope"))
    assert r.returncode != 0
    assert "does not exist" in r.stderr and "nope" in r.stderr
    assert not (datasets(project) / SST).exists()


def test_no_source_and_no_network_fails_clearly(project, tmp_path):
    r = run(project / "get_datasets.sh", base_env(tmp_path))
    assert r.returncode != 0
    err = r.stderr
    assert "could not download" in err
    assert SST_URL in err
    assert "SST_SOURCE=" in err  # how to fix
    assert "utils/datasets" in err
    assert not (datasets(project) / SST).exists()
    assert leftovers(project) == []


def test_no_downloader_and_no_unzip(project, tmp_path):
    """Without unzip the zip is unpacked by python3; without wget/curl the
    PTB download is skipped with a warning naming the cause."""
    make_sst_zip(tmp_path / "sst.zip")
    env = base_env(tmp_path, SST_SOURCE=tmp_path / "sst.zip")
    env["PATH"] = str(restricted_bin(tmp_path, exclude={"wget", "curl", "unzip"}))
    r = run(project / "get_datasets.sh", env)
    assert r.returncode == 0, r.stderr
    assert_sst_installed(project)
    assert "neither wget nor curl" in r.stderr
    assert not (datasets(project) / PTB).exists()


def test_no_downloader_no_source_fails(project, tmp_path):
    env = base_env(tmp_path)
    env["PATH"] = str(restricted_bin(tmp_path, exclude={"wget", "curl"}))
    r = run(project / "get_datasets.sh", env)
    assert r.returncode != 0
    assert "neither wget nor curl" in r.stderr
    assert "SST_SOURCE" in r.stderr


def test_hand_downloaded_zip_in_datasets_is_used(project, tmp_path):
    datasets(project).mkdir(parents=True)
    make_sst_zip(datasets(project) / "stanfordSentimentTreebank.zip")
    make_ptb_zip(datasets(project) / "trainDevTestTrees_PTB.zip")
    r = run(project / "get_datasets.sh", base_env(tmp_path))
    assert r.returncode == 0, r.stderr
    assert_sst_installed(project)
    assert_ptb_installed(project)
    assert "could not download" not in r.stderr


def test_incomplete_target_is_replaced(project, tmp_path):
    old = write_sst(datasets(project) / SST)
    (old / "datasetSentences.txt").write_text("")  # e.g. an interrupted old copy
    src = write_sst(tmp_path / "src")
    r = run(project / "get_datasets.sh", base_env(tmp_path, SST_SOURCE=src))
    assert r.returncode == 0, r.stderr
    assert "already" not in r.stdout
    assert_sst_installed(project)


@pytest.mark.parametrize("layout", ["trees_subfolder", "files_directly", "zip"])
def test_ptb_source(project, tmp_path, layout):
    sst = write_sst(tmp_path / "sst")
    if layout == "trees_subfolder":
        src = tmp_path / "ptb"
        write_trees(src / "trees")
    elif layout == "files_directly":
        src = write_trees(tmp_path / "ptb_flat")
    else:
        src = make_ptb_zip(tmp_path / "trainDevTestTrees_PTB.zip")
    r = run(project / "get_datasets.sh", base_env(tmp_path, SST_SOURCE=sst, PTB_SOURCE=src))
    assert r.returncode == 0, r.stderr
    assert_sst_installed(project)
    assert_ptb_installed(project)
    assert "WARNING" not in r.stderr
    assert "train.txt" in r.stdout
    # And a second run finds both in place.
    r2 = run(project / "get_datasets.sh", base_env(tmp_path))
    assert r2.returncode == 0, r2.stderr
    assert r2.stdout.count("already") == 2


@pytest.mark.parametrize("problem", ["does_not_exist", "missing_test", "not_trees", "not_a_zip"])
def test_wrong_ptb_source_fails(project, tmp_path, problem):
    sst = write_sst(tmp_path / "sst")
    src = tmp_path / "ptb"
    if problem == "missing_test":
        write_trees(src / "trees")
        (src / "trees" / "test.txt").unlink()
    elif problem == "not_trees":
        write_trees(src / "trees")
        (src / "trees" / "dev.txt").write_text("version https://git-lfs.github.com/spec/v1\n")
    elif problem == "not_a_zip":
        src = tmp_path / "ptb.zip"
        src.write_text("<html>404 Not Found</html>\n")
    r = run(project / "get_datasets.sh", base_env(tmp_path, SST_SOURCE=sst, PTB_SOURCE=src))
    assert r.returncode != 0
    assert "PTB_SOURCE" in r.stderr
    expected = {"does_not_exist": "does not exist", "missing_test": "trees/test.txt is missing",
                "not_trees": "trees/dev.txt", "not_a_zip": "neither a folder nor a zip"}[problem]
    assert expected in r.stderr
    assert not (datasets(project) / PTB).exists()
    assert leftovers(project) == []


def test_real_data_when_available(project, tmp_path):
    real = SHARED_DATA / SST
    if not (real / "datasetSentences.txt").is_file():
        pytest.skip(f"real Stanford Sentiment Treebank not found at {real}")
    env = base_env(tmp_path, SST_SOURCE=real)
    real_ptb = SHARED_DATA / PTB
    if (real_ptb / "trees" / "train.txt").is_file():
        env["PTB_SOURCE"] = str(real_ptb)
    r = run(project / "get_datasets.sh", env)
    assert r.returncode == 0, r.stderr
    copied = datasets(project) / SST / "datasetSentences.txt"
    with open(copied, "rb") as f:
        assert sum(1 for _ in f) == 11856
    assert copied.read_bytes() == (real / "datasetSentences.txt").read_bytes()
    assert "11856" in r.stdout
    if "PTB_SOURCE" in env:
        trees = datasets(project) / PTB / "trees"
        counts = {n: len((trees / n).read_bytes().splitlines())
                  for n in ("train.txt", "dev.txt", "test.txt")}
        assert counts == {"train.txt": 8544, "dev.txt": 1101, "test.txt": 2210}
    # Copies of the read-only originals must be writable/removable by the user.
    shutil.rmtree(datasets(project))


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
    for script in (GET_DATASETS, COLLECT):
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
