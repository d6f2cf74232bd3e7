"""The Wayback Machine: snapshot what is alive, rescue what is dead (see docs/archiving.md)."""
