"""The live progress line and the deferred stop (Ctrl-C, SIGTERM) of long runs."""

import math
import signal
import sys
import time

REDRAW_SECONDS = 0.2  # the progress text changes at most this often


class ProgressLine:
    """A status line kept at the bottom of a terminal, under the scrolling output.

    ``print(text)`` writes an ordinary line above the status line and redraws
    the status line after it, so it stays on screen however fast lines
    scroll; ``show(text)`` replaces the status text (drawn at most every 0.2 s).
    When the stream is not a terminal, ``print`` is a plain print and
    ``show`` does nothing, so redirected output holds only the ordinary lines.
    """

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout
        self.enabled = self.stream.isatty()
        self.text = ""
        self.last = -math.inf

    def print(self, text):
        """An ordinary line, above the status line."""
        if not self.enabled:
            print(text, file=self.stream)
            return
        self.stream.write("\r\x1b[K%s\n%s" % (text, self.text))
        self.stream.flush()

    def show(self, text, force=False):
        """Replace the status text: drawn at most every 0.2 s unless ``force``, but
        kept at once, so the next ``print`` redraws it current, not stale."""
        if not self.enabled:
            return
        self.text = text
        now = time.monotonic()
        if not force and now - self.last < REDRAW_SECONDS:
            return
        self.last = now
        self.stream.write("\r\x1b[K" + text)
        self.stream.flush()

    def close(self):
        """Erase the status line (before a final message, or on exit)."""
        if self.enabled and self.text:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
        self.text = ""


def format_seconds(s):
    """'m:ss' or 'h:mm:ss'; '?' for an unknown (infinite or NaN) time."""
    if not math.isfinite(s):
        return "?"
    s = int(round(s))
    if s >= 3600:
        return "%d:%02d:%02d" % (s // 3600, s // 60 % 60, s % 60)
    return "%d:%02d" % (s // 60, s % 60)


def rate_and_eta(done, remaining, seconds):
    """(units per second, seconds left) from the work done so far in ``seconds``."""
    rate = done / seconds if seconds > 0 else 0.0
    return rate, (remaining / rate if rate > 0 else math.inf)


class SilentLine:
    """A ProgressLine that shows nothing (a quiet run, a benchmark)."""

    def print(self, text):
        pass

    def show(self, text, force=False):
        pass

    def close(self):
        pass


class StopRequest:
    """Turn the first Ctrl-C (SIGINT) or SIGTERM into a flag checked between steps.

    Stopping mid-step would save a random state that is half consumed, so the
    loop finishes the step, saves, and stops; ``requested`` names the signal.
    A second signal interrupts at once (KeyboardInterrupt). SIGTERM is what
    ``timeout``, ``docker stop`` and job schedulers send: it saves like Ctrl-C.
    Outside the main thread signals cannot be caught and are left alone.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self):
        self.requested = None
        self.previous = {}

    def __enter__(self):
        for sig in self.SIGNALS:
            try:
                self.previous[sig] = signal.signal(sig, self._handle)
            except ValueError:  # not the main thread
                break
        return self

    def _handle(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = signal.Signals(signum).name

    def __exit__(self, *exc):
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)
        self.previous = {}
        return False


def run_command(run, args, errors):
    """A script's exit code for ``run(args)``: 0 when it succeeds, 1 after one
    ``error: ...`` line for the expected ``errors`` (a tuple of exception
    types, whose messages say what to do), 130 after Ctrl-C."""
    try:
        run(args)
    except errors as err:
        print("error: %s" % err, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0
