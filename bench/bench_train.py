#!/usr/bin/env python
"""Benchmark section "train.py" of bench/bench.py: the general trainer against gensim.

1. Words per second of skip-gram + negative sampling (window 5, K = 5,
   min_count 5, sample 1e-3, alpha 0.025 -> 0.0001) at d = 10, 100, 300 with
   1 and 2 workers, ours (w2v.training.trainer.Trainer, in process, the kernels
   compiled or loaded beforehand) against gensim's Word2Vec (in process), on
   the same corpus, alternating, medians over the rounds. Only training is
   timed: Trainer.run against gensim's train(), both after the vocabulary,
   the tables and the initial vectors are built.
   words/s = corpus words in the vocabulary (before subsampling; word2vec C's
   train_words, what train.py's progress line counts) x epochs / training
   seconds, the same numerator for both, so a ratio is a ratio of times.
2. Cost per corpus word against the vocabulary size: synthetic Zipf corpora
   with V = 20,000 and 200,000 words, d = 100, 1 worker, no subsampling (so
   both do the same work per word), CPU seconds, medians.
3. Peak memory and wall time of a whole ``python train.py`` run against a
   gensim script doing the same (read, train, save), d = 100, 2 workers.

Run through bench/bench.py (``--only train.py``); ``python bench/bench_train.py
--gensim-run ...`` is the gensim script of 3.
"""

import argparse
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

DEFAULT_CORPUS = os.path.join(os.path.dirname(ROOT), "shared", "data", "corpora",
                              "wiki106.txt")
DIMS, WORKERS = (10, 100, 300), (1, 2)
SETTINGS = dict(window=5, negative=5, min_count=5, sample=1e-3, alpha=0.025,
                min_alpha=0.0001)
ZIPF_WORDS = 1_000_000


def add_options(parser):
    """This section's options of bench/bench.py."""
    parser.add_argument("--corpus", default=DEFAULT_CORPUS, metavar="FILE",
                        help="text for the train.py section (default: %(default)s)")
    parser.add_argument("--train-rounds", type=int, default=3, metavar="N",
                        help="alternating rounds of ours and gensim in the train.py"
                             " section (default %(default)s)")
    parser.add_argument("--train-epochs", type=int, default=3, metavar="N",
                        help="epochs per timed training in the train.py section"
                             " (default %(default)s)")


def prepare_ours(source, sample, min_count):
    """(encoded corpus, sampling tables) as train.py builds them, for --loss neg."""
    from w2v.training import corpus as corpora
    from w2v.training.trainer import sampling_tables
    vocab = corpora.build_vocabulary(source, min_count)
    encoded = corpora.encode(source, vocab)
    tables = sampling_tables(corpora.keep_probabilities(vocab.counts, sample),
                             corpora.negative_cum_table(vocab.counts), None, len(vocab))
    return encoded, tables


def train_ours(encoded, tables, d, workers, epochs, seed):
    """Seconds (wall, CPU) of one Trainer.run: skip-gram, negative sampling."""
    from w2v.training.trainer import Settings, Trainer, init_vectors
    s = SETTINGS
    settings = Settings("skipgram", "neg", d, s["window"], s["negative"], s["alpha"],
                        s["min_alpha"], epochs, seed, workers)
    V = len(tables[0])                  # tables[0]: the keep-probabilities, (V,)
    trainer = Trainer(settings, encoded, tables, init_vectors(V, d, seed))
    wall, cpu = time.perf_counter(), time.process_time()
    trainer.run(0, lambda job, totals: None, lambda: False, lambda jobs: True)
    return time.perf_counter() - wall, time.process_time() - cpu


def train_gensim(sentences, d, workers, epochs, seed, **overrides):
    """(wall, CPU seconds, words trained after subsampling) of one gensim train();
    overrides: SETTINGS' keys with other values."""
    from gensim.models import Word2Vec
    s = dict(SETTINGS, **overrides)
    model = Word2Vec(vector_size=d, sg=1, hs=0, negative=s["negative"], window=s["window"],
                     min_count=s["min_count"], sample=s["sample"], alpha=s["alpha"],
                     min_alpha=s["min_alpha"], workers=workers, epochs=epochs, seed=seed)
    model.build_vocab(sentences)
    wall, cpu = time.perf_counter(), time.process_time()
    effective, _ = model.train(sentences, total_examples=model.corpus_count, epochs=epochs)
    return time.perf_counter() - wall, time.process_time() - cpu, effective


def measure_speeds(corpus, rounds, epochs):
    """{(d, workers): {"ours": [s...], "gensim": [s...]}} training seconds, alternating,
    and (in-vocabulary words, words gensim kept after subsampling) per epoch."""
    from gensim.models.word2vec import LineSentence

    from w2v.training.trainer import warm_up
    warm_up()                       # the kernels compiled or loaded: not timed
    encoded, tables = prepare_ours(corpus, SETTINGS["sample"], SETTINGS["min_count"])
    sentences = list(LineSentence(corpus))
    train_gensim(sentences[:5], 10, 1, 1, 1)     # gensim's first-call costs: not timed
    times, kept = {}, []
    configs = [(d, w) for d in DIMS for w in WORKERS]
    for r in range(rounds):
        print("  round %d of %d ..." % (r + 1, rounds), flush=True)
        for d, w in configs:
            t = times.setdefault((d, w), {"ours": [], "gensim": []})
            order = ("ours", "gensim") if (r + d + w) % 2 else ("gensim", "ours")
            for kind in order:          # who goes first alternates
                if kind == "ours":
                    t["ours"].append(train_ours(encoded, tables, d, w, epochs, r + 1)[0])
                else:
                    seconds, _, effective = train_gensim(sentences, d, w, epochs, r + 1)
                    t["gensim"].append(seconds)
                    kept.append(effective / epochs)
    return times, len(encoded.ids), statistics.median(kept)


def _spread(seconds):
    """The largest relative distance of a round from the median."""
    m = statistics.median(seconds)
    return max(abs(x - m) for x in seconds) / m


def report_speeds(times, words, kept, epochs, targets):
    """Print words/s and the ratios; check the words/s and linear-in-d targets."""
    print("words/s = corpus words in the vocabulary (%d, before subsampling) x %d epochs /"
          " training seconds, for both (gensim's own log counts the words it kept after"
          " subsampling, %.0f%% of these)" % (words, epochs, 100.0 * kept / words))
    rate = {}
    for (d, w), t in sorted(times.items()):
        ours, gensim = (words * epochs / statistics.median(t[k]) for k in ("ours", "gensim"))
        rate[d, w] = ours, gensim
        spread = max(_spread(t[k]) for k in ("ours", "gensim"))
        print("  d = %3d, %d worker%s: ours %10s words/s, gensim %10s words/s, ratio %.2f"
              " (rounds within %.0f%% of the median)"
              % (d, w, "s" if w > 1 else " ", "{:,.0f}".format(ours),
                 "{:,.0f}".format(gensim), ours / gensim, 100 * spread))
    for d, goal in ((100, 1.5), (300, 1.0)):
        ratio = rate[d, 2][0] / rate[d, 2][1]
        targets.check("train.py words/s at d = %d, 2 workers >= %.1fx gensim's" % (d, goal),
                      "%.2f x" % ratio, ratio >= goal)
    # Cost per word is 1 / rate; per unit of d: 1 / (rate d).
    growth = (rate[100, 1][0] * 100) / (rate[300, 1][0] * 300)
    targets.check("train.py cost at most linear in d: (cost / d at d = 300) / (at d = 100),"
                  " 1 worker <= 1.2", "%.2f" % growth, growth <= 1.2)


def zipf_corpus(V, n_words=ZIPF_WORDS, seed=0):
    """(EncodedCorpus of n_words Zipf-distributed ids over V words, counts (V,)).
    Words the draw missed count 1 (not a sweep of every id: that would be no Zipf text)."""
    import numpy as np

    from w2v.training.corpus import EncodedCorpus
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, V + 1)
    ids = rng.choice(V, size=n_words, p=p / p.sum()).astype(np.int32)
    starts = np.append(np.arange(0, n_words, 10000), n_words).astype(np.int64)
    counts = np.maximum(np.bincount(ids, minlength=V), 1)
    return EncodedCorpus(ids, starts, n_words), counts


def measure_flatness(rounds, d=100):
    """{(who, V): CPU seconds per corpus word (median)}, 1 worker, no subsampling,
    ours and gensim (on the same ids as words "w<id>") alternating."""
    from w2v.training import corpus as corpora
    from w2v.training.trainer import sampling_tables
    data = {}
    for V in (20000, 200000):
        encoded, counts = zipf_corpus(V)
        words = ["w%d" % i for i in range(V)]
        sentences = [[words[i] for i in encoded.piece(p)] for p in range(encoded.n_pieces)]
        data[V] = encoded, sentences, sampling_tables(
            corpora.keep_probabilities(counts, 0), corpora.negative_cum_table(counts), None, V)
    cost = {}
    for r in range(rounds):
        for V in (sorted(data) if r % 2 else sorted(data, reverse=True)):
            encoded, sentences, tables = data[V]
            for who in (("ours", "gensim") if r % 2 else ("gensim", "ours")):
                cpu = (train_ours(encoded, tables, d, 1, 1, r + 1)[1] if who == "ours" else
                       train_gensim(sentences, d, 1, 1, r + 1, min_count=1, sample=0)[1])
                cost.setdefault((who, V), []).append(cpu / len(encoded))
    return {key: statistics.median(c) for key, c in cost.items()}


def report_flatness(cost, targets):
    """Print the cost per word at each V; check ours is flat."""
    ratio = {}
    for who in ("ours", "gensim"):
        ratio[who] = cost[who, 200000] / cost[who, 20000]
        print("  Zipf corpus, %d M words, d = 100, 1 worker, %-6s: %.3f us (CPU) per corpus"
              " word at V = 20,000, %.3f at V = 200,000 (ratio %.2f)"
              % (ZIPF_WORDS // 10 ** 6, who, 1e6 * cost[who, 20000], 1e6 * cost[who, 200000],
                 ratio[who]))
    targets.check("train.py cost per word flat in V: V = 200,000 / V = 20,000 <= 1.2",
                  "%.2f" % ratio["ours"], ratio["ours"] <= 1.2)


def gensim_run(corpus, outdir, d, workers, epochs):
    """The gensim script of the memory comparison: read, train, save (as train.py does)."""
    from gensim.models import Word2Vec
    from gensim.models.word2vec import LineSentence
    s = SETTINGS
    model = Word2Vec(LineSentence(corpus), vector_size=d, sg=1, hs=0, negative=s["negative"],
                     window=s["window"], min_count=s["min_count"], sample=s["sample"],
                     alpha=s["alpha"], min_alpha=s["min_alpha"], workers=workers,
                     epochs=epochs, seed=1)
    os.makedirs(outdir, exist_ok=True)
    model.wv.save_word2vec_format(os.path.join(outdir, "vectors.txt"))
    model.wv.save_word2vec_format(os.path.join(outdir, "vectors.bin"), binary=True)


def measure_memory(corpus, scratch, run_process, d=100, workers=2, epochs=5):
    """Whole processes, one each: {name: (wall seconds, peak RSS MiB)}."""
    ours = os.path.join(scratch, "train-ours")
    theirs = os.path.join(scratch, "train-gensim")
    cmds = {"python train.py": [sys.executable, "train.py", "--corpus", corpus, "--outdir",
                                ours, "--dim", str(d), "--workers", str(workers),
                                "--epochs", str(epochs), "--no-resume"],
            "gensim script": [sys.executable, os.path.abspath(__file__), "--gensim-run",
                              corpus, theirs, str(d), str(workers), str(epochs)]}
    result = {}
    for name, cmd in cmds.items():
        # Through a small Python that reports its child's peak: a child forked from
        # this (large) process would count this process's memory in its own peak.
        wall, _, _, out, _ = run_process([sys.executable, os.path.abspath(__file__),
                                          "--peak-of"] + cmd)
        peak = float(out.splitlines()[-1])
        result[name] = wall, peak
        print("  %s (d = %d, %d workers, %d epochs, writing its vectors): %.2f s wall,"
              " peak memory %.0f MiB" % (name, d, workers, epochs, wall, peak))
    return result


def section_train(args, targets, scratch, run_process):
    """The general trainer against gensim: words/s, scaling in d and V, memory."""
    import gensim
    corpus = os.path.abspath(args.corpus)
    if not os.path.isfile(corpus):
        print("train.py section: no corpus at %s (pass --corpus FILE), skipped" % corpus)
        return
    print("train.py against gensim %s on %s: skip-gram, negative sampling, %s; %d rounds"
          " of %d epochs, alternating, medians" % (
              gensim.__version__, corpus, ", ".join("%s %s" % kv for kv in SETTINGS.items()),
              args.train_rounds, args.train_epochs), flush=True)
    t0 = time.perf_counter()
    times, words, kept = measure_speeds(corpus, args.train_rounds, args.train_epochs)
    report_speeds(times, words, kept, args.train_epochs, targets)
    report_flatness(measure_flatness(args.train_rounds), targets)
    measure_memory(corpus, scratch, run_process)
    print("  (train.py section: %.0f s)" % (time.perf_counter() - t0))


def peak_of(cmd):
    """Run cmd (its output discarded); print its peak RSS in MiB. Exits as cmd does."""
    import resource
    import subprocess
    code = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL).returncode
    if code == 0:
        print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0)
    return code


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], epilog="The section itself runs through"
        " bench/bench.py --only train.py; these are its helpers.")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--gensim-run", nargs=5,
                       metavar=("CORPUS", "OUTDIR", "D", "WORKERS", "EPOCHS"),
                       help="train gensim as the memory comparison does")
    group.add_argument("--peak-of", nargs=argparse.REMAINDER, metavar="COMMAND",
                       help="run COMMAND and print its peak memory in MiB")
    args = parser.parse_args()
    if args.peak_of:
        return peak_of(args.peak_of)
    corpus, outdir, d, workers, epochs = args.gensim_run
    gensim_run(corpus, outdir, int(d), int(workers), int(epochs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
