"""The run apart from Scrapy, and the link source of this process: what begins, what is handed
out, what a network check does to it, and which source a crawl's settings choose. A real store
and seed file; no crawler (the run imports no Scrapy)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from crawler.base.rules import load_rules
from crawler.base.verdicts import Verdict
from crawler.items import LinkCheck
from crawler.run import QueuedLink
from crawler.run.run import Run
from crawler.run.sources import LOCAL, PROCESSES, REDIS, LocalSource, chosen
from crawler.verdict.final import after_redirects, final
from tests.conftest import run_on

LINKS = "- <https://a.example/1>\n- <https://b.example/2>\n- <mailto:x@example.org>\n"


def _run(tmp: Path, text: str = LINKS) -> Run:
    return run_on(tmp, text)


def _handed(source: LocalSource) -> list[LinkCheck | QueuedLink]:
    async def read() -> list[LinkCheck | QueuedLink]:
        return [link async for link in source.links()]

    return asyncio.run(read())


def test_begin_records_the_links_and_queues_those_to_fetch(tmp_path: Path) -> None:
    run = _run(tmp_path)
    begun = run.begin()
    assert begun is not None
    assert [(c.identity, c.verdict.status) for c in begun.presets] == [
        ("mailto:x@example.org", "skipped")
    ]
    assert begun.queued == 2
    assert [link.fetch_url for link in run.queued()] == [
        "https://a.example/1",
        "https://b.example/2",
    ]
    assert run.tally() == (3, 0)
    run.store.close()


def test_no_links_is_refused_and_ends_with_2(tmp_path: Path) -> None:
    run = _run(tmp_path, "no link here\n")
    assert run.begin() is None
    line = run.end("finished", stats={})
    assert run.outcome.exit_code == 2
    assert line.startswith("linkhealth: seeds: no links in ")


def test_the_network_check_runs_once_before_the_first_fetch(tmp_path: Path) -> None:
    calls = []

    async def usable() -> str | None:
        calls.append("probe")
        return None

    run = _run(tmp_path)
    run.before_fetching(usable)
    handed = _handed(LocalSource(run))
    assert calls == ["probe"]
    assert [type(x).__name__ for x in handed] == ["LinkCheck", "QueuedLink", "QueuedLink"]
    assert run.degraded is None
    run.store.close()


def test_an_unusable_network_hands_out_offline_verdicts_not_links(tmp_path: Path) -> None:
    async def unusable() -> str:
        return "none of the 2 canary hosts answered (dns): no usable network"

    run = _run(tmp_path)
    run.before_fetching(unusable)
    handed = _handed(LocalSource(run))
    assert all(isinstance(x, LinkCheck) for x in handed)
    offline = [x.verdict for x in handed if isinstance(x, LinkCheck)][1:]
    assert [(v.status, v.reason) for v in offline] == [("error", "offline")] * 2
    assert run.degraded == "none of the 2 canary hosts answered (dns): no usable network"
    for check in handed:
        assert isinstance(check, LinkCheck)
        run.record(check)
    run.end("finished", stats={})
    assert run.outcome.exit_code == 4


def test_nothing_to_fetch_probes_nothing(tmp_path: Path) -> None:
    async def never() -> str:
        raise AssertionError("probed with nothing to fetch")

    run = _run(tmp_path, "- <mailto:x@example.org>\n")
    run.before_fetching(never)
    assert [x.verdict.reason for x in _handed(LocalSource(run)) if isinstance(x, LinkCheck)] == [
        "not-http"
    ]
    run.store.close()


@pytest.mark.parametrize(
    ("settings", "env", "kind"),
    [
        ({}, {}, PROCESSES),  # auto: child processes (this one, when the links are few)
        ({"LINKHEALTH_PROCESSES": "1"}, {}, LOCAL),
        ({}, {"LINKHEALTH_PROCESSES": " 1 "}, LOCAL),
        ({"LINKHEALTH_REDIS_URL": "redis://127.0.0.1:1/0"}, {}, REDIS),
        ({}, {"LINKHEALTH_REDIS_URL": "redis://127.0.0.1:1/0"}, REDIS),
        (
            {"LINKHEALTH_LINK_SOURCE": "crawler.run.child.ChildSource"},
            {},
            "crawler.run.child.ChildSource",
        ),
    ],
)
def test_the_settings_choose_the_link_source(
    settings: dict[str, str], env: dict[str, str], kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("LINKHEALTH_PROCESSES", "LINKHEALTH_REDIS_URL", "LINKHEALTH_LINK_SOURCE"):
        monkeypatch.delenv(name, raising=False)
    for name, raw in env.items():
        monkeypatch.setenv(name, raw)
    assert chosen(settings.get) == kind


RULES = load_rules()


def test_the_final_cleaning_publishes_clean_addresses_and_says_what_was_masked() -> None:
    verdict = Verdict(
        "alive",
        "ok",
        200,
        final_url="https://a.example/landing?utm_source=x&sid=SECRETSID1",
        moved_to="https://b.example/new?utm_medium=y",
    )
    cleaned = final("https://a.example/p?access_token=REDACTED", verdict, RULES)
    assert cleaned.final_url is not None
    assert "SECRETSID1" not in cleaned.final_url
    assert "utm_source" not in cleaned.final_url
    assert cleaned.moved_to == "https://b.example/new"
    assert cleaned.detail == "credential-like parameter masked: access_token"
    # nothing to clean: the same verdict
    plain = Verdict("dead", "http-404", 404)
    assert final("https://a.example/gone", plain, RULES) == plain


def test_a_private_address_after_a_redirect_says_it_was_redirected_to() -> None:
    refused = Verdict("skipped", "private-address", detail="127.0.0.1")
    assert after_redirects(refused).detail.startswith("redirected to")
    timeout = Verdict("error", "timeout", detail="took too long")
    assert after_redirects(timeout) == timeout
