"""The store: the crawl's SQLite file, its tables, history and re-keying."""
