#!/usr/bin/env python
"""Benchmark: ``python run.py`` against gensim, and the batched engine's scaling.

Prints figures measured in this one run, and every target with "met" or "missed":

1. ``python run.py`` (the batched path, a fresh output folder each time), whole
   process: wall time, time to its first ``iter`` line, peak memory, final
   loss; gensim's Word2Vec with 1 and 2 workers on the same work (the same
   sentences, skip-gram, K = 10, window 5, d = 10, the same number of centre
   words: 40,000 x 50), whole process and its train() alone. The runs
   alternate (ours, gensim 1, gensim 2, then the next round in another
   order) and the figures are medians over the rounds. Peak memory is the
   process's own, and (in one more run, not timed) that of the process with
   the child that writes ``vectors.txt``; the target takes the larger.
2. The batched engine's cost per centre word on synthetic Zipf corpora:
   V = 20,000 against 200,000 (should be flat) and d = 10, 100, 300 (should
   grow at most linearly).
3. ``python sentiment.py --vectors DIR`` on run.py's vectors: wall time.
4. The general trainer (train.py) against gensim: words/s at d = 10, 100, 300
   with 1 and 2 workers, cost per word against V and d, peak memory; this
   section lives in bench/bench_train.py (its docstring says what it measures).

The figures depend on the machine's load, printed at the start and the end:
run it on an idle machine. Not run by the tests (about two minutes, and about
two more for the train.py section).
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import bench_train

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

DEFAULT_DATA = os.path.join(ROOT, "utils", "datasets", "stanfordSentimentTreebank")
ITERATIONS, WINDOWS = 40000, 50   # run.py's work: 2,000,000 centre words
ENV = dict(os.environ, PYTHONUNBUFFERED="1")  # lines reach us as they are printed


class Targets:
    """Targets and whether this run meets them, printed as met / missed."""

    def __init__(self):
        self.rows = []

    def check(self, what, figure, met):
        self.rows.append((what, figure, bool(met)))
        print("  target: %s -- %s: %s" % (what, figure, "met" if met else "MISSED"))


def run_process(cmd, first_prefix=None):
    """Run cmd; (wall seconds, seconds to its first line starting with first_prefix,
    peak RSS in MiB, stdout, return code). Output is read as it is printed."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=ENV, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    first, lines = None, []
    for line in proc.stdout:
        if first is None and first_prefix and line.startswith(first_prefix):
            first = time.perf_counter() - t0
        lines.append(line)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read()
    if proc.returncode != 0:
        raise RuntimeError("%s failed (%d):\n%s" % (" ".join(cmd), proc.returncode, err))
    return wall, first, usage.ru_maxrss / 1024.0, "".join(lines), err


def tree_peak_pss(cmd, every=0.005):
    """Peak memory in MiB of cmd's process and its children together (Linux; else None).

    Proportional set sizes (PSS), so pages a forked child shares with its parent
    count once; sampled every ``every`` seconds in a run that is not timed.
    """
    if not os.path.exists("/proc/self/smaps_rollup"):
        return None
    proc = subprocess.Popen(cmd, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    peak = 0
    while proc.poll() is None:
        pids = [proc.pid] + _children(proc.pid)
        peak = max(peak, sum(_pss_kib(pid) for pid in pids))
        time.sleep(every)
    return peak / 1024.0


def _children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(c) for c in f.read().split()]
    except OSError:  # it has just ended
        return []


def _pss_kib(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            return next((int(line.split()[1]) for line in f if line.startswith("Pss:")), 0)
    except OSError:
        return 0


def run_ours(data, outdir):
    """One ``python run.py`` from scratch: its figures as a dict."""
    shutil.rmtree(outdir, ignore_errors=True)
    wall, first, peak, out, err = run_process(
        [sys.executable, "run.py", "--data", data, "--outdir", outdir, "--no-resume"], "iter ")
    last = [line for line in out.splitlines() if line.startswith("iter ")][-1]
    return {"wall": wall, "first": first, "peak": peak, "loss": float(last.split(": ")[1]),
            "compiled": "compiling" in err}


def run_gensim(data, workers, epochs):
    """One gensim process (a --worker of this script); whole-process wall time added."""
    wall, _, peak, out, _ = run_process([sys.executable, os.path.abspath(__file__), "--worker",
                                         "gensim", data, str(workers), str(epochs)])
    return dict(json.loads(out.splitlines()[-1]), wall=wall, peak=peak)


def worker_gensim(data, workers, epochs):
    """gensim Word2Vec on the treebank's sentences, as run.py's settings; epochs < 1: a
    1-epoch probe. Prints JSON: train() seconds, centre words trained (after subsampling)."""
    import gensim
    from gensim.models import Word2Vec

    from utils.treebank import StanfordSentiment
    sentences = StanfordSentiment(data).sentences()
    model = Word2Vec(vector_size=10, window=5, sg=1, hs=0, negative=10, sample=1e-5,
                     min_count=1, workers=workers, seed=1)
    model.build_vocab(sentences)
    t0 = time.perf_counter()
    effective, _ = model.train(sentences, total_examples=len(sentences),
                               epochs=max(1, epochs))
    return {"train": time.perf_counter() - t0, "centre_words": effective,
            "version": gensim.__version__}


def section_run_py(args, targets, outdir):
    """run.py against gensim (1 and 2 workers), alternating, medians."""
    words = ITERATIONS * WINDOWS
    probe = run_gensim(args.data, 1, 0)
    epochs = max(1, round(words / probe["centre_words"]))
    print("gensim %s: %d centre words per epoch after subsampling, so %d epochs for %d"
          % (probe["version"], probe["centre_words"], epochs, words))
    warm = run_ours(args.data, outdir)  # builds the kernels if this checkout has not yet
    print("warm-up run of run.py: %.2f s%s" % (warm["wall"], " (it compiled the kernels)"
                                               if warm["compiled"] else ""))
    kinds = ["ours", "gensim 1", "gensim 2"]
    runs = {k: [] for k in kinds}
    for r in range(args.rounds):
        for kind in kinds[r % 3:] + kinds[:r % 3]:  # rotate who goes first
            runs[kind].append(run_ours(args.data, outdir) if kind == "ours" else
                              run_gensim(args.data, int(kind[-1]), epochs))
    med = {k: {f: statistics.median(r[f] for r in rs) for f in rs[0]
               if isinstance(rs[0][f], (int, float))} for k, rs in runs.items()}
    ours = med["ours"]
    print("python run.py: %.2f s wall (first iter line at %.2f s), peak memory %.0f MiB,"
          " final loss %.6f" % (ours["wall"], ours["first"], ours["peak"], ours["loss"]))
    for k in kinds[1:]:
        g = med[k]
        print("gensim, %s worker%s: %.2f s wall (train() %.2f s for %d centre words),"
              " peak memory %.0f MiB" % (k[-1], "s" * (k[-1] != "1"), g["wall"], g["train"],
                                         g["centre_words"], g["peak"]))
    print("ratio run.py / gensim (whole processes): %.2f with 1 worker, %.2f with 2"
          % (ours["wall"] / med["gensim 1"]["wall"], ours["wall"] / med["gensim 2"]["wall"]))
    targets.check("run.py wall time <= 0.5x gensim with 2 workers", "%.2f x" % (
        ours["wall"] / med["gensim 2"]["wall"]), ours["wall"] <= 0.5 * med["gensim 2"]["wall"])
    targets.check("final loss <= 10", "%.6f" % ours["loss"], ours["loss"] <= 10)
    targets.check("first iter line within 0.5 s of launch", "%.2f s" % ours["first"],
                  ours["first"] <= 0.5)
    # run.py writes vectors.txt in a forked child: its memory counts too.
    shutil.rmtree(outdir, ignore_errors=True)
    tree = tree_peak_pss([sys.executable, "run.py", "--data", args.data, "--outdir", outdir,
                          "--no-resume"])
    if tree is not None:
        print("python run.py with its child process: peak memory %.0f MiB (PSS, sampled every"
              " 5 ms in a run not timed)" % tree)
    peak = max(ours["peak"], tree or 0)
    targets.check("run.py peak memory < 120 MiB", "%.0f MiB" % peak, peak < 120)


class SyntheticDataset:
    """A Zipf corpus over V words with the StanfordSentiment interface the engine uses;
    no subsampling, so every V gives windows of the same sizes (the same work)."""

    def __init__(self, V, n_words=1_000_000, seed=0):
        import numpy as np
        rng = np.random.default_rng(seed)
        p = 1.0 / np.arange(1, V + 1)
        ids = rng.choice(V, size=n_words, p=p / p.sum())
        ids[:V] = np.arange(V)  # every word occurs at least once
        words = ["w%d" % i for i in range(V)]
        bounds = np.cumsum(rng.integers(5, 30, size=n_words // 17))
        self._sentences = [[words[i] for i in piece] for piece in
                           np.split(ids, bounds[bounds < n_words]) if len(piece)]
        self._tokens = {w: i for i, w in enumerate(words)}
        self._counts = np.bincount(ids, minlength=V).astype(float)
        self.tablesize = 1_000_000

    def tokens(self):
        return self._tokens

    def sentences(self):
        return self._sentences

    def rejectProb(self):
        return self._counts * 0.0

    def sampling_probabilities(self):
        p = self._counts ** 0.75
        return p / p.sum()


def worker_scaling(V, d, iterations=3000):
    """Seconds per centre word of the batched engine as run.py runs it (train_block:
    loss, gradient and step compiled, up to ten iterations a call)."""
    import numpy as np

    from engines.batched import BatchedSkipgram
    engine = BatchedSkipgram(SyntheticDataset(V), window=5, K=10, seed=1, dim=d)
    x = np.random.default_rng(0).uniform(-0.5 / d, 0.5 / d, size=(2 * V, d))

    def train(n):
        while n:
            n -= engine.train_block(x, 0.3, min(n, 10, engine.steps_left_in_chunk())).shape[0]

    train(500)  # warm-up: the first chunk, the caches
    t0 = time.perf_counter()
    train(iterations)
    seconds = time.perf_counter() - t0
    rows = [np.unique(np.concatenate((c, V + t.ravel()))).shape[0]
            for c, t in (engine.pairs(i)[1:] for i in range(0, 500, 5))]
    return {"per_word": seconds / (iterations * WINDOWS), "rows": float(np.mean(rows))}


def section_scaling(args, targets):
    """Cost per centre word against V and d (each in a fresh process)."""
    cost = {}
    for V, d in ((20000, 10), (200000, 10), (20000, 100), (20000, 300)):
        out = run_process([sys.executable, os.path.abspath(__file__), "--worker", "scaling",
                           str(V), str(d)])[3]
        result = json.loads(out.splitlines()[-1])
        cost[V, d] = result["per_word"]
        print("batched engine, V = %d, d = %d: %.2f us per centre word (%.0f centre words/s;"
              " %.0f distinct rows per iteration)" % (V, d, 1e6 * cost[V, d], 1 / cost[V, d],
                                                      result["rows"]))
    flat = cost[200000, 10] / cost[20000, 10]
    targets.check("cost per centre word flat in V: V = 200,000 / V = 20,000 <= 1.2",
                  "%.2f" % flat, flat <= 1.2)
    growth = (cost[20000, 300] / 300) / (cost[20000, 100] / 100)
    targets.check("cost at most linear in d: (cost / d at d = 300) / (at d = 100) <= 1.2",
                  "%.2f" % growth, growth <= 1.2)


def section_sentiment(args, targets, outdir):
    """sentiment.py on run.py's vectors (issue 14: its time belongs here)."""
    if not os.path.isfile(os.path.join(ROOT, "sentiment.py")):
        print("sentiment.py: not in this checkout, skipped")
        return
    figures = os.path.join(outdir, "sentiment")
    wall = run_process([sys.executable, "sentiment.py", "--vectors", outdir, "--data",
                        args.data, "--outdir", figures])[0]
    print("python sentiment.py --vectors DIR: %.1f s wall" % wall)
    targets.check("sentiment.py under 15 s", "%.1f s" % wall, wall < 15)


SECTIONS = ("run.py", "scaling", "sentiment", "train.py")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=DEFAULT_DATA, metavar="DIR",
                        help="the treebank folder (default: %(default)s)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternating rounds of run.py and gensim (default %(default)s)")
    parser.add_argument("--only", choices=SECTIONS, nargs="+", default=SECTIONS,
                        help="run only these sections")
    bench_train.add_options(parser)
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, rest = args.worker[0], [int(a) if a.isdigit() else a for a in args.worker[1:]]
        print(json.dumps(worker_gensim(*rest) if kind == "gensim" else worker_scaling(*rest)))
        return 0
    treebank = set(args.only) - {"train.py"}       # the sections that read the treebank
    if treebank and not os.path.isfile(os.path.join(args.data, "datasetSentences.txt")):
        print("error: no treebank in %s; run `sh %s` or pass --data DIR"
              % (args.data, os.path.join(ROOT, "get_datasets.sh")), file=sys.stderr)
        return 1
    print("Benchmark on %d cores, Python %s; load average %.2f %.2f %.2f (figures are only"
          " meaningful on an idle machine)" % ((os.cpu_count(), sys.version.split()[0])
                                              + os.getloadavg()))
    targets = Targets()
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        outdir = os.path.join(scratch, "run")
        if "run.py" in args.only:
            section_run_py(args, targets, outdir)
        if "scaling" in args.only:
            section_scaling(args, targets)
        if "sentiment" in args.only and "run.py" in args.only:
            section_sentiment(args, targets, outdir)
        if "train.py" in args.only:
            bench_train.section_train(args, targets, scratch, run_process)
    print("load average at the end: %.2f %.2f %.2f" % os.getloadavg())
    missed = [what for what, _, met in targets.rows if not met]
    print("%d of %d targets met%s" % (len(targets.rows) - len(missed), len(targets.rows),
                                      "; missed: " + "; ".join(missed) if missed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
