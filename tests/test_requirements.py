"""requirements.txt, requirements-dev.txt and env.yml: complete, minimal and in agreement.

Every third-party module the code imports must be declared: what the
project's code imports in requirements.txt, what only tests/ and bench/
import in requirements-dev.txt. Every declared package must be used.
"""

import ast
import re
import sys
from importlib.metadata import PackageNotFoundError, packages_distributions, version
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
DEV_ONLY_FOLDERS = ("tests", "bench")
# Needed without being imported by name: why, and the import that shows it.
INDIRECT = {"setuptools": "numba.pycc"}  # numba's ahead-of-time compiler imports setuptools


def read_requirements(name):
    """{name: Requirement} of a requirements file, and the files it includes with -r."""
    reqs, includes = {}, []
    for line in (ROOT / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            includes.append(line[3:].strip())
        elif line:
            req = Requirement(line)
            reqs[req.name.lower()] = req
    return reqs, includes


def env_yml_packages():
    """{name: specifier} of env.yml's conda dependencies (python and pip left out)."""
    names = {}
    for line in (ROOT / "env.yml").read_text().splitlines():
        m = re.match(r"^\s*-\s+([A-Za-z0-9_.\-]+)\s*([<>=!].*)?$", line.split("#", 1)[0])
        if m and m.group(1) not in ("python", "pip", "conda-forge", "defaults"):
            names[m.group(1).lower()] = (m.group(2) or "").strip()
    return names


def imports(paths):
    """Top-level names of every module imported (anywhere in the file) by these files."""
    names = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names.add(node.module)
    return names


def third_party(paths):
    """{distribution name: modules} of the non-stdlib, non-project imports of these files."""
    local = {p.stem for p in ROOT.glob("*.py")} | {p.parent.name for p in ROOT.glob("*/__init__.py")}
    local |= {p.stem for p in ROOT.glob("bench/*.py")}  # the benchmarks import each other
    dists = packages_distributions()
    found = {}
    for module in imports(paths):
        top = module.split(".")[0]
        if top in sys.stdlib_module_names or top in local:
            continue
        for dist in dists.get(top, [top]):
            found.setdefault(dist.lower(), set()).add(module)
    return found


def code_files(dev):
    """The project's .py files: tests/ and bench/ (dev=True) or all the others."""
    files = []
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if parts[0].startswith(".") or "datasets" in parts or parts[0] in ("venv", "env"):
            continue
        if (parts[0] in DEV_ONLY_FOLDERS) == dev:
            files.append(path)
    return files


def test_requirements_dev_includes_requirements():
    runtime, includes = read_requirements("requirements.txt")
    dev, dev_includes = read_requirements("requirements-dev.txt")
    assert includes == []
    assert dev_includes == ["requirements.txt"]
    assert set(runtime).isdisjoint(dev), "a package is in both files"
    assert {"pytest", "hypothesis", "gensim"} <= set(dev)
    assert {"numpy", "scipy", "matplotlib", "scikit-learn", "numba"} <= set(runtime)


def test_every_import_of_the_code_is_in_requirements_txt():
    runtime, _ = read_requirements("requirements.txt")
    used = third_party(code_files(dev=False))
    undeclared = {dist: mods for dist, mods in used.items() if dist not in runtime}
    assert not undeclared, "imported by the code but not in requirements.txt: %s" % undeclared


def test_every_import_of_tests_and_benchmarks_is_declared():
    runtime, _ = read_requirements("requirements.txt")
    dev, _ = read_requirements("requirements-dev.txt")
    used = third_party(code_files(dev=True))
    used.pop("packaging", None)  # installed with pytest (its dependency)
    undeclared = {dist: mods for dist, mods in used.items() if dist not in {**runtime, **dev}}
    assert not undeclared, "imported by tests/bench but not declared: %s" % undeclared


def test_every_declared_package_is_used():
    runtime, _ = read_requirements("requirements.txt")
    dev, _ = read_requirements("requirements-dev.txt")
    code_imports = imports(code_files(dev=False))
    used_by_code = set(third_party(code_files(dev=False)))
    used_by_tests = set(third_party(code_files(dev=True)))
    for name in runtime:
        if name in INDIRECT:
            assert INDIRECT[name] in code_imports, "%s is declared for %s" % (name, INDIRECT[name])
        else:
            assert name in used_by_code, "requirements.txt lists %s; the code never imports it" % name
    for name in dev:
        assert name in used_by_tests | used_by_code, "%s is never imported" % name
        assert name not in used_by_code, "the code imports %s: it belongs in requirements.txt" % name


def test_env_yml_matches_the_requirements():
    runtime, _ = read_requirements("requirements.txt")
    dev, _ = read_requirements("requirements-dev.txt")
    env = env_yml_packages()
    declared = {**runtime, **dev}
    assert set(env) == set(declared)
    for name, req in declared.items():
        assert env[name] == str(req.specifier), name
    text = (ROOT / "env.yml").read_text()
    assert "name: a2" in text and "python=3.11" in text


def test_installed_versions_satisfy_the_requirements():
    runtime, _ = read_requirements("requirements.txt")
    dev, _ = read_requirements("requirements-dev.txt")
    for name, req in {**runtime, **dev}.items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            pytest.fail("%s is not installed: pip install -r requirements-dev.txt" % name)
        assert req.specifier.contains(installed, prereleases=True), (name, installed)
