"""The coordinator's two steps: push the run's links to Redis, merge the verdicts back.

Both work on the coordinator's SQLite store, the same file and schema as a one-machine run; the
workers never touch it. ``push`` records the run, its links and the verdicts known without a
fetch (skipped, ignored, local files); ``merge`` writes every worker's verdict into it and then
ends the run the way a one-machine run ends (:meth:`crawler.run.run.Run.finish`: the
rest accounted for, the reports and fixes.md, the exit status).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis

from crawler.distributed.frontier import Keys, RunInfo, message
from crawler.items import LinkCheck
from crawler.links.dedupe import fetch_order, scan_links
from crawler.run.config import Config
from crawler.run.run import Finished, Run
from crawler.store.db import CheckRow, Store
from crawler.store.links import record_links

logger = logging.getLogger(__name__)

_CHUNK = 1000
_CHECK_FIELDS = {f.name for f in fields(CheckRow)}


class DistributedError(RuntimeError):
    """Redis or the state file cannot be used for this step."""


@dataclass(frozen=True)
class Pushed:
    run_id: int
    links: int
    to_fetch: int
    preset: int


@dataclass(frozen=True)
class Merged:
    run_id: int
    verdicts: int
    pending: int
    leased: int
    #: how the run ended; None while links are still pending or leased
    finished: Finished | None


def connect(url: str) -> redis.Redis:
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise DistributedError(f"cannot reach Redis at {_without_password(url)}: {exc}") from exc
    return client


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = f"{parts.username}:" if parts.username else ":"
    return urlunsplit(parts._replace(netloc=f"{user}***@{netloc}"))


def push(client: redis.Redis, config: Config, *, prefix: str) -> Pushed:
    """Scan the seeds, record the run in SQLite and queue every link to fetch in Redis."""
    keys = Keys(prefix)
    links, _ = scan_links(config.seeds, config.rules, config.ignore, config.now.date())
    store = Store(config.state_db, config.rules)
    try:
        run = store.begin_run(config.now_iso, str(config.seeds), resume=False)
        record_links(store, run.id, config.now_iso, links, config.rules)
        presets = [
            LinkCheck(link.identity, config.now_iso, link.preset).row()
            for link in links.values()
            if link.preset is not None
        ]
        store.record_checks(run.id, presets)
    finally:
        store.close()
    to_fetch = [
        (link.identity, message(run.id, link.identity, link.fetch_url or "", link.host))
        for link in fetch_order(links.values())
    ]
    _forget_previous_run(client, keys)
    for chunk in _chunks(to_fetch):
        pipe = client.pipeline(transaction=True)
        pipe.rpush(keys.pending(run.id), *(msg for _, msg in chunk))
        pipe.hset(keys.msgs(run.id), mapping=dict(chunk))
        pipe.execute()
    info = RunInfo(run.id, config.now_iso, str(config.seeds), len(to_fetch), time.time())
    client.hset(keys.run, mapping=info.mapping())
    return Pushed(run.id, len(links), len(to_fetch), len(presets))


def _forget_previous_run(client: redis.Redis, keys: Keys) -> None:
    old = RunInfo.from_mapping(client.hgetall(keys.run))
    client.delete(keys.run)
    if old is not None:
        client.delete(*keys.lease_keys(old.run_id))


def _chunks(items: list[tuple[str, str]]) -> Iterator[list[tuple[str, str]]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def status(client: redis.Redis, *, prefix: str) -> tuple[RunInfo, int, int, int]:
    """The current run, and how many links are pending, leased and answered."""
    keys = Keys(prefix)
    run = RunInfo.from_mapping(client.hgetall(keys.run))
    if run is None:
        raise DistributedError(f"no run in Redis under {keys.run!r}: run `linkhealth push` first")
    pipe = client.pipeline(transaction=True)
    pipe.llen(keys.pending(run.run_id))
    pipe.zcard(keys.leased(run.run_id))
    pipe.hlen(keys.results(run.run_id))
    pending, leased, answered = (int(x) for x in pipe.execute())
    return run, pending, leased, answered


def merge(client: redis.Redis, config: Config, *, prefix: str) -> Merged:
    """Write the workers' verdicts into ``config.state_db``; once the queue is drained, end the
    run like a one-machine run (reports and fixes.md in ``config.report_dir``, exit status)."""
    keys = Keys(prefix)
    run, pending, leased, _ = status(client, prefix=prefix)
    state = config.state_db
    if not state.exists():
        raise DistributedError(f"no state file at {state}: `linkhealth push` writes it")
    store = Store(state)
    try:
        row = store.run(run.run_id)
        if row is None or row["started_at"] != run.now_iso:
            raise DistributedError(
                f"{state} does not hold run {run.run_id} of {run.now_iso}: "
                "merge into the state file `linkhealth push` wrote"
            )
        identities = store.run_identities(run.run_id)
        results: dict[Any, Any] = client.hgetall(keys.results(run.run_id))
        ended = Run(store, config)
        ended.id = run.run_id
        checks = []
        for raw in results.values():
            data = json.loads(raw)
            check = CheckRow(**{k: v for k, v in data.items() if k in _CHECK_FIELDS})
            if check.identity in identities:
                checks.append(ended.with_drift(check))
        store.record_checks(run.run_id, checks)
        if store.unchecked_identities(run.run_id) and (pending or leased):
            return Merged(run.run_id, len(checks), pending, leased, None)
        # the run lasted from the push to this merge (LINKHEALTH_NOW replays keep their start)
        lasted = time.time() - run.pushed_at if run.pushed_at is not None else 0.0
        finished = ended.finish(
            finished_at=config.iso_after(max(0.0, lasted)),
            stats={"linkhealth/distributed/verdicts": len(checks)},
        )
    finally:
        store.close()
    return Merged(run.run_id, len(checks), pending, leased, finished)
