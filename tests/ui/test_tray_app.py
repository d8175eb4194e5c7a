"""The tray controller under pytest-qt (offscreen): states, menu actions, checks off the
GUI thread, notifications, Teams link and hooks, and the no-tray window."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import time
import types
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from devicecheck.checks.base import Status
from devicecheck.qtsupport.icons import state_icon
from devicecheck.ui.model.notifications import NotificationGate
from devicecheck.ui.model.states import STATE_WORDS, TrayState
from devicecheck.ui.windows.fallback_window import WHY
from tests.checks.helpers import Scripted
from tests.ui.tray_helpers import FakeMonitor, make_harness, policy_with, scripted

__all__ = ["make_harness"]  # the fixture, imported for pytest


def started(h: Any, qtbot: Any) -> Any:
    with qtbot.waitSignal(h.app.reportReady, timeout=10_000):
        h.app.start()
    return h.app


def icon_key(app: Any) -> int:
    return app.tray.icon().cacheKey()


def test_starts_checking_then_shows_the_verdict_icon_and_words(make_harness: Any,
                                                               qtbot: Any) -> None:
    h = make_harness(policy_with(), scripted(Status.PASS, Status.PASS))
    h.app.start()
    assert h.app.tray is not None and h.app.state is TrayState.CHECKING
    assert icon_key(h.app) == state_icon(TrayState.CHECKING).cacheKey()
    assert STATE_WORDS[TrayState.CHECKING] in h.app.tooltip
    qtbot.waitUntil(lambda: h.app.report is not None, timeout=10_000)
    assert h.app.state is TrayState.READY
    assert icon_key(h.app) == state_icon(TrayState.READY).cacheKey()
    assert h.app.tooltip.startswith("DeviceCheck: Yes \u2014 you can take calls")
    assert "Last checked" in h.app.tooltip


@pytest.mark.parametrize(("statuses", "state", "words"), [
    ((Status.PASS, Status.FAIL), TrayState.NOT_READY, "Problems: Firewall off"),
    ((Status.PASS, Status.UNKNOWN), TrayState.NOT_READY,
     "Problems: Firewall could not be checked"),
])
def test_blocking_results_show_not_ready(make_harness: Any, qtbot: Any,
                                         statuses: tuple[Status, ...], state: TrayState,
                                         words: str) -> None:
    h = make_harness(policy_with(), scripted(*statuses))
    app = started(h, qtbot)
    assert app.state is state
    assert icon_key(app) == state_icon(state).cacheKey()
    assert words in app.tooltip


def test_advisory_problem_shows_attention(make_harness: Any, qtbot: Any) -> None:
    h = make_harness(policy_with(), scripted(Status.PASS, Status.WARN))
    app = started(h, qtbot)
    assert app.state is TrayState.ATTENTION
    assert icon_key(app) == state_icon(TrayState.ATTENTION).cacheKey()
    assert "To fix: Firewall off" in app.tooltip and "Fix soon" in app.tooltip


def test_unrelated_policy_error_keeps_the_verdict_and_adds_an_it_notice(
        make_harness: Any, qtbot: Any) -> None:
    from devicecheck.policy import LoadedPolicy, PolicyError

    loaded = LoadedPolicy(errors=(PolicyError("file:x", "too big", "tray.check_interval_minutes"),))
    h = make_harness(loaded, scripted(Status.PASS))
    app = started(h, qtbot)
    assert app.state is TrayState.READY
    assert app.tooltip.startswith("DeviceCheck: Yes \u2014 you can take calls")
    assert "IT needs to fix a settings problem; you can still take calls." in app.tooltip
    assert "tray" not in app.tooltip and "file:x" not in app.tooltip


def test_policy_error_state(make_harness: Any, qtbot: Any) -> None:
    from devicecheck.policy import LoadedPolicy, PolicyError

    loaded = LoadedPolicy(errors=(PolicyError("file:x", "too big", "screen_lock.max_idle_minutes"),))
    h = make_harness(loaded, [Scripted("policy-health", Status.FAIL), *scripted(Status.PASS)])
    app = started(h, qtbot)
    assert app.state is TrayState.POLICY_ERROR
    assert icon_key(app) == state_icon(TrayState.POLICY_ERROR).cacheKey()
    assert app.tooltip.startswith("DeviceCheck: No \u2014 don't take calls on this laptop")
    assert "IT needs to fix a settings problem" in app.tooltip
    assert "screen_lock" not in app.tooltip and "file:x" not in app.tooltip


def test_teams_meeting_and_recording_states(make_harness: Any, qtbot: Any) -> None:
    monitor = FakeMonitor()
    h = make_harness(policy_with(), scripted(Status.PASS), monitor=monitor)
    app = started(h, qtbot)
    qtbot.waitUntil(lambda: monitor.started == 1, timeout=5000)  # after the hooks attach
    monitor.send("meeting-started", in_meeting=True)
    assert app.state is TrayState.IN_MEETING
    assert icon_key(app) == state_icon(TrayState.IN_MEETING).cacheKey()
    assert "In a meeting" in app.tooltip and "Device: Yes \u2014 you can take calls" in app.tooltip
    monitor.send("recording-started", recording=True)
    assert app.state is TrayState.RECORDING
    assert icon_key(app) == state_icon(TrayState.RECORDING).cacheKey()
    assert "Recording" in app.tooltip
    monitor.send("meeting-ended", in_meeting=False, recording=False)
    assert app.state is TrayState.READY
    app.shutdown()
    assert monitor.stopped == 1


def test_clean_refused_offers_once_per_meeting_to_quit_teams(make_harness: Any,
                                                              qtbot: Any) -> None:
    monitor = FakeMonitor()
    h = make_harness(policy_with(), scripted(Status.PASS), monitor=monitor,
                     gate=NotificationGate(min_gap_s=0))
    app = started(h, qtbot)
    qtbot.waitUntil(lambda: monitor.started == 1, timeout=5000)
    refused = {"clients": ["teams-new"], "reason": "teams-running", "offer_quit_teams": True,
               "clean_on_exit": True}

    def offers() -> int:
        return sum(1 for n in app.notifications if n[0].startswith("Quit Teams"))

    monitor.send("clean-refused", detail=refused)
    assert offers() == 1
    monitor.send("clean-refused", detail=refused)  # a repeat within the meeting: held back
    assert offers() == 1
    monitor.send("meeting-started", in_meeting=True)
    monitor.send("meeting-ended", in_meeting=False)
    monitor.send("clean-refused", detail=refused)  # the next meeting gets its own
    assert offers() == 2
    monitor.send("clean-refused", detail={"clients": [], "reason": "error", "error": "OSError"})
    assert offers() == 2
    assert app.state is TrayState.READY


def test_the_quit_teams_offer_follows_the_trays_own_policy(make_harness: Any,
                                                            qtbot: Any) -> None:
    """Issue 28: ``[cleaner] offer_quit_teams`` is the tray's to read in its policy; what
    the event echoes of the monitor's policy is for ``watch`` readers."""
    loaded = policy_with()
    policy = dataclasses.replace(loaded.policy, cleaner=dataclasses.replace(
        loaded.policy.cleaner, offer_quit_teams=False))
    monitor = FakeMonitor()
    h = make_harness(dataclasses.replace(loaded, policy=policy), scripted(Status.PASS),
                     monitor=monitor, gate=NotificationGate(min_gap_s=0))
    app = started(h, qtbot)
    qtbot.waitUntil(lambda: monitor.started == 1, timeout=5000)
    monitor.send("clean-refused", detail={"clients": ["teams-new"], "reason": "teams-running",
                                          "offer_quit_teams": True, "clean_on_exit": True})
    assert not any(n[0].startswith("Quit Teams") for n in app.notifications)


def test_hooks_attach_to_the_app(make_harness: Any, qtbot: Any,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Any] = []
    fake = types.ModuleType("devicecheck.ui.tray.recording_guard")
    fake.attach = seen.append  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "devicecheck.ui.tray.recording_guard", fake)
    h = make_harness(policy_with(), scripted(Status.PASS), monitor=FakeMonitor())
    app = started(h, qtbot)
    qtbot.waitUntil(lambda: seen == [app], timeout=5000)  # imported on the pool
    assert "devicecheck.ui.tray.meeting_prompt" in app.hooks  # the real meeting hook attached


class HeardHook:
    """A hook that notes what the tray hands it, and when (the tray's state by then)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.heard: list[tuple[Any, bool]] = []

    def on_event(self, event: Any) -> None:
        self.heard.append((event, self.app.in_meeting))


class FailingHook:
    def on_event(self, event: Any) -> None:
        raise RuntimeError(f"a hook's bug on {event.name}")


def test_hooks_hear_each_event_once_as_its_typed_value(make_harness: Any, qtbot: Any,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """TeamsLink reads the monitor's (name, detail) once and hands the typed value on:
    after its own handling, to every hook, and a failing hook does not keep it from the
    next one."""
    from devicecheck.teams.events import LinkEvent, MeetingStarted, RecordingStarted

    hooks: list[HeardHook] = []

    def attach_failing(app: Any) -> FailingHook:
        return FailingHook()

    def attach_heard(app: Any) -> HeardHook:
        hooks.append(HeardHook(app))
        return hooks[-1]

    for name, attach in (("devicecheck.ui.tray.meeting_prompt", attach_failing),
                         ("devicecheck.ui.tray.recording_guard", attach_heard)):
        fake = types.ModuleType(name)
        fake.attach = attach  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, name, fake)
    monitor = FakeMonitor()
    h = make_harness(policy_with(), scripted(Status.PASS), monitor=monitor)
    started(h, qtbot)
    qtbot.waitUntil(lambda: monitor.started == 1, timeout=5000)   # hooks attached
    monitor.send("meeting-started", in_meeting=True,
                 detail={"source": "log", "sources": ["log"], "clients": ["teams-new"]})
    monitor.send("recording-started", recording=True,
                 detail={"source": "api+window", "sources": ["api", "window"]})
    monitor.send("teams-connected", detail={"paired": False})
    [hook] = hooks
    assert hook.heard == [(MeetingStarted(("log",), ("teams-new",)), True),
                          (RecordingStarted(("api", "window")), True),
                          (LinkEvent("teams-connected", {"paired": False}), True)]


def test_hooks_leave_the_windows_unloaded() -> None:
    """The hooks attach at every start-up: importing them must not pull in the windows
    they may open, nor OpenSSL through hashlib (the idle tray's memory is a target)."""
    code = ("import sys; from devicecheck.ui.tray.hooks import HOOK_MODULES; "
            "[__import__(m) for m in HOOK_MODULES]; "
            "print(' '.join(m for m in ('devicecheck.ui.windows.precall', "
            "'devicecheck.ui.windows.recording_alert', 'devicecheck.notice', 'hashlib') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True)
    assert out.stdout.split() == []


def test_gui_stays_responsive_while_sleeping_checks_run(make_harness: Any, qtbot: Any) -> None:
    h = make_harness(policy_with(), scripted(Status.PASS, Status.PASS, Status.PASS, sleep=0.8))
    ticks: list[float] = []
    heartbeat = QTimer()
    heartbeat.setInterval(10)
    heartbeat.timeout.connect(lambda: ticks.append(time.monotonic()))  # no QObject captured
    heartbeat.start()
    h.app.start()
    qtbot.waitUntil(lambda: h.app.report is not None, timeout=10_000)
    h.app.check_now()
    qtbot.waitUntil(lambda: not h.app.scheduler.running, timeout=10_000)
    heartbeat.stop()
    gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    assert h.app.scheduler.runs == 2
    assert len(ticks) > 50
    assert max(gaps) < 0.05, f"GUI blocked for {max(gaps) * 1000:.0f} ms"


def test_notifies_only_on_change_for_the_worse(make_harness: Any, qtbot: Any) -> None:
    checks = scripted(Status.PASS, Status.PASS)
    h = make_harness(policy_with(), checks, gate=NotificationGate(min_gap_s=0))
    app = started(h, qtbot)
    assert not app.notifications  # ready at start: nothing to say

    def run_again() -> None:
        with qtbot.waitSignal(app.reportReady, timeout=10_000):
            app.check_now()

    checks[1].status = Status.FAIL
    run_again()
    assert [n[0] for n in app.notifications] == ["No \u2014 don't take calls on this laptop"]
    run_again()  # still failing the same way: no news
    assert len(app.notifications) == 1
    checks[0].status = Status.FAIL
    run_again()  # a second problem is worse
    assert len(app.notifications) == 2
    checks[0].status = checks[1].status = Status.PASS
    run_again()  # better: silent
    assert len(app.notifications) == 2


def test_notification_click_opens_report(make_harness: Any, qtbot: Any) -> None:
    h = make_harness(policy_with(), scripted(Status.FAIL))
    app = started(h, qtbot)
    assert app.notifications and app.notifications[0][2] == "critical"
    app.tray.messageClicked.emit()
    assert app.windows["report"].isVisible()


def test_notify_is_deduplicated_and_rate_limited(make_harness: Any, qtbot: Any) -> None:
    now = [0.0]
    gate = NotificationGate(burst=2, window_s=60, min_gap_s=0, clock=lambda: now[0])
    h = make_harness(policy_with(), scripted(Status.PASS), gate=gate)
    app = started(h, qtbot)
    assert app.notify("Privacy notice not acknowledged", "Please go through it.", "warning")
    assert not app.notify("Privacy notice not acknowledged", "Please go through it.", "warning")
    assert app.notify("Other", "news", "info")
    assert not app.notify("Third", "news", "info")  # burst of 2 per minute used up
    now[0] = 61.0
    assert app.notify("Third", "news", "info")
    assert len(app.notifications) == 3


def test_menu_lists_every_action_and_refreshes_on_open(make_harness: Any, qtbot: Any) -> None:
    h = make_harness(policy_with(), scripted(Status.FAIL))
    app = started(h, qtbot)
    texts = [a.text().replace("&", "") for a in app.menu.actions()
             if not a.isSeparator() and a is not app.menu.teams_status
             and a.isVisible()]      # "Test meeting detection…" only with pilot_menu
    assert texts[1:] == ["Run pre-call check…", "Show privacy notice", "Clear meeting data now…",
                         "Last report…", "Open log folder", "Start at log-in",
                         "About DeviceCheck", "Quit"]
    app.menu.aboutToShow.emit()
    assert app.menu.status.text().startswith(
        "No \u2014 don't take calls on this laptop. Contact your council's IT service desk. – checked ")
    assert app.menu.quit.isVisible() and app.menu.autostart.isVisible()
    assert app.tray.contextMenu() is app.menu


def test_menu_says_how_meetings_are_detected_and_that_data_waits(make_harness: Any,
                                                                qtbot: Any) -> None:
    h = make_harness(policy_with(), scripted(Status.PASS))
    app = started(h, qtbot)

    class Link:
        waiting_clients = frozenset({"teams-new"})

        @staticmethod
        def detection() -> str:
            return "Meetings detected from Teams' log and microphone and camera use."

    app.teams.monitor = Link()
    app.menu.aboutToShow.emit()
    assert app.menu.teams_status.isVisible() and not app.menu.teams_status.isEnabled()
    assert app.menu.teams_status.text().startswith("Meetings detected from Teams' log")
    assert app.menu.clean.text().replace("&", "") == "Clear meeting data now… (data waiting)"
    app.apply_state()
    assert "Meeting data is waiting to be cleared" in app.tooltip
    app.teams.monitor = None
    app.menu.aboutToShow.emit()
    assert not app.menu.teams_status.isVisible()


def test_policy_hides_quit_and_autostart(make_harness: Any, qtbot: Any) -> None:
    h = make_harness(policy_with(allow_quit=False, installer_autostart=True), scripted(Status.PASS))
    app = started(h, qtbot)
    app.menu.aboutToShow.emit()
    assert not app.menu.quit.isVisible()
    assert not app.menu.autostart.isVisible()
    app.menu.quit.trigger()
    assert h.quits == 0


def test_quit_action(make_harness: Any, qtbot: Any) -> None:
    h = make_harness(policy_with(), scripted(Status.PASS))
    app = started(h, qtbot)
    app.menu.quit.trigger()
    assert h.quits == 1
    assert not app.scheduler.interval.isActive()


def test_autostart_toggle(make_harness: Any, qtbot: Any) -> None:
    h = make_harness(policy_with(), scripted(Status.PASS))
    app = started(h, qtbot)
    app.menu.aboutToShow.emit()
    assert not app.menu.autostart.isChecked()
    app.menu.autostart.trigger()
    assert h.autostart.calls == [True]
    h.autostart.enabled = False  # changed behind our back: the menu reads it again
    app.menu.aboutToShow.emit()
    assert not app.menu.autostart.isChecked()
    assert h.autostart.calls == [True]  # reflecting the state is not a toggle


def test_last_report_action_shows_the_report(make_harness: Any, qtbot: Any) -> None:
    h = make_harness(policy_with(), scripted(Status.PASS, Status.FAIL))
    app = started(h, qtbot)
    app.menu.report.trigger()
    window = app.windows["report"]
    # The problems are items; the passes are the "other checks" line (issue 27).
    assert window.isVisible() and set(window.rows) == {"firewall"}
    with qtbot.waitSignal(app.reportReady, timeout=10_000):
        window.check_button.click()
    assert app.scheduler.runs == 2


def test_precall_action_opens_the_precall_window(make_harness: Any, qtbot: Any) -> None:
    from devicecheck.ui.windows.precall import PrecallWindow

    h = make_harness(policy_with(), scripted(Status.PASS))
    app = started(h, qtbot)
    app.menu.precall.trigger()
    window = app.windows["precall"]
    assert isinstance(window, PrecallWindow) and window.isVisible()
    app.menu.precall.trigger()  # a second time raises the same window
    assert app.windows["precall"] is window
    window.close()


def test_precall_falls_back_to_report_without_the_module(make_harness: Any, qtbot: Any,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "devicecheck.ui.windows.precall", None)  # import -> ImportError
    h = make_harness(policy_with(), scripted(Status.PASS))
    app = started(h, qtbot)
    app.menu.precall.trigger()
    assert "precall" not in app.windows and app.windows["report"].isVisible()


def test_second_launch_message_opens_precall(make_harness: Any, qtbot: Any) -> None:
    h = make_harness(policy_with(), scripted(Status.PASS))
    app = started(h, qtbot)
    app.on_message("precall")
    assert app.windows["precall"].isVisible()


def test_notice_action(make_harness: Any, qtbot: Any) -> None:
    h = make_harness(policy_with(), scripted(Status.PASS))
    app = started(h, qtbot)
    app.menu.notice.trigger()
    window = app.windows["notice"]
    assert window.isVisible() and "privacy" in window.windowTitle().lower()


def test_notice_action_with_a_broken_install_says_so(make_harness: Any, qtbot: Any,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from devicecheck import notice

    def broken(_policy: object) -> notice.Notice:
        raise notice.NoticeError("/opt/devicecheck/resources/notice/notice.md: no such file")

    monkeypatch.setattr(notice, "load_notice", broken)
    h = make_harness(policy_with(), scripted(Status.PASS), gate=NotificationGate(min_gap_s=0))
    app = started(h, qtbot)
    app.menu.notice.trigger()
    assert "notice" not in app.windows
    title, message, level = app.notifications[-1]
    assert title == "The privacy notice cannot be shown" and level == "critical"
    assert "Do not start a call" in message


def test_open_log_folder_action(make_harness: Any, qtbot: Any) -> None:
    from devicecheck import paths

    h = make_harness(policy_with(), scripted(Status.PASS))
    app = started(h, qtbot)
    app.menu.logs.trigger()
    assert [u.toLocalFile() for u in h.urls] == [str(paths.user_data_dir())]
    assert paths.user_data_dir().is_dir()


def test_about_action(make_harness: Any, qtbot: Any) -> None:
    h = make_harness(policy_with(), scripted(Status.PASS))
    app = started(h, qtbot)
    app.menu.about.trigger()
    box = app.windows["about"]
    assert isinstance(box, QMessageBox) and box.isVisible() and not box.isModal()
    assert "DeviceCheck" in box.text() and "file:test" in box.text()


def test_activating_the_icon_opens_the_report(make_harness: Any, qtbot: Any) -> None:
    from PySide6.QtWidgets import QSystemTrayIcon

    h = make_harness(policy_with(), scripted(Status.PASS))
    app = started(h, qtbot)
    app.tray.activated.emit(QSystemTrayIcon.ActivationReason.Trigger)
    assert app.windows["report"].isVisible()


def test_no_tray_shows_a_window_that_says_why(make_harness: Any, qtbot: Any) -> None:
    h = make_harness(policy_with(), scripted(Status.FAIL), tray=False, tray_wait_s=0.3,
                     gate=NotificationGate(min_gap_s=0))
    app = h.app
    app.start()
    qtbot.waitUntil(lambda: app.fallback is not None and app.fallback.isVisible(), timeout=5000)
    window = app.fallback
    assert app.tray is None
    assert window.why.accessibleName() == WHY and WHY in window.why.text()
    qtbot.waitUntil(lambda: app.report is not None, timeout=10_000)
    # The tray's words (the verdict's headline, with who to contact), not a shorter one.
    assert window.status.text() == app.report.words().headline
    assert window.status.text().startswith(STATE_WORDS[TrayState.NOT_READY])
    assert app.notifications  # the window's status says it; no duplicate message
    assert not window.message.isVisible()
    assert app.notify("Privacy notice not acknowledged", "Please run the pre-call check.")
    assert window.message.isVisible() and "Privacy notice" in window.message.text()
    button = window.buttons["Last report…"]
    assert isinstance(button, QPushButton) and button.accessibleName() == "Last report…"
    button.click()
    assert app.windows["report"].isVisible()
    window.close()  # closing the only window quits (policy allows it)
    assert h.quits == 1


def test_no_tray_window_hides_quit_when_policy_says(make_harness: Any, qtbot: Any) -> None:
    h = make_harness(policy_with(allow_quit=False), scripted(Status.PASS), tray=False,
                     tray_wait_s=0.25)
    h.app.start()
    qtbot.waitUntil(lambda: h.app.fallback is not None, timeout=5000)
    assert not h.app.fallback.buttons["Quit"].isVisibleTo(h.app.fallback)
    QApplication.processEvents()
