"""The store's accounting: which of a run's links still lack a verdict, which can be archived."""

from __future__ import annotations

from crawler.archive.planner import archivable_url
from crawler.store.archive import link_state
from crawler.store.db import CheckRow, LinkRow, OccurrenceRow, Store
from crawler.store.links import record_not_checked

NOW = "2026-11-23T00:00:00+00:00"


def _store_with_links(path, identities: list[str]) -> tuple[Store, int]:
    store = Store(path)
    run = store.begin_run(NOW, "seeds")
    store.record_links(
        run.id,
        NOW,
        (LinkRow(i, i, i, "example.org") for i in identities),
        # a link in two places is one link
        (OccurrenceRow(i, "list.md", n, "", "bare") for n, i in enumerate(identities * 2)),
    )
    return store, run.id


def test_unchecked_links_are_those_of_the_run_without_a_verdict(tmp_path):
    links = [f"https://example.org/{n}" for n in (3, 1, 2)]
    store, run_id = _store_with_links(tmp_path / "state.sqlite", links)
    assert store.unchecked_identities(run_id) == sorted(links)
    store.record_checks(run_id, [CheckRow("alive", "ok", identity=links[0], checked_at=NOW)])
    assert store.unchecked_identities(run_id) == sorted(links[1:])
    # a verdict of another run does not count for this one
    later = store.begin_run(NOW, "seeds")
    store.record_links(
        later.id,
        NOW,
        [LinkRow(links[1], links[1], links[1], "example.org")],
        [OccurrenceRow(links[1], "list.md", 1, "", "bare")],
    )
    assert store.unchecked_identities(later.id) == [links[1]]
    store.close()


def test_links_without_a_verdict_are_recorded_as_not_checked(tmp_path):
    links = ["https://example.org/a", "https://example.org/b"]
    store, run_id = _store_with_links(tmp_path / "state.sqlite", links)
    record_not_checked(store, run_id, store.unchecked_identities(run_id), NOW)
    assert store.unchecked_identities(run_id) == []
    rows = store.db.execute(
        "SELECT identity, status, reason FROM checks WHERE run_id=? ORDER BY identity", (run_id,)
    ).fetchall()
    assert [tuple(r) for r in rows] == [(i, "error", "not-checked") for i in links]
    store.close()


def test_only_fetched_http_links_are_archivable(tmp_path):
    store = Store(tmp_path / "state.sqlite")
    run = store.begin_run(NOW, "seeds")
    rows = [
        LinkRow("https://example.org/a", "https://example.org/a", "https://example.org/a", "x"),
        LinkRow("local:notes/a.md", "notes/a.md", None, ""),
        LinkRow("ftp://example.org/f", "ftp://example.org/f", None, "example.org"),
    ]
    store.record_links(run.id, NOW, rows, [])
    assert archivable_url(link_state(store.db, "https://example.org/a")) == "https://example.org/a"
    assert archivable_url(link_state(store.db, "local:notes/a.md")) is None
    assert archivable_url(link_state(store.db, "ftp://example.org/f")) is None
    assert archivable_url(link_state(store.db, "https://example.org/unknown")) is None
    store.close()


def test_the_links_to_fetch_wait_in_the_store_and_come_back_in_order(tmp_path):
    """The run reads its queue back a batch at a time, recording verdicts in between; the
    queue lives in the connection's temporary table, never in the state file."""
    links = [f"https://example.org/{n}" for n in (5, 3, 4, 1, 2)]
    store, run_id = _store_with_links(tmp_path / "state.sqlite", links)
    assert store.queue_fetches((i, i + "?f", "example.org") for i in links) == len(links)
    seen: list[str] = []
    sizes: list[int] = []
    after = 0
    while batch := store.queued_fetches(after, 2):
        sizes.append(len(batch))
        after = batch[-1][0]
        for _pos, identity, fetch_url, host in batch:
            assert (fetch_url, host) == (identity + "?f", "example.org")
            seen.append(identity)
            store.record_check(run_id, CheckRow("alive", "ok", identity=identity, checked_at=NOW))
    assert seen == links
    assert sizes == [2, 2, 1]  # a batch at a time, in order
    assert store.unchecked_identities(run_id) == []
    # queued again (a second start in one process): the first queue is gone
    assert store.queue_fetches([(links[0], links[0], "example.org")]) == 1
    assert [row[1] for row in store.queued_fetches(0, 10)] == [links[0]]
    store.close()
    again = Store(tmp_path / "state.sqlite")
    tables = {row[0] for row in again.db.execute("SELECT name FROM sqlite_master")}
    assert "fetch_queue" not in tables
    again.close()
