"""When the cleaner last ran, when the last meeting ended, and how many meetings' data is
waiting, from the audit log.

Clean records (kind ``clean``) are written by ``cleaner.clean``; ``meeting-ended`` records
by the Teams link when it is in use. Either may be absent: callers get ``None`` (or no
waiting meetings). Only kinds and times are read: the records hold no meeting details.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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


@dataclass(frozen=True)
class WaitingMeetings:
    """Meetings that ended after the last clean: their data is still on the laptop."""

    count: int = 0
    oldest_end: datetime | None = None  # when the first of them ended


def waiting_meetings_in(records: Iterable[Mapping[str, Any]],
                        client_ids: Iterable[str] | None = None) -> WaitingMeetings:
    """Pure: the ``meeting-ended`` records later than the latest clean that covered any of
    ``client_ids`` (every one of them when no clean has run)."""
    records = list(records)
    cleaned = _latest(records, CLEAN_KIND, client_ids)
    ends = [t for rec in records if rec.get("kind") == MEETING_ENDED_KIND
            for t in (_time(rec),) if t is not None and (cleaned is None or t > cleaned)]
    return WaitingMeetings(len(ends), min(ends) if ends else None)


def waiting_meetings(audit: AuditLog, client_ids: Iterable[str] | None = None) -> WaitingMeetings:
    try:
        return waiting_meetings_in(audit.read(), client_ids)
    except OSError:
        return WaitingMeetings()
