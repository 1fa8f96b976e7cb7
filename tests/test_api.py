"""The Python API: w2v.train, Word2Vec.save / w2v.load, the options, python -m w2v."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import w2v
from tests.conftest import ROOT
from tests.test_train import write_corpus
from w2v.commands import train as train_command

SMALL = dict(dim=16, epochs=5, min_count=2, workers=1, seed=3)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("api") / "corpus.txt"
    write_corpus(path, lines=300)
    return path


@pytest.fixture(scope="module")
def model(corpus):
    return w2v.train(str(corpus), verbose=False, **SMALL)


def test_train_returns_a_model_whose_vectors_learned_the_topics(model):
    assert isinstance(model, w2v.Word2Vec) and isinstance(model.wv, w2v.KeyedVectors)
    V = len(model.wv)
    assert model.wv.vectors.shape == (V, 16) and model.syn1.shape == (V, 16)
    assert "apple0" in model.wv and "pear" not in model.wv
    # Each topic word's nearest topic word is of its own topic (as test_train checks
    # of the command's output folder).
    topical = [w for w in model.wv.index_to_key if w[0] in "ab"]
    rows = model.wv.vectors[[model.wv.key_to_index[w] for w in topical]]
    unit = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    cos = unit @ unit.T
    np.fill_diagonal(cos, -2)
    own = [topical[i][0] == topical[j][0] for i, j in enumerate(np.argmax(cos, axis=1))]
    assert np.mean(own) >= 0.9
    assert len(model.loss_history) > 0 and all(np.isfinite(loss)
                                               for _, loss in model.loss_history)


def test_the_api_and_the_command_train_the_same_vectors(tmp_path, corpus, model):
    """One vocabulary of options, one pipeline: with one worker, bit for bit."""
    args = ["--corpus", str(corpus), "--outdir", str(tmp_path)]
    for name, value in SMALL.items():
        args += ["--" + name.replace("_", "-"), str(value)]
    assert train_command.main(args) == 0
    from_disk = w2v.load(str(tmp_path))
    assert from_disk.wv.index_to_key == model.wv.index_to_key
    assert np.array_equal(from_disk.wv.vectors, model.wv.vectors)
    assert np.array_equal(from_disk.syn1, model.syn1)
    assert from_disk.options == model.options


def test_sources_a_list_of_paths_and_token_lists(tmp_path, corpus):
    lines = corpus.read_text(encoding="utf-8").splitlines()
    half = len(lines) // 2
    (tmp_path / "a.txt").write_text("\n".join(lines[:half]) + "\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("\n".join(lines[half:]) + "\n", encoding="utf-8")
    whole = w2v.train(str(corpus), verbose=False, **SMALL)
    parts = w2v.train([str(tmp_path / "a.txt"), tmp_path / "b.txt"], verbose=False, **SMALL)
    tokens = w2v.train([line.split() for line in lines], verbose=False, **SMALL)
    for other in (parts, tokens):
        assert other.wv.index_to_key == whole.wv.index_to_key
        assert np.array_equal(other.wv.vectors, whole.wv.vectors)


def test_callbacks_get_each_epoch_and_verbose_false_prints_nothing(corpus, capsys):
    seen = []
    w2v.train(str(corpus), verbose=False, callbacks=[seen.append], **SMALL)
    assert capsys.readouterr().out == ""
    assert [s.epoch for s in seen] == [1, 2, 3, 4, 5] and all(s.epochs == 5 for s in seen)
    assert all(np.isfinite(s.loss) and s.words_per_second > 0 for s in seen)
    assert seen[0].alpha > seen[-1].alpha
    w2v.train(str(corpus), **SMALL)
    out = capsys.readouterr().out
    assert "Vocabulary:" in out and "epoch 5/5: loss" in out


@pytest.mark.parametrize("options, name", [
    (dict(dim=0), "dim"), (dict(window=-1), "window"), (dict(model="glove"), "model"),
    (dict(loss="nce"), "loss"), (dict(sample=1.5), "sample"), (dict(seed=-1), "seed"),
    (dict(alpha=0.01, min_alpha=0.1), "min_alpha"), (dict(dimension=10), "dimension"),
    (dict(checkpoint_every=1e-9), "checkpoint_every"), (dict(epochs=2.5), "epochs")])
def test_bad_options_name_the_argument(corpus, options, name):
    with pytest.raises(w2v.OptionError) as info:
        w2v.train(str(corpus), verbose=False, **options)
    assert isinstance(info.value, ValueError) and info.value.name == name
    assert str(info.value).startswith(name + " ")


def test_a_bad_corpus_is_a_clear_error(tmp_path):
    with pytest.raises(w2v.CorpusError, match="not found"):
        w2v.train(str(tmp_path / "missing.txt"), verbose=False)
    with pytest.raises(w2v.CorpusError, match="one-shot iterator"):
        w2v.train(iter([["a", "b"]]), verbose=False)


def test_outdir_checkpoints_and_resumes(tmp_path, corpus, model, capsys):
    first = w2v.train(str(corpus), outdir=str(tmp_path), verbose=True, **SMALL)
    assert any(name.startswith("saved_state_") for name in os.listdir(tmp_path / "checkpoints"))
    again = w2v.train(str(corpus), outdir=str(tmp_path), **SMALL)
    assert "Resuming from" in capsys.readouterr().out
    assert np.array_equal(again.wv.vectors, first.wv.vectors)
    assert np.array_equal(first.wv.vectors, model.wv.vectors)  # checkpoints change nothing


def test_save_and_load_round_trip_without_pickle(tmp_path, model):
    paths = model.save(str(tmp_path / "m"))
    assert sorted(os.path.basename(p) for p in paths) == ["model.json", "vocab.txt",
                                                          "wordVectors.npy"]
    back = w2v.load(str(tmp_path / "m"))
    assert back.wv.index_to_key == model.wv.index_to_key and back.options == model.options
    assert np.array_equal(back.wv.vectors, model.wv.vectors)
    assert np.array_equal(back.wv.counts, model.wv.counts)
    assert back.loss_history == [tuple(h) for h in model.loss_history]
    mapped = w2v.load(str(tmp_path / "m"), mmap=True)
    assert isinstance(mapped.wv.vectors.base, np.memmap) or \
        isinstance(mapped.wv.vectors, np.memmap)
    assert np.array_equal(mapped.wv.vectors, model.wv.vectors)


def test_an_altered_or_incomplete_model_is_refused(tmp_path, model):
    folder = tmp_path / "m"
    model.save(str(folder))
    vectors = np.load(folder / "wordVectors.npy")
    vectors[0, 0] += 1
    np.save(folder / "wordVectors.npy", vectors)
    with pytest.raises(w2v.ModelError, match="wordVectors.npy differs"):
        w2v.load(str(folder))
    model.save(str(folder))
    meta = json.loads((folder / "model.json").read_text())
    meta["options"]["dim"] = -4
    (folder / "model.json").write_text(json.dumps(meta))
    with pytest.raises(w2v.ModelError, match="options are not valid"):
        w2v.load(str(folder))
    (folder / "model.json").write_text("[" * 100000)
    with pytest.raises(w2v.ModelError, match="not a model file"):
        w2v.load(str(folder))
    os.remove(folder / "model.json")
    with pytest.raises(w2v.ModelError, match="not a saved model"):
        w2v.load(str(folder))


def _python_m_w2v(*args, cwd=ROOT):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "w2v", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_python_m_w2v_lists_and_runs_the_commands(tmp_path):
    out = _python_m_w2v("--help", cwd=tmp_path)
    assert out.returncode == 0
    for command in ("train", "evaluate", "explore"):
        assert "\n  %s " % command in out.stdout
    assert _python_m_w2v(cwd=tmp_path).returncode == 2
    wrong = _python_m_w2v("trian", cwd=tmp_path)
    assert wrong.returncode == 2 and "unknown command 'trian'" in wrong.stderr
    helped = _python_m_w2v("train", "--help", cwd=tmp_path)
    assert helped.returncode == 0 and "--negative K" in helped.stdout
    assert os.listdir(tmp_path) == []


def test_a_million_word_model_opens_memory_mapped(tmp_path):
    V, d = 1_000_000, 4
    rng = np.random.default_rng(0)
    words = ["w%d" % i for i in range(V)]
    kv = w2v.KeyedVectors(words, rng.random((V, d), dtype=np.float32),
                          np.arange(V, 0, -1, dtype=np.int64))
    model = w2v.Word2Vec(kv, rng.random((V, d), dtype=np.float32), w2v.Options(dim=d))
    model.save(str(tmp_path))
    mapped = w2v.load(str(tmp_path), mmap=True)
    assert isinstance(mapped.wv.vectors.base, np.memmap)
    assert len(mapped.wv) == V and mapped.wv.index_to_key[-1] == "w999999"
    assert np.array_equal(mapped.wv.vectors[-5:], kv.vectors[-5:])
    with open(tmp_path / "wordVectors.npy", "ab") as f:
        f.write(b"\0" * 16)  # a size the model file did not record
    with pytest.raises(w2v.ModelError, match="differs"):
        w2v.load(str(tmp_path), mmap=True)
