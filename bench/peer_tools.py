#!/usr/bin/env python
"""The peers of bench/peers.py: Google's word2vec C and fastText, fetched and built
outside the repository, and the commands that train them as compare_gensim's
settings say.

- word2vec C: word2vec.c from the PyPI package ``word2vec`` (its source
  distribution holds Google's C files), built with ``gcc -O3 -march=native
  -funroll-loops -pthread -lm`` into the cache folder.
- fastText: the PyPI package ``fasttext-wheel`` (fastText 0.9.2's Python
  bindings), pip-installed with ``--target`` into the cache folder and put on
  the worker's PYTHONPATH only; never into the project's environment.

The cache folder is $W2V_BENCH_CACHE, else ~/.cache/w2v-bench. A peer that
cannot be fetched or built is reported by one line saying why; the rest runs.
``python bench/peer_tools.py --fasttext-worker JSON`` is one fastText run (in its
own process, so its peak memory is its own).
"""

import bz2
import gzip
import importlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

WORD2VEC_PACKAGE = "word2vec==0.11.1"
WORD2VEC_C_MEMBER = "word2vec/includes/word2vec.c"
CFLAGS = ["-O3", "-march=native", "-funroll-loops", "-pthread"]
FASTTEXT_PACKAGE = "fasttext-wheel==0.9.2"


def cache_dir():
    """Where the peers are fetched and built (outside the repository)."""
    named = os.environ.get("W2V_BENCH_CACHE", "").strip()
    return os.path.expanduser(named or os.path.join("~", ".cache", "w2v-bench"))


def _pip(*args, timeout=600):
    """Run pip (this interpreter's) with args; (ok, its last output line)."""
    try:
        done = subprocess.run([sys.executable, "-m", "pip", *args, "--disable-pip-version-check",
                               "-q"], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, "pip timed out after %d s" % timeout
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    return done.returncode == 0, (lines[-1] if lines else "")


# ---- word2vec C ----------------------------------------------------------

def word2vec_c():
    """(path of the word2vec binary, description) or (None, why it is not there).

    Builds it once: downloads the source distribution of WORD2VEC_PACKAGE,
    takes word2vec.c out of it and compiles it with gcc and CFLAGS.
    """
    folder = os.path.join(cache_dir(), "word2vec-c")
    binary = os.path.join(folder, "word2vec")
    gcc = shutil.which("gcc")
    described = "%s's word2vec.c, gcc %s" % (WORD2VEC_PACKAGE, " ".join(CFLAGS + ["-lm"]))
    if os.access(binary, os.X_OK):
        return binary, described
    if gcc is None:
        return None, "no C compiler: gcc is not on PATH"
    os.makedirs(folder, exist_ok=True)
    ok, last = _pip("download", "--no-deps", "--no-binary", ":all:", WORD2VEC_PACKAGE,
                    "-d", folder)
    archives = [n for n in os.listdir(folder) if n.endswith(".tar.gz")]
    if not ok or not archives:
        return None, "pip download %s failed: %s" % (WORD2VEC_PACKAGE, last or "no archive")
    source = os.path.join(folder, "word2vec.c")
    with tarfile.open(os.path.join(folder, archives[0])) as tar:
        member = next((m for m in tar.getmembers() if m.name.endswith(WORD2VEC_C_MEMBER)), None)
        if member is None:
            return None, "%s holds no %s" % (archives[0], WORD2VEC_C_MEMBER)
        with open(source, "wb") as out:
            out.write(tar.extractfile(member).read())
    done = subprocess.run([gcc, source, "-o", binary, *CFLAGS, "-lm"],
                          capture_output=True, text=True)
    if done.returncode != 0:
        return None, "gcc failed on word2vec.c: %s" % (done.stderr.strip().splitlines()
                                                        or ["?"])[-1]
    return binary, described


def word2vec_c_command(binary, s):
    """word2vec C's command line for compare_gensim's settings ``s``; writes vectors.bin."""
    hs = s["loss"] == "hs"
    return [binary, "-train", s["corpus"], "-output", os.path.join(s["outdir"], "vectors.bin"),
            "-cbow", str(int(s["model"] == "cbow")), "-size", str(s["dim"]),
            "-window", str(s["window"]), "-sample", repr(s["sample"]), "-hs", str(int(hs)),
            "-negative", "0" if hs else str(s["negative"]), "-threads", str(s["workers"]),
            "-iter", str(s["epochs"]), "-min-count", str(s["min_count"]),
            "-alpha", repr(s["alpha"]), "-binary", "1"]


# ---- fastText -----------------------------------------------------------

def fasttext_target():
    """(the folder to put on PYTHONPATH, description) or (None, why fastText is not there)."""
    target = os.path.join(cache_dir(), "fasttext-wheel")
    if not _fasttext_imports(target):
        ok, last = _pip("install", "--no-deps", "--upgrade", "--target", target,
                        FASTTEXT_PACKAGE)
        if not ok:
            return None, "pip install %s failed: %s" % (FASTTEXT_PACKAGE, last)
        if not _fasttext_imports(target):
            return None, "%s installed in %s but does not import" % (FASTTEXT_PACKAGE, target)
    versions = [n[:-len(".dist-info")] for n in os.listdir(target) if n.endswith(".dist-info")]
    return target, "%s (Python bindings), subwords off (minn = maxn = 0)" % (
        ", ".join(versions) or FASTTEXT_PACKAGE)


def _fasttext_imports(target):
    if not os.path.isdir(target):
        return False
    done = subprocess.run([sys.executable, "-c", "import fasttext"], env=fasttext_env(target),
                          capture_output=True)
    return done.returncode == 0


def fasttext_env(target):
    """This environment with ``target`` first on PYTHONPATH."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (target, env.get("PYTHONPATH")) if p)
    return env


def fasttext_command(s):
    return [sys.executable, os.path.abspath(__file__), "--fasttext-worker", json.dumps(s)]


def fasttext_worker(spec):
    """Train fastText as ``spec`` (compare_gensim's settings) says; write vectors.bin and
    timing.json (the seconds of train_unsupervised, which include its vocabulary pass)."""
    # fastText is no dependency of the project: it lives in the cache folder, on this
    # worker's PYTHONPATH alone, so it is loaded by name, not declared.
    fasttext = importlib.import_module("fasttext")
    from w2v.vectors.word2vec_format import save_word2vec_binary
    s = json.loads(spec)
    start = time.perf_counter()
    model = fasttext.train_unsupervised(
        s["corpus"], model=s["model"], loss="hs" if s["loss"] == "hs" else "ns",
        dim=s["dim"], ws=s["window"], epoch=s["epochs"], minCount=s["min_count"],
        neg=s["negative"], t=s["sample"], lr=s["alpha"], thread=s["workers"],
        minn=0, maxn=0, wordNgrams=1, verbose=0)    # 0.9.2 takes no seed
    seconds = time.perf_counter() - start
    # Subwords off: a word's vector is its row of the input matrix.
    save_word2vec_binary(os.path.join(s["outdir"], "vectors.bin"), model.words,
                         model.get_input_matrix())
    with open(os.path.join(s["outdir"], "timing.json"), "w") as f:
        json.dump({"train_seconds": seconds}, f)


# ---- the corpus ---------------------------------------------------------

def default_corpus():
    """wiki106.txt where the tests find the real data (tests/conftest.py's lookup); None if not."""
    from tests.conftest import find_real_data
    folder = find_real_data("corpora", "wiki106.txt")
    return None if folder is None else str(folder / "wiki106.txt")


def default_benchmarks():
    """The benchmarks' folder where the tests find the real data; None if not there."""
    from tests.conftest import find_real_data
    folder = find_real_data("benchmarks", "questions-words.txt", "wordsim353.tsv")
    return None if folder is None else str(folder)


def repeat_corpus(path, times, folder):
    """``path``'s text ``times`` times over, in a new plain text file in ``folder`` (a .gz or
    .bz2 corpus is decompressed, so that every tool can read the copy); its path."""
    name = os.path.basename(path)
    opener = {".gz": gzip.open, ".bz2": bz2.open}.get(os.path.splitext(name)[1], open)
    if opener is not open:
        name = os.path.splitext(name)[0]
    out = os.path.join(folder, "%dx_%s" % (times, name))
    with open(out, "wb") as dst:
        for _ in range(times):
            last = b""
            with opener(path, "rb") as src:
                for block in iter(lambda: src.read(1 << 20), b""):
                    dst.write(block)
                    last = block[-1:]
            if last not in (b"\n", b""):
                dst.write(b"\n")     # copies must not run into each other's first line
    return out


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--fasttext-worker":
        fasttext_worker(sys.argv[2])
    else:
        sys.exit("usage: python bench/peer_tools.py --fasttext-worker JSON (used by"
                 " bench/peers.py)")
