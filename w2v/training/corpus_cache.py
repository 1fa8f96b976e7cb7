"""The encoded corpus kept between runs: training again on the same text reads nothing.

Reading, counting and encoding a large corpus takes longer than an epoch of
training, and it gives the same result every time the files and the reading
settings (min_count, max_vocab, max_vocab_size, lowercase, --read-vocab) are
the same. So a run reading files keeps what it made in an entry of the cache
folder (``$W2V_CACHE_DIR``, else ``$XDG_CACHE_HOME/w2v/corpora``, else
``~/.cache/w2v/corpora``), named by a hash of the files' real paths and those
settings:

    ids.i32     the ids, int32 (4 bytes a word), memory-mapped by the trainer
    index.npz   starts (int64, the pieces) and counts (int64, the vocabulary's)
    words.txt   the vocabulary, one word a line, most frequent first
    meta.json   the format, each file's size, modification time and SHA-256,
                the words read, the corpus's fingerprint

A later run uses the entry only if every file still has the same size, time
and SHA-256 (the hash is computed again, on the second core while nothing else
runs: a second reading of the bytes, not of the words); otherwise it says what
changed and reads the files again, replacing the entry. An entry is built in
a folder of its own and renamed into place when complete, so a crash leaves
no half entry; the least recently used entries beyond MAX_ENTRIES are removed.
"""

import hashlib
import json
import os
import shutil
import threading

import numpy as np

from w2v.training.corpus import Vocabulary
from w2v.training.idstore import MappedCorpus

FORMAT = "w2v encoded corpus 1"
MAX_ENTRIES = 8
READ_BYTES = 1 << 22


def cache_root():
    """The folder of the entries (not created here)."""
    if os.environ.get("W2V_CACHE_DIR"):
        return os.environ["W2V_CACHE_DIR"]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "w2v", "corpora")


def file_sha256(path):
    """SHA-256 of the file's bytes (hashlib releases the GIL on each block)."""
    h, block = hashlib.sha256(), bytearray(READ_BYTES)
    view = memoryview(block)
    with open(path, "rb") as f:
        for n in iter(lambda: f.readinto(block), 0):
            h.update(view[:n])
    return h.hexdigest()


def file_state(path):
    """What says a file is unchanged, short of its hash: real path, size, time."""
    st = os.stat(path)
    return {"path": os.path.realpath(path), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


class Hashes(threading.Thread):
    """The files' SHA-256, computed on another thread while this one reads them."""

    def __init__(self, paths):
        super().__init__(daemon=True)
        self.paths, self.digests, self.error = list(paths), None, None
        self.start()

    def run(self):
        try:
            self.digests = [file_sha256(p) for p in self.paths]
        except OSError as err:
            self.error = err

    def result(self):
        self.join()
        if self.error is not None:
            raise self.error
        return self.digests


def entry_name(paths, o):
    """The entry's folder name: a hash of the files' real paths and the reading settings."""
    vocab_file = file_state(o.read_vocab) if o.read_vocab is not None else None
    key = {"format": FORMAT, "files": [os.path.realpath(p) for p in paths],
           "lowercase": bool(o.lowercase), "min_count": o.min_count, "max_vocab": o.max_vocab,
           "max_vocab_size": o.max_vocab_size, "read_vocab": vocab_file}
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:24]


def _changed(old, new, digests):
    """What changed in the files since the entry was made (None: nothing)."""
    if len(old) != len(new):
        return "the list of files"
    for before, now in zip(old, new):
        for field in ("size", "mtime_ns"):
            if before[field] != now[field]:
                return "%s (%s %s -> %s)" % (now["path"], field, before[field], now[field])
    for before, now, digest in zip(old, new, digests()):
        if before["sha256"] != digest:
            return "%s (its SHA-256, with the same size and time)" % now["path"]
    return None


def load(entry, paths, say):
    """(Vocabulary, MappedCorpus) of the entry if the files are unchanged, else None."""
    try:
        with open(os.path.join(entry, "meta.json"), encoding="utf-8") as f:
            meta = json.load(f)
        if meta.get("format") != FORMAT:
            return None
        changed = _changed(meta["files"], [file_state(p) for p in paths],
                           lambda: [file_sha256(p) for p in paths])
        if changed:
            say("The corpus changed since it was encoded: %s; reading it again" % changed)
            return None
        with np.load(os.path.join(entry, "index.npz")) as index:
            starts, counts = index["starts"], index["counts"]
        with open(os.path.join(entry, "words.txt"), encoding="utf-8") as f:
            words = f.read().split("\n")[:len(counts)]
        encoded = MappedCorpus.open(os.path.join(entry, "ids.i32"), starts, meta["raw_words"])
    except (OSError, ValueError, KeyError) as err:
        say("The cached encoded corpus %s cannot be used (%s); reading the corpus again"
            % (entry, err))
        return None
    vocab = Vocabulary(words, counts, meta["raw_words"])
    vocab.pruned = meta.get("pruned", 0)
    encoded.fingerprint = meta["fingerprint"]
    os.utime(os.path.join(entry, "meta.json"))      # recently used
    return vocab, encoded


def save(folder, vocab, encoded, states, digests):
    """Write an entry's index, words and meta.json into ``folder`` (ids.i32 is there)."""
    np.savez(os.path.join(folder, "index.npz"), starts=encoded.starts, counts=vocab.counts)
    with open(os.path.join(folder, "words.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(vocab.words))
    files = [dict(state, sha256=digest) for state, digest in zip(states, digests)]
    meta = {"format": FORMAT, "files": files, "raw_words": encoded.raw_words,
            "words": len(encoded.ids), "pruned": vocab.pruned,
            "fingerprint": encoded.fingerprint}
    with open(os.path.join(folder, "meta.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=1)


def install(folder, entry):
    """Rename the complete ``folder`` to ``entry`` (replacing an older one); True if done.
    Another run that installed the same entry first wins: ``folder`` is then removed."""
    if os.path.isdir(entry):
        trash = folder + ".old"
        os.rename(entry, trash)
        shutil.rmtree(trash, ignore_errors=True)
    try:
        os.rename(folder, entry)
        return True
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        return False


def evict(root, keep=MAX_ENTRIES):
    """Remove the least recently used entries beyond ``keep``; and build folders whose
    process is gone (a crashed run's)."""
    names = os.listdir(root) if os.path.isdir(root) else []
    for name in names:
        if name.startswith(".build-") and not _alive(name.split("-")[1]):
            shutil.rmtree(os.path.join(root, name), ignore_errors=True)
    entries = [os.path.join(root, n) for n in names if not n.startswith(".")]
    entries.sort(key=_last_used, reverse=True)
    for entry in entries[keep:]:
        shutil.rmtree(entry, ignore_errors=True)


def _last_used(entry):
    try:
        return os.path.getmtime(os.path.join(entry, "meta.json"))
    except OSError:
        return 0.0


def _alive(pid):
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True
