"""Scrapy settings for linkhealth.

Every ``LINKHEALTH_*`` setting (see :mod:`crawler.run.config`) and the Scrapy settings named in
``_ENV_OVERRIDABLE`` can also be set by an environment variable of the same name; ``-s NAME=…``
on the command line wins over both.
"""

from __future__ import annotations

import os

from crawler.run.config import DEFAULTS

BOT_NAME = "linkhealth"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"

# Links a person put in a list are checked one by one, like a browser would open them; this is
# not a crawl of the sites, so robots.txt is not consulted (set ROBOTSTXT_OBEY=True to obey it:
# a disallowed link is then reported as error/robots-txt).
ROBOTSTXT_OBEY = False
USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 linkhealth/0.1"
)
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8",
}
# Politeness: a few requests per site at a time, a pause between them, retries with backoff.
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
DOWNLOAD_DELAY_JITTER = 0.5
DOWNLOAD_TIMEOUT = 20
# getaddrinfo (IPv4 and IPv6), not Scrapy's default gethostbyname resolver, which knows IPv4
# only: with it, http://[::1]/ and a host with only AAAA records came out dead/dns. This
# resolver has no timeout of its own (DNS_TIMEOUT is the other one's): DOWNLOAD_TIMEOUT bounds
# a look-up with the rest of the download.
TWISTED_DNS_RESOLVER = "scrapy.resolver.CachingHostnameResolver"
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 520, 521, 522, 523, 524, 408, 429]
REDIRECT_MAX_TIMES = 10
# Every status reaches the spider: a 404 is a finding, not an error to filter out.
HTTPERROR_ALLOW_ALL = True
# A decompressed body larger than this is abandoned (a gzip bomb); the head reader stops much
# earlier on ordinary pages (see the rules' max_body_bytes).
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 0
# One item per response: one task is enough (the default 100 costs CPU on every response).
CONCURRENT_ITEMS = 1
# Scrapy re-parses a callback's source on every response to look for `return value` in a
# generator (its cache misses for bound methods): 8% of the crawl's CPU, measured with py-spy.
# The spider's callbacks return nothing.
WARN_ON_GENERATOR_RETURN_VALUE = False
LOGSTATS_INTERVAL = 30.0
LOG_LEVEL = "INFO"

# The add-on wires every linkhealth component (downloader, download handlers, middlewares,
# extensions, pipeline; the Redis scheduler in the distributed profile) in both profiles, without
# overriding what a settings module or -s gives: see crawler/addon.py. This module holds plain
# values and turns off Scrapy built-ins a list of links never uses.
ADDONS = {"crawler.addon.LinkhealthAddon": 0}
# No way in from outside: Scrapy's telnet console and its RemoteControl extension (Python code
# run over local HTTP; it also leaves a job file holding its token behind a forced stop) stay
# off. JOBDIR is refused (crawler/run/config.py): the state file is what resumes a run.
EXTENSIONS = {
    "scrapy.extensions.telnet.TelnetConsole": None,
    "scrapy.extensions.remote_control.RemoteControl": None,
}
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
# Every middleware costs each request a step through the chain: off what a list of links never
# uses (no allowed_domains, no http_user).
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
}
# No link is followed from a response: depth, referer, URL-length and meta-copy checks would only
# cost every response a step (each is an async generator around the callback's output).
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.referer.RefererMiddleware": None,
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}
# No Referer: the links come from a private list, not from a page on the web.
REFERRER_POLICY = "no-referrer"

_ENV_OVERRIDABLE = (
    "CONCURRENT_REQUESTS",
    "CONCURRENT_REQUESTS_PER_DOMAIN",
    "DOWNLOAD_DELAY",
    "DOWNLOAD_TIMEOUT",
    "RETRY_TIMES",
    "LOG_LEVEL",
)

for _name, (_default, _doc) in DEFAULTS.items():
    globals()[_name] = os.environ.get(_name, _default)
for _name in _ENV_OVERRIDABLE:
    if _name in os.environ:
        globals()[_name] = os.environ[_name]
