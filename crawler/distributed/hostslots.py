"""Host slots shared by the workers on one Redis (:class:`crawler.fetch.hostslots.HostSlots`).

A sorted set per host holds the tokens of the requests in flight on every worker, scored by
expiry; the acquire script (:data:`crawler.distributed.frontier.ACQUIRE`) drops expired tokens
and adds one only while fewer than the limit are held and, with a delay, only once that delay
has passed since the host's last request started on any worker. A live worker extends its
tokens (a thread of its own, every third of the time to live); those of a killed worker expire
after ``LINKHEALTH_REDIS_HOST_TTL`` seconds.

The downloader asks from the event loop, once for each request it is about to send: one round
trip to Redis each (about 0.1 ms on the machine's own Redis).
"""

from __future__ import annotations

import logging
import threading
import uuid

import redis

from crawler.distributed.frontier import ACQUIRE, HOLD, Keys

logger = logging.getLogger(__name__)

#: (the host's key, the token)
Token = tuple[str, str]


class RedisHostSlots:
    def __init__(self, url: str, *, prefix: str, limit: int, delay: float, ttl: float) -> None:
        self.redis = redis.Redis.from_url(url)
        self.keys = Keys(prefix)
        self.limit = max(1, limit)
        self.delay_ms = int(delay * 1000)
        self.ttl_ms = max(100, int(ttl * 1000))
        self._acquire = self.redis.register_script(ACQUIRE)
        self._hold = self.redis.register_script(HOLD)
        self._held: set[Token] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._keeper: threading.Thread | None = None

    def take(self, host: str) -> tuple[Token | None, float]:
        key = self.keys.host(host)
        token = uuid.uuid4().hex
        args: list[str | int] = [self.limit, token, self.ttl_ms, self.delay_ms]
        try:
            got = int(self._acquire(keys=[key, self.keys.host_next(host)], args=args))
        except redis.RedisError as exc:
            logger.warning("taking a host slot failed (asking again): %s", exc)
            return None, 1.0
        if got < 0:
            return None, -got / 1000
        if not got:
            return None, 0.0
        with self._lock:
            self._held.add((key, token))
        if self._keeper is None:
            self._keeper = threading.Thread(target=self._keep, name="host-slots", daemon=True)
            self._keeper.start()
        return (key, token), 0.0

    def give_back(self, held: Token) -> None:
        with self._lock:
            if held not in self._held:
                return
            self._held.discard(held)
        key, token = held
        try:
            self.redis.zrem(key, token)
        except redis.RedisError as exc:  # the token expires on its own
            logger.warning("giving back a host slot failed: %s", exc)

    def _keep(self) -> None:
        """Extend the tokens this worker holds, until :meth:`close`."""
        while not self._stop.wait(self.ttl_ms / 3000):
            with self._lock:
                by_key: dict[str, list[str]] = {}
                for key, token in self._held:
                    by_key.setdefault(key, []).append(token)
            for key, tokens in by_key.items():
                try:
                    self._hold(keys=[key], args=[self.ttl_ms, *tokens])
                except redis.RedisError as exc:
                    logger.warning("extending host slots failed: %s", exc)

    def close(self) -> None:
        self._stop.set()
        for held in list(self._held):
            self.give_back(held)
        self.redis.close()
