"""When the cleaner last ran and when the last meeting ended, from the audit log.

Clean records (kind ``clean``) are written by ``cleaner.clean``; ``meeting-ended`` records
by the Teams link when it is in use. Either may be absent: callers get ``None``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from devicecheck.audit import AuditLog

CLEAN_KIND = "clean"
MEETING_ENDED_KIND = "meeting-ended"


def _time(rec: Mapping[str, Any]) -> datetime | None:
    try:
        t = datetime.fromisoformat(str(rec.get("time", "")).replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _latest(records: Iterable[Mapping[str, Any]], kind: str,
            client_ids: Iterable[str] | None = None) -> datetime | None:
    wanted = set(client_ids) if client_ids is not None else None
    best: datetime | None = None
    for rec in records:
        if rec.get("kind") != kind:
            continue
        if wanted is not None and kind == CLEAN_KIND:
            # A clean counts for the clients it actually cleaned (not refused ones).
            cleaned = set(rec.get("clients") or ()) - set(rec.get("refused") or ())
            if not wanted & cleaned:
                continue
        t = _time(rec)
        if t is not None and (best is None or t > best):
            best = t
    return best


def last_clean(audit: AuditLog, client_ids: Iterable[str] | None = None) -> datetime | None:
    """Time of the latest clean that covered any of ``client_ids`` (any client if None)."""
    try:
        return _latest(audit.read(), CLEAN_KIND, client_ids)
    except OSError:
        return None


def last_meeting_end(audit: AuditLog) -> datetime | None:
    try:
        return _latest(audit.read(), MEETING_ENDED_KIND)
    except OSError:
        return None
