"""linkhealth: link health and archival of link lists."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("linkhealth")
except PackageNotFoundError:  # a checkout that was never installed
    __version__ = "0+unknown"
