"""After a meeting with Teams open: the "clear now?" prompt, and the menu's clean using
the restart flow. The Teams link is the stand-in from tray_helpers (same events)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QMessageBox

from devicecheck.checks.base import Status
from devicecheck.ui.windows.clear_prompt import ClearPrompt
from tests.ui.test_clean_action import Plan, Root, T, click, fake_cleaner
from tests.ui.test_tray_app import started
from tests.ui.tray_helpers import FakeMonitor, make_harness, policy_with, scripted

__all__ = ["fake_cleaner", "make_harness"]  # fixtures, imported for pytest

ASK = {"clients": ["teams-for-linux"], "reason": "teams-running", "offer_quit_teams": True,
       "after_meeting": "ask", "offer_restart": True, "ask": True, "clean_on_exit": True}


def test_prompt_buttons_are_named_and_clear_now_is_the_default(qtbot: Any) -> None:
    calls: list[str] = []
    prompt = ClearPrompt(lambda: calls.append("clear"), lambda: calls.append("later"))
    box = prompt.show()
    assert box.accessibleName() == "Clear this meeting's data?"
    assert all(b.accessibleName() for b in box.buttons())
    assert box.defaultButton().text().replace("&", "") == "Clear now"
    assert box.escapeButton().text().replace("&", "") == "Later"
    assert "Teams closes for a few seconds" in box.text()
    click(box, "Later")
    assert calls == ["later"] and not prompt.showing


def test_ask_event_opens_the_prompt_and_clear_now_restarts(make_harness: Any,
                                                            qtbot: Any) -> None:
    monitor = FakeMonitor()
    h = make_harness(policy_with(), scripted(Status.PASS), monitor=monitor)
    app = started(h, qtbot)
    monitor.send("meeting-ended", in_meeting=False, detail={"duration_s": 60})
    monitor.send("clean-refused", detail=ASK)
    prompt = app.teams.clear_prompt
    assert prompt is not None and prompt.showing
    assert not any("Quit Teams" in n[0] for n in app.notifications)   # one ask, not two
    assert prompt.box is not None
    click(prompt.box, "Clear now")
    assert monitor.restarts == [None]
    monitor.send("cleaned", detail={"clients": ["teams-for-linux"], "removed_files": 9,
                                    "removed_bytes": 900, "failures": 0,
                                    "restarted": {"teams-for-linux": True},
                                    "forced": {"teams-for-linux": False}, "automatic": False})
    assert app.notifications[-1][0] == "Meeting data cleared"


def test_a_meeting_starting_while_the_prompt_is_open_closes_it_and_nothing_is_quit(
        make_harness: Any, qtbot: Any) -> None:
    monitor = FakeMonitor()
    h = make_harness(policy_with(), scripted(Status.PASS), monitor=monitor)
    app = started(h, qtbot)
    monitor.send("clean-refused", detail=ASK)
    assert app.teams.clear_prompt.showing
    monitor.send("meeting-started", in_meeting=True, detail={"source": "audio"})
    assert not app.teams.clear_prompt.showing
    assert monitor.restarts == []
    # Even an officer reaching the (gone) button later cannot restart during the call.
    assert app.clear_now() is False and monitor.restarts == []


def test_menu_clean_with_teams_open_offers_the_restart(make_harness: Any, qtbot: Any,
                                                       fake_cleaner: Any) -> None:
    monitor = FakeMonitor()
    fake_cleaner.plan = Plan([Root("Teams for Linux", [T(10, 2048)], running=True)])
    h = make_harness(policy_with(), scripted(Status.PASS), monitor=monitor)
    app = started(h, qtbot)
    flow = app.open_clean()
    qtbot.waitUntil(lambda: flow.box is not None, timeout=5000)
    assert flow.box is not None
    assert "closes for a few seconds and opens again" in flow.box.text()
    assert flow.box.icon() == QMessageBox.Icon.Question
    click(flow.box, "Clear now")
    assert monitor.restarts == [frozenset({"teams-for-linux"})]
    assert "clean" not in fake_cleaner.calls     # the link cleans, after the restart
    assert flow.box is None
