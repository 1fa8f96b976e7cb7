"""python evaluate.py (and python -m w2v evaluate): the table, the JSON, the chart,
the sentiment part, and its errors."""

import json

import numpy as np
import pytest

import evaluate
import sentiment
from utils.treebank import StanfordSentiment
from w2v.commands import evaluate as evaluate_command
from w2v.evaluation.analogies import evaluate_analogies
from w2v.evaluation.benchmarks import read_analogies, read_word_pairs
from w2v.evaluation.similarity import evaluate_word_pairs
from w2v.evaluation.wordindex import WordIndex
from w2v.vectors import files as vectors

# ---- the command line -----------------------------------------------------------------

def write_fixture_benchmarks(folder):
    """Tiny benchmark files in the copies' layouts."""
    folder.mkdir(parents=True, exist_ok=True)
    pairs = [("king", "queen", 8.0), ("man", "woman", 7.5), ("king", "apple", 1.0),
             ("good", "bad", 3.0), ("man", "unicorn", 2.0)]
    text = "# a comment\n" + "".join("%s\t%s\t%s\n" % p for p in pairs)
    (folder / "wordsim353.tsv").write_text(text, encoding="utf-8")
    (folder / "simlex999.txt").write_text(text, encoding="utf-8")
    (folder / "questions-words.txt").write_text(
        ": family\nman king woman queen\nman woman king queen\n"
        ": gram3-comparative\ngood better bad worse\ngood better big bigger\n", encoding="utf-8")
    return folder


def write_fixture_vectors(path, words=("man", "woman", "king", "queen", "apple", "good",
                                       "better", "bad", "worse", "the")):
    rng = np.random.default_rng(0)
    vectors.save_word2vec_text(str(path), list(words), rng.normal(size=(len(words), 6)))
    return path


def run_cli(capsys, *args):
    code = evaluate.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_table_json_and_chart(tmp_path, capsys):
    bench = write_fixture_benchmarks(tmp_path / "bench")
    vec = write_fixture_vectors(tmp_path / "vecs.txt")
    code, out, err = run_cli(capsys, "--vectors", vec, "--benchmarks", bench,
                             "--json", tmp_path / "scores.json", "--no-sentiment")
    assert code == 0, err
    data = json.loads((tmp_path / "scores.json").read_text())
    assert set(data) == {"wordsim353", "simlex999", "analogy"}
    assert set(data["wordsim353"]) == {"spearman", "pairs_used", "pairs_total"}
    assert set(data["analogy"]) == {"accuracy", "correct", "questions_used", "questions_total",
                                    "sections"}
    wv = vectors.load(str(vec))
    direct = evaluate_word_pairs(wv.matrix, WordIndex(wv.words),
                                 read_word_pairs(str(bench / "wordsim353.tsv")).pairs)
    assert data["wordsim353"] == direct.as_json() and direct.pairs_used == 4
    rows = evaluate_analogies(wv.matrix, WordIndex(wv.words),
                              read_analogies(str(bench / "questions-words.txt")))
    assert data["analogy"]["correct"] == rows[-1].correct["3CosAdd"]
    assert (data["analogy"]["questions_used"], data["analogy"]["questions_total"]) == (3, 4)
    assert list(data["analogy"]["sections"]) == [r.name for r in rows]
    assert data["analogy"]["sections"]["total"]["correct_3cosmul"] == rows[-1].correct["3CosMul"]
    assert "WordSim-353" in out and "4 / 5" in out and "gram3-comparative" in out
    assert "sentiment" not in out.lower().split("saved")[0].replace("--no-sentiment", "")
    chart = tmp_path / "vecs_evaluation.png"
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and "Saved %s" % chart in out


def test_cli_no_covered_pair_is_a_message_not_nan(tmp_path, capsys):
    bench = write_fixture_benchmarks(tmp_path / "bench")
    vec = write_fixture_vectors(tmp_path / "v.txt", words=("x", "y", "z"))
    code, out, err = run_cli(capsys, "--vectors", vec, "--benchmarks", bench, "--no-plot",
                             "--no-sentiment", "--json", tmp_path / "s.json")
    assert code == 0, err
    assert "no pair has both words in the vocabulary" in out and "nan" not in out.lower()
    data = json.loads((tmp_path / "s.json").read_text())
    assert data["wordsim353"] == {"spearman": None, "pairs_used": 0, "pairs_total": 5}
    assert data["analogy"]["accuracy"] is None and data["analogy"]["questions_used"] == 0


def test_cli_sentiment_is_sentiment_py(tmp_path, capsys, ptb_data):
    bench = write_fixture_benchmarks(tmp_path / "bench")
    words = sorted({w.lower() for s in StanfordSentiment(str(ptb_data)).sentences() for w in s})
    vec = write_fixture_vectors(tmp_path / "v.txt", words=words)
    code, out, err = run_cli(capsys, "--vectors", vec, "--benchmarks", bench, "--no-plot",
                             "--data", ptb_data, "--json", tmp_path / "s.json")
    assert code == 0, err
    expected = sentiment.score(vectors.load(str(vec)), StanfordSentiment(str(ptb_data)))
    got = json.loads((tmp_path / "s.json").read_text())["sentiment"]
    for task, key in (("5 classes", "5_classes"), ("binary", "binary")):
        assert got[key]["test"] == expected[task]["accuracy"]["test"]
        assert got[key]["majority_test"] == expected[task]["baseline"]["test"]
    assert "Sentiment (sentiment.py" in out


def test_cli_skips_sentiment_without_a_treebank(tmp_path, capsys):
    bench = write_fixture_benchmarks(tmp_path / "bench")
    vec = write_fixture_vectors(tmp_path / "v.txt")
    code, out, err = run_cli(capsys, "--vectors", vec, "--benchmarks", bench, "--no-plot",
                             "--data", tmp_path / "nothing", "--json", tmp_path / "s.json")
    assert code == 0, err
    assert "sentiment: skipped: no treebank in %s" % (tmp_path / "nothing") in out
    assert "sentiment" not in json.loads((tmp_path / "s.json").read_text())


def test_cli_skips_a_missing_benchmark(tmp_path, capsys):
    bench = write_fixture_benchmarks(tmp_path / "bench")
    (bench / "simlex999.txt").unlink()
    vec = write_fixture_vectors(tmp_path / "v.txt")
    code, out, err = run_cli(capsys, "--vectors", vec, "--benchmarks", bench, "--no-plot",
                             "--no-sentiment", "--json", tmp_path / "s.json")
    assert code == 0, err
    assert "SimLex-999: skipped: none of simlex999.txt, SimLex-999.txt" in out
    data = json.loads((tmp_path / "s.json").read_text())
    assert data["simlex999"] is None and data["wordsim353"]["pairs_used"] == 4


def test_cli_errors(tmp_path, capsys):
    bench = write_fixture_benchmarks(tmp_path / "bench")
    vec = write_fixture_vectors(tmp_path / "v.txt")
    code, _, err = run_cli(capsys, "--vectors", tmp_path / "missing.txt", "--benchmarks", bench)
    assert code == 1 and "missing.txt does not exist" in err
    code, _, err = run_cli(capsys, "--vectors", vec, "--benchmarks", tmp_path / "none")
    assert code == 1 and "get_datasets.sh" in err and str(tmp_path / "none") in err
    with open(bench / "questions-words.txt", "a", encoding="utf-8") as f:
        f.write("only three words\n")
    code, _, err = run_cli(capsys, "--vectors", vec, "--benchmarks", bench, "--no-sentiment",
                           "--no-plot")
    assert code == 1 and "questions-words.txt:7:" in err
    with pytest.raises(SystemExit) as exit_:
        evaluate_command.parse_args(["--vectors", str(vec), "--restrict", "-1"])
    assert exit_.value.code == 2
    with pytest.raises(SystemExit) as exit_:
        evaluate_command.parse_args(["--help"])
    assert exit_.value.code == 0 and "--benchmarks" in capsys.readouterr().out


def test_chart_path_is_beside_the_vectors(tmp_path):
    assert evaluate_command.chart_path(str(tmp_path)) == str(tmp_path / "evaluation.png")
    beside = evaluate_command.chart_path(str(tmp_path / "gensim.vec"))
    assert beside == str(tmp_path / "gensim_evaluation.png")


def test_cli_with_no_benchmark_found_fails_saying_where_it_looked(tmp_path, capsys):
    """It used to exit 0 with an empty table (issue 20)."""
    empty = tmp_path / "bench"
    empty.mkdir()
    vec = write_fixture_vectors(tmp_path / "v.txt")
    for extra in (["--no-sentiment"], ["--data", str(tmp_path / "nothing")]):
        code, out, err = run_cli(capsys, "--vectors", vec, "--benchmarks", empty, "--no-plot",
                                 *extra)
        assert code == 1, out
        assert err.startswith("error: nothing to evaluate: no benchmark in %s (looked for"
                              " wordsim353.tsv or " % empty), err
        assert "questions-words.txt); run `sh get_datasets.sh`" in err
        assert len(err.splitlines()) == 1 and "Word similarity" not in out
    code, out, err = evaluate_command.main(["--vectors", str(vec), "--benchmarks", str(empty),
                                            "--no-plot"]), *capsys.readouterr()
    assert code == 1 and "nothing to evaluate" in err and "skipped" not in out
