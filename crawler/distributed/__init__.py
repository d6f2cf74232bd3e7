"""Past one machine: several workers sharing one frontier on Redis (the distributed profile)."""
