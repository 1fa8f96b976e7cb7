#!/usr/bin/env python
"""Score word vectors on the standard benchmarks, as gensim and word2vec C do.

    python evaluate.py --vectors PATH [--benchmarks DIR] [--vector v|u|sum|concat]
                       [--restrict N] [--json FILE]

* Word similarity, WordSim-353 and SimLex-999: Spearman's rho between cosine
  similarity and the human scores, on the pairs whose words are known
  (utils/similarity.py);
* analogies, Google's questions-words.txt: 3CosAdd and 3CosMul accuracy over
  the N most frequent words, per section, semantic, syntactic and total
  (utils/analogies.py);
* anything a caller adds (``main(argv, extras)``): the assignment's
  evaluate.py adds sentiment.py's 5-class and binary test accuracies.

Words match as in gensim's evaluators (utils/wordindex.py), so the numbers
equal gensim's ``evaluate_word_pairs`` and ``evaluate_word_analogies``.
Prints a table, writes ``--json FILE`` and a bar chart beside the vectors.
"""

import argparse
import json
import os
import sys
import time

from w2v.evaluation import benchmarks
from w2v.evaluation.analogies import METHODS, evaluate_analogies
from w2v.evaluation.similarity import evaluate_word_pairs
from w2v.evaluation.wordindex import WordIndex
from w2v.infra.fileio import atomic_write
from w2v.infra.terminal import ProgressLine, run_command
from w2v.vectors.files import VECTOR_NAMES, VectorsError, add_arguments, load

DEFAULT_BENCHMARKS = os.path.join("utils", "datasets", "benchmarks")  # get_datasets.sh's
DEFAULT_RESTRICT = 30000  # word2vec's compute-accuracy: the 30,000 most frequent words
PAIR_SETS = ((benchmarks.WORDSIM353, "WordSim-353"), (benchmarks.SIMLEX999, "SimLex-999"))
TITLES = dict(PAIR_SETS, **{benchmarks.ANALOGY: "Analogies"})
FETCH_HINT = "run `sh get_datasets.sh` (it installs them there) or pass --benchmarks DIR"


def parse_args(argv=None, extras=()):
    parser = argparse.ArgumentParser(
        description="Evaluate word vectors: Spearman correlation on WordSim-353 and"
                    " SimLex-999, 3CosAdd/3CosMul accuracy on Google's analogies%s."
                    " Words match"
                    " as in gensim's evaluators (whatever their case, the most frequent"
                    " variant's vector), so the numbers equal gensim's. Prints a table,"
                    " saves a bar chart beside the vectors, and --json FILE."
        % "".join(", " + extra.DESCRIPTION for extra in extras))
    add_arguments(parser, default=None)  # --vectors PATH (required), --vector
    parser.add_argument("--benchmarks", default=DEFAULT_BENCHMARKS, metavar="DIR",
                        help="folder holding wordsim353.tsv, simlex999.txt and"
                             " questions-words.txt (or the official combined.tab,"
                             " SimLex-999.txt) (default: %(default)s)")
    parser.add_argument("--restrict", type=int, default=DEFAULT_RESTRICT, metavar="N",
                        help="analogies: answers and questions among the N most frequent"
                             " words (the counts if the vectors have them, else file order);"
                             " 0 for all words (default: %(default)s, as word2vec's"
                             " compute-accuracy)")
    parser.add_argument("--case-sensitive", action="store_true",
                        help="match the benchmarks' words case for case (default: whatever"
                             " the case, as gensim's evaluators)")
    parser.add_argument("--json", metavar="FILE", help="also write the scores to FILE as JSON")
    parser.add_argument("--plot", metavar="FILE",
                        help="the bar chart's path (default: beside the vectors,"
                             " evaluation.png in a folder, NAME_evaluation.png for a file)")
    parser.add_argument("--no-plot", action="store_true", help="do not draw the bar chart")
    for extra in extras:
        extra.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.restrict < 0:
        parser.error("--restrict: N must be 0 (all words) or positive, got %d" % args.restrict)
    return args


def _say_skipped(folder, found):
    """A line for each benchmark not found (``found``: name -> path or None)."""
    for name, path in found.items():
        if path is None:
            print("%s: skipped: none of %s in %s; %s."
                  % (TITLES[name], ", ".join(benchmarks.FILE_NAMES[name]), folder, FETCH_HINT))


def evaluate(wv, args, progress, extras=()):
    """Every score of the vectors ``wv``: a dict with wordsim353 and simlex999
    (PairScore), analogy (AnalogyScore rows), analogy_words, analogy_seconds and
    each extra's ``NAME`` (its ``score``); a benchmark not found is left out."""
    if not os.path.isdir(args.benchmarks):
        raise benchmarks.BenchmarkError("no benchmarks folder %s; %s"
                                        % (os.path.abspath(args.benchmarks), FETCH_HINT))
    case_insensitive = not args.case_sensitive
    results = {}
    found = {name: benchmarks.find_benchmark(args.benchmarks, name) for name in TITLES}
    if not any(found.values()):
        if not extras:
            raise _nothing_found(args.benchmarks)
        print("benchmarks: skipped: none in %s; %s." % (args.benchmarks, FETCH_HINT))
    else:
        _say_skipped(args.benchmarks, found)
    for name, _ in PAIR_SETS:
        if found[name] is not None:
            index = WordIndex(wv.words, wv.counts, case_insensitive=case_insensitive)
            results[name] = evaluate_word_pairs(wv.matrix, index,
                                                benchmarks.read_word_pairs(found[name]).pairs)
    path = found[benchmarks.ANALOGY]
    if path is not None:
        index = WordIndex(wv.words, wv.counts, limit=args.restrict or None,
                          case_insensitive=case_insensitive)
        start = time.perf_counter()
        results["analogy"] = evaluate_analogies(
            wv.matrix, index, benchmarks.read_analogies(path),
            progress=lambda done: progress.show("analogies: %.0f%%" % (100 * done)))
        progress.close()
        results["analogy_seconds"] = time.perf_counter() - start
        results["analogy_words"] = len(index)
    for extra in extras:
        results[extra.NAME] = extra.score(wv, args, progress)
    if not any(results.values()):
        raise _nothing_found(args.benchmarks)
    return results


def _nothing_found(folder):
    """The error of a run that found nothing to score (an empty table is no result)."""
    looked = "; ".join(" or ".join(benchmarks.FILE_NAMES[name]) for name in TITLES)
    return benchmarks.BenchmarkError("nothing to evaluate: no benchmark in %s (looked for %s);"
                                     " %s" % (os.path.abspath(folder), looked, FETCH_HINT))


# ---- output ------------------------------------------------------------------

def _percent(x):
    return "-" if x is None else "%.1f%%" % (100 * x)


def print_table(results, vocabulary_size, extras=()):
    """The scores on screen: similarity, analogies per section, then the extras'."""
    print("Word similarity: Spearman's rho, cosine similarity against the human scores")
    print("  %-12s %7s   %-20s %s" % ("benchmark", "rho", "pairs used", "left out"))
    for name, title in PAIR_SETS:
        if name in results:
            r = results[name]
            print("  %-12s %7s   %4d / %-4d (%5.1f%%)  %d%s"
                  % (title, "-" if r.spearman is None else "%.4f" % r.spearman, r.pairs_used,
                     r.pairs_total, 100 * r.pairs_used / r.pairs_total, len(r.left_out),
                     "  (%s)" % r.note if r.note else ""))
    if "analogy" in results:
        words = results["analogy_words"]
        print()
        print("Analogies: %s; a, b, c never the answer (%.1f s)"
              % ("all %d words" % words if words == vocabulary_size else
                 "the %d most frequent words" % words, results["analogy_seconds"]))
        print("  %-28s %15s  %8s  %8s" % ("section", "used / total", *METHODS))
        for row in results["analogy"]:
            if row.name == "semantic":
                print("  " + "-" * 64)
            print("  %-28s %6d / %-6d  %8s  %8s"
                  % (row.name, row.questions_used, row.questions_total,
                     *(_percent(row.accuracy(m)) for m in METHODS)))
    for extra in extras:
        if results.get(extra.NAME):
            print()
            extra.print_scores(results[extra.NAME])


def _analogy_json(row):
    """A row of the analogy table: 3CosAdd under the issue's names, 3CosMul beside."""
    return {"accuracy": row.accuracy("3CosAdd"), "correct": row.correct["3CosAdd"],
            "questions_used": row.questions_used, "questions_total": row.questions_total,
            "accuracy_3cosmul": row.accuracy("3CosMul"), "correct_3cosmul": row.correct["3CosMul"]}


def as_json(results, extras=()):
    """The scores as plain data: wordsim353, simlex999 (each spearman, pairs_used,
    pairs_total), analogy (accuracy, correct, questions_used, questions_total of
    3CosAdd overall; sections: every row of the table, 3CosMul too) and, when
    computed, each extra's. A benchmark not found is null."""
    out = {name: results[name].as_json() if name in results else None for name, _ in PAIR_SETS}
    out["analogy"] = None
    if "analogy" in results:
        sections = {row.name: _analogy_json(row) for row in results["analogy"]}
        total = sections["total"]
        out["analogy"] = {key: total[key] for key in
                          ("accuracy", "correct", "questions_used", "questions_total")}
        out["analogy"]["sections"] = sections
    for extra in extras:
        if results.get(extra.NAME):
            out[extra.NAME] = extra.as_json(results[extra.NAME])
    return out


def chart_path(vectors_path):
    """evaluation.png inside a vectors folder, NAME_evaluation.png beside a vectors file."""
    if os.path.isdir(vectors_path):
        return os.path.join(vectors_path, "evaluation.png")
    return os.path.splitext(vectors_path)[0] + "_evaluation.png"


def run(args, extras=()):
    progress = ProgressLine(sys.stderr)
    wv = load(args.vectors, vector=args.vector, limit=args.limit)
    print("Vectors: %s (%d words, D = %d%s; frequency order: %s)"
          % (args.vectors, len(wv), wv.matrix.shape[1],
             "" if os.path.isfile(args.vectors) else ", %s" % VECTOR_NAMES[wv.vector],
             "their counts" if wv.counts is not None else "file order"))
    results = evaluate(wv, args, progress, extras)
    print()
    print_table(results, len(wv), extras)
    data = as_json(results, extras)
    if args.json:
        text = json.dumps(data, indent=2) + "\n"
        atomic_write(args.json, lambda f: f.write(text.encode("utf-8")))
        print("Saved %s" % args.json)
    if not args.no_plot:
        from w2v import plots
        path = args.plot or chart_path(args.vectors)
        try:
            plots.plot_scores(data, path, title=os.path.basename(os.path.abspath(args.vectors)))
            print("Saved %s" % path)
        except (OSError, ValueError) as err:
            print("warning: the chart was not saved: %s" % err, file=sys.stderr)
    return data


def main(argv=None, extras=()):
    """``python -m w2v evaluate``. extras -- more scores, each a module-like object
    with NAME, DESCRIPTION, add_arguments(parser), score(wv, args, progress) (None
    when it cannot run, saying why), print_scores(result) and as_json(result)."""
    return run_command(lambda args: run(args, extras), parse_args(argv, extras),
                       (VectorsError, benchmarks.BenchmarkError, ValueError, OSError))


if __name__ == "__main__":
    sys.exit(main())
