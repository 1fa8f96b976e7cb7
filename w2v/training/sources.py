"""What a user may name as a corpus, turned into what training/corpus.py reads.

A file, several files, a folder (its regular files, in name order, hidden
ones left out) or ``-``, standard input, read as it streams
(training/textfile.py). Only a run that reads its corpus twice (bounded
counting, --max-vocab-size) first copies standard input to a file in a
folder the caller gives (the run's output folder, or a temporary one).
"""

import os
import shutil
import sys

from w2v.training.textfile import STDIN, CorpusError

STDIN_COPY = "stdin-corpus.txt"


def _folder_files(folder):
    names = sorted(n for n in os.listdir(folder) if not n.startswith("."))
    files = [os.path.join(folder, n) for n in names if os.path.isfile(os.path.join(folder, n))]
    if not files:
        raise CorpusError("the corpus folder %s holds no file to read" % folder)
    return files


def _copy_stdin(spool_folder):
    os.makedirs(spool_folder, exist_ok=True)
    path = os.path.join(spool_folder, STDIN_COPY)
    with open(path, "wb") as out:
        shutil.copyfileobj(sys.stdin.buffer, out, 1 << 20)
    return path


def reads_stdin(source):
    """True if ``source`` names standard input (``-``, alone or in a list)."""
    paths = [source] if isinstance(source, (str, os.PathLike)) else source
    return isinstance(paths, (list, tuple)) and any(
        isinstance(p, (str, os.PathLike)) and os.fspath(p) == STDIN for p in paths)


def resolve(source, spool_folder, readings=1):
    """``source`` with folders expanded (and ``-`` copied to spool_folder if it is read
    twice, ``readings`` = 2): a path, a list of paths, or (untouched) token lists."""
    paths = [source] if isinstance(source, (str, os.PathLike)) else source
    if not isinstance(paths, (list, tuple)) or not paths or \
            not all(isinstance(p, (str, os.PathLike)) for p in paths):
        return source
    if sum(os.fspath(p) == STDIN for p in paths) > 1:
        raise CorpusError("standard input (-) is named twice: it can be read only once")
    out = []
    for path in map(os.fspath, paths):
        if path == STDIN:
            out.append(_copy_stdin(spool_folder) if readings > 1 else STDIN)
        elif os.path.isdir(path):
            out.extend(_folder_files(path))
        else:
            out.append(path)
    return out[0] if len(out) == 1 else out
