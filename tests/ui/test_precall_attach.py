"""``attach(app)``: when Teams reports a meeting starting and no acknowledgement is in
force, the tray prompts (a notification and the pre-call window)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from devicecheck.acknowledgement import record_ack
from devicecheck.audit import AuditLog
from devicecheck.notice import load_notice
from devicecheck.policy import LoadedPolicy
from devicecheck.ui.precall import attach
from tests.ui.test_precall import make_policy


class FakeMonitor(QObject):
    teamsEvent = Signal(str, dict)


class FakeApp(QObject):
    """The parts of DeviceCheckApp that attach() uses."""

    def __init__(self, policy: Any, audit: AuditLog, monitor: FakeMonitor | None) -> None:
        super().__init__()
        self.loaded = LoadedPolicy(policy)
        self.audit, self.monitor = audit, monitor
        self.notes: list[tuple[str, str, str]] = []
        self.opened = 0

    def notify(self, title: str, message: str, level: str) -> None:
        self.notes.append((title, message, level))

    def open_precall(self) -> None:
        self.opened += 1


def make_app(tmp_path: Path, acknowledge: str) -> FakeApp:
    return FakeApp(make_policy(acknowledge=acknowledge), AuditLog(tmp_path / "a.jsonl"),
                   FakeMonitor())


def test_meeting_without_acknowledgement_prompts(qtbot: Any, tmp_path: Path) -> None:
    app = make_app(tmp_path, "daily")
    assert attach(app) is not None
    assert app.monitor is not None
    app.monitor.teamsEvent.emit("teams-connected", {})
    assert app.opened == 0
    app.monitor.teamsEvent.emit("meeting-started", {})
    assert app.opened == 1
    title, message, level = app.notes[0]
    assert "not acknowledged" in title and level == "warning"
    assert "pre-call" in message


def test_acknowledgement_in_force_means_no_prompt(qtbot: Any, tmp_path: Path) -> None:
    app = make_app(tmp_path, "new-version")
    record_ack(app.audit, load_notice(app.loaded.policy))
    attach(app)
    assert app.monitor is not None
    app.monitor.teamsEvent.emit("meeting-started", {})
    app.monitor.teamsEvent.emit("meeting-started", {})
    assert app.opened == 0 and app.notes == []


def test_every_call_acknowledgement_covers_one_meeting(qtbot: Any, tmp_path: Path) -> None:
    app = make_app(tmp_path, "every-call")
    record_ack(app.audit, load_notice(app.loaded.policy))
    attach(app)
    assert app.monitor is not None
    app.monitor.teamsEvent.emit("meeting-started", {})
    assert app.opened == 0
    app.monitor.teamsEvent.emit("meeting-ended", {})
    app.monitor.teamsEvent.emit("meeting-started", {})
    assert app.opened == 1
    record_ack(app.audit, load_notice(app.loaded.policy))  # a fresh pre-call flow
    app.monitor.teamsEvent.emit("meeting-started", {})
    assert app.opened == 1


def test_no_teams_link_means_nothing_to_attach(qtbot: Any, tmp_path: Path) -> None:
    app = FakeApp(make_policy(), AuditLog(tmp_path / "a.jsonl"), None)
    assert attach(app) is None
