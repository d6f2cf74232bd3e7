"""Is the network usable? Tells "the web said no" from "we could not ask" (pure).

Two signals, both settings:

* **canaries** — a few well-known hosts fetched before any link (not package registries, which
  some sandboxes reach while nothing else). If none of them answers at all (any HTTP status is an
  answer), the run is degraded before a single link is judged.
* **the share of hosts that fail** — at the end of the run, if at least ``min_hosts`` distinct
  hosts were fetched and ``host_share`` or more of them failed at the network level (name not
  resolved, connection refused, proxy error, timeout) without a single answer, the run is
  degraded.

In a degraded run no link is ``dead`` for a network reason (those become ``error``/``offline``),
no check counts toward confirmation, nothing is archived, the reports carry a banner and the
crawl exits with status 4.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: reasons that say "we could not reach anything", not "the site said no"
NETWORK_REASONS = frozenset(
    {"dns", "connection-refused", "proxy-error", "timeout", "connection-reset", "tls"}
)


@dataclass(frozen=True, slots=True)
class NetworkPolicy:
    canaries: tuple[str, ...] = ()
    canary_timeout: float = 10.0
    host_share: float = 0.8
    min_hosts: int = 5


@dataclass
class NetworkWatch:
    """Per-host outcomes during a run: did the host ever answer?"""

    policy: NetworkPolicy
    answered: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)

    def saw(self, host: str, reason: str, *, answered: bool) -> None:
        if answered:
            self.answered.add(host)
            self.failed.discard(host)
        elif reason in NETWORK_REASONS and host not in self.answered:
            self.failed.add(host)

    def verdict(self) -> str | None:
        """``None`` when the network looked usable, else the reason the run is degraded."""
        total = len(self.answered | self.failed)
        if total < self.policy.min_hosts:
            return None
        share = len(self.failed) / total
        if share >= self.policy.host_share:
            return (
                f"{len(self.failed)} of {total} hosts ({share:.0%}) could not be reached at all "
                f"(threshold {self.policy.host_share:.0%}): the network, DNS or proxy is down"
            )
        return None


def canaries_verdict(results: dict[str, str | None]) -> str | None:
    """``results``: canary URL → ``None`` if it answered, else the failure reason."""
    if not results or any(reason is None for reason in results.values()):
        return None
    reasons = ", ".join(sorted({r for r in results.values() if r}))
    return f"none of the {len(results)} canary hosts answered ({reasons}): no usable network"
