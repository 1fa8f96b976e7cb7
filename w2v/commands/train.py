#!/usr/bin/env python
"""Train word2vec on your own text: ``python -m w2v train --corpus FILE --outdir DIR``.

Skip-gram or CBOW, with negative sampling, hierarchical softmax or full
softmax, trained as word2vec C and gensim train (subsampling, random window
sizes, alpha falling linearly, in-place updates on worker threads), by the
compiled kernels of w2v/training/kernels.py (the run itself:
training/pipeline.py; the options: training/options.py). FILE is UTF-8 text, one sentence
or document per line (``.gz`` and ``.bz2`` read directly). The assignment's
train.py adds ``--sst DIR``: the Stanford Sentiment Treebank's sentences.

DIR receives vectors.txt and vectors.bin (word2vec text and binary formats,
the input vectors v_w, as word2vec C saves them), vocab.txt (``word<TAB>count``),
wordVectors.npy ((2V, d): the v_w over the output vectors: u_w for neg and
softmax, the Huffman tree's inner nodes for hs, V - 1 of them and a zero row),
model.json (so ``w2v.load(DIR)`` gives the model), loss_curve.png, and
checkpoints/ (running the same command again resumes).
"""

import argparse
import os
import sys

from w2v.infra.checkpoint import CheckpointError, TrainingDiverged
from w2v.infra.memory import NotEnoughMemory
from w2v.infra.outdir import OutputError, OutputLock, explain
from w2v.infra.terminal import ProgressLine, StopRequest
from w2v.model import from_fitted
from w2v.training import corpus as corpora
from w2v.training import options as opts
from w2v.training.pipeline import fit

LOSS_TITLES = {"skipgram": "Skip-gram", "cbow": "CBOW", "neg": "negative sampling",
               "hs": "hierarchical softmax", "softmax": "full softmax"}
# The numeric options, each with its metavar (names, defaults, help: training/options.py).
METAVARS = {"min_count": "N", "max_vocab": "N", "max_vocab_size": "N", "sample": "T",
            "negative": "K", "ns_exponent": "X", "window": "N", "dim": "D", "epochs": "N",
            "alpha": "A", "min_alpha": "A", "seed": "S", "workers": "N", "checkpoint_every": "S"}


def _add_options(p):
    """--model, --loss, --lowercase and the numeric options, from training/options.py."""
    defaults = opts.Options()
    p.add_argument("--lowercase", action="store_true", help=opts.HELP["lowercase"])
    p.add_argument("--model", choices=opts.MODELS, default=defaults.model,
                   help=opts.HELP["model"] + " (default %(default)s)")
    p.add_argument("--loss", choices=opts.LOSSES, default=defaults.loss,
                   help=opts.HELP["loss"] + " (default %(default)s)")
    for name in ("read_vocab", "save_vocab"):
        p.add_argument("--" + name.replace("_", "-"), metavar="FILE", help=opts.HELP[name])
    for name, metavar in METAVARS.items():
        default = getattr(defaults, name)
        kind = float if isinstance(default, float) or name == "alpha" else int
        text = opts.HELP[name]
        if default is not None and "default" not in text:
            text += " (default %(default)s)"
        p.add_argument("--" + name.replace("_", "-"), type=kind, default=default,
                       metavar=metavar, help=text)


def parse_args(argv=None, treebank=None):
    """The options; ``treebank`` (a loader of the treebank's sentences) adds --sst."""
    p = argparse.ArgumentParser(
        description="Train word2vec (skip-gram or CBOW; negative sampling, hierarchical"
                    " softmax or full softmax) on text files, as word2vec C and gensim do.",
        epilog="Running the same command again resumes from the newest checkpoint in DIR.")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--corpus", metavar="FILE", nargs="+",
                     help="UTF-8 text, one sentence or document per line, words separated"
                          " by whitespace (.gz/.bz2 read directly); several files or folders"
                          " (their files, in name order) are read one after the other; -"
                          " reads standard input as it streams")
    if treebank is not None:
        src.add_argument("--sst", metavar="DIR", nargs="?", const="",
                         help="train on the Stanford Sentiment Treebank's sentences (the"
                              " folder of datasetSentences.txt; default: where"
                              " get_datasets.sh puts it)")
    p.add_argument("--outdir", required=True, metavar="DIR", help="where everything goes")
    _add_options(p)
    p.add_argument("--no-cache", dest="cache", action="store_false",
                   help="read and encode the corpus even if an earlier run kept its encoding"
                        " (%s), and keep none" % opts.HELP["cache"].split(" and reuse")[0])
    p.add_argument("--no-resume", action="store_true", help="start fresh; earlier"
                   " checkpoints are moved aside, not deleted")
    args = p.parse_args(argv)
    fields = {name: getattr(args, name) for name in opts.FIELDS}
    try:
        args.options = opts.check(opts.Options(**fields))
    except opts.OptionError as err:
        p.error(err.for_command_line())
    args.treebank = treebank
    return args


def corpus_source(args):
    """What --corpus or --sst names: a path, several paths, or the treebank's sentences."""
    if args.corpus:
        return args.corpus[0] if len(args.corpus) == 1 else list(args.corpus)
    return args.treebank(args.sst or None)


def write_outputs(outdir, model):
    """vectors.txt, vectors.bin, vocab.txt, wordVectors.npy, model.json (``w2v.load``
    reads the folder) and loss_curve.png; their paths."""
    from w2v.infra.background import Jobs
    from w2v.vectors.word2vec_format import save_word2vec_binary, save_word2vec_text
    paths = [os.path.join(outdir, name) for name in ("vectors.txt", "vectors.bin")]
    words, vectors = model.wv.index_to_key, model.wv.vectors
    # The text (a float formatted at a time: the slowest output) is written by a
    # forked child while this process writes the rest and draws the curve.
    with Jobs() as jobs:
        jobs.start(lambda: save_word2vec_text(paths[0], words, vectors))
        npy, vocab, meta = model.save(outdir)
        save_word2vec_binary(paths[1], words, vectors)
        paths += [vocab, npy, meta]
        curve = _draw_loss_curve(outdir, model)
    return paths + curve


def _draw_loss_curve(outdir, model):
    """[path of loss_curve.png], or [] when it could not be drawn (a warning says why)."""
    from w2v import plots
    o = model.options
    title = "%s + %s training loss" % (LOSS_TITLES[o.model], LOSS_TITLES[o.loss])
    curve = os.path.join(outdir, "loss_curve.png")
    drawn = plots.draw_or_warn(lambda path: plots.plot_loss_curve(
        model.loss_history, path, xlabel="epoch", title=title), curve)
    return [curve] if drawn else []


def _interrupted(signal_name, done, outdir):
    """What a stopped run says: where it was saved, or that nothing was to save."""
    if done.saved:
        return ("Interrupted (%s): checkpoint saved in %s; run the same command again to"
                " resume." % (signal_name, os.path.join(outdir, "checkpoints")))
    return ("Interrupted (%s) before the first job was trained: nothing to save; run the"
            " same command again to start." % signal_name)


def main(argv=None, treebank=None):
    """``python -m w2v train``; ``treebank`` (the assignment's) adds --sst."""
    args = parse_args(argv, treebank)
    line = ProgressLine()
    try:
        with OutputLock(args.outdir), StopRequest() as stop:
            done = fit(corpus_source(args), args.options, line, stop, args.outdir,
                       not args.no_resume)
            line.close()
            if not done.finished:
                print(_interrupted(stop.requested, done, args.outdir))
                return 130
            print("training took %.2f s" % done.seconds)
            model = from_fitted(done, args.options)
            print("Saved %s" % ", ".join(write_outputs(args.outdir, model)))
    except (corpora.CorpusError, CheckpointError, OutputError, TrainingDiverged,
            NotEnoughMemory) as err:
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
