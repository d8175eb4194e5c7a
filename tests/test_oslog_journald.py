"""The Linux writer speaks the journal's native protocol to a datagram server in the test,
falls back to syslog, and says why when neither is there.

The server decodes datagrams as https://systemd.io/JOURNAL_NATIVE_PROTOCOL/ documents
them (``NAME=value\\n``, or ``NAME\\n`` + 64-bit little-endian length + value + ``\\n``),
independently of the writer's encoder.
"""

from __future__ import annotations

import json
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from devicecheck import oslog
from devicecheck.audit import AuditLog
from devicecheck.oslog import OsLogUnavailable
from devicecheck.oslog.events import CATALOGUE, to_event
from devicecheck.oslog.journald import JOURNAL_SOCKET, JournaldWriter, LinuxWriter, encode
from devicecheck.oslog.syslog import SyslogWriter, format_line
from tests.oslog_records import SAMPLE_RECORDS


def decode(datagram: bytes) -> dict[str, str]:
    """Parse one native-protocol entry (the journald side of the protocol)."""
    fields: dict[str, str] = {}
    i = 0
    while i < len(datagram):
        nl = datagram.index(b"\n", i)
        line = datagram[i:nl]
        if b"=" in line:
            name, _, value = line.partition(b"=")
            i = nl + 1
        else:
            name = line
            (size,) = struct.unpack("<Q", datagram[nl + 1:nl + 9])
            value = datagram[nl + 9:nl + 9 + size]
            assert datagram[nl + 9 + size:nl + 10 + size] == b"\n"
            i = nl + 10 + size
        fields[name.decode("ascii")] = value.decode("utf-8")
    return fields


class DatagramServer:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(10)

    def receive(self) -> bytes:
        return self.sock.recv(1 << 20)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def short_dir() -> Iterator[Path]:
    # AF_UNIX paths are limited to 108 bytes: pytest's tmp_path can be longer.
    d = Path(tempfile.mkdtemp(prefix="dc-", dir="/tmp"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def journal(short_dir: Path) -> Iterator[DatagramServer]:
    server = DatagramServer(short_dir / "journal.sock")
    yield server
    server.close()


def test_encoding_plain_and_binary_safe_forms() -> None:
    data = encode([("MESSAGE", "one line"), ("DEVICECHECK_X", "two\nlines")])
    assert data.startswith(b"MESSAGE=one line\n")
    assert data[len(b"MESSAGE=one line\n"):] == (b"DEVICECHECK_X\n" + struct.pack("<Q", 9)
                                                  + b"two\nlines\n")
    assert decode(data) == {"MESSAGE": "one line", "DEVICECHECK_X": "two\nlines"}


@pytest.mark.parametrize("kind", sorted(SAMPLE_RECORDS))
def test_each_kind_reaches_the_journal_with_its_fields(journal: DatagramServer, kind: str) -> None:
    rec = SAMPLE_RECORDS[kind]
    JournaldWriter(str(journal.path)).write(to_event(rec))
    got = decode(journal.receive())
    spec = CATALOGUE[kind]
    assert got["MESSAGE_ID"] == spec.message_id
    assert uuid.UUID(got["MESSAGE_ID"]).hex == got["MESSAGE_ID"]  # 128-bit id, 32 hex digits
    assert got["DEVICECHECK_KIND"] == kind
    assert got["DEVICECHECK_EVENT_ID"] == str(spec.event_id)
    assert got["SYSLOG_IDENTIFIER"] == "devicecheck"
    assert got["PRIORITY"] == ("4" if spec.level == "warning" else "6")
    assert got["DEVICECHECK_ACCOUNT"] == "officer1" and got["MESSAGE"].endswith("Account: officer1.")
    assert "DEVICECHECK_WITHHELD" not in got  # every field of a real record is allowed
    for key in rec:
        assert f"DEVICECHECK_{key.upper()}" in got, key
    assert json.loads(got["DEVICECHECK_RECORD"]) == rec


def test_values_render_the_same_way(journal: DatagramServer) -> None:
    JournaldWriter(str(journal.path)).write(to_event(SAMPLE_RECORDS["clean"]))
    got = decode(journal.receive())
    assert got["DEVICECHECK_CLIENTS"] == "teams-new,teams-classic"
    assert got["DEVICECHECK_REMOVED_FILES"] == "14"
    assert got["DEVICECHECK_COOKIES"] == "false"
    assert got["DEVICECHECK_REFUSED"] == ""
    assert json.loads(got["DEVICECHECK_SKIPPED"]) == {"changed since plan": 1}
    assert got["MESSAGE"].startswith("Teams meeting data cleared: 14 files")


def test_through_the_audit_log(journal: DatagramServer, tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "d" / "audit.jsonl", os_log=LinuxWriter(JournaldWriter(str(journal.path))))
    rec = log.record("meeting-ended", duration_s=1800, sources=["log", "audio"])
    got = decode(journal.receive())
    assert got["DEVICECHECK_DURATION_S"] == "1800" and got["DEVICECHECK_TIME"] == rec["time"]
    assert log.os_log_error is None and [r["kind"] for r in log.read()] == ["meeting-ended"]


def test_falls_back_to_syslog_where_no_journal(short_dir: Path) -> None:
    syslog = DatagramServer(short_dir / "log")
    try:
        writer = LinuxWriter(JournaldWriter(str(short_dir / "no-journal")), SyslogWriter(str(syslog.path)))
        assert writer.probe() is None and writer.target == f"syslog ({syslog.path})"
        writer.write(to_event(SAMPLE_RECORDS["recording-alert"]))
        line = syslog.receive().decode()
    finally:
        syslog.close()
    # RFC 3164: <PRI> = authpriv(10) * 8 + warning(4) = 84; then "Mmm dd hh:mm:ss tag[pid]: "
    assert line.startswith("<84>")
    assert " devicecheck[" in line and "]: DEVICECHECK event_id=1005 kind=recording-alert " in line
    assert "\n" not in line
    assert json.loads(line[line.index("{"):]) == SAMPLE_RECORDS["recording-alert"]


def test_syslog_line_format_is_pure() -> None:
    # 2026-03-05 09:07:01 local time: the day is space-padded.
    when = time.mktime((2026, 3, 5, 9, 7, 1, 0, 0, -1))
    line = format_line(to_event(SAMPLE_RECORDS["tray-start"]), now=when, pid=42).decode()
    assert line.startswith("<86>Mar  5 09:07:01 devicecheck[42]: DEVICECHECK event_id=1008 ")


def test_neither_journal_nor_syslog_is_unavailable_with_both_reasons(short_dir: Path) -> None:
    writer = LinuxWriter(JournaldWriter(str(short_dir / "j")), SyslogWriter(str(short_dir / "l")))
    reason = writer.probe()
    assert reason is not None and "no journal socket" in reason and "no syslog socket" in reason
    with pytest.raises(OsLogUnavailable, match="no journal socket"):
        writer.write(to_event(SAMPLE_RECORDS["report"]))


def test_a_dead_socket_file_is_refused_not_hung(short_dir: Path) -> None:
    server = DatagramServer(short_dir / "dead.sock")
    server.close()  # the file stays, nobody listens: journald stopped
    reason = JournaldWriter(str(short_dir / "dead.sock")).probe()
    assert reason is not None and "not running" in reason


def test_unavailable_os_log_keeps_the_local_record_and_says_so(short_dir: Path, tmp_path: Path) -> None:
    writer = LinuxWriter(JournaldWriter(str(short_dir / "j")), SyslogWriter(str(short_dir / "l")))
    log = AuditLog(tmp_path / "d" / "audit.jsonl", os_log=writer)
    log.record("clean", removed_files=1)
    assert [r["kind"] for r in log.read()] == ["clean"]
    assert log.os_log_error is not None and "no journal socket" in log.os_log_error
    status = oslog.status(None, writer)
    assert status.state == "unavailable" and "OS log is unavailable" in status.sentence()


def _journal_running() -> str | None:
    if shutil.which("journalctl") is None:
        return "journalctl is not installed"
    try:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.connect(JOURNAL_SOCKET)
        sock.close()
    except OSError as exc:
        return f"no journal runs here ({JOURNAL_SOCKET}: {exc.strerror})"
    return None


@pytest.mark.skipif(_journal_running() is not None, reason=str(_journal_running()))
def test_end_to_end_read_back_with_journalctl() -> None:
    marker = uuid.uuid4().hex[:12]
    rec = dict(SAMPLE_RECORDS["tray-start"], version=f"0.0.0+{marker}")
    JournaldWriter().write(to_event(rec))
    spec = CATALOGUE["tray-start"]
    deadline = time.monotonic() + 30
    found: dict[str, str] | None = None
    while found is None and time.monotonic() < deadline:
        out = subprocess.run(["journalctl", f"MESSAGE_ID={spec.message_id}",
                              f"DEVICECHECK_VERSION=0.0.0+{marker}", "-o", "json", "--no-pager"],
                             capture_output=True, text=True, timeout=30, check=False).stdout
        lines = [json.loads(x) for x in out.splitlines() if x.strip()]
        found = lines[-1] if lines else None
        if found is None:
            time.sleep(0.5)
    assert found is not None, "the entry never appeared in the journal"
    assert found["DEVICECHECK_KIND"] == "tray-start" and found["_UID"].isdigit()
