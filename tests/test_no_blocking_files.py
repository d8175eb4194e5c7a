"""Issue 29 #5: a FIFO (or a held lock) at the path of one of our files must never hang
DeviceCheck. Each test plants the FIFO and runs the real code path against a deadline:
the CLI commands as real subprocesses (``subprocess.run`` kills them at the limit, so a
regression fails instead of hanging the suite), the tray's path in a thread joined with
a timeout. The OS-log copy must still be sent.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from devicecheck import paths, safefile
from devicecheck.audit import AuditLog, AuditPathError
from devicecheck.oslog import MemoryWriter
from tests.test_oslog_journald import decode

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")

LIMIT_S = 5.0
#: The CLI as a real process whose OS-log copy goes to a journal socket of the test's
#: (this machine may have no journald; the real writer speaks the native protocol).
DRIVER = """
import sys
from devicecheck import oslog
from devicecheck.oslog.journald import JournaldWriter
oslog.writer_factory = lambda: JournaldWriter(sys.argv[1])
from devicecheck.cli import main
sys.exit(main(sys.argv[2:]))
"""


def within(seconds: float, fn: Callable[[], Any]) -> tuple[float, Any]:
    """Run ``fn`` in a daemon thread; fail (not hang) when it has not ended in time."""
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            out["error"] = exc

    t0 = time.monotonic()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still blocked after {seconds} s"
    elapsed = time.monotonic() - t0
    if "error" in out:
        raise out["error"]
    return elapsed, out.get("value")


@pytest.fixture
def audit_fifo() -> Path:
    path = paths.audit_log_path()
    path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
    os.mkfifo(path, 0o600)
    return path


@pytest.fixture
def journal() -> Iterator[tuple[str, socket.socket]]:
    d = tempfile.mkdtemp(prefix="dc-j-", dir="/tmp")   # AF_UNIX paths are short
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(f"{d}/journal.sock")
    sock.settimeout(0.5)
    yield f"{d}/journal.sock", sock
    sock.close()
    shutil.rmtree(d, ignore_errors=True)


def received(sock: socket.socket) -> list[dict[str, str]]:
    events = []
    while True:
        try:
            events.append(decode(sock.recv(1 << 20)))
        except TimeoutError:
            return events


def run_cli(journal_path: str, *args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    t0 = time.monotonic()
    done = subprocess.run([sys.executable, "-c", DRIVER, journal_path, *args],
                          capture_output=True, text=True, timeout=LIMIT_S * 4,
                          stdin=subprocess.DEVNULL)
    return time.monotonic() - t0, done


# -- the shared helper ---------------------------------------------------------------
def test_safefile_refuses_a_fifo_at_once_for_reading_and_writing(tmp_path: Path) -> None:
    fifo = tmp_path / "f"
    os.mkfifo(fifo)
    for flags in (os.O_RDONLY, os.O_WRONLY, os.O_RDWR, os.O_WRONLY | os.O_APPEND):
        def attempt(f: int = flags) -> str:
            try:
                os.close(safefile.open_regular(fifo, f))
            except safefile.NotRegularFile as exc:
                return str(exc.strerror)
            return "opened"

        elapsed, why = within(2, attempt)
        assert elapsed < 1 and why == "not a regular file (a FIFO)"
    with pytest.raises(safefile.NotRegularFile, match="a FIFO"):
        safefile.read_regular(fifo, 100)
    with pytest.raises(safefile.NotRegularFile, match="a folder"):
        safefile.read_regular(tmp_path, 100)
    (tmp_path / "real").write_bytes(b"x" * 10)
    os.symlink(tmp_path / "real", tmp_path / "link")
    with pytest.raises(OSError) as exc:
        safefile.read_regular(tmp_path / "link", 100)
    assert not isinstance(exc.value, safefile.NotRegularFile)   # ELOOP: a link
    assert safefile.read_regular(tmp_path / "link", 100, follow_links=True) == b"x" * 10
    assert safefile.read_regular(tmp_path / "real", 4) == b"xxxxx"   # limit + 1


# -- the audit log -------------------------------------------------------------------
def test_audit_record_over_a_fifo_is_refused_quickly_and_still_reaches_the_os_log(
        audit_fifo: Path) -> None:
    writer = MemoryWriter()
    log = AuditLog(audit_fifo, os_log=writer, limiter=None)

    def record() -> str:
        with pytest.raises(AuditPathError) as exc:
            log.record("clean", removed_files=1)
        return str(exc.value)

    elapsed, message = within(LIMIT_S, record)
    assert elapsed < 1 and "not a regular file (a FIFO)" in message
    assert [e.kind for e in writer.events] == ["clean"]
    _, records = within(LIMIT_S, lambda: list(log.read()))
    assert records == [] and log.unreadable() == [f"{audit_fifo}: not a regular file (a FIFO)"]


def test_a_rotated_fifo_and_a_fifo_lock_file_do_not_block(tmp_path: Path) -> None:
    folder = tmp_path / "dc"
    folder.mkdir(mode=0o700)
    log = AuditLog(folder / "audit.jsonl", os_log=MemoryWriter(), limiter=None)
    os.mkfifo(folder / "audit.jsonl.1")
    elapsed, _ = within(LIMIT_S, lambda: log.record("clean", removed_files=1))
    assert elapsed < 1 and [r["kind"] for r in log.read()] == ["clean"]
    os.mkfifo(folder / "audit.jsonl.lock.x")
    os.replace(folder / "audit.jsonl.lock.x", folder / "audit.jsonl.lock")
    writer = MemoryWriter()
    log2 = AuditLog(folder / "audit.jsonl", os_log=writer, limiter=None)
    with pytest.raises(AuditPathError, match="a FIFO"):
        within(LIMIT_S, lambda: log2.record("clean", removed_files=2))
    assert [e.kind for e in writer.events] == ["clean"]


def test_a_lock_held_for_good_costs_two_seconds_not_forever(tmp_path: Path) -> None:
    import fcntl

    from devicecheck import audit as audit_mod

    folder = tmp_path / "dc"
    folder.mkdir(mode=0o700)
    lock = folder / "audit.jsonl.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, os, sys, time\n"
         "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)\n"
         "fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)",
         str(lock)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        writer = MemoryWriter()
        log = AuditLog(folder / "audit.jsonl", os_log=writer, limiter=None)
        t0 = time.monotonic()
        with pytest.raises(TimeoutError, match="held by another process"):
            within(audit_mod.LOCK_WAIT_S + 3, lambda: log.record("clean"))
        assert time.monotonic() - t0 < audit_mod.LOCK_WAIT_S + 1
        assert [e.kind for e in writer.events] == ["clean"]
    finally:
        holder.kill()
        holder.wait()
    fd = os.open(lock, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)   # released with its holder
    os.close(fd)


# -- the CLI, as real processes ------------------------------------------------------
def test_check_with_an_audit_fifo_returns_within_5s_and_the_os_log_copy_is_sent(
        audit_fifo: Path, journal: tuple[str, socket.socket]) -> None:
    path, sock = journal
    elapsed, done = run_cli(path, "check")
    assert elapsed < LIMIT_S, (elapsed, done.stderr)
    assert done.returncode in (0, 1), done.stderr
    assert "could not write the audit log" in done.stderr
    assert f"{audit_fifo} is not a regular file (a FIFO)" in done.stderr
    events = received(sock)
    assert [e["DEVICECHECK_KIND"] for e in events] == ["report"]
    assert stat_is_fifo(audit_fifo)   # left alone: not ours to delete


def stat_is_fifo(path: Path) -> bool:
    import stat

    return stat.S_ISFIFO(os.lstat(path).st_mode)


def test_clean_yes_with_an_audit_fifo_returns_within_5s_and_the_os_log_copy_is_sent(
        audit_fifo: Path, journal: tuple[str, socket.socket]) -> None:
    path, sock = journal
    elapsed, done = run_cli(path, "clean", "--yes")
    assert elapsed < LIMIT_S, (elapsed, done.stderr)
    assert "not a regular file (a FIFO)" in done.stdout + done.stderr
    assert [e["DEVICECHECK_KIND"] for e in received(sock)] == ["clean"]


def test_log_with_an_audit_fifo_says_so_within_5s(
        audit_fifo: Path, journal: tuple[str, socket.socket]) -> None:
    path, _ = journal
    AuditLog(audit_fifo.with_name("audit.jsonl.1"), os_log=None, limiter=None).record(
        "clean", removed_files=4)
    elapsed, done = run_cli(path, "log")
    assert elapsed < LIMIT_S, (elapsed, done.stderr)
    assert done.returncode == 1
    assert "removed_files=4" in done.stdout          # what could be read is shown
    assert (f"devicecheck: part of the audit log was not read: {audit_fifo}: "
            "not a regular file (a FIFO)") in done.stderr


def test_a_fifo_as_the_policy_file_is_an_error_not_a_hang(
        tmp_path: Path, journal: tuple[str, socket.socket]) -> None:
    fifo = tmp_path / "policy.toml"
    os.mkfifo(fifo)
    elapsed, done = run_cli(journal[0], "policy", "show", "--policy", str(fifo))
    assert elapsed < LIMIT_S and "not a regular file (a FIFO)" in done.stdout + done.stderr


# -- the tray's main thread: the code path it writes reports through ---------------------
def test_the_tray_report_record_over_a_fifo_does_not_block(audit_fifo: Path) -> None:
    from devicecheck.policy import LoadedPolicy, Policy
    from devicecheck.report import Device, Report
    from devicecheck.ui.tray.report_audit import ReportAudit

    audit = AuditLog.for_policy(Policy())
    assert isinstance(audit.os_log, MemoryWriter)
    tray_audit = ReportAudit(lambda: audit, lambda: False)
    report = Report(Device("host", "linux", "6.1"), LoadedPolicy(), [])
    elapsed, written = within(LIMIT_S, lambda: tray_audit.record(report, "start"))
    assert elapsed < 1 and written is False
    assert [e.kind for e in audit.os_log.events] == ["report"]


# -- the other files in the officer's folder -----------------------------------------
def test_first_seen_dates_token_and_notice_over_fifos(tmp_path: Path) -> None:
    from datetime import date

    from devicecheck.advisory_dates import FirstSeenStore
    from devicecheck.notice import load_notice
    from devicecheck.policy import Policy
    from devicecheck.teams.token import TokenStore

    first_seen = tmp_path / "advisory-first-seen.json"
    os.mkfifo(first_seen)
    _, loaded = within(LIMIT_S, lambda: FirstSeenStore(first_seen).load(date(2026, 3, 1)))
    assert loaded == ({}, False)

    token = tmp_path / "teams-token"
    os.mkfifo(token)
    os.mkfifo(tmp_path / "teams-token.tmp")   # the temp file too: removed, not opened
    store = TokenStore(token)
    _, value = within(LIMIT_S, store.load)
    assert value == ""
    _, saved = within(LIMIT_S, lambda: store.save("abc-123"))
    assert saved is True and store.load() == "abc-123"

    notice = tmp_path / "notice.md"
    os.mkfifo(notice)
    from dataclasses import replace

    policy = Policy()
    policy = replace(policy, notice=replace(policy.notice, file=str(notice)))
    _, shown = within(LIMIT_S, lambda: load_notice(policy))
    assert shown.is_built_in and "not a regular file (a FIFO)" in (shown.problem or "")

