"""Readers of the files sentence labels come from: the PTB sentiment trees and
Stanford's dictionary.txt / sentiment_labels.txt (utils/labels.py uses them).

Every malformed line raises DatasetError naming the file and line.
"""

import os
import re

from utils.datafiles import DatasetError, get_datasets_command, numbered_lines

PTB_FOLDER_NAME = "trainDevTestTrees_PTB"
PTB_FILES = ("train.txt", "dev.txt", "test.txt")

# Brackets, and words split on ASCII whitespace only: a leaf can hold a
# no-break space ("8\u00a01\/2" in train.txt).
_PTB_TOKEN = re.compile(r"\(|\)|[^ \t\n\r\f\v()]+")
_PTB_LABEL = re.compile(r"[0-4]")
_WHOLE_NUMBER = re.compile(r"[0-9]+")


def get_labels_hint():
    """What to do when no sentence labels are found."""
    return ("Run `%s` (it fetches the PTB trees too, into utils/datasets/%s/trees; set"
            " PTB_SOURCE=PATH to copy them from a local %s.zip or folder), or pass the"
            " trees folder (--ptb DIR)." % (get_datasets_command(), PTB_FOLDER_NAME,
                                            PTB_FOLDER_NAME))


# ---- the PTB trees -----------------------------------------------------------

def default_ptb_path(treebank_path):
    """Where the PTB trees are looked for by default: a sibling of the treebank folder."""
    return os.path.join(os.path.dirname(os.path.abspath(treebank_path)), PTB_FOLDER_NAME)


def find_ptb_trees(path):
    """The folder holding train.txt, dev.txt and test.txt: ``path`` or ``path/trees``.

    Returns None when neither holds all three files.
    """
    for folder in (path, os.path.join(path, "trees")):
        if all(os.path.exists(os.path.join(folder, f)) for f in PTB_FILES):
            return folder
    return None


def repair_mojibake(text):
    """Undo UTF-8 read as Latin-1 (``clichÃ©s`` -> ``clichés``), or return text unchanged."""
    try:
        return text.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return text


def ptb_sentence_text(text):
    """A datasetSentences.txt sentence as the PTB trees spell it.

    The mojibake repaired (``repair_mojibake``) and each no-break space
    (U+00A0) made a plain space; the tree's leaves joined with single spaces
    (no-break spaces made plain too: three leaves, such as the "8 1/2" of
    sentence 5955, hold one) equal this for every sentence of the real data (11855/11855).
    """
    return repair_mojibake(text).replace("\u00a0", " ")


def parse_ptb_tree(line):
    """The root label and the leaves of one tree in PTB bracket form.

    ``(3 (2 It) (4 (2 's) (3 fine)))`` -> ``(3, ["It", "'s", "fine"])``.
    Raises ValueError (saying what is wrong) for anything else.
    """
    tokens = _PTB_TOKEN.findall(line)
    if not tokens or tokens[0] != "(":
        raise ValueError("a tree must start with '('")
    root = None
    leaves = []
    depth = 0
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token == "(":
            if depth == 0 and root is not None:
                raise ValueError("more than one tree on the line")
            label = tokens[i + 1] if i + 1 < len(tokens) else ""
            if not _PTB_LABEL.fullmatch(label):
                raise ValueError("expected a label 0-4 after '(', got %r" % label)
            if root is None:
                root = int(label)
            depth += 1
            i += 2
            if i < len(tokens) and tokens[i] not in ("(", ")"):
                leaves.append(tokens[i])  # a leaf: (label word)
                i += 1
                if i >= len(tokens) or tokens[i] != ")":
                    raise ValueError("a leaf (label word) must end after its word: %r"
                                     % leaves[-1])
            elif i < len(tokens) and tokens[i] == ")":
                raise ValueError("a node with neither a word nor children")
        elif token == ")":
            depth -= 1
            if depth < 0:
                raise ValueError("unbalanced brackets: ')' without its '('")
            i += 1
        else:
            raise ValueError("a word outside a leaf: %r" % token)
    if depth != 0:
        raise ValueError("unbalanced brackets: %d '(' not closed" % depth)
    return root, leaves


def read_ptb_roots(path):
    """The trees of a PTB file: a list of ``(line_number, root_label, leaves)``.

    Blank lines are skipped; a malformed tree raises DatasetError naming the
    file and line.
    """
    trees = []
    for number, line in numbered_lines(path, "The PTB tree file", get_labels_hint()):
        if not line.strip():
            continue
        try:
            label, leaves = parse_ptb_tree(line)
        except ValueError as err:
            raise DatasetError("%s:%d: not a PTB sentiment tree (%s): %r"
                               % (path, number, err, line[:60])) from None
        trees.append((number, label, leaves))
    return trees


# ---- Stanford's dictionary.txt and sentiment_labels.txt -------------------------

def read_phrase_dictionary(path):
    """Stanford's dictionary.txt: dict phrase (original case) -> phrase id.

    Each line is ``phrase|id`` (no header); the last ``|`` separates them.
    """
    phrases = {}
    for number, line in numbered_lines(path, "The phrase dictionary", get_labels_hint()):
        if not line.strip():
            continue
        phrase, bar, phrase_id = line.rpartition("|")
        if not bar or not _WHOLE_NUMBER.fullmatch(phrase_id.strip()):
            raise DatasetError("%s:%d: expected `phrase|id` (the id a whole number), got %r"
                               % (path, number, line[:60]))
        phrases[phrase] = int(phrase_id)
    return phrases


def read_phrase_labels(path):
    """Stanford's sentiment_labels.txt: dict phrase id -> sentiment value in [0, 1].

    The first line is the header ``phrase ids|sentiment values``; then
    ``id|value`` per line.
    """
    lines = numbered_lines(path, "The phrase labels file", get_labels_hint())
    if not lines or _WHOLE_NUMBER.fullmatch(lines[0][1].split("|")[0].strip()):
        raise DatasetError("%s:1: expected the header `phrase ids|sentiment values`, got %r"
                           % (path, lines[0][1][:60] if lines else ""))
    values = {}
    first_line = {}
    for number, line in lines[1:]:
        if not line.strip():
            continue
        fields = line.split("|")
        if len(fields) != 2 or not _WHOLE_NUMBER.fullmatch(fields[0].strip()):
            raise DatasetError("%s:%d: expected `phrase id|sentiment value`, got %r"
                               % (path, number, line[:60]))
        try:
            value = float(fields[1])
        except ValueError:
            raise DatasetError("%s:%d: the sentiment value %r is not a number"
                               % (path, number, fields[1][:30])) from None
        if not 0.0 <= value <= 1.0:
            raise DatasetError("%s:%d: the sentiment value %r is outside [0, 1]"
                               % (path, number, fields[1].strip()))
        phrase_id = int(fields[0])
        if phrase_id in values:
            raise DatasetError("%s:%d: phrase id %d already has a value (line %d)"
                               % (path, number, phrase_id, first_line[phrase_id]))
        values[phrase_id] = value
        first_line[phrase_id] = number
    return values
