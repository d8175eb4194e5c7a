"""The menu's one entry list: the menu, the no-tray window's buttons and the messages a
second launch may send all come from ``menu.ENTRIES``."""

from __future__ import annotations

from typing import Any

from devicecheck.checks.base import Status
from devicecheck.ui.tray.menu import ENTRIES, TrayMenu, entry_for_message
from tests.ui.tray_helpers import make_harness, policy_with, scripted

__all__ = ["make_harness"]  # the fixture, imported for pytest


def test_menu_has_one_action_per_entry_in_order(qtbot: Any) -> None:
    called: list[str] = []
    handlers = {e.key: (lambda *_a, k=e.key: called.append(k)) for e in ENTRIES}
    menu = TrayMenu(handlers)
    texts = [a.text() for a in menu.command_actions()]
    assert texts == [e.text for e in ENTRIES]
    menu.entries["about"].trigger()
    menu.entries["autostart"].setChecked(True)  # a toggle gets its new state
    assert called == ["about", "autostart"]


def test_second_launch_messages_come_from_the_entries() -> None:
    assert entry_for_message("report").key == "report"
    assert entry_for_message("precall").key == "precall"
    assert entry_for_message("anything else").key == "precall"  # what a relaunch wants


def test_no_tray_window_buttons_are_the_menu_entries(make_harness: Any, qtbot: Any) -> None:
    h = make_harness(policy_with(), scripted(Status.PASS), tray=False, tray_wait_s=0.25)
    h.app.start()
    qtbot.waitUntil(lambda: h.app.fallback is not None, timeout=10_000)
    assert h.app.fallback is not None
    assert list(h.app.fallback.buttons) == [e.text.replace("&", "") for e in ENTRIES]


def test_a_second_launch_runs_the_entry_it_names(make_harness: Any, qtbot: Any) -> None:
    h = make_harness(policy_with(), scripted(Status.PASS))
    h.app.start()
    h.app.on_message("report")
    assert h.app.windows["report"].isVisible()


def _with_pilot_menu(on: bool) -> Any:
    import dataclasses

    loaded = policy_with()
    policy = loaded.policy
    teams = dataclasses.replace(policy.teams, pilot_menu=on)
    return dataclasses.replace(loaded, policy=dataclasses.replace(policy, teams=teams))


def test_pilot_item_shows_only_when_it_sets_pilot_menu(make_harness: Any, qtbot: Any) -> None:
    off = make_harness(policy_with(), scripted(Status.PASS))
    off.app.start()
    off.app.refresh_menu()
    assert not off.app.menu.entries["pilot"].isVisible()
    assert "Test meeting detection…" in [e.text.replace("&", "") for e in ENTRIES]

    on = make_harness(_with_pilot_menu(True), scripted(Status.PASS))
    on.app.start()
    on.app.refresh_menu()
    item = on.app.menu.entries["pilot"]
    assert item.isVisible() and item.text() == "&Test meeting detection…"
    item.trigger()
    window = on.app.windows["pilot"]
    assert window.isVisible()
    assert window.windowTitle() == "Test meeting detection"
    window.close()


def test_the_verdict_line_is_shortened_at_a_word_never_mid_word() -> None:
    """Issue 27: at 200 % with a real IT contact the status line was cut mid-word."""
    from devicecheck.ui.tray.menu import elide_at_word

    line = ("No \u2014 don't take calls on this laptop. Contact the IT service desk on "
            "01234 567890")
    assert elide_at_word(line, lambda t: True) == line
    short = elide_at_word(line, lambda t: len(t) <= 40)
    assert short == "No \u2014 don't take calls on this laptop\u2026"
    assert line.startswith(short.rstrip("\u2026"))  # whole words, in order
    assert elide_at_word("Unbreakable", lambda t: False) == "Unbreakable\u2026"


def test_a_long_verdict_line_keeps_its_full_words_in_the_tool_tip(qapp: object) -> None:
    from PySide6.QtGui import QGuiApplication

    from devicecheck.ui.model.states import TrayState
    from devicecheck.ui.tray.menu import ENTRIES, TrayMenu

    menu = TrayMenu({e.key: (lambda *_a: None) for e in ENTRIES} | {"report": lambda: None})
    screen = QGuiApplication.primaryScreen()
    assert screen is not None
    contact = "the council's IT service desk " * (screen.availableGeometry().width() // 60)
    line = f"No \u2014 don't take calls on this laptop. Contact {contact.strip()}."
    menu.refresh(TrayState.NOT_READY, "", allow_quit=True, autostart_visible=False,
                 autostart_enabled=False, line=line)
    shown = menu.status.text()
    assert shown.endswith("\u2026") and len(shown) < len(line)
    assert line.startswith(shown.rstrip("\u2026"))
    assert line in menu.status.toolTip() and menu.toolTipsVisible()
