"""count_and_encode (one reading) equals build_vocabulary then encode (two readings)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from w2v.training.corpus import CorpusError, build_vocabulary, encode
from w2v.training.onepass import count_and_encode


def _two_passes(source, min_count, max_vocab, lowercase=False):
    vocab = build_vocabulary(source, min_count, max_vocab, lowercase)
    return vocab, encode(source, vocab, lowercase)


def _assert_same(one, two):
    (v1, e1), (v2, e2) = one, two
    assert v1.words == v2.words and np.array_equal(v1.counts, v2.counts)
    assert v1.raw_words == v2.raw_words == e1.raw_words == e2.raw_words
    assert e1.ids.dtype == np.int32 and e1.starts.dtype == np.int64
    assert np.array_equal(e1.ids, e2.ids) and np.array_equal(e1.starts, e2.starts)


sentences = st.lists(st.lists(st.sampled_from("a b c d e f g h A".split()), max_size=12),
                     min_size=1, max_size=30)


@settings(max_examples=150, deadline=None)
@given(sentences, st.integers(1, 4), st.one_of(st.none(), st.integers(1, 5)), st.booleans())
def test_token_lists_give_the_two_pass_result(sents, min_count, max_vocab, lowercase):
    try:
        two = _two_passes(sents, min_count, max_vocab, lowercase)
    except CorpusError as err:
        with pytest.raises(CorpusError, match=str(err)[:30]):
            count_and_encode(sents, min_count, max_vocab, lowercase)
        return
    _assert_same(count_and_encode(sents, min_count, max_vocab, lowercase), two)


def test_a_file_with_long_lines_and_empty_pieces(tmp_path):
    rng = np.random.default_rng(0)
    words = ["w%d" % i for i in range(300)]
    p = 1.0 / np.arange(1, 301)
    lines = [" ".join(rng.choice(words, size=int(rng.integers(0, 40)), p=p / p.sum()))
             for _ in range(400)]
    lines += ["rare%d rare%d" % (i, i + 1) for i in range(20)]   # pieces left empty
    lines.append(" ".join(rng.choice(words, size=25000)))         # cut into pieces
    path = tmp_path / "c.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _assert_same(count_and_encode(str(path), 3), _two_passes(str(path), 3, None))
    _assert_same(count_and_encode(str(path), 1, 50), _two_passes(str(path), 1, 50))
