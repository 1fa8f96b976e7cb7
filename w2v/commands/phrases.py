#!/usr/bin/env python
"""Join frequent bigrams: ``python -m w2v phrases IN OUT`` (word2phrase, gensim's Phrases).

IN is UTF-8 text, one sentence per line (``.gz`` and ``.bz2`` read directly);
OUT receives the same text with each phrase's words joined by ``_``
("new york" -> "new_york"), written atomically. A pair (a, b) is a phrase when
(count(ab) - min_count) / (count(a) * count(b)) * len_vocab > threshold, the
scoring of word2vec C's word2phrase and gensim's ``Phrases(scoring="default")``,
whose phrases and output it reproduces; ``--passes 2`` (the default) runs it
again on its own output, so phrases of three and four words form. The work is
in w2v/training/phrases.py.
"""

import argparse
import sys
import time

from w2v.infra.terminal import ProgressLine
from w2v.training.corpus import CorpusError
from w2v.training.phrases import PhrasesError, apply_phrases

SHOWN = 5   # phrases printed per pass, the highest scored


def _at_least(kind, low, strict):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError("expected %s, got %r" % (
                "a whole number" if kind is int else "a number", text)) from None
        if value < low or (strict and value == low):
            raise argparse.ArgumentTypeError("must be %s %s, got %r" % (
                "above" if strict else "at least", low, text))
        return value
    return parse


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="Join the frequent bigrams of a text with '_' (word2vec C's"
                    " word2phrase, gensim's Phrases with its default scoring).",
        epilog="A pair a b is joined when (count(ab) - min_count) / (count(a) count(b))"
               " * len_vocab > threshold, len_vocab being the number of distinct words and"
               " pairs. Example: python -m w2v phrases text.txt text_phrases.txt")
    p.add_argument("input", metavar="IN",
                   help="UTF-8 text, one sentence per line (.gz, .bz2 read directly)")
    p.add_argument("output", metavar="OUT", help="the text written, phrases joined")
    p.add_argument("--min-count", type=_at_least(int, 1, False), default=5, metavar="N",
                   help="subtracted from a pair's count: a pair seen N times or fewer is"
                        " never a phrase (default %(default)s)")
    p.add_argument("--threshold", type=_at_least(float, 0, True), default=100.0,
                   metavar="T", help="join pairs scored above T; higher, fewer phrases"
                                     " (default %(default)s)")
    p.add_argument("--passes", type=_at_least(int, 1, False), default=2, metavar="N",
                   help="times the detection runs, each on the previous output (default"
                        " %(default)s: phrases of up to 4 words)")
    p.add_argument("--delimiter", default="_", metavar="S",
                   help="joins a phrase's words (default %(default)s)")
    p.add_argument("--lowercase", action="store_true",
                   help="lower-case the text first")
    args = p.parse_args(argv)
    if args.delimiter.split() != [args.delimiter]:
        p.error("argument --delimiter: must be non-empty without spaces, got %r"
                % args.delimiter)
    return args


def run(args, line):
    started = time.perf_counter()
    found = apply_phrases(
        args.input, args.output, args.min_count, args.threshold, args.passes,
        args.delimiter, args.lowercase, say=line.print,
        progress=lambda done, total: line.show("reading %s: %.0f%%"
                                               % (args.input, 100.0 * done / max(total, 1))))
    line.close()
    for number, phrases in enumerate(found, start=1):
        best = sorted(phrases.items(), key=lambda item: -item[1])[:SHOWN]
        print("pass %d, highest scored: %s" % (number, ", ".join(
            "%s%s%s %.0f" % (a, args.delimiter, b, score) for (a, b), score in best)
            or "none"))
    print("wrote %s (%d phrases joined, %.2f s)"
          % (args.output, sum(map(len, found)), time.perf_counter() - started))


def main(argv=None):
    args = parse_args(argv)
    line = ProgressLine()
    try:
        run(args, line)
    except (CorpusError, PhrasesError, OSError) as err:
        line.close()
        print("error: %s" % err, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        line.close()
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
