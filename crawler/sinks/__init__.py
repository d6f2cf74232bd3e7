"""Where a run's results go: the SQLite store and its reports (:mod:`crawler.sinks.local`)."""
