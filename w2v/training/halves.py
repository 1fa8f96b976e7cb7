"""Count and encode large plain files on two cores: ``count_and_encode_halves``.

Reading is most of the time outside training, and it is pure Python (a split
and a dict lookup per word) on one core. Plain files of MIN_BYTES or more
are cut in two at a line's first byte near the middle; a forked child
(infra/background.py) reads the second half into a spool file of its own
while this process reads the first. The merge is cheap: the child's distinct
words get ids after the first half's (so ties keep the order of first
appearance), the counts add, and the remap (training/onepass.py) runs over
both spools in corpus order. The result equals onepass.count_and_encode's
exactly (tests/test_halves.py). If the child fails (bad bytes, a killed
process), the whole corpus is read again in one process, whose errors name
the file and line as before. Memory: each process holds the distinct words of
its half (the child's are sent back once, pickled through a file).
"""

import os
import pickle

import numpy as np

from w2v.infra.background import CAN_FORK, Jobs
from w2v.infra.fileio import compression
from w2v.training.corpus import source_name, span_pieces
from w2v.training.idstore import FileStore
from w2v.training.onepass import (
    _remap,
    check_min_count,
    count_and_encode,
    count_ids,
    vocabulary_and_ids,
)
from w2v.training.textfile import STDIN

MIN_BYTES = 4 << 20        # below this a fork and a merge cost more than they save
SEARCH_BYTES = 1 << 20     # bytes read at a time looking for the end of a line


def plan_halves(paths):
    """([spans of the first half], [spans of the second]), each span (path, start,
    stop or None); or None: not worth it, or not possible (compressed or not
    regular files, one core, no line end after the middle of the file holding it)."""
    if not CAN_FORK or (os.cpu_count() or 1) < 2 or STDIN in paths:
        return None
    try:
        sizes = [os.stat(p).st_size for p in paths]
        if sum(sizes) < MIN_BYTES or not all(map(_plain, paths)):
            return None
        k, before = 0, 0            # file k holds the middle byte; ``before`` precede it
        while before + sizes[k] <= sum(sizes) // 2:
            before, k = before + sizes[k], k + 1
        cut = _line_start_after(paths[k], sum(sizes) // 2 - before)
    except OSError:
        return None
    if cut is None:     # the rest of that file is one line: cut after the file
        first = [(p, 0, None) for p in paths[:k + 1]]
        second = [(p, 0, None) for p in paths[k + 1:]]
    else:
        first = [(p, 0, None) for p in paths[:k]] + [(paths[k], 0, cut)]
        second = [(paths[k], cut, None)] + [(p, 0, None) for p in paths[k + 1:]]
    return (first, second) if second else None


def _plain(path):
    """Whether ``path`` is a regular file that is not compressed (it can be seeked)."""
    return os.path.isfile(path) and compression(path) is None


def _line_start_after(path, offset):
    """The offset just after the first b"\\n" at or after ``offset``, or None."""
    with open(path, "rb") as f:
        f.seek(offset)
        while True:
            block = f.read(SEARCH_BYTES)
            if not block:
                return None
            found = block.find(b"\n")
            if found >= 0:
                at = offset + found + 1
                return at if at < os.fstat(f.fileno()).st_size else None
            offset += len(block)


def _second_half(spans, lowercase, spool_path, result_path):
    """The child's job: the second half's provisional ids (to a spool file) and its
    words, counts and piece ends (pickled; None if it failed, whatever the error)."""
    try:
        spool = FileStore(spool_path, hashed=False)
        first_seen, counts, ends = count_ids(span_pieces(spans, lowercase), spool)
        spool.file.close()
        found = (list(first_seen), counts, ends)
    except Exception:   # the parent reads everything again and reports the error
        found = None
    with open(result_path, "wb") as f:  # read back by this process's parent only
        pickle.dump(found, f, protocol=pickle.HIGHEST_PROTOCOL)


def _half_progress(progress, spans):
    """progress for a first half that is part of one file: that part counts as whole."""
    if progress is None or len(spans) != 1 or spans[0][2] is None:
        return progress
    stop = spans[0][2]
    return lambda done, total: progress(done * total // stop if total else done, total)


def count_and_encode_halves(paths, min_count, max_vocab, lowercase, progress, store, spool):
    """onepass.count_and_encode(paths, ...) with the files read on two cores where
    plan_halves allows; ``spool`` a FileStore (the child's spool goes beside it)."""
    check_min_count(min_count)
    halves = plan_halves(paths)
    source = paths[0] if len(paths) == 1 else list(paths)
    if halves is None:
        return count_and_encode(source, min_count, max_vocab, lowercase, progress, store,
                                spool)
    spool2 = FileStore(spool.path + ".second", hashed=False)   # the child writes it
    result = spool.path + ".second.pickle"
    try:
        with Jobs() as jobs:
            jobs.start(lambda: _second_half(halves[1], lowercase, spool2.path, result))
            first_seen, counts, ends = count_ids(
                span_pieces(halves[0], lowercase, _half_progress(progress, halves[0])), spool)
        with open(result, "rb") as f:
            second = pickle.load(f)
    except (ChildProcessError, FileNotFoundError):  # the child was killed
        second = None
    except BaseException:
        spool2.discard()
        raise
    finally:
        if os.path.exists(result):
            os.remove(result)
    if second is None:   # read it all in one process, whose errors say where
        spool.discard()
        spool2.discard()
        return count_and_encode(source, min_count, max_vocab, lowercase, progress, store,
                                FileStore(spool.path, hashed=False))
    return _merge((first_seen, counts, ends, spool), second + (spool2,),
                  (min_count, max_vocab, source), store)


def _merge(first, second, vocab_args, store):
    """The Vocabulary and EncodedCorpus of both halves, each (first_seen or its words,
    counts, piece ends, spool) (see the module doc)."""
    first_seen, counts, ends, spool = first
    words, counts2, ends2, spool2 = second
    to_first = np.fromiter((first_seen.setdefault(w, len(first_seen)) for w in words),
                           dtype=np.int64, count=len(words))
    total = np.zeros(len(first_seen), np.int64)
    total[:len(counts)] = counts
    total[to_first] += counts2
    min_count, max_vocab, source = vocab_args
    vocab, new_id = vocabulary_and_ids(first_seen, total, min_count, max_vocab,
                                       source_name(source))
    parts = [(spool, ends, new_id), (spool2, ends2, new_id[to_first])]
    return vocab, _remap(parts, store, int(total.sum()))
