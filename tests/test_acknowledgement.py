"""Acknowledgement records and the policy rule for when one is still in force."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from devicecheck import audit as audit_module
from devicecheck.acknowledgement import (
    EVERY_CALL_WINDOW,
    KIND,
    ack_in_force,
    last_ack,
    record_ack,
)
from devicecheck.audit import AuditLog
from devicecheck.notice import Notice, build_notice, load_notice
from tests.test_notice import policy_with

# Noon local time, so "later the same day" never crosses midnight whatever the zone.
NOON = datetime.now().astimezone().replace(hour=12, minute=0, second=0, microsecond=0)


@pytest.fixture
def log(tmp_path: Path) -> AuditLog:
    return AuditLog(tmp_path / "audit.jsonl")


def other_notice() -> Notice:
    return build_notice("# Another notice\n", source="x", declared_date="2020-01-01",
                        is_markdown=True)


def ack_at(log: AuditLog, notice: Notice, when: datetime,
           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit_module, "_now", lambda: when.astimezone(UTC))
    record_ack(log, notice)
    monkeypatch.undo()


def test_record_ack_writes_one_record_with_version_date_and_account(log: AuditLog) -> None:
    notice = load_notice(policy_with())
    rec = record_ack(log, notice, checklist_items=4, advisory_continued=["meeting-data"])
    stored = list(log.read())
    assert stored == [rec]
    assert rec["kind"] == KIND == "notice-ack"
    assert rec["notice_version"] == notice.version
    assert rec["notice_document"] == notice.document_hash
    assert rec["revision_date"] == "2026-12-01"
    assert rec["notice_source"] == "built-in"
    assert rec["checklist_items"] == 4 and rec["advisory_continued"] == ["meeting-data"]
    assert rec["account"] and rec["time"]


def test_no_acknowledgement_is_never_in_force(log: AuditLog) -> None:
    notice = load_notice(policy_with())
    for mode in ("every-call", "daily", "new-version"):
        assert not ack_in_force(policy_with(acknowledge=mode), notice, log, now=NOON)


def test_every_call_covers_only_a_call_soon_after(log: AuditLog,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    policy, notice = policy_with(acknowledge="every-call"), load_notice(policy_with())
    ack_at(log, notice, NOON, monkeypatch)
    assert ack_in_force(policy, notice, log, now=NOON + timedelta(minutes=5))
    assert ack_in_force(policy, notice, log, now=NOON + EVERY_CALL_WINDOW)
    assert not ack_in_force(policy, notice, log,
                            now=NOON + EVERY_CALL_WINDOW + timedelta(seconds=1))


def test_daily_covers_the_same_local_day(log: AuditLog, monkeypatch: pytest.MonkeyPatch) -> None:
    policy, notice = policy_with(acknowledge="daily"), load_notice(policy_with())
    ack_at(log, notice, NOON, monkeypatch)
    assert ack_in_force(policy, notice, log, now=NOON + timedelta(hours=11, minutes=59))
    assert not ack_in_force(policy, notice, log, now=NOON + timedelta(hours=12, minutes=1))


def test_new_version_covers_until_the_notice_changes(log: AuditLog,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    policy, notice = policy_with(acknowledge="new-version"), load_notice(policy_with())
    ack_at(log, notice, NOON - timedelta(days=60), monkeypatch)
    assert ack_in_force(policy, notice, log, now=NOON)
    assert not ack_in_force(policy, other_notice(), log, now=NOON)


def test_an_older_version_never_counts_in_any_mode(log: AuditLog,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    notice = load_notice(policy_with())
    ack_at(log, other_notice(), NOON, monkeypatch)
    for mode in ("every-call", "daily", "new-version"):
        assert not ack_in_force(policy_with(acknowledge=mode), notice, log,
                                now=NOON + timedelta(minutes=1))
    assert last_ack(log) is not None and last_ack(log, notice) is None


def test_a_record_from_the_future_is_not_trusted(log: AuditLog,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    notice = load_notice(policy_with())
    ack_at(log, notice, NOON + timedelta(hours=2), monkeypatch)
    assert not ack_in_force(policy_with(acknowledge="new-version"), notice, log, now=NOON)


def test_last_ack_returns_the_newest(log: AuditLog, monkeypatch: pytest.MonkeyPatch) -> None:
    notice = load_notice(policy_with())
    ack_at(log, notice, NOON - timedelta(hours=2), monkeypatch)
    ack_at(log, notice, NOON - timedelta(hours=1), monkeypatch)
    log.record("report", overall="ready")
    latest = last_ack(log, notice)
    assert latest is not None
    assert latest["time"].startswith((NOON - timedelta(hours=1)).astimezone(UTC)
                                     .strftime("%Y-%m-%dT%H:%M"))
