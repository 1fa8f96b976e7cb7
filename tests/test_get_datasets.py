"""Tests for get_datasets.sh: where the data come from, what is checked, what is said.

Every test runs a copy of the script in a temporary project folder, so the
real utils/datasets/ is never touched. The fixtures are written in the real
formats with the real line counts (the script checks those; the real data
found by conftest's lookup are used too where present). No test uses the network: a
fake `curl` and `wget` come first in PATH; they either fail as the real
tools do, or serve files from a table of URL -> file, as the real sites would.
"""

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest


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
