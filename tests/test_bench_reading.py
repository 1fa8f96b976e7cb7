"""bench/reading.py and bench/reading_stages.py on a tiny corpus written here: the
table's rows, the second-run line and the breakdown's stages, their numbers
parsing; gensim's rows when gensim is installed. No timing is asserted: the
figures are whatever this machine gives.
"""

import importlib.util
import json
import re
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import FIXTURE_WORDS, ROOT

sys.path.insert(0, str(ROOT / "bench"))
import reading  # noqa: E402

TIMEOUT = 600          # seconds the run may take (compiling included): a hang guard
HAS_GENSIM = importlib.util.find_spec("gensim") is not None
STAGE = re.compile(r"^  (  )?(\S.*?)\s+([0-9.]+) s  ")


def write_corpus(path, lines=60, seed=0):
    """Zipf-weighted fixture words, a few hundred of them, plain text."""
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, len(FIXTURE_WORDS) + 1)
    path.write_text("".join(" ".join(rng.choice(FIXTURE_WORDS, size=int(rng.integers(5, 12)),
                                                p=p / p.sum())) + "\n" for _ in range(lines)),
                    encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """One run on 1x and 2x of the tiny corpus: (its output, its JSON runs)."""
    folder = tmp_path_factory.mktemp("bench_reading")
    corpus = write_corpus(folder / "tiny.txt")
    out_json = folder / "runs.json"
    cmd = [sys.executable, str(ROOT / "bench" / "reading.py"), "--corpus", str(corpus),
           "--scales", "1,2", "--rounds", "1", "--breakdown-corpus", "2x",
           "--gensim", "file,iterable" if HAS_GENSIM else "none", "--json", str(out_json)]
    try:
        done = subprocess.run(cmd, cwd=str(ROOT), capture_output=True, text=True,
                              timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail("bench/reading.py hung: still running after %d s" % TIMEOUT)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout, json.loads(out_json.read_text())


def _table(out):
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("corpus"))
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("("))
    return lines[start], [line.split() for line in lines[start + 1:end]]


def test_table_has_a_row_per_corpus_and_gensim_mode(quick):
    out, _ = quick
    header, rows = _table(out)
    assert "outside" in header and "whole g/o" in header
    modes = ["gensim-file", "gensim-iterable"] if HAS_GENSIM else ["gensim-none"]
    assert [(r[0], r[9]) for r in rows] == [(c, m) for c in ("1x", "2x") for m in modes]
    words = {r[0]: int(r[1]) for r in rows}
    assert words["2x"] == 2 * words["1x"] > 0
    for r in rows:
        wall, train, outside, mib = map(float, r[4:8])
        assert wall > 0 and train >= 0 and mib > 0
        assert outside == pytest.approx(wall - train, abs=0.02)
        if HAS_GENSIM:
            assert float(r[10]) > float(r[11]) >= 0    # gensim's wall > its training
            assert float(r[15]) > 0 and float(r[16]) > 0    # the two ratios
    assert sum(line.startswith("load average") for line in out.splitlines()) == 3


def test_targets_second_run_and_json(quick):
    out, runs = quick
    if HAS_GENSIM:
        assert any(line.startswith("targets on 2x: outside") for line in out.splitlines())
    again = [line for line in out.splitlines() if "ours, second run" in line]
    assert len(again) == 1 and again[0].startswith("2x")
    assert float(again[0].split("outside ")[1].split()[0]) > 0
    tools = sorted({r["tool"] for r in runs})
    assert tools == sorted(["ours", "ours-again"] + (["gensim-file", "gensim-iterable"]
                                                     if HAS_GENSIM else []))
    assert all("failed" not in r and r["wall"] > r["train"] >= 0 for r in runs)


def test_breakdown_lists_every_stage_with_seconds(quick):
    out, _ = quick
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("breakdown of ours'"))
    assert "2x" in lines[start]
    stages = {}        # name -> (indented: an "of which" line, seconds)
    for line in lines[start + 1:]:
        if not line.strip():
            break
        found = STAGE.match(line)
        if not found:               # the line after the stages: words and memory
            assert "words read" in line and "peak RSS" in line, line
            break
        stages[found.group(2)] = (bool(found.group(1)), float(found.group(3)))
    for stage in ("python start", "imports", "kernels' load", "count and encode",
                  "bytes read + UTF-8 decode", "remap to the vocabulary's ids", "checks",
                  "trainer:", "final checkpoint", "outputs:", "of which vectors.bin", "sum"):
        assert any(name.startswith(stage) for name in stages), (stage, list(stages))
    assert all(seconds >= 0 for _, seconds in stages.values())
    top = [s for name, (inner, s) in stages.items() if not inner and name != "sum"]
    assert stages["sum"][1] > 0
    assert stages["sum"][1] == pytest.approx(sum(top), abs=0.01 * len(top))


def test_shuffled_copies_keep_every_line_and_are_built_once(tmp_path):
    src = tmp_path / "c.txt"
    lines = ["line %d w%d\n" % (i, i) for i in range(50)]
    src.write_text("".join(lines[:-1]) + lines[-1].rstrip("\n"))   # no final newline
    out = reading.shuffled_copies(str(src), 3, str(tmp_path))
    text = open(out).read().splitlines(keepends=True)
    assert len(text) == 150
    copies = [text[i * 50:(i + 1) * 50] for i in range(3)]
    assert all(sorted(c) == sorted(lines) for c in copies)
    assert copies[0] != copies[1] and copies[0] != lines     # shuffled, each its own way
    assert reading.shuffled_copies(str(src), 3, str(tmp_path)) == out    # the same file


def test_bad_arguments_are_one_line_errors(tmp_path):
    corpus = write_corpus(tmp_path / "c.txt", lines=3)
    for argv, words in ((["--scales", "0,x"], "--scales"), (["--gensim", "glove"], "--gensim"),
                        (["--corpus", str(tmp_path / "missing.txt")], "corpus not found")):
        with pytest.raises(SystemExit) as err:
            reading.parse_args((["--corpus", str(corpus)] if "--corpus" not in argv else [])
                               + argv)
        assert words in str(err.value) and "\n" not in str(err.value)


def test_real_run_section_adds_up_to_its_wall(quick):
    out, _ = quick
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("one real run of ours"))
    wall, train, outside = (float(lines[start].split(name + " ")[1].split()[0])
                            for name in ("wall", "(Trainer.run)", "outside"))
    assert outside == pytest.approx(wall - train, abs=0.02) and outside > 0
    rows = {}
    for line in lines[start + 1:]:
        found = STAGE.match(line)
        if not found:
            break
        rows[found.group(2)] = float(found.group(3))
    assert {"imports", "load_kernels", "read_corpus", "make_trainer", "write_outputs",
            "python's start and exit"} <= set(rows)
    assert sum(rows.values()) == pytest.approx(outside, abs=0.01 * len(rows))
