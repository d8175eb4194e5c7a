"""qtsupport.screen_fit: windows are bounded by the available screen and the scroll body
follows the focus. The real screens (1024×600, 200 % on 1366×768) are in
tests/e2e/test_screen_fit_e2e.py; here the offscreen screen (800×600 in Qt 6) is enough."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QRect, QSize
from PySide6.QtWidgets import QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from devicecheck.qtsupport.screen_fit import (
    SHARE,
    available_area,
    bounded_size,
    fit_to_screen,
    inside,
    scroll_body,
)


def test_bounded_size_keeps_small_and_shrinks_large() -> None:
    area = QRect(0, 32, 1024, 568)
    assert bounded_size(QSize(400, 300), area) == QSize(400, 300)
    assert bounded_size(QSize(2000, 2000), area) == QSize(int(1024 * SHARE), int(568 * SHARE))


def test_inside() -> None:
    area = QRect(0, 0, 100, 100)
    assert inside(QRect(10, 10, 50, 50), area)
    assert not inside(QRect(60, 60, 50, 50), area)


def window_with_buttons(qtbot: QtBot, count: int) -> tuple[QWidget, QScrollArea,
                                                            list[QPushButton]]:
    """A window whose scroll body holds ``count`` buttons, one label outside it."""
    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    body = QWidget()
    inner = QVBoxLayout(body)
    buttons = [QPushButton(f"Button {n}", body) for n in range(count)]
    for b in buttons:
        inner.addWidget(b)
    area = scroll_body(body, window, name="Body")
    layout.addWidget(area)
    layout.addWidget(QLabel("Always visible", window))
    return window, area, buttons


def test_fit_to_screen_bounds_a_window_bigger_than_the_screen(qtbot: QtBot) -> None:
    window, _area, _buttons = window_with_buttons(qtbot, 80)
    area = available_area(window)
    assert area is not None
    size = fit_to_screen(window, QSize(area.width() * 3, area.height() * 3))
    window.show()
    qtbot.waitExposed(window)
    assert size.width() <= area.width() * SHARE and size.height() <= area.height() * SHARE
    assert inside(window.geometry(), area)
    assert window.height() <= area.height() * SHARE + 1


def test_scroll_body_scrolls_the_focused_control_into_view(qtbot: QtBot) -> None:
    window, area, buttons = window_with_buttons(qtbot, 60)
    window.resize(300, 200)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    assert area.verticalScrollBar().value() == 0
    buttons[-1].setFocus()  # not by Tab: a mnemonic or code moves focus the same way
    qtbot.waitUntil(lambda: area.verticalScrollBar().value() > 0, timeout=5000)
    top_left = buttons[-1].mapTo(area.viewport(), buttons[-1].rect().topLeft())
    assert 0 <= top_left.y() <= area.viewport().height() - buttons[-1].height()


def test_grow_to_content_shows_added_text_without_scrolling(qtbot: QtBot) -> None:
    from devicecheck.qtsupport.screen_fit import grow_to_content

    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    body = QWidget()
    inner = QVBoxLayout(body)
    label = QLabel("One line.", body)
    label.setWordWrap(True)
    inner.addWidget(label)
    area = scroll_body(body, window, name="Body")
    layout.addWidget(area)
    fit_to_screen(window, QSize(300, 120))
    window.show()
    qtbot.waitExposed(window)
    label.setText("A longer message. " * 40)  # a message added after the window opened
    before = window.height()
    grow_to_content(window, area)
    qtbot.waitUntil(lambda: area.verticalScrollBar().maximum() == 0, timeout=5000)
    assert window.height() > before
    area_rect = available_area(window)
    assert area_rect is not None and window.height() <= area_rect.height() * SHARE + 1



def test_the_screen_survives_windows_freed_by_the_collector(tmp_path: Path) -> None:
    """The suite once died in QScreen::virtualSiblings when a window was built, after the
    cyclic collector had deleted the application's QScreen along with a fitted window
    (``available_area`` then asked ``window.screen()``; see its comment). Those two test
    modules in one process crashed in 3 runs out of 3; they must now pass, twice over."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    for _ in range(2):
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
             "tests/ui/test_meeting_prompt.py", "tests/ui/test_recording_alert.py"],
            cwd=root, capture_output=True, text=True, timeout=300, check=False,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
