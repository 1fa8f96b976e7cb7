#!/usr/bin/env python
"""Our trainer against gensim on one corpus: same settings, same evaluation.

    python bench/compare_gensim.py CORPUS [--configs sg-neg,cbow-neg,sg-hs] [--seeds 2]
                                   [--dim 100] [--epochs 5] [--workers N] [--json FILE]

For each configuration and seed, trains ``train.py`` and gensim's Word2Vec
(>= 4.3) on CORPUS with the same dimension, window, negatives, min-count,
sample, epochs, alpha and workers, one after the other (ours first for odd
seeds, gensim first for even ones, so a drift of the machine's load hits both),
each in its own process so that its peak memory (max RSS) is its own. Both
save word2vec binary vectors, which ``python -m w2v evaluate`` scores the same way:
WordSim-353 and SimLex-999 Spearman, Google analogy accuracy among the 30,000
most frequent words (with the questions covered). Prints one row per
configuration and trainer (means over the seeds) and the issue's targets:
Spearman within 0.03 of gensim's, analogy accuracy >= 0.9x, words/s >= 1x.

Words/s counts the corpus's words (all of them, as gensim's progress does)
times the epochs, over the training seconds: gensim's ``train()`` call, and
ours as train.py reports it (``training took S s``), else its whole run.
This is a benchmark, not a test: it takes minutes and its figures depend on
the machine's load.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from w2v.training.corpus import iter_pieces  # noqa: E402

CONFIGS = {"sg-neg": ("skipgram", "neg"), "cbow-neg": ("cbow", "neg"),
           "sg-hs": ("skipgram", "hs"), "cbow-hs": ("cbow", "hs")}
ALPHA = {"skipgram": 0.025, "cbow": 0.05}          # word2vec C's defaults
SHARED_BENCHMARKS = os.path.join(os.path.dirname(ROOT), "shared", "data", "benchmarks")
TRAIN_SECONDS = re.compile(r"training took ([0-9.]+) s")


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="Train train.py and gensim's Word2Vec on the same corpus with the same"
                    " settings, evaluate both with python -m w2v evaluate, and print speed, memory"
                    " and quality side by side (means over seeds).")
    p.add_argument("corpus", help="a text file, one sentence or document per line (.gz/.bz2 ok)")
    p.add_argument("--configs", default="sg-neg,cbow-neg,sg-hs",
                   help="comma-separated, from %s (default: %%(default)s)" % ", ".join(CONFIGS))
    p.add_argument("--seeds", type=int, default=2, help="seeds 1..N per configuration"
                   " (default: 2)")
    p.add_argument("--dim", type=int, default=100)
    p.add_argument("--window", type=int, default=5)
    p.add_argument("--negative", type=int, default=5)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--min-count", type=int, default=5)
    p.add_argument("--sample", type=float, default=1e-3)
    p.add_argument("--alpha", type=float, default=None,
                   help="initial learning rate (default: 0.025 skip-gram, 0.05 CBOW)")
    p.add_argument("--workers", type=int, default=os.cpu_count(),
                   help="threads for both trainers (default: the cores, %(default)s)")
    p.add_argument("--gensim-input", choices=("iterable", "file"), default="iterable",
                   help="gensim reads LineSentence (iterable) or corpus_file=CORPUS (file);"
                        " default: iterable")
    p.add_argument("--benchmarks", default=None, metavar="DIR",
                   help="the evaluation's --benchmarks (default: its own, else %s)"
                        % SHARED_BENCHMARKS)
    p.add_argument("--workdir", default=None, metavar="DIR",
                   help="keep every run's vectors and logs here (default: a temporary"
                        " folder, removed at the end)")
    p.add_argument("--json", metavar="FILE", help="also write every run's figures to FILE")
    p.add_argument("--gensim-worker", help=argparse.SUPPRESS)   # internal: one gensim run
    args = p.parse_args(argv)
    args.configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    unknown = [c for c in args.configs if c not in CONFIGS]
    if unknown:
        p.error("unknown configuration %s; choose from %s" % (unknown, ", ".join(CONFIGS)))
    return args


# ---- one gensim run (in its own process) ------------------------------------

class _Pieces:
    """A re-iterable corpus for gensim: our reader's pieces (LineSentence's, for .gz/.bz2 too)."""

    def __init__(self, path):
        self.path = path

    def __iter__(self):
        return iter_pieces(self.path)


def gensim_worker(spec):
    """Train gensim's Word2Vec as ``spec`` (JSON) says, save vectors.bin and timing.json."""
    from gensim.models import Word2Vec
    s = json.loads(spec)
    hs = s["loss"] == "hs"
    model = Word2Vec(vector_size=s["dim"], window=s["window"], min_count=s["min_count"],
                     sample=s["sample"], sg=int(s["model"] == "skipgram"), hs=int(hs),
                     negative=0 if hs else s["negative"], cbow_mean=1, alpha=s["alpha"],
                     min_alpha=0.0001, epochs=s["epochs"], workers=s["workers"],
                     seed=s["seed"])
    source = ({"corpus_file": s["corpus"]} if s["input"] == "file"
              else {"corpus_iterable": _Pieces(s["corpus"])})
    model.build_vocab(**source)
    start = time.perf_counter()
    model.train(total_examples=model.corpus_count, total_words=model.corpus_total_words,
                epochs=s["epochs"], **source)
    seconds = time.perf_counter() - start
    model.wv.save_word2vec_format(os.path.join(s["outdir"], "vectors.bin"), binary=True)
    with open(os.path.join(s["outdir"], "timing.json"), "w") as f:
        json.dump({"train_seconds": seconds}, f)


# ---- measuring ----------------------------------------------------------

def run_measured(cmd, log_path, env=None):
    """Run cmd with its output in log_path; (wall seconds, peak RSS MiB, exit code).

    The peak is wait4's ru_maxrss, which on Linux is the largest of the process
    and of every descendant it waited for (a forked writer, a worker process).
    """
    with open(log_path, "w") as log:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024.0, proc.returncode


def settings(args, model, loss, seed, outdir, **override):
    """One run's settings (a JSON-able dict) from args; ``override`` replaces any (dim=...)."""
    s = {"corpus": os.path.abspath(args.corpus), "outdir": outdir, "model": model,
         "loss": loss, "dim": args.dim, "window": args.window, "negative": args.negative,
         "epochs": args.epochs, "min_count": args.min_count, "sample": args.sample,
         "alpha": args.alpha if args.alpha is not None else ALPHA[model],
         "workers": args.workers, "seed": seed, "input": args.gensim_input}
    s.update(override)
    return s


def ours_command(s):
    return [sys.executable, os.path.join(ROOT, "train.py"), "--corpus", s["corpus"],
            "--outdir", s["outdir"], "--model", s["model"], "--loss", s["loss"],
            "--dim", str(s["dim"]), "--window", str(s["window"]),
            "--negative", str(s["negative"]), "--epochs", str(s["epochs"]),
            "--alpha", repr(s["alpha"]), "--min-count", str(s["min_count"]),
            "--sample", repr(s["sample"]), "--seed", str(s["seed"]),
            "--workers", str(s["workers"]), "--no-cache"]   # read the text every run


def gensim_command(s):
    return [sys.executable, os.path.abspath(__file__), s["corpus"],
            "--gensim-worker", json.dumps(s)]


def evaluate(vectors, args, json_path):
    """``python -m w2v evaluate``'s scores of a word2vec file, as a dict."""
    cmd = [sys.executable, "-m", "w2v", "evaluate", "--vectors", vectors,
           "--json", json_path, "--no-plot"]
    if args.benchmarks:
        cmd += ["--benchmarks", args.benchmarks]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RunFailed("evaluation failed on %s: %s"
                        % (vectors, _last_line(done.stdout + done.stderr)))
    with open(json_path) as f:
        return json.load(f)


class RunFailed(RuntimeError):
    """A trainer (or the evaluation of its vectors) failed; the message is one line."""


def one_run(trainer, s, args, corpus_words, cmd=None, env=None, score=True):
    """Train (``cmd``, default ours or gensim's by ``trainer``), evaluate the
    outdir's vectors.bin (unless not ``score``: the scores are then None), and
    return the run's figures (a flat dict)."""
    os.makedirs(s["outdir"], exist_ok=True)
    log = os.path.join(s["outdir"], "log.txt")
    if cmd is None:
        cmd = ours_command(s) if trainer == "ours" else gensim_command(s)
    wall, peak, code = run_measured(cmd, log, env)
    if code != 0:
        with open(log, errors="replace") as f:
            raise RunFailed("%s failed (exit %d): %s (--workdir DIR keeps its log)"
                            % (trainer, code, _last_line(f.read())))
    train = train_seconds(s["outdir"], log)
    scores = evaluate(os.path.join(s["outdir"], "vectors.bin"), args,
                      os.path.join(s["outdir"], "scores.json")) if score else {}
    analogy = scores.get("analogy") or {}
    return {"trainer": trainer, "model": s["model"], "loss": s["loss"], "seed": s["seed"],
            "wall_seconds": wall, "train_seconds": train,
            "words_per_second": corpus_words * s["epochs"] / (train or wall),
            "peak_mib": peak,
            "wordsim353": (scores.get("wordsim353") or {}).get("spearman"),
            "simlex999": (scores.get("simlex999") or {}).get("spearman"),
            "analogy": analogy.get("accuracy"),
            "analogy_coverage": _ratio(analogy.get("questions_used"),
                                       analogy.get("questions_total"))}


def train_seconds(outdir, log):
    """The training seconds a run reported: timing.json (a worker's), else
    train.py's ``training took S s`` line in its log; None if neither."""
    timing = os.path.join(outdir, "timing.json")
    if os.path.isfile(timing):
        with open(timing) as f:
            return json.load(f)["train_seconds"]
    with open(log, errors="replace") as f:
        found = TRAIN_SECONDS.findall(f.read())
    return float(found[-1]) if found else None


def _last_line(text):
    lines = [line.strip() for line in text.replace("\r", "\n").splitlines() if line.strip()]
    return lines[-1] if lines else "(no output)"


def _ratio(a, b):
    return a / b if a is not None and b else None


# ---- the table ----------------------------------------------------------

FIELDS = ("wall_seconds", "train_seconds", "words_per_second", "peak_mib", "wordsim353",
          "simlex999", "analogy", "analogy_coverage")


def mean_rows(runs):
    """Means over the seeds: {(config, trainer): {field: mean or None}}."""
    groups = {}
    for r in runs:
        groups.setdefault((r["config"], r["trainer"]), []).append(r)
    out = {}
    for key, rows in groups.items():
        out[key] = {}
        for field in FIELDS:
            values = [r[field] for r in rows if r[field] is not None]
            out[key][field] = sum(values) / len(values) if values else None
    return out


def _fmt(value, spec):
    return "-" if value is None else spec % value


def print_table(runs, configs):
    means = mean_rows(runs)
    print("\n%-9s %-7s %8s %8s %10s %9s %8s %8s %8s %9s"
          % ("config", "trainer", "wall s", "train s", "words/s", "peak MiB", "WS-353",
             "SimLex", "analogy", "coverage"))
    for config in configs:
        for trainer in ("ours", "gensim"):
            m = means.get((config, trainer))
            if m is None:
                continue
            print("%-9s %-7s %8s %8s %10s %9s %8s %8s %8s %9s" % (
                config, trainer, _fmt(m["wall_seconds"], "%.1f"),
                _fmt(m["train_seconds"], "%.1f"), _fmt(m["words_per_second"], "%.0f"),
                _fmt(m["peak_mib"], "%.0f"), _fmt(m["wordsim353"], "%.3f"),
                _fmt(m["simlex999"], "%.3f"), _fmt(m["analogy"], "%.3f"),
                _fmt(m["analogy_coverage"] and 100 * m["analogy_coverage"], "%.1f%%")))
    print_targets(means, configs)


def print_targets(means, configs):
    """The issue's targets, met or missed, per configuration."""
    print("\ntargets (ours vs gensim, means over seeds):")
    for config in configs:
        ours, theirs = means.get((config, "ours")), means.get((config, "gensim"))
        if ours is None or theirs is None:
            continue
        checks = []
        for field, name in (("wordsim353", "WS-353"), ("simlex999", "SimLex")):
            if ours[field] is not None and theirs[field] is not None:
                diff = ours[field] - theirs[field]
                checks.append("%s %+.3f (%s)" % (name, diff, _met(abs(diff) <= 0.03)))
        if ours["analogy"] is not None and theirs["analogy"]:
            ratio = ours["analogy"] / theirs["analogy"]
            checks.append("analogy %.2fx (%s)" % (ratio, _met(ratio >= 0.9)))
        speed = ours["words_per_second"] / theirs["words_per_second"]
        checks.append("words/s %.2fx (%s)" % (speed, _met(speed >= 1.0)))
        print("  %-9s %s" % (config, "; ".join(checks)))


def _met(ok):
    return "met" if ok else "MISSED"


# ---- main ---------------------------------------------------------------

def main(argv=None):
    args = parse_args(argv)
    if args.gensim_worker:
        return gensim_worker(args.gensim_worker)
    if not os.path.isfile(args.corpus):
        raise SystemExit("error: corpus not found: %s" % args.corpus)
    if not os.path.isfile(os.path.join(ROOT, "train.py")):
        raise SystemExit("error: %s not found: this compares it with gensim"
                         % os.path.join(ROOT, "train.py"))
    if args.benchmarks is None and os.path.isdir(SHARED_BENCHMARKS) and not os.path.isdir(
            os.path.join(ROOT, "utils", "datasets", "benchmarks")):
        args.benchmarks = SHARED_BENCHMARKS
    corpus_words = sum(len(p) for p in iter_pieces(args.corpus))
    workdir = args.workdir or tempfile.mkdtemp(prefix="compare_gensim_")
    print("corpus %s: %d words; %d workers; d=%d, window %d, %d epochs, min-count %d,"
          " sample %g" % (args.corpus, corpus_words, args.workers, args.dim, args.window,
                          args.epochs, args.min_count, args.sample), flush=True)
    runs = []
    try:
        plan = [(c, seed) for c in args.configs for seed in range(1, args.seeds + 1)]
        for n, (config, seed) in enumerate(plan, start=1):
            order = ("ours", "gensim") if seed % 2 else ("gensim", "ours")
            for trainer in order:
                s = settings(args, *CONFIGS[config], seed,
                             os.path.join(workdir, "%s-%s-%d" % (config, trainer, seed)))
                try:
                    run = dict(one_run(trainer, s, args, corpus_words), config=config)
                except RunFailed as err:
                    raise SystemExit("error: %s" % err) from None
                runs.append(run)
                print("[%d/%d] %-8s %-6s seed %d: %.1f s, %.0f words/s, %.0f MiB"
                      % (n, len(plan), config, trainer, seed, run["wall_seconds"],
                         run["words_per_second"], run["peak_mib"]), flush=True)
        print_table(runs, args.configs)
    finally:
        if args.json and runs:
            with open(args.json, "w") as f:
                json.dump(runs, f, indent=2)
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
