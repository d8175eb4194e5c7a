"""End to end on a real accessibility bus: the recording source (``window``) reads a
stand-in Teams meeting window (tests/helpers/fake_meeting_window.py: a Qt window in a
process named ``teams-for-linux`` on Xvfb, exposed over AT-SPI) through a real
``TeamsMonitor``; a scripted source starts and ends the meeting.

What is checked: nothing is read outside the meeting; the "Recording" label appearing
gives ``recording-started`` (source ``window``) within 5 s and its removal
``recording-stopped`` within 5 s (one walk every 3 s); the chat's text area and list item
saying "Recording" never count; without an accessibility bus the status is ``unknown``
with the reason, never "not recording".
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

import pytest

from devicecheck.audit import AuditLog
from devicecheck.policy import Policy
from devicecheck.policy.model import TeamsPolicy
from devicecheck.teams.monitor import TeamsMonitor
from devicecheck.teams.sources.base import CLEAR, Reading, SignalSource
from devicecheck.teams.sources.window import WindowSource
from tests.helpers.fake_meeting_window import (
    A11ySession,
    wait_ready,
    window_argv,
    window_env,
)
from tests.teams.conftest import own_find

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CLIENT = "teams-for-linux"
WITHIN_MS = 5000       # the bound for recording-started / -stopped
WAIT_MS = 30_000


class ScriptedMeeting(SignalSource):
    """The meeting comes from the test: ``ScriptedMeeting.current.emit(...)``."""

    name = "script"
    current: ClassVar[ScriptedMeeting | None] = None

    def __init__(self, ctx: Any, emit: Any) -> None:
        super().__init__(ctx, emit)
        ScriptedMeeting.current = self


class Events:
    def __init__(self, monitor: TeamsMonitor) -> None:
        self.items: list[tuple[str, dict[str, Any]]] = []
        monitor.teamsEvent.connect(lambda n, d: self.items.append((n, d)))

    def named(self, name: str) -> list[dict[str, Any]]:
        return [d for n, d in self.items if n == name]


@pytest.fixture
def meeting_window(session: A11ySession, xvfb_display: str,
                   tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    ready = tmp_path / "window.ready"
    proc = subprocess.Popen(window_argv(ready), env=window_env(session, xvfb_display),
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        wait_ready(ready)
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


def command(proc: subprocess.Popen[str], word: str) -> None:
    assert proc.stdin is not None
    proc.stdin.write(word + "\n")
    proc.stdin.flush()


def make_monitor(tmp_path: Path, env: dict[str, str]) -> TeamsMonitor:
    policy = replace(Policy(), teams=TeamsPolicy(meeting_end_grace_seconds=1))
    return TeamsMonitor(policy, sources=[ScriptedMeeting, WindowSource], client_ids=[CLIENT],
                        os_name="linux", find=own_find, env=env, auto_clean=False,
                        audit=AuditLog(tmp_path / "audit.jsonl"), process_poll_ms=200,
                        idle_rescan_s=0.2, busy_rescan_s=0.5)


def window_source(monitor: TeamsMonitor) -> WindowSource:
    source = monitor.sources["window"]
    assert isinstance(source, WindowSource)
    return source


def test_indicator_in_the_meeting_window_raises_and_clears_recording(
        qtbot: Any, session: A11ySession, meeting_window: subprocess.Popen[str],
        tmp_path: Path) -> None:
    monitor = make_monitor(tmp_path, session.env)
    assert "window" in monitor.sources, monitor.unavailable
    events = Events(monitor)
    source = window_source(monitor)
    monitor.start()
    try:
        qtbot.waitUntil(lambda: CLIENT in monitor.running_clients, timeout=WAIT_MS)
        command(meeting_window, "show")        # shown before the meeting: not looked at
        qtbot.wait(500)
        assert source.walks == 0 and "window" not in monitor._active

        assert ScriptedMeeting.current is not None
        ScriptedMeeting.current.emit(Reading.of([CLIENT]))
        qtbot.waitUntil(lambda: bool(events.named("recording-started")), timeout=WITHIN_MS)
        started = events.named("recording-started")[0]
        assert started["source"] == "window"
        assert source.seen is not None and source.seen.indicator == "Recording"
        assert source.seen.role == "label"
        assert monitor.recording_status() == {"status": "recording", "reason": None}

        command(meeting_window, "hide")
        t0 = time.monotonic()
        qtbot.waitUntil(lambda: bool(events.named("recording-stopped")), timeout=WITHIN_MS)
        assert time.monotonic() - t0 <= WITHIN_MS / 1000 + 0.5
        # The chat's text area and list item still say "Recording": they do not count,
        # and the tree was read (not unknown).
        walks = source.walks
        qtbot.waitUntil(lambda: source.walks > walks, timeout=WAIT_MS)
        assert monitor.recording_status()["status"] == "not-recording"
        assert not monitor.recording
        assert source.abandoned == 0

        ScriptedMeeting.current.emit(CLEAR)
        qtbot.waitUntil(lambda: bool(events.named("meeting-ended")), timeout=WAIT_MS)
        assert "window" not in monitor._active      # stopped with the meeting
        walks = source.walks
        qtbot.wait(3500)
        assert source.walks == walks                # nothing outside meetings
    finally:
        monitor.stop()


def test_indicator_present_when_the_meeting_starts(qtbot: Any, session: A11ySession,
                                                   meeting_window: subprocess.Popen[str],
                                                   tmp_path: Path) -> None:
    command(meeting_window, "show")
    monitor = make_monitor(tmp_path, session.env)
    events = Events(monitor)
    monitor.start()
    try:
        qtbot.waitUntil(lambda: CLIENT in monitor.running_clients, timeout=WAIT_MS)
        assert ScriptedMeeting.current is not None
        ScriptedMeeting.current.emit(Reading.of([CLIENT]))
        qtbot.waitUntil(lambda: bool(events.named("recording-started")), timeout=WITHIN_MS)
        assert events.named("recording-started")[0]["sources"] == ["window"]
    finally:
        monitor.stop()


@pytest.fixture
def stand_in(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A process named teams-for-linux with no window at all (a copy of ``sleep`` under
    that name: the client is known by its executable, and a link resolves to ``sleep``)."""
    sleep = shutil.which("sleep")
    assert sleep
    exe = tmp_path / CLIENT
    shutil.copy(sleep, exe)
    proc = subprocess.Popen([str(exe), "600"])
    yield proc
    proc.kill()
    proc.wait(timeout=10)


def test_no_accessibility_bus_means_unknown_with_a_reason(
        qtbot: Any, stand_in: subprocess.Popen[bytes], tmp_path: Path) -> None:
    # No session bus address and no $XDG_RUNTIME_DIR/bus: no accessibility bus to ask.
    env = {"PATH": os.environ.get("PATH", ""), "XDG_RUNTIME_DIR": str(tmp_path)}
    monitor = make_monitor(tmp_path, env)
    events = Events(monitor)
    source = window_source(monitor)
    monitor.start()
    try:
        qtbot.waitUntil(lambda: CLIENT in monitor.running_clients, timeout=WAIT_MS)
        assert ScriptedMeeting.current is not None
        ScriptedMeeting.current.emit(Reading.of([CLIENT]))
        qtbot.waitUntil(lambda: monitor.in_meeting and source.last.notes != (),
                        timeout=WAIT_MS)
        status = monitor.recording_status()
        assert status["status"] == "unknown"
        assert "D-Bus session bus" in status["reason"]
        assert not monitor.recording_known
        assert source.snapshot()["recording"] == "unknown"
        assert not events.named("recording-started")
    finally:
        monitor.stop()
