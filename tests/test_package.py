"""pyproject.toml: the package w2v installs alone, and declares what requirements.txt does."""

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile

from packaging.requirements import Requirement

from tests.conftest import ROOT
from tests.test_requirements import read_requirements


def _pyproject():
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)


def test_pyproject_declares_what_the_requirements_files_do():
    project = _pyproject()["project"]
    runtime, _ = read_requirements("requirements.txt")
    dev, _ = read_requirements("requirements-dev.txt")
    declared = {Requirement(r).name: str(Requirement(r).specifier)
                for r in project["dependencies"]}
    assert declared == {name: str(req.specifier) for name, req in runtime.items()}
    extras = {Requirement(r).name: str(Requirement(r).specifier)
              for r in project["optional-dependencies"]["test"]}
    assert extras == {name: str(req.specifier) for name, req in dev.items()
                      if name not in runtime}


def _build_wheel(folder):
    """The wheel pip builds for `pip install .` (an isolated setuptools from the index),
    from a copy of what it reads, so that the build writes nothing in the project."""
    source = folder / "source"
    source.mkdir(parents=True)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "w2v", source / "w2v",
                    ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w",
                    str(folder), str(source)], check=True, timeout=300,
                   capture_output=True)
    wheels = list(folder.glob("w2v-*.whl"))
    assert len(wheels) == 1
    return wheels[0]


def test_the_wheel_holds_the_library_alone_and_works_from_elsewhere(tmp_path):
    wheel = _build_wheel(tmp_path / "dist")
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        z.extractall(tmp_path / "site")
    assert "w2v/model.py" in names and "w2v/__main__.py" in names
    assert all(n.startswith(("w2v/", "w2v-")) for n in names), \
        [n for n in names if not n.startswith(("w2v/", "w2v-"))]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "site"))
    # The kernels this project's tests use (built from the same sources, so of the
    # same name): building them again for the copy would add 2.5 minutes to CI, and
    # tests/test_training_aot.py tests the build itself.
    env.setdefault("W2V_KERNEL_DIR", str(ROOT / "w2v" / "training" / "__pycache__"))
    code = ("import w2v\n"
            "print(w2v.__file__)\n"
            "m = w2v.train([['a', 'b', 'c', 'a', 'b'] * 20] * 30, dim=8, epochs=1,"
            " min_count=1, verbose=False)\n"
            "print(len(m.wv), m.wv.vectors.shape)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=elsewhere, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [str(tmp_path / "site" / "w2v" / "__init__.py"),
                                       "3 (3, 8)"]
    helped = subprocess.run([sys.executable, "-m", "w2v", "--help"], cwd=elsewhere, env=env,
                            capture_output=True, text=True, timeout=120)
    assert helped.returncode == 0 and "train" in helped.stdout
