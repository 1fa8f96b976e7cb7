#!/usr/bin/env python
"""Where ours' seconds outside training go (issue 23), one corpus, in this process.

    python bench/reading_stages.py CORPUS [--label 10x] [--workdir DIR]

bench/reading.py runs it in its own process (fresh imports, its own memory).
The stages of ``python -m w2v train``'s outside seconds, in its order, each
timed by calling the library (skip-gram + neg, d = 100, min-count 5, one epoch):
Python's start and the imports (child processes, medians of 3), the kernels'
load, counting and encoding (halves.count_and_encode_halves), the checks, the
trainer's tables and start vectors (make_trainer), the final checkpoint and the
outputs (written from the untrained vectors with a two-point loss history).
Their sum is the outside time this predicts. Below count_and_encode, "of which"
lines split one reading: some re-implement just one step in this script (marked
"re-impl."; only for measuring), the rest are differences of library calls.
``library_stages`` holds every call into the reading code: the one function to
adapt when it changes. Then one real run (``python -m w2v train`` in a child,
PATCHED's functions wrapped by timers): the same stages inside it, and the rest
of its wall (Python's start and exit), to check the sum against.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

CONFIG = {"model": "skipgram", "loss": "neg", "dim": 100, "window": 5, "negative": 5,
          "min_count": 5, "sample": 1e-3, "workers": 2, "epochs": 1, "seed": 1}


def startup_seconds(code, times=3):
    """Median wall seconds of ``python -c code`` in a child process."""
    walls = []
    for _ in range(times):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
        walls.append(time.perf_counter() - start)
    return statistics.median(walls)


# The reading alone, in a child: its peak memory (wait4's ru_maxrss), against the imports'.
ENCODE_ALONE = ("import sys; from w2v.training.onepass import count_and_encode;"
                " count_and_encode(sys.argv[1])")
IMPORT_ALONE = "import sys; import w2v.training.onepass"


def peak_mib(code, *args):
    """Peak RSS (MiB) of ``python -c code args`` in a child process."""
    proc = subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError("python -c %r failed" % code)
    return usage.ru_maxrss / 1024.0


def timed(fn, *args):
    """(fn(*args), seconds)."""
    start = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - start


def _read_only(path, block):
    """re-impl.: the file's bytes in blocks, nothing else."""
    with open(path, "rb") as f:
        while f.read(block):
            pass


def _read_decode(path, block):
    """re-impl.: blocks decoded as UTF-8 (may split a character at a block's end:
    errors ignored, timing only)."""
    with open(path, "rb") as f:
        for data in iter(lambda: f.read(block), b""):
            data.decode("utf-8", "ignore")


def _split_blocks(blocks):
    """re-impl.: each decoded block cut into lines and words, no pieces kept."""
    words = 0
    for text in blocks:
        for segment in text.split("\n"):
            words += len(segment.split())
    return words


def _drain(pieces):
    return sum(len(p) for p in pieces)


def library_stages(path, o, workdir):
    """[(stage, seconds, how)] of reading ``path`` as the train command does, and the
    (vocab, encoded) it gives. Every call into corpus.py / onepass.py / halves.py is
    here."""
    from w2v.training import corpus, halves, onepass, textfile
    from w2v.training.idstore import FileStore, MemoryStore
    rows = []
    _, s = timed(_read_only, path, textfile.BLOCK_BYTES)
    rows.append(("  bytes read (1 MiB blocks)", s, "re-impl."))
    _, s = timed(_read_decode, path, textfile.BLOCK_BYTES)
    rows.append(("  bytes read + UTF-8 decode", s, "re-impl."))
    _, s = timed(lambda: sum(map(len, textfile.text_blocks(path))))
    rows.append(("  + cut at whitespace, carry (text_blocks)", s, "library"))
    _, s = timed(lambda: _split_blocks(textfile.text_blocks(path)))
    rows.append(("  + split into lines and words", s, "text_blocks + re-impl. split"))
    _, pieces_s = timed(lambda: _drain(corpus.iter_pieces(path)))
    rows.append(("  + pieces of <= 10,000 words (iter_pieces)", pieces_s, "library"))
    spool = MemoryStore(hashed=False)
    (first_seen, counts, ends), s = timed(onepass.count_ids, corpus.iter_pieces(path), spool)
    rows.append(("  + provisional ids: dict lookups, fromiter, counts", s,
                 "library count_ids; lookups alone = %.2f s more than iter_pieces"
                 % (s - pieces_s)))
    (vocab, new_id), s = timed(onepass.vocabulary_and_ids, first_seen, counts,
                               o.min_count, o.max_vocab, path)
    rows.append(("  vocabulary + new ids", s, "library vocabulary_and_ids"))
    _, s = timed(onepass._remap, [(spool, ends, new_id)], MemoryStore(), int(counts.sum()))
    rows.append(("  remap to the vocabulary's ids (_remap)", s, "library"))
    del spool, first_seen, ends
    (vocab, encoded), s = timed(onepass.count_and_encode, path, o.min_count, o.max_vocab,
                                False, None)
    rows.insert(0, ("count and encode in one process (count_and_encode)", s,
                    "library, in RAM"))
    stores = [FileStore(os.path.join(workdir, name), hashed=name == "ids")
              for name in ("ids", "spool")]
    (vocab, encoded), s = timed(halves.count_and_encode_halves, [path], o.min_count,
                                o.max_vocab, False, None, *stores)
    rows.insert(0, ("count and encode, as train does (count_and_encode_halves)", s,
                    "library, the whole reading: two cores when the file is large"))
    return rows, vocab, encoded


def pipeline_stages(path, workdir):
    """[(stage, seconds, how)] of everything outside training, in the train command's order."""
    # First, while this process is small: a child's ru_maxrss is at least its parent's
    # RSS at the fork (the copy it starts as counts until exec).
    memory = "count_and_encode alone in a child: peak RSS %.0f MiB (its imports alone: %.0f)" % (
        peak_mib(ENCODE_ALONE, path), peak_mib(IMPORT_ALONE))
    rows = [("python start (python -c pass)", startup_seconds("pass"), "child, median of 3"),
            ("imports (w2v.commands.train)", startup_seconds("import w2v.commands.train")
             - startup_seconds("pass"), "child, median of 3, minus the start")]
    from w2v.training import options as opts
    from w2v.training import pipeline, trainer
    compiling = trainer.kernels_need_compiling()
    _, s = timed(pipeline.load_kernels, lambda text: None)
    rows.append(("kernels' load (load_kernels)", s, "library; %s" % (
        "COMPILED (no cache yet)" if compiling else "numba's cache")))
    o = opts.check(opts.Options(**CONFIG))
    reading, vocab, encoded = library_stages(path, o, workdir)
    rows += reading
    rows += after_reading(o, vocab, encoded, path, workdir)
    return rows, "%d words read, %d distinct kept; %s" % (encoded.raw_words, len(vocab), memory)


def after_reading(o, vocab, encoded, path, workdir):
    """The checks, the trainer, the final checkpoint, the outputs: [(stage, seconds, how)]."""
    from w2v.commands.train import write_outputs
    from w2v.infra.terminal import SilentLine
    from w2v.model import from_fitted
    from w2v.training import checks, pipeline, trainer
    rows = []
    start = time.perf_counter()
    checks.check_trainable(vocab.counts, encoded, o.sample, o.epochs, path)
    checks.check_ns_exponent(vocab.words, vocab.counts, o.ns_exponent)
    rows.append(("checks (check_trainable, check_ns_exponent)", time.perf_counter() - start,
                 "library"))
    (made, run_info), s = timed(pipeline.make_trainer, o, vocab, encoded)
    rows.append(("trainer: tables, fingerprint, start vectors (make_trainer)", s, "library"))
    _, s = timed(trainer.fingerprint, encoded, vocab.words, vocab.counts)
    rows.append(("  of which the SHA-256 of the ids (fingerprint)", s, "library"))
    progress = pipeline.EpochProgress(made, SilentLine(), ())
    progress.history = [(0.5, 3.0), (1.0, 2.5)]
    saves = trainer.Checkpoints(os.path.join(workdir, "checkpoints"), run_info, made, progress)
    _, s = timed(saves.save, made.total_jobs)
    rows.append(("final checkpoint (Checkpoints.save)", s, "library"))
    model = from_fitted(pipeline.Fitted(made, vocab, progress, True, 0.0, run_info), o)
    _, s = timed(write_outputs, workdir, model)
    rows.append(("outputs: txt, bin, npy, vocab, model.json, loss plot", s, "library"))
    return rows + output_parts(model, os.path.join(workdir, "again"))


def output_parts(model, folder):
    """write_outputs' steps, re-composed and timed one by one (a second time: warm)."""
    from w2v import plots
    from w2v.vectors.word2vec_format import save_word2vec_binary, save_word2vec_text
    wv, rows = model.wv, []
    for name, step in (
            ("npy, vocab.txt, model.json (Word2Vec.save)", lambda: model.save(folder)),
            ("vectors.txt", lambda: save_word2vec_text(os.path.join(folder, "vectors.txt"),
                                                       wv.index_to_key, wv.vectors)),
            ("vectors.bin", lambda: save_word2vec_binary(os.path.join(folder, "vectors.bin"),
                                                         wv.index_to_key, wv.vectors)),
            ("loss_curve.png (matplotlib imported above)", lambda: plots.plot_loss_curve(
                model.loss_history, os.path.join(folder, "loss_curve.png")))):
        _, s = timed(step)
        rows.append(("  of which " + name, s, "write_outputs' step, re-composed"))
    return rows


def print_rows(rows, label, path, note):
    total = sum(s for name, s, _ in rows if not name.startswith(" "))
    print("\nbreakdown of ours' seconds outside training, %s (%s), in this order:"
          % (label, os.path.basename(path)))
    for name, seconds, how in rows:
        print("  %-60s %7.2f s  %s" % (name, seconds, how))
    print("  %-60s %7.2f s  (the unindented stages; compare ours' outside above)"
          % ("sum", total))
    print("  " + note)


# ---- the same stages inside one real run ---------------------------------

# The functions of ``python -m w2v train`` timed in a real run: (module, owner, name).
PATCHED = (("w2v.training.pipeline", None, "load_kernels"),
           ("w2v.training.pipeline", None, "read_corpus"),
           ("w2v.training.pipeline", None, "make_trainer"),
           ("w2v.training.trainer", "Trainer", "run"),
           ("w2v.training.trainer", "Checkpoints", "save"),
           ("w2v.commands.train", None, "write_outputs"))


def real_run_worker(corpus, outdir, out_json):
    """One ``python -m w2v train`` run in this process, PATCHED's functions timed;
    their seconds, the imports' and main()'s, to ``out_json``."""
    import importlib
    import json
    t0 = time.perf_counter()
    train = importlib.import_module("w2v.commands.train")
    seconds = {"imports": time.perf_counter() - t0}
    for module, owner, name in PATCHED:
        holder = importlib.import_module(module)
        holder = getattr(holder, owner) if owner else holder
        setattr(holder, name, _timing(getattr(holder, name), name, seconds))
    t1 = time.perf_counter()
    train.main(["--corpus", corpus, "--outdir", outdir] + [
        "--%s=%s" % (k.replace("_", "-"), v) for k, v in CONFIG.items()])
    seconds["main"] = time.perf_counter() - t1
    with open(out_json, "w") as f:
        json.dump(seconds, f)


def _timing(fn, name, seconds):
    def timed_call(*args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - start
    return timed_call


def real_run_rows(corpus, workdir):
    """[(stage, seconds, how)] of one real run: PATCHED's seconds, and the rest of
    its wall (Python's start and exit, the rest of main)."""
    import json
    out_json = os.path.join(workdir, "real_run.json")
    cmd = [sys.executable, os.path.abspath(__file__), corpus, "--real-run",
           os.path.join(workdir, "real_run"), out_json]
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    with open(out_json) as f:
        t = json.load(f)
    parts = ["imports", "load_kernels", "read_corpus", "make_trainer", "save", "write_outputs"]
    rows = [(name, t.get(name, 0.0), "timed in the run") for name in parts]
    rows.append(("main()'s rest (locks, resolve, from_fitted, prints)", t["main"] - sum(
        t.get(n, 0.0) for n in parts[1:]) - t["run"], "main() - the above - Trainer.run"))
    rows.append(("python's start and exit", wall - t["main"] - t["imports"], "wall - main()"
                 " - imports"))
    return rows, "wall %.2f s, training (Trainer.run) %.2f s, outside %.2f s" % (
        wall, t["run"], wall - t["run"])


def main(argv=None):
    p = argparse.ArgumentParser(description="Time each stage of ours' outside-training"
                                " seconds on one corpus.")
    p.add_argument("corpus")
    p.add_argument("--label", default="corpus")
    p.add_argument("--workdir", help="where the outputs go (default: a temporary folder)")
    p.add_argument("--real-run", nargs=2, metavar=("OUTDIR", "JSON"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.real_run:
        return real_run_worker(args.corpus, *args.real_run)
    with tempfile.TemporaryDirectory(prefix="reading_stages_", dir=args.workdir) as folder:
        rows, note = pipeline_stages(args.corpus, folder)
        print_rows(rows, args.label, args.corpus, note)
        rows, note = real_run_rows(args.corpus, folder)
    print("\none real run of ours, %s, its functions timed in it (%s):" % (args.label, note))
    for name, seconds, how in rows:
        print("  %-60s %7.2f s  %s" % (name, seconds, how))
    return 0


if __name__ == "__main__":
    sys.exit(main())
