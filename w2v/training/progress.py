"""A training run's live line (percent, words/s, alpha, loss, ETA), epoch lines, loss history.

The loss is an estimate: the kernels compute it for every LOSS_EVERY-th
pair of a job (w2v.training.trainer), so every job that trains a pair
reports one. A run that has trained no pair yet shows "loss -", never NaN.
"""

import time

from w2v.infra.terminal import ProgressLine, format_seconds


class Progress:
    """The live line, epoch lines and the loss history of a Trainer's run.

    history -- (epoch, mean loss per pair) points, about HISTORY_POINTS of them
    over the run, kept across resumes (``state`` / ``restore``).
    """

    HISTORY_POINTS = 200

    def __init__(self, trainer, line=None):
        self.t = trainer
        self.line = line or ProgressLine()
        self.history = []
        self.window = [0.0, 0.0]            # loss sum and pairs since the last point
        self.epoch_loss = [0.0, 0.0]
        self.last_loss = None               # the newest estimate, shown until a new one
        self.every = max(1, trainer.total_jobs // self.HISTORY_POINTS)
        self.start_time, self.start_words = time.monotonic(), 0

    def state(self):
        return {"history": [[float(e), float(v)] for e, v in self.history],
                "window": list(self.window), "epoch_loss": list(self.epoch_loss)}

    def restore(self, state, jobs_done):
        self.history = [tuple(h) for h in state["history"]]
        self.window, self.epoch_loss = list(state["window"]), list(state["epoch_loss"])
        if self.history:
            self.last_loss = self.history[-1][1]
        self.start_words = self.t.words_done(jobs_done)

    def begin(self):
        self.start_time = time.monotonic()

    def words_per_second(self, words):
        elapsed = time.monotonic() - self.start_time
        return (words - self.start_words) / elapsed if elapsed > 0 else 0.0

    def on_result(self, job, totals):
        for acc in (self.window, self.epoch_loss):
            acc[0] += totals[0]
            acc[1] += totals[1]
        if self.window[1] > 0:
            self.last_loss = self.window[0] / self.window[1]
        done = job + 1
        words = self.t.words_done(done)
        if done % self.every == 0 and self.window[1] > 0:
            self.history.append((words / len(self.t.corpus.ids), self.window[0] / self.window[1]))
            self.window = [0.0, 0.0]
        rate = self.words_per_second(words)
        if done % self.t.jobs_per_epoch == 0:
            self.epoch_line(done // self.t.jobs_per_epoch, rate)
        self.show(words, rate)

    def current_loss(self):
        """The newest loss estimate per pair, or None before any pair was trained."""
        return self.last_loss

    def show(self, words, rate):
        left = (self.t.total_words - words) / rate if rate > 0 else float("inf")
        self.line.show("%5.1f%%  %s words/s  alpha %.5f  loss %s  ETA %s"
                       % (100.0 * words / self.t.total_words, _thousands(rate),
                          self.t.alpha(words), _loss(self.current_loss()),
                          format_seconds(left)))

    def epoch_line(self, epoch, rate):
        pairs = self.epoch_loss[1]
        loss = ("loss %.4f" % (self.epoch_loss[0] / pairs) if pairs else
                "loss - (no pair trained)")
        self.line.print("epoch %d/%d: %s, %s words/s" % (
            epoch, self.t.s.epochs, loss, _thousands(rate)))
        self.epoch_loss = [0.0, 0.0]


def _loss(value):
    return "-" if value is None else "%.4f" % value


def _thousands(x):
    return "{:,.0f}".format(x)
