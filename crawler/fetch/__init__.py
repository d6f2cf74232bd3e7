"""Fetching: host slots, backoff, whether the network is usable."""
