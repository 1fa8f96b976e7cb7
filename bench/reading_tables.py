"""The tables of bench/reading.py (issue 23): medians per corpus and tool, ours
against each gensim mode, the targets, ours' second run, gensim's outside split.
"""

import statistics

FIELDS = ("wall", "train", "outside", "peak_mib")
GENSIM_PARTS = ("import_seconds", "vocab_seconds", "save_seconds")


def medians(runs):
    """{(corpus, tool): {field: median}} over the runs that did not fail."""
    groups = {}
    for r in runs:
        if "failed" not in r:
            groups.setdefault((r["corpus"], r["tool"]), []).append(r)
    return {key: {f: statistics.median(r[f] for r in rows)
                  for f in FIELDS + GENSIM_PARTS if all(f in r for r in rows)}
            for key, rows in groups.items()}


def print_table(runs, corpora, modes):
    meds = medians(runs)
    print("\n%-6s %10s | %-4s %7s %7s %7s %6s | %-15s %7s %7s %7s %6s | %7s %7s"
          % ("corpus", "words", "ours", "wall", "train", "outside", "MiB", "gensim", "wall",
             "train", "outside", "MiB", "out o/g", "whole g/o"))
    for label, (_, words) in corpora.items():
        ours = meds.get((label, "ours"))
        for mode in modes or ["none"]:
            theirs = meds.get((label, "gensim-" + mode))
            cells = [_cells(ours), _cells(theirs)]
            ratios = ("%7.2f %7.2f" % (ours["outside"] / theirs["outside"],
                                       theirs["wall"] / ours["wall"])
                      if ours and theirs else "%7s %7s" % ("-", "-"))
            print("%-6s %10d | %-4s %s | %-15s %s | %s" % (
                label, words, "ours", cells[0], "gensim-" + mode, cells[1], ratios))
    print("(medians; seconds; outside = wall - training; out o/g = ours' outside / gensim's,"
          " the issue wants <= 1; whole g/o = gensim's wall / ours', >= 1.5 on big)")
    print_targets(meds, corpora, modes)
    print_gensim_parts(meds, corpora, modes)


def _cells(m):
    if m is None:
        return "%7s %7s %7s %6s" % ("-", "-", "-", "-")
    return "%7.2f %7.2f %7.2f %6.0f" % (m["wall"], m["train"], m["outside"], m["peak_mib"])


def print_targets(meds, corpora, modes):
    label = "big" if "big" in corpora else list(corpora)[-1]
    ours = meds.get((label, "ours"))
    best = [meds[(label, "gensim-" + m)] for m in modes if (label, "gensim-" + m) in meds]
    if ours is None or not best:
        return
    fastest = min(best, key=lambda m: m["wall"])
    least = min(m["outside"] for m in best)
    print("targets on %s: outside %.2f s vs gensim's least %.2f s (%s); whole process"
          " %.2fx gensim's fastest (%s)" % (
              label, ours["outside"], least, "met" if ours["outside"] <= least else "MISSED",
              fastest["wall"] / ours["wall"],
              "met" if fastest["wall"] >= 1.5 * ours["wall"] else "MISSED"))


def print_second_runs(runs):
    for label in dict.fromkeys(r["corpus"] for r in runs):
        pair = [r for r in runs if r["corpus"] == label]
        if any("failed" in r for r in pair) or len(pair) != 2:
            print("%-6s ours, second run: failed" % label)
            continue
        print("%-6s ours, second run (encoded corpus reused): outside %.2f s (first run"
              " %.2f s), wall %.2f s, %.0f MiB" % (label, pair[1]["outside"],
                                                  pair[0]["outside"], pair[1]["wall"],
                                                  pair[1]["peak_mib"]))


def print_gensim_parts(meds, corpora, modes):
    """Where gensim's outside seconds go: its imports, build_vocab, the save, the rest."""
    for label in corpora:
        for mode in modes:
            m = meds.get((label, "gensim-" + mode))
            if m is None or not all(f in m for f in GENSIM_PARTS):
                continue
            parts = [m[f] for f in GENSIM_PARTS]
            print("  gensim-%-8s %-5s outside %.2f s: import %.2f, build_vocab %.2f, save %.2f,"
                  " the rest (start, exit) %.2f" % (mode, label, m["outside"], *parts,
                                                   m["outside"] - sum(parts)))
