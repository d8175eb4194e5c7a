"""The tray's recording hook: ``RecordingGuard`` hears the Teams link's events as typed
values (``teams/events.py``, handed on by the tray's ``TeamsLink``); ``RecordingStarted``
raises the alert at once; between ``MeetingStarted`` and ``MeetingEnded`` it also looks for
recording programs every few seconds (one cheap process pass) and raises the same alert
when one appears. Every alert is audited.

Attached at every tray start-up, so it stays light: the alert window
(``devicecheck.ui.windows.recording_alert``) is imported the first time it is shown (resident
memory of an idle tray is a target; see benchmarks/tray_startup.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from devicecheck.audit import AuditLog
from devicecheck.policy import Policy
from devicecheck.recording.alerts import (
    SOURCE_PROCESS,
    SOURCE_TEAMS,
    SOURCE_WINDOW,
    RecorderTracker,
    meeting_seconds,
    record_alert,
)
from devicecheck.recording.recorders import scan_recorders
from devicecheck.teams.events import (
    MeetingEnded,
    MeetingStarted,
    RecordingStarted,
    RecordingStopped,
    TeamsEvent,
    TeamsExited,
)

if TYPE_CHECKING:
    from devicecheck.ui.tray.hooks import HookHost
    from devicecheck.ui.windows.recording_alert import RecordingAlert

log = logging.getLogger(__name__)

POLL_MS = 5000


def _utcnow() -> datetime:
    return datetime.now(UTC)


class RecordingGuard(QObject):
    """Watches one meeting at a time for recording; the Teams link's events come to
    ``on_event``. ``source`` is the link (the TeamsMonitor), read only for what it may
    offer: ``in_meeting`` (a guard made mid-meeting watches at once),
    ``meeting_started_at`` (the meeting's duration so far), the window source's sighting
    and ``recording_status``."""

    alerted = Signal(str, dict)  # source, the audit record written

    def __init__(self, source: object, audit: AuditLog, policy: Policy, *,
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
        self.dialog: RecordingAlert | None = None  # imported when first shown
        self.timer = QTimer(self)
        self.timer.setInterval(poll_ms)
        self.timer.timeout.connect(self.poll)
        if getattr(source, "in_meeting", False) is True:
            # Started (or restarted) mid-meeting: watch from now on.
            self.on_event(MeetingStarted())

    @property
    def policy(self) -> Policy:
        return self._policy_source() if self._policy_source is not None else self._policy

    def _scan_processes(self) -> list[str]:
        return [s.name for s in scan_recorders(self.policy.recorders())]

    def meeting_start(self) -> datetime | None:
        started = getattr(self.source, "meeting_started_at", None)
        return started if isinstance(started, datetime) else self._own_start

    def on_event(self, event: TeamsEvent) -> None:
        """An event of the Teams link, handed on by the tray (``EventHook``)."""
        if isinstance(event, MeetingStarted):
            self.in_meeting = True
            self._own_start = self._clock()
            self.tracker.reset()
            self.timer.start()
            QTimer.singleShot(0, self.poll)  # a recorder already running counts too
        elif isinstance(event, MeetingEnded | TeamsExited):
            self.in_meeting = False
            self._own_start = None
            self.timer.stop()
        elif isinstance(event, RecordingStarted):
            # Teams only records inside a meeting, so this is alerted even if the
            # meeting-started event has not reached us (yet).
            if SOURCE_WINDOW in event.sources:
                match = self._window_match()
                self.alert(SOURCE_WINDOW, seen=getattr(match, "indicator", None),
                           seen_role=getattr(match, "role", None))
            # Any other source, or none named: Teams itself says it records.
            if not event.sources or any(s != SOURCE_WINDOW for s in event.sources):
                self.alert(SOURCE_TEAMS)
        elif isinstance(event, RecordingStopped):
            if self.dialog is not None and self.dialog.isVisible():
                status = self.recording_status()
                if status.get("status") == "unknown":
                    # The indicator went out of sight (window closed, bus gone): that is
                    # not "stopped", and the officer must check Teams themselves.
                    self.dialog.note_recording_unknown(str(status.get("reason") or ""))
                else:
                    self.dialog.note_recording_stopped(self._clock())

    def _window_match(self) -> Any:
        """What the window source saw (its configured indicator name and role)."""
        sources = getattr(self.source, "sources", None)
        window = sources.get(SOURCE_WINDOW) if isinstance(sources, dict) else None
        return getattr(window, "seen", None)

    def recording_status(self) -> dict[str, Any]:
        """The monitor's recording status ("unknown" with a reason when it cannot see)."""
        status = getattr(self.source, "recording_status", None)
        # A link without the method (older, or a test's stand-in) has no window source.
        return dict(status()) if callable(status) else {"status": "not-recording",
                                                        "reason": None}

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

    def alert(self, source: str, programs: Sequence[str] = (), *, seen: str | None = None,
              seen_role: str | None = None) -> RecordingAlert | None:
        seconds = meeting_seconds(self.meeting_start(), self._clock())
        try:
            record = record_alert(self.audit, source, meeting_seconds=seconds, programs=programs,
                                  seen_role=seen_role)
        except OSError:
            # A full disk or a locked log must never keep the officer from being warned.
            log.warning("could not audit the recording alert", exc_info=True)
            record = {"kind": "recording-alert", "source": source, "audit_failed": True}
        shown = None
        if self._show:
            from devicecheck.ui.windows.recording_alert import RecordingAlert

            if self.dialog is not None and self.dialog.isVisible():
                self.dialog.add_reason(source, programs, seen)
            else:
                self.dialog = RecordingAlert(source, programs, seen=seen)
            shown = self.dialog
            shown.show()
            shown.raise_()
            shown.activateWindow()
        self.alerted.emit(source, record)
        return shown

    def stop(self) -> None:
        self.timer.stop()
        self.in_meeting = False


def _loaded_policy(app: HookHost) -> Policy:
    return app.loaded.policy


def attach(app: HookHost) -> RecordingGuard | None:
    """Called by the tray at start-up: raise the alert for this app's Teams link. The
    guard is the app's child when the app is a QObject; the caller (the tray's hooks
    table) holds it either way and hands it the link's events."""
    monitor = app.monitor
    if monitor is None:
        return None
    parent = app if isinstance(app, QObject) else None
    return RecordingGuard(monitor, app.audit, app.loaded.policy, parent=parent,
                          policy_source=partial(_loaded_policy, app))


__all__ = ["RecordingGuard", "attach"]
