"""A damaged numba cache is compiled again, with one line saying so, never a traceback.

numba's ``njit(cache=True)`` keeps each compiled kernel in ``__pycache__`` as
an index (``.nbi``) and data files (``.nbc``), both pickles, and trusts them:
a truncated or corrupt file raises ``UnpicklingError`` (or worse) from the
first call of the kernel, on every later run, since nothing rewrites it.
``guard()`` wraps numba's cache loader once per process: a cache entry that
fails to load is reported in one line, the function's index is emptied (so
the fresh compilation is saved over the damaged files) and the kernel is
compiled as if there were no cache.

Call ``guard()`` before the first call of a cached kernel (importing the
module that defines them is fine: numba loads the cache at the first call).
"""

import os
import re
import sys

_guarded = False


def guard(stream=None):
    """Make every ``cache=True`` kernel of this process survive a damaged cache file.

    stream -- where the one line goes (default: sys.stderr at the time)
    Returns True when the guard is in place (False without numba, or with a
    numba whose cache loader is not where this module expects it).
    """
    global _guarded
    if _guarded:
        return True
    try:
        from numba.core import caching
    except ImportError:
        return False
    original = getattr(caching.Cache, "load_overload", None)
    if original is None:
        return False

    def load_overload(self, sig, target_context):
        try:
            return original(self, sig, target_context)
        except Exception as err:  # noqa: BLE001 -- any failure means: not cached
            _forget(self, err, stream)
            return None

    caching.Cache.load_overload = load_overload
    _guarded = True
    return True


def _forget(cache, err, stream):
    """Say that ``cache``'s entry is damaged, and empty its index so it is rewritten."""
    files = getattr(cache, "_cache_file", None)
    index = getattr(files, "_index_path", None) or "?"
    kernel = re.sub(r"-\d+\.py\w+\.nbi$", "", os.path.basename(index))
    detail = str(err).splitlines()[0][:120] if str(err) else ""
    print("note: the numba cache of %s in %s is damaged (%s%s); compiling it again and"
          " rewriting the cache" % (kernel, os.path.dirname(index), type(err).__name__,
                                    ": " + detail if detail else ""),
          file=stream or sys.stderr, flush=True)
    try:
        files.flush()  # an empty index: the next save starts afresh
    except Exception:  # noqa: BLE001 -- a read-only cache: numba then skips saving
        pass
