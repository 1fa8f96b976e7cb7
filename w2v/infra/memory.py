"""Whether a run's arrays fit in memory, checked before they are allocated.

A size the machine cannot hold (``--dim 100000``, a window of a million)
would otherwise allocate gigabytes, swap, and end in a MemoryError or the
OOM killer long after the start; refused at once with the figures instead.
What the machine has: /proc/meminfo's MemAvailable (memory usable without
swapping), capped by the cgroup's limit (containers, job schedulers), else
the physical memory (os.sysconf).
"""

import ctypes
import os

import numpy as np

MEMINFO = "/proc/meminfo"
CGROUP_FILES = (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),  # v2
                ("/sys/fs/cgroup/memory/memory.limit_in_bytes",                # v1
                 "/sys/fs/cgroup/memory/memory.usage_in_bytes"))


class NotEnoughMemory(ValueError):
    """A run needs more memory than the machine has; the message gives both figures."""


def need_bytes(*arrays):
    """Bytes of the arrays ``(shape, dtype)``, e.g. ``((2 * V, d), np.float32)``.

    Python integers: no overflow at any size asked for.
    """
    total = 0
    for shape, dtype in arrays:
        count = 1
        for n in (shape if isinstance(shape, tuple) else (shape,)):
            count *= max(int(n), 0)
        total += count * np.dtype(dtype).itemsize
    return total


def _read_int(path):
    try:
        with open(path) as f:
            text = f.read().split()[0]
    except (OSError, IndexError):
        return None
    return int(text) if text.isdigit() else None


def _meminfo_available(path=MEMINFO):
    try:
        with open(path) as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _physical():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def available_bytes():
    """Bytes this process can still allocate without swapping, or None if unknown."""
    have = _meminfo_available()
    if have is None:
        have = _physical()
    for limit_file, usage_file in CGROUP_FILES:
        limit, usage = _read_int(limit_file), _read_int(usage_file)
        if limit is not None and usage is not None and limit < 1 << 60:
            room = max(limit - usage, 0)
            have = room if have is None else min(have, room)
            break
    return have


def format_bytes(n):
    """'512 MiB', '3.2 GiB', '1,024.0 TiB'."""
    for unit, size in (("TiB", 1 << 40), ("GiB", 1 << 30)):
        if n >= size:
            return "{:,.1f} {}".format(n / size, unit)
    return "{:,.0f} MiB".format(n / (1 << 20))


def check_memory(need, what, advice="", have=None):
    """Raise NotEnoughMemory when ``need`` bytes exceed what the machine has.

    what -- the arrays and where, e.g. "the vectors (2 x 19,539 words x d = 100,000)"
    advice -- what to do, e.g. "lower --dim"
    have -- the bytes available (default ``available_bytes()``; unknown: no check)
    """
    have = available_bytes() if have is None else have
    if have is None or need <= have:
        return
    raise NotEnoughMemory("%s need %s of memory, this machine has %s available%s"
                          % (what, format_bytes(need), format_bytes(have),
                             ": " + advice if advice else ""))


M_MMAP_THRESHOLD = -3       # glibc's mallopt parameter (malloc.h)
LARGE_BLOCK = 1 << 20


def give_back_large_blocks():
    """Have glibc hand every freed block of LARGE_BLOCK bytes or more back to the system.

    glibc raises its mmap threshold each time a large block is freed, so the
    next blocks of that size come from the heap, which keeps their pages:
    after the reader's chunks of a few MiB (training/idstore.py) a 47M-word run
    kept some 10 MiB it no longer used. A fixed threshold keeps every such
    block mapped on its own, unmapped when freed. True if set; elsewhere than
    glibc, nothing happens (False).
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):   # not glibc: its own allocator's rules
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, LARGE_BLOCK))
