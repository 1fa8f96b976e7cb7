"""get_datasets.sh: what is accepted as ready; links, special files and paths out of the
folder; interrupted runs, stale temporary folders, one run at a time."""

import fcntl
import os
import shutil
import signal
import stat
import subprocess
import time
import zipfile

import pytest

from tests.test_get_datasets import (  # noqa: F401 (fixtures)
    LIB,
    PTB,
    SCRIPT,
    SST,
    TIMEOUT,
    _sst_files,
    assert_installed,
    base_env,
    datasets,
    leftovers,
    project,
    release,
    restricted_bin,
    run,
)


# --------------------------------------------------------------------------
# what is accepted as ready
# --------------------------------------------------------------------------
def test_second_run_is_a_noop(project, tmp_path, release):
    src = tmp_path / "src"
    shutil.copytree(release, src, ignore=shutil.ignore_patterns("zips", "official"))
    assert run(project, base_env(tmp_path, SST_SOURCE=src)).returncode == 0
    installed = datasets(project) / SST / "datasetSentences.txt"
    mtime = installed.stat().st_mtime_ns
    shutil.rmtree(src)  # the second run must not even look at the source
    r2 = run(project, base_env(tmp_path, SST_SOURCE=src))
    assert r2.returncode == 0, r2.stderr
    assert r2.stdout.count("already in place") == 5
    assert installed.stat().st_mtime_ns == mtime


@pytest.mark.parametrize("cut", ["at_a_line_end", "mid_line"])
def test_truncated_installed_file_is_not_ready(project, tmp_path, release, cut):
    assert run(project, base_env(tmp_path, SST_SOURCE=release)).returncode == 0
    installed = datasets(project) / SST / "datasetSentences.txt"
    text = installed.read_bytes()
    installed.write_bytes(text[:text.index(b"\n6000\t") + 1] if cut == "at_a_line_end"
                          else text[:-7])
    expected = ("truncated or damaged: 6000 lines" if cut == "at_a_line_end"
                else "datasetSentences.txt is cut off")
    # Offline, no source: it is not taken as ready, and the run fails saying why.
    r = run(project, base_env(tmp_path))
    assert r.returncode == 1
    assert "is damaged; getting it again" in r.stderr and expected in r.stderr
    assert "already in place, utils/datasets/" + SST not in r.stdout
    # With a source it is replaced.
    r = run(project, base_env(tmp_path, SST_SOURCE=release))
    assert r.returncode == 0, r.stderr
    assert installed.read_bytes() == (release / SST / "datasetSentences.txt").read_bytes()
    assert leftovers(project) == []


@pytest.mark.parametrize("problem", ["missing", "empty", "no_header", "truncated", "mid_line",
                                     "dictionary_truncated"])
def test_unusable_sst_source_fails_and_leaves_nothing(project, tmp_path, release, problem):
    src = tmp_path / "broken"
    shutil.copytree(release / SST, src)
    sentences = src / "datasetSentences.txt"
    lines = _sst_files()["datasetSentences.txt"]
    if problem == "missing":
        sentences.unlink()
    elif problem == "empty":
        sentences.write_text("")
    elif problem == "no_header":
        sentences.write_text("".join(lines[1:]) + "11856\tone more\n")
    elif problem == "truncated":
        sentences.write_text("".join(lines[:4000]))
    elif problem == "mid_line":
        sentences.write_text("".join(lines)[:-3])
    else:
        (src / "dictionary.txt").write_text("".join(_sst_files()["dictionary.txt"][:10]))
    r = run(project, base_env(tmp_path, SST_SOURCE=src))
    assert r.returncode == 1
    expected = {"missing": "datasetSentences.txt is missing",
                "empty": "datasetSentences.txt is empty",
                "no_header": "does not start with the header line",
                "truncated": "datasetSentences.txt is truncated or damaged: 4000 lines",
                "mid_line": "datasetSentences.txt is cut off",
                "dictionary_truncated": "dictionary.txt is truncated or damaged: 10 lines"}[problem]
    assert expected in r.stderr
    assert f"SST_SOURCE={src} is not usable" in r.stderr
    assert not (datasets(project) / SST).exists()
    assert leftovers(project) == []


def test_other_release_with_the_right_shape_is_accepted_with_a_note(project, tmp_path, release):
    """Fixtures differ from the published sha256 but have its line counts."""
    r = run(project, base_env(tmp_path, SST_SOURCE=release / SST, PTB_SOURCE=release / PTB,
                              BENCH_SOURCE=release / "benchmarks"))
    assert r.returncode == 0, r.stderr
    assert ("Note: datasetSentences.txt has the expected 11856 lines but not the published"
            " sha256") in r.stderr


# --------------------------------------------------------------------------
# links, special files, paths out of the folder
# --------------------------------------------------------------------------
def _zip_with(path, release, name, attr, data):
    """Stanford's zip with one member replaced by `data` with Unix mode `attr`."""
    with zipfile.ZipFile(path, "w") as zf:
        for f in sorted((release / SST).iterdir()):
            if f"{SST}/{f.name}" != name:
                zf.write(f, f"{SST}/{f.name}")
        info = zipfile.ZipInfo(name)
        info.external_attr = attr << 16
        zf.writestr(info, data)
    return path


@pytest.mark.parametrize("kind", ["symlink", "fifo", "parent_path", "absolute_path"])
def test_zip_with_links_or_special_members_is_refused(project, tmp_path, release, kind):
    name, attr, data = {
        "symlink": (f"{SST}/datasetSentences.txt", stat.S_IFLNK | 0o777, "/etc/passwd"),
        "fifo": (f"{SST}/datasetSplit.txt", stat.S_IFIFO | 0o644, ""),
        "parent_path": ("../../evil.txt", stat.S_IFREG | 0o644, "owned"),
        "absolute_path": ("/tmp/evil.txt", stat.S_IFREG | 0o644, "owned"),
    }[kind]
    bad = _zip_with(tmp_path / "sst.zip", release, name, attr, data)
    r = run(project, base_env(tmp_path, SST_SOURCE=bad))
    assert r.returncode == 1
    expected = {"symlink": f"member {name} is a symbolic link (to /etc/passwd)",
                "fifo": f"member {name} is a special file",
                "parent_path": f"member {name} leads out of the folder",
                "absolute_path": f"member {name} leads out of the folder"}[kind]
    assert expected in r.stderr
    assert "nothing was unpacked" in r.stderr
    assert not (datasets(project) / SST).exists()
    assert not (tmp_path / "evil.txt").exists() and not (project / "evil.txt").exists()
    assert leftovers(project) == []


@pytest.mark.parametrize("kind", ["symlink", "fifo", "huge_sparse"])
def test_source_folder_with_links_or_special_files_is_refused(project, tmp_path, release, kind):
    src = tmp_path / "src"
    shutil.copytree(release / SST, src)
    victim = src / "datasetSentences.txt"
    victim.unlink()
    if kind == "symlink":
        victim.symlink_to(release / SST / "datasetSentences.txt")
    elif kind == "fifo":
        os.mkfifo(victim)  # reading it would block forever
    else:
        with open(victim, "wb") as f:
            f.write(b"sentence_index\tsentence\n")
            f.truncate(3 * 2**30)
    r = run(project, base_env(tmp_path, SST_SOURCE=src))  # TIMEOUT: a hang fails
    assert r.returncode == 1
    expected = {"symlink": "datasetSentences.txt is a symbolic link (to ",
                "fifo": "datasetSentences.txt is not a regular file",
                "huge_sparse": "far more than the real file"}[kind]
    assert expected in r.stderr
    assert not (datasets(project) / SST).exists()
    assert leftovers(project) == []


# --------------------------------------------------------------------------
# interrupted runs, stale temporary folders, one run at a time
# --------------------------------------------------------------------------
def _dead_pid():
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid  # reaped: no process has it now (pids are not reused at once)


def test_stale_temporary_folders_are_removed_and_live_ones_kept(project, tmp_path, release):
    d = datasets(project)
    dead = d / f".tmp.{_dead_pid()}.AbC123"
    (dead / "unpacked").mkdir(parents=True)
    (dead / "unpacked" / "big.txt").write_text("x" * 1000)
    (dead / "unpacked" / "big.txt").chmod(0o444)
    old_legacy = d / ".tmp.Xy12Zq"
    old_legacy.mkdir()
    past = time.time() - 2 * 3600
    os.utime(old_legacy, (past, past))
    new_legacy = d / ".tmp.Qw34Er"
    new_legacy.mkdir()
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        live = d / f".tmp.{sleeper.pid}.ZzZzZz"
        live.mkdir()
        r = run(project, base_env(tmp_path, SST_SOURCE=release))
        assert r.returncode == 0, r.stderr
        assert not dead.exists() and not old_legacy.exists()
        assert live.exists() and new_legacy.exists()  # maybe another run's: kept
        assert f"Removing utils/datasets/{dead.name}, left by an interrupted run." in r.stdout
    finally:
        sleeper.kill()
        sleeper.wait()


def _slow_cp_env(tmp_path, marker):
    """PATH with a `cp` that copies, then hangs after datasetSentences.txt."""
    slow = tmp_path / "slowbin"
    slow.mkdir()
    (slow / "cp").write_text('#!/bin/sh\n%s "$@" || exit\ncase "$*" in *datasetSentences.txt*)'
                             ' touch %s; sleep 60;; esac\n' % (shutil.which("cp"), marker))
    (slow / "cp").chmod(0o755)
    return slow


def _start_and_wait(project, env, marker):
    p = subprocess.Popen(["bash", str(project / "get_datasets.sh")], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.time() + TIMEOUT
    while not marker.exists():
        assert p.poll() is None and time.time() < deadline, p.communicate()
        time.sleep(0.05)
    return p


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_killed_mid_copy(project, tmp_path, release, sig):
    marker = tmp_path / "copying"
    env = base_env(tmp_path, SST_SOURCE=release)
    env["PATH"] = str(_slow_cp_env(tmp_path, marker)) + os.pathsep + env["PATH"]
    p = _start_and_wait(project, env, marker)
    os.killpg(p.pid, sig)  # the whole group, as a terminal or `timeout` does
    p.communicate(timeout=TIMEOUT)
    assert not (datasets(project) / SST).exists()  # nothing that looks complete
    if sig == signal.SIGKILL:
        assert leftovers(project) == [n for n in leftovers(project)
                                      if n.startswith(f".tmp.{p.pid}.")] != []
    else:
        assert p.returncode == {signal.SIGTERM: 143, signal.SIGINT: 130}[sig]
        assert leftovers(project) == []  # cleaned up on the way out
    r = run(project, base_env(tmp_path, SST_SOURCE=release))
    assert r.returncode == 0, r.stderr
    assert_installed(project, release)
    if sig == signal.SIGKILL:
        assert "left by an interrupted run" in r.stdout


def test_second_run_at_the_same_time_is_refused(project, tmp_path, release):
    if shutil.which("flock") is None:
        pytest.skip("flock(1) is not installed: the script runs without a lock")
    datasets(project).mkdir(parents=True)
    with open(datasets(project) / ".get_datasets.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        lock.write("4242\n")
        lock.flush()
        r = run(project, base_env(tmp_path, SST_SOURCE=release))
    assert r.returncode == 1
    assert "another get_datasets.sh (pid 4242) is filling" in r.stderr
    assert not (datasets(project) / SST).exists()
    r = run(project, base_env(tmp_path, SST_SOURCE=release))  # lock released
    assert r.returncode == 0, r.stderr


def test_without_python_a_zip_cannot_be_unpacked(project, tmp_path, release):
    env = base_env(tmp_path, SST_SOURCE=release / "zips" / f"{SST}.zip")
    env["PATH"] = str(restricted_bin(tmp_path, {"python3", "python"}))
    r = run(project, env)
    assert r.returncode == 1
    assert "python3 is needed to unpack it" in r.stderr


def test_missing_library_is_named(project, tmp_path):
    (project / "utils" / LIB.name).unlink()
    r = run(project, base_env(tmp_path))
    assert r.returncode == 1
    assert "utils/get_datasets_lib.sh is missing" in r.stderr


def test_script_is_executable_bash():
    assert os.access(SCRIPT, os.X_OK)
    assert SCRIPT.read_text().startswith("#!/usr/bin/env bash\n")
