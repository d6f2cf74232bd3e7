"""From link occurrences to links: one per identity, the ignore list."""
