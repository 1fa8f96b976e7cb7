#!/usr/bin/env python
"""Train word2vec on your own text: ``python -m w2v train``, plus ``--sst``.

    python train.py --corpus FILE --outdir DIR [--model cbow] [--loss hs] ...
    python train.py --sst [DIR] --outdir DIR

The trainer is the library's (w2v/commands/train.py); this file adds the
assignment's data set as a corpus: ``--sst`` trains on the Stanford Sentiment
Treebank's sentences.
"""

import sys

from utils.datafiles import DatasetError
from utils.treebank import StanfordSentiment
from w2v.commands import train
from w2v.training.corpus import CorpusError


def treebank_sentences(path=None):
    """The treebank's sentences (lower-cased token lists); a missing file is a CorpusError."""
    try:
        return StanfordSentiment(path).sentences()
    except DatasetError as err:
        raise CorpusError(str(err)) from None


def main(argv=None):
    return train.main(argv, treebank=treebank_sentences)


if __name__ == "__main__":
    sys.exit(main())
