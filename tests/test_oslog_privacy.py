"""No resident data reaches the OS log: every audit kind, written by its real producer over
a Teams tree full of residents' names, e-mail addresses and file names, goes through all
three OS-log writers (journald to a test socket, Windows and macOS through injected APIs),
and none of those strings appears in anything they were handed."""

from __future__ import annotations

import shutil
import socket
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from devicecheck.acknowledgement import record_ack
from devicecheck.assess import audit_summary
from devicecheck.audit import AuditLog
from devicecheck.checks.base import CheckResult, Status
from devicecheck.cleaner.restart import RestartResult
from devicecheck.cleaner.restart import _audit as restart_audit
from devicecheck.cleaner.run import clean
from devicecheck.notice import load_notice
from devicecheck.oslog import OsLogEvent
from devicecheck.oslog.events import CATALOGUE
from devicecheck.oslog.journald import JournaldWriter
from devicecheck.oslog.macos import MacWriter
from devicecheck.oslog.windows import WindowsWriter
from devicecheck.policy import LoadedPolicy, Policy, Severity, load_policy
from devicecheck.recording.alerts import record_alert
from devicecheck.report import Device, Report
from tests.cleaner.helpers import TFL_PART, make_tfl, no_processes, tfl_root

RESIDENT = ("Jane Smith", "Smith", "jane.smith@example.org", "alice@example.org",
            "care plan", "Housing review", ".docx", "0161 496 0000")


class Capture:
    """All three back-ends at once; keeps every byte and string they were given."""

    def __init__(self, journal_path: str) -> None:
        self.target = "capture"
        self.seen: list[bytes] = []
        self.events: list[OsLogEvent] = []
        self.journal = JournaldWriter(journal_path)
        self.windows = WindowsWriter(api=self)
        self.mac = MacWriter(api=self)

    # EventLogApi
    def register(self, source: str) -> str:
        return "h"

    def report(self, handle: Any, event_type: int, category: int, event_id: int,
               strings: Sequence[str]) -> None:
        self.seen += [s.encode() for s in strings]

    def deregister(self, handle: Any) -> None:
        pass

    # UnifiedLogApi
    def log(self, subsystem: str, category: str, log_type: int, message: str) -> None:
        self.seen += [subsystem.encode(), category.encode(), message.encode()]

    # OsLogWriter
    def write(self, event: OsLogEvent) -> None:
        self.events.append(event)
        self.journal.write(event)
        self.windows.write(event)
        self.mac.write(event)

    def probe(self) -> str | None:
        return None


@pytest.fixture
def journal() -> Iterator[tuple[str, socket.socket]]:
    d = Path(tempfile.mkdtemp(prefix="dc-", dir="/tmp"))
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(d / "j.sock"))
    sock.setblocking(False)
    yield str(d / "j.sock"), sock
    sock.close()
    shutil.rmtree(d, ignore_errors=True)


def _drain(sock: socket.socket) -> list[bytes]:
    out = []
    while True:
        try:
            out.append(sock.recv(1 << 20))
        except BlockingIOError:
            return out


def _resident_tree(home: Path) -> None:
    root = make_tfl(tfl_root(home))
    part = root / TFL_PART
    (part / "IndexedDB" / "jane.smith@example.org.ldb").write_bytes(b"Jane Smith")
    (part / "Cache" / "Cache_Data").mkdir(parents=True, exist_ok=True)
    (part / "Cache" / "Cache_Data" / "Jane Smith - care plan.docx").write_bytes(b"x" * 100)
    (part / "Session Storage" / "Housing review with alice@example.org.log").write_bytes(b"y")


def test_every_kind_from_its_producer_carries_no_resident_data(
        isolated_dirs: Path, tmp_path: Path, journal: tuple[str, socket.socket]) -> None:
    home = isolated_dirs
    _resident_tree(home)
    path, sock = journal
    cap = Capture(path)
    audit = AuditLog(tmp_path / "audit" / "audit.jsonl", os_log=cap)
    policy = Policy()

    # report (check ids only; the summaries that could name things are not kept)
    checks = [CheckResult("firewall", "The firewall is on", Status.FAIL, Severity.REQUIRED,
                          "Jane Smith's care plan.docx is open", {"file": "Jane Smith.docx"})]
    rep = Report(Device("host", "linux", "6.1"), LoadedPolicy(policy=policy), checks)
    audit.record("report", trigger="start", **audit_summary(rep))
    # clean over the resident tree
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
    result = clean(policy, env=env, home=home, os_name="linux", audit=audit, processes=no_processes)
    assert result.removed_files > 0
    # meeting-ended, as teams/monitor.py writes it
    audit.record("meeting-ended", duration_s=1800, sources=["log", "audio"])
    record_ack(audit, load_notice(policy), checklist_items=4, advisory_continued=["vpn"])
    record_alert(audit, "recorder", meeting_seconds=60, programs=["obs64.exe"])
    # policy-error, as commands/check.py writes it, from a broken policy file
    bad = tmp_path / "policy.toml"
    bad.write_text('[organisation]\nname = "Council"\nit_contact = 5\nunknown_key = "Jane Smith"\n')
    loaded = load_policy(bad)
    assert loaded.errors
    audit.record("policy-error", count=len(loaded.errors),
                 sources=sorted({e.source for e in loaded.errors}))
    # restart-clean, with client display names present in the result
    restart_audit(policy, audit, RestartResult(clean=result, clients={"teams-for-linux": {
        "restarted": True, "forced": False, "quit_s": 0.5}}, names={"teams-for-linux": "Jane Smith"}))
    audit.record("tray-start", version="0.9.0")

    assert {e.kind for e in cap.events} == set(CATALOGUE)
    assert all(e.withheld == () for e in cap.events), [(e.kind, e.withheld) for e in cap.events]
    datagrams = _drain(sock)
    assert len(datagrams) == len(cap.events) == 8
    everything = b"\n".join(datagrams + cap.seen)
    for text in RESIDENT:
        assert text.encode() not in everything, text
    assert b"@" not in everything


def test_fields_a_caller_should_not_have_passed_are_withheld(
        tmp_path: Path, journal: tuple[str, socket.socket]) -> None:
    path, sock = journal
    cap = Capture(path)
    audit = AuditLog(tmp_path / "audit" / "audit.jsonl", os_log=cap)
    audit.record("clean", removed_files=1, path="/home/o/.config/Jane Smith - care plan.docx",
                 resident="Jane Smith", clients=["Jane Smith.docx"], mode="jane.smith@example.org")
    audit.record("recording-alert", source="recorder", programs=["Housing review.docx"])
    audit.record("made-up-kind", comment="Jane Smith", **{"jane.smith@example.org": 1})
    [clean_ev, alert_ev, other_ev] = cap.events
    assert set(clean_ev.withheld) == {"path", "resident", "clients", "mode"}
    assert alert_ev.withheld == ("programs",)
    assert other_ev.event_id == 1099 and other_ev.kind == "made-up-kind"
    assert other_ev.withheld == ("comment", "?")  # a key that is itself data is not named
    everything = b"\n".join(_drain(sock) + cap.seen)
    for text in RESIDENT:
        assert text.encode() not in everything, text
    assert [r["kind"] for r in audit.read()] == ["clean", "recording-alert", "made-up-kind"]
