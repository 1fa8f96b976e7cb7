"""Where the encoded corpus's int32 ids go while it is read: RAM or a memory-mapped file.

A corpus of N words is 4N bytes of ids: 190 MB for 47 million words, 12 GB
for 3 billion. Held in RAM they would make the process grow with the corpus,
so a corpus read from files is written to a file of ids as it is read
(``FileStore``, in chunks of ``CHUNK_WORDS``) and the trainer reads it
through a private memory map (``MappedCorpus``): the page cache holds the
ids, and the pages of each finished job are handed back (``release``), so
the process holds only the pages its running jobs read. Token lists given in
Python are in RAM already: their ids stay there (``MemoryStore``).

Both stores hash what they keep (SHA-256, the bytes in order), so the
corpus's fingerprint (trainer.fingerprint: ids, starts, counts, words) is
known without reading the ids again.
"""

import hashlib
import mmap
import os

import numpy as np

from w2v.training.corpus import EncodedCorpus

CHUNK_WORDS = 1 << 20       # ids gathered before a write or a remap step (4 MiB)
PAGE = mmap.PAGESIZE


class MemoryStore:
    """int32 ids kept in RAM, in the chunks written."""

    def __init__(self, hashed=True):
        self.parts, self.count = [], 0
        self.sha = hashlib.sha256() if hashed else None

    def write(self, ids):
        ids = np.ascontiguousarray(ids, dtype=np.int32)
        if self.sha is not None:
            self.sha.update(ids.view(np.uint8))
        self.parts.append(ids)
        self.count += len(ids)

    def chunks(self):
        """The ids written, in order, in chunks (each a fresh array)."""
        yield from self.parts

    def corpus(self, starts, raw_words):
        """The EncodedCorpus of the ids written."""
        ids = np.concatenate(self.parts) if self.parts else np.zeros(0, np.int32)
        self.parts = []
        return EncodedCorpus(ids, starts, raw_words)

    def discard(self):
        self.parts = []


class FileStore(MemoryStore):
    """int32 ids appended to the file ``path`` (native byte order, no header)."""

    def __init__(self, path, hashed=True):
        super().__init__(hashed)
        self.path = path
        self.file = open(path, "wb")

    def write(self, ids):
        ids = np.ascontiguousarray(ids, dtype=np.int32)
        if self.sha is not None:
            self.sha.update(ids.view(np.uint8))
        self.file.write(ids.view(np.uint8).data)
        self.count += len(ids)

    def chunks(self):
        """Read back what was written, CHUNK_WORDS ids at a time (RAM: one chunk)."""
        self.file.flush()
        words = CHUNK_WORDS
        with open(self.path, "rb") as f:
            while True:
                chunk = np.fromfile(f, dtype=np.int32, count=words)
                if not len(chunk):
                    return
                yield chunk

    def corpus(self, starts, raw_words):
        """The MappedCorpus of the ids written (the file is closed first)."""
        self.file.close()
        return MappedCorpus.open(self.path, starts, raw_words)

    def discard(self):
        """Close and delete the file (a spool, or a store abandoned on an error)."""
        self.file.close()
        if os.path.exists(self.path):
            os.remove(self.path)


class MappedCorpus(EncodedCorpus):
    """An EncodedCorpus whose ids are a file's private memory map (read, never written).

    ids -- int32 (N,), writable as numba's kernels expect; writing would copy a
           page privately, never change the file (the trainer only reads)
    """

    def __init__(self, ids, starts, raw_words, mapping):
        super().__init__(ids, starts, raw_words)
        self.mapping = mapping

    @classmethod
    def open(cls, path, starts, raw_words):
        """Map the ids file ``path`` (its length in words must be starts[-1])."""
        size = os.path.getsize(path)
        if size != 4 * int(starts[-1]):
            raise ValueError("%s holds %d bytes, not the %d ids its index expects"
                             % (path, size, int(starts[-1])))
        if size == 0:
            return cls(np.zeros(0, np.int32), starts, raw_words, None)
        with open(path, "rb") as f:
            mapping = mmap.mmap(f.fileno(), size, access=mmap.ACCESS_COPY)
        return cls(np.frombuffer(mapping, dtype=np.int32), starts, raw_words, mapping)

    def release(self, lo, hi):
        """Hand back the pages of ids lo..hi-1, after those before lo (jobs are released
        in order): they leave the process's memory and stay in the page cache.
        The page holding id lo goes too, else every job would leave one behind
        (4 KiB a job); the page holding id hi stays, for the next job. A page
        handed back too early costs only a new read: it is mapped again from
        the file, unchanged (the trainer never writes ids)."""
        if self.mapping is None or not hasattr(self.mapping, "madvise"):
            return
        first = (4 * int(lo) // PAGE) * PAGE
        last = (4 * int(hi) // PAGE) * PAGE
        if last > first:
            self.mapping.madvise(mmap.MADV_DONTNEED, first, last - first)


def fingerprint(ids_sha, starts, counts, words):
    """SHA-256 hex of (ids, starts, counts, words), given the SHA-256 object that hashed
    the ids' bytes: a checkpoint's identity of the corpus (trainer.fingerprint)."""
    h = ids_sha.copy()
    for array in (np.asarray(starts, np.int64), np.asarray(counts, dtype=np.int64)):
        h.update(np.ascontiguousarray(array).view(np.uint8))
    h.update("\n".join(words).encode("utf-8"))
    return h.hexdigest()
