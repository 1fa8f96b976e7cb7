"""Every real-data test finds its data through conftest's one lookup (issue 20): $W2V_DATA,
then utils/datasets, then ../shared/data; the benchmarks and the wiki106 corpus too (the
gensim-equality tests used to hard-code ../shared/data, so W2V_DATA did not help)."""

import json
import os
import re
import subprocess
import sys

from tests.conftest import ROOT

FIND = ("import json; from tests import conftest as c; print(json.dumps([str(c.REAL_BENCH),"
        " str(c.REAL_WIKI), c.needs_real_bench.kwargs['reason'],"
        " c.needs_real_wiki.kwargs['reason']]))")


def _lookup(env):
    done = subprocess.run([sys.executable, "-c", FIND], cwd=str(ROOT), env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_w2v_data_brings_the_benchmarks_and_the_corpus(tmp_path):
    for name in ("wordsim353.tsv", "simlex999.txt", "questions-words.txt"):
        (tmp_path / "benchmarks").mkdir(exist_ok=True)
        (tmp_path / "benchmarks" / name).write_text("fixture\n")
    (tmp_path / "corpora").mkdir()
    (tmp_path / "corpora" / "wiki106.txt").write_text("a b c\n")
    bench, wiki, _, _ = _lookup(dict(os.environ, W2V_DATA=str(tmp_path)))
    assert bench == str(tmp_path / "benchmarks")
    assert wiki == str(tmp_path / "corpora" / "wiki106.txt")


def test_an_incomplete_benchmarks_folder_is_passed_over(tmp_path):
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "wordsim353.tsv").write_text("fixture\n")
    bench, _, reason, wiki_reason = _lookup(dict(os.environ, W2V_DATA=str(tmp_path)))
    assert bench != str(tmp_path / "benchmarks")
    # The skip messages say where the lookup looked and how to provide the data.
    for text in (reason, wiki_reason):
        assert str(tmp_path) in text and "W2V_DATA=DIR" in text, text
    assert "get_datasets.sh" in reason and "wiki106.txt" in wiki_reason


def test_no_test_hard_codes_the_shared_data_folder():
    """Only conftest.py (the lookup) and the test of the lookup itself name it."""
    offenders = []
    for path in sorted((ROOT / "tests").glob("*.py")):
        if path.name in ("conftest.py", "test_treebank.py", "test_hardening_data.py"):
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if re.search(r"""["']shared["']|shared/data""", line):
                offenders.append("%s:%d" % (path.name, number))
    assert offenders == []


def test_every_test_named_slow_in_conftest_exists():
    """A renamed test would silently leave the quick run (-m "not slow") slower."""
    import ast

    from tests.conftest import SLOW_TESTS
    for name, tests in SLOW_TESTS.items():
        tree = ast.parse((ROOT / "tests" / name).read_text())
        defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
        assert set(tests) <= defined, (name, set(tests) - defined)
