#!/usr/bin/env python
"""Phrase detection, ours against gensim's Phrases: seconds, side by side.

Both turn the same text file into the same joined text file (min_count 5,
threshold 100, scoring "default", 2 passes, delimiter "_"), in this process:

* ours: ``w2v.training.phrases.apply_phrases(IN, OUT, passes=2)`` (the numba
  functions loaded from their cache by one untimed run first);
* gensim: ``Phrases(LineSentence(IN))``, its output written to a temporary
  file, ``Phrases(LineSentence(tmp))`` and its output written to OUT, word2phrase
  run twice, as a gensim user streams a file larger than memory.

Each timing covers the whole job: reading, counting, scoring, transforming,
writing. The runs alternate (ours, gensim, ours, ...) so a change of load hits
both; medians are printed with the 1-minute load average before and after each
corpus, and whether the two output files are byte for byte the same. Corpora:
wiki106.txt and wiki106.txt repeated 10 times (a temporary file).

    python bench/bench_phrases.py [--corpus FILE] [--rounds 3] [--repeat 10]
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

DEFAULT_CORPUS = os.path.join(os.path.dirname(ROOT), "shared", "data", "corpora",
                              "wiki106.txt")
SETTINGS = dict(min_count=5, threshold=100.0)
PASSES = 2


def ours(source, out):
    from w2v.training.phrases import apply_phrases
    apply_phrases(source, out, passes=PASSES, **SETTINGS)


def gensim(source, out):
    """word2phrase run twice with gensim, file to file."""
    from gensim.models.phrases import Phrases
    from gensim.models.word2vec import LineSentence
    folder = os.path.dirname(os.path.abspath(out))
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        current = source
        for number in range(PASSES):
            model = Phrases(LineSentence(current), scoring="default", delimiter="_",
                            **SETTINGS)
            target = out if number == PASSES - 1 else os.path.join(scratch, "pass.txt")
            with open(target + ".part", "w", encoding="utf-8") as f:
                for sentence in model[LineSentence(current)]:
                    f.write(" ".join(sentence) + "\n")
            os.replace(target + ".part", target)
            current = target


def timed(job, source, out):
    started = time.perf_counter()
    job(source, out)
    return time.perf_counter() - started


def same_bytes(a, b):
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x, y = fa.read(1 << 20), fb.read(1 << 20)
            if x != y:
                return False
            if not x:
                return True


def count_words(path):
    with open(path, encoding="utf-8") as f:
        return sum(len(line.split()) for line in f)


def compare(name, source, rounds, folder):
    """One corpus: alternating rounds; returns the printed row."""
    load_before = os.getloadavg()[0]
    mine, theirs = os.path.join(folder, "ours.txt"), os.path.join(folder, "gensim.txt")
    ours(source, mine)                    # untimed: numba loads its compiled cache
    times = {"ours": [], "gensim": []}
    for _ in range(rounds):
        times["ours"].append(timed(ours, source, mine))
        times["gensim"].append(timed(gensim, source, theirs))
    a, b = statistics.median(times["ours"]), statistics.median(times["gensim"])
    return "%-16s %11s %9.2f %10.2f %9.1fx %8s %12s" % (
        name, "{:,}".format(count_words(source)), a, b, b / a,
        "yes" if same_bytes(mine, theirs) else "NO",
        "%.2f / %.2f" % (load_before, os.getloadavg()[0]))


def repeated(source, times, folder):
    path = os.path.join(folder, "repeated.txt")
    with open(path, "wb") as out:
        for _ in range(times):
            with open(source, "rb") as f:
                shutil.copyfileobj(f, out)
    return path


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--corpus", default=DEFAULT_CORPUS, metavar="FILE",
                   help="the text (default: %(default)s)")
    p.add_argument("--rounds", type=int, default=3, metavar="N",
                   help="alternating timed runs of each (default %(default)s)")
    p.add_argument("--repeat", type=int, default=10, metavar="K",
                   help="the second corpus is the first K times over (default %(default)s;"
                        " 0: none)")
    args = p.parse_args(argv)
    if not os.path.isfile(args.corpus):
        p.error("--corpus: no such file %s" % args.corpus)
    import gensim as gensim_package
    print("phrases: ours (w2v apply_phrases) vs gensim %s Phrases (LineSentence in, text"
          " out), min_count %d, threshold %g, %d passes; medians of %d alternating rounds;"
          " %d CPUs" % (gensim_package.__version__, SETTINGS["min_count"],
                        SETTINGS["threshold"], PASSES, args.rounds, os.cpu_count()))
    print("%-16s %11s %9s %10s %10s %8s %12s" % ("corpus", "words", "ours s", "gensim s",
                                                  "speed-up", "same", "load before/after"))
    name = os.path.basename(args.corpus)
    with tempfile.TemporaryDirectory() as folder:
        print(compare(name, args.corpus, args.rounds, folder), flush=True)
        if args.repeat > 1:
            big = repeated(args.corpus, args.repeat, folder)
            print(compare("%s x%d" % (name, args.repeat), big, args.rounds, folder),
                  flush=True)


if __name__ == "__main__":
    main()
