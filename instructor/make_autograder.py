"""Build the zip Gradescope takes for the coding part's autograder.

    python -m instructor.make_autograder OUT.zip

It holds setup.sh (installs numpy, scipy, matplotlib), run_autograder
(grades /autograder/submission into /autograder/results/results.json, the
submission's code running as user nobody) and the grader with the two
files it builds its reference from (our word2vec.py and sgd.py).
"""

import argparse
import os
import sys
import zipfile

from instructor.make_starter import ROOT

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when the autograder image is built.
set -euo pipefail
apt-get update -qq
apt-get install -y -qq python3 python3-pip >/dev/null
python3 -m pip install --quiet numpy scipy matplotlib \\
    || python3 -m pip install --quiet --break-system-packages numpy scipy matplotlib
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this, as root, for every submission.
set -uo pipefail
cd /autograder/source
chmod -R go-rwx /autograder/source      # the submission's user cannot read the reference
mkdir -p /autograder/results
# Gradescope unpacks an uploaded zip; a zip left as it is is graded as it is.
ZIP=$(find /autograder/submission -maxdepth 1 -name '*.zip' | head -n 1)
if [ -z "$ZIP" ]; then
    ZIP=$(mktemp -d)/submission.zip
    python3 - "$ZIP" <<'PY'
import os, sys, zipfile
root = "/autograder/submission"
with zipfile.ZipFile(sys.argv[1], "w") as zf:
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            zf.write(path, os.path.relpath(path, root))
PY
fi
python3 -m instructor.grade "$ZIP" --user nobody \\
    --results /autograder/results/results.json
"""

PACKAGE_FILES = ("__init__.py", "child.py", "checks.py", "grade.py", "make_starter.py",
                 "sandbox.py", "sources.py", "templates/sgd.py.tmpl",
                 "templates/run.py.tmpl", "templates/utils.py.tmpl",
                 "templates/fileio.py.tmpl")


def _add(zf, name, text, executable=False):
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.external_attr = (0o755 if executable else 0o644) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, text)


def build(out):
    """Write the autograder zip to ``out``."""
    with zipfile.ZipFile(out, "w") as zf:
        _add(zf, "setup.sh", SETUP, True)
        _add(zf, "run_autograder", RUN_AUTOGRADER, True)
        for name in PACKAGE_FILES:
            with open(os.path.join(ROOT, "instructor", name), encoding="utf-8") as f:
                _add(zf, "instructor/" + name, f.read())
        for name in ("word2vec.py", "sgd.py"):
            with open(os.path.join(ROOT, name), encoding="utf-8") as f:
                _add(zf, name, f.read())


def main(argv=None):
    p = argparse.ArgumentParser(description="Build Gradescope's autograder zip for the"
                                " coding part of Assignment 2.")
    p.add_argument("out", help="the zip to write, e.g. autograder.zip")
    args = p.parse_args(argv)
    build(args.out)
    print("Wrote %s: upload it as the autograder of 'Assignment 2 [coding]'" % args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
