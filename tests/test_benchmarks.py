"""utils/benchmarks.py: the readers of WordSim-353, SimLex-999 and the Google analogies.

Fixtures are written in each layout the readers accept (the copies shipped
with gensim's test data, WordSim-353's and SimLex-999's official files); the
real copies are read too where this machine has them (conftest's lookup).
"""

import pytest

from tests.conftest import REAL_BENCH as REAL
from tests.conftest import needs_real_bench
from w2v.evaluation import benchmarks
from w2v.evaluation.benchmarks import (
    BenchmarkError,
    find_benchmark,
    is_syntactic,
    read_analogies,
    read_word_pairs,
)

PAIRS = [("love", "sex", 6.77), ("tiger", "cat", 7.35), ("Tiger", "tiger", 10.0)]


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return str(path)


# ---- word pairs: every accepted layout -------------------------------------------

def gensim_copy(pairs):
    """The layout of gensim's test_data/wordsim353.tsv and simlex999.txt."""
    return ("# The test collection (http://example.org/)\n# Word 1\tWord 2\tHuman (mean)\n"
            + "".join("%s\t%s\t%s\n" % p for p in pairs))


def wordsim_combined(pairs, sep):
    """WordSim-353's combined.tab (sep tab) or combined.csv (sep comma)."""
    return sep.join(("Word 1", "Word 2", "Human (mean)")) + "\n" + "".join(
        sep.join((a, b, "%.2f" % s)) + "\n" for a, b, s in pairs)


def wordsim_set(pairs):
    """WordSim-353's set1.tab: the mean, then one column per rater."""
    return "Word 1\tWord 2\tHuman (mean)\t1\t2\t3\n" + "".join(
        "%s\t%s\t%s\t%d\t%d\t%d\n" % (a, b, s, 1, 2, 3) for a, b, s in pairs)


def simlex_official(pairs):
    """SimLex-999.txt: ten columns, the score in the fourth (SimLex999)."""
    header = "word1\tword2\tPOS\tSimLex999\tconc(w1)\tconc(w2)\tconcQ\tAssoc(USF)\tSimAssoc333" \
             "\tSD(SimLex)\n"
    # Numbers in the other columns that differ from the score: the column must be right.
    return header + "".join("%s\t%s\tN\t%s\t4.1\t4.9\t4\t0.5\t1\t0.9\n" % p for p in pairs)


@pytest.mark.parametrize("layout", ["gensim_copy", "combined_tab", "combined_csv", "set1",
                                    "simlex", "crlf_bom"])
def test_each_layout_gives_the_same_pairs(tmp_path, layout):
    text = {"gensim_copy": gensim_copy(PAIRS), "combined_tab": wordsim_combined(PAIRS, "\t"),
            "combined_csv": wordsim_combined(PAIRS, ","), "set1": wordsim_set(PAIRS),
            "simlex": simlex_official(PAIRS),
            "crlf_bom": "\ufeff" + gensim_copy(PAIRS).replace("\n", "\r\n")}[layout]
    got = read_word_pairs(write(tmp_path / "pairs.txt", text))
    assert got.pairs == PAIRS  # words kept as written (case too), scores as numbers
    assert got.path == str(tmp_path / "pairs.txt")


@pytest.mark.parametrize("line, why", [
    ("love\tsex", "expected 3"),  # a field missing
    ("love\tsex\tmuch", "a number in column 3"),
    ("love\tsex\tnan", "a number"),
    ("love\tsex\tinf", "a number"),
    ("love\tsex\t6.7\textra", "expected 3"),
    ("\tsex\t6.7", "expected 3"),  # an empty word
])
def test_a_malformed_pair_line_names_file_and_line(tmp_path, line, why):
    path = write(tmp_path / "ws.tsv", gensim_copy(PAIRS) + line + "\n")
    with pytest.raises(BenchmarkError) as err:
        read_word_pairs(path)
    message = str(err.value)
    assert "%s:%d:" % (path, 2 + len(PAIRS) + 1) in message  # 2 comment lines, then the pairs
    assert why in message and repr(line) in message


def test_a_malformed_first_line_is_not_taken_for_a_header(tmp_path):
    # "six" is not a number, but "love" is not a header's "Word 1": an error, not skipped.
    path = write(tmp_path / "ws.tsv", "love\tsex\tsix\n" + gensim_copy(PAIRS))
    with pytest.raises(BenchmarkError, match=r"ws\.tsv:1:"):
        read_word_pairs(path)


def test_a_header_without_a_score_column_is_an_error(tmp_path):
    path = write(tmp_path / "x.txt", "word1\tword2\tPOS\tscore\n" "a\tb\tN\t1.0\n")
    with pytest.raises(BenchmarkError, match=r"x\.txt:1: .*which column holds the human score"):
        read_word_pairs(path)


def test_empty_and_non_utf8_files_are_errors(tmp_path):
    with pytest.raises(BenchmarkError, match="holds no word pair"):
        read_word_pairs(write(tmp_path / "empty.tsv", "# only a comment\n"))
    with pytest.raises(BenchmarkError, match="not UTF-8"):
        read_word_pairs(write(tmp_path / "latin.tsv", "caf\xe9\tbar\t1.0\n", "latin-1"))
    with pytest.raises(BenchmarkError, match="holds no analogy question"):
        read_analogies(write(tmp_path / "q.txt", ": family\n"))


# ---- analogies -----------------------------------------------------------------------

QUESTIONS = """: capital-common-countries
Athens Greece Baghdad Iraq
Athens Greece Bangkok Thailand
: family
boy girl brother sister
: gram1-adjective-to-adverb
amazing amazingly apparent apparently
"""


def test_analogy_sections_in_file_order(tmp_path):
    sections = read_analogies(write(tmp_path / "q.txt", QUESTIONS + "\n"))  # a blank line is fine
    assert [s.name for s in sections] == ["capital-common-countries", "family",
                                          "gram1-adjective-to-adverb"]
    assert sections[0].questions == [("Athens", "Greece", "Baghdad", "Iraq"),
                                     ("Athens", "Greece", "Bangkok", "Thailand")]
    assert [is_syntactic(s.name) for s in sections] == [False, False, True]


@pytest.mark.parametrize("text, line, why", [
    (QUESTIONS + "boy girl brother\n", 8, "expected a question of 4 words"),
    (QUESTIONS + "a b c d e\n", 8, "got 5"),
    ("Athens Greece Baghdad Iraq\n" + QUESTIONS, 1, "before the first ': section' line"),
    (QUESTIONS + ":\n", 8, "without a name"),
])
def test_a_malformed_analogy_line_names_file_and_line(tmp_path, text, line, why):
    path = write(tmp_path / "q.txt", text)
    with pytest.raises(BenchmarkError) as err:
        read_analogies(path)
    assert "%s:%d:" % (path, line) in str(err.value) and why in str(err.value)


# ---- finding the files -----------------------------------------------------------

@pytest.mark.parametrize("name, file_name", [
    (benchmarks.WORDSIM353, "wordsim353.tsv"), (benchmarks.WORDSIM353, "combined.tab"),
    (benchmarks.WORDSIM353, "wordsim353/combined.csv"),
    (benchmarks.SIMLEX999, "simlex999.txt"), (benchmarks.SIMLEX999, "SimLex-999/SimLex-999.txt"),
    (benchmarks.ANALOGY, "questions-words.txt")])
def test_find_benchmark_accepts_the_copies_and_the_official_names(tmp_path, name, file_name):
    assert find_benchmark(str(tmp_path), name) is None
    path = tmp_path / file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    write(path, "x")
    assert find_benchmark(str(tmp_path), name) == str(path)


# ---- the real files ----------------------------------------------------------------

@needs_real_bench
def test_the_real_copies():
    wordsim = read_word_pairs(find_benchmark(str(REAL), benchmarks.WORDSIM353)).pairs
    simlex = read_word_pairs(find_benchmark(str(REAL), benchmarks.SIMLEX999)).pairs
    sections = read_analogies(find_benchmark(str(REAL), benchmarks.ANALOGY))
    # The sizes their authors publish: 353 and 999 pairs, 19,544 questions (8,869
    # semantic in 5 sections, 10,675 syntactic in 9), scores on a 0-10 scale.
    assert (len(wordsim), len(simlex)) == (353, 999)
    assert all(0 <= s <= 10 for _, _, s in wordsim + simlex)
    assert ("tiger", "cat", 7.35) in wordsim
    assert len(sections) == 14 and sum(len(s.questions) for s in sections) == 19544
    semantic = [s for s in sections if not is_syntactic(s.name)]
    assert len(semantic) == 5 and sum(len(s.questions) for s in semantic) == 8869
