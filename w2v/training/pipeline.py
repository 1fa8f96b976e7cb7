"""From a corpus to trained vectors: count, encode, train, checkpoint.

``fit(source, options)`` is the whole run that ``python -m w2v train`` and
``w2v.train`` share: the vocabulary and the encoded corpus (training/corpus.py),
the trainer's tables and start (training/trainer.py), then the jobs on worker
threads, with checkpoints and resume when the run has a folder.
"""

import os
import tempfile
import time
from dataclasses import asdict, dataclass

from w2v.infra.memory import give_back_large_blocks
from w2v.infra.outdir import OutputError
from w2v.training import checks, sources
from w2v.training import corpus as corpora
from w2v.training import options as opts
from w2v.training.huffman import build_huffman
from w2v.training.reading import encode_source
from w2v.training.trainer import (Checkpoints, Progress, Settings, Trainer, fingerprint,
                                  init_vectors, kernels_need_compiling, sampling_tables,
                                  warm_up)
from w2v.training.vocab_files import save_vocab_file


@dataclass
class EpochStats:
    """What a callback receives at the end of each epoch."""

    epoch: int              # 1-based
    epochs: int
    loss: float             # mean loss per trained pair over the epoch (nan: none)
    words_per_second: float
    alpha: float            # the learning rate reached
    seconds: float          # since the run (or its resume) started


@dataclass
class Fitted:
    """A finished (or stopped) run: the trainer holds the (2V, d) vectors."""

    trainer: Trainer
    vocab: corpora.Vocabulary
    progress: Progress
    finished: bool
    seconds: float
    run_info: dict
    saved: int = None       # the jobs done at the newest checkpoint written (None: none)


class EpochProgress(Progress):
    """The trainer's progress, and ``callbacks(EpochStats)`` at each epoch's end."""

    def __init__(self, trainer, line, callbacks):
        super().__init__(trainer, line)
        self.callbacks, self.epochs = list(callbacks), []

    def epoch_line(self, epoch, rate):
        loss = self.epoch_loss[0] / self.epoch_loss[1] if self.epoch_loss[1] else float("nan")
        words = self.t.words_done(epoch * self.t.jobs_per_epoch)
        stats = EpochStats(epoch, self.t.s.epochs, float(loss), float(rate), self.t.alpha(words),
                           time.monotonic() - self.start_time)
        super().epoch_line(epoch, rate)
        self.epochs.append(asdict(stats))
        for callback in self.callbacks:
            callback(stats)


def load_kernels(say):
    """Load the compiled kernels: built ahead of time the first time (half a minute,
    once), imported without numba later (w2v.training.compiled)."""
    if kernels_need_compiling():
        say("Compiling the training kernels (once: later runs load the built module)...")
    warm_up(say=say)


def read_corpus(source, o, line, scratch=None, cache=None):
    """(vocabulary, encoded corpus) of ``source``, with a progress line (training/reading.py);
    ``cache`` -- keep and reuse the encoding (default: o.cache)."""
    name = corpora.source_name(source)
    give_back_large_blocks()    # the reader's chunks are not kept for the whole run

    def shown(done, total):
        line.show("reading %s: %.0f%%" % (name, 100.0 * done / total) if total > 0 else
                  "reading %s: %.0f MB" % (name, done / 1e6))
    vocab, encoded = encode_source(source, o, line.print, shown,
                                   scratch or tempfile.gettempdir(),
                                   o.cache if cache is None else cache)
    if o.save_vocab is not None:
        line.print("Saved the vocabulary to %s" % save_vocab_file(o.save_vocab, vocab))
    if len(vocab) < 2:
        raise corpora.CorpusError("the vocabulary of %s has %d word; word2vec needs at least"
                                  " 2: lower min_count or use more text" % (name, len(vocab)))
    if o.loss == "softmax" and len(vocab) > opts.SOFTMAX_MAX_VOCAB:
        raise corpora.CorpusError(
            "loss softmax computes all %d words' scores for every pair (O(V d)); it is"
            " refused above %d words. Use --loss neg or hs, or --max-vocab %d"
            % (len(vocab), opts.SOFTMAX_MAX_VOCAB, opts.SOFTMAX_MAX_VOCAB))
    checks.check_trainable(vocab.counts, encoded, o.sample, o.epochs, name)
    if o.loss == "neg":
        checks.check_ns_exponent(vocab.words, vocab.counts, o.ns_exponent)
    return vocab, encoded


def make_trainer(o, vocab, encoded):
    """The Trainer (its start: trainer.init_vectors) and the run's identity for checkpoints."""
    V = len(vocab)
    negatives = (corpora.negative_cum_table(vocab.counts, o.ns_exponent)
                 if o.loss == "neg" else None)
    tree = build_huffman(vocab.counts) if o.loss == "hs" else None
    tables = sampling_tables(corpora.keep_probabilities(vocab.counts, o.sample),
                             negatives, tree, V)
    settings = Settings(o.model, o.loss, o.dim, o.window, o.negative,
                        o.alpha, o.min_alpha, o.epochs, o.seed, o.workers)
    run_info = {k: v for k, v in vars(settings).items() if k != "workers"}
    run_info.update(sample=o.sample, ns_exponent=o.ns_exponent, min_count=o.min_count,
                    max_vocab=o.max_vocab, lowercase=o.lowercase, vocabulary=V,
                    dtype="float32", corpus=encoded.fingerprint or
                    fingerprint(encoded, vocab.words, vocab.counts))
    if tree is not None:
        # Before 709ecc2 the tree was word2vec C's: its inner nodes are other rows.
        run_info["huffman_tree"] = "gensim"
    vectors = init_vectors(V, o.dim, o.seed)
    return Trainer(settings, encoded, tables, vectors), run_info


def check_outputs(outdir, source, o):
    """OutputError unless every input (the corpus files, --read-vocab) is apart from
    what the run writes in ``outdir`` (its outputs, checkpoints/, --save-vocab)."""
    if isinstance(source, (str, os.PathLike)):
        inputs = [("--corpus", source)]
    elif source and isinstance(source[0], (str, os.PathLike)):
        inputs = [("--corpus", path) for path in source]
    else:
        inputs = []  # token lists
    inputs = [(option, path) for option, path in inputs if os.fspath(path) != sources.STDIN]
    if o.read_vocab is not None:
        inputs.append(("--read-vocab", o.read_vocab))
    try:
        for option, path in inputs:
            checks.check_outputs_not_inputs(outdir, {option: path})
            if o.save_vocab is not None and \
                    os.path.realpath(path) == os.path.realpath(o.save_vocab):
                raise ValueError("--save-vocab %s would overwrite the input %s: choose"
                                 " another file" % (o.save_vocab, path))
    except ValueError as err:
        raise OutputError(str(err)) from None


def _checkpoints(outdir, run_info, trainer, progress, resume, line):
    """The run's Checkpoints in outdir/checkpoints, resumed or set aside; (saves, jobs done)."""
    saves = Checkpoints(os.path.join(outdir, "checkpoints"), run_info, trainer, progress)
    if not resume:
        moved = saves.set_aside()
        if moved:
            line.print("Starting fresh: earlier checkpoints moved to %s" % moved)
        return saves, 0
    jobs = saves.resume(warn=lambda msg: line.print("warning: " + msg))
    if jobs:
        line.print("Resuming from %s: %d of %d jobs done (%.1f%%)" % (
            saves.directory, jobs, trainer.total_jobs, 100.0 * jobs / trainer.total_jobs))
    return saves, jobs


def fit(source, o, line, stop=None, outdir=None, resume=True, callbacks=()):
    """Train on ``source`` with Options ``o``: a Fitted.

    source -- a path, a folder, ``-`` (standard input), a list of those, or a
              list of token lists (training/sources.py)
    line -- a ProgressLine for the messages and the live line
    stop -- a StopRequest (or anything with ``requested``): checked between jobs
    outdir -- checkpoints go to outdir/checkpoints every o.checkpoint_every
              seconds and at the end, and a run resumes from them (unless
              ``resume`` is False: they are moved aside); None: no checkpoints
    callbacks -- each called with an EpochStats at every epoch's end
    """
    load_kernels(line.print)
    # Standard input is read once, as it streams (copied to a file first only for
    # bounded counting, which reads the text twice), and never kept in the cache.
    cache = o.cache and not sources.reads_stdin(source)
    with tempfile.TemporaryDirectory(prefix="w2v-") as spool:
        source = sources.resolve(source, outdir or spool,
                                 readings=2 if o.max_vocab_size is not None else 1)
        if outdir is not None:
            check_outputs(outdir, source, o)
        vocab, encoded = read_corpus(source, o, line, outdir or spool, cache)
    line.print("Vocabulary: %d words; corpus: %d words in the vocabulary (of %d read)"
               % (len(vocab), len(encoded.ids), encoded.raw_words))
    trainer, run_info = make_trainer(o, vocab, encoded)
    progress = EpochProgress(trainer, line, callbacks)
    saves, jobs = (_checkpoints(outdir, run_info, trainer, progress, resume, line)
                   if outdir is not None else (None, 0))
    next_save = [time.monotonic() + o.checkpoint_every]

    def pause_wanted():
        return bool(stop and stop.requested) or (
            saves is not None and time.monotonic() >= next_save[0])

    def on_pause(done):
        if saves is not None:
            saves.save(done)
        next_save[0] = time.monotonic() + o.checkpoint_every
        return not (stop and stop.requested)
    def on_result(job, totals):
        progress.on_result(job, totals)
        if hasattr(encoded, "release"):     # a job's ids leave the process once used
            j = job % trainer.jobs_per_epoch
            encoded.release(trainer.words_before[j], trainer.words_before[j + 1])
    start = time.monotonic()
    progress.begin()
    jobs = trainer.run(jobs, on_result, pause_wanted, on_pause)
    seconds = time.monotonic() - start
    if saves is not None:
        saves.save(jobs)
    return Fitted(trainer, vocab, progress, jobs == trainer.total_jobs, seconds, run_info,
                  saves.last_saved if saves is not None else None)
