"""The reports list what the pages we could not read said: wordings and titles, grouped."""

from __future__ import annotations

from pathlib import Path

from crawler.report import write_reports
from crawler.store.db import CheckRow, LinkRow, OccurrenceRow, Store

NOW = "2026-11-20T06:00:00Z"
HOSTILE = "<script>alert(1)</script>该文章已被隐藏"
#: (url, reason, detail, title)
PAGES = [
    ("https://mp.weixin.qq.com/s/a1", "unrecognized-page", f"message: {HOSTILE}", None),
    ("https://mp.weixin.qq.com/s/a2", "unrecognized-page", f"message: {HOSTILE}", None),
    ("https://zhuanlan.zhihu.com/p/1", "unrecognized-page", "no content signal: zh", "新标题"),
    ("https://blog.csdn.net/u/article/details/1", "truncated-page", "no content signal", None),
    ("https://ok.test/", "ok", "HTTP: 200", "fine"),
    # alive, but only on a weak signal (issue 21): listed too
    ("https://shell.test/", "ok", "HTTP: 200; weak signal: almost no text (0 characters)", "App"),
]


def test_unrecognized_wordings_and_titles_are_listed_grouped_and_escaped(tmp_path: Path) -> None:
    store = Store(tmp_path / "state.sqlite")
    run = store.begin_run(NOW, "seeds").id
    store.record_links(
        run,
        NOW,
        [LinkRow(u, u, u, u.split("/")[2]) for u, *_ in PAGES],
        [OccurrenceRow(u, "list.md", i + 1, "t", "bare") for i, (u, *_) in enumerate(PAGES)],
    )
    store.record_checks(
        run,
        [
            CheckRow(
                "alive" if why == "ok" else "blocked",
                why,
                200,
                u,
                title,
                detail,
                identity=u,
                checked_at=NOW,
            )
            for u, why, detail, title in PAGES
        ],
    )
    store.finish_run(run, NOW)
    write_reports(store, tmp_path / "reports", run_id=run)
    store.close()

    summary = (tmp_path / "reports" / "summary.md").read_text(encoding="utf-8")
    section = summary.split("## Pages we could not read (5)", 1)[1]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    assert rows[1].startswith(
        "| message | \\<script\\>alert(1)\\</script\\>该文章已被隐藏 | 2 | "
        "[https://mp.weixin.qq.com/s/a1]"
    )
    assert rows[2].startswith("| nothing | (nothing) | 1 |")
    assert rows[3].startswith("| title | 新标题 | 1 |")
    assert rows[4].startswith("| weak signal | App | 1 | [https://shell.test/]")
    assert len(rows) == 5  # the header and four groups; the page alive on its content is not

    page = (tmp_path / "reports" / "report.html").read_text(encoding="utf-8")
    panel = page.split('<section class="panel" id="unrecognized">', 1)[1].split("</section>")[0]
    assert "<script>alert(1)" not in panel
    assert "&lt;script&gt;alert(1)&lt;/script&gt;该文章已被隐藏</td><td>2</td>" in panel
    assert "<td>title</td><td>新标题</td><td>1</td>" in panel
    assert "<td>weak signal</td><td>App</td><td>1</td>" in panel
    assert 'href="https://mp.weixin.qq.com/s/a1"' in panel
