"""The encoded corpus kept between runs (training/corpus_cache.py, training/reading.py):
reused while the files are unchanged, refused when they changed, never half written."""

import os

import numpy as np
import pytest

import w2v
from w2v.training import corpus_cache
from w2v.training import options as opts
from w2v.training.corpus import CorpusError, build_vocabulary, encode
from w2v.training.idstore import MappedCorpus
from w2v.training.reading import encode_source
from w2v.training.trainer import fingerprint


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("W2V_CACHE_DIR", str(folder))
    return folder


def _corpus(path, seed=0, lines=200):
    rng = np.random.default_rng(seed)
    words = ["w%d" % i for i in range(80)]
    p = 1.0 / np.arange(1, 81)
    text = [" ".join(rng.choice(words, size=int(rng.integers(1, 30)), p=p / p.sum()))
            for _ in range(lines)]
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    return str(path)


def _read(source, said, cache=True, **options):
    return encode_source(source, opts.make(**options), said.append, None,
                         os.path.dirname(source if isinstance(source, str) else source[0]),
                         cache)


def _assert_fresh(result, path, min_count=5):
    vocab, encoded = result
    want_vocab = build_vocabulary(path, min_count)
    want = encode(path, want_vocab)
    assert vocab.words == want_vocab.words and np.array_equal(vocab.counts, want_vocab.counts)
    assert np.array_equal(encoded.ids, want.ids) and np.array_equal(encoded.starts, want.starts)
    assert encoded.raw_words == want.raw_words
    assert encoded.fingerprint == fingerprint(want, want_vocab.words, want_vocab.counts)


def test_a_second_run_reuses_the_encoding(tmp_path, cache):
    path, said = _corpus(tmp_path / "c.txt"), []
    _assert_fresh(_read(path, said), path)
    (entry,) = os.listdir(cache)
    assert sorted(os.listdir(cache / entry)) == ["ids.i32", "index.npz", "meta.json",
                                                 "words.txt"]
    again = _read(path, said)
    assert isinstance(again[1], MappedCorpus)
    assert any(line.startswith("Reusing the encoded corpus") for line in said)
    _assert_fresh(again, path)


def test_a_changed_file_is_read_again(tmp_path, cache):
    path, said = _corpus(tmp_path / "c.txt"), []
    _read(path, said)
    _corpus(tmp_path / "c.txt", seed=1, lines=150)         # other text, other size
    _assert_fresh(_read(path, said), path)
    assert any("changed since it was encoded" in line and "size" in line for line in said)
    assert len(os.listdir(cache)) == 1                     # the entry was replaced


def test_same_size_and_time_but_other_bytes_are_caught_by_the_hash(tmp_path, cache):
    path, said = _corpus(tmp_path / "c.txt"), []
    _read(path, said)
    st = os.stat(path)
    data = bytearray(open(path, "rb").read())
    data[data.index(b"w1 ")] = ord("x")                     # same length
    open(path, "wb").write(bytes(data))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    _assert_fresh(_read(path, said), path)
    assert any("SHA-256" in line and "changed" in line for line in said)


def test_other_reading_settings_have_their_own_entry(tmp_path, cache):
    path, said = _corpus(tmp_path / "c.txt"), []
    _read(path, said)
    _assert_fresh(_read(path, said, min_count=3), path, min_count=3)
    assert len(os.listdir(cache)) == 2
    assert not any(line.startswith("Reusing") for line in said)


def test_no_cache_keeps_nothing(tmp_path, cache):
    path, said = _corpus(tmp_path / "c.txt"), []
    _assert_fresh(_read(path, said, cache=False), path)
    assert not cache.exists() or os.listdir(cache) == []
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".w2v-ids-")]


def test_a_damaged_entry_is_not_used(tmp_path, cache):
    path, said = _corpus(tmp_path / "c.txt"), []
    _read(path, said)
    (entry,) = os.listdir(cache)
    ids = cache / entry / "ids.i32"
    ids.write_bytes(ids.read_bytes()[:-8])
    _assert_fresh(_read(path, said), path)
    assert any("cannot be used" in line for line in said)


def test_a_failed_reading_leaves_no_build_folder(tmp_path, cache):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"good words here\nbad \xff byte\n")
    with pytest.raises(CorpusError, match="not UTF-8"):
        _read(str(path), [])
    assert os.listdir(cache) == []


def test_eviction_keeps_the_most_recently_used(tmp_path, cache):
    paths = [_corpus(tmp_path / ("c%d.txt" % i), seed=i) for i in range(3)]
    for i, path in enumerate(paths):
        _read(path, [])
        os.utime(cache / corpus_cache.entry_name([path], opts.make()) / "meta.json",
                 (1000 + i, 1000 + i))
    os.makedirs(cache / ".build-999999999-x")              # a crashed run's (no such pid)
    corpus_cache.evict(str(cache), keep=2)
    kept = set(os.listdir(cache))
    assert kept == {corpus_cache.entry_name([p], opts.make()) for p in paths[1:]}


def test_training_from_the_cache_gives_the_same_vectors(tmp_path, cache):
    path = _corpus(tmp_path / "c.txt", lines=400)
    settings = dict(dim=8, epochs=2, workers=1, min_count=2, verbose=False)
    fresh = w2v.train(path, cache=False, **settings)
    first = w2v.train(path, **settings)                    # makes the entry
    reused = w2v.train(path, **settings)                   # reads it
    assert len(os.listdir(cache)) == 1
    assert np.array_equal(fresh.wv.vectors, first.wv.vectors)
    assert np.array_equal(fresh.wv.vectors, reused.wv.vectors)


def test_release_hands_the_pages_back(tmp_path):
    """A finished job's ids leave the process's resident memory (Linux's RssFile)."""
    status = "/proc/self/status"
    if not os.path.exists(status):
        pytest.skip("needs Linux's /proc/self/status to read the resident memory")
    n = 16 << 20                                           # 64 MiB of ids
    np.arange(n, dtype=np.int32).tofile(tmp_path / "ids.i32")
    mapped = MappedCorpus.open(str(tmp_path / "ids.i32"), np.array([0, n]), n)

    def rss_file_kib():
        with open(status) as f:
            return next(int(line.split()[1]) for line in f if line.startswith("RssFile"))
    assert int(mapped.ids.sum(dtype=np.int64)) == n * (n - 1) // 2   # every page read
    touched = rss_file_kib()
    mapped.release(0, n)
    assert touched - rss_file_kib() > 48 * 1024
    assert int(mapped.ids[n - 1]) == n - 1                 # read again from the file


def test_releasing_job_after_job_leaves_no_page_behind(tmp_path):
    """Jobs of 10,000 ids end inside pages; released in order, every page but the
    last job's last one goes (no page per job left behind: 4 KiB a job)."""
    status = "/proc/self/status"
    if not os.path.exists(status):
        pytest.skip("needs Linux's /proc/self/status to read the resident memory")
    n, job = 4 << 20, 10000                                # 16 MiB of ids, 420 jobs
    np.arange(n, dtype=np.int32).tofile(tmp_path / "ids.i32")
    mapped = MappedCorpus.open(str(tmp_path / "ids.i32"), np.array([0, n]), n)
    before = _rss_file_kib(status)
    for lo in range(0, n, job):
        hi = min(lo + job, n)
        assert int(mapped.ids[lo:hi].sum(dtype=np.int64)) == (lo + hi - 1) * (hi - lo) // 2
        mapped.release(lo, hi)
    assert _rss_file_kib(status) - before < 256             # 420 leftover pages: 1680 KiB


def _rss_file_kib(status):
    with open(status) as f:
        return next(int(line.split()[1]) for line in f if line.startswith("RssFile"))

