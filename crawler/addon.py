"""The linkhealth add-on: one switch for the distributed profile.

With ``LINKHEALTH_REDIS_URL`` set (``-s`` or environment), the spider runs on scrapy-redis: the
Redis scheduler and dupefilter, a shared link queue with leases, global per-host limits and
results through Redis (see :mod:`crawler.distributed` and README, "Past one machine"). Without it,
nothing changes: the default path stays embedded (SQLite, no Redis).
"""

from __future__ import annotations

import os
import socket
import uuid

from scrapy.settings import BaseSettings


class LinkhealthAddon:
    def update_settings(self, settings: BaseSettings) -> None:
        url = settings.get("LINKHEALTH_REDIS_URL")
        if not url:
            return
        settings.set("REDIS_URL", url, "addon")
        settings.set("SCHEDULER", "scrapy_redis.scheduler.Scheduler", "addon")
        settings.set("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter", "addon")
        settings.set("SCHEDULER_PERSIST", True, "addon")
        if settings.get("SCHEDULER_QUEUE_KEY") is None:
            # a queue per worker: a request (retries and redirects included) stays with the
            # worker that holds the link's lease
            worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
            settings.set("SCHEDULER_QUEUE_KEY", f"%(spider)s:requests:{worker}", "addon")
        middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES")
        middlewares["crawler.distributed.hostlimit.GlobalHostLimitMiddleware"] = 560
        settings.set("DOWNLOADER_MIDDLEWARES", middlewares, "addon")
