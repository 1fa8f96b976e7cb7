"""Reading files on two cores (training/halves.py) gives onepass.count_and_encode's
vocabulary and ids exactly, wherever the cut falls; a failed half is read again in
one process, so errors name the file and line as before."""

import gzip
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from w2v.training import halves
from w2v.training.corpus import MAX_PIECE, CorpusError
from w2v.training.idstore import FileStore
from w2v.training.onepass import count_and_encode


@pytest.fixture
def no_minimum(monkeypatch):
    """Cut even a tiny corpus in two (the real threshold is MIN_BYTES)."""
    monkeypatch.setattr(halves, "MIN_BYTES", 0)


def _stores(folder, name):
    return (FileStore(str(folder / (name + ".ids"))),
            FileStore(str(folder / (name + ".spool")), hashed=False))


def _both(paths, folder, min_count=1, max_vocab=None, lowercase=False):
    """(count_and_encode's result, count_and_encode_halves's result) on ``paths``."""
    source = paths[0] if len(paths) == 1 else paths
    one = count_and_encode(source, min_count, max_vocab, lowercase, None,
                           *_stores(folder, "one"))
    two = halves.count_and_encode_halves(paths, min_count, max_vocab, lowercase, None,
                                         *_stores(folder, "two"))
    return one, two


def _assert_same(one, two):
    (v1, e1), (v2, e2) = one, two
    assert v1.words == v2.words and np.array_equal(v1.counts, v2.counts)
    assert v1.raw_words == v2.raw_words == e1.raw_words == e2.raw_words
    assert np.array_equal(e1.ids, e2.ids) and np.array_equal(e1.starts, e2.starts)


def _write(path, lines):
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return str(path)


lines = st.lists(st.lists(st.sampled_from("a b c d é x Y".split()), max_size=9).map(" ".join),
                 min_size=2, max_size=40)


@settings(max_examples=40, deadline=None)
@given(st.lists(lines, min_size=1, max_size=3), st.integers(1, 3), st.booleans())
def test_the_halves_give_the_one_process_result(tmp_path_factory, files, min_count,
                                                lowercase):
    halves.MIN_BYTES, saved = 0, halves.MIN_BYTES   # hypothesis forbids function fixtures
    try:
        folder = tmp_path_factory.mktemp("halves")
        paths = [_write(folder / ("f%d.txt" % i), text) for i, text in enumerate(files)]
        try:
            one = count_and_encode(paths if len(paths) > 1 else paths[0], min_count, None,
                                   lowercase, None, *_stores(folder, "one"))
        except CorpusError:     # nothing kept: the halves refuse it too
            with pytest.raises(CorpusError):
                halves.count_and_encode_halves(paths, min_count, None, lowercase, None,
                                               *_stores(folder, "two"))
            return
        two = halves.count_and_encode_halves(paths, min_count, None, lowercase, None,
                                             *_stores(folder, "two"))
        _assert_same(one, two)
    finally:
        halves.MIN_BYTES = saved


def test_a_file_is_cut_at_a_line_start_near_its_middle(tmp_path, no_minimum):
    path = _write(tmp_path / "c.txt", ["w%d " % i * 50 for i in range(100)])
    first, second = halves.plan_halves([path])
    (p1, start1, cut), (p2, start2, stop2) = first[0], second[0]
    data = open(path, "rb").read()
    assert p1 == p2 == path and start1 == 0 and stop2 is None and start2 == cut
    assert data[cut - 1:cut] == b"\n" and abs(cut - len(data) / 2) < len(data) / 50


def test_pieces_of_a_huge_line_after_the_middle_stay_whole(tmp_path, no_minimum):
    """The middle falls in a line longer than MAX_PIECE that ends its file: the cut
    is after that file, so the line's pieces are cut as in one process."""
    head = _write(tmp_path / "a.txt", ["a b c"] * 10)
    huge = _write(tmp_path / "b.txt", ["x y", " ".join(["z", "q"] * MAX_PIECE)])
    tail = _write(tmp_path / "c.txt", ["r s t u"] * 1000)
    first, second = halves.plan_halves([head, huge, tail])
    assert first == [(head, 0, None), (huge, 0, None)] and second == [(tail, 0, None)]
    _assert_same(*_both([head, huge, tail], tmp_path))


def test_a_second_file_is_read_by_the_child(tmp_path, no_minimum):
    paths = [_write(tmp_path / "a.txt", ["the cat sat"] * 100),
             _write(tmp_path / "b.txt", ["a dog ran far"] * 50)]
    first, second = halves.plan_halves(paths)
    assert first[0][0] == second[0][0] == paths[0] and second[-1] == (paths[1], 0, None)
    _assert_same(*_both(paths, tmp_path))


def test_what_cannot_be_cut_is_read_in_one_process(tmp_path, no_minimum):
    packed = tmp_path / "c.txt.gz"
    with gzip.open(packed, "wt") as f:
        f.write("a b\n" * 100)
    plain = _write(tmp_path / "p.txt", ["a b"] * 100)
    assert halves.plan_halves([str(packed)]) is None
    assert halves.plan_halves(["-"]) is None
    halves.MIN_BYTES = os.path.getsize(plain) + 1
    assert halves.plan_halves([plain]) is None
    _assert_same(*_both([str(packed)], tmp_path))


def test_bad_bytes_in_the_second_half_are_reported_with_their_line(tmp_path, no_minimum):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"good words here\n" * 40 + b"caf\xe9 au lait\n" + b"more words\n" * 3)
    with pytest.raises(CorpusError) as one:
        count_and_encode(str(path), 1, None, False, None, *_stores(tmp_path, "one"))
    with pytest.raises(CorpusError) as two:
        halves.count_and_encode_halves([str(path)], 1, None, False, None,
                                       *_stores(tmp_path, "two"))
    assert str(two.value) == str(one.value) and ":41:" in str(two.value)
    assert not [name for name in os.listdir(tmp_path) if "second" in name]


def test_a_killed_child_means_one_process_reads_it_all(tmp_path, no_minimum, monkeypatch):
    path = _write(tmp_path / "k.txt", ["one two three"] * 60)
    monkeypatch.setattr(halves, "_second_half", lambda *args: os.kill(os.getpid(), 9))
    one, two = _both([path], tmp_path)
    _assert_same(one, two)
    assert not [name for name in os.listdir(tmp_path) if "second" in name]
