#!/usr/bin/env python
"""Train word2vec on your own text: ``python -m w2v train --corpus FILE --outdir DIR``.

Skip-gram or CBOW, with negative sampling, hierarchical softmax or full
softmax, trained as word2vec C and gensim train (subsampling, random window
sizes, alpha falling linearly, in-place updates on worker threads), by the
compiled kernels of w2v/training/kernels.py. FILE is UTF-8 text, one sentence
or document per line (``.gz`` and ``.bz2`` read directly). The assignment's
train.py adds ``--sst DIR``: the Stanford Sentiment Treebank's sentences.

DIR receives vectors.txt and vectors.bin (word2vec text and binary formats,
the input vectors v_w, as word2vec C saves them), vocab.txt (``word<TAB>count``),
wordVectors.npy ((2V, d): the v_w over the output vectors: u_w for neg and
softmax, the Huffman tree's inner nodes for hs, V - 1 of them and a zero row),
loss_curve.png, and checkpoints/ (running the same command again resumes).
"""

import argparse
import os
import sys
import threading
import time

import numpy as np

from w2v.infra.checkpoint import CheckpointError, TrainingDiverged
from w2v.infra.outdir import OutputError, OutputLock, explain
from w2v.infra.terminal import ProgressLine, StopRequest
from w2v.training import corpus as corpora
from w2v.training.huffman import build_huffman
from w2v.training.trainer import (
    Checkpoints,
    Progress,
    Settings,
    Trainer,
    fingerprint,
    init_vectors,
    sampling_tables,
    warm_up,
)

# Defaults: word2vec C's and gensim's.
MIN_COUNT = 5               # words seen fewer times are dropped
SAMPLE = 1e-3               # subsampling threshold t (0: keep every word)
NEGATIVE = 5                # K, negatives per pair
NS_EXPONENT = 0.75          # negatives drawn proportional to count ** 0.75
WINDOW = 5                  # each centre's window b is drawn from 1..WINDOW
DIM = 100                   # d
EPOCHS = 5
ALPHA = {"skipgram": 0.025, "cbow": 0.05}   # the first learning rate
MIN_ALPHA = 0.0001          # the last one
SEED = 1
CHECKPOINT_SECONDS = 60.0   # between checkpoints (and one at the end)
SOFTMAX_MAX_VOCAB = 10000   # full softmax costs O(V d) per pair: refused above this
LOSS_TITLES = {"skipgram": "Skip-gram", "cbow": "CBOW", "neg": "negative sampling",
               "hs": "hierarchical softmax", "softmax": "full softmax"}


# The numeric options: (flag, type, default, metavar, help).
NUMERIC_OPTIONS = [
    ("--min-count", int, MIN_COUNT, "N", "drop words seen fewer than N times"),
    ("--max-vocab", int, None, "N", "keep only the N most frequent words (default: all)"),
    ("--sample", float, SAMPLE, "T", "subsampling threshold of frequent words, 0 for none"),
    ("--negative", int, NEGATIVE, "K", "negatives per pair, with --loss neg"),
    ("--ns-exponent", float, NS_EXPONENT, "X", "negatives are drawn proportional to count**X"),
    ("--window", int, WINDOW, "N", "largest window; each centre's is drawn from 1..N"),
    ("--dim", int, DIM, "D", "vector size"),
    ("--epochs", int, EPOCHS, "N", "passes over the corpus"),
    ("--alpha", float, None, "A", "first learning rate (default 0.025 skip-gram, 0.05 CBOW)"),
    ("--min-alpha", float, MIN_ALPHA, "A", "last learning rate; alpha falls linearly to it"),
    ("--seed", int, SEED, "S", "random seed"),
    ("--workers", int, os.cpu_count() or 1, "N",
     "training threads (default: the cores, %(default)s); 1 worker: reproducible bit for bit"),
    ("--checkpoint-every", float, CHECKPOINT_SECONDS, "S", "seconds between checkpoints"),
]


def parse_args(argv=None, treebank=None):
    """The options; ``treebank`` (a loader of the treebank's sentences) adds --sst."""
    p = argparse.ArgumentParser(
        description="Train word2vec (skip-gram or CBOW; negative sampling, hierarchical"
                    " softmax or full softmax) on a text file, as word2vec C and gensim do.",
        epilog="Running the same command again resumes from the newest checkpoint in DIR.")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--corpus", metavar="FILE", help="UTF-8 text, one sentence or document"
                     " per line, words separated by whitespace (.gz/.bz2 read directly)")
    if treebank is not None:
        src.add_argument("--sst", metavar="DIR", nargs="?", const="",
                         help="train on the Stanford Sentiment Treebank's sentences (the"
                              " folder of datasetSentences.txt; default: where"
                              " get_datasets.sh puts it)")
    p.add_argument("--outdir", required=True, metavar="DIR", help="where everything goes")
    p.add_argument("--lowercase", action="store_true", help="lower-case the text first")
    p.add_argument("--model", choices=("skipgram", "cbow"), default="skipgram",
                   help="default %(default)s")
    p.add_argument("--loss", choices=("neg", "hs", "softmax"), default="neg",
                   help="negative sampling, hierarchical softmax or full softmax (only for"
                        " vocabularies up to %d words; default %%(default)s)"
                        % SOFTMAX_MAX_VOCAB)
    for flag, kind, default, metavar, text in NUMERIC_OPTIONS:
        if default is not None and "default" not in text:
            text += " (default %(default)s)"
        p.add_argument(flag, type=kind, default=default, metavar=metavar, help=text)
    p.add_argument("--no-resume", action="store_true", help="start fresh; earlier"
                   " checkpoints are moved aside, not deleted")
    args = p.parse_args(argv)
    check_args(p, args)
    args.treebank = treebank
    return args


def check_args(p, args):
    """Refuse settings that cannot train, saying which and why."""
    for name in ("min_count", "window", "dim", "epochs", "workers"):
        if getattr(args, name) < 1:
            p.error("--%s must be at least 1" % name.replace("_", "-"))
    if args.max_vocab is not None and args.max_vocab < 2:
        p.error("--max-vocab must be at least 2")
    if args.loss == "neg" and args.negative < 1:
        p.error("--negative must be at least 1 with --loss neg")
    if not 0 <= args.sample < 1:
        p.error("--sample must be in [0, 1), e.g. 1e-3 (0 keeps every word)")
    if not np.isfinite(args.ns_exponent):
        p.error("--ns-exponent must be a number")
    args.alpha = ALPHA[args.model] if args.alpha is None else args.alpha
    if not (0 <= args.min_alpha <= args.alpha and 0 < args.alpha < 1e3):
        p.error("need 0 <= --min-alpha <= --alpha and --alpha > 0, got %g and %g"
                % (args.min_alpha, args.alpha))
    if not args.checkpoint_every > 0:
        p.error("--checkpoint-every must be a positive number of seconds")


def load_kernels(say):
    """Load the compiled kernels (compiling them the first time: tens of seconds, once)."""
    worker = threading.Thread(target=warm_up, daemon=True)
    worker.start()
    worker.join(0.5)
    if worker.is_alive():
        say("Compiling the training kernels (once: later runs load them from the cache)...")
        worker.join()


def read_corpus(args, line):
    """(vocabulary, encoded corpus) of --corpus or --sst, with a progress line."""
    source = args.corpus if args.corpus else args.treebank(args.sst or None)

    def shown(what):
        return lambda done, total: line.show("%s %s: %.0f%%" % (what, args.corpus,
                                                                100.0 * done / max(total, 1)))
    vocab = corpora.build_vocabulary(source, args.min_count, args.max_vocab, args.lowercase,
                                     progress=shown("counting the words of"))
    if len(vocab) < 2:
        raise corpora.CorpusError("the vocabulary has %d word; word2vec needs at least 2:"
                                  " lower --min-count or use more text" % len(vocab))
    if args.loss == "softmax" and len(vocab) > SOFTMAX_MAX_VOCAB:
        raise corpora.CorpusError(
            "--loss softmax computes all %d words' scores for every pair (O(V d)); it is"
            " refused above %d words. Use --loss neg or hs, or --max-vocab %d"
            % (len(vocab), SOFTMAX_MAX_VOCAB, SOFTMAX_MAX_VOCAB))
    encoded = corpora.encode(source, vocab, args.lowercase, progress=shown("reading"))
    return vocab, encoded


def make_trainer(args, vocab, encoded):
    """The Trainer (its start: trainer.init_vectors) and the run's identity for checkpoints."""
    V = len(vocab)
    negatives = (corpora.negative_cum_table(vocab.counts, args.ns_exponent)
                 if args.loss == "neg" else None)
    tree = build_huffman(vocab.counts) if args.loss == "hs" else None
    tables = sampling_tables(corpora.keep_probabilities(vocab.counts, args.sample),
                             negatives, tree, V)
    settings = Settings(args.model, args.loss, args.dim, args.window, args.negative,
                        args.alpha, args.min_alpha, args.epochs, args.seed, args.workers)
    run_info = {k: v for k, v in vars(settings).items() if k != "workers"}
    run_info.update(sample=args.sample, ns_exponent=args.ns_exponent, min_count=args.min_count,
                    max_vocab=args.max_vocab, lowercase=args.lowercase, vocabulary=V,
                    dtype="float32", corpus=fingerprint(encoded, vocab.words, vocab.counts))
    vectors = init_vectors(V, args.dim, args.seed)
    return Trainer(settings, encoded, tables, vectors), run_info


def train(args, stop, line):
    """Train (or resume), checkpointing: (trainer, vocab, progress, finished?, seconds)."""
    load_kernels(line.print)
    vocab, encoded = read_corpus(args, line)
    line.print("Vocabulary: %d words; corpus: %d words in the vocabulary (of %d read)"
               % (len(vocab), len(encoded.ids), encoded.raw_words))
    trainer, run_info = make_trainer(args, vocab, encoded)
    progress = Progress(trainer, line)
    saves = Checkpoints(os.path.join(args.outdir, "checkpoints"), run_info, trainer, progress)
    jobs = 0
    if args.no_resume:
        moved = saves.set_aside()
        if moved:
            line.print("Starting fresh: earlier checkpoints moved to %s" % moved)
    else:
        jobs = saves.resume(warn=lambda msg: line.print("warning: " + msg))
        if jobs:
            line.print("Resuming from %s: %d of %d jobs done (%.1f%%)" % (
                saves.directory, jobs, trainer.total_jobs, 100.0 * jobs / trainer.total_jobs))
    next_save = [time.monotonic() + args.checkpoint_every]

    def pause_wanted():
        return stop.requested or time.monotonic() >= next_save[0]

    def on_pause(done):
        saves.save(done)
        next_save[0] = time.monotonic() + args.checkpoint_every
        return not stop.requested
    start = time.monotonic()
    progress.begin()
    jobs = trainer.run(jobs, progress.on_result, pause_wanted, on_pause)
    seconds = time.monotonic() - start
    saves.save(jobs)
    return trainer, vocab, progress, jobs == trainer.total_jobs, seconds


def write_outputs(outdir, trainer, vocab, progress):
    """vectors.txt, vectors.bin, vocab.txt, wordVectors.npy, loss_curve.png; their paths."""
    from w2v import plots
    from w2v.infra.fileio import atomic_write, npy_bytes
    from w2v.vectors import files as vectors_io
    V = len(vocab)
    paths = [os.path.join(outdir, name) for name in
             ("vectors.txt", "vectors.bin", "vocab.txt", "wordVectors.npy", "loss_curve.png")]
    v = trainer.vectors[:V]
    vectors_io.save_word2vec_text(paths[0], vocab.words, v)
    vectors_io.save_word2vec_binary(paths[1], vocab.words, v)
    vectors_io.save_vocab(paths[2], vocab.words, vocab.counts)
    data = npy_bytes(trainer.vectors)
    atomic_write(paths[3], lambda f: f.write(data))
    title = "%s + %s training loss" % (LOSS_TITLES[trainer.s.model], LOSS_TITLES[trainer.s.loss])
    if not plots.draw_or_warn(lambda path: plots.plot_loss_curve(
            progress.history, path, xlabel="epoch", title=title), paths[4]):
        paths.pop()
    return paths


def main(argv=None, treebank=None):
    """``python -m w2v train``; ``treebank`` (the assignment's) adds --sst."""
    args = parse_args(argv, treebank)
    line = ProgressLine()
    try:
        with OutputLock(args.outdir), StopRequest() as stop:
            trainer, vocab, progress, finished, seconds = train(args, stop, line)
            line.close()
            if not finished:
                print("Interrupted (%s): checkpoint saved in %s; run the same command again"
                      " to resume." % (stop.requested, os.path.join(args.outdir, "checkpoints")))
                return 130
            print("training took %.2f s" % seconds)
            print("Saved %s" % ", ".join(write_outputs(args.outdir, trainer, vocab, progress)))
    except (corpora.CorpusError, CheckpointError, OutputError,
            TrainingDiverged) as err:
        line.close()
        print("error: %s" % err, file=sys.stderr)
        return 1
    except OSError as err:
        line.close()
        print("error: %s" % explain(err), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        line.close()
        print("Interrupted at once (second signal): the newest checkpoint in %s is kept."
              % os.path.join(args.outdir, "checkpoints"), file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
