"""The graded tests: hidden inputs, our reference's numbers against the submission's.

Each test runs the same task on the reference and on the submission, each in
its own child (sandbox.py), and compares the numbers. Points: (a) sigmoid 2,
naive softmax 3, negative sampling 4, skip-gram 3; (b) sgd 4; (c) 2.
An efficiency point counts only when the function's values are right.
"""

import numpy as np

from instructor.sandbox import run_task

EFFICIENCY_MARGIN = 10.0  # the submission may take this many times our time
RTOL, ATOL = 1e-6, 1e-8
GRADCHECK_TOL = 1e-4


class GraderError(RuntimeError):
    """Our reference failed a task: a bug of the grader, not of the submission."""


class Context:
    def __init__(self, student_dir, reference_dir, seed, workdir, timeout=30):
        self.student_dir, self.reference_dir = student_dir, reference_dir
        self.rng = np.random.default_rng(seed)
        self.workdir, self.timeout = workdir, timeout
        self.passed = {}

    def both(self, task, params, inputs, module="word2vec", timeout=None):
        """(reference outcome, submission outcome) of one task on the same inputs."""
        timeout = timeout or self.timeout
        ref = run_task(self.reference_dir, task, params, inputs, module, timeout, self.workdir)
        if ref.error:
            raise GraderError("the reference failed %s %s: %s" % (task, params, ref.error))
        return ref, run_task(self.student_dir, task, params, inputs, module, timeout,
                             self.workdir)


def _fmt(a):
    return np.array2string(np.asarray(a), precision=6, threshold=8)


def differs(name, expected, got):
    """One line saying how ``got`` differs from ``expected``, or None when they match."""
    got = np.asarray(got, dtype=float)
    if got.shape != expected.shape:
        return "%s has shape %s, expected %s" % (name, got.shape, expected.shape)
    if not np.all(np.isfinite(got)):
        bad = np.argwhere(~np.isfinite(got))[0] if got.ndim else ()
        return "%s is not finite%s: got %s" % (
            name, " at index %s" % tuple(int(i) for i in bad) if got.ndim else "",
            got[tuple(bad)])
    close = np.isclose(got, expected, rtol=RTOL, atol=ATOL)
    if np.all(close):
        return None
    if got.ndim == 0:
        return "%s: expected %.8g, got %.8g" % (name, expected, got)
    ix = tuple(int(i) for i in np.argwhere(~close)[0])
    return "%s differs at index %s: expected %.8g, got %.8g (%d of %d entries differ)" % (
        name, ix, expected[ix], got[ix], int(np.sum(~close)), got.size)


def compare(ref, stu, names, case):
    """None when every output matches, else the message of the first that does not."""
    if stu.error:
        return "%s: %s" % (case, stu.error)
    for name in names:
        if name not in stu.out:
            return "%s: no %s came back" % (case, name)
        msg = differs(name, ref.out[name], stu.out[name])
        if msg:
            return "%s: %s" % (case, msg)
    return None


def _pair_inputs(rng, V, d):
    return {"v": rng.normal(size=d), "U": rng.normal(size=(V, d)) * 0.7}


PAIR_OUTPUTS = ("loss", "gradCenterVec", "gradOutsideVecs")


def check_sigmoid_values(ctx):
    rng = ctx.rng
    inputs = {"vector": rng.normal(size=int(rng.integers(5, 20))) * 4,
              "matrix": rng.normal(size=(int(rng.integers(2, 6)), int(rng.integers(2, 6)))) * 4,
              "scalar": np.asarray(rng.normal()),
              "extreme": np.zeros(1)}
    ref, stu = ctx.both("sigmoid", {}, inputs)
    return compare(ref, stu, ("scalar", "vector", "matrix"), "sigmoid on a scalar, a vector"
                   " %s and a matrix %s" % (inputs["vector"].shape, inputs["matrix"].shape))


def check_sigmoid_extremes(ctx):
    far = ctx.rng.uniform(40, 900, size=3)
    extreme = np.concatenate(([-1000.0, -710.0, 0.0, 710.0, 1000.0], far, -far))
    inputs = {"vector": np.zeros(1), "matrix": np.zeros((1, 1)), "scalar": np.asarray(0.0),
              "extreme": extreme}
    ref, stu = ctx.both("sigmoid", {}, inputs)
    return compare(ref, stu, ("extreme",), "sigmoid at +-1000, +-710, 0 and +-%s"
                   % np.array2string(far, precision=1))


def _pair_cases(ctx, function, cases):
    for V, d, K in cases:
        o = int(ctx.rng.integers(V))
        params = {"function": function, "o": o, "seed": int(ctx.rng.integers(1 << 30)), "K": K}
        ref, stu = ctx.both("pair", params, _pair_inputs(ctx.rng, V, d))
        msg = compare(ref, stu, PAIR_OUTPUTS, "%s with V=%d, d=%d, o=%d%s" % (
            function, V, d, o, "" if K is None else ", K=%d" % K))
        if msg:
            return msg
    return None


def _gradcheck(ctx, function, V, d, K):
    o = int(ctx.rng.integers(V))
    params = {"function": function, "o": o, "seed": int(ctx.rng.integers(1 << 30)), "K": K,
              "gradcheck": True}
    ref, stu = ctx.both("pair", params, _pair_inputs(ctx.rng, V, d))
    case = "gradient check of %s (V=%d, d=%d, o=%d%s)" % (
        function, V, d, o, "" if K is None else ", K=%d" % K)
    if stu.error:
        return "%s: %s" % (case, stu.error)
    for name in ("gradCenterVec", "gradOutsideVecs"):
        got = np.asarray(stu.out[name], dtype=float)
        num = stu.out["numeric_" + name]
        if got.shape != num.shape:
            return "%s: %s has shape %s, expected %s" % (case, name, got.shape, num.shape)
        err = np.abs(got - num) / np.maximum(1.0, np.maximum(np.abs(got), np.abs(num)))
        if not np.all(err <= GRADCHECK_TOL):
            ix = tuple(int(i) for i in np.argwhere(~(err <= GRADCHECK_TOL))[0])
            return ("%s: %s at index %s is %.6g, but the loss changes at the rate %.6g"
                    % (case, name, ix, got[ix], num[ix]))
    return None


def _efficiency(ctx, depends, task, params, inputs, what):
    if not all(ctx.passed.get(name) for name in depends):
        return "not timed: the values are not right yet (efficiency counts once they are)"
    ref, stu = ctx.both(task, params, inputs, timeout=ctx.timeout * 2)
    if stu.error:
        return "%s: %s" % (what, stu.error)
    ratio = float(stu.out["seconds"]) / float(ref.out["seconds"])
    if ratio > EFFICIENCY_MARGIN:
        return ("%s took %.0f times as long as the reference (at most %.0f allowed): a Python"
                " loop where one NumPy operation would do?" % (what, ratio, EFFICIENCY_MARGIN))
    return None


def check_naive_values(ctx):
    return _pair_cases(ctx, "naiveSoftmaxLossAndGradient",
                       [(int(ctx.rng.integers(5, 40)), int(ctx.rng.integers(3, 9)), None)
                        for _ in range(3)])


def check_naive_gradcheck(ctx):
    return _gradcheck(ctx, "naiveSoftmaxLossAndGradient", 7, 4, None)


def check_naive_efficiency(ctx):
    V, d = 5000, 50
    inputs = dict(_pair_inputs(ctx.rng, V, d), draws=np.zeros(1, dtype=np.int64))
    return _efficiency(ctx, ["naive softmax: values"], "pair_timing",
                       {"function": "naiveSoftmaxLossAndGradient", "o": 7, "reps": 20},
                       inputs, "naiveSoftmaxLossAndGradient with V=%d, d=%d" % (V, d))


def check_neg_values(ctx):
    return _pair_cases(ctx, "negSamplingLossAndGradient",
                       [(int(ctx.rng.integers(30, 60)), int(ctx.rng.integers(3, 9)),
                         int(ctx.rng.integers(3, 15))) for _ in range(3)])


def check_neg_repeats(ctx):
    return _pair_cases(ctx, "negSamplingLossAndGradient", [(4, 5, 12)])


def check_neg_gradcheck(ctx):
    return _gradcheck(ctx, "negSamplingLossAndGradient", 6, 4, 7)


def check_neg_efficiency(ctx):
    V, d, K = 60, 20, 2000
    o = 3
    draws = ctx.rng.integers(0, V, size=K + 7)
    inputs = dict(_pair_inputs(ctx.rng, V, d), draws=draws[draws != o])
    return _efficiency(ctx, ["negative sampling: values", "negative sampling: repeated"
                             " negatives"], "pair_timing",
                       {"function": "negSamplingLossAndGradient", "o": o, "K": K, "reps": 5},
                       inputs, "negSamplingLossAndGradient with K=%d" % K)


def _skipgram_case(ctx, V, d, window, outside):
    words = ["w%d" % i for i in range(V)]
    center = words[int(ctx.rng.integers(V))]
    params = {"words": words, "center": center, "window": window,
              "outside": [words[i] for i in outside]}
    inputs = {"C": ctx.rng.normal(size=(V, d)), "O": ctx.rng.normal(size=(V, d))}
    return params, inputs


def _check_skipgram(ctx, V, d, window, outside):
    params, inputs = _skipgram_case(ctx, V, d, window, outside)
    ref, stu = ctx.both("skipgram", params, inputs)
    return compare(ref, stu, ("loss", "gradCenterVecs", "gradOutsideVectors"),
                   "skipgram(%r, %d, %s) with V=%d, d=%d" % (
                       params["center"], window, params["outside"], V, d))


def check_skipgram_values(ctx):
    V = int(ctx.rng.integers(6, 15))
    return _check_skipgram(ctx, V, int(ctx.rng.integers(2, 6)), 3,
                           [int(i) for i in ctx.rng.integers(0, V, size=6)])


def check_skipgram_repeats(ctx):
    V = 5
    window = int(ctx.rng.integers(4, 7))
    outside = [int(i) for i in ctx.rng.integers(0, 2, size=2 * window)]  # many repeats
    return _check_skipgram(ctx, V, 3, window, outside)


def check_skipgram_efficiency(ctx):
    V, d = 3000, 50
    params, inputs = _skipgram_case(ctx, V, d, 5, list(ctx.rng.integers(0, V, size=10)))
    params["reps"] = 10
    params["outside"] = [str(w) for w in params["outside"]]
    return _efficiency(ctx, ["skip-gram: values", "skip-gram: repeated outside words"],
                       "skipgram", params, inputs, "skipgram with V=%d, d=%d" % (V, d))


def _check_sgd(ctx, params, inputs, case, timeout=None):
    ref, stu = ctx.both("sgd", params, inputs, module="sgd", timeout=timeout)
    return compare(ref, stu, ("x",), case)


def check_sgd_scalar(ctx):
    x0 = float(ctx.rng.uniform(-3, 3))
    return _check_sgd(ctx, {"step": 0.01, "iterations": 1000},
                      {"x0": np.asarray(x0), "a": np.asarray(1.0), "b": np.asarray(0.0)},
                      "sgd minimising x^2 from %.4f (step 0.01, 1000 iterations)" % x0)


def check_sgd_vector(ctx):
    n = int(ctx.rng.integers(3, 8))
    step, its = float(ctx.rng.uniform(0.01, 0.1)), int(ctx.rng.integers(50, 300))
    return _check_sgd(ctx, {"step": step, "iterations": its},
                      {"x0": ctx.rng.normal(size=n), "a": ctx.rng.uniform(0.5, 2, size=n),
                       "b": ctx.rng.normal(size=n)},
                      "sgd on a quadratic in %d dimensions (step %.4f, %d iterations)"
                      % (n, step, its))


def check_sgd_annealing(ctx):
    its = 20000 + int(ctx.rng.integers(5, 50))
    return _check_sgd(ctx, {"step": 0.001, "iterations": its, "linear": True},
                      {"x0": ctx.rng.normal(size=2), "a": np.array([1.0, -0.5]),
                       "b": np.zeros(2)},
                      "sgd with a constant gradient for %d iterations (the step must halve"
                      " after iteration 20000)" % its, timeout=ctx.timeout * 2)


def check_sgd_postprocessing(ctx):
    its = int(ctx.rng.integers(20, 60))
    return _check_sgd(ctx, {"step": 0.05, "iterations": its, "shrink": 0.9},
                      {"x0": ctx.rng.normal(size=3), "a": np.ones(3), "b": np.ones(3)},
                      "sgd with postprocessing x -> 0.9 x after each step (%d iterations)"
                      % its)


def _check_output(ctx, task, name):
    stu = run_task(ctx.student_dir, task, {}, {"unused": np.zeros(1)}, None, ctx.timeout,
                   ctx.workdir)
    if stu.error:
        if "FileNotFoundError" in stu.error:
            return "%s is not in the submission: run `python run.py`, then" \
                   " collect_submission.sh" % name
        return "%s: %s" % (name, stu.error)
    if not float(stu.out.get("ok", 0)):
        return "%s: %s" % (name, stu.why or "not valid")
    return None


def check_png(ctx):
    return _check_output(ctx, "png", "word_vectors.png")


def check_npy(ctx):
    return _check_output(ctx, "npy", "saved_params_40000.npy")


# (name, points, check); a check returns None when it passes, else the reason.
TESTS = [
    ("sigmoid: values", 1, check_sigmoid_values),
    ("sigmoid: extreme inputs (+-1000)", 1, check_sigmoid_extremes),
    ("naive softmax: values", 1, check_naive_values),
    ("naive softmax: gradient check", 1, check_naive_gradcheck),
    ("naive softmax: efficiency", 1, check_naive_efficiency),
    ("negative sampling: values", 1, check_neg_values),
    ("negative sampling: repeated negatives", 1, check_neg_repeats),
    ("negative sampling: gradient check", 1, check_neg_gradcheck),
    ("negative sampling: efficiency", 1, check_neg_efficiency),
    ("skip-gram: values", 1, check_skipgram_values),
    ("skip-gram: repeated outside words", 1, check_skipgram_repeats),
    ("skip-gram: efficiency", 1, check_skipgram_efficiency),
    ("sgd: minimises x^2", 1, check_sgd_scalar),
    ("sgd: a quadratic in several dimensions", 1, check_sgd_vector),
    ("sgd: annealing", 1, check_sgd_annealing),
    ("sgd: postprocessing", 1, check_sgd_postprocessing),
    ("run.py: word_vectors.png", 1, check_png),
    ("run.py: saved_params_40000.npy", 1, check_npy),
]
