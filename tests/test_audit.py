"""The audit log survives torn writes, rotates by size and enforces retention; it never
writes through links, takes the account from the OS, rate-limits each kind, and copies
every record to the OS log without ever losing the local one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from devicecheck import oslog
from devicecheck.audit import AuditLog, AuditPathError, RateLimiter
from devicecheck.oslog import MemoryWriter


@pytest.fixture
def log(tmp_path: Path) -> AuditLog:
    # No rate limit: these tests write hundreds of records of one kind on purpose.
    return AuditLog(tmp_path / "data" / "audit.jsonl", max_bytes=4096, retention_days=30,
                    limiter=None)


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
            f"log = AuditLog(Path({str(log.path)!r}), max_bytes=10**9, limiter=None);"
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


# -- links and ownership (issue 17, item 7) -------------------------------------------
def _victim(tmp_path: Path) -> Path:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    victim.chmod(0o644)
    return victim


@pytest.mark.parametrize("name", ["audit.jsonl", "audit.jsonl.lock"])
def test_a_link_in_place_of_a_file_is_refused_and_its_target_untouched(
        log: AuditLog, tmp_path: Path, name: str) -> None:
    victim = _victim(tmp_path)
    log.path.parent.mkdir(parents=True, mode=0o700)
    (log.path.parent / name).symlink_to(victim)
    with pytest.raises(AuditPathError, match="refusing to write the audit log"):
        log.record("report", overall="ready")
    assert victim.read_text() == "precious\n" and oct(victim.stat().st_mode & 0o777) == "0o644"


def test_a_link_as_the_temp_file_is_removed_not_written_through(log: AuditLog, tmp_path: Path) -> None:
    victim = _victim(tmp_path)
    log.record("report", overall="ready")
    with log.path.open("ab") as fh:
        fh.write(b'{"time": "2026')  # torn: the next retention pass rewrites the file
    tmp = log.path.with_name("audit.jsonl.tmp")
    tmp.symlink_to(victim)
    log.enforce_retention()
    assert victim.read_text() == "precious\n" and oct(victim.stat().st_mode & 0o777) == "0o644"
    assert not tmp.exists() and [r["kind"] for r in log.read()] == ["report"]


def test_a_rotated_file_that_is_a_link_is_not_read(log: AuditLog, tmp_path: Path) -> None:
    secret = tmp_path / "other.jsonl"
    secret.write_text(json.dumps({"time": "2026-01-01T00:00:00Z", "kind": "forged"}) + "\n")
    log.path.parent.mkdir(parents=True, mode=0o700)
    log.path.with_name("audit.jsonl.1").symlink_to(secret)
    assert [r["kind"] for r in log.read()] == []


def test_a_linked_folder_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "elsewhere"
    real.mkdir()
    (tmp_path / "data").symlink_to(real, target_is_directory=True)
    log = AuditLog(tmp_path / "data" / "audit.jsonl", limiter=None)
    with pytest.raises(AuditPathError, match="is a link"):
        log.record("report")
    assert list(real.iterdir()) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the folder to another uid")
def test_a_folder_of_another_account_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir(mode=0o700)
    os.chown(folder, 4242, 4242)
    with pytest.raises(AuditPathError, match="belongs to another account"):
        AuditLog(folder / "audit.jsonl", limiter=None).record("report")


def test_an_open_folder_of_our_own_is_tightened(log: AuditLog) -> None:
    log.path.parent.mkdir(parents=True)
    log.path.parent.chmod(0o777)
    log.record("report")
    assert oct(log.path.parent.stat().st_mode & 0o777) == "0o700"


def test_the_refusal_is_an_oserror_so_a_clean_still_reports_it(log: AuditLog, tmp_path: Path) -> None:
    log.path.parent.mkdir(parents=True, mode=0o700)
    log.path.symlink_to(_victim(tmp_path))
    with pytest.raises(OSError):
        log.record("clean")


# -- the account comes from the OS (issue 17, item 8) ---------------------------------
def test_account_is_the_os_account_not_logname(log: AuditLog, monkeypatch: pytest.MonkeyPatch) -> None:
    import pwd

    monkeypatch.setitem(os.environb, b"LOGNAME", b"\xff\xfeofficer")  # not UTF-8
    monkeypatch.setenv("USER", "forged\n2026-01-01T00:00:00Z  notice-ack  boss")
    rec = log.record("clean", removed_files=1)
    assert rec["account"] == pwd.getpwuid(os.getuid()).pw_name
    assert [r["account"] for r in log.read()] == [rec["account"]]


def test_an_odd_account_name_is_stored_printable(log: AuditLog, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("devicecheck.audit._os_account", lambda: "off\udcffi\ncer\x1b")
    rec = log.record("clean")
    assert rec["account"] == "off\ufffdi?cer?"
    assert [r["account"] for r in log.read()] == ["off\ufffdi?cer?"]


def test_log_command_cannot_be_made_to_print_a_forged_line(
        capsys: pytest.CaptureFixture[str]) -> None:
    from devicecheck.cli import main

    log = AuditLog.default(os_log=False)
    log.path.parent.mkdir(parents=True, mode=0o700)
    # A hand-edited record whose account holds a newline and a whole fake record.
    log.path.write_text(json.dumps({"time": "2026-03-05T09:00:00Z", "kind": "clean",
                                    "account": "o\n2026-03-05T09:01:00Z  notice-ack     boss"}) + "\n")
    assert main(["log"]) == 0
    captured = capsys.readouterr()
    assert captured.err.startswith("# This laptop's own copy of the audit log; IT's authoritative "
                                   "copy is in")
    out = captured.out.splitlines()
    assert len(out) == 1 and "\\x0a" in out[0]


def test_log_json_keeps_stdout_pure_json(capsys: pytest.CaptureFixture[str]) -> None:
    from devicecheck.cli import main

    AuditLog.default().record("tray-start", version="0.9.0")
    assert main(["log", "--json"]) == 0
    captured = capsys.readouterr()
    assert [json.loads(x)["kind"] for x in captured.out.splitlines()] == ["tray-start"]
    assert "authoritative copy" in captured.err


# -- rate limit per kind (issue 17, item 10) ------------------------------------------
def test_a_flood_of_one_kind_does_not_rotate_out_earlier_records(tmp_path: Path) -> None:
    clock = [1000.0]
    limiter = RateLimiter(burst=20, refill_s=60.0, clock=lambda: clock[0])
    log = AuditLog(tmp_path / "data" / "audit.jsonl", max_bytes=65536, limiter=limiter)
    log.record("notice-ack", notice_version="v1")
    for _ in range(25_000):  # 10,000 frames/s with grace 0, as in the adversarial run
        log.record("meeting-ended", duration_s=0, sources=["api"])
    kinds = [r["kind"] for r in log.read()]
    assert kinds[0] == "notice-ack" and kinds.count("meeting-ended") == 20
    assert not log.path.with_name("audit.jsonl.1").exists()  # nothing rotated
    assert log.last_suppressed
    # Other kinds are not held back by the flood.
    log.record("clean", removed_files=1)
    assert not log.last_suppressed
    clock[0] += 60.0  # a minute later one more passes and carries the count of the dropped
    rec = log.record("meeting-ended", duration_s=0, sources=["api"])
    assert not log.last_suppressed and rec["suppressed"] == 25_000 - 20
    assert list(log.read())[-1]["suppressed"] == 24_980


def test_the_limit_is_shared_by_every_audit_log_of_the_process(tmp_path: Path) -> None:
    limiter = RateLimiter(burst=3, refill_s=3600.0)
    path = tmp_path / "data" / "audit.jsonl"
    for _ in range(5):
        AuditLog(path, limiter=limiter).record("report")  # a new AuditLog per caller
    assert len(list(AuditLog(path).read())) == 3


# -- the OS-log copy (issue 22) -------------------------------------------------------
def test_every_record_is_copied_to_the_os_log(tmp_path: Path) -> None:
    writer = MemoryWriter()
    log = AuditLog(tmp_path / "data" / "audit.jsonl", os_log=writer, limiter=None)
    rec = log.record("clean", removed_files=3, clients=["teams-new"])
    [event] = writer.events
    assert (event.kind, event.event_id) == ("clean", 1002)
    assert json.loads(event.record_json) == rec and log.os_log_error is None


def test_os_log_down_keeps_the_local_file(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "data" / "audit.jsonl", os_log=MemoryWriter(fail="no journal"),
                   limiter=None)
    log.record("clean", removed_files=3)
    assert [r["kind"] for r in log.read()] == ["clean"] and log.os_log_error == "no journal"


def test_a_refused_local_file_still_reaches_the_os_log(tmp_path: Path) -> None:
    writer = MemoryWriter()
    log = AuditLog(tmp_path / "data" / "audit.jsonl", os_log=writer, limiter=None)
    log.path.parent.mkdir(parents=True, mode=0o700)
    log.path.symlink_to(_victim(tmp_path))
    with pytest.raises(AuditPathError):
        log.record("clean", removed_files=3)
    assert [e.kind for e in writer.events] == ["clean"]


def test_policy_switches_the_os_log_copy() -> None:
    from dataclasses import replace

    from devicecheck.policy import Policy

    on = Policy()
    assert on.audit.os_log is True and AuditLog.for_policy(on).os_log is not None
    off = replace(on, audit=replace(on.audit, os_log=False))
    assert AuditLog.for_policy(off).os_log is None
    assert oslog.status(off).state == "off"


def test_report_says_when_the_os_log_is_unavailable() -> None:
    from devicecheck.policy import LoadedPolicy
    from devicecheck.report import Device, Report

    status = oslog.status(None, MemoryWriter(fail="no journal socket at /run/systemd/journal/socket"))
    rep = Report(Device("host", "linux", "6.1"), LoadedPolicy(), [], os_log=status)
    assert rep.to_dict()["audit"] == {"os_log": {
        "state": "unavailable", "target": "memory",
        "reason": "no journal socket at /run/systemd/journal/socket"}}
    # IT's words: in `check --it`, not in the officer's rows (issue 27).
    sentence = ("The OS log is unavailable (no journal socket at /run/systemd/journal/socket): "
                "audit records are kept only in this laptop's own audit file.")
    assert sentence in rep.to_text(it=True)
    assert "OS log" not in rep.to_text()
    plain = Report(Device("host", "linux", "6.1"), LoadedPolicy(), [])
    assert "audit" not in plain.to_dict() and "OS log" not in plain.to_text(it=True)
