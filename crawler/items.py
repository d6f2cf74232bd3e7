"""What the spider yields: one verdict for one link."""

from __future__ import annotations

from dataclasses import dataclass

from crawler.base.verdicts import Verdict
from crawler.store.db import CheckRow


@dataclass(slots=True)
class LinkCheck:
    identity: str
    checked_at: str
    verdict: Verdict

    def row(self, *, counted: bool = True) -> CheckRow:
        return CheckRow.of(
            self.verdict, identity=self.identity, checked_at=self.checked_at, counted=counted
        )
