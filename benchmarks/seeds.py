"""Seed parsing on adversarial and large inputs: the figures tests/test_seeds.py does not assert.

    python benchmarks/seeds.py

Prints the seconds each input takes to parse (one run each; a shared machine is noisy).
"""

from __future__ import annotations

import time

from crawler.seeds import extract_text

filler = "x" * 2_500_000
CASES = {
    "5 MB single line, one URL": filler + " http://long.test/needle " + filler + "\n",
    "5,000,000 '[' then a URL": "[" * 5_000_000 + "\nnext https://x.com/after\n",
    "20,000 URLs glued in CJK text": "中文https://x.com/a，" * 20_000,
    "100,000 links, one a line": "\n".join(
        f"https://example.com/p/{i}?a=1&amp;b=2" for i in range(100_000)
    ),
}

for name, text in CASES.items():
    start = time.perf_counter()
    found = extract_text(text, "bench.md")
    print(f"{name:32} {time.perf_counter() - start:7.2f} s  {len(found):>7} links")
