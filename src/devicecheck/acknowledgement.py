"""Acknowledging the privacy notice: one audit record per completed pre-call flow, and the
rule (from policy) for whether an earlier acknowledgement still covers the next call.

The record holds the time, the notice version and revision date and the local account
(the audit log adds time and account) — never anything about the resident.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from devicecheck.audit import AuditLog
from devicecheck.notice import Notice
from devicecheck.policy import Policy

KIND = "notice-ack"
#: Under "every-call", an acknowledgement covers a call that starts within this long of it:
#: officers run the pre-call flow just before joining, not hours ahead.
EVERY_CALL_WINDOW = timedelta(minutes=30)


def record_ack(audit: AuditLog, notice: Notice, *, checklist_items: int | None = None,
               advisory_continued: Iterable[str] = ()) -> dict[str, Any]:
    """Write the acknowledgement; return the record. ``checklist_items`` is how many
    call-opening items were confirmed and ``advisory_continued`` the ids of advisory
    checks the officer went on despite (ids only)."""
    fields: dict[str, Any] = {
        "notice_version": notice.version,
        # The sanitised document the window showed (notice.py): exactly what was read.
        "notice_document": notice.document_hash,
        "revision_date": notice.revision_date,
        "notice_source": "built-in" if notice.is_built_in else "policy-file",
    }
    if checklist_items is not None:
        fields["checklist_items"] = checklist_items
    continued = sorted(advisory_continued)
    if continued:
        fields["advisory_continued"] = continued
    return audit.record(KIND, **fields)


def ack_time(record: Mapping[str, Any]) -> datetime | None:
    try:
        t = datetime.fromisoformat(str(record["time"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def last_ack(audit: AuditLog, notice: Notice | None = None) -> dict[str, Any] | None:
    """The latest acknowledgement (of ``notice``'s version when given), or None."""
    found: dict[str, Any] | None = None
    for rec in audit.read():
        if rec.get("kind") != KIND or ack_time(rec) is None:
            continue
        if notice is not None and rec.get("notice_version") != notice.version:
            continue
        found = rec  # records are oldest first
    return found


def ack_count(audit: AuditLog, notice: Notice) -> int:
    """How many acknowledgements of ``notice``'s version the audit log holds."""
    return sum(1 for rec in audit.read()
               if rec.get("kind") == KIND and rec.get("notice_version") == notice.version)


def ack_in_force(policy: Policy, notice: Notice, audit: AuditLog,
                 now: datetime | None = None) -> bool:
    """Whether an acknowledgement of *this* notice version still covers a call starting
    ``now``: every-call — one made within ``EVERY_CALL_WINDOW``; daily — one made today
    (local calendar day); new-version — any one still in the audit log. An acknowledgement
    of an older version never counts: the officer has not read the words now in force."""
    rec = last_ack(audit, notice)
    if rec is None:
        return False
    when = ack_time(rec)
    if when is None:
        return False
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    if when > now + timedelta(minutes=5):
        return False  # a record from the future means a wrong clock: do not trust it
    mode = policy.notice.acknowledge
    if mode == "new-version":
        return True
    if mode == "daily":
        return when.astimezone().date() == now.astimezone().date()
    return now - when <= EVERY_CALL_WINDOW
