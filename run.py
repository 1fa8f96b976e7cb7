#!/usr/bin/env python
"""Train skip-gram word vectors on the Stanford Sentiment Treebank and plot them.

``python run.py`` trains as the assignment's run.py does: 40,000 SGD
iterations of skip-gram with negative sampling (d = 10, window 5, K = 10,
step 0.3, 50 windows per iteration), checkpoints every 5,000 iterations, then
a 2-D SVD projection of some words saved as ``word_vectors.png``.

By default the iterations run on the batched engine (engines/batched.py: the
same objective, sampled with a seeded NumPy Generator; seconds instead of an
hour). ``--exact`` follows the assignment's Python ``random`` stream draw for
draw, so it prints the numbers the assignment's own code prints. Another
``--model`` or ``--loss`` runs the assignment's own per-window code.
"""

import argparse
import hashlib
import os
import random
import signal
import sys
import time

import numpy as np

import word2vec
from sgd import sgd
from utils.datafiles import MAX_FILE_BYTES
from utils.session import TrainingDiverged, TrainingSession
from utils.treebank import DEFAULT_PATH, DatasetError, StanfordSentiment, no_pair_error
from w2v.infra.checkpoint import CheckpointError
from w2v.infra.fileio import read_regular
from w2v.infra.memory import NotEnoughMemory, check_memory, need_bytes
from w2v.infra.outdir import OutputError, OutputLock, explain

# ---- config: the assignment's settings --------------------------------------
DIM = 10                 # d, the size of the word vectors
WINDOW = 5               # C, the largest window size
NEGATIVES = 10           # K, negative samples per (centre, outside) pair
STEP = 0.3               # the initial SGD step; it halves every 20,000 iterations
ITERATIONS = 40000       # SGD iterations of 50 windows each
PRINT_EVERY = 10         # an ``iter`` line every so many iterations
CHECKPOINT_EVERY = 5000  # iterations between checkpoints
VOCAB_SEED = 314         # random.seed before reading the data (the assignment's)
TRAIN_SEED = 31415       # random.seed before training; the batched engine's seed
INIT_SEED = 9265         # np.random.seed before the initial vectors
TARGET_LOSS = 10         # the handout's "cost at convergence ... around or below 10"


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="Train word2vec (skip-gram, negative sampling) on the Stanford Sentiment"
                    " Treebank, as CS224N Assignment 2 does, and save word_vectors.png.")
    p.add_argument("--iterations", type=int, default=ITERATIONS, metavar="N",
                   help="SGD iterations of 50 windows each (default %(default)s)")
    p.add_argument("--data", default=DEFAULT_PATH, metavar="DIR",
                   help="folder holding datasetSentences.txt (default: %(default)s, filled by"
                        " get_datasets.sh)")
    p.add_argument("--outdir", default=".", metavar="DIR",
                   help="where the PNG, the vectors and the checkpoints go (default: here)")
    p.add_argument("--no-resume", action="store_true",
                   help="start fresh even if the output folder holds checkpoints (they are"
                        " moved aside, not deleted)")
    p.add_argument("--exact", action="store_true",
                   help="follow the assignment's random stream draw for draw (minutes instead"
                        " of seconds) instead of the batched engine")
    p.add_argument("--checkpoint-every", type=int, default=CHECKPOINT_EVERY, metavar="N",
                   help="save a checkpoint every N iterations (default %(default)s)")
    p.add_argument("--step", type=float, default=STEP, metavar="S",
                   help="the initial SGD step; it halves every 20,000 iterations (default"
                        " %(default)s, the assignment's)")
    p.add_argument("--dim", type=int, default=DIM, metavar="D",
                   help="d, the size of the word vectors (default %(default)s)")
    p.add_argument("--window", type=int, default=WINDOW, metavar="C",
                   help="C, the largest window size (default %(default)s)")
    p.add_argument("--negatives", type=int, default=NEGATIVES, metavar="K",
                   help="K, negative samples per pair (default %(default)s)")
    p.add_argument("--loss", choices=("neg", "softmax"), default="neg",
                   help="negative sampling or the naive (full) softmax (default %(default)s;"
                        " softmax runs the assignment's per-window code: slow)")
    p.add_argument("--model", choices=("skipgram", "cbow"), default="skipgram",
                   help="skip-gram or CBOW (default %(default)s; CBOW runs the per-window"
                        " code: slow)")
    args = p.parse_args(argv)
    for name in ("iterations", "checkpoint_every", "dim", "window", "negatives"):
        if getattr(args, name) < 1:
            p.error("--%s must be at least 1" % name.replace("_", "-"))
    if not (np.isfinite(args.step) and args.step > 0):
        p.error("--step must be a positive number")
    return args


def make_config(args):
    """The run's settings, in one dict: a checkpoint resumes only the same config."""
    path = "exact" if args.exact else "batched"
    if (args.model, args.loss) != ("skipgram", "neg"):
        path = "per-window"
    return {"dim": args.dim, "window": args.window, "K": args.negatives, "step": args.step,
            "model": args.model, "loss": args.loss, "path": path, "seed": TRAIN_SEED,
            "vocab_seed": VOCAB_SEED, "init_seed": INIT_SEED}


def data_fingerprint(path):
    """SHA-256 of the sentence file: a checkpoint is only valid for the same corpus."""
    sentences = os.path.join(path, "datasetSentences.txt")
    return hashlib.sha256(read_regular(sentences, MAX_FILE_BYTES, "The sentence file")
                          ).hexdigest()


def make_engine(config, dataset):
    """f(x) for sgd: the loss and gradient of one iteration of 50 windows.

    Imported here, so each path loads only what it runs.
    """
    window, K, seed = config["window"], config["K"], config["seed"]
    if config["path"] == "batched":
        from engines.batched import BatchedSkipgram
        return BatchedSkipgram(dataset, window=window, K=K, seed=seed, dim=config["dim"])
    from engines.exact import ExactSkipgram, PerWindow
    if config["path"] == "exact":
        return ExactSkipgram(dataset, window=window, K=K, seed=seed)
    return PerWindow(dataset, window=window, K=K, seed=seed, model=config["model"],
                     loss=config["loss"])


def check_trainable(dataset, path, engine=None):
    """Raise DatasetError when the corpus has no (centre, outside) pair to train on.

    Skip-gram needs a sentence with two different words (checked before the
    engine is built: building it needs them); the batched engine's subsampled
    corpus (frequent words dropped, as word2vec does) must keep one.
    """
    sentences_file = os.path.join(path, "datasetSentences.txt")
    if engine is None and not any(len(set(s)) > 1 for s in dataset.sentences()):
        n = dataset.numSentences()
        raise DatasetError("%s: no sentence has two different words (%d sentence%s read);"
                           " skip-gram needs pairs of words to train on"
                           % (sentences_file, n, "" if n == 1 else "s"))
    if hasattr(engine, "corpus") and len(engine.corpus) == 0:
        raise DatasetError(
            "%s: the corpus is too small to train on (%d words): subsampling drops frequent"
            " words, as word2vec does, and leaves no sentence of two words"
            % (sentences_file, sum(len(s) for s in dataset.sentences())))
    if hasattr(engine, "corpus") and not engine.corpus.has_pairs():
        raise no_pair_error(sentences_file, len(engine.corpus))


def memory_need(config, V, longest, words):
    """Bytes a run holds at its peak, before anything is allocated (an upper bound).

    V -- vocabulary size; longest -- words in the longest sentence; words -- in
    the corpus. Every path: the (2V, d) float64 parameters, their start and the
    copy saved. Per iteration (50 windows, at most P = 50 min(2C, longest - 1)
    pairs of K + 1 targets): the batched engine samples two chunks of 500
    iterations ahead, (windows, 2C) context slots and (P, K + 1) targets with
    their slots; the exact path holds (P, K + 1, d) float64 rows a few times;
    the per-window code a dense (2V, d) gradient.
    """
    d, C, K = config["dim"], config["window"], config["K"]
    per_window = max(1, min(2 * C, longest - 1))
    x = need_bytes(((2 * V, d), np.float64))
    if config["path"] == "batched":
        from engines.batched import CHUNK_ITERATIONS
        windows = CHUNK_ITERATIONS * word2vec.BATCH_SIZE
        pairs = windows * per_window
        chunk = need_bytes(((windows, 2 * C), np.int32), ((windows, 2 * C), np.bool_),
                           ((pairs, 7 * (K + 2)), np.int32), ((words * 30,), np.int32))
        return 3 * x + 2 * chunk
    pairs = word2vec.BATCH_SIZE * per_window
    if config["path"] == "exact":
        return 3 * x + need_bytes(((pairs, K + 1, d), np.float64)) * 5 + pairs * (K + 1) * 40
    return 5 * x + need_bytes(((K + 1, d), np.float64)) * 4 + (K + 1) * 40


def check_run_memory(config, dataset, V):
    """Raise NotEnoughMemory when ``memory_need`` exceeds what the machine has."""
    lengths = [len(s) for s in dataset.sentences()] or [0]
    check_memory(memory_need(config, V, max(lengths), sum(lengths)),
                 "the arrays for d = %d, window %d and K = %d (the %s path, V = %s)"
                 % (config["dim"], config["window"], config["K"], config["path"],
                    "{:,}".format(V)),
                 "lower --dim, --window or --negatives")


def train(args, config):
    """Train as the assignment does; returns (wordVectors (2V, d), tokens, history)."""
    random.seed(VOCAB_SEED)
    dataset = StanfordSentiment(args.data)
    tokens = dataset.tokens()
    nWords = len(tokens)
    check_run_memory(config, dataset, nWords)

    # The exact path builds allSentences() and the sampling table lazily, inside
    # training, so their draws come after this seeding, as in the assignment.
    random.seed(TRAIN_SEED)
    np.random.seed(INIT_SEED)
    startTime = time.time()
    wordVectors = word2vec.init_vectors(nWords, config["dim"], np.random)
    check_trainable(dataset, args.data)
    engine = make_engine(config, dataset)
    check_trainable(dataset, args.data, engine)
    run_info = dict(config, vocabulary=nWords, data=data_fingerprint(args.data))
    session = TrainingSession(args.outdir, run_info, [engine], args.checkpoint_every,
                              resume=not args.no_resume, print_every=PRINT_EVERY)
    # Overflow only ever shows up as a NaN or infinite loss, which the session
    # reports itself: no RuntimeWarnings on top of that message.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if config["path"] == "batched":  # sgd's loop, ten iterations a compiled call
            from engines.block_sgd import sgd_in_blocks
            wordVectors = sgd_in_blocks(engine, wordVectors, args.step, args.iterations,
                                        PRINT_EVERY, session, args.checkpoint_every)
            engine.close()  # no sampling ahead while the outputs are written
        else:
            wordVectors = sgd(engine, wordVectors, args.step, args.iterations, None, True,
                              PRINT_EVERY=PRINT_EVERY, hooks=session)
    print("sanity check: cost at convergence should be around or below %d" % TARGET_LOSS)
    print(verdict(session.history, args.iterations))
    print("training took %d seconds" % (time.time() - startTime))
    return wordVectors, tokens, session.history


def verdict(history, iterations):
    """Whether this run meets the handout's target, in one line."""
    if not history:
        return "this run printed no loss (fewer than %d iterations)" % PRINT_EVERY
    loss = history[-1][1]
    if loss <= TARGET_LOSS:
        return "this run ends at %f after %d iterations: it meets that" % (loss, iterations)
    return ("this run ends at %f after %d iterations: not below %d yet (the assignment"
            " trains %d iterations)" % (loss, iterations, TARGET_LOSS, ITERATIONS))


def save_outputs(outdir, wordVectors, tokens, history):
    """The vectors first (the run's result), then the figures, each optional;
    vectors.txt is written by a child process meanwhile (utils/background.py)."""
    from w2v.infra.background import Jobs
    from w2v.vectors.files import save_vectors

    with Jobs() as jobs:  # vectors.txt is written in a child process, beside the figures
        saved = list(save_vectors(outdir, wordVectors, tokens, start=jobs.start))
        for path in draw_figures(outdir, wordVectors[:len(tokens)], tokens, history):
            # Listed as the assignment's run lists them: the word plot first.
            saved.insert(0 if path.endswith("word_vectors.png") else len(saved), path)
    print("Saved %s" % ", ".join(saved))


def draw_figures(outdir, centre_vectors, tokens, history):
    """word_vectors.png (of the centre vectors v_w) and loss_curve.png; the paths drawn."""
    from w2v import plots

    figures = [("word_vectors.png",
                lambda p: plots.plot_word_vectors(centre_vectors, tokens, p))]
    if history:
        figures.append(("loss_curve.png", lambda p: plots.plot_loss_curve(history, p)))
    drawn = []
    for name, draw in figures:
        path = os.path.join(outdir, name)
        if plots.draw_or_warn(draw, path):
            drawn.append(path)
    return drawn


def _sigterm_as_interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv=None):
    args = parse_args(argv)
    config = make_config(args)
    trained = False
    try:
        with OutputLock(args.outdir):
            wordVectors, tokens, history = train(args, config)
            trained = True
            save_outputs(args.outdir, wordVectors, tokens, history)
    except TrainingDiverged as err:
        print("error: %s Rerun with a smaller --step (and --no-resume, to start over)."
              % err, file=sys.stderr)
        return 1
    except (DatasetError, CheckpointError, OutputError, NotEnoughMemory) as err:
        print("error: %s" % err, file=sys.stderr)
        return 1
    except OSError as err:  # an output that cannot be written, a data file not readable
        print("error: %s%s" % (explain(err), "; the trained vectors are in the final"
              " checkpoint: run again to write the outputs" if trained else ""),
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        if trained:
            print("Interrupted while writing the outputs; training is saved: run again to"
                  " write them.", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    # SIGTERM (timeout, docker stop, schedulers) stops like Ctrl-C; training saves first.
    signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
    sys.exit(main())
