"""utils/terminal.py: the live progress line (also in a real pseudo-terminal,
under run.py's scrolling ``iter`` lines) and the deferred Ctrl-C / SIGTERM."""

import fcntl
import io
import math
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time

import pytest

from tests.conftest import ROOT
from w2v.infra import terminal
from w2v.infra.terminal import ProgressLine, StopRequest, format_seconds, rate_and_eta

ERASE = "\r\x1b[K"
PROGRESS = re.compile(r"\d+/\d+ iterations, \d+ it/s, ETA (\d+:)?\d+:\d\d|\?")


class _Terminal(io.StringIO):
    def isatty(self):
        return True


class _Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    c = _Clock()
    monkeypatch.setattr(terminal.time, "monotonic", c)
    return c


# ---- ProgressLine ------------------------------------------------------------------

def test_print_writes_above_the_live_line_and_redraws_it(clock):
    term = _Terminal()
    line = ProgressLine(term)
    line.print("before any progress")
    line.show("1/10 done")
    line.print("iter 10: 1.0")
    line.print("iter 20: 0.5")
    line.close()
    assert term.getvalue() == (ERASE + "before any progress\n" + ""
                               + ERASE + "1/10 done"
                               + ERASE + "iter 10: 1.0\n1/10 done"
                               + ERASE + "iter 20: 0.5\n1/10 done"
                               + ERASE)


def test_show_is_rate_limited_unless_forced(clock):
    term = _Terminal()
    line = ProgressLine(term)
    line.show("a")
    clock.now += terminal.REDRAW_SECONDS / 2
    line.show("b")  # too soon to draw, but the next print draws it, not a stale "a"
    assert term.getvalue() == ERASE + "a"
    line.print("x")
    assert term.getvalue() == ERASE + "a" + ERASE + "x\nb"
    line.show("c", force=True)
    clock.now += terminal.REDRAW_SECONDS
    line.show("d")
    assert term.getvalue().endswith(ERASE + "c" + ERASE + "d")


def test_close_erases_only_what_was_drawn(clock):
    term = _Terminal()
    line = ProgressLine(term)
    line.close()
    assert term.getvalue() == ""
    line.show("a")
    line.close()
    line.print("after")  # the closed line is not drawn again
    assert term.getvalue() == ERASE + "a" + ERASE + ERASE + "after\n"


def test_redirected_output_holds_only_the_lines(clock):
    out = io.StringIO()  # not a terminal
    line = ProgressLine(out)
    line.show("1/10 done", force=True)
    line.print("iter 10: 1.0")
    line.close()
    assert out.getvalue() == "iter 10: 1.0\n"


@pytest.mark.parametrize("seconds,text", [(0, "0:00"), (59.4, "0:59"), (61, "1:01"),
                                          (3599, "59:59"), (3600, "1:00:00"),
                                          (86399, "23:59:59"), (math.inf, "?"),
                                          (math.nan, "?")])
def test_format_seconds(seconds, text):
    assert format_seconds(seconds) == text


def test_rate_and_eta():
    assert rate_and_eta(100, 300, 2.0) == (50.0, 6.0)
    assert rate_and_eta(0, 300, 2.0) == (0.0, math.inf)
    assert rate_and_eta(5, 10, 0.0) == (0.0, math.inf)


# ---- StopRequest --------------------------------------------------------------------

@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_first_signal_is_a_flag_the_second_interrupts(sig):
    before = signal.getsignal(sig)
    with StopRequest() as stop:
        assert stop.requested is None
        os.kill(os.getpid(), sig)
        assert stop.requested == sig.name  # no exception: the step can finish
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), sig)
            time.sleep(1)  # the handler runs at the latest here
    assert signal.getsignal(sig) is before


def test_outside_the_main_thread_signals_are_left_alone():
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    errors = []

    def run():
        try:
            with StopRequest() as stop:
                assert stop.previous == {}
        except Exception as err:  # pragma: no cover - shown by the assertion below
            errors.append(err)

    t = threading.Thread(target=run)
    t.start()
    t.join(30)
    assert errors == [] and not t.is_alive()
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


# ---- in a real pseudo-terminal ---------------------------------------------------------

class Screen:
    """Just enough of a terminal for ProgressLine's output: CR, LF, erase to the end
    of the line (ESC [ K), printable text (colours ignored); ``rows`` lines kept."""

    def __init__(self, rows=24, cols=80):
        self.rows, self.cols = rows, cols
        self.lines, self.col = [""], 0

    def feed(self, text):
        text = re.sub(r"\x1b\[[\d;]*m", "", text)  # colours: no effect on the layout
        for piece in re.split(r"(\r|\n|\x1b\[K)", text):
            if piece == "\r":
                self.col = 0
            elif piece == "\n":
                self.lines.append("")
                self.col = 0
            elif piece == "\x1b[K":
                self.lines[-1] = self.lines[-1][:self.col]
            elif piece:
                assert "\x1b" not in piece, "an escape this screen does not know: %r" % piece
                line = self.lines[-1].ljust(self.col)
                self.lines[-1] = line[:self.col] + piece + line[self.col + len(piece):]
                self.col += len(piece)

    def bottom(self):
        """The line the cursor is on (the bottom of the window)."""
        return self.lines[-1]

    def show(self):
        return "\n".join(l[:self.cols] for l in self.lines[-self.rows:])


def run_in_pty(args, timeout=300, rows=24, cols=80):
    """Run ``args`` with its terminal a new pseudo-terminal; (exit code, all it wrote)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    proc = subprocess.Popen(args, cwd=ROOT, stdin=slave, stdout=slave, stderr=slave,
                            close_fds=True, env=dict(os.environ, TERM="xterm"))
    os.close(slave)
    chunks, deadline = [], time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 1.0)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child side is closed
                break
            if not data:
                break
            chunks.append(data)
        else:
            proc.kill()
            pytest.fail("%s did not finish within %d s under a pty" % (args, timeout))
        code = proc.wait(timeout=60)
    finally:
        os.close(master)
    return code, b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


@pytest.fixture(scope="module")
def sst(tmp_path_factory):
    from tests.conftest import write_treebank
    folder = tmp_path_factory.mktemp("pty") / "sst"
    write_treebank(str(folder))
    return folder


@pytest.mark.parametrize("path", [[], ["--exact"]], ids=["batched", "exact"])
def test_progress_line_stays_on_screen_under_run_py_output(sst, tmp_path, path):
    code, stream = run_in_pty([sys.executable, str(ROOT / "run.py"), "--iterations", "3000",
                               "--data", str(sst), "--outdir", str(tmp_path), *path])
    assert code == 0, stream[-2000:]
    screen = Screen()
    # Look at the screen between writes: each write starts by erasing the live line.
    pieces = stream.split(ERASE)
    iter_lines = on_screen = drawn = 0
    for piece in pieces:
        screen.feed(ERASE + piece)
        above = screen.lines[-2] if len(screen.lines) > 1 else ""
        if piece.startswith("iter "):
            iter_lines += 1
            # The live line is back on the bottom line, right under this iter line,
            # and current: it counts the steps done before this line's (sgd), or up
            # to it (the batched path, whose block of steps ends with this line).
            on_screen += bool(PROGRESS.fullmatch(screen.bottom()))
            assert above == piece.split("\n")[0]
            it = int(re.match(r"iter (\d+):", piece).group(1))
            done = it if not path else it - 1
            assert screen.bottom().startswith("%d/3000 iterations, " % done), screen.bottom()
        drawn += bool(PROGRESS.fullmatch(screen.bottom()))
    assert iter_lines == 300
    assert on_screen == iter_lines, "live line missing under %d of %d iter lines" % (
        iter_lines - on_screen, iter_lines)
    assert drawn >= iter_lines
    # When training ends the live line goes; the final lines are plain ones.
    final = screen.show().splitlines()
    assert not any(PROGRESS.search(l) for l in final)
    assert [l.split(":")[0] for l in final[-6:-4]] == ["iter 2990", "iter 3000"]
    assert final[-4] == "sanity check: cost at convergence should be around or below 10"
    assert final[-3].startswith("this run ends at ")
    assert final[-2].startswith("training took ") and final[-1].startswith("Saved ")


def test_train_py_keeps_its_progress_line_on_screen_too(sst, tmp_path):
    """train.py (the general trainer) prints its epoch lines through the same ProgressLine."""
    code, stream = run_in_pty([sys.executable, str(ROOT / "train.py"), "--sst", str(sst),
                               "--outdir", str(tmp_path), "--min-count", "1", "--epochs", "20"])
    assert code == 0, stream[-2000:]
    screen = Screen()
    epochs = 0
    for piece in stream.split(ERASE):
        screen.feed(ERASE + piece)
        if re.match(r"epoch \d+/20: ", piece) and not piece.startswith("epoch 1/"):
            epochs += 1  # (the first epoch line comes before any progress)
            assert screen.lines[-2] == piece.split("\n")[0]
            assert re.search(r"\d+\.\d%.* words/s.*ETA \d+:\d\d$", screen.bottom()), \
                screen.bottom()
    assert epochs == 19
    assert "words/s  alpha" not in screen.show()  # erased at the end


def test_progress_line_is_not_written_when_redirected(sst, tmp_path):
    r = subprocess.run([sys.executable, str(ROOT / "run.py"), "--iterations", "300", "--data",
                        str(sst), "--outdir", str(tmp_path)], cwd=ROOT, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "\r" not in r.stdout and "\x1b" not in r.stdout and "it/s" not in r.stdout
