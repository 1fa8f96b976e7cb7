"""Our solution files, read with ``ast``: the functions a student writes, as stubs or kept.

The stubbed functions are found by name, not by markers: everything after a
function's docstring is the solution. The one marked region is inside
``sgd`` (sgd.py), whose loop is the starter's and whose update alone is the
student's: the lines between ``# BEGIN SOLUTION`` and ``# END SOLUTION``.
"""

import ast
import re
import textwrap

# name -> (reference line count, lines before the student's block, after it)
STUBS = {
    "sigmoid": ("~1 Line", "", "return s"),
    "naiveSoftmaxLossAndGradient": (
        "~6-8 Lines", "",
        "return loss, gradCenterVec, gradOutsideVecs"),
    "negSamplingLossAndGradient": (
        "~10 Lines",
        "# Negative sampling of words is done for you. Do not modify this if you\n"
        "# wish to match the autograder and receive points!\n"
        "negSampleWordIndices = getNegativeSamples(outsideWordIdx, dataset, K)\n"
        "indices = [outsideWordIdx] + negSampleWordIndices",
        "return loss, gradCenterVec, gradOutsideVecs"),
    "skipgram": (
        "~8 Lines",
        "loss = 0.0\n"
        "gradCenterVecs = np.zeros(centerWordVectors.shape)\n"
        "gradOutsideVectors = np.zeros(outsideVectors.shape)",
        "return loss, gradCenterVecs, gradOutsideVectors"),
    "sgd": ("~2 Lines", "", ""),
}
BEGIN, END = "### YOUR CODE HERE", "### END YOUR CODE"
SOLUTION_BEGIN, SOLUTION_END = "# BEGIN SOLUTION", "# END SOLUTION"

# What the starter's word2vec.py keeps of ours, in this order (the rest is
# the general library's, or the negative-sampling maths a student writes).
STARTER_WORD2VEC = ("_check_positive_int", "sigmoid", "naiveSoftmaxLossAndGradient",
                    "MAX_REDRAWS", "getNegativeSamples", "negSamplingLossAndGradient", "skipgram",
                    "BATCH_SIZE", "word2vec_sgd_wrapper")
# The reference also keeps the helpers our solutions call.
REFERENCE_EXTRA = ("softplus", "_check_index", "_check_pair_args", "neg_sampling_core",
                   "target_gradients")


def stub_block(name, indent):
    """The student's block for function ``name``: markers, a placeholder raise."""
    count, before, after = STUBS[name]
    lines = [before] if before else []
    lines += ["%s (%s)" % (BEGIN, count),
              "raise NotImplementedError(\"%s: not implemented yet\"" % name,
              "                          \" (write it between YOUR CODE HERE and END YOUR"
              " CODE)\")",
              END]
    if after:
        lines += ["", after]
    return textwrap.indent("\n".join(lines), indent)


def _name(node):
    if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
        return node.name
    if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id
    return None


def top_level(source):
    """{name: (node, source segment with its comments above)} of a module."""
    tree = ast.parse(source)
    lines = source.splitlines()
    found = {}
    for node in tree.body:
        name = _name(node)
        if name is not None:
            found[name] = (node, "\n".join(lines[node.lineno - 1:node.end_lineno]))
    return found


# Docstrings that state a written answer (a gradient's closed form) or how our
# solution is written: the starter's says what to return, not how.
STARTER_DOCSTRINGS = {
    "sigmoid": '''"""The logistic function 1 / (1 + e^-x), elementwise.

    x -- a scalar or an array of any shape; returns s, the same kind and shape.
    """''',
    "naiveSoftmaxLossAndGradient": '''"""Naive-softmax loss J = -log y_hat_o and its gradients, for one (c, o) pair.

    centerWordVec -- v_c, shape (d,)
    outsideWordIdx -- o, the index of the true outside word
    outsideVectors -- U transposed, shape (V, d): row w is u_w
    dataset -- unused (kept for the common interface with negative sampling)

    Returns (loss, gradCenterVec (d,) = dJ/dv_c,
             gradOutsideVecs (V, d), row w being dJ/du_w).
    """''',
}


def stub_function(node, source):
    """The function's header and docstring, then the student's block."""
    lines = source.splitlines()
    doc = node.body[0]
    if not (isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant)):
        raise ValueError("%s has no docstring to keep" % node.name)
    head = "\n".join(lines[node.lineno - 1:doc.end_lineno])
    if node.name in STARTER_DOCSTRINGS:
        head = "\n".join(lines[node.lineno - 1:doc.lineno - 1]) + "\n" \
            + " " * doc.col_offset + STARTER_DOCSTRINGS[node.name]
    return head + "\n" + stub_block(node.name, " " * (doc.col_offset))


def build_word2vec(source, keep_solutions=False):
    """The starter's word2vec.py (stubs) or the grader's reference (bodies kept).

    Neither imports anything but numpy (and scipy, lazily, in our sigmoid).
    """
    found = top_level(source)
    names = STARTER_WORD2VEC + (REFERENCE_EXTRA if keep_solutions else ())
    parts = []
    for name in names:
        node, text = found[name]
        if name in STUBS and not keep_solutions:
            text = stub_function(node, source)
        parts.append(text)
    head = ('#!/usr/bin/env python\n"""Skip-gram word2vec: losses, gradients and the SGD'
            ' wrapper (CS224N Assignment 2).\n\n'
            + ast.get_docstring(ast.parse(source)).split("\n", 1)[1].strip()
            + '\n"""\n\nimport argparse\nimport random\nimport sys\n\nimport numpy as np\n')
    if not keep_solutions:
        head += "\nfrom utils.selfchecks import CHECKS\n"
        parts.append(found["main"][1])  # our main: it reports a stub as not implemented
    body = "\n\n\n".join(parts)
    tail = '\n\n\nif __name__ == "__main__":\n    sys.exit(main())\n' \
        if not keep_solutions else "\n"
    return head + "\n\n" + body + tail


def solution_lines(source, function="sgd"):
    """The lines between the solution markers inside ``function``, dedented."""
    node, text = top_level(source)[function]
    match = re.search(r"^[ \t]*%s\n(.*?)^[ \t]*%s\n" % (SOLUTION_BEGIN, SOLUTION_END),
                      text + "\n", re.S | re.M)
    if match is None:
        raise ValueError("%s has no %s ... %s region" % (function, SOLUTION_BEGIN,
                                                         SOLUTION_END))
    return textwrap.dedent(match.group(1)).rstrip("\n")


def build_sgd(template, sgd_source, keep_solutions=False):
    """The starter's sgd.py from the template: the stub, or our update in its place."""
    if keep_solutions:
        # Our update calls apply_update (dense or row-sparse gradients).
        found = top_level(sgd_source)
        block = textwrap.indent(solution_lines(sgd_source), " " * 8)
        helpers = "\n\n\n".join(found[n][1] for n in ("RowSparseGrad", "apply_update"))
        text = template.replace("{{SGD_STUB}}", block)
        return text.replace("\n\n\ndef load_saved_params", "\n\n\n" + helpers
                            + "\n\n\ndef load_saved_params", 1)
    return template.replace("{{SGD_STUB}}", stub_block("sgd", " " * 8))


def fill(text, solutions):
    """Replace each function's student block in ``text`` by ``solutions[name]``.

    solutions -- {function name: code, dedented}; used by the tests and to
    check that a starter filled with a solution runs.
    """
    tree = ast.parse(text)
    lines = text.splitlines()
    for node in sorted((n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)
                        and n.name in solutions), key=lambda n: -n.lineno):
        span = range(node.lineno - 1, node.end_lineno)
        start = next(i for i in span if lines[i].strip().startswith(BEGIN))
        stop = next(i for i in span if lines[i].strip() == END)
        indent = lines[start][:len(lines[start]) - len(lines[start].lstrip())]
        lines[start:stop + 1] = textwrap.indent(solutions[node.name], indent).splitlines()
    return "\n".join(lines) + "\n"
