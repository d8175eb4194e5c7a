"""The live recording alert and the in-meeting watcher that raises it.

``RecordingAlert`` is a window that stays until the officer dismisses it (a passing toast
is too easy to miss mid-call): this call is being recorded, the council does not allow
it, what to do now. ``RecordingGuard`` listens to the Teams link's ``teamsEvent`` signal:
``recording-started`` raises the alert at once; between ``meeting-started`` and
``meeting-ended`` it also looks for recording programs every few seconds (one cheap
process pass) and raises the same alert when one appears. Every alert is audited.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from devicecheck.audit import AuditLog
from devicecheck.policy import Policy
from devicecheck.recording.alerts import (
    SOURCE_PROCESS,
    SOURCE_TEAMS,
    RecorderTracker,
    alert_text,
    meeting_seconds,
    record_alert,
)
from devicecheck.recording.recorders import scan_recorders

log = logging.getLogger(__name__)

POLL_MS = 5000
DISMISS_TEXT = "I understand"

Reason = tuple[str, tuple[str, ...]]  # (source, program names)

# A thick frame on the focused button: the platform's dotted focus hint is easy to miss.
STYLE = """
QPushButton { padding: 4px 14px; border: 2px solid palette(dark); border-radius: 4px;
              background: palette(button); min-height: 1.4em; }
QPushButton:focus { border: 2px solid palette(highlight); background: palette(light); }
"""


class RecordingAlert(QDialog):
    """Stays on top until dismissed with the button, Enter or Esc. More reasons can be
    added while it is open (Teams recording *and* a program): it shows them all."""

    dismissed = Signal()

    def __init__(self, source: str = SOURCE_TEAMS, programs: Sequence[str] = (),
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reasons: list[Reason] = []
        self.setWindowTitle("DeviceCheck: recording warning")
        self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, True)
        self.setModal(False)  # the officer must still reach Teams to stop the recording
        self.setAccessibleName("Recording warning")
        self.setStyleSheet(STYLE)

        icon = QLabel(self)
        icon.setPixmap(self.style().standardIcon(
            QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(48, 48))
        icon.setAccessibleName("Warning symbol")
        self.heading = QLabel(self)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.heading.setFont(font)
        self.heading.setWordWrap(True)
        self.what = QLabel(self)
        self.rule = QLabel(self)
        steps_title = QLabel("What to do now:", self)
        steps_title.setAccessibleName("What to do now")
        bold = steps_title.font()
        bold.setBold(True)
        steps_title.setFont(bold)
        self.steps = QLabel(self)
        # Hidden until Teams reports the recording stopped, so the officer knows the
        # steps worked; the window still waits to be dismissed.
        self.status = QLabel(self)
        self.status.setAccessibleName("Recording status")
        self.status.setVisible(False)
        for label in (self.what, self.rule, self.steps, self.status):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard
                                          | Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)

        self.dismiss_button = QPushButton(DISMISS_TEXT, self)
        self.dismiss_button.setAccessibleName("I understand: close this recording warning")
        self.dismiss_button.setDefault(True)
        self.dismiss_button.setAutoDefault(True)
        self.dismiss_button.clicked.connect(self.accept)

        top = QHBoxLayout()
        top.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.heading, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.dismiss_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        for w in (self.what, self.rule, steps_title, self.steps, self.status):
            layout.addWidget(w)
        layout.addLayout(buttons)
        self.setMinimumWidth(460)
        self.finished.connect(self._on_finished)
        self.add_reason(source, programs)
        self.dismiss_button.setFocus()

    def add_reason(self, source: str, programs: Sequence[str] = ()) -> None:
        reason = (source, tuple(programs))
        if reason not in self.reasons:
            self.reasons.append(reason)
        self._render()

    def _render(self) -> None:
        texts = [alert_text(src, progs) for src, progs in self.reasons]
        # Teams itself recording is the gravest news: its heading leads when present.
        lead = next((t for (src, _), t in zip(self.reasons, texts, strict=True)
                     if src == SOURCE_TEAMS), texts[0])
        self.heading.setText(lead.heading)
        self.heading.setAccessibleName(lead.heading)
        what = " ".join(t.what for t in texts)
        self.what.setText(what)
        self.what.setAccessibleName(what)
        self.rule.setText(texts[0].rule)
        self.rule.setAccessibleName(texts[0].rule)
        steps = list(dict.fromkeys(s for t in texts for s in t.steps))
        numbered = "\n".join(f"{i}. {s}" for i, s in enumerate(steps, 1))
        self.steps.setText(numbered)
        self.steps.setAccessibleName("Steps: " + " ".join(steps))
        self.setAccessibleDescription(f"{lead.heading}. {what}")

    def note_recording_stopped(self, when: datetime) -> None:
        text = f"Update: Teams reports the recording stopped at {when.astimezone():%H:%M}."
        self.status.setText(text)
        self.status.setAccessibleName(text)
        self.status.setVisible(True)

    def _on_finished(self, _result: int) -> None:
        self.dismissed.emit()


def _utcnow() -> datetime:
    return datetime.now(UTC)


class RecordingGuard(QObject):
    """Watches one meeting at a time for recording. ``source`` is anything with the
    ``teamsEvent(str, dict)`` signal (the TeamsMonitor); when it also has
    ``meeting_started_at`` that is used for the meeting's duration so far."""

    alerted = Signal(str, dict)  # source, the audit record written

    def __init__(self, source: QObject, audit: AuditLog, policy: Policy, *,
                 scan: Callable[[], Sequence[str]] | None = None, poll_ms: int = POLL_MS,
                 clock: Callable[[], datetime] = _utcnow, show: bool = True,
                 policy_source: Callable[[], Policy] | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.source, self.audit, self._policy = source, audit, policy
        # The tray re-reads the policy before each check run; following it here means an
        # added recorder name is watched without a restart.
        self._policy_source = policy_source
        self._scan = scan or self._scan_processes
        self._clock = clock
        self._show = show
        self.in_meeting = False
        self._own_start: datetime | None = None
        self.tracker = RecorderTracker()
        self.dialog: RecordingAlert | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(poll_ms)
        self.timer.timeout.connect(self.poll)
        source.teamsEvent.connect(self.on_teams_event)  # type: ignore[attr-defined]
        if getattr(source, "in_meeting", False) is True:
            # Started (or restarted) mid-meeting: watch from now on.
            self.on_teams_event("meeting-started", {})

    @property
    def policy(self) -> Policy:
        return self._policy_source() if self._policy_source is not None else self._policy

    def _scan_processes(self) -> list[str]:
        return [s.name for s in scan_recorders(self.policy.recorders())]

    def meeting_started_at(self) -> datetime | None:
        started = getattr(self.source, "meeting_started_at", None)
        return started if isinstance(started, datetime) else self._own_start

    def on_teams_event(self, name: str, _data: dict[str, Any]) -> None:
        if name == "meeting-started":
            self.in_meeting = True
            self._own_start = self._clock()
            self.tracker.reset()
            self.timer.start()
            QTimer.singleShot(0, self.poll)  # a recorder already running counts too
        elif name in ("meeting-ended", "teams-exited"):
            self.in_meeting = False
            self._own_start = None
            self.timer.stop()
        elif name == "recording-started":
            # Teams only records inside a meeting, so this is alerted even if the
            # meeting-started event has not reached us (yet).
            self.alert(SOURCE_TEAMS)
        elif name == "recording-stopped":
            if self.dialog is not None and self.dialog.isVisible():
                self.dialog.note_recording_stopped(self._clock())

    def poll(self) -> None:
        if not self.in_meeting:
            self.timer.stop()
            return
        try:
            running = list(self._scan())
        except Exception:  # a failed scan (logged) must not stop the watch
            log.warning("recorder scan failed", exc_info=True)
            return
        fresh = self.tracker.new(running)
        if fresh:
            self.alert(SOURCE_PROCESS, fresh)

    def alert(self, source: str, programs: Sequence[str] = ()) -> RecordingAlert | None:
        seconds = meeting_seconds(self.meeting_started_at(), self._clock())
        try:
            record = record_alert(self.audit, source, meeting_seconds=seconds, programs=programs)
        except OSError:
            # A full disk or a locked log must never keep the officer from being warned.
            log.warning("could not audit the recording alert", exc_info=True)
            record = {"kind": "recording-alert", "source": source, "audit_failed": True}
        shown = None
        if self._show:
            if self.dialog is not None and self.dialog.isVisible():
                self.dialog.add_reason(source, programs)
            else:
                self.dialog = RecordingAlert(source, programs)
            shown = self.dialog
            shown.show()
            shown.raise_()
            shown.activateWindow()
        self.alerted.emit(source, record)
        return shown

    def stop(self) -> None:
        self.timer.stop()
        self.in_meeting = False


_kept: list[RecordingGuard] = []


def _loaded_policy(app: Any) -> Policy:
    return app.loaded.policy


def attach(app: Any) -> RecordingGuard | None:
    """Called by the tray at start-up: raise the alert for this app's Teams link."""
    monitor = getattr(app, "monitor", None)
    if monitor is None:
        return None
    parent = app if isinstance(app, QObject) else None
    guard = RecordingGuard(monitor, app.audit, app.loaded.policy, parent=parent,
                           policy_source=partial(_loaded_policy, app))
    if parent is None:
        _kept.append(guard)  # nothing else holds it
    return guard


__all__ = ["RecordingAlert", "RecordingGuard", "attach"]
