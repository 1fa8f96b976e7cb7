"""w2v/training/phrases.py and ``python -m w2v phrases``: the same phrases and the
same text as gensim's Phrases (scoring="default"), streamed in blocks."""

import bz2
import gzip
import random

import pytest

from tests.conftest import find_real_data, run_python
from w2v.commands import phrases as command
from w2v.training import phrases
from w2v.training.corpus import MAX_PIECE, CorpusError
from w2v.training.phrases import PhrasesError, apply_phrases, find_phrases

gensim_phrases = pytest.importorskip("gensim.models.phrases")
LineSentence = pytest.importorskip("gensim.models.word2vec").LineSentence
WIKI = find_real_data("corpora", "wiki106.txt")
PLANTED = [("new", "york"), ("los", "angeles"), ("new_york", "city"), ("kj", "mol")]


def planted_corpus(seed, n_sentences=800, words=400):
    """Zipf-like sentences with planted collocations, some three words long, and
    tokens that hold the delimiter (so gensim's string-keyed counts collide)."""
    rng = random.Random(seed)
    vocab = ["w%d" % i for i in range(words)] + ["new_york", "a_b", "york_city"]
    sentences = []
    for _ in range(n_sentences):
        sentence = []
        for _ in range(rng.randint(1, 25)):
            if rng.random() < 0.01:
                sentence += list(rng.choice(PLANTED + [("new", "york", "city")]))
            else:
                sentence.append(vocab[min(int(rng.expovariate(0.02)), len(vocab) - 1)])
        sentences.append(sentence)
    return sentences


def write_sentences(path, sentences):
    path.write_text("".join(" ".join(s) + "\n" for s in sentences), encoding="utf-8")
    return path


def gensim_run(sentences, passes, **settings):
    """gensim's phrases of each pass (export_phrases) and its final sentences."""
    found = []
    for _ in range(passes):
        model = gensim_phrases.Phrases(sentences, scoring="default", delimiter="_", **settings)
        found.append(model.export_phrases())
        sentences = [model[s] for s in sentences]
    return found, sentences


def read_lines(path):
    return [line.split() for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("seed, min_count, threshold, passes", [
    (0, 5, 100.0, 2), (1, 1, 10.0, 2), (2, 3, 1.0, 3), (3, 5, 30.0, 1), (4, 2, 0.5, 2)])
def test_same_text_as_gensim_on_a_written_corpus(tmp_path, seed, min_count, threshold, passes):
    sentences = planted_corpus(seed)
    source = write_sentences(tmp_path / "in.txt", sentences)
    found = apply_phrases(source, tmp_path / "out.txt", min_count, threshold, passes)
    _, expected = gensim_run(sentences, passes, min_count=min_count, threshold=threshold)
    assert read_lines(tmp_path / "out.txt") == expected
    assert len(found) == passes and ("new", "york") in found[0]


def test_same_text_as_gensim_on_many_small_corpora_of_colliding_tokens(tmp_path):
    """Words such as "w0_w1" and "w0_w1_w2" beside "w0" "w1": every way gensim's
    string keys can merge counts (a word and a pair, two pairs), over 1-3 passes."""
    source, out = tmp_path / "in.txt", tmp_path / "out.txt"
    for seed in range(150):
        rng = random.Random(seed)
        vocab = ["w%d" % i for i in range(rng.randint(3, 30))] + ["w0_w1", "w0_w1_w2", "w2_"]
        sentences = [[vocab[min(int(rng.expovariate(0.3)), len(vocab) - 1)]
                      for _ in range(rng.randint(1, 15))] for _ in range(rng.randint(1, 300))]
        min_count, threshold = rng.choice([1, 2, 3, 5]), rng.choice([0.5, 1, 2, 5, 10, 50])
        passes = rng.choice([1, 2, 3])
        apply_phrases(write_sentences(source, sentences), out, min_count, threshold, passes)
        expected = gensim_run(sentences, passes, min_count=min_count, threshold=threshold)[1]
        assert read_lines(out) == expected, "seed %d" % seed


def test_same_phrases_and_scores_as_gensim_export_phrases(tmp_path):
    # Words without "_": gensim's export_phrases then lists exactly the pairs above threshold.
    sentences = [[w.replace("_", "") for w in s] for s in planted_corpus(5)]
    ours = find_phrases(write_sentences(tmp_path / "in.txt", sentences), 2, 5.0)
    theirs = gensim_run(sentences, 1, min_count=2, threshold=5.0)[0][0]
    assert {"%s_%s" % pair: score for pair, score in ours.items()} == theirs
    assert ("new", "york") in ours and all(score > 5.0 for score in ours.values())


def test_strings_that_collide_share_one_count_as_in_gensim(tmp_path):
    # "new_york" as a word and the pair ("new", "york") are one key of gensim's
    # vocabulary: one count, and one entry of len_vocab.
    sentences = [["new", "york", "x"]] * 3 + [["new_york", "y"]] * 3 + [["a", "b"], ["c"]]
    source = write_sentences(tmp_path / "in.txt", sentences)
    model = gensim_phrases.Phrases(sentences, min_count=1, threshold=0.1)
    expected = {(a, b): model.score_candidate(a, b, [])[1]
                for s in sentences for a, b in zip(s, s[1:])
                if model.score_candidate(a, b, [])[1] is not None}
    assert find_phrases(source, 1, 0.1) == pytest.approx(expected, rel=0, abs=0)
    assert apply_phrases(source, tmp_path / "out.txt", 1, 0.1, 1)[0] == expected


@pytest.mark.skipif(WIKI is None, reason="needs wiki106.txt (tests/conftest.py's real data)")
def test_same_text_as_gensim_on_the_first_100k_words_of_wiki106(tmp_path):
    lines, words = [], 0
    with open(WIKI / "wiki106.txt", encoding="utf-8") as f:
        for line in f:
            lines.append(line)
            words += len(line.split())
            if words >= 100_000:
                break
    source = tmp_path / "wiki.txt"
    source.write_text("".join(lines), encoding="utf-8")
    found = apply_phrases(source, tmp_path / "out.txt", min_count=5, threshold=30.0, passes=2)
    sentences = list(LineSentence(str(source)))        # lines cut at 10,000 words
    theirs, expected = gensim_run(sentences, 2, min_count=5, threshold=30.0)
    assert read_lines(tmp_path / "out.txt") == expected
    assert {"%s_%s" % pair: score for pair, score in found[0].items()} == theirs[0]
    assert len(found[0]) > 20


def test_small_blocks_give_the_same_text(tmp_path, monkeypatch):
    """Blocks cut anywhere, a pair table that grows many times: the same output."""
    source = write_sentences(tmp_path / "in.txt", planted_corpus(7, n_sentences=600))
    apply_phrases(source, tmp_path / "big.txt", 2, 5.0, 2)
    monkeypatch.setattr(phrases, "BATCH_WORDS", 7)
    monkeypatch.setattr(phrases, "BLOCK_IDS", 13)
    apply_phrases(source, tmp_path / "small.txt", 2, 5.0, 2)
    assert (tmp_path / "small.txt").read_bytes() == (tmp_path / "big.txt").read_bytes()


def test_compressed_input_token_lists_and_lowercase(tmp_path):
    sentences = planted_corpus(8)
    text = "".join(" ".join(s).upper() + "\n" for s in sentences).encode("utf-8")
    expected = gensim_run(sentences, 2, min_count=3, threshold=10.0)[1]
    for name, opener in (("in.txt.gz", gzip.open), ("in.txt.bz2", bz2.open)):
        with opener(tmp_path / name, "wb") as f:
            f.write(text)
        apply_phrases(tmp_path / name, tmp_path / "out.txt", 3, 10.0, 2, lowercase=True)
        assert read_lines(tmp_path / "out.txt") == expected
    apply_phrases(sentences, tmp_path / "lists.txt", 3, 10.0, 2)
    assert read_lines(tmp_path / "lists.txt") == expected


def test_a_long_line_comes_out_as_pieces_of_at_most_10000_words(tmp_path):
    words = ("new york is big " * (MAX_PIECE // 2)).split()       # 2 pieces' worth
    source = write_sentences(tmp_path / "in.txt", [words, ["new", "york"]])
    apply_phrases(source, tmp_path / "out.txt", 5, 1e-3, 1)
    lines = read_lines(tmp_path / "out.txt")
    assert [len(line) for line in lines] == [MAX_PIECE // 2, MAX_PIECE // 2, 1]
    assert lines == gensim_run(list(LineSentence(str(source))), 1, min_count=5,
                               threshold=1e-3)[1]


@pytest.mark.parametrize("option, value, name", [
    ("min_count", 0, "min_count"), ("threshold", 0.0, "threshold"), ("passes", 0, "passes"),
    ("passes", 1.5, "passes"), ("delimiter", "", "delimiter"), ("delimiter", "a b", "delimiter")])
def test_bad_options_are_named(tmp_path, option, value, name):
    source = write_sentences(tmp_path / "in.txt", [["a", "b"]])
    with pytest.raises(PhrasesError, match=name):
        apply_phrases(source, tmp_path / "out.txt", **{option: value})


def test_a_failed_run_leaves_the_old_output_whole(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"fine words here\nmore words\ncaf\xe9 latin1\n")
    out = tmp_path / "out.txt"
    out.write_text("old\n")
    with pytest.raises(CorpusError, match=r"bad\.txt:3: not UTF-8"):
        apply_phrases(bad, out)
    assert out.read_text() == "old\n" and sorted(p.name for p in tmp_path.iterdir()) == \
        ["bad.txt", "out.txt"]


def test_command_prints_its_passes_and_writes_the_file(tmp_path, capsys):
    source = write_sentences(tmp_path / "in.txt", planted_corpus(9))
    assert command.main([str(source), str(tmp_path / "out.txt"), "--min-count", "3",
                         "--threshold", "10", "--passes", "1"]) == 0
    printed = capsys.readouterr().out
    assert "pass 1:" in printed and "pass 2:" not in printed and "new_york" in printed
    expected = gensim_run(planted_corpus(9), 1, min_count=3, threshold=10.0)[1]
    assert read_lines(tmp_path / "out.txt") == expected


@pytest.mark.parametrize("args, message", [
    (["missing.txt", "out.txt"], "error: corpus file not found: missing.txt"),
    (["latin1.txt", "out.txt"], "error: latin1.txt:2: not UTF-8 text"),
    (["in.txt", "no/such/out.txt"], "error: cannot write no/such/out.txt"),
    (["in.txt", "out.txt", "--min-count", "0"], "argument --min-count: must be at least 1"),
    (["in.txt", "out.txt", "--threshold", "-1"], "argument --threshold: must be above 0"),
    (["in.txt", "out.txt", "--passes", "two"], "argument --passes: expected a whole number"),
    (["in.txt", "out.txt", "--delimiter", " "], "argument --delimiter: must be non-empty")])
def test_command_errors_are_one_line(tmp_path, monkeypatch, capsys, args, message):
    monkeypatch.chdir(tmp_path)
    write_sentences(tmp_path / "in.txt", [["a", "b"]])
    (tmp_path / "latin1.txt").write_bytes(b"ok\ncaf\xe9\n")
    try:
        code = command.main(args)
    except SystemExit as stop:      # argparse's errors
        code = stop.code
    err = capsys.readouterr().err.strip().splitlines()
    assert code in (1, 2) and message in err[-1]
    assert code == 2 or len(err) == 1
    assert not (tmp_path / "out.txt").exists()


def test_python_dash_m_w2v_phrases_help():
    done = run_python("import sys; from w2v.__main__ import main; sys.exit(main())",
                      "phrases", "--help")
    assert done.returncode == 0 and "--min-count" in done.stdout and "--passes" in done.stdout
    listed = run_python("import sys; from w2v.__main__ import main; sys.exit(main())")
    assert "phrases" in listed.stdout + listed.stderr
