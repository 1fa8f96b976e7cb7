#!/usr/bin/env python
"""Benchmark of run.py's training: the batched path, the exact path, gensim.

Prints, each measured in a fresh process (so peak memory is that path's own):

* the default (batched) path for N iterations: seconds, seconds per
  iteration, centre words per second, peak memory;
* the exact path (``--exact``) over fewer iterations, extrapolated to N and
  labelled so;
* gensim's Word2Vec with one worker on the same corpus and settings
  (skip-gram, K = 10, window 5, d = 10, subsampling 1e-5) for the same number
  of centre words, and the ratio ours / gensim -- when gensim is importable
  (an optional extra: ``pip install gensim``);
* one iteration's time on a synthetic vocabulary of 20,000 and of 200,000
  words, and their ratio (the cost of an iteration should not grow with V).

Not run in CI: it takes a minute or two. Usage: ``python bench/bench.py``.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

WINDOWS_PER_ITERATION = 50


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def load_dataset(data):
    from utils.treebank import StanfordSentiment
    return StanfordSentiment(data)


def initial_vectors(V, d=10):
    import numpy as np
    np.random.seed(9265)
    return np.concatenate(((np.random.rand(V, d) - 0.5) / d, np.zeros((V, d))), axis=0)


def worker_train(data, iterations, exact):
    """Train as run.py does (without checkpoints or plot); returns timings."""
    import random
    import numpy as np
    import run
    from engines.batched import BatchedSkipgram
    from engines.exact import ExactSkipgram
    from sgd import sgd

    t0 = time.perf_counter()
    random.seed(314)
    dataset = load_dataset(data)
    V = len(dataset.tokens())
    random.seed(run.SEED)
    x = initial_vectors(V, run.DIM)
    if exact:
        engine = ExactSkipgram(dataset, window=run.WINDOW, K=run.K, seed=run.SEED)
    else:
        engine = BatchedSkipgram(dataset, window=run.WINDOW, K=run.K, seed=run.SEED)
    t1 = time.perf_counter()
    losses = []

    first = []

    def f(v):
        if not first:  # the exact path builds its subsampled corpus in iteration 1
            t = time.perf_counter()
            loss, grad = engine(v)
            first.append(time.perf_counter() - t)
        else:
            loss, grad = engine(v)
        losses.append(loss)
        return loss, grad

    devnull = open(os.devnull, "w")
    stdout, sys.stdout = sys.stdout, devnull  # sgd prints every 10 iterations
    try:
        x = sgd(f, x, run.STEP, iterations, PRINT_EVERY=run.PRINT_EVERY)
    finally:
        sys.stdout = stdout
    t2 = time.perf_counter()
    return {"setup": t1 - t0, "train": t2 - t1, "iterations": iterations,
            "first_iteration": first[0],
            "final_mean_loss_last_1000": float(np.mean(losses[-1000:])),
            "peak_mb": peak_mb()}


def worker_gensim(data, centre_words):
    """gensim Word2Vec, one worker, same corpus and settings, ~centre_words centre words."""
    from gensim.models import Word2Vec
    dataset = load_dataset(data)
    sentences = dataset.sentences()
    model = Word2Vec(vector_size=10, window=5, sg=1, hs=0, negative=10, sample=1e-5,
                     min_count=1, workers=1, seed=1)
    model.build_vocab(sentences)
    # One epoch tells how many centre words (words kept by subsampling) an epoch has.
    effective, _ = model.train(sentences, total_examples=len(sentences), epochs=1)
    epochs = max(1, round(centre_words / effective))
    t0 = time.perf_counter()
    effective, _ = model.train(sentences, total_examples=len(sentences), epochs=epochs)
    elapsed = time.perf_counter() - t0
    import gensim
    return {"version": gensim.__version__, "seconds": elapsed, "epochs": epochs,
            "centre_words": effective, "peak_mb": peak_mb()}


class SyntheticDataset:
    """A Zipf-distributed corpus over V words, with the StanfordSentiment interface
    the batched engine uses."""

    def __init__(self, V, n_words=1_000_000, seed=0):
        import numpy as np
        rng = np.random.default_rng(seed)
        p = 1.0 / np.arange(1, V + 1)
        ids = rng.choice(V, size=n_words, p=p / p.sum())
        ids[:V] = np.arange(V)  # every word occurs at least once
        self._words = ["w%d" % i for i in range(V)]
        lengths = rng.integers(5, 30, size=n_words // 17)
        bounds = np.minimum(np.cumsum(lengths), n_words)
        self._sentences = [[self._words[i] for i in chunk] for chunk in
                           np.split(ids, bounds[:-1]) if len(chunk)]
        self._tokens = {w: i for i, w in enumerate(self._words)}
        self._counts = np.bincount(ids, minlength=V).astype(float)
        self.tablesize = 1_000_000

    def tokens(self):
        return self._tokens

    def sentences(self):
        return self._sentences

    def token_counts(self):
        return self._counts

    def rejectProb(self):
        # No subsampling: both vocabularies then give windows of the same sizes,
        # so the two timings compare the same work.
        import numpy as np
        return np.zeros_like(self._counts)

    def sampling_probabilities(self):
        p = self._counts ** 0.75
        return p / p.sum()


def worker_scaling(V, iterations=2000):
    """Seconds per iteration of the batched engine on a synthetic vocabulary of V words."""
    from engines.batched import BatchedSkipgram
    from sgd import apply_update
    engine = BatchedSkipgram(SyntheticDataset(V), window=5, K=10, seed=1)
    x = initial_vectors(V)
    x[V:] = (x[:V] * 0.1)
    for _ in range(200):  # warm-up (and the first chunk)
        loss, grad = engine(x)
        apply_update(x, grad, 0.3)
    rows = 0
    t0 = time.perf_counter()
    for _ in range(iterations):
        loss, grad = engine(x)
        apply_update(x, grad, 0.3)
        rows += grad.rows.shape[0]
    return {"V": V, "per_iteration": (time.perf_counter() - t0) / iterations,
            "rows": rows / iterations, "matrix_mb": x.nbytes / 2 ** 20}


def run_worker(*args):
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", *map(str, args)],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError("worker %s failed:\n%s" % (args, out.stderr))
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=40000,
                        help="iterations of the default path (default %(default)s)")
    parser.add_argument("--exact-iterations", type=int, default=2000,
                        help="iterations of --exact, extrapolated (default %(default)s)")
    parser.add_argument("--data", default=os.path.join(ROOT, "utils", "datasets",
                                                       "stanfordSentimentTreebank"),
                        help="treebank folder (default: %(default)s)")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        kind, rest = args.worker[0], args.worker[1:]
        if kind == "train":
            result = worker_train(rest[0], int(rest[1]), rest[2] == "exact")
        elif kind == "gensim":
            result = worker_gensim(rest[0], int(rest[1]))
        else:
            result = worker_scaling(int(rest[0]))
        print(json.dumps(result))
        return 0

    if not os.path.isfile(os.path.join(args.data, "datasetSentences.txt")):
        print("error: no treebank in %s; run `sh get_datasets.sh` or pass --data" % args.data,
              file=sys.stderr)
        return 1

    N = args.iterations
    words = N * WINDOWS_PER_ITERATION
    print("Benchmark: %d iterations x %d windows = %d centre words; %s, %d cores"
          % (N, WINDOWS_PER_ITERATION, words, sys.version.split()[0], os.cpu_count()))

    b = run_worker("train", args.data, N, "batched")
    print("default (batched) path: %.2f s for %d iterations (+ %.2f s set-up), %.1f us per"
          " iteration, %.0f centre words/s, peak memory %.0f MB, mean loss of the last 1000"
          " iterations %.3f" % (b["train"], N, b["setup"], 1e6 * b["train"] / N,
                                words / b["train"], b["peak_mb"],
                                b["final_mean_loss_last_1000"]))

    n = args.exact_iterations
    e = run_worker("train", args.data, n, "exact")
    # Iteration 1 builds the subsampled corpus (once per run): count it once.
    per = (e["train"] - e["first_iteration"]) / (n - 1)
    print("exact path (--exact): %.2f s for %d iterations (+ %.2f s set-up; iteration 1,"
          " which builds the subsampled corpus, %.2f s), %.0f us per later iteration;"
          " EXTRAPOLATED to %d iterations: %.0f s; %.0f centre words/s, peak memory %.0f MB"
          % (e["train"], n, e["setup"], e["first_iteration"], 1e6 * per, N,
             e["first_iteration"] + per * (N - 1), WINDOWS_PER_ITERATION / per, e["peak_mb"]))

    try:
        import gensim  # noqa: F401
        have_gensim = True
    except ImportError:
        have_gensim = False
    if have_gensim:
        g = run_worker("gensim", args.data, words)
        scaled = g["seconds"] * words / g["centre_words"]
        print("gensim %s Word2Vec, 1 worker: %.2f s for %d centre words (%d epochs), %.2f s"
              " scaled to %d centre words, peak memory %.0f MB"
              % (g["version"], g["seconds"], g["centre_words"], g["epochs"], scaled, words,
                 g["peak_mb"]))
        print("ratio ours/gensim (same centre words): %.2f" % (b["train"] / scaled))
    else:
        print("gensim: not installed (pip install gensim), comparison skipped")

    small = run_worker("scaling", 20000)
    large = run_worker("scaling", 200000)
    for r in (small, large):
        print("one iteration, synthetic Zipf vocabulary of %d words (parameters %.0f MB): %.1f us,"
              " %.0f distinct rows touched, %.3f us per row"
              % (r["V"], r["matrix_mb"], 1e6 * r["per_iteration"], r["rows"],
                 1e6 * r["per_iteration"] / r["rows"]))
    print("ratio V = 200,000 / V = 20,000: %.2f per iteration (goal <= 1.2), %.2f per row touched"
          % (large["per_iteration"] / small["per_iteration"],
             (large["per_iteration"] / large["rows"]) / (small["per_iteration"] / small["rows"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
