"""The house's layout: two halves, imports that point one way, no cycle, short files.

The assignment (word2vec.py, sgd.py, run.py, ..., utils/, engines/) may import
the library ``w2v``; ``w2v`` never imports the assignment; no module imports
another that imports it back, directly or in a loop (imports inside functions
count too).
"""

import ast

from tests.conftest import ROOT

ASSIGNMENT_TOP = {"word2vec", "sgd", "run", "sentiment", "train", "evaluate", "explore"}
ASSIGNMENT_PACKAGES = {"utils", "engines"}
UTILS_MODULES = {"__init__", "treebank", "gradcheck", "utils", "selfchecks", "published",
                 "labels", "label_files", "datafiles", "session"}
MAX_FILE_LINES, MAX_FUNCTION_LINES = 400, 60


def project_files():
    """Every .py file of the project (tests and bench apart), as module name -> path."""
    files = {}
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in ("tests", "bench", ".venv", "build") or "datasets" in rel.parts:
            continue
        name = ".".join(rel.with_suffix("").parts)
        files[name[:-len(".__init__")] if name.endswith(".__init__") else name] = path
    return files


def imported_modules(path, name, known):
    """The project modules ``path`` imports, anywhere in it (resolved to known names)."""
    found = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            targets = [base] + ["%s.%s" % (base, alias.name) for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph():
    files = project_files()
    return {name: imported_modules(path, name, files) for name, path in files.items()}


def is_assignment(module):
    top = module.split(".")[0]
    return top in ASSIGNMENT_TOP or top in ASSIGNMENT_PACKAGES


def test_the_library_never_imports_the_assignment():
    graph = import_graph()
    assert "w2v.model" in graph and "word2vec" in graph  # the walk sees both halves
    wrong = {m: sorted(filter(is_assignment, deps)) for m, deps in graph.items()
             if m.startswith("w2v") and any(map(is_assignment, deps))}
    assert wrong == {}


def test_no_import_cycle():
    graph = import_graph()
    state, cycles = {}, []

    def visit(module, stack):
        state[module] = "open"
        for dep in sorted(graph.get(module, ())):
            # A package's __init__ is imported with its modules: not a cycle edge.
            if module.startswith(dep + "."):
                continue
            if state.get(dep) == "open":
                cycles.append(stack[stack.index(dep):] + [dep])
            elif dep not in state:
                visit(dep, stack + [dep])
        state[module] = "done"
    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_utils_holds_only_the_assignment_modules():
    names = {p.stem for p in (ROOT / "utils").glob("*.py")}
    assert names <= UTILS_MODULES, sorted(names - UTILS_MODULES)


def test_files_and_functions_are_short():
    long_files, long_functions = [], []
    paths = list(project_files().values()) + sorted((ROOT / "tests").glob("*.py")) + \
        sorted((ROOT / "bench").glob("*.py"))
    for path in paths:
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > MAX_FILE_LINES:
            long_files.append((str(path.relative_to(ROOT)), len(text.splitlines())))
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long_functions.append("%s:%d %s (%d lines)" % (
                        path.relative_to(ROOT), node.lineno, node.name, length))
    assert long_files == [] and long_functions == []
