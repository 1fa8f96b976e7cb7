"""plots.py: the word-vector figure (readable labels), the loss curve, sentiment figures."""

import itertools
import os
from collections import namedtuple

import numpy as np
import pytest

from w2v import plots

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
WORDS = plots.VISUALIZE_WORDS
TOKENS = {w: i for i, w in enumerate(WORDS)}


def layouts():
    """Vectors of the real word list that are hard to label: (name, (V, d) array)."""
    rng = np.random.default_rng(0)
    n = len(WORDS)
    outlier = rng.normal(size=(n, 10))
    outlier[WORDS.index("hail")] = 40.0  # far from the rest, as in the real default run
    return [("random", rng.normal(size=(n, 10))),
            ("three tight clusters", np.repeat(rng.normal(size=(3, 10)), 8, axis=0)
             + 1e-3 * rng.normal(size=(n, 10))),
            ("two points only", np.repeat(np.eye(10)[:2], n // 2, axis=0)),
            ("one far outlier", outlier),
            ("d = 1", rng.normal(size=(n, 1)))]


def boxes_of(fig, texts):
    renderer = fig.canvas.get_renderer()
    return fig.axes[0].get_window_extent(renderer), [t.get_window_extent(renderer)
                                                     for t in texts]


@pytest.mark.parametrize("name, wordVectors", layouts(), ids=[n for n, _ in layouts()])
def test_labels_inside_the_axes_and_apart(name, wordVectors):
    fig, texts, coord = plots.word_vector_figure(wordVectors, TOKENS)
    frame, boxes = boxes_of(fig, texts)
    assert [t.get_text().split(" (")[0] for t in texts] == WORDS
    for text, box in zip(texts, boxes):
        assert (frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0
                and box.y1 <= frame.y1), "%s: %r sticks out of the axes" % (name, text)
        assert box.width > 10 and box.height > 5  # drawn at a readable size
    for (a, box_a), (b, box_b) in itertools.combinations(zip(texts, boxes), 2):
        assert not box_a.overlaps(box_b), "%s: %r overlaps %r" % (name, a, b)


def test_a_far_outlier_does_not_squeeze_the_rest():
    _, wordVectors = layouts()[3]
    fig, texts, coord = plots.word_vector_figure(wordVectors, TOKENS)
    ax = fig.axes[0]
    hail = WORDS.index("hail")
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    others = np.delete(coord, hail, axis=0)
    # The others fill the view: it is at most 1.5 times as wide as they are.
    assert x1 - x0 < 1.5 * np.ptp(others[:, 0]) or y1 - y0 < 1.5 * np.ptp(others[:, 1])
    assert not (x0 <= coord[hail, 0] <= x1 and y0 <= coord[hail, 1] <= y1)
    # ... and the outlier is still shown, at the edge, its coordinates in its label.
    label = texts[hail].get_text()
    assert label.startswith("hail (") and "%.2g" % coord[hail, 0] in label


def test_axes_say_what_they_show_and_groups_have_colours():
    rng = np.random.default_rng(3)
    fig, texts, coord = plots.word_vector_figure(rng.normal(size=(len(WORDS), 5)), TOKENS)
    ax = fig.axes[0]
    _, share = plots.project_2d(rng.normal(size=(len(WORDS), 5)))
    assert ax.get_xlabel().startswith("first singular direction (")
    assert ax.get_ylabel().startswith("second singular direction (")
    assert "% of the variance)" in ax.get_xlabel()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["positive words", "negative words", "other words"]
    colours = {w: t.get_color() for w, t in zip(WORDS, texts)}
    assert colours["great"] == colours["sweet"] == plots.GROUP_COLOURS["positive"]
    assert colours["boring"] == colours["dumb"] == plots.GROUP_COLOURS["negative"]
    assert colours["tea"] == colours["king"] == plots.GROUP_COLOURS["other"]


def test_projection_is_the_centred_svd():
    rng = np.random.default_rng(4)
    vecs = rng.normal(size=(12, 6)) * [5, 3, 1, 1, 1, 1]
    coord, share = plots.project_2d(vecs)
    centred = vecs - vecs.mean(axis=0)
    eigen = np.linalg.eigvalsh(centred.T @ centred / len(vecs))[::-1]
    assert np.allclose(share, eigen[:2] / eigen.sum())
    # The two coordinates are uncorrelated and carry the two largest variances.
    assert np.allclose(np.var(coord, axis=0), eigen[:2])
    assert abs(np.mean(coord[:, 0] * coord[:, 1])) < 1e-9


def test_plot_word_vectors_png(tmp_path, capsys):
    rng = np.random.default_rng(5)
    tokens = dict(TOKENS, unrelated=len(TOKENS))
    del tokens["hail"], tokens["tea"]
    wordVectors = rng.normal(size=(len(TOKENS) + 1, 4))
    path = tmp_path / "word_vectors.png"
    coord = plots.plot_word_vectors(wordVectors, tokens, str(path))
    assert path.read_bytes()[:8] == PNG_MAGIC
    assert coord.shape == (len(WORDS) - 2, 2)
    assert "left out of the plot: hail, tea" in capsys.readouterr().out


def test_plot_word_vectors_refuses_what_it_cannot_draw(tmp_path):
    with pytest.raises(ValueError, match="fewer than two of the words"):
        plots.plot_word_vectors(np.ones((3, 2)), {"great": 0, "x": 1}, str(tmp_path / "a.png"))
    bad = np.ones((len(WORDS), 3))
    bad[2, 1] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite"):
        plots.plot_word_vectors(bad, TOKENS, str(tmp_path / "b.png"))
    assert not list(tmp_path.iterdir())


def test_loss_curve_png(tmp_path):
    path = tmp_path / "loss.png"
    history = [(i, 20.0 * np.exp(-i / 500) + 9) for i in range(10, 2001, 10)]
    assert plots.plot_loss_curve(history, str(path)) == str(path)
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC and len(data) > 1000
    with pytest.raises(ValueError, match="empty"):
        plots.plot_loss_curve([], str(tmp_path / "empty.png"))


Sweep = namedtuple("Sweep", "Cs train_accuracy dev_accuracy best")


def test_sentiment_figures(tmp_path):
    Cs = np.logspace(-2, 2, 5)
    result = {"sweep": Sweep(Cs, np.linspace(0.3, 0.5, 5), np.array([.3, .35, .4, .38, .37]), 2),
              "baseline": {"dev": 0.25}}
    path = plots.plot_accuracy([("5 classes", result), ("binary", result)],
                               str(tmp_path / "acc.png"))
    assert (tmp_path / "acc.png").read_bytes()[:8] == PNG_MAGIC and path.endswith("acc.png")
    names = ("very negative", "negative", "neutral", "positive", "very positive")
    cm = plots.plot_confusion([0, 1, 1, 4, 2], [0, 1, 2, 4, 4], str(tmp_path / "cm.png"), names)
    assert cm.shape == (5, 5) and np.trace(cm) == 3 and cm[1, 2] == 1 and cm[2, 4] == 1
    assert (tmp_path / "cm.png").read_bytes()[:8] == PNG_MAGIC


def test_draw_or_warn_turns_a_failed_figure_into_one_warning(tmp_path, capsys):
    path = str(tmp_path / "fig.png")
    assert plots.draw_or_warn(lambda p: plots.plot_loss_curve([(10, 2.0), (20, 1.5)], p), path)
    assert os.path.getsize(path) > 0 and capsys.readouterr().err == ""

    def broken(p):
        raise ValueError("no points")

    assert not plots.draw_or_warn(broken, str(tmp_path / "bad.png"))
    assert capsys.readouterr().err == ("warning: could not draw %s (ValueError: no points);"
                                       " the vectors are saved\n" % (tmp_path / "bad.png"))
    assert not os.path.exists(tmp_path / "bad.png")
