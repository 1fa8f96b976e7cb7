"""Score a submission of CS224N Assignment 2 (coding, 18 points) as Gradescope does.

    python -m instructor.grade assignment2.zip [--results results.json]

Writes Gradescope's results format (score, execution_time, output, tests with
name, score, max_score, output, visibility). The submission's code runs only
in child processes (instructor/sandbox.py), one per test; our reference is
built from our word2vec.py and sgd.py into a folder of the grader's own.
"""

import argparse
import json
import os
import secrets
import shutil
import stat
import sys
import tempfile
import time
import zipfile

from instructor import checks, sandbox, sources
from instructor.make_starter import ROOT, read, template

MAX_UNZIPPED = 300 << 20   # bytes a submission may unpack to
PARTS = [("(a)", 12), ("(b)", 4), ("(c)", 2)]


def build_reference(folder, root=ROOT):
    """Our word2vec.py and sgd.py, standalone (numpy and scipy only), into ``folder``."""
    os.makedirs(folder, exist_ok=True)
    files = {"word2vec.py": sources.build_word2vec(read(root, "word2vec.py"), True),
             "sgd.py": sources.build_sgd(template("sgd.py.tmpl"), read(root, "sgd.py"), True)}
    for name, text in files.items():
        with open(os.path.join(folder, name), "w", encoding="utf-8") as f:
            f.write(text)


def unpack(zip_path, folder):
    """Extract the submission's regular files, refusing paths outside ``folder``.

    A file at the top of a single folder in the zip (made by zipping the
    project folder itself) is found as well: that folder becomes the root.
    """
    total = 0
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            name = info.filename.replace("\\", "/")
            parts = [p for p in name.split("/") if p not in ("", ".")]
            if info.is_dir() or not parts or ".." in parts or name.startswith("/") \
                    or stat.S_ISLNK(info.external_attr >> 16):
                continue
            total += info.file_size
            if total > MAX_UNZIPPED:
                raise ValueError("the zip unpacks to more than %d MB" % (MAX_UNZIPPED >> 20))
            target = os.path.join(folder, *parts)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with zf.open(info) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
    entries = os.listdir(folder)
    if "word2vec.py" not in entries and len(entries) == 1 \
            and os.path.isdir(os.path.join(folder, entries[0])):
        return os.path.join(folder, entries[0])
    return folder


def part_of(index):
    start = 0
    for part, points in PARTS:
        start += points
        if index < start:
            return part
    return ""


def grade(zip_path, seed=None, timeout=30):
    """The results dict for the submission ``zip_path``."""
    started = time.time()
    seed = secrets.randbits(32) if seed is None else seed
    work = tempfile.mkdtemp(prefix="grade-")
    os.chmod(work, 0o711)  # children (as nobody) reach their task folder, list nothing
    tests = []
    try:
        reference = os.path.join(work, "reference")
        build_reference(reference)
        os.chmod(reference, 0o700)
        student = os.path.join(work, "submission")
        os.makedirs(student)
        try:
            student = unpack(zip_path, student)
            problem = None
        except (OSError, zipfile.BadZipFile, ValueError) as err:
            problem = "the submission could not be read as a zip: %s" % err
        ctx = checks.Context(student, reference, seed, work, timeout)
        for index, (name, points, check) in enumerate(checks.TESTS):
            message = problem or check(ctx)
            ctx.passed[name] = message is None
            tests.append({"name": "%s %s" % (part_of(index), name),
                          "score": 0 if message else points, "max_score": points,
                          "output": message or "passed", "visibility": "visible"})
    finally:
        shutil.rmtree(work, ignore_errors=True)
    score = sum(t["score"] for t in tests)
    total = sum(t["max_score"] for t in tests)
    return {"score": score, "execution_time": round(time.time() - started, 1),
            "output": "Coding part: %g of %g points (%d of %d tests passed)."
                      % (score, total, sum(t["score"] == t["max_score"] for t in tests),
                         len(tests)),
            "visibility": "visible", "tests": tests}


def main(argv=None):
    p = argparse.ArgumentParser(description="Score assignment2.zip (the coding part, 18"
                                " points) and write Gradescope's results.json.")
    p.add_argument("zip", help="the submission, as collect_submission.sh makes it")
    p.add_argument("--results", metavar="FILE",
                   help="write the results here (default: print them)")
    p.add_argument("--seed", type=int, help="seed of the hidden inputs (default: random)")
    p.add_argument("--timeout", type=float, default=30,
                   help="seconds each test may run (default %(default)s)")
    p.add_argument("--user", metavar="NAME",
                   help="run the submission's code as this user (the grader runs as root;"
                        " run_autograder passes nobody)")
    args = p.parse_args(argv)
    if args.user:
        import pwd
        sandbox.RUN_AS = pwd.getpwnam(args.user).pw_uid
    if not os.path.isfile(args.zip):
        print("error: %s is not a file; pass the submission's zip" % args.zip, file=sys.stderr)
        return 2
    results = grade(args.zip, args.seed, args.timeout)
    text = json.dumps(results, indent=2, ensure_ascii=False)
    if args.results:
        folder = os.path.dirname(os.path.abspath(args.results))
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".results-")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text + "\n")
        os.replace(tmp, args.results)
        print(results["output"])
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
