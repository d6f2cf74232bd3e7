"""Names vulture cannot see used: frameworks call them by name (scripts/test.sh runs vulture).

vulture reads this file with the code and counts every name below as used. Each entry says who
uses it. Add one only for a name something outside our code calls or reads (or documentation
held as data); code that nothing calls is deleted instead.
"""

from vulture.whitelist_utils import Whitelist

_ = Whitelist()

# Scrapy loads these by name from crawler/settings.py (the add-on wires the other components)
_.LinkhealthAddon  # ADDONS (crawler/addon.py)
_.SeedsSpider  # SPIDER_MODULES: `scrapy crawl seeds` finds it by name (crawler/spiders/seeds.py)
_.FloorSpider  # `scrapy runspider benchmarks/floor_spider.py` finds it in the file (run.py --floor)
_.custom_settings  # a spider's settings, read by Scrapy (benchmarks/floor_spider.py)

# Scrapy's component hooks, called by name
_.update_settings  # an add-on's hook: Scrapy calls it with the project settings
_.process_request  # a downloader middleware's hook, before each download
_.process_exception  # a downloader middleware's hook, on a download's exception
_.process_item  # an item pipeline's hook, for each item
_.closed  # a spider's hook: Scrapy calls spider.closed(reason) when the crawl ends
_.exitcode  # a Scrapy command's exit status (crawler/commands/crawl.py): scrapy's cmdline reads it
_.handle_referer  # a redirect middleware's hook for a redirect's Referer (middlewares/redirect.py)
_._engine_started  # Scrapy's redirect middlewares run it at the engine's start (same module)

# the standard library reads these
_.row_factory  # sqlite3: a connection's or cursor's row factory, set to shape the rows it returns
_.connection_made  # asyncio.Protocol's hook (benchmarks/server.py)
_.connection_lost  # asyncio.Protocol's hook (benchmarks/server.py)
_.data_received  # asyncio.Protocol's hook (benchmarks/server.py)
# asyncio keeps only a weak reference to a task: the Redis link source holds its closing one here
_._closing  # crawler/distributed/worker.py

# markdown-it-py calls these on its MarkdownIt subclass and reads these token fields
_.validateLink  # MarkdownIt.validateLink: which link destinations are accepted
_.normalizeLink  # MarkdownIt.normalizeLink: a destination as stored in the token
_.normalizeLinkText  # MarkdownIt.normalizeLinkText: a linkified URL's text
_.markup  # Token.markup: the markup that made a token ("linkify" for a bare URL)

# read by Jinja templates (crawler/report/templates/), which vulture does not read
_.caption  # Chart.caption: the figure's caption in report.html.j2

# Twisted reads this on a protocol factory (crawler/downloadhandlers/keepalive.py): no
# "Starting factory" log line per connection
_.noisy  # twisted.internet.protocol.Factory.noisy
# Scrapy's cookies middleware reads its module's TLDExtract by this name (crawler/addon.py)
_._split_domain  # scrapy.downloadermiddlewares.cookies._split_domain
# Twisted calls an IResolutionReceiver by these names (crawler/downloadhandlers/keepalive.py)
_.resolutionBegan  # IResolutionReceiver.resolutionBegan (its argument unused: nothing to cancel)
_.addressResolved  # IResolutionReceiver.addressResolved
_.resolutionComplete  # IResolutionReceiver.resolutionComplete
_.resolution  # IResolutionReceiver.resolutionBegan's argument
# the link sources are loaded by name (LINKHEALTH_LINK_SOURCE, chosen by crawler/addon.py)
_.RedisSource  # crawler.distributed.worker.RedisSource
_.ChildSource  # crawler.run.child.ChildSource
_.ChildProcesses  # crawler.run.parent.ChildProcesses
