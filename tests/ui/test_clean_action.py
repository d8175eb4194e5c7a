""""Clear meeting data now…": the plan in plain words, the question, the clean off the GUI
thread, the result in the same window; every state checked for officer words, named
buttons with mnemonics and no stock icons, and a fit on the screen."""

from __future__ import annotations

import re
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QPushButton

from devicecheck.audit import AuditLog
from devicecheck.policy.model import Policy
from devicecheck.qtsupport.screen_fit import available_area, inside
from devicecheck.teams.events import parse
from devicecheck.ui.model import clean_words as words
from devicecheck.ui.windows.clean_action import CleanFlow
from devicecheck.ui.windows.clean_dialog import CleanDialog
from tests.helpers.officer_text import assert_officer_clean, widget_strings
from tests.ui.tray_helpers import make_harness

__all__ = ["make_harness"]  # the fixture, imported for pytest


@dataclass
class T:
    files: int
    bytes: int


@dataclass
class Root:
    """Stands in for cleaner.plan.RootPlan (the fields the flow reads)."""

    client_id: str
    deletable: list[T]
    running: bool = False
    refused: str | None = None


@dataclass
class Plan:
    clients: list[Root] = field(default_factory=list)


@dataclass
class Result:
    """Stands in for cleaner.run.CleanResult: refused clients are also in failures there."""

    removed_files: int = 12
    removed_bytes: int = 5 * 1024 * 1024
    removed_links: int = 0
    refused: list[str] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    nothing_to_do: bool = False


@pytest.fixture
def fake_cleaner(monkeypatch: pytest.MonkeyPatch) -> Any:
    mod = types.ModuleType("devicecheck.cleaner")
    mod.calls = []  # type: ignore[attr-defined]
    mod.plan = Plan([Root("teams-new", [T(10, 2048), T(2, 5 * 1024 * 1024)])])  # type: ignore[attr-defined]
    mod.result = Result()  # type: ignore[attr-defined]

    def plan_clean(policy: Policy) -> Plan:
        mod.calls.append("plan")
        return mod.plan

    def clean(policy: Policy, *, audit: AuditLog) -> Result:
        mod.calls.append("clean")
        if isinstance(mod.result, Exception):
            raise mod.result
        return mod.result

    mod.plan_clean = plan_clean  # type: ignore[attr-defined]
    mod.clean = clean  # type: ignore[attr-defined]
    # The flow imports the planner and the clean from their own modules.
    monkeypatch.setitem(sys.modules, "devicecheck.cleaner.plan", mod)
    monkeypatch.setitem(sys.modules, "devicecheck.cleaner.run", mod)
    return mod


def flow(tmp_path: Any, restart: Callable[..., bool | None] | None = None) -> CleanFlow:
    return CleanFlow(Policy(), AuditLog(tmp_path / "audit.jsonl"), restart=restart)


def button(box: CleanDialog, text: str) -> QPushButton:
    return next(b for b in box.buttons.values() if b.text().replace("&", "") == text)


def click(box: CleanDialog | None, text: str) -> None:
    assert box is not None
    button(box, text).click()


def shown(qtbot: Any, f: CleanFlow, heading: str) -> CleanDialog:
    qtbot.waitUntil(lambda: f.box is not None and f.box.isVisible()
                    and f.box.screen_now.heading == heading, timeout=5000)
    assert f.box is not None
    check_officer_dialog(f.box)
    return f.box


def check_officer_dialog(box: CleanDialog) -> None:
    """Every state: officer words only, every button named with a mnemonic and no stock
    icon, Enter's default is a real enabled button, everything on the screen."""
    assert_officer_clean(widget_strings(box), strict=True)
    text = box.screen_now.text()
    assert not re.search(r"\d+ (files?|items?)|native|teams-|/|\\", text), text
    for b in box.buttons.values():
        assert b.accessibleName() and "&" in b.text() and b.icon().isNull(), b.text()
        assert not b.autoDefault()
    default = box.buttons[box.screen_now.default]
    assert default.isEnabled() and default.isDefault()
    area = available_area(box)  # never box.screen(): see qtsupport.screen_fit
    assert area is not None
    assert box.width() <= area.width() * 0.9 + 1 and box.height() <= area.height() * 0.9 + 1


def test_closed_teams_clear_is_asked_in_plain_words_and_enter_clears(
        qtbot: Any, tmp_path: Any, fake_cleaner: Any) -> None:
    f = flow(tmp_path)
    f.start()
    box = shown(qtbot, f, "Clear meeting data from Microsoft Teams?")
    text = box.screen_now.text()
    assert "What goes: names, e-mail addresses, chat and call history" in text
    assert "What stays: your sign-in, backgrounds and settings." in text   # new Teams
    assert box.screen_now.icon == words.QUESTION
    # The officer chose the menu item on purpose: Enter does what they asked for, Escape
    # is the way out.
    assert box.screen_now.default == words.CLEAR and box.screen_now.escape == words.CANCEL
    assert fake_cleaner.calls == ["plan"]
    with qtbot.waitSignal(f.done, timeout=5000) as blocker:
        qtbot.keyClick(box, "\r")
    assert fake_cleaner.calls == ["plan", "clean"]
    assert blocker.args[0].removed_files == 12
    done = shown(qtbot, f, "Meeting data cleared")
    assert done.screen_now.icon == words.PLAIN   # success is a plain confirmation
    click(done, "Close")
    assert f.box is None
    QThreadPool.globalInstance().waitForDone(5000)


def test_cancel_and_escape_clean_nothing(qtbot: Any, tmp_path: Any, fake_cleaner: Any) -> None:
    f = flow(tmp_path)
    f.start()
    with qtbot.waitSignal(f.done, timeout=5000) as blocker:
        click(shown(qtbot, f, "Clear meeting data from Microsoft Teams?"), "Cancel")
    assert blocker.args == [None] and fake_cleaner.calls == ["plan"] and f.box is None
    f.start()
    box = shown(qtbot, f, "Clear meeting data from Microsoft Teams?")
    qtbot.keyClick(box, "\x1b")   # Escape
    assert f.box is None and fake_cleaner.calls == ["plan", "plan"]


def test_nothing_to_clear(qtbot: Any, tmp_path: Any, fake_cleaner: Any) -> None:
    fake_cleaner.plan = Plan([Root("teams-classic", [])])
    f = flow(tmp_path)
    f.start()
    box = shown(qtbot, f, "No meeting data to clear")
    assert list(box.buttons) == [words.CLOSE]
    click(box, "Close")


def test_teams_open_with_the_restart_flow(qtbot: Any, tmp_path: Any, fake_cleaner: Any) -> None:
    fake_cleaner.plan = Plan([Root("teams-new", [T(10, 2048)], running=True)])
    calls: list[Any] = []

    def restart(show: Any) -> bool:
        calls.append(show)
        return True

    f = flow(tmp_path, restart)
    f.start()
    box = shown(qtbot, f, "Clear meeting data from Microsoft Teams?")
    assert "Clear now" not in [b.text().replace("&", "") for b in box.buttons.values()]
    assert "Microsoft Teams is open. To clear its data, DeviceCheck closes it for a moment " \
        "and opens it again." in box.screen_now.text()
    assert "your sign-in" in box.screen_now.text()   # new Teams keeps it (clean_words)
    click(box, "Restart Teams and clear")
    assert len(calls) == 1 and "clean" not in fake_cleaner.calls   # the link cleans
    box = shown(qtbot, f, "Clearing meeting data…")
    assert calls[0](parse("cleaned", {"clients": ["teams-new"], "failures": 0,
                                      "automatic": False,
                                      "restarted": {"teams-new": True}})) is True
    box = shown(qtbot, f, "Meeting data cleared")
    assert "Teams is opening again." in box.screen_now.text()
    click(box, "Close")
    # Closed: a late outcome is declined, so the link's balloon tells it instead.
    assert calls[0](parse("cleaned", {"restarted": {}})) is False


def test_teams_open_without_a_restart_flow_waits_for_the_officer_to_quit_it(
        qtbot: Any, tmp_path: Any, fake_cleaner: Any) -> None:
    fake_cleaner.plan = Plan([Root("teams-for-linux", [T(10, 2048)], running=True)])
    f = flow(tmp_path)
    f.start()
    box = shown(qtbot, f, "Clear meeting data from Teams for Linux?")
    assert not button(box, "Clear now").isEnabled()
    assert "Quit Teams, then Try again." in box.screen_now.text()
    assert "You may need to sign in to Teams for Linux again." in box.screen_now.text()
    assert box.screen_now.icon == words.WARNING and box.screen_now.default == words.RETRY
    fake_cleaner.plan = Plan([Root("teams-for-linux", [T(10, 2048)])])   # officer quit it
    click(box, "Try again")
    qtbot.waitUntil(lambda: f.box is not None and words.CLEAR in f.box.buttons
                    and f.box.buttons[words.CLEAR].isEnabled(), timeout=5000)
    assert fake_cleaner.calls == ["plan", "plan"]
    assert f.box is not None
    check_officer_dialog(f.box)
    click(f.box, "Cancel")


@pytest.mark.parametrize(("result", "heading", "words_in"), [
    (Result(failures=[{}, {}]), "Some meeting data was not cleared",
     "could not be removed"),
    (Result(removed_files=0, removed_bytes=0, refused=["teams-new"], failures=[{}]),
     "Meeting data not cleared", "Microsoft Teams was open, so its data stays."),
    (OSError("disk on fire at /home/x"), "Meeting data not cleared",
     "Clearing the meeting data failed."),
])
def test_partial_and_failed_results_wear_the_warning_icon(
        qtbot: Any, tmp_path: Any, fake_cleaner: Any, result: Any, heading: str,
        words_in: str) -> None:
    fake_cleaner.result = result
    f = flow(tmp_path)
    f.start()
    click(shown(qtbot, f, "Clear meeting data from Microsoft Teams?"), "Clear now")
    box = shown(qtbot, f, heading)
    assert box.screen_now.icon == words.WARNING   # never information for a failure
    assert words_in in box.screen_now.text()
    assert "fire" not in box.screen_now.text()   # the exception goes to the log only
    assert words.RETRY in box.buttons and box.screen_now.default == words.CLOSE
    click(box, "Close")
    QThreadPool.globalInstance().waitForDone(5000)


def test_cleaner_missing_is_explained(qtbot: Any, tmp_path: Any,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "devicecheck.cleaner.plan", None)
    f = flow(tmp_path)
    f.start()
    box = shown(qtbot, f, "Meeting data can't be cleared here")
    assert box.screen_now.icon == words.WARNING
    click(box, "Close")


def test_real_cleaner_on_an_empty_home(qtbot: Any, tmp_path: Any) -> None:
    pytest.importorskip("devicecheck.cleaner.plan")
    f = flow(tmp_path)
    f.start()
    qtbot.waitUntil(lambda: f.box is not None and f.box.isVisible(), timeout=10_000)
    assert f.box is not None and f.box.screen_now.heading == "No meeting data to clear"
    click(f.box, "Close")
    QThreadPool.globalInstance().waitForDone(5000)


def test_every_state_in_its_fullest_words_fits_and_speaks_plainly(qtbot: Any) -> None:
    area = QGuiApplication.primaryScreen().availableGeometry()
    for name, screen in words.fullest_screens().items():
        box = CleanDialog(screen)
        qtbot.addWidget(box)
        box.show()
        qtbot.waitExposed(box)
        check_officer_dialog(box)
        for b in box.buttons.values():
            top_left = b.mapToGlobal(b.rect().topLeft())
            assert inside(b.rect().translated(top_left), area), name
        box.finish()


def test_tray_menu_entry_runs_the_flow(qtbot: Any, fake_cleaner: Any, make_harness: Any) -> None:
    from devicecheck.checks.base import Status
    from tests.ui.tray_helpers import policy_with, scripted

    h = make_harness(policy_with(), scripted(Status.PASS))
    with qtbot.waitSignal(h.app.reportReady, timeout=10_000):
        h.app.start()
    h.app.menu.clean.trigger()
    f = h.app.windows["clean"]
    box = shown(qtbot, f, "Clear meeting data from Microsoft Teams?")
    with qtbot.waitSignal(h.app.reportReady, timeout=10_000):  # meeting-data checked again
        click(box, "Clear now")
    assert fake_cleaner.calls == ["plan", "clean"]
    assert h.app.notifications == [] or all("cleared" not in n[0].lower()
                                            for n in h.app.notifications)
    click(shown(qtbot, f, "Meeting data cleared"), "Close")
