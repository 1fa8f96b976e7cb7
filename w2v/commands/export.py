#!/usr/bin/env python
"""Export word vectors: to the TensorFlow Embedding Projector, or to a word2vec file.

    python -m w2v export --vectors PATH --projector DIR [--limit N]
    python -m w2v export --vectors PATH --word2vec FILE [--binary]

``--projector DIR`` writes DIR/vectors.tsv (a word's numbers a line,
tab-separated, no header) and DIR/metadata.tsv (its word a line; with the
corpus counts, a header ``word<TAB>count``) for the N most frequent words:
load both at https://projector.tensorflow.org ("Load"). ``--word2vec FILE``
writes every word in word2vec text format (``--binary``: binary), which
gensim, word2vec C and this library read. PATH is anything ``--vectors``
takes elsewhere: a run.py or train.py folder, or a word2vec file.
"""

import argparse
import sys

from w2v.infra.terminal import run_command
from w2v.vectors.files import VECTOR_NAMES, VectorsError, add_arguments, load

DEFAULT_LIMIT = 10000  # the projector stays responsive up to about this many points


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Export word vectors: the TensorFlow Embedding Projector's vectors.tsv"
                    " and metadata.tsv, and/or a word2vec text or binary file.",
        epilog="Example: --vectors out --projector out/projector --limit 5000, then load"
               " out/projector/vectors.tsv and metadata.tsv at"
               " https://projector.tensorflow.org.")
    add_arguments(parser, default=None, limit=False)  # --vectors, --vector (--limit: its own)
    parser.add_argument("--projector", metavar="DIR",
                        help="write DIR/vectors.tsv and DIR/metadata.tsv for the Embedding"
                             " Projector")
    parser.add_argument("--limit", type=int, default=DEFAULT_LIMIT, metavar="N",
                        help="--projector: the N most frequent words (by the counts if the"
                             " vectors have them, else file order); 0 for all"
                             " (default: %(default)s)")
    parser.add_argument("--word2vec", metavar="FILE",
                        help="write every word to FILE in word2vec text format")
    parser.add_argument("--binary", action="store_true",
                        help="--word2vec: write word2vec binary format (float32) instead")
    args = parser.parse_args(argv)
    if args.projector is None and args.word2vec is None:
        parser.error("nothing to do: give --projector DIR and/or --word2vec FILE")
    if args.limit < 0:
        parser.error("--limit: N must be 0 (all words) or positive, got %d" % args.limit)
    if args.binary and args.word2vec is None:
        parser.error("--binary applies to --word2vec FILE, which is not given")
    return args


def run(args):
    wv = load(args.vectors, vector=args.vector)
    print("Vectors: %s (%d words, D = %d, %s)" % (args.vectors, len(wv), wv.vector_size,
                                                  VECTOR_NAMES[wv.vector]))
    if args.projector is not None:
        paths = wv.save_projector(args.projector, limit=args.limit or None)
        shown = min(len(wv), args.limit or len(wv))
        print("Saved %s (%d words%s); load them at https://projector.tensorflow.org"
              % (" and ".join(paths), shown,
                 ", most frequent first" if shown < len(wv) else ""))
    if args.word2vec is not None:
        wv.save_word2vec_format(args.word2vec, binary=args.binary)
        print("Saved %s (word2vec %s format, %d words)"
              % (args.word2vec, "binary" if args.binary else "text", len(wv)))


def main(argv=None):
    return run_command(run, parse_args(argv), (VectorsError, ValueError, OSError))


if __name__ == "__main__":
    sys.exit(main())
