"""How tests/data/state-d6d554a.sqlite was made: three crawls with the code at d6d554a.

Run from the root of a checkout of d6d554a (`git worktree add /tmp/old d6d554a`); it writes the
state file to /tmp/fx/state-d6d554a.sqlite. Kept for the record: the fixture must stay as that
commit wrote it (tests/test_store_migration.py opens it).
"""

import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path.cwd()))
from tests.conftest import run_crawl
from tests.fakeweb import FakeWeb
from tests.test_archive import FAST_ARCHIVE, KEYS

tmp = Path("/tmp/fx/work")
shutil.rmtree(tmp, ignore_errors=True)
tmp.mkdir(parents=True)
WX_LIVE = "https://mp.weixin.qq.com/s?__biz=MzFIXA==&mid=11&idx=1&sn=live0fx&chksm=cc01&wx_session_blob=LEAKWXSESSION000001&foo=LEAKUNKNOWN0000002"
WX_DEAD = "https://mp.weixin.qq.com/s?__biz=MzFIXB==&mid=12&idx=1&sn=removed0fx&key=SECRETKEY1&pass_ticket=SECRETPT3"
with FakeWeb(workdir=tmp / "web") as web:
    GEN = web.url("plain.test", "/page") + "?q=1&access_token=LEAKGENTOKEN000003"
    GONE = web.url("plain.test", "/status/404")
    web.write_scenario(
        {
            "wayback": {
                "keys": {"ACC": "SEC"},
                "snapshots": {
                    WX_DEAD.split("&key=", maxsplit=1)[0]: [
                        ["20210101000000", 200, {"shape": "wechat-live", "title": "旧文章"}]
                    ],
                },
            }
        }
    )
    seeds = tmp / "seeds"
    seeds.mkdir()
    (seeds / "list.md").write_text(
        "# fixture\n\n"
        f"- [live wx](<{WX_LIVE}>)\n"
        f"- [removed wx](<{WX_DEAD}>)\n"
        f"- [token page]({GEN})\n"
        f"- [gone]({GONE})\n"
        f"- see [{GEN}]({GEN})\n",
        encoding="utf-8",
    )
    for now in ("2026-11-01T06:00:00Z", "2026-11-05T06:00:00Z", "2026-11-09T06:00:00Z"):
        env = web.env()
        env.update(KEYS)
        env["LINKHEALTH_NOW"] = now
        r = run_crawl(seeds, tmp, env=env, settings={**FAST_ARCHIVE}, timeout=120)
        print(now, r.returncode, r.stderr[-400:])
shutil.copy(tmp / "state.sqlite", "/tmp/fx/state-d6d554a.sqlite")
