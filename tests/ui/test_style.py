"""The shared look (qtsupport.style): a 2 px focus frame on every focusable kind of
control, no stock icons on dialog buttons under the application style, headings that
follow the system font, and a verdict banner that never tells a state by colour alone."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProxyStyle,
    QPushButton,
    QRadioButton,
    QStyle,
    QStyleOption,
    QTextBrowser,
    QToolButton,
    QTreeWidget,
    QVBoxLayout,
    QWidget,
)

from devicecheck.qtsupport.style import (
    APP_STYLE,
    FOCUS_STYLE,
    FOCUS_WIDTH,
    STATE_TONES,
    TONES,
    VerdictBanner,
    apply_app_style,
    heading_font,
)
from devicecheck.ui.model.states import STATE_WORDS, TrayState


def _label() -> QWidget:
    label = QLabel("Selectable text")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard)
    return label


def tool_button(text: str) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    return button


CONTROLS: dict[str, Callable[[], QWidget]] = {
    "button": lambda: QPushButton("Press"),
    "tool button": lambda: tool_button("Tool"),
    "check box": lambda: QCheckBox("Tick"),
    "radio button": lambda: QRadioButton("Pick"),
    "line edit": lambda: QLineEdit("text"),
    "text browser": lambda: QTextBrowser(),
    "tree": lambda: QTreeWidget(),
    "label": _label,
}


@pytest.mark.parametrize("kind", list(CONTROLS))
def test_focus_frame_is_2px_of_the_highlight_colour(qtbot: Any, kind: str) -> None:
    host = QWidget()
    host.setStyleSheet(FOCUS_STYLE)
    layout = QVBoxLayout(host)
    other = QPushButton("Elsewhere", host)
    control = CONTROLS[kind]()
    control.setParent(host)
    control.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    layout.addWidget(other)
    layout.addWidget(control)
    qtbot.addWidget(host)
    with qtbot.waitExposed(host):
        host.show()
    host.activateWindow()
    colour = control.palette().color(QPalette.ColorRole.Highlight)

    def edge() -> list[QColor]:
        image = control.grab().toImage()
        scale = image.devicePixelRatio()
        y = image.height() // 2
        return [image.pixelColor(int(x * scale), y) for x in range(FOCUS_WIDTH + 1)]

    other.setFocus()
    qtbot.waitUntil(other.hasFocus, timeout=5000)
    assert edge()[0] != colour  # no frame without the focus
    control.setFocus()
    qtbot.waitUntil(control.hasFocus, timeout=5000)
    left = edge()
    assert left[:FOCUS_WIDTH] == [colour] * FOCUS_WIDTH, (kind, left)


class IconsOnButtons(QProxyStyle):
    """A platform style that puts stock icons on dialog buttons (as GNOME's and KDE's
    platform themes do: the green arrow on "OK", the red cross on "Cancel")."""

    def styleHint(self, hint: QStyle.StyleHint, option: QStyleOption | None = None,
                  widget: QWidget | None = None, data: Any = None) -> int:
        if hint == QStyle.StyleHint.SH_DialogButtonBox_ButtonsHaveIcons:
            return 1
        return int(super().styleHint(hint, option, widget, data))


@pytest.fixture
def app_style(qapp: QApplication) -> Iterator[QApplication]:
    before = qapp.styleSheet()
    yield qapp
    qapp.setStyleSheet(before)


def _icons(box: QDialogButtonBox) -> list[bool]:
    return [not b.icon().isNull() for b in box.buttons()]


def test_no_stock_icons_on_dialog_buttons_under_the_app_style(qtbot: Any,
                                                              app_style: QApplication) -> None:
    style = IconsOnButtons("Fusion")
    plain = QDialogButtonBox()
    qtbot.addWidget(plain)
    plain.setStyle(style)
    plain.setStandardButtons(QDialogButtonBox.StandardButton.Ok
                             | QDialogButtonBox.StandardButton.Cancel)
    assert all(_icons(plain))  # the stand-in does what those themes do

    apply_app_style(app_style)
    apply_app_style(app_style)  # idempotent
    assert app_style.styleSheet().count(APP_STYLE) == 1
    styled = QDialogButtonBox()
    qtbot.addWidget(styled)
    styled.setStyle(style)
    styled.setStandardButtons(QDialogButtonBox.StandardButton.Ok
                              | QDialogButtonBox.StandardButton.Cancel)
    assert _icons(styled) == [False, False]
    box = QMessageBox(QMessageBox.Icon.Warning, "DeviceCheck", "Something failed",
                      QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel)
    qtbot.addWidget(box)
    box.setStyle(style)
    for child in box.findChildren(QWidget):
        child.setStyle(style)
    inner = box.findChild(QDialogButtonBox)
    assert inner is not None
    inner.setStandardButtons(QDialogButtonBox.StandardButton.Ok
                             | QDialogButtonBox.StandardButton.Cancel)
    assert not any(_icons(inner))


def test_app_style_keeps_an_existing_sheet(app_style: QApplication) -> None:
    app_style.setStyleSheet("QToolTip { color: black; }")
    apply_app_style(app_style)
    assert app_style.styleSheet().startswith("QToolTip { color: black; }")
    assert APP_STYLE in app_style.styleSheet()


def test_heading_font_follows_the_system_font(qtbot: Any) -> None:
    w = QLabel("x")
    qtbot.addWidget(w)
    base = w.font().pointSizeF()
    font = heading_font(w, 1.5)
    assert font.pointSizeF() == pytest.approx(base * 1.5) and font.bold()
    assert not heading_font(w, 1.0, bold=False).bold()


@pytest.mark.parametrize("state", list(TrayState))
def test_banner_tells_the_state_by_icon_and_words_not_colour_alone(qtbot: Any,
                                                                   state: TrayState) -> None:
    banner = VerdictBanner()
    qtbot.addWidget(banner)
    banner.setStyleSheet(FOCUS_STYLE)
    banner.set_verdict(state, STATE_WORDS[state])
    banner.show()
    assert banner.tone() == STATE_TONES[state] and banner.tone() in TONES
    assert banner.label.text() == STATE_WORDS[state]
    assert banner.label.accessibleName() == f"Verdict: {STATE_WORDS[state]}"
    assert not banner.icon.pixmap().isNull() and banner.icon.accessibleName()
    background, text = TONES[banner.tone()]
    image = banner.grab().toImage()
    assert image.pixelColor(image.width() - 6, image.height() // 2) == QColor(background)
    assert banner.label.palette().color(banner.label.foregroundRole()) == QColor(text)
