"""The recording alert window and the guard that raises it, driven by typed events (as the
tray's ``TeamsLink`` hands them on) and a stand-in link (the Teams link end to end is in
test_recording_e2e.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

from devicecheck.audit import AuditLog
from devicecheck.policy import LoadedPolicy
from devicecheck.teams.events import (
    MeetingEnded,
    MeetingStarted,
    RecordingStarted,
    RecordingStopped,
)
from devicecheck.ui.tray.recording_guard import RecordingGuard, attach
from devicecheck.ui.windows.recording_alert import RecordingAlert
from tests.recording.helpers import council_policy
from tests.ui.tray_helpers import as_host

START = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


class FakeMonitor(QObject):
    """The link as the guard reads it: only when its meeting started."""

    def __init__(self) -> None:
        super().__init__()
        self.meeting_started_at: datetime | None = None


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Scanner:
    """Stands in for the process scan; counts calls to prove polling stops."""

    def __init__(self) -> None:
        self.running: list[str] = []
        self.calls = 0

    def __call__(self) -> list[str]:
        self.calls += 1
        return list(self.running)


@pytest.fixture
def audit(tmp_path: Path) -> AuditLog:
    return AuditLog(tmp_path / "audit.jsonl")


@pytest.fixture
def guard_parts(qtbot: Any, audit: AuditLog) -> Iterator[tuple[RecordingGuard, FakeMonitor, Scanner, Clock]]:
    monitor, scanner, clock = FakeMonitor(), Scanner(), Clock(START)
    guard = RecordingGuard(monitor, audit, council_policy(), scan=scanner, poll_ms=30, clock=clock)
    yield guard, monitor, scanner, clock
    guard.stop()
    if guard.dialog is not None:
        guard.dialog.close()


def records(audit: AuditLog) -> list[dict[str, Any]]:
    return [r for r in audit.read() if r["kind"] == "recording-alert"]


def test_alert_says_what_happens_the_rule_and_what_to_do(qtbot: Any) -> None:
    alert = RecordingAlert()
    qtbot.addWidget(alert)
    alert.show()
    assert alert.heading.text() == "Warning: this call is being recorded"
    assert "Microsoft Teams reports that this call is being recorded." in alert.what.text()
    assert "The council does not allow" in alert.rule.text()
    assert alert.steps.text().startswith("1. Stop the recording now")
    assert alert.isModal() is False
    assert alert.windowFlags() & Qt.WindowType.WindowStaysOnTopHint


def test_every_control_has_an_accessible_name(qtbot: Any) -> None:
    alert = RecordingAlert("process", ["obs"])
    qtbot.addWidget(alert)
    alert.show()
    widgets = [w for w in alert.findChildren(QWidget) if isinstance(w, QLabel | QAbstractButton)]
    assert len(widgets) >= 7
    for w in widgets:
        assert w.accessibleName().strip(), f"{type(w).__name__} {getattr(w, 'text', lambda: '')()!r}"
    assert alert.accessibleDescription().startswith("Warning: recording software")


@pytest.mark.parametrize("key", [Qt.Key.Key_Escape, Qt.Key.Key_Return, Qt.Key.Key_Space])
def test_keyboard_dismisses(qtbot: Any, key: Qt.Key) -> None:
    alert = RecordingAlert()
    qtbot.addWidget(alert)
    alert.show()
    qtbot.waitExposed(alert)
    alert.activateWindow()
    assert alert.dismiss_button.hasFocus() or alert.focusWidget() is alert.dismiss_button
    with qtbot.waitSignal(alert.dismissed, timeout=1000):
        target = alert.dismiss_button if key == Qt.Key.Key_Space else alert
        qtbot.keyClick(target, key)
    assert not alert.isVisible()


def test_alert_stays_until_dismissed(qtbot: Any) -> None:
    alert = RecordingAlert()
    qtbot.addWidget(alert)
    alert.show()
    qtbot.wait(300)
    assert alert.isVisible()


def test_recording_started_in_a_meeting_alerts_and_audits_duration(qtbot: Any, audit: AuditLog,
                                                                   guard_parts: Any) -> None:
    guard, monitor, _scanner, clock = guard_parts
    monitor.meeting_started_at = START
    guard.on_event(MeetingStarted())
    clock.now = START + timedelta(minutes=12, seconds=5)
    with qtbot.waitSignal(guard.alerted, timeout=1000) as sig:
        guard.on_event(RecordingStarted())
    assert sig.args[0] == "teams"
    assert guard.dialog is not None and guard.dialog.isVisible()
    [rec] = records(audit)
    assert rec["source"] == "teams" and rec["meeting_seconds"] == 725
    assert set(rec) == {"time", "kind", "account", "source", "meeting_seconds"}


def test_duration_falls_back_to_the_guards_own_meeting_start(qtbot: Any, audit: AuditLog,
                                                            guard_parts: Any) -> None:
    guard, monitor, _scanner, clock = guard_parts
    guard.on_event(MeetingStarted())  # monitor.meeting_started_at stays None
    clock.now = START + timedelta(seconds=90)
    guard.on_event(RecordingStarted())
    assert records(audit)[0]["meeting_seconds"] == 90


def test_polls_only_in_a_meeting_and_alerts_once_per_program(qtbot: Any, audit: AuditLog,
                                                            guard_parts: Any) -> None:
    guard, monitor, scanner, _clock = guard_parts
    qtbot.wait(100)
    assert scanner.calls == 0 and not guard.timer.isActive()
    guard.on_event(MeetingStarted())
    qtbot.waitUntil(lambda: scanner.calls >= 2, timeout=1000)
    assert records(audit) == []
    scanner.running = ["obs"]
    with qtbot.waitSignal(guard.alerted, timeout=1000) as sig:
        pass
    assert sig.args[0] == "process" and sig.args[1]["programs"] == ["obs"]
    assert guard.dialog is not None and "obs" in guard.dialog.what.text()
    calls = scanner.calls
    qtbot.waitUntil(lambda: scanner.calls >= calls + 3, timeout=1000)
    assert len(records(audit)) == 1  # still running: no repeat
    guard.on_event(MeetingEnded())
    assert not guard.timer.isActive()
    calls = scanner.calls
    qtbot.wait(150)
    assert scanner.calls == calls


def test_teams_and_program_reasons_share_one_window(qtbot: Any, audit: AuditLog,
                                                    guard_parts: Any) -> None:
    guard, monitor, scanner, _clock = guard_parts
    guard.on_event(MeetingStarted())
    guard.on_event(RecordingStarted())
    first = guard.dialog
    scanner.running = ["kazam"]
    qtbot.waitUntil(lambda: len(records(audit)) == 2, timeout=1000)
    assert guard.dialog is first
    assert first is not None
    assert first.heading.text() == "Warning: this call is being recorded"
    assert "kazam" in first.what.text() and "Microsoft Teams reports" in first.what.text()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="copies /bin/sleep")
def test_real_recorder_starting_in_a_meeting_raises_the_alert(qtbot: Any, audit: AuditLog,
                                                              tmp_path: Path) -> None:
    monitor = FakeMonitor()
    guard = RecordingGuard(monitor, audit, council_policy(), poll_ms=50)
    guard.on_event(MeetingStarted())
    qtbot.wait(120)
    assert records(audit) == []
    exe = tmp_path / "simplescreenrecorder"
    shutil.copy("/bin/sleep", exe)
    proc = subprocess.Popen([str(exe), "30"])
    try:
        with qtbot.waitSignal(guard.alerted, timeout=3000) as sig:
            pass
        assert sig.args[1]["programs"] == ["simplescreenrecorder"]
        assert guard.dialog is not None and guard.dialog.isVisible()
    finally:
        proc.kill()
        proc.wait()
        guard.stop()
        if guard.dialog is not None:
            guard.dialog.close()


class FakeApp(QObject):
    def __init__(self, audit: AuditLog, monitor: FakeMonitor | None) -> None:
        super().__init__()
        self.loaded = LoadedPolicy(council_policy())
        self.audit, self.monitor = audit, monitor


def test_attach_guards_the_apps_monitor(qtbot: Any, audit: AuditLog) -> None:
    app = FakeApp(audit, FakeMonitor())
    guard = attach(as_host(app))
    assert guard is not None and guard.parent() is app and guard.source is app.monitor
    guard.on_event(RecordingStarted())
    assert records(audit)[0]["source"] == "teams"
    assert guard.dialog is not None
    guard.dialog.close()


def test_attach_without_teams_link_does_nothing(qtbot: Any, audit: AuditLog) -> None:
    assert attach(as_host(FakeApp(audit, None))) is None


def test_recording_stopped_is_noted_in_the_open_alert(qtbot: Any, guard_parts: Any) -> None:
    guard, monitor, _scanner, _clock = guard_parts
    guard.on_event(MeetingStarted())
    guard.on_event(RecordingStarted())
    assert guard.dialog is not None and guard.dialog.status.isHidden()
    guard.on_event(RecordingStopped())
    assert not guard.dialog.status.isHidden()
    assert "Teams reports the recording stopped at" in guard.dialog.status.text()
    assert guard.dialog.isVisible()  # still waits to be dismissed


def test_alert_shows_even_when_the_audit_log_cannot_be_written(qtbot: Any,
                                                               tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monitor = FakeMonitor()
    guard = RecordingGuard(monitor, AuditLog(blocker / "audit.jsonl"), council_policy(),
                           scan=Scanner())
    with qtbot.waitSignal(guard.alerted, timeout=1000) as sig:
        guard.on_event(RecordingStarted())
    assert sig.args[1]["audit_failed"] is True
    assert guard.dialog is not None and guard.dialog.isVisible()
    guard.dialog.close()


def test_guard_created_mid_meeting_starts_watching(qtbot: Any, audit: AuditLog) -> None:
    monitor = FakeMonitor()
    monitor.in_meeting = True  # type: ignore[attr-defined]
    scanner = Scanner()
    guard = RecordingGuard(monitor, audit, council_policy(), scan=scanner, poll_ms=30)
    assert guard.timer.isActive()
    qtbot.waitUntil(lambda: scanner.calls >= 1, timeout=1000)
    guard.stop()


def test_attached_guard_follows_a_reloaded_policy(qtbot: Any, audit: AuditLog) -> None:
    app = FakeApp(audit, FakeMonitor())
    guard = attach(as_host(app))
    assert guard is not None
    assert "council-capture" not in guard.policy.recorders()
    app.loaded = LoadedPolicy(council_policy(extra_recorders=("council-capture",)))
    assert "council-capture" in guard.policy.recorders()


# -- issue 18: the meeting window's recording indicator (source "window") ----------------
class WindowMonitor(FakeMonitor):
    """A link with a window source that saw the indicator, and a recording status."""

    def __init__(self) -> None:
        super().__init__()
        from devicecheck.teams.a11y.base import Match

        self.sources = {"window": type("W", (), {"seen": Match("label", "Recording")})()}
        self.status: dict[str, Any] = {"status": "recording", "reason": None}

    def recording_status(self) -> dict[str, Any]:
        return self.status


def test_window_indicator_alert_says_what_was_seen_and_what_to_do(qtbot: Any,
                                                                  audit: AuditLog) -> None:
    monitor = WindowMonitor()
    guard = RecordingGuard(monitor, audit, council_policy(), scan=Scanner(), poll_ms=30,
                           clock=Clock(START))
    guard.on_event(MeetingStarted())
    with qtbot.waitSignal(guard.alerted, timeout=1000) as sig:
        guard.on_event(RecordingStarted(("window",)))
    assert sig.args[0] == "window"
    dialog = guard.dialog
    assert dialog is not None and dialog.isVisible()
    assert 'shows "Recording"' in dialog.what.text()
    assert "Stop the call now, or ask the organiser to stop the recording" in \
        dialog.steps.text()
    assert dialog.heading.text() == "Warning: this call is being recorded"
    [rec] = records(audit)
    # Audited without titles or names: the source, the duration and the role seen only.
    assert set(rec) == {"time", "kind", "account", "source", "meeting_seconds", "seen_role"}
    assert rec["source"] == "window" and rec["seen_role"] == "label"
    assert "Recording" not in str(rec)

    monitor.status = {"status": "unknown", "reason": "Teams has no window open"}
    guard.on_event(RecordingStopped(("window",)))
    assert "can no longer see" in dialog.status.text()
    assert "Teams has no window open" in dialog.status.text()
    monitor.status = {"status": "not-recording", "reason": None}
    guard.on_event(RecordingStopped(("window",)))
    assert "recording stopped at" in dialog.status.text()
    guard.stop()
    dialog.close()


def test_window_and_api_together_give_one_window_with_both(qtbot: Any, audit: AuditLog) -> None:
    monitor = WindowMonitor()
    guard = RecordingGuard(monitor, audit, council_policy(), scan=Scanner(), poll_ms=30,
                           clock=Clock(START))
    guard.on_event(RecordingStarted(("api", "window")))
    assert [r["source"] for r in records(audit)] == ["window", "teams"]
    assert guard.dialog is not None and len(guard.dialog.reasons) == 2
    guard.stop()
    guard.dialog.close()


def test_alert_has_its_own_red_look_and_icon(qtbot: Any) -> None:
    """Issue 19: the alert wore the amber "attention" triangle of the device checks."""
    from PySide6.QtGui import QColor

    from devicecheck.qtsupport.icons import recording_alert_icon, status_icon
    from devicecheck.qtsupport.style import TONES

    alert = RecordingAlert()
    qtbot.addWidget(alert)
    alert.show()
    qtbot.waitExposed(alert)
    assert alert.banner.tone() == "recording"
    shown = alert.banner.icon.pixmap().toImage()
    own = recording_alert_icon().pixmap(48, 48).toImage()
    attention = status_icon("warn").pixmap(48, 48).toImage()
    assert shown == own.scaled(shown.size()) and shown != attention.scaled(shown.size())
    # The banner is painted red, with the heading in white on it.
    grab = alert.banner.grab().toImage()
    centre = grab.pixelColor(grab.width() - 6, grab.height() // 2)
    assert centre == QColor(TONES["recording"][0])
    assert alert.heading.palette().color(alert.heading.foregroundRole()) == QColor("#ffffff")
    assert alert.heading.accessibleName() == "Warning: this call is being recorded"


def test_alert_is_announced_as_an_alert(qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtGui import QAccessible

    events: list[QAccessible.Event] = []
    monkeypatch.setattr(QAccessible, "updateAccessibility",
                        lambda event: events.append(event.type()))
    alert = RecordingAlert()
    qtbot.addWidget(alert)
    alert.show()
    assert QAccessible.Event.Alert in events


def test_alert_fits_a_small_screen_with_the_button_on_it(qtbot: Any) -> None:
    from PySide6.QtCore import QPoint

    from devicecheck.qtsupport.screen_fit import SHARE, available_area, inside
    from devicecheck.recording.alerts import SOURCE_TEAMS

    alert = RecordingAlert(SOURCE_TEAMS)
    alert.add_reason("process", ["obs", "simplescreenrecorder", "kazam"])
    qtbot.addWidget(alert)
    alert.show()
    qtbot.waitExposed(alert)
    area = available_area(alert)
    assert area is not None
    assert alert.width() <= area.width() * SHARE and alert.height() <= area.height() * SHARE
    b = alert.dismiss_button
    assert inside(b.rect().translated(b.mapToGlobal(QPoint(0, 0))), area)
    body = alert.body.widget()
    assert body is not None and not body.isAncestorOf(b)  # the button never scrolls away

