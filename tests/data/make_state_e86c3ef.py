"""How tests/data/state-e86c3ef.sqlite was made: three crawls of tests/data/e2e with the code at
e86c3ef (the last commit before issue 23's run and store redesign), the archive on.

Run from the root of a checkout of e86c3ef; it writes the state file to
/tmp/fx/state-e86c3ef.sqlite. Kept for the record: the fixture must stay as that commit wrote it
(tests/test_golden_reports.py rebuilds its reports and compares them byte for byte).
"""

import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path.cwd()))
from tests.conftest import run_crawl
from tests.fakeweb import FakeWeb
from tests.test_archive import FAST_ARCHIVE, KEYS

tmp = Path("/tmp/fx/work-e86c3ef")
shutil.rmtree(tmp, ignore_errors=True)
tmp.mkdir(parents=True)
seeds = tmp / "seeds"
shutil.copytree(Path("tests/data/e2e"), seeds)
with FakeWeb(workdir=tmp / "web") as web:
    for now in ("2026-11-01T06:00:00Z", "2026-11-08T06:00:00Z", "2026-11-15T06:00:00Z"):
        env = web.env()
        env.update(KEYS)
        env["LINKHEALTH_NOW"] = now
        r = run_crawl(seeds, tmp, env=env, settings={**FAST_ARCHIVE}, timeout=300)
        print(now, r.returncode, r.stderr[-400:])
shutil.copy(tmp / "state.sqlite", "/tmp/fx/state-e86c3ef.sqlite")
