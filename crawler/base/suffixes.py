"""The public suffix list: the snapshot that comes with tldextract, never downloaded (pure).

tldextract downloads the list on first use by default (through the crawl's proxy, at crawl
time) and caches what it got: on a network that answers junk (a captive portal) it cached an
empty list, and every page that sets a cookie failed in that run and the later ones. Every use
of the list goes through :data:`SUFFIXES` (the process sharding here; Scrapy's cookie handling,
which the add-on points at it).
"""

from __future__ import annotations

from tldextract import TLDExtract

#: splits a host name at its public suffix, from the bundled snapshot only, with no cache file
SUFFIXES = TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)
