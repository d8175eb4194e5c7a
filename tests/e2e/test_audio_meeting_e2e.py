"""End to end with a real audio server: a private PulseAudio (tests/e2e/pulse.py), the
real ``pactl`` and a real ``TeamsMonitor`` running only the ``audio`` source.

Stand-ins (why they are faithful): PulseAudio names a stream's process by the PID and
executable libpulse reports (``application.process.id``/``.binary``: teams/pactl.py), so
a copy of ``pacat`` named ``teams-for-linux`` recording from the null sink's monitor is,
to the server, a capture stream of that program. Electron opens audio in a *helper*
process whose executable name can be anything: the second stand-in is a shell named
``teams-for-linux`` whose child ``pacat`` captures (found through its parent). A copy of
``pacat`` named ``chromium`` is a browser capturing (catalogue: teams-web on Linux).
The process finder is limited to this test's own children (tests/teams/conftest.py).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from devicecheck.audit import AuditLog
from devicecheck.policy import Policy
from devicecheck.policy.model import TeamsPolicy
from devicecheck.teams.monitor import TeamsMonitor
from tests.e2e.pulse import PrivatePulse, PulseUnavailable, capture_argv, pacat
from tests.teams.conftest import own_find

GRACE_S = 1
WAIT_MS = 30_000


@pytest.fixture(scope="module")
def pulse() -> Iterator[PrivatePulse]:
    server = PrivatePulse()
    try:
        server.start()
    except PulseUnavailable as exc:
        pytest.skip(f"the audio server cannot start here: {exc}")
    yield server
    server.stop()


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "bin"
    folder.mkdir()
    return folder


class Procs:
    """Child processes started by a test, each in its own process group, all killed."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.items: list[subprocess.Popen[bytes]] = []

    def start(self, argv: list[str]) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(argv, env=self.env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        self.items.append(proc)
        return proc

    @staticmethod
    def kill(proc: subprocess.Popen[bytes]) -> None:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def close(self) -> None:
        for proc in self.items:
            self.kill(proc)


@pytest.fixture
def procs(pulse: PrivatePulse) -> Iterator[Procs]:
    p = Procs(pulse.env)
    yield p
    p.close()


def copy_as(name: str, folder: Path) -> Path:
    exe = pacat()
    if exe is None:
        pytest.skip("needs pacat/parecord (Debian: pulseaudio-utils)")
    dest = folder / name
    shutil.copy2(os.path.realpath(exe), dest)   # a copy: libpulse reports this name
    return dest


class Events:
    def __init__(self, monitor: TeamsMonitor) -> None:
        self.items: list[tuple[str, dict[str, Any]]] = []
        monitor.teamsEvent.connect(lambda n, d: self.items.append((n, d)))

    def named(self, name: str) -> list[dict[str, Any]]:
        return [d for n, d in self.items if n == name]


def make_monitor(pulse: PrivatePulse, tmp_path: Path) -> TeamsMonitor:
    policy = replace(Policy(), teams=TeamsPolicy(meeting_end_grace_seconds=GRACE_S))
    return TeamsMonitor(policy, sources=["audio"], client_ids=["teams-for-linux"],
                        os_name="linux", find=own_find, env=pulse.env, auto_clean=False,
                        audit=AuditLog(tmp_path / "audit.jsonl"), process_poll_ms=200,
                        idle_rescan_s=0.2, busy_rescan_s=0.5)


def source_notes(monitor: TeamsMonitor) -> list[str]:
    return list(monitor.sources["audio"].last.notes)


def test_teams_capture_starts_and_ends_a_meeting(qtbot: Any, pulse: PrivatePulse,
                                                  procs: Procs, bin_dir: Path,
                                                  tmp_path: Path) -> None:
    teams = copy_as("teams-for-linux", bin_dir)
    monitor = make_monitor(pulse, tmp_path)
    assert "audio" in monitor.sources, monitor.unavailable
    events = Events(monitor)
    monitor.start()
    try:
        stream = procs.start(capture_argv(teams))
        qtbot.waitUntil(lambda: bool(events.named("meeting-started")), timeout=WAIT_MS)
        started = events.named("meeting-started")[0]
        assert started["source"] == "audio"
        assert started["clients"] == ["teams-for-linux"]

        procs.kill(stream)   # the stream closes (and this client exits)
        qtbot.waitUntil(lambda: bool(events.named("meeting-ended")), timeout=WAIT_MS)
        assert events.named("meeting-ended")[0]["sources"] == ["audio"]
    finally:
        monitor.stop()


def test_a_helper_process_capture_counts_for_its_parent_client(
        qtbot: Any, pulse: PrivatePulse, procs: Procs, bin_dir: Path, tmp_path: Path) -> None:
    sh = shutil.which("sh")
    assert sh, "a POSIX shell is needed"
    client = bin_dir / "teams-for-linux"
    shutil.copy(sh, client)    # the "main process": its file is named teams-for-linux
    helper = pacat()
    assert helper
    # The helper is plain pacat: its binary name says nothing, only its parent does. It
    # starts once the test says so (a file appears), after the source is listening, so
    # only a server event can bring it to our notice.
    go = tmp_path / "go"
    script = ('while [ ! -e "$2" ]; do sleep 0.1; done; '
              '"$0" --record -d "$1" /dev/null & sleep 600 & wait')
    monitor = make_monitor(pulse, tmp_path)
    events = Events(monitor)
    monitor.start()
    try:
        teams = procs.start([str(client), "-c", script, helper, "dcnull.monitor", str(go)])
        qtbot.waitUntil(lambda: bool(events.named("teams-started")), timeout=WAIT_MS)
        audio = monitor.sources["audio"]
        qtbot.waitUntil(lambda: getattr(audio, "proc", None) is not None, timeout=WAIT_MS)
        qtbot.wait(500)                           # pactl subscribe connects to the server
        assert not events.named("meeting-started")
        go.touch()
        qtbot.waitUntil(lambda: bool(events.named("meeting-started")), timeout=WAIT_MS)
        assert events.named("meeting-started")[0]["source"] == "audio"

        import psutil

        capturing = [p for p in psutil.Process(teams.pid).children()
                     if os.path.basename(p.exe()) == os.path.basename(os.path.realpath(helper))]
        assert capturing, "the helper pacat should be running"
        t_closed = time.monotonic()
        for p in capturing:
            p.kill()                              # the stream closes; the client still runs
        qtbot.waitUntil(lambda: bool(events.named("meeting-ended")), timeout=WAIT_MS)
        assert time.monotonic() - t_closed >= GRACE_S - 0.1   # only after the grace period
        assert teams.poll() is None and not events.named("teams-exited")
    finally:
        monitor.stop()


def test_a_browser_capturing_is_reported_not_a_meeting(qtbot: Any, pulse: PrivatePulse,
                                                        procs: Procs, bin_dir: Path,
                                                        tmp_path: Path) -> None:
    sleep = shutil.which("sleep")
    assert sleep
    shutil.copy(sleep, bin_dir / "teams-for-linux")  # Teams runs, in no call
    browser = copy_as("chromium", bin_dir)
    monitor = make_monitor(pulse, tmp_path)
    events = Events(monitor)
    monitor.start()
    try:
        procs.start([str(bin_dir / "teams-for-linux"), "600"])
        qtbot.waitUntil(lambda: bool(events.named("teams-started")), timeout=WAIT_MS)
        procs.start(capture_argv(browser))
        qtbot.waitUntil(lambda: any("browser (chromium)" in n for n in source_notes(monitor)),
                        timeout=WAIT_MS)
        qtbot.wait(GRACE_S * 1000)                    # time for a wrong start to show
        assert not events.named("meeting-started")
        assert not monitor.in_meeting
    finally:
        monitor.stop()
