"""Readers of the standard word-vector benchmarks.

* Word similarity (WordSim-353, SimLex-999): word pairs with a human score.
  Accepted layouts: the copies shipped with gensim's test data (``#``
  comment lines, then ``word1<TAB>word2<TAB>score``), WordSim-353's official
  ``combined.tab`` / ``combined.csv`` / ``set1.tab`` (a header line ``Word 1,
  Word 2, Human (mean)`` and, for the sets, one column per rater after it)
  and SimLex-999's official ``SimLex-999.txt`` (a header ``word1 word2 POS
  SimLex999 ...``; the score is the ``SimLex999`` column).
* Analogies (Google's ``questions-words.txt``, the same layout everywhere):
  ``: section`` lines, then questions ``a b c d`` ("a is to b as c is to d").

A line that fits none of these is an error naming the file and the line
(BenchmarkError), never silently skipped.
"""

import math
import os
from collections import namedtuple

WORDSIM353 = "wordsim353"
SIMLEX999 = "simlex999"
ANALOGY = "analogy"

# Where each benchmark may be found inside a benchmarks folder: our copies'
# names first (get_datasets.sh installs those), then the official names.
FILE_NAMES = {
    WORDSIM353: ("wordsim353.tsv", "combined.tab", "combined.csv",
                 "wordsim353/combined.tab", "wordsim353/combined.csv"),
    SIMLEX999: ("simlex999.txt", "SimLex-999.txt", "SimLex-999/SimLex-999.txt"),
    ANALOGY: ("questions-words.txt",),
}

# Header names of the score column (lower-case), for files with more than 3 columns.
SCORE_COLUMNS = ("human (mean)", "simlex999")

WordPairs = namedtuple("WordPairs", "path pairs")
WordPairs.__doc__ = """A word-similarity benchmark: ``pairs`` lists (word1, word2, score)."""

Section = namedtuple("Section", "name questions")
Section.__doc__ = """One section of an analogy set: ``questions`` is a list of (a, b, c, d)."""


class BenchmarkError(ValueError):
    """A benchmark file is missing or malformed; the message names the file and line."""


def find_benchmark(folder, name):
    """The path of benchmark ``name`` (WORDSIM353, SIMLEX999, ANALOGY) in ``folder``, or None."""
    for candidate in FILE_NAMES[name]:
        path = os.path.join(folder, candidate)
        if os.path.isfile(path):
            return path
    return None


def _lines(path):
    """(line number, text without the newline) of a UTF-8 text file, numbered from 1."""
    try:
        with open(path, encoding="utf-8-sig") as f:  # -sig: a Windows BOM is not a word
            text = f.read()
    except UnicodeDecodeError as err:
        raise BenchmarkError("%s is not UTF-8 text (%s at byte %d)"
                             % (path, err.reason, err.start)) from None
    return enumerate(text.splitlines(), start=1)


def _split(line, delimiter):
    fields = line.split(delimiter) if delimiter else line.split()
    return [f.strip() for f in fields]


def _parse_score(text):
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _score_column(header, path, line_no):
    """Which column of a header line holds the human score."""
    names = [h.lower() for h in header]
    for wanted in SCORE_COLUMNS:
        if wanted in names:
            return names.index(wanted)
    if len(header) == 3:
        return 2
    raise BenchmarkError("%s:%d: a header of %d columns (%s) without a score column named"
                         " 'Human (mean)' or 'SimLex999': cannot tell which column holds"
                         " the human score" % (path, line_no, len(header), ", ".join(header)))


def _delimiter_name(delimiter):
    return {"\t": "tab", ",": "comma", None: "space"}.get(delimiter, repr(delimiter))


def read_word_pairs(path, delimiter=None):
    """Read a word-similarity file: returns WordPairs(path, [(word1, word2, score), ...]).

    Blank lines and lines starting with ``#`` are skipped. The delimiter is
    ``delimiter`` if given, else a tab if the first line that is not a comment
    holds one, else a comma if it holds one, else whitespace. That first
    line may be a header (its score field is not a number and its first
    field starts with "word"); every other line must have as many fields as
    it, two non-empty words and a finite score. Words are kept as written.
    """
    pairs, width, column = [], None, 2
    for line_no, line in _lines(path):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if width is None:
            if delimiter is None:
                delimiter = "\t" if "\t" in line else ("," if "," in line else None)
            fields = _split(line, delimiter)
            width = len(fields)
            if width < 3:
                raise BenchmarkError("%s:%d: expected word1, word2 and a score, separated by"
                                     " %s; got %r" % (path, line_no, _delimiter_name(delimiter)
                                                      + "s", line))
            if _parse_score(fields[2]) is None and fields[0].lower().startswith("word"):
                column = _score_column(fields, path, line_no)  # a header: "Word 1", "word1"
                continue
        fields = _split(line, delimiter)
        score = _parse_score(fields[column]) if len(fields) == width else None
        if score is None or not fields[0] or not fields[1]:
            raise BenchmarkError("%s:%d: expected %d %s-separated fields (word1, word2, ..., a"
                                 " number in column %d); got %r"
                                 % (path, line_no, width, _delimiter_name(delimiter),
                                    column + 1, line))
        pairs.append((fields[0], fields[1], score))
    if not pairs:
        raise BenchmarkError("%s holds no word pair" % path)
    return WordPairs(path, pairs)


def read_analogies(path):
    """Read an analogy file: returns a list of Section(name, [(a, b, c, d), ...]), in file order.

    ``: name`` starts a section; every other non-blank line must be four
    words and come after a section line. Words are kept as written.
    """
    sections = []
    for line_no, line in _lines(path):
        if not line.strip():
            continue
        if line.startswith(":"):
            name = line[1:].strip()
            if not name:
                raise BenchmarkError("%s:%d: a section line ':' without a name" % (path, line_no))
            sections.append(Section(name, []))
            continue
        words = line.split()
        if len(words) != 4:
            raise BenchmarkError("%s:%d: expected a question of 4 words 'a b c d' (a is to b"
                                 " as c is to d); got %d: %r" % (path, line_no, len(words), line))
        if not sections:
            raise BenchmarkError("%s:%d: a question before the first ': section' line"
                                 % (path, line_no))
        sections[-1].questions.append(tuple(words))
    if not any(s.questions for s in sections):
        raise BenchmarkError("%s holds no analogy question" % path)
    return sections


def is_syntactic(section_name):
    """True for the syntactic sections of the Google set (their names start with "gram")."""
    return section_name.startswith("gram")
