"""The training kernels as the trainer calls them: built ahead of time, loaded without numba.

w2v/training/kernels.py's EXPORTS (train_job per vectors' dtype, alias_table,
huffman_merge)
are built once by w2v/infra/aot.py into an extension module; every later
training process imports it and never loads numba (about 130 MB and 0.3 s
less per process). The module goes to w2v/training/__pycache__ when that is
writable, else to $XDG_CACHE_HOME/w2v (~/.cache/w2v), or to $W2V_KERNEL_DIR.
Without a C compiler or numba's pycc, the same kernels are compiled by
numba's JIT (kernels.py, cached on disk): same results, slower start.

The build uses the JIT's flags (the kernels' own fastmath: most of the code
is in functions compiled with their njit options; the GIL released) and this
CPU's instructions, as the JIT does: the two give the same vectors bit for bit.
"""

import os
import re
import types

import numpy as np

from w2v.infra import aot
from w2v.training import kernel_args

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def _user_cache():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "w2v")


_IMPORT = re.compile(r"^from w2v\.(\w+)\.(\w+) import", re.M)


def kernel_sources(first="kernels.py"):
    """The files the kernels are compiled from: kernels.py and every w2v module it
    imports, directly or not (a module missed here would not rebuild them)."""
    root = os.path.dirname(HERE)
    found, todo = [], [os.path.join(HERE, first)]
    while todo:
        path = todo.pop()
        if path in found:
            continue
        found.append(path)
        with open(path, encoding="utf-8") as f:
            todo += [os.path.join(root, package, module + ".py")
                     for package, module in _IMPORT.findall(f.read())]
    return sorted(found) + [os.path.abspath(__file__)]


KERNELS = aot.Kernels(
    "_training_kernels", "w2v.training.kernels", ROOT, sources=kernel_sources(),
    folders=[os.path.join(HERE, "__pycache__"), _user_cache()],
    flags={"release_gil": True, "target_cpu": "host"},
    announce=None)  # pipeline.load_kernels says it (need_building)

_loaded = None


def just_in_time():
    """The same kernels, compiled by numba's JIT, under the exported names."""
    from w2v.training import kernels

    return types.SimpleNamespace(**{name: function for name, function, _ in kernels.EXPORTS})


def load(say=None):
    """The kernels (the built module, or just_in_time()): built first if need be.

    say(text) -- where the lines about building go (default: nowhere)
    """
    global _loaded
    if _loaded is None:
        _loaded = KERNELS.load(say or (lambda text: None), just_in_time)
    return _loaded


def need_building():
    """Whether ``load`` will build the kernels (a minute) rather than import them."""
    return _loaded is None and KERNELS.built_path() is None


def train_job(*args):
    """kernels.train_job (see there): the built one when the arguments are exactly of
    its types, else the JIT's (which any arrays numba takes suit)."""
    dtype = kernel_args.built_for(args)
    if dtype is None:
        from w2v.training import kernels
        return kernels.train_job(*args)
    return getattr(load(), "train_job_" + dtype.name)(*args)


def alias_table(p):
    """rng.alias_table: (accept float64 (V,), alias int32 (V,)) of p float64 (V,)."""
    return load().alias_table(np.ascontiguousarray(p, dtype=np.float64))


def huffman_merge(sorted_counts):
    """huffman_heap.heap_merge: (parent, bit, depth) of the Huffman tree of the leaves
    with these counts (sorted descending, as gensim orders them)."""
    return load().huffman_merge(np.ascontiguousarray(sorted_counts, dtype=np.int64))
