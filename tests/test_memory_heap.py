"""infra/memory.give_back_large_blocks: freed blocks of a MiB or more leave the process
(glibc would keep them on its heap once its mmap threshold has risen)."""

import sys

import pytest

from tests.conftest import run_python

CYCLES = """
import sys
import numpy as np
from w2v.infra.memory import give_back_large_blocks
def rss_kib():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS"))
if sys.argv[1] == "on":
    assert give_back_large_blocks()
before, keep = rss_kib(), []
for i in range(16):
    chunk = np.ones(1 << 20, np.int32)   # 4 MiB, a reader's chunk of ids
    keep.append(np.ones(64))            # small blocks allocated after it
    del chunk
print(rss_kib() - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt, Linux")
def test_freed_chunks_are_given_back():
    grown = int(run_python(CYCLES, "on").stdout)
    assert grown < 2048, "%d KiB kept after freeing 16 chunks of 4 MiB" % grown
