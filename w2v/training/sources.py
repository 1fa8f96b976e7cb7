"""What a user may name as a corpus, turned into what training/corpus.py reads.

A file, several files, a folder (its regular files, in name order, hidden
ones left out) or ``-``, standard input. The corpus is read twice (counting,
then encoding), so standard input is first copied to a file in a folder the
caller gives (the run's output folder, or a temporary one), in blocks.
"""

import os
import shutil
import sys

from w2v.training.corpus import CorpusError

STDIN = "-"
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


def resolve(source, spool_folder):
    """``source`` with folders expanded and ``-`` copied to spool_folder: a path, a list
    of paths, or (untouched) the caller's token lists."""
    paths = [source] if isinstance(source, (str, os.PathLike)) else source
    if not isinstance(paths, (list, tuple)) or not paths or \
            not all(isinstance(p, (str, os.PathLike)) for p in paths):
        return source
    out = []
    for path in map(os.fspath, paths):
        if path == STDIN:
            out.append(_copy_stdin(spool_folder))
        elif os.path.isdir(path):
            out.extend(_folder_files(path))
        else:
            out.append(path)
    return out[0] if len(out) == 1 else out
