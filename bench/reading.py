#!/usr/bin/env python
"""Reading a corpus at least as fast as gensim (issue 23): the seconds outside
training, ours and gensim's, whole processes, and where ours go.

    python bench/reading.py [--corpus FILE] [--scales 1,10,big] [--rounds 3]
                            [--big-rounds 1] [--big-copies 85] [--gensim file,iterable]
                            [--breakdown-corpus 10x|1x|big|none] [--no-second-run]
                            [--quick] [--json FILE]

One configuration: skip-gram + neg, d = 100, window 5, 5 negatives, min-count
5, sample 1e-3, 2 workers, ONE epoch, seed 1. Corpora: wiki106.txt (the real
data's) 1x, 10x (peer_tools.repeat_corpus) and ``big``: --big-copies copies
(85: about 40M words), each copy's lines shuffled with its own fixed seed so
the file is not byte-periodic, built once in the bench cache folder
($W2V_BENCH_CACHE, else ~/.cache/w2v-bench/reading), never in the repository.

Each run is its own process, rounds alternating the order: ours is
``python -m w2v train --corpus F --outdir D`` (``--no-cache`` added when the
command has it, so that every main run reads the text); gensim 4.4 is a child
of this script doing Word2Vec(), build_vocab, train, save_word2vec_format
(binary), with corpus_file=F (``file``) or its own LineSentence (``iterable``).
Wall seconds and peak RSS (wait4's ru_maxrss) of the process; training seconds:
ours' ``training took`` line, gensim's train() call; outside = wall - training.
The table gives medians per corpus: ours against each gensim mode, outside
ours/gensim (the issue wants <= 1) and whole process gensim/ours (>= 1.5 on
the 40M-word file). "ours, second run": ours twice on one corpus (other
--outdir, no --no-cache): the second run's outside seconds, where a cached
encoded corpus would show. Under the table (bench/reading_tables.py), gensim's
outside seconds split: its imports, build_vocab, the save, the rest. The
breakdown (bench/reading_stages.py, its own process) times each stage of our
outside seconds on one corpus (--breakdown-corpus).

A file of copies keeps wiki106's vocabulary (34,602 words at min-count 5, none
dropped): the costs that grow with the number of distinct words (the dict's
size, the remap's drops) are smaller than on 40M words of real text.

A benchmark, not a test: the full run takes about 20 minutes on two cores;
``--quick`` (1x, one round, no big file) about a minute.
"""

import argparse
import importlib.metadata
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import compare_gensim as cg  # noqa: E402
import peer_tools  # noqa: E402
import reading_tables as tables  # noqa: E402

CONFIG = {"dim": 100, "window": 5, "negative": 5, "min_count": 5, "sample": 1e-3,
          "workers": 2, "epochs": 1, "seed": 1, "alpha": 0.025}
GENSIM_MODES = ("file", "iterable")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="Seconds outside training, ours and gensim's,"
                                " on wiki106 1x, 10x and a 40M-word file; and where ours go.")
    p.add_argument("--corpus", metavar="FILE", help="plain text (default: wiki106.txt where"
                   " the tests find the real data)")
    p.add_argument("--scales", default="1,10,big", help="from 1,10,...,big (default %(default)s)")
    p.add_argument("--rounds", type=int, default=3, help="rounds on 1x, 10x (default 3)")
    p.add_argument("--big-rounds", type=int, default=1, help="rounds on big (default 1)")
    p.add_argument("--big-copies", type=int, default=85, help="copies in big (default 85)")
    p.add_argument("--gensim", default="file,iterable", help="gensim's modes, or none")
    p.add_argument("--breakdown-corpus", default="10x", help="a scale, or none (default 10x)")
    p.add_argument("--no-second-run", action="store_true", help="skip 'ours, second run'")
    p.add_argument("--quick", action="store_true", help="1x, one round: a check")
    p.add_argument("--workdir", metavar="DIR", help="keep the runs' files here")
    p.add_argument("--json", metavar="FILE", help="also write every figure to FILE")
    p.add_argument("--gensim-worker", help=argparse.SUPPRESS)   # internal: one gensim run
    args = p.parse_args(argv)
    if args.quick:
        args.scales, args.rounds, args.big_rounds = "1", 1, 1
        args.breakdown_corpus = "1x" if args.breakdown_corpus == "10x" else args.breakdown_corpus
    args.scales = [s.strip() for s in args.scales.split(",") if s.strip()]
    if not args.scales or any(s != "big" and not (s.isdigit() and int(s) > 0)
                              for s in args.scales):
        raise SystemExit("error: --scales %s: give repeat factors >= 1 or big" % args.scales)
    args.gensim = [] if args.gensim == "none" else [m.strip() for m in args.gensim.split(",")]
    if set(args.gensim) - set(GENSIM_MODES):
        raise SystemExit("error: --gensim: choose from %s or none" % ",".join(GENSIM_MODES))
    args.corpus = args.corpus or peer_tools.default_corpus()
    if args.corpus is None or not os.path.isfile(args.corpus):
        raise SystemExit("error: corpus not found: %s; give --corpus FILE"
                         % (args.corpus or "wiki106.txt (looked where the tests look)"))
    return args


# ---- the corpora --------------------------------------------------------

def bench_cache():
    folder = os.path.join(peer_tools.cache_dir(), "reading")
    os.makedirs(folder, exist_ok=True)
    return folder


def shuffled_copies(path, copies, folder, seed=23):
    """``copies`` copies of ``path``'s lines, each copy in its own shuffled order (seeds
    seed, seed + 1, ...), in ``folder``; built once (the name says how), its path."""
    out = os.path.join(folder, "%dx_shuffled%d_%d_%s" % (copies, seed, os.path.getsize(path),
                                                        os.path.basename(path)))
    if os.path.isfile(out):
        return out
    with open(path, "rb") as f:
        lines = [line if line.endswith(b"\n") else line + b"\n" for line in f]
    part = out + ".part%d" % os.getpid()
    with open(part, "wb") as dst:
        for copy in range(copies):
            order = list(range(len(lines)))
            random.Random(seed + copy).shuffle(order)
            dst.writelines(lines[i] for i in order)
    os.replace(part, out)
    return out


def prepare_corpora(args, folder):
    """{scale: (path, words)}: the corpus repeated, and big; words = copies x its words."""
    base_words = count_words(args.corpus)
    corpora = {}
    for scale in args.scales:
        if scale == "big":
            path = shuffled_copies(args.corpus, args.big_copies, bench_cache())
            corpora["big"] = (path, args.big_copies * base_words)
        elif scale == "1":
            corpora["1x"] = (args.corpus, base_words)
        else:
            corpora[scale + "x"] = (peer_tools.repeat_corpus(args.corpus, int(scale), folder),
                                    int(scale) * base_words)
    return corpora


def count_words(path):
    """The words our reader reads in ``path``."""
    from w2v.training.corpus import iter_pieces
    return sum(len(p) for p in iter_pieces(path))


def warm_kernels():
    """Load (or compile, once) our kernels before any run is timed."""
    subprocess.run([sys.executable, "-c", "from w2v.training.pipeline import load_kernels;"
                    " load_kernels(print)"], cwd=cg.ROOT, check=True)


# ---- the runs -----------------------------------------------------------

def has_no_cache():
    """Whether ``python -m w2v train`` has --no-cache (the encoded corpus's cache)."""
    done = subprocess.run([sys.executable, "-m", "w2v", "train", "--help"], cwd=cg.ROOT,
                          capture_output=True, text=True)
    return "--no-cache" in done.stdout


def ours_command(corpus, outdir, cold):
    c = CONFIG
    cmd = [sys.executable, "-m", "w2v", "train", "--corpus", corpus, "--outdir", outdir,
           "--model", "skipgram", "--loss", "neg", "--dim", str(c["dim"]),
           "--window", str(c["window"]), "--negative", str(c["negative"]),
           "--min-count", str(c["min_count"]), "--sample", repr(c["sample"]),
           "--workers", str(c["workers"]), "--epochs", str(c["epochs"]),
           "--seed", str(c["seed"]), "--alpha", repr(c["alpha"])]
    return cmd + (["--no-cache"] if cold else [])


def gensim_command(corpus, outdir, mode):
    spec = dict(CONFIG, corpus=corpus, outdir=outdir, mode=mode)
    return [sys.executable, os.path.abspath(__file__), "--gensim-worker", json.dumps(spec)]


def gensim_worker(spec):
    """One gensim run: Word2Vec, build_vocab, train, save (binary); timing.json."""
    s, t0 = json.loads(spec), time.perf_counter()
    from gensim.models import Word2Vec
    from gensim.models.word2vec import LineSentence
    t1 = time.perf_counter()
    model = Word2Vec(vector_size=s["dim"], window=s["window"], min_count=s["min_count"],
                     sample=s["sample"], sg=1, hs=0, negative=s["negative"], alpha=s["alpha"],
                     min_alpha=0.0001, epochs=s["epochs"], workers=s["workers"],
                     seed=s["seed"])
    source = ({"corpus_file": s["corpus"]} if s["mode"] == "file"
              else {"corpus_iterable": LineSentence(s["corpus"])})
    model.build_vocab(**source)
    t2 = time.perf_counter()
    model.train(total_examples=model.corpus_count, total_words=model.corpus_total_words,
                epochs=s["epochs"], **source)
    t3 = time.perf_counter()
    model.wv.save_word2vec_format(os.path.join(s["outdir"], "vectors.bin"), binary=True)
    t4 = time.perf_counter()
    with open(os.path.join(s["outdir"], "timing.json"), "w") as f:
        json.dump({"train_seconds": t3 - t2, "import_seconds": t1 - t0,
                   "vocab_seconds": t2 - t1, "save_seconds": t4 - t3}, f)


def measure(cmd, outdir):
    """Run ``cmd``: {wall, train, outside, peak_mib} or {failed: why}."""
    os.makedirs(outdir, exist_ok=True)
    log = os.path.join(outdir, "log.txt")
    wall, peak, code = cg.run_measured(cmd, log)
    if code != 0:
        with open(log, errors="replace") as f:
            return {"failed": "exit %d: %s" % (code, cg._last_line(f.read()))}
    train = cg.train_seconds(outdir, log)
    if train is None:
        return {"failed": "no training time in %s" % log}
    run = {"wall": wall, "train": train, "outside": wall - train, "peak_mib": peak}
    timing = os.path.join(outdir, "timing.json")
    if os.path.isfile(timing):
        with open(timing) as f:
            run.update({k: v for k, v in json.load(f).items() if k != "train_seconds"})
    return run


def one_run(tool, corpus, folder, tag, cold=True):
    outdir = os.path.join(folder, "%s-%s" % (tool, tag))
    cmd = (ours_command(corpus, outdir, cold) if tool == "ours"
           else gensim_command(corpus, outdir, tool.split("-", 1)[1]))
    return dict(measure(cmd, outdir), tool=tool)


def run_rounds(args, corpora, folder, cold, keep):
    """Every corpus x round x tool, the order reversed every other round: the runs."""
    tools = ["ours"] + ["gensim-" + m for m in args.gensim]
    runs = []
    for label, (path, words) in corpora.items():
        rounds = args.big_rounds if label == "big" else args.rounds
        for rnd in range(1, rounds + 1):
            for tool in (tools if rnd % 2 else tools[::-1]):
                run = dict(one_run(tool, path, folder, "%s-%d" % (label, rnd), cold),
                           corpus=label, words=words, round=rnd)
                runs.append(run)
                _progress(run)
                if not keep:
                    shutil.rmtree(os.path.join(folder, "%s-%s-%d" % (tool, label, rnd)),
                                  ignore_errors=True)
    return runs


def second_run(label, path, folder, keep):
    """Ours twice on ``path`` (two --outdir, the cache left on): both runs' figures."""
    runs = []
    for n in (1, 2):
        run = dict(one_run("ours", path, folder, "again-%s-%d" % (label, n), cold=False),
                   corpus=label, round=n, tool="ours-again")
        runs.append(run)
        _progress(run)
    if not keep:
        for n in (1, 2):
            shutil.rmtree(os.path.join(folder, "ours-again-%s-%d" % (label, n)),
                          ignore_errors=True)
    return runs


def _progress(run):
    if "failed" in run:
        print("  %-5s round %d %-15s FAILED %s" % (run["corpus"], run["round"], run["tool"],
                                                  run["failed"]), flush=True)
    else:
        print("  %-5s round %d %-15s wall %7.2f s, train %7.2f s, outside %6.2f s, %5.0f MiB"
              % (run["corpus"], run["round"], run["tool"], run["wall"], run["train"],
                 run["outside"], run["peak_mib"]), flush=True)


def run_breakdown(path, label, workdir):
    """bench/reading_stages.py on ``path`` in its own process; its output, echoed."""
    cmd = [sys.executable, os.path.join(HERE, "reading_stages.py"), path, "--label", label,
           "--workdir", workdir]
    done = subprocess.run(cmd, cwd=cg.ROOT, capture_output=True, text=True)
    print(done.stdout, end="")
    if done.returncode != 0:
        print("breakdown failed (exit %d): %s" % (done.returncode,
                                                  cg._last_line(done.stderr)))


# ---- main ---------------------------------------------------------------

def _load():
    return "%.2f %.2f %.2f" % os.getloadavg()


def _version(package):
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _about(corpora, cold):
    print("load average at the start: %s (%d cores)" % (_load(), os.cpu_count()))
    print("skip-gram + neg, d=%(dim)d, window %(window)d, %(negative)d negatives, min-count"
          " %(min_count)d, sample %(sample)g, %(workers)d workers, %(epochs)d epoch" % CONFIG)
    print("ours: python -m w2v train%s; gensim %s" % (
        " --no-cache" if cold else " (no --no-cache option: nothing cached yet)",
        _version("gensim")))
    for label, (path, words) in corpora.items():
        print("  %-5s %s: %d words, %.1f MB" % (label, path, words,
                                                os.path.getsize(path) / 1e6), flush=True)


def main(argv=None):
    args = parse_args(argv)
    if args.gensim_worker:
        return gensim_worker(args.gensim_worker)
    folder = args.workdir or tempfile.mkdtemp(prefix="bench_reading_")
    os.makedirs(folder, exist_ok=True)
    try:
        corpora = prepare_corpora(args, folder)
        cold = has_no_cache()
        warm_kernels()
        _about(corpora, cold)
        runs = run_rounds(args, corpora, folder, cold, bool(args.workdir))
        tables.print_table(runs, corpora, args.gensim)
        again = []
        if not args.no_second_run:
            label = "big" if "big" in corpora else list(corpora)[-1]
            again = second_run(label, corpora[label][0], folder, bool(args.workdir))
            tables.print_second_runs(again)
        if args.breakdown_corpus != "none":
            if args.breakdown_corpus not in corpora:
                corpora.update(prepare_corpora(argparse.Namespace(
                    corpus=args.corpus, big_copies=args.big_copies,
                    scales=[args.breakdown_corpus.rstrip("x")]), folder))
            print("\nload average before the breakdown: %s" % _load(), flush=True)
            run_breakdown(corpora[args.breakdown_corpus][0], args.breakdown_corpus, folder)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(runs + again, f, indent=1)
    finally:
        if not args.workdir:
            shutil.rmtree(folder, ignore_errors=True)
    print("\nload average at the end: %s" % _load())
    return 0


if __name__ == "__main__":
    sys.exit(main())
