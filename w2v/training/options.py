"""The trainer's options: one vocabulary for the command line and the Python API.

``python -m w2v train --dim 100 --min-count 5`` and ``w2v.train(..., dim=100,
min_count=5)`` take the same names (dashes on the command line, underscores in
Python), the same defaults (word2vec C's and gensim's) and the same checks:
``check(options)`` raises OptionError naming the option and what is allowed.
"""

import dataclasses
import os

SOFTMAX_MAX_VOCAB = 10000   # full softmax costs O(V d) per pair: refused above this
MIN_CHECKPOINT_SECONDS = 0.1   # each checkpoint writes every vector: more often is waste
SEED_RANGE = (0, 2 ** 32 - 1)  # NumPy's seeds are non-negative; 32 bits as word2vec C's
MAX_WORKERS = 256
MAX_SIZE = 2 ** 31 - 1         # window, negative, dim: the kernel's integer draws
MODELS = ("skipgram", "cbow")
LOSSES = ("neg", "hs", "softmax")


class OptionError(ValueError):
    """An option out of range; ``name`` is the option's Python name."""

    def __init__(self, name, text):
        super().__init__("%s %s" % (name, text))
        self.name, self.text = name, text

    def for_command_line(self):
        return "--%s %s" % (self.name.replace("_", "-"), self.text)


@dataclasses.dataclass
class Options:
    """What a run trains and how (each field's help is in HELP)."""

    model: str = "skipgram"
    loss: str = "neg"
    dim: int = 100
    window: int = 5
    negative: int = 5
    ns_exponent: float = 0.75
    epochs: int = 5
    alpha: float = None             # None: 0.025 for skip-gram, 0.05 for CBOW
    min_alpha: float = 0.0001
    min_count: int = 5
    max_vocab: int = None           # None: every word seen min_count times
    max_vocab_size: int = None      # None: count every distinct word
    sample: float = 1e-3
    lowercase: bool = False
    workers: int = os.cpu_count() or 1
    seed: int = 1
    checkpoint_every: float = 60.0  # seconds, when the run has an output folder
    read_vocab: str = None          # a vocabulary file to use instead of counting
    save_vocab: str = None          # where to write the counted vocabulary
    cache: bool = True              # keep and reuse the encoded corpus (corpus_cache.py)


HELP = {
    "model": "skipgram (predict the context from the centre) or cbow (the reverse)",
    "loss": "neg (negative sampling), hs (hierarchical softmax) or softmax (full softmax,"
            " only for vocabularies up to %d words)" % SOFTMAX_MAX_VOCAB,
    "dim": "vector size d",
    "window": "largest window; each centre's is drawn from 1..N",
    "negative": "negatives per pair K, with loss neg (2+ workers: one draw per skip-gram"
                " window)",
    "ns_exponent": "negatives are drawn proportional to count**X",
    "epochs": "passes over the corpus",
    "alpha": "first learning rate (default 0.025 skip-gram, 0.05 CBOW)",
    "min_alpha": "last learning rate; alpha falls linearly to it",
    "min_count": "drop words seen fewer than N times",
    "max_vocab": "keep only the N most frequent words (default: all)",
    "max_vocab_size": "count in bounded memory: prune the rarest words whenever more than N"
                      " distinct words are being counted (gensim's max_vocab_size; default:"
                      " no limit)",
    "sample": "subsampling threshold of frequent words, 0 for none",
    "lowercase": "lower-case the text first",
    "workers": "training threads (default: the cores); 1 worker: reproducible bit for bit",
    "seed": "random seed",
    "checkpoint_every": "seconds between checkpoints in the output folder",
    "read_vocab": "take the vocabulary from FILE (`word count` lines, word2vec C's"
                  " -read-vocab) instead of counting the corpus",
    "save_vocab": "write the vocabulary to FILE (`word count` lines, most frequent first)",
    "cache": "keep the encoded corpus in $W2V_CACHE_DIR (default ~/.cache/w2v/corpora) and"
             " reuse it while the files and the reading options are unchanged",
}
FIELDS = [f.name for f in dataclasses.fields(Options)]


def make(**kwargs):
    """Options from keyword arguments, checked; an unknown name is an OptionError."""
    unknown = sorted(set(kwargs) - set(FIELDS))
    if unknown:
        raise OptionError(unknown[0], "is not an option; the options are: %s"
                          % ", ".join(FIELDS))
    return check(Options(**kwargs))


def _require(ok, name, text):
    if not ok:
        raise OptionError(name, text)


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def check(o):
    """Refuse settings that cannot train, naming the option; returns ``o`` (alpha filled)."""
    _require(o.model in MODELS, "model", "must be one of %s, got %r" % (MODELS, o.model))
    _require(o.loss in LOSSES, "loss", "must be one of %s, got %r" % (LOSSES, o.loss))
    for name in ("dim", "window", "epochs", "workers", "min_count"):
        value = getattr(o, name)
        _require(_is_int(value) and value >= 1, name,
                 "must be an integer of at least 1, got %r" % (value,))
    _require(o.workers <= MAX_WORKERS, "workers", "must be 1 to %d threads (this machine has"
             " %d cores), got %r" % (MAX_WORKERS, os.cpu_count() or 1, o.workers))
    _require(o.max_vocab is None or (_is_int(o.max_vocab) and o.max_vocab >= 2),
             "max_vocab", "must be an integer of at least 2 (or None), got %r" % (o.max_vocab,))
    _require(o.max_vocab_size is None or (_is_int(o.max_vocab_size) and o.max_vocab_size >= 2),
             "max_vocab_size", "must be an integer of at least 2 (or None), got %r"
             % (o.max_vocab_size,))
    _require(o.loss != "neg" or (_is_int(o.negative) and o.negative >= 1), "negative",
             "must be an integer of at least 1 with loss neg, got %r" % (o.negative,))
    for name in ("dim", "window", "negative"):
        _require(not _is_int(getattr(o, name)) or getattr(o, name) <= MAX_SIZE, name,
                 "must be at most %d, got %r" % (MAX_SIZE, getattr(o, name)))
    _require(isinstance(o.sample, (int, float)) and 0 <= o.sample < 1, "sample",
             "must be in [0, 1), e.g. 1e-3 (0 keeps every word), got %r" % (o.sample,))
    _require(isinstance(o.ns_exponent, (int, float)) and abs(o.ns_exponent) < float("inf"),
             "ns_exponent", "must be a number, got %r" % (o.ns_exponent,))
    _require(_is_int(o.seed) and SEED_RANGE[0] <= o.seed <= SEED_RANGE[1], "seed",
             "must be an integer from %d to %d, got %r" % (SEED_RANGE + (o.seed,)))
    if o.alpha is None:
        o.alpha = 0.025 if o.model == "skipgram" else 0.05
    _require(isinstance(o.alpha, (int, float)) and 0 < o.alpha < 1e3, "alpha",
             "must be a number above 0, got %r" % (o.alpha,))
    _require(isinstance(o.min_alpha, (int, float)) and 0 <= o.min_alpha <= o.alpha,
             "min_alpha", "must be in [0, alpha = %g], got %r" % (o.alpha, o.min_alpha))
    for name in ("read_vocab", "save_vocab"):
        value = getattr(o, name)
        _require(value is None or isinstance(value, (str, os.PathLike)), name,
                 "must be a file path (or None), got %r" % (value,))
    _require(isinstance(o.cache, bool), "cache", "must be True or False, got %r" % (o.cache,))
    # A floor: below it a run would spend its time checkpointing, not training.
    _require(isinstance(o.checkpoint_every, (int, float)) and
             o.checkpoint_every >= MIN_CHECKPOINT_SECONDS, "checkpoint_every",
             "must be at least %g seconds (each checkpoint writes all the vectors), got %r"
             % (MIN_CHECKPOINT_SECONDS, o.checkpoint_every))
    return o
