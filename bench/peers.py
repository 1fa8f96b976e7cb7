#!/usr/bin/env python
"""Our trainer against its peers (issue 22): gensim in both input modes, Google's
word2vec C and fastText, on one corpus, side by side; and how memory and speed
scale with the corpus's size.

    python bench/peers.py [--corpus FILE] [--repeat N] [--rounds 3] [--epochs 5]
                          [--configs sg-neg,cbow-neg,sg-hs,sg-neg-300]
                          [--peers gensim,gensim-file,word2vec-c,fasttext]
                          [--scales 1,10] [--no-scaling] [--quick] [--json FILE]

Configurations: skip-gram + neg, CBOW + neg, skip-gram + hs at d = 100 and
skip-gram + neg at d = 300; 2 workers, window 5, 5 negatives, min-count 5,
sample 1e-3, alpha 0.025 (skip-gram) or 0.05 (CBOW) falling linearly, 5 epochs.
Tools: ours (``python train.py``), gensim 4.4 reading our reader's pieces
(``gensim``) and reading ``corpus_file`` (``gensim-file``), word2vec C and
fastText with subwords off (bench/peer_tools.py fetches and builds both outside
the repository; a peer that cannot be had gets one line saying why). Each run is
its own process: wall seconds; peak RSS (the largest of the process tree's,
wait4's ru_maxrss); training seconds where the tool reports them (ours: its
``training took`` line; gensim: its train() call; fastText: its
train_unsupervised() call, vocabulary pass included), else the wall (word2vec C,
marked *); words/s = the corpus's words x epochs / those seconds. Every tool's
word2vec binary file is scored by ``python -m w2v evaluate``: WordSim-353 and
SimLex-999 Spearman, analogy accuracy (30,000 most frequent words). Each round
runs every tool once per configuration, in an order that reverses from one round
to the next; the tables give medians over the rounds, then ours / the fastest
peer. The scaling table: the corpus repeated 1x and 10x (``--scales 1,10,100``
for 100x), skip-gram + neg at d = 100, one epoch: ours and gensim's words/s and
peak RSS, medians; min-count is multiplied by the scale, so every scale has
the same vocabulary and what grows is only what the corpus itself costs. Each of
its rounds runs every scale, in an order that reverses too, so that the scales'
figures come from the same stretches of the machine's time. Our
runs read the text every time (``--no-cache``). The machine's load average is
printed at the start and end.

A benchmark, not a test: on two cores the default run takes about two hours,
``--epochs 1`` about 35 minutes and ``--scales 1,10,100`` 25 more.
``--quick`` (one round, one epoch, sg-neg, no scaling) checks it in about a minute.
"""

import argparse
import importlib.metadata
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

import compare_gensim as cg
import peer_tools
from w2v.training.corpus import iter_pieces

CONFIGS = {"sg-neg": ("skipgram", "neg", 100), "cbow-neg": ("cbow", "neg", 100),
           "sg-hs": ("skipgram", "hs", 100), "sg-neg-300": ("skipgram", "neg", 300)}
PEERS = ("gensim", "gensim-file", "word2vec-c", "fasttext")
SCALING_TOOLS = ("ours", "gensim", "gensim-file")
FIELDS = ("train_seconds", "words_per_second", "wall_seconds", "peak_mib", "wordsim353",
          "simlex999", "analogy")


def _names(text, known, what):
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SystemExit("error: unknown %s %s; choose from %s"
                         % (what, ", ".join(unknown), ", ".join(known)))
    return names


def _scales(text):
    try:
        scales = sorted({int(n) for n in text.split(",") if n.strip()})
    except ValueError:
        scales = []
    if not scales or scales[0] < 1:
        raise SystemExit("error: --scales %r: give repeat factors >= 1, such as 1,10,100" % text)
    return scales


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="Train ours, gensim (both input modes), word2vec C and fastText on one"
                    " corpus; print speed, memory and quality side by side (medians over"
                    " rounds) and a scaling table.")
    p.add_argument("--corpus", metavar="FILE", help="text, one sentence or document per"
                   " line; plain for word2vec C, fastText and gensim's corpus_file (default:"
                   " wiki106.txt where the tests find the real data)")
    p.add_argument("--repeat", type=int, default=1, metavar="N",
                   help="train on the corpus repeated N times (a temporary file)")
    p.add_argument("--configs", default=None, help="from %s, or none (the scaling table"
                   " alone) (default: all; sg-neg with --quick)" % ",".join(CONFIGS))
    p.add_argument("--peers", default=",".join(PEERS), help="from %(default)s (default:"
                   " all); ours always runs")
    for name, kind, default in (("rounds", int, 3), ("epochs", int, 5), ("workers", int, 2),
                                ("window", int, 5), ("negative", int, 5),
                                ("min-count", int, 5), ("sample", float, 1e-3)):
        p.add_argument("--" + name, type=kind, default=default, metavar=name.upper()[0],
                       help="(default %(default)s)")
    p.add_argument("--scales", default=None, metavar="LIST",
                   help="repeat factors of the scaling table (default 1,10; none with"
                        " --quick)")
    p.add_argument("--no-scaling", action="store_true", help="skip the scaling table")
    p.add_argument("--quick", action="store_true",
                   help="one round, one epoch, sg-neg only, no scaling table: a check,"
                        " not a figure")
    p.add_argument("--benchmarks", metavar="DIR", help="the evaluation's benchmarks"
                   " (default: where the tests find the real data)")
    p.add_argument("--workdir", metavar="DIR", help="keep every run's files here")
    p.add_argument("--json", metavar="FILE", help="also write every run's figures to FILE")
    args = p.parse_args(argv)
    if args.quick:
        args.rounds, args.epochs = 1, 1
    args.configs = [] if args.configs == "none" else _names(
        args.configs or ("sg-neg" if args.quick else ",".join(CONFIGS)), CONFIGS,
        "configuration")
    args.peers = _names(args.peers, PEERS, "peer")
    # --quick skips the scaling table unless --scales asks for it.
    args.scales = [] if args.no_scaling or (args.quick and not args.scales) else _scales(
        args.scales or "1,10")
    args.corpus = args.corpus or peer_tools.default_corpus()
    if args.corpus is None or not os.path.isfile(args.corpus):
        raise SystemExit("error: corpus not found: %s; give --corpus FILE"
                         % (args.corpus or "wiki106.txt (looked where the tests look)"))
    args.benchmarks = args.benchmarks or peer_tools.default_benchmarks()
    # compare_gensim.settings reads these; each run overrides dim and input.
    args.alpha, args.dim, args.gensim_input = None, 100, "iterable"
    return args


# ---- the tools ----------------------------------------------------------

def _version(package):
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _ours_about():
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=cg.ROOT,
                                capture_output=True, text=True).stdout.strip()
    except OSError:     # no git here
        commit = ""
    return "train.py at %s, numba %s" % (commit or "?", _version("numba"))


def prepare(tool, corpus):
    """How to run ``tool``: {"about", "command": s -> argv, "env", "override"} or
    {"unavailable": why}."""
    plain = not corpus.endswith((".gz", ".bz2"))
    if tool == "ours":
        return {"about": _ours_about(), "command": cg.ours_command}
    if tool.startswith("gensim"):
        mode = "file" if tool == "gensim-file" else "iterable"
        if importlib.util.find_spec("gensim") is None:
            return {"unavailable": "gensim is not installed in this interpreter"}
        if mode == "file" and not plain:
            return {"unavailable": "corpus_file needs a plain text corpus, not %s" % corpus}
        return {"about": "gensim %s, %s" % (_version("gensim"), "corpus_file" if mode == "file"
                                             else "iterable of our reader's pieces"),
                "command": cg.gensim_command, "override": {"input": mode}}
    if not plain:
        return {"unavailable": "needs a plain text corpus, not %s" % corpus}
    if tool == "word2vec-c":
        binary, about = peer_tools.word2vec_c()
        return {"unavailable": about} if binary is None else {
            "about": about, "command": lambda s: peer_tools.word2vec_c_command(binary, s)}
    target, about = peer_tools.fasttext_target()
    return {"unavailable": about} if target is None else {
        "about": about, "command": peer_tools.fasttext_command,
        "env": peer_tools.fasttext_env(target)}


def run_tool(tool, setup, config, rnd, args, corpus, words, folder, epochs, score=True,
             min_count=None):
    """One run of ``tool``: its figures, or {"failed": why}; its files are removed
    afterwards unless --workdir keeps them."""
    model, loss, dim = CONFIGS[config]
    outdir = os.path.join(folder, "%s-%s-%d" % (config, tool, rnd))
    s = cg.settings(args, model, loss, rnd, outdir, dim=dim, corpus=os.path.abspath(corpus),
                    epochs=epochs, min_count=min_count or args.min_count,
                    **setup.get("override", {}))
    try:
        run = cg.one_run(tool, s, args, words, cmd=setup["command"](s), env=setup.get("env"),
                         score=score)
    except cg.RunFailed as err:
        run = {"failed": str(err)}
    if not args.workdir:
        shutil.rmtree(outdir, ignore_errors=True)
    return dict(run, tool=tool, config=config, round=rnd)


def _progress(n, total, run, label):
    if "failed" in run:
        print("[%d/%d] %s %s: FAILED %s" % (n, total, label, run["tool"], run["failed"]),
              flush=True)
        return
    print("[%d/%d] %s %-11s train %s s, %.0f words/s, wall %.1f s, %.0f MiB"
          % (n, total, label, run["tool"], _fmt(run["train_seconds"], "%.2f"),
             run["words_per_second"], run["wall_seconds"], run["peak_mib"]), flush=True)


def order(items, rnd):
    """The round's order of tools (or scales): reversed every other round, so that a
    drift of the load hits all of them."""
    return list(items) if rnd % 2 else list(reversed(items))


# ---- the tables ---------------------------------------------------------

def medians(runs):
    """{(config, tool): {field: median over the runs that have it, or None}}."""
    groups = {}
    for r in runs:
        if "failed" not in r:
            groups.setdefault((r["config"], r["tool"]), []).append(r)
    return {key: {f: _median([r[f] for r in rows]) for f in FIELDS}
            for key, rows in groups.items()}


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _fmt(value, spec):
    return "-" if value is None else spec % value


def _why_not(tool, config, setups, runs):
    """The one line a tool without figures gets: unavailable or its last failure."""
    if "unavailable" in setups[tool]:
        return "unavailable: " + setups[tool]["unavailable"]
    failed = [r["failed"] for r in runs if r["tool"] == tool and r["config"] == config
              and "failed" in r]
    return "failed: " + (failed[-1] if failed else "no run")


def print_main_table(runs, args, setups, tools):
    meds = medians(runs)
    print("\n%-10s %-11s %8s %10s %8s %8s %7s %7s %7s"
          % ("config", "tool", "train s", "words/s", "wall s", "peak MiB", "WS-353", "SimLex",
             "analogy"))
    for config in args.configs:
        for tool in tools:
            m = meds.get((config, tool))
            if m is None:
                print("%-10s %-11s %s" % (config, tool, _why_not(tool, config, setups, runs)))
                continue
            train = _fmt(m["train_seconds"], "%.2f") if m["train_seconds"] else "%.2f*" % (
                m["wall_seconds"])
            print("%-10s %-11s %8s %10.0f %8.1f %8.0f %7s %7s %7s" % (
                config, tool, train, m["words_per_second"], m["wall_seconds"], m["peak_mib"],
                _fmt(m["wordsim353"], "%.3f"), _fmt(m["simlex999"], "%.3f"),
                _fmt(m["analogy"], "%.3f")))
        print("  " + ratio_line(meds, config, tools))
    print("(medians over %d round(s); train s: ours' 'training took', gensim's train(),"
          " fastText's train_unsupervised() with its vocabulary pass; * = wall seconds, the"
          " tool reports no training time)" % args.rounds)


def ratio_line(meds, config, tools):
    """ours / the fastest peer of ``config``: words/s, peak RSS and the scores' differences."""
    ours = meds.get((config, "ours"))
    peers = [(meds[(config, t)]["words_per_second"], t) for t in tools
             if t != "ours" and (config, t) in meds]
    if ours is None or not peers:
        return "ours / fastest peer: -"
    best = meds[(config, max(peers)[1])]
    diffs = ["%s %+.3f" % (name, ours[f] - best[f]) for f, name in
             (("wordsim353", "WS-353"), ("simlex999", "SimLex"), ("analogy", "analogy"))
             if ours[f] is not None and best[f] is not None]
    return "ours / fastest peer (%s): words/s %.2fx, peak RSS %.2fx; %s" % (
        max(peers)[1], ours["words_per_second"] / best["words_per_second"],
        ours["peak_mib"] / best["peak_mib"], ", ".join(diffs) or "no scores")


def print_scaling_table(runs, args, setups, tools, base_words):
    meds = medians(runs)
    print("\nscaling: %s repeated, sg-neg d=100, 1 epoch, %d workers (medians over %d"
          " round(s))" % (os.path.basename(args.corpus), args.workers, args.rounds))
    print("%-6s %11s %-11s %10s %8s %11s %10s"
          % ("scale", "words", "tool", "words/s", "peak MiB", "words/s/1x", "peak/1x"))
    for scale in args.scales:
        for tool in tools:
            label = "%dx" % scale
            m, one = meds.get((label, tool)), meds.get(("%dx" % args.scales[0], tool))
            if m is None:
                print("%-6s %11d %-11s %s" % (label, scale * base_words, tool,
                                              _why_not(tool, label, setups, runs)))
                continue
            print("%-6s %11d %-11s %10.0f %8.0f %11s %10s" % (
                label, scale * base_words, tool, m["words_per_second"], m["peak_mib"],
                _fmt(one and m["words_per_second"] / one["words_per_second"], "%.2f"),
                _fmt(one and m["peak_mib"] / one["peak_mib"], "%.2f")))
    if args.scales and args.scales[0] != 1:
        print("(ratios against the smallest scale, %dx)" % args.scales[0])


# ---- main ---------------------------------------------------------------

def _load():
    return "%.2f %.2f %.2f" % os.getloadavg()


def main_section(args, setups, tools, corpus, words, folder, runs):
    """Every configuration x available tool x round, alternating; appends to ``runs``."""
    ready = [t for t in tools if "unavailable" not in setups[t]]
    plan = [(rnd, config, tool) for rnd in range(1, args.rounds + 1)
            for config in args.configs for tool in order(ready, rnd)]
    for n, (rnd, config, tool) in enumerate(plan, start=1):
        runs.append(run_tool(tool, setups[tool], config, rnd, args, corpus, words, folder,
                             args.epochs))
        _progress(n, len(plan), runs[-1], "round %d %-10s" % (rnd, config))


def scaling_plan(scales, tools, rounds):
    """[(round, scale, tool)]: every round runs every scale, each with every tool."""
    return [(rnd, scale, tool) for rnd in range(1, rounds + 1)
            for scale in order(scales, rnd) for tool in order(tools, rnd)]


def scaling_section(args, setups, tools, folder, base_words, runs):
    """``tools`` (ours, gensim) on the corpus repeated args.scales times, one epoch;
    appends to ``runs``. Every round runs every scale (scaling_plan), so that each
    scale's medians come from the same stretches of a shared host's time, not from
    one stretch each."""
    tools = [t for t in tools if "unavailable" not in setups[t]]
    corpora, plan = {}, scaling_plan(args.scales, tools, args.rounds)
    try:
        for scale in args.scales:
            corpora[scale] = peer_tools.repeat_corpus(args.corpus, scale, folder)
        for n, (rnd, scale, tool) in enumerate(plan, start=1):
            # min-count x scale: the same vocabulary (and vectors) at every
            # scale, so that what grows is only what the corpus costs.
            run = run_tool(tool, setups[tool], "sg-neg", rnd, args, corpora[scale],
                           scale * base_words, folder, 1, score=False,
                           min_count=args.min_count * scale)
            runs.append(dict(run, config="%dx" % scale, scale=scale))
            _progress(n, len(plan), runs[-1], "%4dx round %d" % (scale, rnd))
    finally:
        for corpus in corpora.values():
            os.remove(corpus)


def main(argv=None):
    args = parse_args(argv)
    tools = ["ours"] + args.peers
    scaling = [t for t in SCALING_TOOLS if t == "ours" or t in args.peers]
    setups = {t: prepare(t, args.corpus) for t in dict.fromkeys(tools + scaling)}
    folder = args.workdir or tempfile.mkdtemp(prefix="bench_peers_")
    os.makedirs(folder, exist_ok=True)
    base_words = sum(len(p) for p in iter_pieces(args.corpus))
    print("load average at the start: %s (%d cores)" % (_load(), os.cpu_count()))
    print("corpus %s x%d: %d words; %d workers, window %d, %d negatives, %d epochs,"
          " min-count %d, sample %g" % (args.corpus, args.repeat, args.repeat * base_words,
                                        args.workers, args.window, args.negative,
                                        args.epochs, args.min_count, args.sample))
    for tool, setup in setups.items():
        print("  %-11s %s" % (tool, setup.get("about") or "unavailable: "
                              + setup["unavailable"]), flush=True)
    runs, scaled, printed = [], [], False
    try:
        corpus = (peer_tools.repeat_corpus(args.corpus, args.repeat, folder)
                  if args.repeat > 1 else args.corpus)
        main_section(args, setups, tools, corpus, args.repeat * base_words, folder, runs)
        if args.configs:
            print_main_table(runs, args, setups, tools)
            printed = True
            print("\nload average after the main table: %s" % _load(), flush=True)
        scaling_section(args, setups, scaling, folder, base_words, scaled)
    except KeyboardInterrupt:     # the tables of the runs done so far, then stop
        print("\ninterrupted: the tables below hold the runs done so far")
        if args.configs and not printed:
            print_main_table(runs, args, setups, tools)
    finally:
        if args.json and runs + scaled:
            with open(args.json, "w") as f:
                json.dump(runs + scaled, f, indent=2)
        if not args.workdir:
            shutil.rmtree(folder, ignore_errors=True)
    if args.scales:
        print_scaling_table(scaled, args, setups, scaling, base_words)
    print("\nload average at the end: %s" % _load())
    return 0


if __name__ == "__main__":
    sys.exit(main())
