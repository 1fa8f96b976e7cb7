"""utils/background.py: jobs run in a forked child (Linux) or in place, and their
errors come back to the parent as they were raised."""

import errno
import os
import signal

import pytest

from w2v.infra import background
from w2v.infra.background import Jobs


@pytest.fixture(params=[True, False], ids=["fork", "in place"])
def can_fork(request, monkeypatch):
    if request.param and not background.CAN_FORK:
        pytest.skip("fork is used on Linux only")
    monkeypatch.setattr(background, "CAN_FORK", request.param)
    return request.param


def _write_pid(path):
    with open(path, "w") as f:
        f.write(str(os.getpid()))


def test_jobs_have_ended_when_the_block_ends(tmp_path, can_fork):
    paths = [tmp_path / ("job%d" % i) for i in range(3)]
    with Jobs() as jobs:
        for path in paths:
            jobs.start(lambda path=path: _write_pid(path))
    pids = {int(path.read_text()) for path in paths}
    if can_fork:
        assert len(pids) == 3 and os.getpid() not in pids  # each in a child of its own
    else:
        assert pids == {os.getpid()}


def _fail(err):
    raise err


def test_an_os_error_comes_back_with_its_errno_and_file(can_fork):
    with pytest.raises(OSError) as caught:
        with Jobs() as jobs:
            jobs.start(lambda: _fail(OSError(errno.ENOSPC, "No space left on device",
                                             "/some/vectors.txt")))
    assert caught.value.errno == errno.ENOSPC
    assert caught.value.filename == "/some/vectors.txt"
    assert "No space left" in str(caught.value)

    with pytest.raises(PermissionError, match="b'/a/bytes/path'" if can_fork else None):
        with Jobs() as jobs:  # a bytes file name comes back as its text
            jobs.start(lambda: _fail(PermissionError(errno.EACCES, "Permission denied",
                                                     b"/a/bytes/path")))


def test_other_errors_come_back_by_type_and_message(can_fork):
    with pytest.raises(ValueError, match="the word 'a b' cannot be saved"):
        with Jobs() as jobs:
            jobs.start(lambda: _fail(ValueError("the word 'a b' cannot be saved")))

    class Custom(Exception):
        pass

    # In place the job's own exception goes on; from a child, only built-in types can
    # be rebuilt: another comes back as a RuntimeError naming it.
    expected = (RuntimeError, "^Custom: odd$") if can_fork else (Custom, "^odd$")
    with pytest.raises(expected[0], match=expected[1]):
        with Jobs() as jobs:
            jobs.start(lambda: _fail(Custom("odd")))


@pytest.mark.skipif(not background.CAN_FORK, reason="fork is used on Linux only")
def test_the_first_failure_is_raised_after_all_jobs_ended(tmp_path):
    late = tmp_path / "late"
    with pytest.raises(ValueError, match="first"):
        with Jobs() as jobs:
            jobs.start(lambda: _fail(ValueError("first")))
            jobs.start(lambda: _write_pid(late))
    assert late.exists()


@pytest.mark.skipif(not background.CAN_FORK, reason="fork is used on Linux only")
def test_an_error_of_the_block_wins_over_the_jobs():
    with pytest.raises(KeyError):
        with Jobs() as jobs:
            jobs.start(lambda: _fail(ValueError("a job")))
            raise KeyError("the block")


def test_in_place_a_job_fails_at_once(monkeypatch):
    monkeypatch.setattr(background, "CAN_FORK", False)
    ran = []
    with pytest.raises(ValueError, match="now"):
        with Jobs() as jobs:
            jobs.start(lambda: _fail(ValueError("now")))
            ran.append("the rest of the block")  # a plain call: the block stops there
    assert ran == []


@pytest.mark.skipif(not background.CAN_FORK, reason="fork is used on Linux only")
def test_a_job_killed_by_a_signal_is_a_child_process_error():
    with pytest.raises(ChildProcessError, match="killed by signal %d" % signal.SIGKILL):
        with Jobs() as jobs:
            jobs.start(lambda: os.kill(os.getpid(), signal.SIGKILL))


def test_when_fork_fails_the_job_runs_in_place(tmp_path, monkeypatch):
    def no_fork():
        raise BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable")

    monkeypatch.setattr(background, "CAN_FORK", True)
    monkeypatch.setattr(os, "fork", no_fork)
    path = tmp_path / "done"
    with Jobs() as jobs:
        jobs.start(lambda: _write_pid(path))
        assert int(path.read_text()) == os.getpid()  # already written, by this process
