"""The shared frontier in Redis: key names, the Lua scripts, and the run's record.

Keys (``P`` is ``LINKHEALTH_REDIS_PREFIX``, ``R`` the run id):

* ``P run`` — hash: the current run (``run_id``, ``now_iso``, ``seeds``, ``links``).
* ``P R:pending`` — list of JSON messages ``{"run_id", "identity", "fetch_url", "host"}``.
* ``P R:leased`` — sorted set: identity → lease expiry (ms, Redis server clock).
* ``P R:msgs`` — hash: identity → its message (to re-queue an expired lease).
* ``P R:results`` — hash: identity → its check row (JSON); written once (HSETNX).
* ``P host:H`` — sorted set: holder token → expiry (ms); the global per-host semaphore.
* ``P hostnext:H`` — the earliest time (ms) the next request to host H may start.

Every time is the Redis server's (``TIME`` inside the scripts), so clocks of the machines do not
need to agree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

#: KEYS pending, leased, msgs, results; ARGV lease_ms, count.
#: Re-queues expired leases, then moves up to `count` messages from pending to leased.
#: Returns {reaped, pending left, leased, message...}.
LEASE = (
    _NOW
    + """
local reaped = 0
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 1000)
for _, id in ipairs(expired) do
  redis.call('ZREM', KEYS[2], id)
  if redis.call('HEXISTS', KEYS[4], id) == 0 then
    local msg = redis.call('HGET', KEYS[3], id)
    if msg then
      redis.call('LPUSH', KEYS[1], msg)
      reaped = reaped + 1
    end
  end
end
local out = {}
local want = tonumber(ARGV[2])
while #out < want do
  local msg = redis.call('LPOP', KEYS[1])
  if not msg then break end
  local id = cjson.decode(msg)['identity']
  if redis.call('HEXISTS', KEYS[4], id) == 0 and not redis.call('ZSCORE', KEYS[2], id) then
    redis.call('ZADD', KEYS[2], now + tonumber(ARGV[1]), id)
    table.insert(out, msg)
  end
end
local result = {reaped, redis.call('LLEN', KEYS[1]), redis.call('ZCARD', KEYS[2])}
for _, msg in ipairs(out) do table.insert(result, msg) end
return result
"""
)

#: KEYS leased; ARGV lease_ms, identity... Extends the leases still held; returns those gone.
RENEW = (
    _NOW
    + """
local gone = {}
for i = 2, #ARGV do
  if redis.call('ZADD', KEYS[1], 'XX', 'CH', now + tonumber(ARGV[1]), ARGV[i]) == 0
     and not redis.call('ZSCORE', KEYS[1], ARGV[i]) then
    table.insert(gone, ARGV[i])
  end
end
return gone
"""
)

#: KEYS leased, results; ARGV identity, row. The first verdict wins; the lease is acknowledged.
RECORD = """
local new = redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZREM', KEYS[1], ARGV[1])
return new
"""

#: KEYS holders, next; ARGV limit, token, ttl_ms, delay_ms. 1 if the token now holds a slot,
#: 0 if every slot is held, minus the milliseconds until the host's turn if that has not come.
ACQUIRE = (
    _NOW
    + """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
local delay = tonumber(ARGV[4])
if delay > 0 then
  local nxt = tonumber(redis.call('GET', KEYS[2]) or '0')
  if now < nxt then return -math.max(1, nxt - now) end
  redis.call('SET', KEYS[2], now + delay, 'PX', delay + 1000)
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) * 2)
return 1
"""
)

#: KEYS holders; ARGV ttl_ms, token... Extends the tokens still held.
HOLD = (
    _NOW
    + """
for i = 2, #ARGV do
  redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[i])
end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) * 2)
return 0
"""
)


@dataclass(frozen=True)
class Keys:
    """The key names under one prefix."""

    prefix: str

    @property
    def run(self) -> str:
        return f"{self.prefix}run"

    def pending(self, run_id: int) -> str:
        return f"{self.prefix}{run_id}:pending"

    def leased(self, run_id: int) -> str:
        return f"{self.prefix}{run_id}:leased"

    def msgs(self, run_id: int) -> str:
        return f"{self.prefix}{run_id}:msgs"

    def results(self, run_id: int) -> str:
        return f"{self.prefix}{run_id}:results"

    def lease_keys(self, run_id: int) -> list[str]:
        return [self.pending(run_id), self.leased(run_id), self.msgs(run_id), self.results(run_id)]

    def host(self, host: str) -> str:
        return f"{self.prefix}host:{host}"

    def host_next(self, host: str) -> str:
        return f"{self.prefix}hostnext:{host}"


@dataclass(frozen=True)
class RunInfo:
    """What the coordinator tells the workers about the run."""

    run_id: int
    now_iso: str
    seeds: str
    links: int
    #: the wall clock (Unix seconds) when the run was pushed: the merge measures the run by it
    pushed_at: float | None = None

    def mapping(self) -> dict[bytes | bytearray | memoryview | str | int | float, str]:
        return {
            "run_id": str(self.run_id),
            "now_iso": self.now_iso,
            "seeds": self.seeds,
            "links": str(self.links),
            "pushed_at": "" if self.pushed_at is None else repr(self.pushed_at),
        }

    @classmethod
    def from_mapping(cls, data: dict[Any, Any]) -> RunInfo | None:
        text = {_str(k): _str(v) for k, v in data.items()}
        if "run_id" not in text:
            return None
        pushed = text.get("pushed_at") or None
        return cls(
            int(text["run_id"]),
            text["now_iso"],
            text["seeds"],
            int(text["links"]),
            float(pushed) if pushed else None,
        )


def message(run_id: int, identity: str, fetch_url: str, host: str) -> str:
    return json.dumps(
        {"run_id": run_id, "identity": identity, "fetch_url": fetch_url, "host": host},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def _str(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)
