"""A trained word2vec model: ``w2v.train`` makes one, ``save`` and ``w2v.load`` keep it.

As in gensim, training is apart from querying: ``model.wv`` is a KeyedVectors
(the input vectors v_w, the words' vectors people use) and the model adds
what training needs (the output weights, the options, the loss per epoch).

A saved model is a folder: ``wordVectors.npy`` ((2V, d) float32, the v_w over
the output vectors: u_w for neg and softmax, the Huffman tree's V - 1 inner
nodes and a zero row for hs), ``vocab.txt`` (``word<TAB>count``) and
``model.json`` (the options, the loss history, each file's size and SHA-256).
Loading reads no pickle and verifies every file, as the checkpoints do.
"""

import hashlib
import json
import os

import numpy as np

from w2v.infra.fileio import atomic_write, read_regular, write_npy
from w2v.infra.terminal import ProgressLine, SilentLine, StopRequest
from w2v.training import options as opts
from w2v.vectors.keyed import KeyedVectors
from w2v.vectors.word2vec_format import save_vocab

FORMAT = "w2v model 1"
MODEL_JSON, VECTORS_NPY, VOCAB_TXT = "model.json", "wordVectors.npy", "vocab.txt"
MAX_JSON_BYTES = 1 << 24


class ModelError(ValueError):
    """A model folder that is missing, incomplete or altered; the message says which file."""


class Word2Vec:
    """A trained model.

    wv -- KeyedVectors: the V words' input vectors v_w (V, d)
    syn1 -- (V, d) the output vectors: u_w (neg, softmax) or the Huffman
            tree's inner nodes n_j (hs: V - 1 rows and a zero row)
    options -- the Options it was trained with
    loss_history -- [(epoch, mean loss per pair)], about 200 points over the run
    epochs -- [dict of EpochStats] for the epochs trained in this process
    """

    def __init__(self, wv, syn1, options, loss_history=(), epochs=()):
        self.wv, self.syn1, self.options = wv, syn1, options
        self.loss_history, self.epochs = list(loss_history), list(epochs)

    def __repr__(self):
        o = self.options
        return "Word2Vec(%d words, dim=%d, model=%r, loss=%r)" % (
            len(self.wv), o.dim, o.model, o.loss)

    def save(self, folder):
        """Write the model to ``folder`` (created if needed); returns the paths written."""
        os.makedirs(folder, exist_ok=True)
        paths = [os.path.join(folder, name) for name in (VECTORS_NPY, VOCAB_TXT, MODEL_JSON)]
        atomic_write(paths[0], lambda f: write_npy(f, [self.wv.vectors, self.syn1]))
        save_vocab(paths[1], self.wv.index_to_key, self.wv.counts)
        body = {"format": FORMAT, "options": vars(self.options),
                "loss_history": [list(map(float, h)) for h in self.loss_history],
                "files": {name: _describe(path) for name, path in
                          zip((VECTORS_NPY, VOCAB_TXT), paths)}}
        text = json.dumps(body, indent=1, allow_nan=False) + "\n"
        atomic_write(paths[2], lambda f: f.write(text.encode("utf-8")))
        return paths

    @classmethod
    def load(cls, folder, mmap=False):
        """The model saved in ``folder``; ModelError names what is wrong.

        mmap -- memory-map the vectors (read-only) instead of reading them:
                opening takes about as long as reading vocab.txt, and several
                processes share the pages. The vectors' size is checked, but
                not their SHA-256 (that would read them all); vocab.txt's is.
        """
        body = _read_json(folder)
        for name in (VECTORS_NPY, VOCAB_TXT):
            path = os.path.join(folder, name)
            recorded = body["files"][name]
            found = _describe(path, hash_it=not (mmap and name == VECTORS_NPY))
            if any(found[key] != recorded.get(key) for key in found):
                raise ModelError("%s differs from what %s recorded (size or SHA-256): the"
                                 " folder was altered; save the model again"
                                 % (path, MODEL_JSON))
        words, counts = _read_vocab(os.path.join(folder, VOCAB_TXT))
        try:
            vectors = np.load(os.path.join(folder, VECTORS_NPY), allow_pickle=False,
                              mmap_mode="r" if mmap else None)
        except (ValueError, OSError) as err:
            raise ModelError("%s is not a readable .npy file (%s)"
                             % (os.path.join(folder, VECTORS_NPY), err)) from None
        V = len(words)
        if vectors.ndim != 2 or vectors.shape[0] != 2 * V:
            raise ModelError("%s holds %s; expected (2V, d) with V = %d words"
                             % (os.path.join(folder, VECTORS_NPY), vectors.shape, V))
        try:
            options = opts.make(**body["options"])
        except (TypeError, ValueError) as err:
            raise ModelError("%s: its options are not valid (%s)"
                             % (os.path.join(folder, MODEL_JSON), err)) from None
        return cls(KeyedVectors(words, vectors[:V], counts), vectors[V:], options,
                   [tuple(h) for h in body["loss_history"]])


def _describe(path, hash_it=True):
    """{"bytes": size, "sha256": hex digest} of a file, read in blocks (without
    hash_it: only {"bytes": size}, read from the file system)."""
    digest, size = hashlib.sha256(), 0
    try:
        if not hash_it:
            return {"bytes": os.stat(path).st_size}
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
                size += len(block)
    except OSError as err:
        raise ModelError("%s cannot be read (%s); is this a folder saved by model.save?"
                         % (path, err.strerror or err)) from None
    return {"bytes": size, "sha256": digest.hexdigest()}


def _read_vocab(path):
    """(words, counts) of a model's vocab.txt, whose SHA-256 was just checked: the words
    hold no whitespace (check_words refuses it on saving), so one split parses it."""
    with open(path, encoding="utf-8") as f:
        tokens = f.read().split()
    words = tokens[0::2]
    try:
        counts = np.array(tokens[1::2], dtype=np.int64)
    except (ValueError, OverflowError):
        counts = None
    if counts is None or len(counts) != len(words) or len(set(words)) != len(words):
        raise ModelError("%s is not `word<TAB>count` lines of distinct words" % path)
    return words, counts


def _read_json(folder):
    path = os.path.join(folder, MODEL_JSON)
    try:
        body = json.loads(read_regular(path, MAX_JSON_BYTES, "the model file"))
    except FileNotFoundError:
        raise ModelError("%s not found: %s is not a saved model (its vectors alone load with"
                         " w2v.load_vectors)" % (path, folder)) from None
    except (OSError, ValueError, RecursionError) as err:
        raise ModelError("%s is not a model file (%s)" % (path, err)) from None
    if not isinstance(body, dict) or body.get("format") != FORMAT or \
            not isinstance(body.get("files"), dict) or \
            not isinstance(body.get("options"), dict) or \
            not isinstance(body.get("loss_history"), list) or \
            set(body["files"]) != {VECTORS_NPY, VOCAB_TXT}:
        raise ModelError("%s is not a %r file" % (path, FORMAT))
    return body


def train(corpus, outdir=None, *, callbacks=(), verbose=True, resume=True, **options):
    """Train word2vec on ``corpus``; returns a Word2Vec.

    corpus -- a text file's path (UTF-8, one sentence per line; .gz/.bz2), a
              list of paths, or a list of sentences, each a list of str tokens
    outdir -- optional: checkpoints go there (outdir/checkpoints), and the
              same call resumes from them (resume=False: start fresh)
    callbacks -- each called with an EpochStats (epoch, loss, words_per_second,
                 alpha, seconds) at every epoch's end
    verbose -- print the vocabulary line and a line per epoch; on a terminal a
               live progress line too
    options -- the command line's options: dim, window, negative, model
               ("skipgram" | "cbow"), loss ("neg" | "hs" | "softmax"), epochs,
               alpha, min_alpha, min_count, max_vocab, sample, ns_exponent,
               lowercase, workers, seed, checkpoint_every (see options.HELP)

    Ctrl-C stops at the next job (with outdir: after a checkpoint) and raises
    KeyboardInterrupt.
    """
    from w2v.training.pipeline import fit  # here: numba loads only when training

    o = opts.make(**options)
    line = ProgressLine() if verbose else SilentLine()
    try:
        with StopRequest() as stop:
            done = fit(corpus, o, line, stop, outdir, resume, callbacks)
    finally:
        line.close()
    if not done.finished:
        raise KeyboardInterrupt("training stopped (%s)%s" % (
            stop.requested, "; run the same call again to resume" if outdir else ""))
    return from_fitted(done, o, copy=True)


def from_fitted(done, o, copy=False):
    """The Word2Vec of a ``pipeline.Fitted`` run (copy: its own arrays, not the trainer's)."""
    V = len(done.vocab)
    vectors = np.array(done.trainer.vectors) if copy else done.trainer.vectors
    return Word2Vec(KeyedVectors(done.vocab.words, vectors[:V], done.vocab.counts),
                    vectors[V:], o, done.progress.history, done.progress.epochs)


def load(folder, mmap=False):
    """The Word2Vec saved in ``folder`` (by model.save or ``python -m w2v train``)."""
    return Word2Vec.load(folder, mmap=mmap)
