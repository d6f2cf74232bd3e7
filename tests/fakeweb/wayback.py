"""A fake Wayback Machine: CDX lookups, Save Page Now 2, classic save and replay.

State lives in memory for the life of the server process. The scenario key ``"wayback"``
configures it::

    {"snapshots": {"<url>": [["20240101000000", 200], ["2019...", 200, "wechat-removed"]]},
     "keys": {"ACCESS": "SECRET"}, "daily_limit": N, "session_limit": N,
     "cdx_429_every": N, "save_429": bool, "pending_polls": N, "job_error": "error:...",
     "job_errors": {"<url>": "error:..."}, "slow_seconds": N}

Seeded snapshots are replaced whenever the scenario changes; captures made through the
fake API (SPN2 or classic save) are kept until ``reset()``.

Captures are found the way the real index finds them: by a SURT-like key (:func:`urlkey`:
scheme and ``www.`` dropped, host reversed, query parameters sorted, all lower-cased), in key
order. A CDX query reads the key range it covers (one key, a prefix, a host, a domain) and
filters after; the rows each query read are listed in ``WaybackState.cdx_scans`` (the admin
state's ``cdx_scans``), so a test can tell a narrow lookup from one that scans a whole site.
"""

from __future__ import annotations

import base64
import bisect
import calendar
import contextlib
import hashlib
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from .model import Hostile, Opts, Req, Response, Result, html_response, json_response, redirect

DEFAULT_FIELDS = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]
DEFAULT_PENDING_POLLS = 1


class WorldLike(Protocol):
    wayback: WaybackState

    def replay(self, req: Req, entry: Any = None) -> Result: ...


@dataclass
class Snapshot:
    timestamp: str
    statuscode: int
    original: str
    entry: Any = None  # scenario entry (shape) of the archived copy, None = default shape


@dataclass
class Job:
    job_id: str
    url: str
    options: dict[str, str]
    polls: int = 0
    result: dict[str, Any] | None = None


@dataclass
class WaybackState:
    config: dict[str, Any] = field(default_factory=dict)
    seeded: list[Snapshot] = field(default_factory=list)
    captured: list[Snapshot] = field(default_factory=list)
    jobs: dict[str, Job] = field(default_factory=dict)
    cdx_requests: int = 0
    daily_captures: int = 0
    #: one entry a CDX query: its url, matchType, index key, rows read and rows answered
    cdx_scans: list[dict[str, Any]] = field(default_factory=list)

    def configure(self, config: dict[str, Any]) -> None:
        """Take the scenario's "wayback" section: replaces config and seeded snapshots."""
        self.config = dict(config)
        self.seeded = []
        snapshots = config.get("snapshots") or {}
        for url, rows in snapshots.items():
            for row in rows:
                if isinstance(row, str):
                    self.seeded.append(Snapshot(row, 200, url))
                    continue
                ts = str(row[0])
                code = int(row[1]) if len(row) > 1 and row[1] is not None else 200
                entry = row[2] if len(row) > 2 else None
                self.seeded.append(Snapshot(ts, code, url, entry))

    def reset(self) -> None:
        """Forget captures, jobs and counters (the config and seeded snapshots stay)."""
        self.captured.clear()
        self.jobs.clear()
        self.cdx_requests = 0
        self.daily_captures = 0
        self.cdx_scans.clear()

    def all_snapshots(self) -> list[Snapshot]:
        return sorted(self.seeded + self.captured, key=lambda s: s.timestamp)

    def find(self, url: str) -> list[Snapshot]:
        key = urlkey(url)
        return [s for s in self.all_snapshots() if urlkey(s.original) == key]

    def scan(self, start: str) -> list[tuple[str, Snapshot]]:
        """The index rows whose key starts with ``start``, in key order (then timestamp)."""
        index = sorted(
            ((urlkey(s.original), s) for s in self.all_snapshots()),
            key=lambda row: (row[0], row[1].timestamp),
        )
        first = bisect.bisect_left(index, start, key=lambda row: row[0])
        rows = []
        for row in index[first:]:
            if not row[0].startswith(start):
                break
            rows.append(row)
        return rows

    def pending(self) -> int:
        return sum(1 for job in self.jobs.values() if job.result is None)

    def cfg_int(self, name: str) -> int | None:
        value = self.config.get(name)
        if value is None:
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            return None


# --------------------------------------------------------------------------- URL helpers


def now_ts() -> str:
    return time.strftime("%Y%m%d%H%M%S", time.gmtime())


def canon(url: str) -> str:
    """A loose canonical form for matching, in the spirit of the archive's SURT keys."""
    url = url.strip()
    if "://" not in url:
        url = "http://" + url
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    host = host.removeprefix("www.")
    try:
        port = parts.port
    except ValueError:
        port = None
    if port and port not in (80, 443):
        host += f":{port}"
    path = unquote(parts.path) or "/"
    query = "&".join(sorted(unquote(p) for p in parts.query.split("&") if p))
    return host + path + (f"?{query}" if query else "")


def urlkey(url: str) -> str:
    """The index key, SURT-like: ``com,qq,weixin,mp)/s?__biz=mza==&idx=1&mid=1&sn=x``."""
    authority, _, rest = canon(url).lower().partition("/")
    host, colon, port = authority.partition(":")
    path, mark, query = rest.partition("?")
    query = "&".join(sorted(query.split("&")))
    return ",".join(reversed(host.split("."))) + colon + port + ")/" + path + mark + query


def split_absolute(url: str) -> Req:
    if "://" not in url:
        url = "http://" + url
    parts = urlsplit(url)
    return Req(
        method="GET",
        scheme=parts.scheme or "http",
        host=(parts.hostname or "").lower(),
        authority=parts.netloc,
        path=parts.path or "/",
        query=parts.query,
    )


def parse_window(text: str) -> int | None:
    """Seconds of an if_not_archived_within value: "3600" or "3d 5h 20m 10s"."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    units = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    total = 0
    found = False
    for number, unit in re.findall(r"(\d+)\s*([dhms])", text):
        total += int(number) * units[unit]
        found = True
    return total if found else None


def ts_epoch(ts: str) -> float:
    ts = (ts + "00000101000000"[len(ts) :])[:14]
    try:
        return float(calendar.timegm(time.strptime(ts, "%Y%m%d%H%M%S")))
    except ValueError:
        return 0.0


# --------------------------------------------------------------------------- endpoints


def _error_json(status_ext: str, message: str, code: int = 200) -> Response:
    return json_response({"status": "error", "status_ext": status_ext, "message": message}, code)


def _authorized(req: Req, state: WaybackState) -> bool:
    value = req.headers.get("authorization", "")
    match = re.fullmatch(r"LOW\s+([^:\s]+):(\S+)", value.strip())
    if not match:
        return False
    keys = state.config.get("keys") or {}
    if not keys:
        return True
    return keys.get(match.group(1)) == match.group(2)


def _unauthorized() -> Response:
    return json_response(
        {
            "status": "error",
            "status_ext": "error:unauthorized",
            "message": "You need to be logged in to use Save Page Now.",
        },
        401,
    )


def _digest(snap: Snapshot) -> str:
    raw = hashlib.sha1(f"{snap.timestamp} {snap.original}".encode(), usedforsecurity=False)
    return base64.b32encode(raw.digest()).decode()


def cdx(req: Req, state: WaybackState) -> Response:
    state.cdx_requests += 1
    every = state.cfg_int("cdx_429_every")
    if every and state.cdx_requests % every == 0:
        body = (
            "<html><head><title>429 Too Many Requests</title></head><body>"
            "<h1>Too Many Requests</h1><p>You have sent too many requests in a given amount "
            "of time.</p></body></html>"
        )
        return html_response(body, status=429)
    params = parse_qs(req.query, keep_blank_values=True)

    def first(name: str, default: str = "") -> str:
        return params.get(name, [default])[0]

    url = first("url")
    if not url:
        return Response(
            400, [("Content-Type", "text/plain")], b"org.archive.util.io.RuntimeIOException\n"
        )
    match_type = first("matchType", "exact")
    if url.endswith("*"):
        url = url[:-1]
        match_type = "prefix"
    key = urlkey(url)
    host = key.split(")/", 1)[0]
    # the key range the query reads: every row in it is read, whatever the filters keep
    if match_type == "prefix":
        scanned = state.scan(key)
    elif match_type == "host":
        scanned = state.scan(host + ")/")
    elif match_type == "domain":
        scanned = state.scan(host)
    else:
        scanned = [row for row in state.scan(key) if row[0] == key]
    if match_type == "domain":
        rows = [s for k, s in scanned if k[len(host)] in "),:"]
    else:
        rows = [s for _, s in scanned]
    start, end = first("from"), first("to")
    if start:
        rows = [s for s in rows if s.timestamp[: len(start)] >= start]
    if end:
        rows = [s for s in rows if s.timestamp[: len(end)] <= end]
    records = [
        {
            "urlkey": urlkey(s.original),
            "timestamp": s.timestamp,
            "original": s.original,
            "mimetype": "text/html",
            "statuscode": str(s.statuscode),
            "digest": _digest(s),
            "length": "2048",
        }
        for s in rows
    ]
    for flt in params.get("filter", []):
        negate = flt.startswith("!")
        name, _, pattern = flt.lstrip("!").partition(":")
        try:
            regex = re.compile(pattern)
        except re.error:
            continue
        records = [r for r in records if bool(regex.fullmatch(str(r.get(name, "")))) != negate]
    limit_text = first("limit")
    if limit_text.lstrip("-").isdigit():
        limit = int(limit_text)
        records = records[limit:] if limit < 0 else records[:limit]
    state.cdx_scans.append(
        {
            "url": url,
            "match_type": match_type,
            "key": key,
            "scanned": len(scanned),
            "answered": len(records),
        }
    )
    fields = [f for f in first("fl").split(",") if f] or DEFAULT_FIELDS
    table = [[str(r.get(f, "")) for f in fields] for r in records]
    if first("output") == "json":
        data = [fields, *table] if table else []
        return Response(200, [("Content-Type", "application/json")], json.dumps(data).encode())
    text = "".join(" ".join(row) + "\n" for row in table)
    return Response(200, [("Content-Type", "text/plain")], text.encode())


def availability(req: Req, state: WaybackState) -> Response:
    qs = parse_qs(req.query)
    url = qs.get("url", [""])[0]
    wanted = qs.get("timestamp", [""])[0]
    snaps = [s for s in state.find(url) if s.statuscode == 200] if url else []
    closest: dict[str, Any] = {}
    if snaps:
        target = ts_epoch(wanted) if wanted else time.time()
        best = min(snaps, key=lambda s: abs(ts_epoch(s.timestamp) - target))
        closest = {
            "closest": {
                "status": str(best.statuscode),
                "available": True,
                "url": f"http://web.archive.org/web/{best.timestamp}/{best.original}",
                "timestamp": best.timestamp,
            }
        }
    return json_response({"url": url, "archived_snapshots": closest})


def spn2_submit(req: Req, state: WaybackState) -> Response:
    if not _authorized(req, state):
        return _unauthorized()
    form = {k: v[0] for k, v in parse_qs(req.body.decode("utf-8", "replace")).items()}
    url = form.pop("url", "") or {k: v[0] for k, v in parse_qs(req.query).items()}.get("url", "")
    if not url:
        return _error_json("error:invalid-url-syntax", "The URL is missing.", 400)
    daily = state.cfg_int("daily_limit")
    if daily is not None and state.daily_captures >= daily:
        return _error_json(
            "error:too-many-daily-captures",
            f"This user has reached the daily limit of {daily} captures.",
            429,
        )
    session = state.cfg_int("session_limit")
    if session is not None and state.pending() >= session:
        return _error_json(
            "error:user-session-limit",
            f"You have already reached the limit of active sessions ({session}). "
            "Please wait for a few minutes and try again.",
            429,
        )
    job = Job("spn2-" + secrets.token_hex(20), url, form)
    state.jobs[job.job_id] = job
    state.daily_captures += 1
    return json_response({"url": url, "job_id": job.job_id})


def _resolve(job: Job, state: WaybackState) -> dict[str, Any]:
    errors = state.config.get("job_errors") or {}
    error = errors.get(job.url) or state.config.get("job_error")
    if error:
        return {
            "status": "error",
            "status_ext": str(error),
            "job_id": job.job_id,
            "message": f"Save Page Now failed: {error}",
        }
    window = parse_window(job.options.get("if_not_archived_within", ""))
    if window is not None:
        recent = [
            s
            for s in state.find(job.url)
            if s.statuscode == 200 and time.time() - ts_epoch(s.timestamp) <= window
        ]
        if recent:
            return {
                "status": "success",
                "timestamp": recent[-1].timestamp,
                "original_url": job.url,
                "job_id": job.job_id,
                "message": "The same snapshot had been made recently.",
            }
    ts = now_ts()
    state.captured.append(Snapshot(ts, 200, job.url))
    return {
        "status": "success",
        "timestamp": ts,
        "original_url": job.url,
        "job_id": job.job_id,
        "duration_sec": 1.5,
        "resources": [job.url],
    }


def spn2_status(job_id: str, state: WaybackState) -> Response:
    job = state.jobs.get(job_id)
    if job is None:
        return _error_json("error:job-not-found", "Job not found.")
    job.polls += 1
    if job.result is None:
        pending_polls = state.cfg_int("pending_polls")
        if pending_polls is None:
            pending_polls = DEFAULT_PENDING_POLLS
        if job.polls <= pending_polls:
            return json_response({"status": "pending", "job_id": job_id, "resources": []})
        job.result = _resolve(job, state)
    return json_response(job.result)


def user_status(req: Req, state: WaybackState) -> Response:
    if not _authorized(req, state):
        return _unauthorized()
    session = state.cfg_int("session_limit") or 10
    daily = state.cfg_int("daily_limit") or 100_000
    processing = state.pending()
    return json_response(
        {
            "available": max(0, session - processing),
            "processing": processing,
            "daily_captures": state.daily_captures,
            "daily_captures_limit": daily,
        }
    )


def _fix_scheme(url: str) -> str:
    url = re.sub(r"^(https?):/(?!/)", r"\1://", url)
    return url if "://" in url else "http://" + url


def classic_save(req: Req, state: WaybackState, raw_url: str) -> Response:
    if state.config.get("save_429"):
        body = (
            "<html><head><title>429 Too Many Requests</title></head><body>"
            "<h1>Too Many Requests</h1></body></html>"
        )
        return html_response(body, status=429)
    url = _fix_scheme(raw_url)
    ts = now_ts()
    state.captured.append(Snapshot(ts, 200, url))
    path = f"/web/{ts}/{url}"
    return redirect(req.base + path, 302, extra=[("Content-Location", path)])


def not_archived(url: str) -> Response:
    body = (
        "<!DOCTYPE html><html><head><title>Wayback Machine</title></head><body>"
        f"<p>Hrm.</p><p>The Wayback Machine has not archived that URL.</p><p>{url}</p>"
        "</body></html>"
    )
    return html_response(body, status=404)


WEB_RE = re.compile(r"^/web/(\d{1,14})([a-z]{2}_)?/(.+)$")


def replay(req: Req, world: WorldLike) -> Response:
    match = WEB_RE.match(req.path)
    assert match is not None
    ts, flags, raw = match.group(1), match.group(2) or "", match.group(3)
    url = _fix_scheme(raw) + (f"?{req.query}" if req.query else "")
    snaps = world.wayback.find(url)
    if not snaps:
        return not_archived(url)
    exact = [s for s in snaps if s.timestamp == ts]
    if not exact:
        target = ts_epoch(ts)
        best = min(snaps, key=lambda s: abs(ts_epoch(s.timestamp) - target))
        return redirect(f"{req.base}/web/{best.timestamp}{flags}/{url}")
    snap = exact[-1]
    inner = split_absolute(url)
    result = world.replay(inner, snap.entry)
    if (
        isinstance(result, Hostile)
        or result.trickle_interval is not None
        or result.reset_after is not None
        or result.declared_length is not None
        or result.delay
    ):
        result = world.replay(inner, "live")
    assert isinstance(result, Response)
    location = result.header("location")
    if 300 <= result.status < 400 and location:
        if location.startswith("/"):
            location = inner.base + location
        return redirect(f"{req.base}/web/{ts}{flags}/{location}")
    code = snap.statuscode if snap.statuscode >= 400 else 200
    headers = [(k, v) for k, v in result.headers if k.lower() in ("content-type",)]
    headers += [
        ("Memento-Datetime", time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime())),
        ("X-Archive-Orig-Url", url),
    ]
    return Response(code, headers, result.body, stream=result.stream)


def wayback_shape(req: Req, opts: Opts, world: WorldLike) -> Result:
    state = world.wayback
    result = _route(req, world)
    slow = state.config.get("slow_seconds")
    if slow:
        with contextlib.suppress(TypeError, ValueError):
            result.delay += float(slow)
    return result


def _route(req: Req, world: WorldLike) -> Result:
    state = world.wayback
    path = req.path
    if path.startswith("/cdx/search"):
        return cdx(req, state)
    if path.startswith("/wayback/available"):
        return availability(req, state)
    if path in ("/save", "/save/") and req.method == "POST":
        return spn2_submit(req, state)
    if path == "/save/status/user":
        return user_status(req, state)
    if path.startswith("/save/status"):
        job_id = path[len("/save/status") :].strip("/")
        if not job_id:
            form = parse_qs(req.body.decode("utf-8", "replace")) | parse_qs(req.query)
            job_id = form.get("job_id", [""])[0]
        return spn2_status(job_id, state)
    if path.startswith("/save/") and len(path) > len("/save/"):
        raw = path[len("/save/") :] + (f"?{req.query}" if req.query else "")
        return classic_save(req, state, raw)
    if WEB_RE.match(path):
        return replay(req, world)
    if path == "/":
        return world.replay(req, {"shape": "live", "title": "Wayback Machine"})
    return not_archived(req.url)
