"""Scrapy core components of our own (the polite downloader)."""
