"""The audit log survives torn writes, rotates by size and enforces retention."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from devicecheck.audit import AuditLog


@pytest.fixture
def log(tmp_path: Path) -> AuditLog:
    return AuditLog(tmp_path / "data" / "audit.jsonl", max_bytes=4096, retention_days=30)


def test_records_hold_time_kind_account(log: AuditLog) -> None:
    rec = log.record("notice-ack", notice_version="abc123")
    assert set(rec) == {"time", "kind", "account", "notice_version"}
    assert [r["kind"] for r in log.read()] == ["notice-ack"]
    assert oct(log.path.stat().st_mode & 0o777) == oct(0o600)


def test_personal_data_keys_refused(log: AuditLog) -> None:
    with pytest.raises(ValueError, match="attendees"):
        log.record("meeting-ended", attendees=["A Resident"])
    assert not log.path.exists() or list(log.read()) == []


def test_torn_last_line_is_skipped_and_fenced(log: AuditLog) -> None:
    log.record("report", overall="ready")
    with log.path.open("ab") as fh:
        fh.write(b'{"time": "2026-11-28T10:00:00Z", "kind": "rep')  # killed mid-write
    assert [r["kind"] for r in log.read()] == ["report"]
    log.record("clean", removed_files=3)
    assert [r["kind"] for r in log.read()] == ["report", "clean"]
    assert log.path.read_bytes().endswith(b"\n")


def test_kill_mid_write_never_breaks_the_file(log: AuditLog) -> None:
    """A real writer process killed while appending in a loop."""
    code = ("import sys; from pathlib import Path; from devicecheck.audit import AuditLog;"
            f"log = AuditLog(Path({str(log.path)!r}), max_bytes=10**9);"
            "print('go', flush=True)\n"
            "while True: log.record('report', overall='ready', padding='x'*500)")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"go"
    import time
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait(5)
    count = sum(1 for _ in log.read())
    assert count > 0
    log.record("clean")
    recs = list(log.read())
    assert recs[-1]["kind"] == "clean" and len(recs) == count + 1


def test_garbage_lines_skipped(log: AuditLog) -> None:
    log.path.parent.mkdir(parents=True)
    log.path.write_bytes(b'not json\n[1,2]\n{"no": "time"}\n\xff\xfe\n')
    log.record("report")
    assert [r["kind"] for r in log.read()] == ["report"]


def test_rotation_by_size(log: AuditLog) -> None:
    for i in range(100):
        log.record("report", n=i, padding="y" * 100)
    files = sorted(p.name for p in log.path.parent.glob("audit.jsonl*") if not p.name.endswith(".lock"))
    assert files == ["audit.jsonl", "audit.jsonl.1", "audit.jsonl.2", "audit.jsonl.3"]
    assert all(p.stat().st_size <= 4096 for p in log.path.parent.glob("audit.jsonl*"))
    ns = [r["n"] for r in log.read()]
    assert ns == sorted(ns) and ns[-1] == 99  # oldest first, newest kept
    assert ns[0] > 0  # the oldest rotated file was dropped


def test_retention_removes_old_records(log: AuditLog) -> None:
    log.path.parent.mkdir(parents=True)
    old = (datetime.now(UTC) - timedelta(days=31)).isoformat().replace("+00:00", "Z")
    recent = (datetime.now(UTC) - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    rotated = log.path.with_name("audit.jsonl.1")
    rotated.write_text(json.dumps({"time": old, "kind": "report"}) + "\n")
    log.path.write_text(json.dumps({"time": old, "kind": "report"}) + "\n"
                        + json.dumps({"time": recent, "kind": "clean"}) + "\n")
    assert log.enforce_retention() == 2
    assert not rotated.exists()
    assert [r["kind"] for r in log.read()] == ["clean"]


def test_read_since(log: AuditLog) -> None:
    log.record("report")
    assert list(log.read(since=datetime.now(UTC) + timedelta(hours=1))) == []
    assert len(list(log.read(since=datetime.now(UTC) - timedelta(hours=1)))) == 1


def test_default_location_is_user_data_dir() -> None:
    path = AuditLog.default().path
    assert path.parent == Path(os.environ["XDG_DATA_HOME"]) / "devicecheck"


def test_first_record_of_a_process_enforces_retention(log: AuditLog) -> None:
    log.path.parent.mkdir(parents=True)
    old = (datetime.now(UTC) - timedelta(days=400)).isoformat().replace("+00:00", "Z")
    log.path.write_text(json.dumps({"time": old, "kind": "report"}) + "\n")
    log.record("clean")
    assert [r["kind"] for r in log.read()] == ["clean"]
