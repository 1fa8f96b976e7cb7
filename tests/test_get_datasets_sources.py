"""get_datasets.sh: the benchmark files and the downloads (a fake curl and wget serve a
table of URL -> file; no test uses the network)."""

import os
import shutil
import zipfile

import pytest

from tests.conftest import REAL_SST, missing_reason
from tests.test_get_datasets import (  # noqa: F401 (fixtures)
    BENCH,
    GENSIM,
    PTB,
    PTB_URL,
    SST,
    SST_URL,
    TOOLS,
    WS_URL,
    _bench_copies,
    _official_benchmarks,
    assert_installed,
    base_env,
    datasets,
    fake_bin,
    leftovers,
    project,
    release,
    requests,
    restricted_bin,
    run,
    site,
)


# --------------------------------------------------------------------------
# benchmarks
# --------------------------------------------------------------------------
@pytest.mark.parametrize("layout", ["copies", "official_files", "official_zips"])
def test_bench_source(project, tmp_path, release, layout):
    bench = tmp_path / "bench"
    if layout == "copies":
        shutil.copytree(release / "benchmarks", bench)
    elif layout == "official_files":
        shutil.copytree(release / "official", bench)
        shutil.copy(release / "benchmarks" / "questions-words.txt", bench)
    else:
        bench.mkdir()
        for name in ("wordsim353.zip", "SimLex-999.zip", "questions-words.txt"):
            shutil.copy(release / "zips" / name, bench)
    env = base_env(tmp_path, SST_SOURCE=release / SST, PTB_SOURCE=release / PTB,
                   BENCH_SOURCE=bench)
    r = run(project, env)
    assert r.returncode == 0, r.stderr
    assert_installed(project, release)
    installed = datasets(project) / "benchmarks"
    if layout != "copies":
        combined, simlex = _official_benchmarks()
        assert (installed / "simlex999.txt").read_text(encoding="utf-8") == "".join(simlex)
        assert "another layout" in r.stderr
    for name in BENCH:
        assert os.access(installed / name, os.W_OK)


@pytest.mark.parametrize("problem", ["missing", "truncated", "symlink"])
def test_unusable_bench_source_fails(project, tmp_path, release, problem):
    bench = tmp_path / "bench"
    shutil.copytree(release / "benchmarks", bench)
    target = bench / "simlex999.txt"
    if problem == "missing":
        target.unlink()
    elif problem == "truncated":
        target.write_text("".join(_bench_copies()["simlex999.txt"][:500]))
    else:
        target.unlink()
        target.symlink_to("/etc/passwd")
    env = base_env(tmp_path, SST_SOURCE=release / SST, PTB_SOURCE=release / PTB,
                   BENCH_SOURCE=bench)
    r = run(project, env)
    assert r.returncode == 1
    expected = {"missing": "BENCH_SOURCE=%s holds no SimLex-999" % bench,
                "truncated": "is not the whole SimLex-999: 498 rows of 999",
                "symlink": "simlex999.txt is a symbolic link (to /etc/passwd)"}[problem]
    assert expected in r.stderr
    assert not (datasets(project) / "benchmarks" / "simlex999.txt").exists()
    # The other two are installed all the same.
    assert (datasets(project) / "benchmarks" / "wordsim353.tsv").is_file()
    assert leftovers(project) == []


def test_real_data_when_present(project, tmp_path):
    """The real data (conftest's lookup): one variable brings all, every file matches its
    sha256."""
    source = REAL_SST.parent
    if not all((source / name).exists() for name in (
            SST + "/datasetSentences.txt", PTB + "/trees/train.txt", *(
                "benchmarks/" + b for b in BENCH))):
        pytest.skip(missing_reason("%s/, %s/ and benchmarks/ side by side" % (SST, PTB)))
    r = run(project, base_env(tmp_path, SST_SOURCE=source))
    assert r.returncode == 0, r.stderr
    assert "Note:" not in r.stderr  # no file differs from the published release
    d = datasets(project)
    with open(d / SST / "datasetSentences.txt", "rb") as f:
        assert sum(1 for _ in f) == 11856
    counts = {n: len((d / PTB / "trees" / n).read_bytes().splitlines())
              for n in ("train.txt", "dev.txt", "test.txt")}
    assert counts == {"train.txt": 8544, "dev.txt": 1101, "test.txt": 2210}
    for name in BENCH:
        assert (d / "benchmarks" / name).read_bytes() == (source / "benchmarks"
                                                          / name).read_bytes()
    shutil.rmtree(d)  # copies of read-only originals can be removed by the user


# --------------------------------------------------------------------------
# downloads
# --------------------------------------------------------------------------
def test_download_route_gets_everything(project, tmp_path, release):
    r = run(project, base_env(tmp_path, served=site(release)))
    assert r.returncode == 0, r.stderr
    assert_installed(project, release)
    assert sorted(requests(tmp_path)) == sorted("curl " + u for u in site(release))


def test_benchmark_home_down_falls_back_to_gensims_copy(project, tmp_path, release):
    served = site(release)
    del served[WS_URL]
    served[GENSIM + "wordsim353.tsv"] = release / "benchmarks" / "wordsim353.tsv"
    r = run(project, base_env(tmp_path, served=served))
    assert r.returncode == 0, r.stderr
    assert_installed(project, release)
    assert r.stderr.count("Could not resolve host: www.cs.technion.ac.il") == 1
    assert "trying gensim's copy" in r.stderr


@pytest.mark.parametrize("tool", ["curl", "wget"])
def test_failed_download_prints_one_clear_error(project, tmp_path, tool):
    env = base_env(tmp_path)
    if tool == "wget":  # only the fake wget: the real curl is left out too
        only_wget = tmp_path / "only_wget"
        only_wget.mkdir()
        shutil.copy(fake_bin(tmp_path) / "wget", only_wget / "wget")
        env["PATH"] = os.pathsep.join([str(only_wget),
                                       str(restricted_bin(tmp_path, {"curl", "wget"}))])
    r = run(project, env)
    assert r.returncode == 1
    tool_error = TOOLS[tool]["message"] % "nlp.stanford.edu"
    assert r.stderr.count(tool_error) == 1  # the tool's own words, once
    assert r.stderr.count("ERROR") == 1
    assert f"could not download the Stanford Sentiment Treebank from {SST_URL}" in r.stderr
    assert "SST_SOURCE=PATH" in r.stderr and str(datasets(project)) in r.stderr
    assert requests(tmp_path) == [f"{tool} {SST_URL}"]  # one tool, one try
    assert not (datasets(project) / SST).exists()
    assert leftovers(project) == []


def test_no_downloader(project, tmp_path):
    env = base_env(tmp_path)
    env["PATH"] = str(restricted_bin(tmp_path, {"curl", "wget"}))
    r = run(project, env)
    assert r.returncode == 1
    assert "neither curl nor wget is installed" in r.stderr
    assert "SST_SOURCE" in r.stderr


def test_optional_download_fails_still_exit_0(project, tmp_path, release):
    """The PTB trees cannot be had and the treebank has no dictionary.txt."""
    served = site(release)
    del served[PTB_URL]
    served[SST_URL] = tmp_path / "sst.zip"
    with zipfile.ZipFile(served[SST_URL], "w") as zf:
        for f in sorted((release / SST).iterdir()):
            if f.name != "dictionary.txt":
                zf.write(f, f"{SST}/{f.name}")
    r = run(project, base_env(tmp_path, served=served))
    assert r.returncode == 0, r.stderr  # the treebank is there: run.py works
    assert not (datasets(project) / PTB).exists()
    assert r.stderr.count("could not download the PTB sentiment trees") == 1
    assert ("the PTB sentiment trees (sentiment.py needs them: the treebank has no"
            " dictionary.txt)") in r.stderr
    assert "Incomplete: the treebank is in place (run.py works)" in r.stderr


def test_hand_downloaded_files_in_datasets_are_used(project, tmp_path, release):
    shutil.copytree(release / "zips", datasets(project))
    r = run(project, base_env(tmp_path))
    assert r.returncode == 0, r.stderr
    assert_installed(project, release)
    assert requests(tmp_path) == []
