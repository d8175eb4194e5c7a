"""After a meeting with Teams open: the "clear now?" prompt, and the menu's clean using
the restart flow. The Teams link is the stand-in from tray_helpers (same events). The
outcome of a clean the officer clicked for is shown in the window they clicked in, and no
balloon repeats it; automatic cleans keep their one balloon."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from devicecheck.checks.base import Status
from devicecheck.ui.model import clean_words as words
from devicecheck.ui.windows.clear_prompt import ClearPrompt
from tests.ui.test_clean_action import (
    Plan,
    Root,
    T,
    check_officer_dialog,
    click,
    fake_cleaner,
    shown,
)
from tests.ui.test_tray_app import started
from tests.ui.tray_helpers import FakeMonitor, make_harness, policy_with, scripted

__all__ = ["fake_cleaner", "make_harness"]  # fixtures, imported for pytest

ASK = {"clients": ["teams-for-linux"], "reason": "teams-running", "offer_quit_teams": True,
       "after_meeting": "ask", "offer_restart": True, "ask": True, "clean_on_exit": True}
CLEANED = {"clients": ["teams-for-linux"], "removed_files": 9, "removed_bytes": 900,
           "failures": 0, "restarted": {"teams-for-linux": True},
           "forced": {"teams-for-linux": False}, "automatic": False}


class RefusingMonitor(FakeMonitor):
    """Like TeamsMonitor when a call is on: the refusal event first, then False."""

    def restart_and_clean(self, clients: Iterable[str] | None = None, *,
                          automatic: bool = False) -> bool:
        self.send("clean-refused", detail={"clients": ["teams-for-linux"],
                                           "reason": "meeting-on"})
        return False


def balloons(app: Any, word: str) -> list[tuple[str, str, str]]:
    return [n for n in app.notifications if word in n[0]]


def test_prompt_names_the_client_and_a_reflex_enter_means_later(qtbot: Any) -> None:
    calls: list[str] = []
    prompt = ClearPrompt(lambda show: calls.append("clear"), lambda: calls.append("later"))
    box = prompt.show(clients=["teams-for-linux"])
    check_officer_dialog(box)
    assert box.windowTitle() == "Clear this meeting's data?"
    assert box.accessibleName() == "Clear this meeting's data?"
    text = box.screen_now.text()
    assert "Teams for Linux is still open" in text
    assert "names, e-mail addresses, chat and call history" in text
    assert "Teams for Linux closes for a moment" in text
    assert "You may need to sign in to Teams for Linux again." in text
    # It appears by itself: Enter must not close Teams; Clear now is Alt+C.
    assert box.screen_now.default == words.LATER and box.screen_now.escape == words.LATER
    qtbot.keyClick(box, "\r")
    assert calls == ["later"] and not prompt.showing


def test_new_teams_keeps_the_sign_in(qtbot: Any) -> None:
    prompt = ClearPrompt(lambda show: True)
    box = prompt.show(clients=["teams-new"])
    assert "Microsoft Teams is still open" in box.screen_now.text()
    assert "What stays: your sign-in, backgrounds and settings." in box.screen_now.text()
    prompt.dismiss()


def test_ask_event_opens_the_prompt_and_the_result_shows_there_without_a_balloon(
        make_harness: Any, qtbot: Any) -> None:
    monitor = FakeMonitor()
    h = make_harness(policy_with(), scripted(Status.PASS), monitor=monitor)
    app = started(h, qtbot)
    monitor.send("meeting-ended", in_meeting=False, detail={"duration_s": 60})
    monitor.send("clean-refused", detail=ASK)
    prompt = app.teams.clear_prompt
    assert prompt is not None and prompt.showing and prompt.box is not None
    assert not balloons(app, "Quit Teams")   # one ask, not two
    click(prompt.box, "Clear now")
    assert monitor.restarts == [None]
    assert prompt.screen is not None and prompt.screen.working
    check_officer_dialog(prompt.box)
    monitor.send("cleaned", detail=CLEANED)
    assert prompt.screen is not None and prompt.screen.heading == "Meeting data cleared"
    check_officer_dialog(prompt.box)
    assert not balloons(app, "cleared")   # the officer sees it in the window they used
    click(prompt.box, "Close")
    assert not prompt.showing


def clearing(make_harness: Any, qtbot: Any, monitor: FakeMonitor | None = None
             ) -> tuple[Any, FakeMonitor, Any]:
    """The tray after a meeting: the prompt asked, the officer chose Clear now."""
    monitor = monitor or FakeMonitor()
    h = make_harness(policy_with(), scripted(Status.PASS), monitor=monitor)
    app = started(h, qtbot)
    monitor.send("clean-refused", detail=ASK)
    prompt = app.teams.clear_prompt
    click(prompt.box, "Clear now")
    return app, monitor, prompt


def test_a_failed_restart_shows_in_the_prompt_with_a_warning(make_harness: Any,
                                                             qtbot: Any) -> None:
    app, monitor, prompt = clearing(make_harness, qtbot)
    monitor.send("clean-refused", detail={"clients": ["teams-for-linux"],
                                          "reason": "quit-failed"})
    assert prompt.screen.icon == words.WARNING
    assert prompt.screen.heading == "Meeting data not cleared"
    assert "Teams did not close" in prompt.screen.text()
    check_officer_dialog(prompt.box)
    assert not balloons(app, "not cleared")
    prompt.dismiss()


def test_a_call_on_refusal_is_shown_in_the_prompt(make_harness: Any, qtbot: Any) -> None:
    app, _monitor, prompt = clearing(make_harness, qtbot, RefusingMonitor())
    assert prompt.screen.heading == "Meeting data not cleared"
    assert "A call is on" in prompt.screen.text()
    assert not balloons(app, "not cleared")
    prompt.dismiss()


def test_closing_the_prompt_while_clearing_leaves_the_balloon_to_tell(
        make_harness: Any, qtbot: Any) -> None:
    app, monitor, prompt = clearing(make_harness, qtbot)
    click(prompt.box, "Close")
    assert not prompt.showing
    monitor.send("cleaned", detail=CLEANED)
    assert [n[0] for n in balloons(app, "cleared")] == ["Meeting data cleared"]


def test_an_automatic_clean_notifies_once(make_harness: Any, qtbot: Any) -> None:
    monitor = FakeMonitor()
    h = make_harness(policy_with(), scripted(Status.PASS), monitor=monitor)
    app = started(h, qtbot)
    monitor.send("teams-restarting", detail={"clients": ["teams-for-linux"],
                                             "automatic": True})
    monitor.send("cleaned", detail={**CLEANED, "automatic": True})
    assert [n[0] for n in balloons(app, "cleared")] == [
        "Meeting data cleared while you were away"]
    assert app.teams.clear_prompt is None   # nothing else opened


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


def test_menu_clean_with_teams_open_offers_the_restart_and_shows_its_result(
        make_harness: Any, qtbot: Any, fake_cleaner: Any) -> None:
    monitor = FakeMonitor()
    fake_cleaner.plan = Plan([Root("teams-for-linux", [T(10, 2048)], running=True)])
    h = make_harness(policy_with(), scripted(Status.PASS), monitor=monitor)
    app = started(h, qtbot)
    flow = app.open_clean()
    box = shown(qtbot, flow, "Clear meeting data from Teams for Linux?")
    assert "closes it for a moment and opens it again" in box.screen_now.text()
    assert box.screen_now.icon == words.QUESTION
    click(box, "Restart Teams and clear")
    assert monitor.restarts == [frozenset({"teams-for-linux"})]
    assert "clean" not in fake_cleaner.calls     # the link cleans, after the restart
    shown(qtbot, flow, "Clearing meeting data…")
    monitor.send("cleaned", detail={**CLEANED, "failures": 2})
    box = shown(qtbot, flow, "Some meeting data was not cleared")
    assert box.screen_now.icon == words.WARNING
    assert not balloons(app, "cleared")
    click(box, "Close")
    assert flow.box is None
