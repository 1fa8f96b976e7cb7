#!/usr/bin/env python
"""Query trained word vectors: nearest neighbours and analogies, by cosine similarity.

The vectors come from the folder where run.py (or train.py) saved them, or
from any word2vec text or binary file. A word's vector is by default
[v_w, u_w], its centre and outside vectors concatenated (the vectors of
run.py's vectors.txt); ``--vector v|u|sum|concat`` chooses. A word2vec file
holds one vector per word.

    python explore.py --vectors DIR --neighbours good -k 10
    python explore.py --vectors DIR --analogy man king woman

``--analogy A B C`` answers "A is to B as C is to ?": it ranks the words by
cosine similarity with B - A + C (unit vectors; A, B and C left out), so
``man king woman`` hopes for "queen".
"""

import argparse
import sys

from w2v.infra.terminal import run_command
from w2v.vectors.files import UnknownWordError, VectorsError, add_arguments, load


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Nearest neighbours and analogies of trained word vectors, by cosine"
                    " similarity (by default of the words' [v_w, u_w], centre and outside"
                    " vectors concatenated).",
        epilog="Example: --analogy man king woman answers 'man is to king as woman is to"
               " ?', ranking words by cosine with king - man + woman.")
    add_arguments(parser)
    parser.add_argument("--neighbours", "--neighbors", metavar="WORD", action="append",
                        default=[],
                        help="print the k nearest neighbours of WORD (may be repeated)")
    parser.add_argument("--analogy", nargs=3, metavar=("A", "B", "C"), action="append",
                        default=[],
                        help="'A is to B as C is to ?': print the k words closest to"
                             " B - A + C, A, B and C excluded (may be repeated)")
    parser.add_argument("-k", type=int, default=10,
                        help="how many words to print (default %(default)s)")
    args = parser.parse_args(argv)
    if not args.neighbours and not args.analogy:
        parser.error("nothing to do: give --neighbours WORD and/or --analogy A B C")
    if args.k < 1:
        parser.error("-k must be at least 1")
    return args


def _lookup(word, tokens):
    """The word as the vocabulary spells it: as given, else lower-cased (the corpus is)."""
    if word not in tokens and word.lower() in tokens:
        return word.lower()
    return word


def _print_ranked(ranked, size):
    if not ranked:
        print("  (no other word: the vocabulary holds %d word%s)"
              % (size, "" if size == 1 else "s"))
        return
    width = max(len(w) for w, _ in ranked)
    for rank, (word, similarity) in enumerate(ranked, start=1):
        print("  %3d  %-*s  %.4f" % (rank, width, word, similarity))


def run(args):
    wv = load(args.vectors, vector=args.vector, limit=args.limit)
    for word in args.neighbours:
        word = _lookup(word, wv.index)
        ranked = wv.neighbours(word, args.k)
        print("Nearest neighbours of %r (cosine similarity):" % word)
        _print_ranked(ranked, len(wv))
    for a, b, c in args.analogy:
        a, b, c = (_lookup(w, wv.index) for w in (a, b, c))
        ranked = wv.analogy(a, b, c, args.k)
        print("%s : %s :: %s : ?   (cosine with %s - %s + %s)" % (a, b, c, b, a, c))
        _print_ranked(ranked, len(wv))


def main(argv=None):
    return run_command(run, parse_args(argv), (UnknownWordError, VectorsError, OSError))


if __name__ == "__main__":
    sys.exit(main())
