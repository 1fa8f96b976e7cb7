"""Write the student's starter of CS224N Assignment 2 from our files.

    python -m instructor.make_starter OUTDIR

The functions a student writes become stubs (signature and docstring kept,
``### YOUR CODE HERE (~N Lines)`` ... ``### END YOUR CODE``); sgd.py and
run.py are the starter's plain versions; the reader and the checks are
copied, made independent of the general library (``w2v``) and the engines.
The starter needs numpy, scipy and matplotlib only.
"""

import argparse
import os
import re
import shutil
import stat
import sys

from instructor import sources

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")

COPIED = ("utils/__init__.py", "utils/gradcheck.py", "utils/published.py",
          "utils/treebank.py", "utils/labels.py", "utils/label_files.py",
          "utils/get_datasets_lib.sh", "get_datasets.sh")
EXECUTABLE = ("get_datasets.sh", "collect_submission.sh")


def template(name):
    with open(os.path.join(TEMPLATES, name), encoding="utf-8") as f:
        return f.read()


def read(root, rel):
    with open(os.path.join(root, rel), encoding="utf-8") as f:
        return f.read()


def _replace(text, old, new, where):
    if old not in text:
        raise ValueError("%s: expected %r to replace; update instructor/make_starter.py"
                         % (where, old))
    return text.replace(old, new)


def starter_datafiles(root):
    """utils/datafiles.py with the two file helpers it imports from w2v inlined."""
    text = read(root, "utils/datafiles.py")
    inline = template("fileio.py.tmpl").replace("import stat\n", "")
    text = _replace(text, "from w2v.infra.fileio import RefusedFileError, read_regular\n",
                    "import stat\n\n" + inline.strip() + "\n\n", "utils/datafiles.py")
    return text


def starter_selfchecks(root):
    """The checks, with sigmoid's extreme inputs allowed to overflow quietly.

    1/(1 + np.exp(-x)) is a correct sigmoid (with a RuntimeWarning at -1000):
    the starter's check accepts it, as the grader does.
    """
    text = read(root, "utils/selfchecks.py")
    return _replace(text, 'np.errstate(over="raise", invalid="raise")',
                    'np.errstate(over="ignore")', "utils/selfchecks.py")


def starter_collect(root):
    text = read(root, "collect_submission.sh")
    return _replace(text, "utils/, engines/, ...", "utils/, ...", "collect_submission.sh")


def starter_env(root):
    """env.yml with what the starter runs on: python, numpy, scipy, matplotlib."""
    keep = []
    for line in read(root, "env.yml").splitlines():
        dep = re.match(r"\s*-\s*([A-Za-z_-]+)", line)
        if line.lstrip().startswith("#") and ":" not in line:
            continue
        if dep and dep.group(1) not in ("python", "numpy", "scipy", "matplotlib",
                                        "conda-forge"):
            continue
        keep.append(line)
    return "\n".join(keep) + "\n"


def written_template(root):
    """The written part's questions (headings of docs/written.md), no answers."""
    lines = ["# Written: understanding word2vec (31 points)", "",
             "Answer each question below the heading; the handout states them in full.", ""]
    inside = False
    for line in read(root, "docs/written.md").splitlines():
        if line.startswith("## Coding (c)"):
            lines += [line, "", "_Up to three sentences about word_vectors.png._", ""]
            inside = False
            continue
        if line.startswith("## "):
            inside = line.startswith("## (")
        if inside and line.startswith("#"):
            lines += [line, "", "_Your answer here._", ""]
    return "\n".join(lines)


def starter_files(root=ROOT):
    """{relative path: text} of the starter."""
    files = {rel: read(root, rel) for rel in COPIED}
    files.update({
        "word2vec.py": sources.build_word2vec(read(root, "word2vec.py")),
        "sgd.py": sources.build_sgd(template("sgd.py.tmpl"), read(root, "sgd.py")),
        "run.py": template("run.py.tmpl"),
        "utils/utils.py": template("utils.py.tmpl"),
        "utils/datafiles.py": starter_datafiles(root),
        "utils/selfchecks.py": starter_selfchecks(root),
        "collect_submission.sh": starter_collect(root),
        "env.yml": starter_env(root),
        "written.md": written_template(root),
    })
    return files


def write_tree(outdir, files):
    for rel, text in sorted(files.items()):
        path = os.path.join(outdir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        if rel in EXECUTABLE or rel == "word2vec.py":
            os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def main(argv=None):
    p = argparse.ArgumentParser(description="Write the student's starter of Assignment 2"
                                " (stubs where the solutions are) into OUTDIR.")
    p.add_argument("outdir", help="a new or empty folder")
    p.add_argument("--force", action="store_true", help="replace OUTDIR if it exists")
    args = p.parse_args(argv)
    if os.path.exists(args.outdir) and os.listdir(args.outdir):
        if not args.force:
            print("error: %s is not empty; name a new folder or pass --force" % args.outdir,
                  file=sys.stderr)
            return 2
        shutil.rmtree(args.outdir)
    files = starter_files()
    write_tree(args.outdir, files)
    print("Wrote the starter (%d files) to %s" % (len(files), args.outdir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
