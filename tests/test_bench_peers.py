"""bench/peers.py: the tables' shape on a tiny corpus (ours and gensim only; the
C and fastText peers unavailable because the corpus is compressed, so nothing is
fetched or built), and its pieces: the peers' command lines, the repeated
corpus, the round order, the ratio against the fastest peer. No timing is
asserted: the figures are whatever this machine gives.
"""

import bz2
import json
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import FIXTURE_WORDS, ROOT
from tests.test_evaluate_cli import write_fixture_benchmarks

sys.path.insert(0, str(ROOT / "bench"))
import compare_gensim  # noqa: E402
import peer_tools  # noqa: E402
import peers  # noqa: E402

TIMEOUT = 600          # seconds the quick run may take (compiling included): a hang guard


def write_tiny_corpus(path, lines=400, seed=0):
    """Zipf-weighted fixture words (the benchmarks' among them), bz2-compressed."""
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, len(FIXTURE_WORDS) + 1)
    text = "".join(" ".join(rng.choice(FIXTURE_WORDS, size=int(rng.integers(5, 20)),
                                       p=p / p.sum())) + "\n" for _ in range(lines))
    with bz2.open(path, "wt", encoding="utf-8") as f:
        f.write(text)
    return path


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """One quick run: (its output, its JSON runs)."""
    folder = tmp_path_factory.mktemp("bench_peers")
    corpus = write_tiny_corpus(folder / "tiny.txt.bz2")
    bench = write_fixture_benchmarks(folder / "benchmarks")
    out_json = folder / "runs.json"
    cmd = [sys.executable, str(ROOT / "bench" / "peers.py"), "--quick", "--corpus", str(corpus),
           "--peers", "gensim,gensim-file,word2vec-c,fasttext", "--scales", "1,2",
           "--benchmarks", str(bench), "--json", str(out_json)]
    try:
        done = subprocess.run(cmd, cwd=str(ROOT), capture_output=True, text=True,
                              timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail("bench/peers.py --quick hung: still running after %d s" % TIMEOUT)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout, json.loads(out_json.read_text())


def _section(out, first_word):
    """The table whose header line starts with ``first_word``, up to the next blank line."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:1] == [first_word])
    end = next((i for i in range(start, len(lines)) if not lines[i].strip()), len(lines))
    return lines[start:end]


def test_main_table_has_a_row_per_tool_and_the_ratio(quick):
    out, _ = quick
    table = _section(out, "config")
    assert table[0].split() == ["config", "tool", "train", "s", "words/s", "wall", "s", "peak",
                                "MiB", "WS-353", "SimLex", "analogy"]
    rows = {line.split()[1]: line.split() for line in table[1:] if line.startswith("sg-neg")}
    assert list(rows) == ["ours", "gensim", "gensim-file", "word2vec-c", "fasttext"]
    for tool in ("ours", "gensim"):
        assert len(rows[tool]) == 9
        assert float(rows[tool][3]) > 0 and float(rows[tool][5]) > 0   # words/s, peak MiB
    for tool in ("gensim-file", "word2vec-c", "fasttext"):
        assert rows[tool][2] == "unavailable:" and "plain text" in " ".join(rows[tool])
    assert any("ours / fastest peer (gensim): words/s" in line for line in table)


def test_scaling_table_and_load_average(quick):
    out, runs = quick
    table = _section(out, "scale")
    labels = [(line.split()[0], line.split()[2]) for line in table[1:]]
    assert labels == [("1x", "ours"), ("1x", "gensim"), ("1x", "gensim-file"),
                      ("2x", "ours"), ("2x", "gensim"), ("2x", "gensim-file")]
    words = {line.split()[0]: int(line.split()[1]) for line in table[1:]}
    assert words["2x"] == 2 * words["1x"] > 0
    assert sum(line.startswith("load average") for line in out.splitlines()) == 3
    scaled = [r for r in runs if r.get("scale") and "failed" not in r]
    assert {(r["scale"], r["tool"]) for r in scaled} == {(1, "ours"), (2, "ours"),
                                                          (1, "gensim"), (2, "gensim")}
    assert all(r["wordsim353"] is None for r in scaled)       # the scaling runs are not scored


def test_json_holds_every_main_run_with_its_figures(quick):
    _, runs = quick
    main = [r for r in runs if r["config"] == "sg-neg"]
    assert sorted(r["tool"] for r in main) == ["gensim", "ours"]
    for r in main:
        assert r["words_per_second"] > 0 and r["peak_mib"] > 0 and r["wall_seconds"] > 0
        assert r["seed"] == 1 and r["round"] == 1


# ---- the pieces ------------------------------------------------------------------------

def _settings(**override):
    s = {"corpus": "c.txt", "outdir": "out", "model": "skipgram", "loss": "neg", "dim": 100,
         "window": 5, "negative": 5, "epochs": 5, "min_count": 5, "sample": 1e-3,
         "alpha": 0.025, "workers": 2, "seed": 1, "input": "iterable"}
    s.update(override)
    return s


def _option(cmd, name):
    return cmd[cmd.index(name) + 1]


def test_word2vec_c_command_follows_the_settings():
    cmd = peer_tools.word2vec_c_command("w2v", _settings(model="cbow", loss="hs", dim=300))
    assert (_option(cmd, "-cbow"), _option(cmd, "-hs"), _option(cmd, "-negative"),
            _option(cmd, "-size"), _option(cmd, "-binary")) == ("1", "1", "0", "300", "1")
    cmd = peer_tools.word2vec_c_command("w2v", _settings())
    assert (_option(cmd, "-cbow"), _option(cmd, "-hs"), _option(cmd, "-negative"),
            _option(cmd, "-threads"), _option(cmd, "-iter")) == ("0", "0", "5", "2", "5")
    assert _option(cmd, "-output").endswith("vectors.bin")


def test_repeat_corpus_decompresses_and_separates_the_copies(tmp_path):
    src = tmp_path / "c.txt.bz2"
    with bz2.open(src, "wt") as f:
        f.write("a b\nc d")                       # no final newline
    out = peer_tools.repeat_corpus(str(src), 3, str(tmp_path))
    assert not out.endswith(".bz2")
    with open(out) as f:
        assert f.read() == "a b\nc d\n" * 3


def test_rounds_alternate_the_order():
    tools = ["ours", "gensim", "fasttext"]
    assert peers.order(tools, 1) == tools
    assert peers.order(tools, 2) == tools[::-1]


def test_every_scaling_round_runs_every_scale():
    plan = peers.scaling_plan([1, 10, 100], ["ours", "gensim"], rounds=2)
    assert len(plan) == len(set(plan)) == 2 * 3 * 2
    for rnd in (1, 2):
        ran = [(scale, tool) for r, scale, tool in plan if r == rnd]
        assert sorted(ran) == [(s, t) for s in (1, 10, 100) for t in ("gensim", "ours")]
    assert [s for r, s, t in plan if t == "ours"] == [1, 10, 100, 100, 10, 1]
    assert [r for r, s, t in plan] == sorted(r for r, s, t in plan)   # rounds one after another


def test_ratio_line_takes_the_fastest_peer():
    fig = dict.fromkeys(peers.FIELDS)
    meds = {("c", "ours"): dict(fig, words_per_second=300.0, peak_mib=200.0, wordsim353=0.5),
            ("c", "gensim"): dict(fig, words_per_second=100.0, peak_mib=100.0, wordsim353=0.6),
            ("c", "fasttext"): dict(fig, words_per_second=150.0, peak_mib=400.0,
                                    wordsim353=0.4)}
    line = peers.ratio_line(meds, "c", ["ours", "gensim", "fasttext"])
    assert "(fasttext): words/s 2.00x, peak RSS 0.50x; WS-353 +0.100" in line
    assert peers.ratio_line({("c", "ours"): meds[("c", "ours")]}, "c", ["ours"]).endswith("-")


def test_bad_arguments_are_one_line_errors(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c\n")
    for argv, words in ((["--peers", "glove"], "unknown peer glove"),
                        (["--configs", "sg-softmax"], "unknown configuration sg-softmax"),
                        (["--scales", "0,x"], "--scales"),
                        (["--corpus", str(tmp_path / "missing.txt")], "corpus not found")):
        with pytest.raises(SystemExit) as err:
            peers.parse_args((["--corpus", str(corpus)] if "--corpus" not in argv else [])
                             + argv)
        assert words in str(err.value) and "\n" not in str(err.value)


def test_train_seconds_prefers_the_workers_timing(tmp_path):
    log = tmp_path / "log.txt"
    log.write_text("epoch 1\ntraining took 2.50 s\n")
    assert compare_gensim.train_seconds(str(tmp_path), str(log)) == 2.5
    (tmp_path / "timing.json").write_text('{"train_seconds": 1.25}')
    assert compare_gensim.train_seconds(str(tmp_path), str(log)) == 1.25
    log.write_text("no timing here\n")
    (tmp_path / "timing.json").unlink()
    assert compare_gensim.train_seconds(str(tmp_path), str(log)) is None
