"""Every figure of the project, drawn off-screen and written atomically as PNG.

* ``plot_word_vectors`` -- chosen words' vectors projected on their first two
  singular directions, coloured by sentiment group, labels kept apart;
* ``plot_loss_curve`` -- the training loss against the iteration;
* ``plot_accuracy``, ``plot_confusion`` -- sentiment.py's sweep and confusion matrix;
* ``draw_or_warn`` -- a trainer's figure, which must never lose the run it follows.
"""

import sys

import numpy as np

# The Figure class and the Agg canvas, not pyplot: no screen is needed (every
# figure goes to a file), nothing global to close, and a quarter less to import.
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from w2v.infra.fileio import atomic_write

# The assignment's words for word_vectors.png.
VISUALIZE_WORDS = [
    "great", "cool", "brilliant", "wonderful", "well", "amazing",
    "worth", "sweet", "enjoyable", "boring", "bad", "dumb",
    "annoying", "female", "male", "queen", "king", "man", "woman", "rain", "snow",
    "hail", "coffee", "tea"]
POSITIVE_WORDS = frozenset(("great", "cool", "brilliant", "wonderful", "well", "amazing",
                            "worth", "sweet", "enjoyable"))
NEGATIVE_WORDS = frozenset(("boring", "bad", "dumb", "annoying"))
# group name -> colour (Dark2: told apart with any colour vision)
GROUP_COLOURS = {"positive": "#1b9e77", "negative": "#d95f02", "other": "#7570b3"}

OUTLIER_IQRS = 3.0  # points beyond 3 interquartile ranges of the quartiles are drawn at the edge


def _figure(**kwargs):
    """A new Figure (``Figure``'s arguments) on an off-screen Agg canvas."""
    fig = Figure(**kwargs)
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path):
    """Write ``fig`` to ``path`` as PNG, atomically."""
    atomic_write(path, lambda f: fig.savefig(f, format="png"))
    return path


def draw_or_warn(draw, path):
    """draw(path); True if it worked. A figure comes after the vectors are saved, so
    one that cannot be drawn is only a warning on stderr, naming the cause."""
    try:
        draw(path)
    except Exception as err:
        print("warning: could not draw %s (%s: %s); the vectors are saved"
              % (path, type(err).__name__, err), file=sys.stderr)
        return False
    return True


# ---- word vectors ----------------------------------------------------------------

def word_group(word):
    """"positive", "negative" or "other": the sentiment group the plot colours ``word`` by."""
    if word in POSITIVE_WORDS:
        return "positive"
    return "negative" if word in NEGATIVE_WORDS else "other"


def project_2d(vecs):
    """Coordinates (n, 2) of the rows of ``vecs`` (n, d) on their first two singular
    directions, and each direction's share of the variance (2,).

    The rows are centred, then projected on the top two eigenvectors of their
    covariance (its SVD); with d = 1 the second coordinate is 0.
    """
    centred = vecs - np.mean(vecs, axis=0)
    covariance = centred.T @ centred / len(vecs)
    U, S, _ = np.linalg.svd(covariance)
    coord = np.zeros((len(vecs), 2))
    coord[:, :min(2, U.shape[1])] = centred @ U[:, :2]
    share = np.zeros(2)
    share[:min(2, len(S))] = S[:2] / S.sum() if S.sum() > 0 else 0.0
    return coord, share


def _view(coord):
    """Axis limits (2, 2) and where each point is drawn (n, 2).

    The view holds every point but far outliers (beyond OUTLIER_IQRS
    interquartile ranges of the quartiles, on either axis), which are drawn
    on its edge instead, so one far word does not squeeze the others.
    """
    q1, q3 = np.percentile(coord, [25, 75], axis=0)
    reach = OUTLIER_IQRS * (q3 - q1)
    inlier = np.all((coord >= q1 - reach) & (coord <= q3 + reach), axis=1)
    lo, hi = coord[inlier].min(axis=0), coord[inlier].max(axis=0)
    # A direction without variance (all words on a line) gets the other's scale.
    span = np.maximum(hi - lo, 1e-3 * max(np.max(hi - lo), 1e-9))
    shown = np.clip(coord, lo - 0.05 * span, hi + 0.05 * span)
    return np.stack((lo - 0.09 * span, hi + 0.09 * span)), shown


def word_vector_figure(wordVectors, tokens, words=VISUALIZE_WORDS):
    """Draw the word-vector plot: returns (figure, the label Text artists, coord (n, 2)).

    wordVectors -- (V, d), row tokens[w] the vector of word w (run.py passes
                   the centre vectors v_w)
    Words missing from ``tokens`` are left out and named. Points beyond the
    view (far outliers) sit on its edge as triangles, their coordinates in
    the label. Raises ValueError when fewer than two words can be drawn.
    """
    missing = [w for w in words if w not in tokens]
    if missing:
        print("Not in the vocabulary, left out of the plot: %s" % ", ".join(missing))
    words = [w for w in words if w in tokens]
    if len(words) < 2:
        raise ValueError("cannot plot the word vectors: fewer than two of the words are in"
                         " the vocabulary (%d of %d)" % (len(words), len(words) + len(missing)))
    vecs = np.asarray(wordVectors, dtype=float)[[tokens[w] for w in words], :]
    if not np.all(np.isfinite(vecs)):
        raise ValueError("cannot plot the word vectors: they hold NaN or infinite values")
    coord, share = project_2d(vecs)
    limits, shown = _view(coord)
    clipped = np.any(shown != coord, axis=1)

    fig = _figure(figsize=(9, 6.5), dpi=110)
    ax = fig.subplots()
    for group, colour in GROUP_COLOURS.items():
        members = [i for i, w in enumerate(words) if word_group(w) == group]
        if members:
            ax.scatter(shown[members, 0], shown[members, 1], s=28, color=colour,
                       label="%s words" % group, zorder=3)
    if clipped.any():
        ax.scatter(shown[clipped, 0], shown[clipped, 1], s=90, marker="^", facecolor="none",
                   edgecolor="black", zorder=4, label="outlier shown at the edge\n"
                   "(its coordinates in brackets)")
    ax.set_xlim(*limits[:, 0])
    ax.set_ylim(*limits[:, 1])
    ax.set_xlabel("first singular direction (%.0f%% of the variance)" % (100 * share[0]))
    ax.set_ylabel("second singular direction (%.0f%% of the variance)" % (100 * share[1]))
    ax.set_title("Word vectors projected on their first two singular directions")
    ax.grid(True, alpha=0.25)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    fig.tight_layout()  # fixes the axes' place: the labels are placed in pixels after it

    texts = []
    for i, word in enumerate(words):
        text = word if not clipped[i] else "%s (%.2g, %.2g)" % (word, *coord[i])
        texts.append(ax.text(shown[i, 0], shown[i, 1], text, fontsize=10, zorder=5,
                             color=GROUP_COLOURS[word_group(word)], ha="left", va="bottom",
                             path_effects=[patheffects.withStroke(linewidth=3,
                                                                  foreground="white")]))
    place_labels(ax, shown, texts)
    return fig, texts, coord


def plot_word_vectors(wordVectors, tokens, path, words=VISUALIZE_WORDS):
    """Project the vectors of ``words`` to 2-D and save the labelled scatter as ``path``.

    The projection: centre the chosen vectors, take the SVD of their
    covariance, keep the first two directions (``project_2d``). Words missing
    from the vocabulary are left out (and named). Returns the (n, 2) coordinates.
    """
    fig, _, coord = word_vector_figure(wordVectors, tokens, words)
    _save(fig, path)
    return coord


# ---- label placement -------------------------------------------------------------

def _overlap(boxes, obstacles):
    """(M,) total overlap area of each box (M, 4) with the obstacles (K, 4); boxes x0 y0 x1 y1."""
    if len(obstacles) == 0:
        return np.zeros(len(boxes))
    b, o = boxes[:, None, :], obstacles[None, :, :]
    w = np.minimum(b[..., 2], o[..., 2]) - np.maximum(b[..., 0], o[..., 0])
    h = np.minimum(b[..., 3], o[..., 3]) - np.maximum(b[..., 1], o[..., 1])
    return (np.clip(w, 0, None) * np.clip(h, 0, None)).sum(axis=1)


def _ring(p, w, h, gap):
    """Lower-left corners (8, 2) of the places touching the point p for a w x h label."""
    x, y = p
    return np.array([(x + gap, y - h / 2), (x - gap - w, y - h / 2), (x - w / 2, y + gap),
                     (x - w / 2, y - gap - h), (x + gap, y + gap), (x - gap - w, y + gap),
                     (x + gap, y - gap - h), (x - gap - w, y - gap - h)])


def _grid(w, h, area, step):
    """Lower-left corners (M, 2) of every place of a grid over ``area`` (the fallback)."""
    gx = np.arange(area[0], area[2] - w, step)
    gy = np.arange(area[1], area[3] - h, step)
    return np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2)


def _best_box(p, w, h, area, gap, obstacles):
    """The box (4,) for a w x h label of the point p: the free place nearest p, one
    touching p when there is one (then the grid need not be searched)."""
    def costs(corners):
        boxes = np.concatenate((corners, corners + [w, h]), axis=1)
        fits = ((boxes[:, 0] >= area[0]) & (boxes[:, 1] >= area[1])
                & (boxes[:, 2] <= area[2]) & (boxes[:, 3] <= area[3]))
        return boxes, (_overlap(boxes, obstacles) * 1e6 + _distance_to_box(p, boxes)
                       + np.where(fits, 0, 1e12))

    boxes, cost = costs(_ring(p, w, h, gap))
    if cost.min() > 2 * gap:  # every touching place is taken or outside
        grid_boxes, grid_cost = costs(_grid(w, h, area, step=4.0))
        # a free place touching the point beats a nearer grid place
        boxes = np.concatenate((boxes, grid_boxes))
        cost = np.concatenate((cost, grid_cost + 3 * gap))
    return boxes[int(np.argmin(cost))]


def _distance_to_box(p, boxes):
    """(M,) distance from the point p to the nearest point of each box."""
    dx = np.maximum(np.maximum(boxes[:, 0] - p[0], p[0] - boxes[:, 2]), 0)
    dy = np.maximum(np.maximum(boxes[:, 1] - p[1], p[1] - boxes[:, 3]), 0)
    return np.hypot(dx, dy)


def place_labels(ax, points, texts, gap=5.0, margin=2.0):
    """Move each text next to its point so that no two labels overlap, no label
    covers a point and all stay inside the axes; a label that had to move away
    from its point gets a thin leader line. points (n, 2) in data coordinates.

    Works in pixels on the figure's renderer: labels go in order of crowding,
    each to the free place nearest its point (touching it when possible).
    """
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    to_px, to_data = ax.transData, ax.transData.inverted()
    px = to_px.transform(points)
    frame = ax.get_window_extent(renderer)
    area = np.array([frame.x0, frame.y0, frame.x1, frame.y1]) + [margin, margin, -margin,
                                                                 -margin]
    dots = np.concatenate((px - 3, px + 3), axis=1)  # every point's marker, as an obstacle
    placed = np.zeros((0, 4))
    crowding = np.argsort(-np.sum(np.hypot(*(px[:, None] - px[None]).T) < 40, axis=0),
                          kind="stable")
    for i in crowding:
        extent = texts[i].get_window_extent(renderer)
        box = _best_box(px[i], extent.width + 2 * margin, extent.height + 2 * margin, area,
                        gap, np.concatenate((placed, dots)))
        placed = np.vstack((placed, box))
        texts[i].set_position(to_data.transform(box[:2] + margin))
        if _distance_to_box(px[i], box[None])[0] > 2 * gap:
            nearest = np.clip(px[i], box[:2], box[2:])
            line = to_data.transform(np.array([px[i], nearest]))
            ax.plot(line[:, 0], line[:, 1], color="0.6", linewidth=0.7, zorder=2)


# ---- training loss ---------------------------------------------------------------

def plot_loss_curve(history, path, xlabel="iteration", title="Skip-gram training loss"):
    """Save a PNG of the training loss: ``history`` is a list of (x, loss).

    x is the iteration (run.py) or the epoch (train.py), as ``xlabel`` says;
    the loss is the moving average the trainer prints. Returns ``path``.
    """
    history = list(history)
    if not history:
        raise ValueError("plot_loss_curve: the history is empty, nothing to plot")
    iterations, losses = zip(*history)
    fig = _figure(figsize=(7, 4.5))
    ax = fig.subplots()
    ax.plot(iterations, losses, color="tab:blue")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss (moving average)")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return _save(fig, path)


# ---- sentiment -------------------------------------------------------------------

def plot_accuracy(tasks, path):
    """Train and dev accuracy against C (log axis), best C marked, one panel per task.

    tasks -- list of (title, result), result a dict with "sweep" (Cs,
             train_accuracy, dev_accuracy, best) and "baseline" (split -> accuracy)
    """
    fig = _figure(figsize=(6 * len(tasks), 4.5))
    axes = fig.subplots(1, len(tasks), squeeze=False)
    for ax, (title, res) in zip(axes[0], tasks):
        s = res["sweep"]
        ax.semilogx(s.Cs, s.train_accuracy, "o-", label="train")
        ax.semilogx(s.Cs, s.dev_accuracy, "s-", label="dev")
        ax.plot([s.Cs[s.best]], [s.dev_accuracy[s.best]], "*", color="red", markersize=16,
                label="best on dev: C = %.3g" % s.Cs[s.best])
        ax.axhline(res["baseline"]["dev"], color="gray", linestyle="--",
                   label="majority baseline (dev)")
        ax.set_xlabel("C (inverse regularisation strength; larger = weaker)")
        ax.set_ylabel("accuracy")
        ax.set_title(title)
        ax.grid(True, alpha=0.3)
        ax.legend(loc="best", fontsize="small")
    fig.tight_layout()
    return _save(fig, path)


def plot_confusion(y_true, y_pred, path, class_names, title="5-class sentiment, test set"):
    """Save an annotated confusion matrix (rows true, columns predicted); returns it.

    class_names -- the names of classes 0 .. n-1
    """
    from sklearn.metrics import confusion_matrix

    n = len(class_names)
    cm = confusion_matrix(y_true, y_pred, labels=list(range(n)))
    fig = _figure(figsize=(7, 6))
    ax = fig.subplots()
    image = ax.imshow(cm, cmap="Blues")
    fig.colorbar(image, ax=ax, label="sentences")
    names = ["%d %s" % (k, name) for k, name in enumerate(class_names)]
    ax.set_xticks(range(n), names, rotation=30, ha="right")
    ax.set_yticks(range(n), names)
    threshold = cm.max() / 2 if cm.size else 0
    for i in range(n):
        for j in range(n):
            ax.text(j, i, str(cm[i, j]), ha="center", va="center",
                    color="white" if cm[i, j] > threshold else "black")
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title("%s (accuracy %.1f%%)" % (title, 100 * np.trace(cm) / max(cm.sum(), 1)))
    fig.tight_layout()
    _save(fig, path)
    return cm


# ---- evaluation (evaluate.py) ----------------------------------------------------

def plot_scores(scores, path, title="word vectors"):
    """A bar chart of evaluate.py's scores; returns ``path``.

    scores -- evaluate.as_json's dict: "wordsim353" and "simlex999" (spearman,
              pairs_used, pairs_total), "analogy" (accuracy, questions_used,
              questions_total, sections["total"]["accuracy_3cosmul"]) and, if
              computed, "sentiment" ("5_classes" and "binary": test, majority_test);
              a missing or undefined score is drawn as an empty slot marked "n/a"
    """
    bars = []  # (label, value or None, note, colour, baseline or None)
    for key, name in (("wordsim353", "WordSim-353"), ("simlex999", "SimLex-999")):
        s = scores.get(key)
        bars.append(("%s\nSpearman rho" % name, s and s["spearman"],
                     s and "%d/%d pairs" % (s["pairs_used"], s["pairs_total"]), "#1b9e77", None))
    a = scores.get("analogy")
    used = a and "%d/%d questions" % (a["questions_used"], a["questions_total"])
    bars.append(("Analogies\n3CosAdd", a and a["accuracy"], used, "#d95f02", None))
    bars.append(("Analogies\n3CosMul", a and a["sections"]["total"]["accuracy_3cosmul"], used,
                 "#d95f02", None))
    for task, name in (("5_classes", "5 classes"), ("binary", "binary")):
        s = scores.get("sentiment", {}).get(task)
        if s is not None:
            bars.append(("Sentiment\n%s (test)" % name, s["test"], "majority %.1f%%"
                         % (100 * s["majority_test"]), "#7570b3", s["majority_test"]))
    fig = _figure(figsize=(1.6 * len(bars) + 2, 4.8))
    ax = fig.subplots()
    values = [0.0 if v is None else v for _, v, _, _, _ in bars]
    x = np.arange(len(bars))
    ax.bar(x, values, color=[c for _, _, _, c, _ in bars], width=0.65)
    bottom = min(0.0, min(values))
    for i, (_, value, note, _, baseline) in enumerate(bars):
        text = "n/a" if value is None else "%.3f" % value
        ax.annotate(text, (i, max(value or 0.0, 0.0)), xytext=(0, 3), textcoords="offset points",
                    ha="center", va="bottom", fontsize=10, fontweight="bold")
        if note:
            ax.annotate(note, (i, 0.0), xycoords=("data", "axes fraction"), xytext=(0, -30),
                        textcoords="offset points", ha="center", va="top", fontsize=8,
                        color="0.35")
        if baseline is not None:
            ax.plot([i - 0.38, i + 0.38], [baseline] * 2, color="black", linestyle="--",
                    linewidth=1.2)
    ax.axhline(0.0, color="black", linewidth=0.8)
    ax.set_xticks(x, [label for label, _, _, _, _ in bars], fontsize=9)
    ax.set_ylim(bottom - 0.05 if bottom < 0 else 0.0, 1.0)
    ax.set_ylabel("score (rho or accuracy)")
    ax.set_title("Evaluation of %s (dashed: majority-class baseline)" % title
                 if any(b[4] is not None for b in bars) else "Evaluation of %s" % title)
    ax.grid(True, axis="y", alpha=0.3)
    fig.tight_layout()
    return _save(fig, path)
