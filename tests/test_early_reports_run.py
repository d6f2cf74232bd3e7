"""When the run writes the reports before the archive is done: once, as soon as every link has a
verdict and the archive has heard of it, only while archive work is pending, never with the
reports off. The run (no Scrapy) on a real store and seed file; the verdicts and the archive's
account are handed to it as the link source and the archive extension hand them (no fetch)."""

from __future__ import annotations

import json
from pathlib import Path

from crawler.archive.progress import ArchiveProgress
from crawler.base.verdicts import Verdict
from crawler.items import LinkCheck
from crawler.run.run import Run
from tests.conftest import run_on

LINKS = ["https://a.example/1", "https://b.example/2", "https://c.example/3"]


def _run(tmp: Path, **settings: str) -> Run:
    text = "".join(f"- <{url}>\n" for url in LINKS)
    return run_on(tmp, text, LINKHEALTH_NOW="2025-03-03T03:17:00Z", **settings)


def _handed(run: Run) -> list[str]:
    assert run.begin() is not None
    return [link.identity for link in run.queued()]


def _verdicts(run: Run, progress: ArchiveProgress, identities: list[str], *, work: bool) -> None:
    """Each verdict recorded (the pipeline), then heard of by the archive (item_scraped)."""
    for identity in identities:
        run.record(LinkCheck(identity, run.now_iso, Verdict("alive", "ok", 200)))
        progress.heard(identity if work else None)


def _run_json(tmp: Path) -> dict[str, object] | None:
    path = tmp / "reports" / "run.json"
    if not path.exists():
        return None
    document: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return document


def test_written_once_when_the_last_verdict_is_heard(tmp_path: Path) -> None:
    run = _run(tmp_path)
    progress = ArchiveProgress()
    run.follow_archive(progress)
    identities = _handed(run)
    assert len(identities) == len(LINKS)
    _verdicts(run, progress, identities[:-1], work=True)
    assert _run_json(tmp_path) is None, "not before every link has a verdict"
    progress.finished(identities[0], recorded=True)
    _verdicts(run, progress, identities[-1:], work=True)
    early = _run_json(tmp_path)
    assert early is not None
    assert early["state"] == "running"
    assert early["archive"] == {"planned": 3, "done": 1, "pending": 2}
    # once per run: a later verdict heard of writes nothing
    (tmp_path / "reports" / "run.json").unlink()
    progress.heard(None)
    assert _run_json(tmp_path) is None
    run.store.close()


def test_not_written_with_the_reports_off(tmp_path: Path) -> None:
    run = _run(tmp_path, LINKHEALTH_REPORTS_ENABLED="false")
    progress = ArchiveProgress()
    run.follow_archive(progress)
    _verdicts(run, progress, _handed(run), work=True)
    assert not (tmp_path / "reports").exists()
    run.store.close()


def test_not_written_without_archive_work_pending(tmp_path: Path) -> None:
    run = _run(tmp_path)
    progress = ArchiveProgress()
    run.follow_archive(progress)
    _verdicts(run, progress, _handed(run), work=False)
    assert _run_json(tmp_path) is None
    run.store.close()
