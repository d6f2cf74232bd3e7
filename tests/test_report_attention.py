"""What needs attention first and what to do next (crawler/report/attention.py), and
summary.md in that order; a degraded summary says in one line what could not be checked."""

from __future__ import annotations

from pathlib import Path

from crawler.fetch.network import NETWORK_REASONS
from crawler.report import write_reports
from crawler.report.attention import LinkState, Step, next_steps, rank
from crawler.store.history import Policy
from tests.test_report_html import build_store

POLICY = Policy(checks=3, days=3)


def _link(status: str, **kw: object) -> LinkState:
    values: dict[str, object] = {
        "status": status,
        "reason": "",
        "confirmed_dead": False,
        "fail_streak": 0,
        "first_failed_at": "",
        "archive_url": "",
        "archive_status": "none",
    }
    values.update(kw)
    return LinkState(**values)  # type: ignore[arg-type]


def test_the_order_puts_what_needs_attention_first() -> None:
    ordered = [
        rank("dead", True, "newly-confirmed-dead"),
        rank("dead", True, ""),
        rank("dead", False, "newly-failing"),
        rank("blocked", False, ""),
        rank("error", False, ""),
        rank("alive", False, "", drift="title"),  # a drift column, once the reports have one
        rank("", False, ""),
        rank("alive", False, ""),
        rank("skipped", False, ""),
        rank("ignored", False, ""),
    ]
    assert ordered == sorted(ordered)
    assert len(set(ordered)) == len(ordered)
    assert rank("alive", False, "recovered") == rank("alive", False, "")  # no drift column


def test_next_steps_say_what_to_do() -> None:
    failing = _link("dead", fail_streak=1, first_failed_at="2026-11-22T06:00:00+00:00")
    assert next_steps(failing, POLICY) == [
        Step("confirmed dead after 2 more checks (on or after 2026-11-25)"),
        Step("no snapshot found"),
    ]
    snapshot = "https://web.archive.org/web/2020/https://a.test/"
    confirmed = _link("dead", confirmed_dead=True, archive_url=snapshot, archive_status="rescued")
    assert next_steps(confirmed, POLICY) == [Step("use the snapshot", snapshot)]
    pending = _link("dead", confirmed_dead=True, archive_status="pending")
    assert next_steps(pending, POLICY) == [Step("archive pending (next run)")]
    at_work = _link("dead", confirmed_dead=True, archive_status="")  # the early reports
    assert next_steps(at_work, POLICY) == [Step("archive at work (this run)")]
    local = _link("dead", confirmed_dead=True, archive_status="skipped")  # never asked
    assert next_steps(local, POLICY) == []
    blocked = next_steps(_link("blocked"), POLICY)
    assert blocked == [Step("could not tell: see proxies", "../README.md#what-to-do-next")]
    offline = next_steps(_link("error", reason="offline"), POLICY)
    assert offline == [Step("nothing was checked: run again with a working network")]
    assert next_steps(_link("alive", archive_status="pending"), POLICY) == [
        Step("archive pending (next run)")
    ]
    assert next_steps(_link("alive", archive_status="captured"), POLICY) == []


def test_summary_lists_what_needs_attention_first(tmp_path: Path) -> None:
    store = build_store(tmp_path / "state.sqlite")
    write_reports(store, tmp_path / "reports")
    summary = (tmp_path / "reports" / "summary.md").read_text(encoding="utf-8")
    listed = summary.split("## Not alive", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in listed.splitlines() if line.startswith("| ")][2:]  # no header
    statuses = [line.split(" | ")[0].lstrip("| ") for line in rows]
    groups = [s for i, s in enumerate(statuses) if i == 0 or statuses[i - 1] != s]
    assert groups == ["dead", "blocked", "error"], statuses
    assert "| dead | http-404: the server says the page does not exist (404) |" in listed
    assert "confirmed dead after" in listed


def test_a_degraded_summary_says_once_what_could_not_be_checked(tmp_path: Path) -> None:
    store = build_store(tmp_path / "state.sqlite")
    run_id = store.latest_run_id()
    assert run_id is not None
    store.degrade_run(run_id, [*NETWORK_REASONS, "timeout"], "no usable network")
    store.finish_run(run_id, "2026-11-22T06:04:00+00:00", state="degraded", degraded_reason="x")
    write_reports(store, tmp_path / "reports")
    summary = (tmp_path / "reports" / "summary.md").read_text(encoding="utf-8")
    offline = store.db.execute(
        "SELECT COUNT(*) FROM checks WHERE run_id = ? AND reason = 'offline'", (run_id,)
    ).fetchone()[0]
    assert offline > 0
    assert f"Nothing could be checked for {offline} links" in summary
    assert "| error | offline" not in summary  # not one row per link
