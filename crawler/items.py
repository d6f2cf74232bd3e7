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
        v = self.verdict
        return CheckRow(
            identity=self.identity,
            checked_at=self.checked_at,
            status=v.status,
            reason=v.reason,
            http_status=v.http_status,
            final_url=v.final_url,
            title=v.title,
            detail=v.detail,
            moved_to=v.moved_to,
            counted=counted,
        )
