"""KeyedVectors' evaluations (equal to gensim's, on files the tests write and on the real
benchmarks when tests/conftest.py's lookup finds them), its files (word2vec formats, the
Embedding Projector's) and python -m w2v export."""

import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import ROOT
from tests.test_keyedvectors import BENCH, TOL, gensim_kv, needs_real, random_words
from tests.test_keyedvectors import random_pair, trained_pair  # noqa: F401 (fixtures)
from w2v.vectors import files
from w2v.vectors.keyed import KeyedVectors, UnknownWordError
from w2v.vectors.word2vec_format import VectorsError, save_word2vec_text

# ---- benchmarks -------------------------------------------------------------------------

def write_pairs(path, words, rng, n=60):
    """A WordSim-format file: comments, pairs of known words in changed case, unknown words."""
    lines = ["# Word 1\tWord 2\tHuman (mean)"]
    for _ in range(n):
        w1, w2 = rng.choice(words, 2)
        lines.append("%s\t%s\t%.2f" % (w1.upper(), w2.title(), rng.uniform(0, 10)))
    lines += ["unicorn\t%s\t3.0" % words[3], "%s\tzebra-x\t5.5" % words[4]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("case_insensitive", [True, False])
@pytest.mark.parametrize("dummy4unknown", [False, True])
@pytest.mark.parametrize("restrict_vocab", [300000, 150])
def test_evaluate_word_pairs_equals_gensims(random_pair, tmp_path, case_insensitive,
                                            dummy4unknown, restrict_vocab):
    ours, theirs = random_pair
    rng = np.random.default_rng(3)
    path = write_pairs(tmp_path / "pairs.tsv", ours.index_to_key[:300], rng)
    options = dict(restrict_vocab=restrict_vocab, case_insensitive=case_insensitive,
                   dummy4unknown=dummy4unknown)
    if not case_insensitive:  # the file's case then matters: add pairs as the words are
        with open(path, "a", encoding="utf-8") as f:
            for i in range(0, 120, 4):
                f.write("%s\t%s\t%.1f\n" % (ours.index_to_key[i], ours.index_to_key[i + 1],
                                           rng.uniform(0, 10)))
    mine, gensims = ours.evaluate_word_pairs(path, **options), theirs.evaluate_word_pairs(
        str(path), **options)
    for m, g in zip(mine[:2], gensims[:2]):  # pearson, spearman: (statistic, pvalue)
        assert len(m) == len(g) == 2
        assert np.allclose(tuple(m), tuple(g), atol=TOL)
    assert mine[2] == pytest.approx(gensims[2], abs=1e-12) and mine[2] > 0


def write_analogies(path, kv):
    """Questions whose answers the vectors know (d = b - a + c made true), others not,
    and unknown words; two sections."""
    rng = np.random.default_rng(4)
    words = kv.index_to_key
    lines = [": capital-world"]
    for _ in range(40):
        a, b, c, d = rng.choice(words[:300], 4, replace=False)
        lines.append(" ".join((a.title(), b, c.upper(), d)))
    lines.append(": gram1-adjective-to-adverb")
    for i in range(0, 60, 4):
        lines.append(" ".join(words[i:i + 4]))
    lines.append("unknown %s %s %s" % tuple(words[1:4]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def with_answers(words, vectors, path):
    """The vectors, with every question's d moved onto b - a + c: gensim's answer is d."""
    vectors = vectors.copy()
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    index = {w.upper(): i for i, w in reversed(list(enumerate(words)))}
    for line in path.read_text(encoding="utf-8").splitlines()[1:20]:
        a, b, c, d = (index.get(w.upper()) for w in line.split())
        if None not in (a, b, c, d):
            vectors[d] = unit[b] - unit[a] + unit[c]
    return vectors


@pytest.mark.parametrize("case_insensitive", [True, False])
@pytest.mark.parametrize("dummy4unknown", [False, True])
@pytest.mark.parametrize("restrict_vocab", [300000, 200])
def test_evaluate_word_analogies_equals_gensims(tmp_path, case_insensitive, dummy4unknown,
                                                restrict_vocab):
    words, vectors = random_words()
    path = write_analogies(tmp_path / "questions.txt", KeyedVectors(words, vectors))
    vectors = with_answers(words, vectors, path)
    ours, theirs = KeyedVectors(words, vectors), gensim_kv(words, vectors)
    options = dict(restrict_vocab=restrict_vocab, case_insensitive=case_insensitive,
                   dummy4unknown=dummy4unknown)
    mine = ours.evaluate_word_analogies(path, **options)
    gensims = theirs.evaluate_word_analogies(str(path), **options)
    assert mine[1] == gensims[1]  # every section: the same questions right and wrong, in order
    assert mine[0] == pytest.approx(gensims[0], abs=1e-12)
    assert mine[1][-1]["section"] == "Total accuracy"
    if case_insensitive:
        assert len(mine[1][-1]["correct"]) >= 3  # the answers made true are found


@needs_real
@pytest.mark.parametrize("name", ["wordsim353.tsv", "simlex999.txt"])
def test_evaluate_word_pairs_on_the_real_benchmarks(trained_pair, name):
    ours, theirs = trained_pair
    path = BENCH / name
    for options in (dict(restrict_vocab=3000, dummy4unknown=True), dict()):
        mine, gensims = ours.evaluate_word_pairs(path, **options), theirs.evaluate_word_pairs(
            str(path), **options)
        assert np.allclose([mine[0][0], mine[1][0]], [gensims[0][0], gensims[1][0]], atol=TOL)
        assert np.allclose([mine[0][1], mine[1][1]], [gensims[0][1], gensims[1][1]],
                           rtol=1e-4, atol=1e-12)  # p-values: tiny numbers
        assert mine[2] == pytest.approx(gensims[2], abs=1e-9)
    assert mine[2] < 50  # most pairs compared, not a comparison of nothing


@needs_real
@pytest.mark.parametrize("restrict_vocab", [2000, 30000])
def test_evaluate_word_analogies_on_the_real_benchmark(trained_pair, restrict_vocab):
    ours, theirs = trained_pair
    path = BENCH / "questions-words.txt"
    mine = ours.evaluate_word_analogies(path, restrict_vocab=restrict_vocab)
    gensims = theirs.evaluate_word_analogies(str(path), restrict_vocab=restrict_vocab)
    assert [s["section"] for s in mine[1]] == [s["section"] for s in gensims[1]]
    assert mine[1] == gensims[1]
    assert mine[0] == pytest.approx(gensims[0], abs=1e-12)
    assert len(mine[1][-1]["correct"]) >= 10  # real answers, not a comparison of nothing


# ---- files ----------------------------------------------------------------------------------

def test_load_word2vec_format_reads_only_limit_rows(tmp_path):
    words, vectors = random_words(V=30, d=4)
    path = tmp_path / "vecs.txt"
    save_word2vec_text(str(path), words, vectors)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[11] = lines[11].split(" ")[0] + " not numbers at all"  # entry 11 is broken
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(VectorsError, match=":12: 'not' is not a number"):
        KeyedVectors.load_word2vec_format(path)
    kv = KeyedVectors.load_word2vec_format(path, limit=10)  # never reaches line 12
    assert kv.index_to_key == words[:10] and kv.vectors.dtype == np.float32
    assert np.array_equal(kv.vectors, vectors[:10])


@pytest.mark.parametrize("binary", [False, True])
def test_word2vec_format_round_trip_and_gensim_reads_it(tmp_path, binary):
    from gensim.models import KeyedVectors as GensimKeyedVectors
    words, vectors = random_words(V=50, d=6)
    path = tmp_path / ("v.bin" if binary else "v.txt")
    KeyedVectors(words, vectors).save_word2vec_format(path, binary=binary)
    back = KeyedVectors.load_word2vec_format(path, binary=binary, limit=20)
    assert back.index_to_key == words[:20] and np.array_equal(back.vectors, vectors[:20])
    gensims = GensimKeyedVectors.load_word2vec_format(str(path), binary=binary, limit=20)
    assert gensims.index_to_key == words[:20] and np.array_equal(gensims.vectors, vectors[:20])


def test_save_projector_files(tmp_path):
    words, vectors = random_words(V=12, d=3)
    counts = np.array([5, 50, 7, 7, 1, 90, 2, 3, 4, 6, 8, 9])
    paths = KeyedVectors(words, vectors, counts).save_projector(tmp_path / "p", limit=4)
    assert [p.rsplit("/", 1)[1] for p in paths] == ["vectors.tsv", "metadata.tsv"]
    rows = [5, 1, 11, 10]  # the 4 most frequent: 90, 50, 9, 8
    table = np.loadtxt(paths[0], delimiter="\t", dtype=np.float32)
    assert np.array_equal(table, vectors[rows])  # float32 written exactly
    assert "\t" in open(paths[0]).readline() and open(paths[0]).read().count("\n") == 4
    assert open(paths[1], encoding="utf-8").read().splitlines() == \
        ["word\tcount"] + ["%s\t%d" % (words[i], counts[i]) for i in rows]
    # Without counts: the first rows, one word a line, no header (a one-column table).
    paths = KeyedVectors(words, vectors).save_projector(tmp_path / "q", limit=None)
    assert open(paths[1], encoding="utf-8").read().splitlines() == words
    assert np.loadtxt(paths[0], delimiter="\t").shape == (12, 3)


def test_word_vectors_is_the_same_class(tmp_path):
    words, vectors = random_words(V=40, d=5)
    wv = files.WordVectors(words, vectors, source="x", vector="v")
    assert isinstance(wv, KeyedVectors)
    assert wv.words is wv.index_to_key and wv.matrix is wv.vectors and wv.index is wv.key_to_index
    assert wv.neighbours("w3", 5) == wv.most_similar(positive=["w3"], topn=5)
    assert wv.analogy("w1", "w2", "w3", 5) == wv.most_similar(positive=["w2", "w3"],
                                                              negative=["w1"], topn=5)
    with pytest.raises(UnknownWordError):
        wv.row(3)  # a row number is not a word here
    save_word2vec_text(str(tmp_path / "v.txt"), words, vectors)
    assert isinstance(files.load(str(tmp_path / "v.txt")), KeyedVectors)


# ---- python -m w2v export ---------------------------------------------------------------------

def run_export(*args):
    return subprocess.run([sys.executable, "-m", "w2v", "export", *map(str, args)],
                          cwd=str(ROOT), capture_output=True, text=True, timeout=120)


def test_export_command(tmp_path):
    words, vectors = random_words(V=20, d=4)
    folder = tmp_path / "run"
    files.save_vectors(str(folder), np.concatenate((vectors, vectors[::-1])).astype(float),
                       {w: i for i, w in enumerate(words)})
    result = run_export("--vectors", folder, "--projector", tmp_path / "proj", "--limit", 5,
                        "--word2vec", tmp_path / "w.bin", "--binary")
    assert result.returncode == 0, result.stderr
    assert "Saved" in result.stdout and "projector.tensorflow.org" in result.stdout
    assert (tmp_path / "proj" / "metadata.tsv").read_text().splitlines() == words[:5]
    table = np.loadtxt(tmp_path / "proj" / "vectors.tsv", delimiter="\t")
    assert np.allclose(table, np.concatenate((vectors, vectors[::-1]), axis=1)[:5])  # [v, u]
    back = KeyedVectors.load_word2vec_format(tmp_path / "w.bin", binary=True)
    assert back.index_to_key == words and back.vector_size == 8


def test_export_help_and_errors(tmp_path):
    result = run_export("--help")
    assert result.returncode == 0 and "--projector DIR" in result.stdout
    assert "Embedding Projector" in result.stdout
    result = run_export("--vectors", tmp_path)
    assert result.returncode == 2 and "nothing to do" in result.stderr
    result = run_export("--vectors", tmp_path / "none", "--projector", tmp_path / "p")
    assert result.returncode == 1 and result.stderr.startswith("error: ")
    assert "does not exist" in result.stderr and len(result.stderr.splitlines()) == 1
    listed = subprocess.run([sys.executable, "-m", "w2v"], cwd=str(ROOT), capture_output=True,
                            text=True, timeout=60)
    assert "export" in listed.stdout


def _million_rows_truncated(tmp_path):
    """A word2vec binary file announcing 1,000,000 rows (d = 4), cut after 600,000:
    only a reader that stops at its limit can read it."""
    from w2v.vectors.word2vec_format import save_word2vec_binary
    V, d = 1_000_000, 4
    words = ["w%d" % i for i in range(V)]
    vectors = np.random.default_rng(0).random((V, d), dtype=np.float32)
    path = tmp_path / "million.bin"
    save_word2vec_binary(str(path), words, vectors)
    row = len(b"w100000 ") + 4 * d + 1
    with open(path, "r+b") as f:
        f.truncate(f.seek(0, 2) - 400_000 * row)       # rows 600,000.. are gone
    return path, words, vectors


def test_a_million_row_file_read_to_a_limit_by_the_api_and_the_commands(tmp_path):
    path, words, vectors = _million_rows_truncated(tmp_path)
    with pytest.raises(VectorsError, match="million.bin"):
        KeyedVectors.load_word2vec_format(path, binary=True)
    kv = KeyedVectors.load_word2vec_format(path, binary=True, limit=1000)
    assert kv.index_to_key == words[:1000] and np.array_equal(kv.vectors, vectors[:1000])

    def w2v_command(*args):
        return subprocess.run([sys.executable, "-m", "w2v"] + list(args), cwd=ROOT,
                              capture_output=True, text=True)
    explored = w2v_command("explore", "--vectors", str(path), "--limit", "1000",
                           "--neighbours", "w7")
    assert explored.returncode == 0, explored.stderr
    assert "w7" in explored.stdout
    evaluated = w2v_command("evaluate", "--vectors", str(path), "--limit", "1000",
                            "--no-plot", "--benchmarks", str(tmp_path))
    assert "million.bin" not in evaluated.stderr, evaluated.stderr   # read, then no data
    bad = w2v_command("explore", "--vectors", str(path), "--limit", "0")
    assert bad.returncode == 2 and "--limit: N must be at least 1" in bad.stderr
