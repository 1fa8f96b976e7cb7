"""From the named corpus to (vocabulary, encoded corpus): counted, encoded, kept.

``encode_source`` picks the way: a vocabulary file (--read-vocab) is read,
then the text once; bounded counting (--max-vocab-size) reads the text twice;
otherwise it is counted and encoded in one reading (training/onepass.py; large
plain files on two cores, training/halves.py). Files are encoded into a file
of ids that the trainer memory-maps (training/idstore.py), kept in the cache
folder for the next run on the same files and settings
(training/corpus_cache.py), or in the run's scratch folder with ``cache`` off
or for standard input. Token lists given in Python are encoded in RAM.
"""

import os
import shutil
import stat
import tempfile

from w2v.training import corpus as corpora
from w2v.training import corpus_cache
from w2v.training.halves import count_and_encode_halves
from w2v.training.idstore import FileStore, MemoryStore, fingerprint
from w2v.training.onepass import count_and_encode, encode_into
from w2v.training.vocab_files import read_vocab_file


def _encode(source, o, say, progress, store=None, spool=None):
    """(Vocabulary, EncodedCorpus) of ``source`` with Options ``o``, its fingerprint set."""
    store = MemoryStore() if store is None else store
    if o.read_vocab is not None:
        vocab = read_vocab_file(o.read_vocab, o.min_count, o.max_vocab)
        say("Vocabulary: %d words read from %s" % (len(vocab), o.read_vocab))
        encoded = encode_into(source, vocab, o.lowercase, progress, store, spool)
    elif o.max_vocab_size is not None:  # bounded counting: then a second reading
        vocab = corpora.build_vocabulary(source, o.min_count, o.max_vocab, o.lowercase,
                                         progress, o.max_vocab_size)
        say("Vocabulary: %d distinct words pruned while counting (max_vocab_size %d)"
            % (vocab.pruned, o.max_vocab_size))
        encoded = encode_into(source, vocab, o.lowercase, progress, store, spool)
    elif isinstance(spool, FileStore):   # files: read on two cores where worth it
        paths = [source] if isinstance(source, (str, os.PathLike)) else list(source)
        vocab, encoded = count_and_encode_halves([os.fspath(p) for p in paths], o.min_count,
                                                 o.max_vocab, o.lowercase, progress, store,
                                                 spool)
    else:
        vocab, encoded = count_and_encode(source, o.min_count, o.max_vocab, o.lowercase,
                                          progress, store, spool)
    encoded.fingerprint = fingerprint(store.sha, encoded.starts, vocab.counts, vocab.words)
    return vocab, encoded


def _into_files(source, o, say, progress, folder):
    """_encode through an ids file and a spool in ``folder``."""
    return _encode(source, o, say, progress, FileStore(os.path.join(folder, "ids.i32")),
                   FileStore(os.path.join(folder, "spool.i32"), hashed=False))


def _scratch_encode(paths_source, o, say, progress, scratch):
    """Encode through files in a scratch folder, removed at once (the map stays valid)."""
    folder = tempfile.mkdtemp(prefix=".w2v-ids-", dir=scratch)
    try:
        return _into_files(paths_source, o, say, progress, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _cached_encode(source, paths, o, say, progress, scratch):
    """Reuse the cache's entry for ``paths`` and ``o``, or make it."""
    root = corpus_cache.cache_root()
    entry = os.path.join(root, corpus_cache.entry_name(paths, o))
    if os.path.isdir(entry):
        found = corpus_cache.load(entry, paths, say)
        if found is not None:
            say("Reusing the encoded corpus in %s (the files' size, time and SHA-256 are"
                " unchanged; --no-cache reads them again)" % entry)
            return found
    try:
        os.makedirs(root, exist_ok=True)
        folder = tempfile.mkdtemp(prefix=".build-%d-" % os.getpid(), dir=root)
    except OSError as err:
        say("note: the corpus cache %s cannot be written (%s); encoding without it"
            % (root, err.strerror or err))
        return _scratch_encode(source, o, say, progress, scratch)
    try:
        states = [corpus_cache.file_state(p) for p in paths]
        hashes = corpus_cache.Hashes(paths)
        vocab, encoded = _into_files(source, o, say, progress, folder)
        if [corpus_cache.file_state(p) for p in paths] != states:
            say("note: the corpus changed while it was read; its encoding is not kept")
            shutil.rmtree(folder, ignore_errors=True)
            return vocab, encoded
        corpus_cache.save(folder, vocab, encoded, states, hashes.result())
        corpus_cache.install(folder, entry)
        corpus_cache.evict(root)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return vocab, encoded


def _regular_file(path):
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def encode_source(source, o, say, progress, scratch, cache=True):
    """(Vocabulary, EncodedCorpus) of ``source`` (a path, a list of paths, or token lists,
    as sources.resolve leaves it). ``say`` prints a line; ``progress(done, total)``;
    ``scratch`` -- a folder for the ids when they are not cached."""
    if isinstance(source, (str, os.PathLike)):
        paths = [os.fspath(source)]
    elif isinstance(source, (list, tuple)) and source and \
            all(isinstance(p, (str, os.PathLike)) for p in source):
        paths = [os.fspath(p) for p in source]
    else:
        return _encode(source, o, say, progress)
    # Only regular files are kept; anything else (a missing file) is left to the
    # reader, whose error names it.
    if not cache or not all(map(_regular_file, paths + [o.read_vocab or paths[0]])):
        return _scratch_encode(source, o, say, progress, scratch)
    return _cached_encode(source, paths, o, say, progress, scratch)
