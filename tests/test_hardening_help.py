"""--help of every script and command (issue 20): exits 0, prints its usage, and writes
nothing: neither in the folder it runs in nor in the project. `sh get_datasets.sh --help`
used to run the backticks of its unquoted here-document: `sh get_datasets.sh && python
run.py`, training a model and writing 11 files into the current folder."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

COMMANDS = [
    ["sh", str(ROOT / "get_datasets.sh")],
    ["bash", str(ROOT / "get_datasets.sh")],
    ["sh", str(ROOT / "collect_submission.sh")],
    ["bash", str(ROOT / "collect_submission.sh")],
] + [[sys.executable, str(ROOT / name)] for name in (
    "run.py", "sgd.py", "word2vec.py", "sentiment.py", "train.py", "evaluate.py",
    "explore.py")] + [[sys.executable, "-m", "w2v"] + cmd for cmd in (
        [], ["train"], ["evaluate"], ["explore"])]


def _snapshot(folder):
    """{relative path: (size, mtime)} of every file under ``folder`` but git's and caches."""
    found = {}
    for here, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d not in (".git", "__pycache__", ".pytest_cache",
                                                ".hypothesis")]
        for name in files:
            path = os.path.join(here, name)
            info = os.lstat(path)
            found[os.path.relpath(path, folder)] = (info.st_size, info.st_mtime_ns)
    return found


def _name(command):
    return " ".join(os.path.basename(part) for part in command[1:])


@pytest.mark.parametrize("flag", ["--help", "-h"])
@pytest.mark.parametrize("command", COMMANDS, ids=_name)
def test_help_exits_0_and_writes_nothing(tmp_path, command, flag):
    cwd = tmp_path / "empty"
    cwd.mkdir()
    before = _snapshot(ROOT)
    env = dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(tmp_path))
    done = subprocess.run(command + [flag], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert re.match(r"(?i)usage: ", done.stdout), done.stdout[:200]
    assert done.stderr == ""
    assert os.listdir(cwd) == []
    assert sorted(os.listdir(tmp_path)) == ["empty"]
    after = _snapshot(ROOT)
    assert {k for k in before.keys() | after.keys()
            if before.get(k) != after.get(k)} == set()


def test_every_here_document_of_the_scripts_is_quoted():
    """An unquoted here-document expands $(...) and backticks: a help text runs them."""
    scripts = [ROOT / "get_datasets.sh", ROOT / "collect_submission.sh"] + sorted(
        (ROOT / "utils").glob("*.sh"))
    for script in scripts:
        for number, line in enumerate(script.read_text().splitlines(), start=1):
            for match in re.finditer(r"<<-?\s*(\S+)", line):
                assert match.group(1)[0] in "'\"", "%s:%d: unquoted here-document %s" % (
                    script.name, number, match.group(1))
