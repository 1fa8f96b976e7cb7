"""The instructor's side: the starter (make_starter), the grader (grade), the Gradescope zip.

The solution below is written independently of ours (tanh sigmoid, a one-hot
free softmax, np.add.at), to fill the starter's stubs; the broken variants
are the typical bugs, each expected to cost its own function's points only.
"""

import json
import re
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from instructor import sources
from instructor.grade import grade, main as grade_main
from instructor.make_starter import starter_files, write_tree
from tests.conftest import ROOT

SOLUTION = {
    "sigmoid": "s = 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=float)))",
    "naiveSoftmaxLossAndGradient": """\
scores = outsideVectors.dot(centerWordVec)
e = np.exp(scores - scores.max())
probs = e / e.sum()
loss = -np.log(probs[outsideWordIdx])
probs[outsideWordIdx] -= 1.0
gradCenterVec = outsideVectors.T.dot(probs)
gradOutsideVecs = probs[:, None] * centerWordVec[None, :]""",
    "negSamplingLossAndGradient": """\
u = outsideVectors[indices]
signs = np.concatenate(([1.0], -np.ones(K)))
s = sigmoid(signs * u.dot(centerWordVec))
loss = -np.sum(np.log(s))
coef = (s - 1.0) * signs
gradCenterVec = coef.dot(u)
gradOutsideVecs = np.zeros_like(outsideVectors)
np.add.at(gradOutsideVecs, indices, coef[:, None] * centerWordVec[None, :])""",
    "skipgram": """\
c = word2Ind[currentCenterWord]
for word in outsideWords:
    pair = word2vecLossAndGradient(centerWordVectors[c], word2Ind[word],
                                   outsideVectors, dataset)
    loss += pair[0]
    gradCenterVecs[c] += pair[1]
    gradOutsideVectors += pair[2]""",
    "sgd": "loss, grad = f(x)\nx = x - step * grad",
}

BUGGY_1 = dict(  # one typical bug in each function
    SOLUTION,
    sigmoid="s = np.exp(x) / (1.0 + np.exp(x))",
    naiveSoftmaxLossAndGradient=SOLUTION["naiveSoftmaxLossAndGradient"].replace(
        "probs[:, None] * centerWordVec[None, :]", "centerWordVec[:, None] * probs[None, :]"),
    negSamplingLossAndGradient=SOLUTION["negSamplingLossAndGradient"].replace(
        "np.add.at(gradOutsideVecs, indices, coef[:, None] * centerWordVec[None, :])",
        "gradOutsideVecs[indices] += coef[:, None] * centerWordVec[None, :]"),
    skipgram=SOLUTION["skipgram"].replace("loss += pair[0]", "loss -= pair[0]"),
)

BUGGY_2 = dict(  # slow but right losses; a hanging skipgram
    SOLUTION,
    # Every row in a Python loop, three times: some 20x the reference with NumPy 2.4
    # (one loop, over the scores alone, is 6x: under the grader's 10x margin).
    naiveSoftmaxLossAndGradient=SOLUTION["naiveSoftmaxLossAndGradient"].replace(
        "scores = outsideVectors.dot(centerWordVec)",
        "scores = np.array([outsideVectors[w].dot(centerWordVec)\n"
        "                   for w in range(outsideVectors.shape[0])])").replace(
        "gradCenterVec = outsideVectors.T.dot(probs)",
        "gradCenterVec = sum(probs[w] * outsideVectors[w] for w in range(len(probs)))").replace(
        "gradOutsideVecs = probs[:, None] * centerWordVec[None, :]",
        "gradOutsideVecs = np.array([p * centerWordVec for p in probs])"),
    negSamplingLossAndGradient="""\
loss = -np.log(sigmoid(outsideVectors[outsideWordIdx].dot(centerWordVec)))
gradCenterVec = (sigmoid(outsideVectors[outsideWordIdx].dot(centerWordVec)) - 1.0) \\
    * outsideVectors[outsideWordIdx]
gradOutsideVecs = np.zeros_like(outsideVectors)
gradOutsideVecs[outsideWordIdx] = (sigmoid(outsideVectors[outsideWordIdx].dot(
    centerWordVec)) - 1.0) * centerWordVec
for k in negSampleWordIndices:
    s = sigmoid(-outsideVectors[k].dot(centerWordVec))
    loss -= np.log(s)
    gradCenterVec += (1.0 - s) * outsideVectors[k]
    gradOutsideVecs[k] += (1.0 - s) * centerWordVec""",
    skipgram="while True:\n    pass",
)


def make_starter(folder):
    files = starter_files()
    write_tree(str(folder), files)
    return files


def fill_starter(folder, solution):
    for name in ("word2vec.py", "sgd.py"):
        path = folder / name
        path.write_text(sources.fill(path.read_text(), solution))


def write_outputs(folder):
    """What run.py writes, small: a plot of some words and (2V, d) parameters."""
    import matplotlib
    matplotlib.use("agg")
    import matplotlib.pyplot as plt
    fig = plt.figure()
    for i, word in enumerate(("great", "bad", "tea", "coffee")):
        plt.text(0.2 * i, 0.1 * i, word)
    fig.savefig(str(folder / "word_vectors.png"))
    plt.close(fig)
    np.save(str(folder / "saved_params_40000.npy"), np.random.default_rng(0).normal(size=(20, 10)))


def collect(folder):
    subprocess.run(["bash", "collect_submission.sh"], cwd=str(folder), check=True,
                   stdout=subprocess.DEVNULL, timeout=60)
    return folder / "assignment2.zip"


def scores_by_test(results):
    return {t["name"].split(" ", 1)[1]: t for t in results["tests"]}


def section(results, prefix):
    tests = [t for name, t in scores_by_test(results).items() if name.startswith(prefix)]
    return sum(t["score"] for t in tests), sum(t["max_score"] for t in tests)


def run(folder, *args, timeout=120):
    return subprocess.run([sys.executable] + list(args), cwd=str(folder), timeout=timeout,
                          capture_output=True, text=True)


@pytest.fixture(scope="module")
def starter(tmp_path_factory):
    folder = tmp_path_factory.mktemp("starter")
    make_starter(folder)
    return folder


def test_the_bare_starter_says_not_implemented_in_one_line(starter):
    for args in (("word2vec.py", "sigmoid"), ("sgd.py",)):
        done = run(starter, *args)
        assert done.returncode != 0
        assert "not implemented yet" in done.stdout
        assert "Traceback" not in done.stdout + done.stderr


def test_the_starter_has_stubs_with_the_reference_counts(starter):
    text = (starter / "word2vec.py").read_text() + (starter / "sgd.py").read_text()
    counts = re.findall(r"### YOUR CODE HERE \((~[\d-]+ Lines?)\)", text)
    assert counts == ["~1 Line", "~6-8 Lines", "~10 Lines", "~8 Lines", "~2 Lines"]
    assert text.count("### END YOUR CODE") == 5


def _solution_lines(path, names):
    """The stripped lines of our solutions' bodies (after the docstrings)."""
    source = (ROOT / path).read_text()
    found = sources.top_level(source)
    lines = set()
    for name in names:
        node, _ = found[name]
        body = source.splitlines()[node.body[0].end_lineno:node.end_lineno]
        lines |= {ln.strip() for ln in body if len(ln.strip()) > 12
                  and not ln.strip().startswith(("#", "return", "raise", "loss = 0.0"))}
    return lines


def test_nothing_of_our_solutions_leaks_into_the_starter(starter):
    texts = {p: p.read_text() for p in starter.rglob("*") if p.is_file()}
    everything = "\n".join(texts.values())
    assert not re.search(r"\bw2v\b", everything)
    assert "engines" not in everything
    assert "BEGIN SOLUTION" not in everything
    ours = _solution_lines("word2vec.py", list(sources.STUBS)[:4]) \
        | {"x = apply_update(x, grad, step)"}
    for helper in ("neg_sampling_core", "softplus", "target_gradients", "expit"):
        assert helper not in everything
    given = {ln.strip() for _, before, _ in sources.STUBS.values()
             for ln in before.splitlines()}
    theirs = {ln.strip() for ln in everything.splitlines()}
    assert ours - given and not (ours - given) & theirs
    answers = (ROOT / "docs" / "written.md").read_text()
    # Every displayed formula and answer paragraph of ours stays out of written.md.
    paragraphs = [p.strip() for p in answers.split("\n\n")
                  if len(p.strip()) > 40 and not p.lstrip().startswith("#")]
    written = (starter / "written.md").read_text()
    assert paragraphs and not [p for p in paragraphs if p in written]
    assert len(re.findall(r"^## \(", written, re.M)) == 9 and "## Coding (c)" in written


def test_the_starter_runs_without_w2v_and_a_filled_one_passes_every_self_check(tmp_path):
    make_starter(tmp_path)
    fill_starter(tmp_path, SOLUTION)
    # -E: no PYTHONPATH (the starter must not need this repository on the path).
    done = subprocess.run([sys.executable, "-E", "word2vec.py"], cwd=str(tmp_path),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert done.stdout.count("passed") >= 4
    done = subprocess.run([sys.executable, "-E", "sgd.py"], cwd=str(tmp_path),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "All sanity checks passed." in done.stdout


def test_the_filled_starter_scores_18_and_the_bare_one_0(tmp_path):
    bare = tmp_path / "bare"
    make_starter(bare)
    write_outputs(bare)
    results = grade(str(collect(bare)), seed=3, timeout=10)
    assert results["score"] == 2  # only (c)
    for name, test in scores_by_test(results).items():
        if not name.startswith("run.py"):
            assert test["score"] == 0
            assert "not implemented yet" in test["output"] or "not timed" in test["output"]

    filled = tmp_path / "filled"
    make_starter(filled)
    fill_starter(filled, SOLUTION)
    write_outputs(filled)
    results = grade(str(collect(filled)), seed=4, timeout=10)
    assert results["score"] == 18, [t for t in results["tests"] if not t["score"]]
    assert set(results) >= {"score", "execution_time", "output", "tests"}
    for test in results["tests"]:
        assert set(test) >= {"name", "score", "max_score", "output", "visibility"}


def test_typical_bugs_cost_their_own_functions_points(tmp_path):
    make_starter(tmp_path)
    fill_starter(tmp_path, BUGGY_1)
    sgd_py = tmp_path / "sgd.py"
    sgd_py.write_text(sgd_py.read_text().replace("            step *= 0.5\n",
                                                 "            pass\n"))
    write_outputs(tmp_path)
    results = grade(str(collect(tmp_path)), seed=5, timeout=10)
    by = scores_by_test(results)
    assert by["sigmoid: values"]["score"] == 1
    assert by["sigmoid: extreme inputs (+-1000)"]["score"] == 0
    assert "not finite" in by["sigmoid: extreme inputs (+-1000)"]["output"]
    assert section(results, "naive softmax")[0] == 0
    assert "gradOutsideVecs has shape" in by["naive softmax: values"]["output"]
    assert by["negative sampling: repeated negatives"]["score"] == 0
    assert "gradOutsideVecs differs" in by["negative sampling: repeated negatives"]["output"]
    assert section(results, "skip-gram")[0] == 0
    assert "loss: expected" in by["skip-gram: values"]["output"]
    assert section(results, "sgd") == (3, 4) and by["sgd: annealing"]["score"] == 0
    assert section(results, "run.py") == (2, 2)


def test_slow_loops_a_hang_and_a_syntax_error_cost_only_their_tests(tmp_path):
    make_starter(tmp_path)
    fill_starter(tmp_path, BUGGY_2)
    sgd_py = tmp_path / "sgd.py"
    sgd_py.write_text(sgd_py.read_text().replace("x = x - step * grad", "x = x - step * grad)"))
    write_outputs(tmp_path)
    results = grade(str(collect(tmp_path)), seed=6, timeout=4)
    by = scores_by_test(results)
    assert section(results, "sigmoid") == (2, 2)
    assert section(results, "naive softmax") == (2, 3)
    assert "times as long" in by["naive softmax: efficiency"]["output"]
    assert section(results, "negative sampling") == (3, 4)
    assert "times as long" in by["negative sampling: efficiency"]["output"]
    assert section(results, "skip-gram")[0] == 0
    assert "did not finish" in by["skip-gram: values"]["output"]
    assert section(results, "sgd")[0] == 0
    assert "SyntaxError" in by["sgd: minimises x^2"]["output"]
    assert section(results, "run.py") == (2, 2)


def test_a_missing_output_and_a_broken_zip_are_clear(tmp_path):
    folder = tmp_path / "sub"
    make_starter(folder)
    fill_starter(folder, SOLUTION)
    zpath = tmp_path / "partial.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for name in ("word2vec.py", "sgd.py", "run.py"):
            zf.write(folder / name, name)
        zf.writestr("word_vectors.png", b"not a png")
        zf.writestr("../escape.py", "print('x')")
    results = grade(str(zpath), seed=7, timeout=10)
    by = scores_by_test(results)
    assert "not a PNG" in by["run.py: word_vectors.png"]["output"]
    assert "not in the submission" in by["run.py: saved_params_40000.npy"]["output"]
    assert not (tmp_path.parent / "escape.py").exists()
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"garbage")
    out = tmp_path / "results.json"
    assert grade_main([str(bad), "--results", str(out)]) == 0
    results = json.loads(out.read_text())
    assert results["score"] == 0 and "could not be read as a zip" in results["tests"][0]["output"]


@pytest.mark.slow
def test_our_own_submission_scores_18(tmp_path):
    from tests.conftest import REAL_SST, _FOUND_SST
    if _FOUND_SST is None:
        pytest.skip("the Stanford Sentiment Treebank is not here")
    files = subprocess.run(["git", "ls-files", "-z"], cwd=str(ROOT), capture_output=True,
                           check=True).stdout.decode().split("\0")
    for rel in filter(None, files):
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if (ROOT / rel).is_file():
            target.write_bytes((ROOT / rel).read_bytes())
    done = run(tmp_path, "run.py", "--data", str(REAL_SST), timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    results = grade(str(collect(tmp_path)), seed=8)
    assert results["score"] == 18, [t for t in results["tests"] if not t["score"]]


def test_the_autograder_zip_holds_what_gradescope_runs(tmp_path):
    from instructor.make_autograder import build
    out = tmp_path / "autograder.zip"
    build(str(out))
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        setup = zf.read("setup.sh").decode()
        runner = zf.read("run_autograder").decode()
    assert {"setup.sh", "run_autograder", "instructor/grade.py", "instructor/child.py",
            "word2vec.py", "sgd.py"} <= names
    assert "numpy" in setup and "scipy" in setup and "matplotlib" in setup
    assert "/autograder/results/results.json" in runner and "/autograder/submission" in runner
    assert not any(n.startswith(("w2v/", "engines/", "tests/")) for n in names)
