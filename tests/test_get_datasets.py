"""Tests for get_datasets.sh: where the data come from, what is checked, what is said.

Every test runs a copy of the script in a temporary project folder, so the
real utils/datasets/ is never touched. The fixtures are written in the real
formats with the real line counts (the script checks those; the real data
found by conftest's lookup are used too where present). No test uses the network: a
fake `curl` and `wget` come first in PATH; they either fail as the real
tools do, or serve files from a table of URL -> file, as the real sites would.
"""

import fcntl
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REAL_SST, missing_reason

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "get_datasets.sh"
LIB = ROOT / "utils" / "get_datasets_lib.sh"

SST = "stanfordSentimentTreebank"
PTB = "trainDevTestTrees_PTB"
SST_URL = "http://nlp.stanford.edu/~socherr/stanfordSentimentTreebank.zip"
PTB_URL = "http://nlp.stanford.edu/sentiment/trainDevTestTrees_PTB.zip"
WS_URL = "http://www.cs.technion.ac.il/~gabr/resources/data/wordsim353/wordsim353.zip"
SL_URL = "https://fh295.github.io/SimLex-999.zip"
QW_URL = "https://raw.githubusercontent.com/tmikolov/word2vec/master/questions-words.txt"
GENSIM = "https://raw.githubusercontent.com/piskvorky/gensim/4.3.3/gensim/test/test_data/"
BENCH = ("wordsim353.tsv", "simlex999.txt", "questions-words.txt")
TIMEOUT = 120
WORDS = "good bad film great dull the a of plot actor".split()


# --------------------------------------------------------------------------
# fixtures in the real formats
# --------------------------------------------------------------------------
def _sst_files():
    """The treebank's files with the real line counts (sentences 11855, phrases 239232)."""
    sentences = ["sentence_index\tsentence\n"] + [
        "%d\t%s %s film .\n" % (i, WORDS[i % 10], WORDS[(i * 7) % 10]) for i in range(1, 11856)]
    split = ["sentence_index,splitset_label\n"] + ["%d,%d\n" % (i, 1 + i % 3)
                                                   for i in range(1, 11856)]
    labels = ["phrase ids|sentiment values\n"] + ["%d|0.%d\n" % (i, i % 10) for i in range(239232)]
    dictionary = ["phrase %d|%d\n" % (i, i) for i in range(239232)]
    readme = ["Stanford Sentiment Treebank V1.0 (fixture), line %d\n" % i for i in range(43)]
    return {"datasetSentences.txt": sentences, "datasetSplit.txt": split,
            "sentiment_labels.txt": labels, "dictionary.txt": dictionary, "README.txt": readme}


def _trees():
    return {name: ["(%d (2 %s) (%d film))\n" % (i % 5, WORDS[i % 10], i % 5) for i in range(n)]
            for name, n in (("train.txt", 8544), ("dev.txt", 1101), ("test.txt", 2210))}


def _bench_copies():
    """The three benchmarks in the layout of the copies (gensim's test data)."""
    pairs = lambda n: ["%s%d\t%s\t%.2f\n" % (WORDS[i % 10], i, WORDS[(i + 3) % 10], i % 10)
                       for i in range(n)]
    questions = []
    for s in range(14):
        questions.append(": section-%d\n" % s)
        n = 19544 // 14 + (1 if s < 19544 % 14 else 0)
        questions += ["a%d b%d c%d d%d\n" % (s, i, i, i) for i in range(n)]
    return {"wordsim353.tsv": ["# WordSim-353 (fixture)\n", "# Word 1\tWord 2\tHuman (mean)\n"]
            + pairs(353),
            "simlex999.txt": ["# SimLex-999 (fixture)\n", "# Word 1\tWord 2\tHuman (mean)\n"]
            + pairs(999),
            "questions-words.txt": questions}


def _official_benchmarks():
    """WordSim-353's combined.tab (CRLF, a header) and SimLex-999.txt (10 columns)."""
    combined = ["Word 1\tWord 2\tHuman (mean)\r\n"] + [
        "w%d\tv%d\t%.2f\r\n" % (i, i, i % 10) for i in range(353)]
    simlex = ["word1\tword2\tPOS\tSimLex999\tconc(w1)\tconc(w2)\tconcQ\tAssoc(USF)"
              "\tSimAssoc333\tSD(SimLex)\n"] + [
        "w%d\tv%d\tN\t%.2f\t4.1\t4.2\t4\t0.5\t0\t0.4\n" % (i, i, i % 10) for i in range(999)]
    return combined, simlex


def write_lines(path, lines):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(lines), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def release(tmp_path_factory):
    """Every data set once per session: folders, and zips laid out as published."""
    base = tmp_path_factory.mktemp("release")
    for name, lines in _sst_files().items():
        write_lines(base / SST / name, lines)
    for name, lines in _trees().items():
        write_lines(base / PTB / "trees" / name, lines)
    for name, lines in _bench_copies().items():
        write_lines(base / "benchmarks" / name, lines)
    combined, simlex = _official_benchmarks()
    zips = base / "zips"
    zips.mkdir()
    with zipfile.ZipFile(zips / f"{SST}.zip", "w") as zf:
        for f in sorted((base / SST).iterdir()):
            zf.write(f, f"{SST}/{f.name}")
        zf.writestr(f"__MACOSX/{SST}/._datasetSentences.txt", b"\x00\x05\x16\x07junk")
    with zipfile.ZipFile(zips / f"{PTB}.zip", "w") as zf:
        for f in sorted((base / PTB / "trees").iterdir()):
            zf.write(f, f"trees/{f.name}")
    with zipfile.ZipFile(zips / "wordsim353.zip", "w") as zf:
        zf.writestr("combined.tab", "".join(combined))
        zf.writestr("combined.csv", "".join(combined).replace("\t", ","))
        zf.writestr("instructions.txt", "WordSim-353 (fixture)\n")
    with zipfile.ZipFile(zips / "SimLex-999.zip", "w") as zf:
        zf.writestr("SimLex-999/SimLex-999.txt", "".join(simlex))
        zf.writestr("SimLex-999/README.txt", "SimLex-999 (fixture)\n")
    shutil.copy(base / "benchmarks" / "questions-words.txt", zips / "questions-words.txt")
    (base / "official").mkdir()
    write_lines(base / "official" / "combined.tab", combined)
    write_lines(base / "official" / "SimLex-999.txt", simlex)
    return base


def site(release):
    """URL -> file of every published data set, for the serving fake curl/wget."""
    z = release / "zips"
    return {SST_URL: z / f"{SST}.zip", PTB_URL: z / f"{PTB}.zip", WS_URL: z / "wordsim353.zip",
            SL_URL: z / "SimLex-999.zip", QW_URL: z / "questions-words.txt"}


# --------------------------------------------------------------------------
# running the script
# --------------------------------------------------------------------------
FAKE_TOOL = r'''#!%(python)s
"""A fake %(tool)s: serves URLs from the JSON table in $FAKE_SITE, logs them to $FAKE_LOG."""
import json, os, shutil, sys
args = sys.argv[1:]
out, url = args[args.index("%(out_flag)s") + 1], args[-1]
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write("%(tool)s " + url + "\n")
table = json.load(open(os.environ["FAKE_SITE"])) if os.environ.get("FAKE_SITE") else {}
if url in table:
    shutil.copy(table[url], out)
    sys.exit(0)
host = url.split("/")[2]
sys.stderr.write(%(message)r %% host + "\n")
sys.exit(%(code)d)
'''
TOOLS = {"curl": dict(out_flag="-o", message="curl: (6) Could not resolve host: %s", code=6),
         "wget": dict(out_flag="-O", message="wget: unable to resolve host address '%s'", code=4)}


def fake_bin(tmp_path):
    """A folder with fake `curl` and `wget` (see FAKE_TOOL)."""
    b = tmp_path / "fakebin"
    if not b.exists():
        b.mkdir()
        for tool, spec in TOOLS.items():
            (b / tool).write_text(FAKE_TOOL % dict(spec, tool=tool, python=sys.executable))
            (b / tool).chmod(0o755)
    return b


def restricted_bin(tmp_path, exclude):
    """A folder of links to every command in PATH except those in `exclude`."""
    b = tmp_path / "restricted_bin"
    b.mkdir()
    for d in os.environ.get("PATH", "").split(os.pathsep):
        if not d or not os.path.isdir(d):
            continue
        for entry in os.listdir(d):
            full = os.path.join(d, entry)
            if entry in exclude or os.path.lexists(b / entry):
                continue
            if os.path.isfile(full) and os.access(full, os.X_OK):
                (b / entry).symlink_to(full)
    for name in ("python3", "python"):  # the interpreter running the tests, not a shim
        if name not in exclude:
            if os.path.lexists(b / name):
                (b / name).unlink()
            (b / name).symlink_to(os.path.realpath(sys.executable))
    return b


def base_env(tmp_path, served=None, **extra):
    """The environment of a run: no *_SOURCE unless given, the fakes first in PATH."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("SST_SOURCE", "PTB_SOURCE", "BENCH_SOURCE")}
    env["PATH"] = str(fake_bin(tmp_path)) + os.pathsep + env.get("PATH", "")
    env["FAKE_LOG"] = str(tmp_path / "requests.log")
    if served is not None:
        table = tmp_path / "site.json"
        table.write_text(json.dumps({url: str(path) for url, path in served.items()}))
        env["FAKE_SITE"] = str(table)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def requests(tmp_path):
    log = tmp_path / "requests.log"
    return log.read_text().splitlines() if log.exists() else []


@pytest.fixture
def project(tmp_path):
    proj = tmp_path / "project"
    proj.mkdir()
    shutil.copy2(SCRIPT, proj / "get_datasets.sh")
    (proj / "utils").mkdir()
    shutil.copy2(LIB, proj / "utils" / LIB.name)
    return proj


def run(proj, env, shell="bash", cwd=None, args=()):
    return subprocess.run([shell, str(proj / "get_datasets.sh"), *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=TIMEOUT)


def datasets(proj):
    return proj / "utils" / "datasets"


def leftovers(proj):
    return sorted(p.name for p in datasets(proj).glob(".tmp*"))


def assert_installed(proj, release, sst=True, ptb=True, bench=BENCH):
    d = datasets(proj)
    if sst:
        for f in (release / SST).iterdir():
            assert (d / SST / f.name).read_bytes() == f.read_bytes(), f.name
        assert not (d / SST / "__MACOSX").exists() and not (d / "__MACOSX").exists()
    if ptb:
        for f in (release / PTB / "trees").iterdir():
            assert (d / PTB / "trees" / f.name).read_bytes() == f.read_bytes(), f.name
    for name in bench:
        assert (d / "benchmarks" / name).is_file(), name
    assert leftovers(proj) == []


# --------------------------------------------------------------------------
# command line
# --------------------------------------------------------------------------
@pytest.mark.parametrize("shell", ["bash", "sh"])
def test_help(project, tmp_path, shell):
    for flag in ("--help", "-h"):
        r = run(project, base_env(tmp_path), shell=shell, args=[flag])
        assert r.returncode == 0, r.stderr
        for word in ("Usage", "SST_SOURCE", "PTB_SOURCE", "BENCH_SOURCE", "Exit codes",
                     SST_URL, PTB_URL, WS_URL, SL_URL, QW_URL):
            assert word in r.stdout, word
    assert not datasets(project).exists()  # --help does nothing else


def test_unknown_argument(project, tmp_path):
    r = run(project, base_env(tmp_path), args=["--bogus"])
    assert r.returncode == 2
    assert "--bogus" in r.stderr


# --------------------------------------------------------------------------
# the local-copy route finds everything beside the source
# --------------------------------------------------------------------------
def test_sst_source_folder_holding_every_data_set(project, tmp_path, release):
    r = run(project, base_env(tmp_path, SST_SOURCE=release))
    assert r.returncode == 0, r.stderr
    assert_installed(project, release)
    for name in BENCH:  # the copies' layout is installed byte for byte
        assert ((datasets(project) / "benchmarks" / name).read_bytes()
                == (release / "benchmarks" / name).read_bytes())
    assert requests(tmp_path) == []  # a local copy never touches the network
    assert "Done: every data set" in r.stdout
    assert "11856 lines" in r.stdout


def test_sst_source_treebank_folder_finds_its_siblings(project, tmp_path, release):
    r = run(project, base_env(tmp_path, SST_SOURCE=release / SST))
    assert r.returncode == 0, r.stderr
    assert_installed(project, release)
    assert requests(tmp_path) == []


def test_sst_source_zip_finds_the_zips_beside_it(project, tmp_path, release):
    """The --help example: Stanford's zip in a downloads folder, the others beside it."""
    downloads = tmp_path / "Downloads"
    shutil.copytree(release / "zips", downloads)
    r = run(project, base_env(tmp_path, SST_SOURCE=downloads / f"{SST}.zip"))
    assert r.returncode == 0, r.stderr
    assert_installed(project, release)
    assert requests(tmp_path) == []
    combined, simlex = _official_benchmarks()  # the official layouts are kept
    bench = datasets(project) / "benchmarks"
    assert (bench / "wordsim353.tsv").read_bytes() == "".join(combined).encode()
    assert (bench / "simlex999.txt").read_text(encoding="utf-8") == "".join(simlex)


def test_only_sst_source_with_nothing_beside_it(project, tmp_path, release):
    """Offline: no download is tried; the summary names what is missing, exit 0."""
    lone = tmp_path / "lone"
    shutil.copytree(release / SST, lone / "sst")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    r = run(project, base_env(tmp_path, SST_SOURCE=lone / "sst"), cwd=elsewhere)
    assert r.returncode == 0, r.stderr  # the treebank is there: run.py works
    assert_installed(project, release, ptb=False, bench=())
    assert requests(tmp_path) == []
    err = r.stderr
    assert "PTB sentiment trees: not found beside the local copies" in err
    assert "PTB_SOURCE=PATH" in err and "BENCH_SOURCE=PATH" in err
    # Run from another folder, the fix names the script by its real path.
    assert f"sh {project}/get_datasets.sh" in err
    assert "Incomplete: the treebank is in place" in err
    assert "the PTB sentiment trees (sentiment.py can use dictionary.txt instead)" in err
    assert "Benchmarks (wordsim353.tsv, simlex999.txt, questions-words.txt): not found" in err
    assert "benchmarks/questions-words.txt (evaluate.py)" in err
    assert list(elsewhere.iterdir()) == []


def test_relative_source_via_sh_from_another_folder(project, tmp_path, release):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copytree(release, tmp_path / "data", ignore=shutil.ignore_patterns("zips", "official"))
    r = run(project, base_env(tmp_path, SST_SOURCE="../data"), shell="sh", cwd=elsewhere)
    assert r.returncode == 0, r.stderr
    assert_installed(project, release)
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("layout", ["trees_subfolder", "files_directly", "zip"])
def test_ptb_source(project, tmp_path, release, layout):
    src = {"trees_subfolder": release / PTB, "files_directly": release / PTB / "trees",
           "zip": release / "zips" / f"{PTB}.zip"}[layout]
    env = base_env(tmp_path, SST_SOURCE=release / SST, PTB_SOURCE=src)
    r = run(project, env)
    assert r.returncode == 0, r.stderr
    assert_installed(project, release)
    r2 = run(project, base_env(tmp_path))  # a second run finds everything in place
    assert r2.returncode == 0, r2.stderr
    assert r2.stdout.count("already in place") == 5
    assert requests(tmp_path) == []


@pytest.mark.parametrize("problem", ["does_not_exist", "missing_test", "not_trees", "not_a_zip",
                                     "truncated"])
def test_unusable_ptb_source_fails(project, tmp_path, release, problem):
    src = tmp_path / "ptb"
    if problem != "does_not_exist":
        shutil.copytree(release / PTB, src)
    trees = src / "trees"
    if problem == "missing_test":
        (trees / "test.txt").unlink()
    elif problem == "not_trees":
        (trees / "dev.txt").write_text("version https://git-lfs.github.com/spec/v1\n" * 1101)
    elif problem == "truncated":
        (trees / "train.txt").write_text("".join(_trees()["train.txt"][:5000]))
    elif problem == "not_a_zip":
        src = tmp_path / "ptb.zip"
        src.write_text("<html>404 Not Found</html>\n")
    r = run(project, base_env(tmp_path, SST_SOURCE=release / SST, PTB_SOURCE=src))
    assert r.returncode == 1
    assert "PTB_SOURCE" in r.stderr
    expected = {"does_not_exist": "does not exist", "missing_test": "test.txt is missing",
                "not_trees": "trees/dev.txt does not look like PTB trees",
                "not_a_zip": "neither a folder nor a zip",
                "truncated": "train.txt is truncated or damaged: 5000 lines, the published"
                             " file has 8544"}[problem]
    assert expected in r.stderr
    assert not (datasets(project) / PTB).exists()
    assert leftovers(project) == []


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


# --------------------------------------------------------------------------
# what is accepted as ready
# --------------------------------------------------------------------------
def test_second_run_is_a_noop(project, tmp_path, release):
    src = tmp_path / "src"
    shutil.copytree(release, src, ignore=shutil.ignore_patterns("zips", "official"))
    assert run(project, base_env(tmp_path, SST_SOURCE=src)).returncode == 0
    installed = datasets(project) / SST / "datasetSentences.txt"
    mtime = installed.stat().st_mtime_ns
    shutil.rmtree(src)  # the second run must not even look at the source
    r2 = run(project, base_env(tmp_path, SST_SOURCE=src))
    assert r2.returncode == 0, r2.stderr
    assert r2.stdout.count("already in place") == 5
    assert installed.stat().st_mtime_ns == mtime


@pytest.mark.parametrize("cut", ["at_a_line_end", "mid_line"])
def test_truncated_installed_file_is_not_ready(project, tmp_path, release, cut):
    assert run(project, base_env(tmp_path, SST_SOURCE=release)).returncode == 0
    installed = datasets(project) / SST / "datasetSentences.txt"
    text = installed.read_bytes()
    installed.write_bytes(text[:text.index(b"\n6000\t") + 1] if cut == "at_a_line_end"
                          else text[:-7])
    expected = ("truncated or damaged: 6000 lines" if cut == "at_a_line_end"
                else "datasetSentences.txt is cut off")
    # Offline, no source: it is not taken as ready, and the run fails saying why.
    r = run(project, base_env(tmp_path))
    assert r.returncode == 1
    assert "is damaged; getting it again" in r.stderr and expected in r.stderr
    assert "already in place, utils/datasets/" + SST not in r.stdout
    # With a source it is replaced.
    r = run(project, base_env(tmp_path, SST_SOURCE=release))
    assert r.returncode == 0, r.stderr
    assert installed.read_bytes() == (release / SST / "datasetSentences.txt").read_bytes()
    assert leftovers(project) == []


@pytest.mark.parametrize("problem", ["missing", "empty", "no_header", "truncated", "mid_line",
                                     "dictionary_truncated"])
def test_unusable_sst_source_fails_and_leaves_nothing(project, tmp_path, release, problem):
    src = tmp_path / "broken"
    shutil.copytree(release / SST, src)
    sentences = src / "datasetSentences.txt"
    lines = _sst_files()["datasetSentences.txt"]
    if problem == "missing":
        sentences.unlink()
    elif problem == "empty":
        sentences.write_text("")
    elif problem == "no_header":
        sentences.write_text("".join(lines[1:]) + "11856\tone more\n")
    elif problem == "truncated":
        sentences.write_text("".join(lines[:4000]))
    elif problem == "mid_line":
        sentences.write_text("".join(lines)[:-3])
    else:
        (src / "dictionary.txt").write_text("".join(_sst_files()["dictionary.txt"][:10]))
    r = run(project, base_env(tmp_path, SST_SOURCE=src))
    assert r.returncode == 1
    expected = {"missing": "datasetSentences.txt is missing",
                "empty": "datasetSentences.txt is empty",
                "no_header": "does not start with the header line",
                "truncated": "datasetSentences.txt is truncated or damaged: 4000 lines",
                "mid_line": "datasetSentences.txt is cut off",
                "dictionary_truncated": "dictionary.txt is truncated or damaged: 10 lines"}[problem]
    assert expected in r.stderr
    assert f"SST_SOURCE={src} is not usable" in r.stderr
    assert not (datasets(project) / SST).exists()
    assert leftovers(project) == []


def test_other_release_with_the_right_shape_is_accepted_with_a_note(project, tmp_path, release):
    """Fixtures differ from the published sha256 but have its line counts."""
    r = run(project, base_env(tmp_path, SST_SOURCE=release / SST, PTB_SOURCE=release / PTB,
                              BENCH_SOURCE=release / "benchmarks"))
    assert r.returncode == 0, r.stderr
    assert ("Note: datasetSentences.txt has the expected 11856 lines but not the published"
            " sha256") in r.stderr


# --------------------------------------------------------------------------
# links, special files, paths out of the folder
# --------------------------------------------------------------------------
def _zip_with(path, release, name, attr, data):
    """Stanford's zip with one member replaced by `data` with Unix mode `attr`."""
    with zipfile.ZipFile(path, "w") as zf:
        for f in sorted((release / SST).iterdir()):
            if f"{SST}/{f.name}" != name:
                zf.write(f, f"{SST}/{f.name}")
        info = zipfile.ZipInfo(name)
        info.external_attr = attr << 16
        zf.writestr(info, data)
    return path


@pytest.mark.parametrize("kind", ["symlink", "fifo", "parent_path", "absolute_path"])
def test_zip_with_links_or_special_members_is_refused(project, tmp_path, release, kind):
    name, attr, data = {
        "symlink": (f"{SST}/datasetSentences.txt", stat.S_IFLNK | 0o777, "/etc/passwd"),
        "fifo": (f"{SST}/datasetSplit.txt", stat.S_IFIFO | 0o644, ""),
        "parent_path": ("../../evil.txt", stat.S_IFREG | 0o644, "owned"),
        "absolute_path": ("/tmp/evil.txt", stat.S_IFREG | 0o644, "owned"),
    }[kind]
    bad = _zip_with(tmp_path / "sst.zip", release, name, attr, data)
    r = run(project, base_env(tmp_path, SST_SOURCE=bad))
    assert r.returncode == 1
    expected = {"symlink": f"member {name} is a symbolic link (to /etc/passwd)",
                "fifo": f"member {name} is a special file",
                "parent_path": f"member {name} leads out of the folder",
                "absolute_path": f"member {name} leads out of the folder"}[kind]
    assert expected in r.stderr
    assert "nothing was unpacked" in r.stderr
    assert not (datasets(project) / SST).exists()
    assert not (tmp_path / "evil.txt").exists() and not (project / "evil.txt").exists()
    assert leftovers(project) == []


@pytest.mark.parametrize("kind", ["symlink", "fifo", "huge_sparse"])
def test_source_folder_with_links_or_special_files_is_refused(project, tmp_path, release, kind):
    src = tmp_path / "src"
    shutil.copytree(release / SST, src)
    victim = src / "datasetSentences.txt"
    victim.unlink()
    if kind == "symlink":
        victim.symlink_to(release / SST / "datasetSentences.txt")
    elif kind == "fifo":
        os.mkfifo(victim)  # reading it would block forever
    else:
        with open(victim, "wb") as f:
            f.write(b"sentence_index\tsentence\n")
            f.truncate(3 * 2**30)
    r = run(project, base_env(tmp_path, SST_SOURCE=src))  # TIMEOUT: a hang fails
    assert r.returncode == 1
    expected = {"symlink": "datasetSentences.txt is a symbolic link (to ",
                "fifo": "datasetSentences.txt is not a regular file",
                "huge_sparse": "far more than the real file"}[kind]
    assert expected in r.stderr
    assert not (datasets(project) / SST).exists()
    assert leftovers(project) == []


# --------------------------------------------------------------------------
# interrupted runs, stale temporary folders, one run at a time
# --------------------------------------------------------------------------
def _dead_pid():
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid  # reaped: no process has it now (pids are not reused at once)


def test_stale_temporary_folders_are_removed_and_live_ones_kept(project, tmp_path, release):
    d = datasets(project)
    dead = d / f".tmp.{_dead_pid()}.AbC123"
    (dead / "unpacked").mkdir(parents=True)
    (dead / "unpacked" / "big.txt").write_text("x" * 1000)
    (dead / "unpacked" / "big.txt").chmod(0o444)
    old_legacy = d / ".tmp.Xy12Zq"
    old_legacy.mkdir()
    past = time.time() - 2 * 3600
    os.utime(old_legacy, (past, past))
    new_legacy = d / ".tmp.Qw34Er"
    new_legacy.mkdir()
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        live = d / f".tmp.{sleeper.pid}.ZzZzZz"
        live.mkdir()
        r = run(project, base_env(tmp_path, SST_SOURCE=release))
        assert r.returncode == 0, r.stderr
        assert not dead.exists() and not old_legacy.exists()
        assert live.exists() and new_legacy.exists()  # maybe another run's: kept
        assert f"Removing utils/datasets/{dead.name}, left by an interrupted run." in r.stdout
    finally:
        sleeper.kill()
        sleeper.wait()


def _slow_cp_env(tmp_path, marker):
    """PATH with a `cp` that copies, then hangs after datasetSentences.txt."""
    slow = tmp_path / "slowbin"
    slow.mkdir()
    (slow / "cp").write_text('#!/bin/sh\n%s "$@" || exit\ncase "$*" in *datasetSentences.txt*)'
                             ' touch %s; sleep 60;; esac\n' % (shutil.which("cp"), marker))
    (slow / "cp").chmod(0o755)
    return slow


def _start_and_wait(project, env, marker):
    p = subprocess.Popen(["bash", str(project / "get_datasets.sh")], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.time() + TIMEOUT
    while not marker.exists():
        assert p.poll() is None and time.time() < deadline, p.communicate()
        time.sleep(0.05)
    return p


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_killed_mid_copy(project, tmp_path, release, sig):
    marker = tmp_path / "copying"
    env = base_env(tmp_path, SST_SOURCE=release)
    env["PATH"] = str(_slow_cp_env(tmp_path, marker)) + os.pathsep + env["PATH"]
    p = _start_and_wait(project, env, marker)
    os.killpg(p.pid, sig)  # the whole group, as a terminal or `timeout` does
    p.communicate(timeout=TIMEOUT)
    assert not (datasets(project) / SST).exists()  # nothing that looks complete
    if sig == signal.SIGKILL:
        assert leftovers(project) == [n for n in leftovers(project)
                                      if n.startswith(f".tmp.{p.pid}.")] != []
    else:
        assert p.returncode == {signal.SIGTERM: 143, signal.SIGINT: 130}[sig]
        assert leftovers(project) == []  # cleaned up on the way out
    r = run(project, base_env(tmp_path, SST_SOURCE=release))
    assert r.returncode == 0, r.stderr
    assert_installed(project, release)
    if sig == signal.SIGKILL:
        assert "left by an interrupted run" in r.stdout


def test_second_run_at_the_same_time_is_refused(project, tmp_path, release):
    if shutil.which("flock") is None:
        pytest.skip("flock(1) is not installed: the script runs without a lock")
    datasets(project).mkdir(parents=True)
    with open(datasets(project) / ".get_datasets.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        lock.write("4242\n")
        lock.flush()
        r = run(project, base_env(tmp_path, SST_SOURCE=release))
    assert r.returncode == 1
    assert "another get_datasets.sh (pid 4242) is filling" in r.stderr
    assert not (datasets(project) / SST).exists()
    r = run(project, base_env(tmp_path, SST_SOURCE=release))  # lock released
    assert r.returncode == 0, r.stderr


def test_without_python_a_zip_cannot_be_unpacked(project, tmp_path, release):
    env = base_env(tmp_path, SST_SOURCE=release / "zips" / f"{SST}.zip")
    env["PATH"] = str(restricted_bin(tmp_path, {"python3", "python"}))
    r = run(project, env)
    assert r.returncode == 1
    assert "python3 is needed to unpack it" in r.stderr


def test_missing_library_is_named(project, tmp_path):
    (project / "utils" / LIB.name).unlink()
    r = run(project, base_env(tmp_path))
    assert r.returncode == 1
    assert "utils/get_datasets_lib.sh is missing" in r.stderr


def test_script_is_executable_bash():
    assert os.access(SCRIPT, os.X_OK)
    assert SCRIPT.read_text().startswith("#!/usr/bin/env bash\n")
