"""Before the reports, the memory a crawl freed goes back to the system (glibc keeps it
otherwise, and the reports' pandas and matplotlib come on top of it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# 64 MB in 64 KB pieces (below glibc's mmap threshold: in the heap), all freed but the last,
# which keeps the heap's top in place: only malloc_trim can hand the freed pages back.
CODE = """
from crawler.report import give_back_freed_memory

def rss_mb():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * 4096 / 2**20

pieces = [bytes(64 * 1024) for _ in range(1024)]
last = pieces[-1]
del pieces
before = rss_mb()
give_back_freed_memory()
print(before - rss_mb())
"""


def test_the_memory_a_process_freed_goes_back_to_the_system() -> None:
    out = subprocess.run(
        [sys.executable, "-c", CODE], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert float(out.stdout) > 32  # MB given back of the 64 freed
