"""What the tray's audit log keeps of its runs: one "report" record when the verdict or
the counts change (``assess.audit_summary``: ids and counts only), not the same verdict
every half hour. With the checks isolated in a child process, ``devicecheck check`` there
has written the record already."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from devicecheck.audit import AuditLog
    from devicecheck.report import Report

log = logging.getLogger(__name__)


class ReportAudit:
    def __init__(self, audit: Callable[[], AuditLog], isolated: Callable[[], bool]) -> None:
        self._audit, self._isolated = audit, isolated
        self._last: dict[str, object] | None = None

    def record(self, report: Report, trigger: str) -> bool:
        """Write the record if it says something new; whether one was written."""
        from devicecheck.assess import audit_summary

        if self._isolated():
            return False
        summary = audit_summary(report)
        if summary == self._last:
            return False
        self._last = summary
        try:
            self._audit().record("report", trigger=trigger, **summary)
        except OSError as exc:
            log.warning("could not write the audit log: %s", exc)
            return False
        return True
