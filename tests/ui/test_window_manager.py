"""``tray.window_manager.WindowManager``: windows open lazily, one at a time; the report
is reused; any other dialog is deleted once closed."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox

from devicecheck.checks.base import Status
from tests.ui.tray_helpers import make_harness, policy_with, scripted

__all__ = ["make_harness"]  # the fixture, imported for pytest


def test_a_closed_dialog_is_deleted_and_the_next_open_makes_a_new_one(
        make_harness: Any, qtbot: Any) -> None:
    h = make_harness(policy_with(), scripted(Status.PASS))
    app = h.app
    box = app.show_about()
    assert app.show_about() is box  # still open: raised, not opened twice
    destroyed: list[bool] = []
    box.destroyed.connect(lambda *_: destroyed.append(True))
    assert isinstance(box, QMessageBox)
    box.done(0)
    qtbot.waitUntil(lambda: bool(destroyed), timeout=10_000)
    assert "about" not in app.windows
    again = app.show_about()
    assert isinstance(again, QObject) and "about" in app.windows


def test_the_report_window_is_reused_after_closing(make_harness: Any, qtbot: Any) -> None:
    h = make_harness(policy_with(), scripted(Status.PASS))
    app = h.app
    first = app.open_report()
    first.close()
    qtbot.wait(50)
    assert app.open_report() is first
    assert app.windows["report"] is first
