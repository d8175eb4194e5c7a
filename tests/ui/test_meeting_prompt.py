"""``attach(app)``: when Teams reports a meeting starting and no acknowledgement is in
force, the tray prompts (a notification and the pre-call window). The hook hears typed
events (``on_event``), as the tray's ``TeamsLink`` hands them on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QWidget

from devicecheck.acknowledgement import record_ack
from devicecheck.audit import AuditLog
from devicecheck.notice import load_notice
from devicecheck.policy import LoadedPolicy
from devicecheck.teams.events import LinkEvent, MeetingEnded, MeetingStarted
from devicecheck.ui.tray.meeting_prompt import MeetingPrompt, attach
from tests.ui.test_precall import make_policy
from tests.ui.tray_helpers import as_host, make_harness

__all__ = ["make_harness"]  # the fixture, imported for pytest


class FakeMonitor(QObject):
    """A Teams link is there (the hook attaches only then); its events come typed."""


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


def attached(app: FakeApp) -> MeetingPrompt:
    prompt = attach(as_host(app))
    assert prompt is not None
    return prompt


def acknowledged_app(tmp_path: Path, acknowledge: str) -> tuple[FakeApp, MeetingPrompt]:
    """An app whose officer has completed the pre-call flow, with the hook attached."""
    app = make_app(tmp_path, acknowledge)
    record_ack(app.audit, load_notice(app.loaded.policy))
    return app, attached(app)


def test_meeting_without_acknowledgement_prompts(qtbot: Any, tmp_path: Path) -> None:
    app = make_app(tmp_path, "daily")
    prompt = attached(app)
    prompt.on_event(LinkEvent("teams-connected", {}))
    assert app.opened == 0
    prompt.on_event(MeetingStarted(("log",), ("teams-new",)))
    assert app.opened == 1
    title, message, level = app.notes[0]
    assert "not acknowledged" in title and level == "warning"
    assert "pre-call" in message


def test_acknowledgement_in_force_means_no_prompt(qtbot: Any, tmp_path: Path) -> None:
    app, prompt = acknowledged_app(tmp_path, "new-version")
    prompt.on_event(MeetingStarted())
    prompt.on_event(MeetingStarted())
    assert app.opened == 0 and app.notes == []


def test_every_call_acknowledgement_covers_one_meeting(qtbot: Any, tmp_path: Path) -> None:
    app, prompt = acknowledged_app(tmp_path, "every-call")
    prompt.on_event(MeetingStarted())
    assert app.opened == 0
    prompt.on_event(MeetingEnded())
    prompt.on_event(MeetingStarted())
    assert app.opened == 1
    record_ack(app.audit, load_notice(app.loaded.policy))  # a fresh pre-call flow
    prompt.on_event(MeetingStarted())
    assert app.opened == 1


def test_no_teams_link_means_nothing_to_attach(qtbot: Any, tmp_path: Path) -> None:
    app = FakeApp(make_policy(), AuditLog(tmp_path / "a.jsonl"), None)
    assert attach(as_host(app)) is None


def test_every_call_acknowledgement_made_during_a_call_ends_with_it(qtbot: Any,
                                                                    tmp_path: Path) -> None:
    app = make_app(tmp_path, "every-call")
    prompt = attached(app)
    prompt.on_event(MeetingStarted())
    assert app.opened == 1
    record_ack(app.audit, load_notice(app.loaded.policy))  # done when prompted, mid-call
    prompt.on_event(MeetingEnded())
    prompt.on_event(MeetingStarted())
    assert app.opened == 2  # the next call needs its own


def test_the_real_tray_app_prompts_and_the_flow_satisfies_it(make_harness: Any, qtbot: Any,
                                                               tmp_path: Path) -> None:
    """With DeviceCheckApp itself: a meeting start opens the pre-call window; once the
    officer has finished it, a further meeting under "new-version" is not prompted."""
    from devicecheck.checks.base import Status
    from devicecheck.ui.windows.precall import PrecallWindow
    from tests.ui.tray_helpers import FakeMonitor as TrayMonitor
    from tests.ui.tray_helpers import scripted

    monitor = TrayMonitor()
    loaded = LoadedPolicy(make_policy(acknowledge="new-version"), sources=("defaults", "file:t"))
    h = make_harness(loaded, scripted(Status.PASS), tray=False, monitor=monitor,
                     tray_wait_s=0.0, tmp_audit=AuditLog(tmp_path / "audit.jsonl"))
    h.app.start()
    qtbot.waitUntil(lambda: "devicecheck.ui.tray.meeting_prompt" in h.app.hooks, timeout=5000)
    monitor.send("meeting-started", in_meeting=True)
    window = h.app.windows.get("precall")
    assert isinstance(window, PrecallWindow) and window.isVisible()
    assert any(n[0] == "Privacy notice not acknowledged" for n in h.app.notifications)
    # All checks pass: the flow is on the notice; acknowledging it lets the call start.
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.notice_page, timeout=5000)
    qtbot.keyClick(window.notice_view.browser, Qt.Key.Key_End)  # read to the end first
    qtbot.waitUntil(lambda: window.notice_view.end_seen, timeout=3000)
    window.read_box.setChecked(True)
    with qtbot.waitSignal(window.completed, timeout=3000):
        window.next_button.click()
    card = h.app.windows["script"]  # the opening script card the window handed over to
    assert isinstance(card, QWidget) and card.isVisible() and not window.isVisible()
    card.close()
    opened: list[int] = []
    h.app.open_precall = lambda: opened.append(1)
    monitor.send("meeting-ended", in_meeting=False)
    monitor.send("meeting-started", in_meeting=True)
    assert opened == []
