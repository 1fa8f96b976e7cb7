#!/usr/bin/env python
"""The fixed costs of a training process: peak RSS and seconds, stage by stage.

``python bench/fixed_costs.py`` starts one fresh process per dimension (and
round) that goes through a training run's start-up in order: Python and
NumPy, ``import w2v``, numba's import (``--numba``: measured apart; without
it numba loads only if the kernels need it), the kernels (pipeline.load_kernels),
the corpus (read and encoded), the sampling tables, the vectors (the trainer's
cache-aligned copy included). Each line: the process's peak RSS (MiB) and
seconds since it was started after that stage, and what the stage added.

``--kernels`` times one epoch's jobs with the built kernels and with numba's
JIT in this process (CPU seconds: steadier on a loaded machine). ``--train``
instead times whole ``python -m w2v train`` runs (one epoch):
peak RSS (wait4) and the words/s of the epoch line; ``--repo`` points either
mode at another checkout (an export of an older commit: before/after).
Medians over ``--rounds``; the machine's load is printed.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(os.path.dirname(ROOT), "shared", "data", "corpora", "wiki106.txt")
STAGES = ["python+numpy", "import w2v", "import numba", "kernels", "corpus", "tables",
          "vectors"]

PROBE = r"""
import resource, sys, time
t0 = float(sys.argv[1]); dim = int(sys.argv[2]); numba = sys.argv[4] == "1"
def mark(stage):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print("%s\t%.1f\t%.3f" % (stage, peak, time.time() - t0), flush=True)
import numpy as np
mark("python+numpy")
import w2v
mark("import w2v")
if numba:
    import numba
    mark("import numba")
from w2v.training import corpus as corpora, pipeline, trainer
from w2v.training.onepass import count_and_encode
pipeline.load_kernels(lambda text: None)
mark("kernels")
vocab, encoded = count_and_encode(sys.argv[3], 5, None, False)
mark("corpus")
tables = trainer.sampling_tables(corpora.keep_probabilities(vocab.counts, 1e-3),
                                 corpora.negative_cum_table(vocab.counts), None, len(vocab))
mark("tables")
t = trainer.Trainer(trainer.Settings(dim=dim), encoded, tables,
                    trainer.init_vectors(len(vocab), dim, 1))
mark("vectors")
print("numba loaded\t%s" % ("numba" in sys.modules), flush=True)
"""


def probe(repo, dim, corpus, numba):
    """{stage: (peak MiB, seconds)} of one fresh process, and whether numba was loaded."""
    env = dict(os.environ, PYTHONPATH=repo)
    out = subprocess.run([sys.executable, "-c", PROBE, repr(time.time()), str(dim), corpus,
                          "1" if numba else "0"], env=env, cwd=repo, capture_output=True,
                         text=True, check=True).stdout
    rows = [line.split("\t") for line in out.splitlines()]
    return {r[0]: (float(r[1]), float(r[2])) for r in rows if len(r) == 3}, rows[-1][1]


def train_run(repo, dim, corpus):
    """(peak MiB, words/s, wall s) of ``python -m w2v train`` for one epoch."""
    out = tempfile.mkdtemp(prefix="fixed_costs_")  # fresh: no checkpoint to resume
    t0 = time.time()
    child = subprocess.Popen([sys.executable, "-m", "w2v", "train", "--corpus", corpus,
                              "--epochs", "1", "--dim", str(dim), "--out", out],
                             cwd=repo, env=dict(os.environ, PYTHONPATH=repo),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    text = child.stdout.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.time() - t0
    shutil.rmtree(out, ignore_errors=True)
    if status != 0:
        sys.exit("train failed:\n" + text)
    rates = re.findall(r"([\d,]+) words/s", text)
    rate = float(rates[-1].replace(",", "")) if rates else float("nan")
    return usage.ru_maxrss / 1024.0, rate, wall


def kernel_speed(dim, corpus, rounds):
    """words/s (CPU seconds of this thread) of one epoch's jobs, one after the other, with
    the built train_job and with numba's JIT, alternating; whether their vectors are equal."""
    sys.path.insert(0, ROOT)
    import numpy as np
    from w2v.infra.terminal import SilentLine
    from w2v.training import compiled, kernels, pipeline
    from w2v.training import options
    o = options.make(dim=dim, epochs=1, workers=1)
    vocab, encoded = pipeline.read_corpus(corpus, o, SilentLine())
    t, _ = pipeline.make_trainer(o, vocab, encoded)
    start, rates, ends = t.vectors.copy(), {"built": [], "jit": []}, {}
    kinds = {"built": compiled.train_job, "jit": kernels.train_job}
    for _ in range(rounds):
        for kind, train_job in kinds.items():
            t.vectors[...] = start
            t0 = time.thread_time()
            for job in range(t.total_jobs):
                train_job(*t.job_arguments(job))
            rates[kind].append(len(encoded.ids) / (time.thread_time() - t0))
            ends[kind] = t.vectors.copy()
    print("d=%d, words/s of the kernels alone (CPU time, medians of %d): built %.0f, JIT %.0f;"
          " vectors equal: %s" % (dim, rounds, statistics.median(rates["built"]),
                                  statistics.median(rates["jit"]),
                                  np.array_equal(ends["built"], ends["jit"])))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", action="append", help="checkout(s) to measure (default:"
                        " this one); several alternate")
    parser.add_argument("--dims", type=int, nargs="+", default=[100, 300])
    parser.add_argument("--corpus", default=CORPUS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--numba", action="store_true", help="measure numba's import apart")
    parser.add_argument("--train", action="store_true", help="whole training runs instead")
    parser.add_argument("--kernels", action="store_true", help="the built kernels against"
                        " numba's JIT, in this process")
    a = parser.parse_args()
    repos = a.repo or [ROOT]
    print("load: %s" % os.getloadavg()[0])
    for dim in a.dims:
        if a.kernels:
            kernel_speed(dim, a.corpus, a.rounds)
            continue
        results = {repo: [] for repo in repos}
        for _ in range(a.rounds):
            for repo in repos:  # alternating
                results[repo].append(train_run(repo, dim, a.corpus) if a.train else
                                     probe(repo, dim, a.corpus, a.numba))
        for repo in repos:
            report(repo, dim, results[repo], a.train)
    print("load: %s" % os.getloadavg()[0])


def report(repo, dim, runs, train):
    med = statistics.median
    if train:
        print("%s d=%d: peak %.0f MiB, %.0f words/s, %.1f s wall (medians of %d)" % (
            repo, dim, med(r[0] for r in runs), med(r[1] for r in runs),
            med(r[2] for r in runs), len(runs)))
        return
    print("%s d=%d (medians of %d; numba loaded: %s)" % (repo, dim, len(runs), runs[0][1]))
    print("  %-14s %9s %7s %9s %7s" % ("stage", "peak MiB", "+MiB", "seconds", "+s"))
    last = (0.0, 0.0)
    for stage in STAGES:
        if stage not in runs[0][0]:
            continue
        peak, sec = med(r[0][stage][0] for r in runs), med(r[0][stage][1] for r in runs)
        print("  %-14s %9.1f %7.1f %9.3f %7.3f" % (stage, peak, peak - last[0], sec,
                                                   sec - last[1]))
        last = (peak, sec)


if __name__ == "__main__":
    main()
