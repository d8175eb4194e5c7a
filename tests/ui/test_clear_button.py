"""Issue 27: "Clear meeting data now…" in the report window and in pre-call step 1 is the
tray menu's own clear when the tray opened the window (one flow: with Teams open, the
restart-and-clean through the Teams link), and a dialog of the window's own without a
tray (``devicecheck report`` / ``precall`` on their own)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QThreadPool

from devicecheck.checks.base import CheckResult, Remediation, Status
from devicecheck.policy import Severity
from devicecheck.policy.model import Policy
from devicecheck.report import Device, Report
from devicecheck.ui.windows.clean_action import CleanFlow
from devicecheck.ui.windows.report_window import ReportWindow
from tests.checks.helpers import Scripted
from tests.ui.test_clean_action import click, fake_cleaner, shown
from tests.ui.tray_helpers import FakeMonitor, make_harness, policy_with

__all__ = ["fake_cleaner", "make_harness"]  # fixtures, imported for pytest

# The policy's client choices come from the real cleaner package's registry (issue 28's
# policy contributions); ``fake_cleaner`` replaces that package, so load them first.
Policy()

ASK_CLOSED = "Clear meeting data from Microsoft Teams?"


def stale_data_report(h: Any) -> Report:
    checks = [CheckResult("meeting-data", "Meeting data is cleared", Status.WARN,
                          Severity.ADVISORY, "Teams data is 3 days old.", {},
                          Remediation("Clear the meeting data now."))]
    return Report(Device("pc-1", "linux", "6.1"), h.app.loaded, checks)


def clear_button(items: dict[str, Any]) -> Any:
    return next(b for b in items["meeting-data"].buttons
                if b.accessibleName() == "Clear meeting data now")


def test_the_report_windows_clear_is_the_tray_menus(qtbot: Any, fake_cleaner: Any,
                                                      make_harness: Any) -> None:
    h = make_harness(policy_with(), [Scripted("os-support", Status.PASS)])
    with qtbot.waitSignal(h.app.reportReady, timeout=10_000):
        h.app.start()
    window = h.app.open_report()
    assert isinstance(window, ReportWindow)
    window.set_report(stale_data_report(h))
    clear_button(window.rows).click()
    flow = h.app.windows["clean"]   # the flow the tray menu's entry runs
    assert isinstance(flow, CleanFlow)
    assert window._clean_flow is None   # no second dialog path of the window's own
    box = shown(qtbot, flow, ASK_CLOSED)
    clear_button(window.rows).click()   # pressed again: the same dialog is raised
    assert h.app.windows["clean"] is flow and fake_cleaner.calls == ["plan"]
    # The tray checks again after its clear and refills the window it opened.
    with qtbot.waitSignal(h.app.reportReady, timeout=10_000):
        click(box, "Clear now")
    assert fake_cleaner.calls == ["plan", "clean"]
    click(shown(qtbot, flow, "Meeting data cleared"), "Close")
    QThreadPool.globalInstance().waitForDone(5000)


def test_the_report_windows_clear_restarts_teams_through_the_link(
        qtbot: Any, fake_cleaner: Any, make_harness: Any) -> None:
    """Teams open and a Teams link in the tray: the button is the tray's restart-and-clean
    (a window on its own has no link and could only wait for Teams to be quit)."""
    from tests.ui.test_clean_action import Plan, Root, T

    fake_cleaner.plan = Plan([Root("teams-for-linux", [T(10, 2048)], running=True)])
    monitor = FakeMonitor()
    h = make_harness(policy_with(), [Scripted("os-support", Status.PASS)], monitor=monitor)
    with qtbot.waitSignal(h.app.reportReady, timeout=10_000):
        h.app.start()
    window = h.app.open_report()
    assert isinstance(window, ReportWindow)
    window.set_report(stale_data_report(h))
    clear_button(window.rows).click()
    flow = h.app.windows["clean"]
    assert isinstance(flow, CleanFlow)
    qtbot.waitUntil(lambda: flow.box is not None and flow.box.isVisible(), timeout=5000)
    box = flow.box
    assert box is not None and box.screen_now.heading.startswith("Clear meeting data from")
    click(box, "Restart Teams and clear")
    qtbot.waitUntil(lambda: len(monitor.restarts) == 1, timeout=5000)
    assert "clean" not in fake_cleaner.calls   # the link cleans, after Teams has closed
    if flow.box is not None:
        flow.box.reject()
    QThreadPool.globalInstance().waitForDone(5000)


def test_precall_step_ones_clear_is_the_tray_menus_and_checks_again(
        qtbot: Any, fake_cleaner: Any, make_harness: Any) -> None:
    from tests.ui.test_precall import Fixed

    h = make_harness(policy_with(), [Scripted("os-support", Status.PASS),
                                     Fixed("meeting-data", Status.WARN,
                                           fix="Clear the meeting data now.")])
    with qtbot.waitSignal(h.app.reportReady, timeout=10_000):
        h.app.start()
    precall = h.app.open_precall()
    page = precall.checks_page
    qtbot.waitUntil(lambda: page.done, timeout=10_000)
    clear_button(page.rows).click()
    flow = h.app.windows["clean"]
    assert isinstance(flow, CleanFlow) and page._clean_flow is flow
    box = shown(qtbot, flow, ASK_CLOSED)
    with qtbot.waitSignal(page.started, timeout=10_000):  # step 1 checks again after it
        click(box, "Clear now")
    assert fake_cleaner.calls == ["plan", "clean"]
    qtbot.waitUntil(lambda: page.done, timeout=10_000)
    click(shown(qtbot, flow, "Meeting data cleared"), "Close")
    QThreadPool.globalInstance().waitForDone(5000)


def test_without_a_tray_the_report_runs_its_own_dialog(qtbot: Any, fake_cleaner: Any) -> None:
    window = ReportWindow(policy_with(), open_url=lambda _url: None)
    qtbot.addWidget(window)
    window.set_report(Report(Device("pc-1", "linux", "6.1"), window.loaded, [
        CheckResult("meeting-data", "Meeting data is cleared", Status.WARN, Severity.ADVISORY,
                    "Teams data is 3 days old.", {}, Remediation("Clear it now."))]))
    assert window.clean_handler is None
    clear_button(window.rows).click()
    flow = window._clean_flow
    assert isinstance(flow, CleanFlow)
    box = shown(qtbot, flow, ASK_CLOSED)
    with qtbot.waitSignal(window.checkRequested, timeout=10_000):
        click(box, "Clear now")
    click(shown(qtbot, flow, "Meeting data cleared"), "Close")
    QThreadPool.globalInstance().waitForDone(5000)
