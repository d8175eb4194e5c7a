"""The tray's own words and states (issue 19): a readable, keyboard-reachable verdict line
in the menu, the same line in the no-tray window and the About box, officer-clean text in
every state, the state following a "No" from advisory problems, the fix-by date that stays
put, and "Open log folder" saying so when nothing can open it."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt, QUrl
from PySide6.QtGui import QAccessible, QGuiApplication
from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget

from devicecheck import advisory_dates
from devicecheck.checks.base import Status
from devicecheck.policy import LoadedPolicy
from devicecheck.policy.model import Policy
from devicecheck.qtsupport.icons import state_icon
from devicecheck.qtsupport.screen_fit import inside
from devicecheck.ui.model.states import TrayState, state_line
from devicecheck.ui.tray.menu import TrayMenu
from tests.checks.helpers import Scripted
from tests.helpers.officer_text import assert_officer_clean, widget_strings
from tests.ui.tray_helpers import FakeMonitor, make_harness

__all__ = ["make_harness"]  # the fixture, imported for pytest

PASSES = ["Firewall on", "Disk encrypted", "Meeting data cleared"]


def loaded_with(*, allow_continue: bool = True, grace_days: int = 0,
                contact: str = "") -> LoadedPolicy:
    base = Policy()
    policy = dataclasses.replace(
        base,
        notice=dataclasses.replace(base.notice, allow_advisory_continue=allow_continue),
        checks=dataclasses.replace(base.checks, advisory_grace_days=grace_days),
        organisation=dataclasses.replace(base.organisation, it_contact=contact)
        if contact else base.organisation)
    return LoadedPolicy(policy=policy, sources=("defaults", "file:/etc/xdg/devicecheck/policy.toml"))


def started(make: Any, qtbot: Any, loaded: LoadedPolicy, checks: list[Scripted],
            **kw: Any) -> Any:
    h = make(loaded, checks, **kw)
    with qtbot.waitSignal(h.app.reportReady, timeout=10_000):
        h.app.start()
    return h


def menu_strings(menu: TrayMenu) -> list[str]:
    """What an officer sees or hears of the menu: widget texts plus every visible action's
    text and tool tip (menu items are actions, not widgets)."""
    actions = [a for a in menu.actions() if a.isVisible() and not a.isSeparator()]
    return [*widget_strings(menu), *(a.text().replace("&&", "&") for a in actions),
            *(a.toolTip() for a in actions)]


STATES: dict[str, tuple[list[Scripted], dict[str, Any]]] = {
    "ready": ([Scripted("firewall", Status.PASS)], {}),
    "attention": ([Scripted("firewall", Status.PASS), Scripted("meeting-data", Status.FAIL)],
                  {}),
    "not-ready": ([Scripted("firewall", Status.FAIL), Scripted("meeting-data", Status.FAIL)],
                  {}),
    "advisory-blocks": ([Scripted("meeting-data", Status.WARN)], {"allow_continue": False}),
    "policy-error": ([Scripted("policy-health", Status.FAIL)], {}),
    "unknown": ([Scripted("disk-encryption", Status.UNKNOWN)], {}),
}


@pytest.mark.parametrize("name", list(STATES))
def test_menu_verdict_line_is_readable_and_officer_clean(make_harness: Any, qtbot: Any,
                                                         name: str) -> None:
    checks, kw = STATES[name]
    h = started(make_harness, qtbot, loaded_with(grace_days=14, **kw), checks)
    app = h.app
    app.menu.aboutToShow.emit()
    status = app.menu.status
    # Readable: an enabled item (not grey), bold, with the state's icon (its shape tells
    # the state, so not colour alone), the verdict line in words.
    assert status.isEnabled() and status.font().bold()
    assert status.icon().cacheKey() == state_icon(app.state).cacheKey()
    assert status.text().startswith(state_line(app.state, app.verdict))
    assert "report" in status.toolTip().lower()
    assert_officer_clean(menu_strings(app.menu), PASSES, strict=True)
    # Choosing it opens the report (what to do).
    status.trigger()
    assert app.windows["report"].isVisible()


@pytest.mark.parametrize("event", ["meeting", "recording"])
def test_menu_in_a_meeting_or_recording_is_officer_clean(make_harness: Any, qtbot: Any,
                                                         event: str) -> None:
    monitor = FakeMonitor()
    h = started(make_harness, qtbot, loaded_with(), [Scripted("firewall", Status.PASS)],
                monitor=monitor)
    qtbot.waitUntil(lambda: monitor.started == 1, timeout=10_000)
    if event == "meeting":
        monitor.send("meeting-started", in_meeting=True)
    else:
        monitor.send("recording-started", in_meeting=True, recording=True)
    h.app.menu.aboutToShow.emit()
    assert h.app.menu.status.icon().cacheKey() == state_icon(h.app.state).cacheKey()
    assert_officer_clean(menu_strings(h.app.menu), PASSES, strict=True)


def test_the_verdict_line_is_reached_with_the_keyboard(make_harness: Any, qtbot: Any) -> None:
    h = started(make_harness, qtbot, loaded_with(), [Scripted("firewall", Status.FAIL)])
    menu = h.app.menu
    menu.aboutToShow.emit()
    menu.popup(QPoint(10, 10))
    qtbot.waitUntil(menu.isVisible, timeout=10_000)
    # Screen readers get the verdict line as the item's name, and an item that is not
    # disabled (a disabled one is announced as "unavailable", as well as drawn grey).
    item = QAccessible.queryAccessibleInterface(menu).child(0)
    assert item.text(QAccessible.Text.Name) == menu.status.text().replace("&&", "&")
    assert item.text(QAccessible.Text.Name).startswith(state_line(h.app.state, h.app.verdict))
    assert not item.state().disabled
    qtbot.keyClick(menu, Qt.Key.Key_Down)
    assert menu.activeAction() is menu.status  # the first item the arrow keys reach
    qtbot.keyClick(menu, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "report" in h.app.windows and h.app.windows["report"].isVisible(),
                    timeout=10_000)
    menu.hide()


def test_an_ampersand_in_the_it_contact_is_shown_not_a_mnemonic(make_harness: Any,
                                                                qtbot: Any) -> None:
    h = started(make_harness, qtbot, loaded_with(contact="IT & Digital"),
                [Scripted("firewall", Status.FAIL)])
    h.app.menu.aboutToShow.emit()
    assert "Contact IT && Digital" in h.app.menu.status.text()
    assert "Contact IT & Digital" in h.app.menu.status.toolTip()


def test_a_no_from_advisory_problems_turns_the_tray_red(make_harness: Any, qtbot: Any) -> None:
    """``[notice] allow_advisory_continue = false``: advisory problems make the verdict
    "No", so the icon is "not ready", never the amber "attention"."""
    h = started(make_harness, qtbot, loaded_with(allow_continue=False),
                [Scripted("firewall", Status.PASS), Scripted("meeting-data", Status.FAIL)])
    app = h.app
    assert app.report.words().headline.startswith("No \u2014")
    assert app.state is TrayState.NOT_READY
    assert app.tray.icon().cacheKey() == state_icon(TrayState.NOT_READY).cacheKey()
    assert app.tooltip.startswith("DeviceCheck: No \u2014")
    assert "Problems: Meeting data not cleared yet" in app.tooltip
    assert "(fix soon)" not in app.tooltip


def test_a_no_tags_advisory_problems_that_can_wait(make_harness: Any, qtbot: Any) -> None:
    h = started(make_harness, qtbot, loaded_with(),
                [Scripted("firewall", Status.FAIL), Scripted("meeting-data", Status.FAIL)])
    assert "Problems: Firewall off, Meeting data not cleared yet (fix soon)" in h.app.tooltip


def _fix_by(day: date) -> str:
    return f"get this fixed by {day.day} {day.strftime('%b %Y')}"


def test_the_fix_by_date_counts_from_the_first_sighting(make_harness: Any, qtbot: Any) -> None:
    first = date.today() - timedelta(days=5)
    path = advisory_dates.default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(advisory_dates.render({"meeting-data": first}))
    checks = [Scripted("firewall", Status.PASS), Scripted("meeting-data", Status.FAIL)]
    h = started(make_harness, qtbot, loaded_with(grace_days=14), checks)
    app = h.app
    app.menu.aboutToShow.emit()
    wanted = _fix_by(first + timedelta(days=14))
    assert wanted in app.tooltip and wanted in app.menu.status.text()
    assert app.report.advisory_since is not None  # the report window reads the same date
    # The next run keeps the date; a pass forgets it.
    with qtbot.waitSignal(app.reportReady, timeout=10_000):
        app.check_now()
    assert wanted in app.tooltip
    checks[1].status = Status.PASS
    with qtbot.waitSignal(app.reportReady, timeout=10_000):
        app.check_now()
    assert advisory_dates.FirstSeenStore().load(date.today()) == ({}, True)
    checks[1].status = Status.FAIL
    with qtbot.waitSignal(app.reportReady, timeout=10_000):
        app.check_now()
    assert _fix_by(date.today() + timedelta(days=14)) in app.tooltip  # a new sighting


def test_open_log_folder_says_so_when_nothing_opens_it(make_harness: Any, qtbot: Any) -> None:
    from devicecheck import paths

    h = started(make_harness, qtbot, loaded_with(), [Scripted("firewall", Status.PASS)])
    app = h.app
    asked: list[str] = []
    def open_url(url: QUrl) -> bool:
        asked.append(url.toLocalFile())
        return False   # no file manager

    app.open_url = open_url
    app.menu.logs.trigger()
    assert asked == [str(paths.user_data_dir())]
    box = app.windows["logs"]
    assert isinstance(box, QMessageBox) and box.isVisible() and not box.isModal()
    assert box.icon() is QMessageBox.Icon.Warning
    assert "could not be opened" in box.windowTitle()
    # The location IT needs, behind the "For IT" door (a path is IT's detail).
    assert f"For IT: {paths.user_data_dir()}" in box.informativeText()
    assert "your council's IT service desk" in box.informativeText()
    assert_officer_clean(widget_strings(box), strict=True)
    buttons = box.findChildren(QAbstractButton)
    assert [b.text() for b in buttons if b.isVisibleTo(box)] == ["&Close"]
    assert all(b.icon().isNull() for b in buttons)
    # A second failure replaces the first window, not a pile of them.
    app.menu.logs.trigger()
    assert app.windows["logs"] is not box
    app.windows["logs"].close()


def test_open_log_folder_that_opens_shows_nothing_else(make_harness: Any, qtbot: Any) -> None:
    h = started(make_harness, qtbot, loaded_with(), [Scripted("firewall", Status.PASS)])
    h.app.open_url = lambda _url: True
    h.app.menu.logs.trigger()
    assert "logs" not in h.app.windows and not h.app.notifications


@pytest.mark.parametrize("name", list(STATES))
def test_about_box_uses_the_tray_words_and_a_plain_close(make_harness: Any, qtbot: Any,
                                                         name: str) -> None:
    checks, kw = STATES[name]
    h = started(make_harness, qtbot, loaded_with(**kw), checks)
    app = h.app
    box = app.show_about()
    assert isinstance(box, QMessageBox)
    assert state_line(app.state, app.verdict) in box.text().replace("&#x27;", "'")
    buttons = [b for b in box.findChildren(QAbstractButton) if b.isVisibleTo(box)]
    assert [b.text() for b in buttons] == ["&Close"]
    assert box.buttonRole(buttons[0]) is QMessageBox.ButtonRole.RejectRole
    assert buttons[0].icon().isNull() and buttons[0].accessibleName() == "Close"
    assert "policy.toml" in box.text().split("For IT", 1)[1]  # IT's detail kept, behind the door
    assert_officer_clean(widget_strings(box), PASSES, strict=True)
    screen = QGuiApplication.primaryScreen().availableGeometry()
    assert inside(box.frameGeometry(), screen)
    box.close()


@pytest.mark.parametrize("name", list(STATES))
def test_no_tray_window_has_the_tray_words_and_fits(make_harness: Any, qtbot: Any,
                                                   name: str) -> None:
    checks, kw = STATES[name]
    h = make_harness(loaded_with(**kw), checks, tray=False, tray_wait_s=0.25)
    with qtbot.waitSignal(h.app.reportReady, timeout=10_000):
        h.app.start()
    app = h.app
    qtbot.waitUntil(lambda: app.fallback is not None and app.fallback.isVisible(),
                    timeout=10_000)
    window = app.fallback
    assert window.status.text() == state_line(app.state, app.verdict)
    assert window.body.isAncestorOf(window.detail)          # the body scrolls…
    for button in window.buttons.values():                  # …the buttons do not
        assert not window.body.isAncestorOf(button)
    assert_officer_clean(widget_strings(window), PASSES, strict=True)
    screen = QGuiApplication.primaryScreen().availableGeometry()
    assert inside(window.frameGeometry(), screen)
    for button in window.buttons.values():
        if button.isVisibleTo(window):
            assert inside(QWidget.geometry(button).translated(window.mapToGlobal(QPoint())),
                          screen)
