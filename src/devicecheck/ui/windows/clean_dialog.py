"""The one small dialog both "clear meeting data" flows draw their states in.

Not a QMessageBox: that sizes itself (off-screen at 200 % on a small laptop, issue 19) and
some styles paint stock icons on its standard buttons. This one is a heading with the
state's icon, the paragraphs in ``scroll_body`` and the button row outside it, sized by
``fit_to_screen``; every button is ours (text with a mnemonic, an accessible name and
description, never an auto-default), and Enter presses the screen's chosen default.

``CleanDialog(screen)`` opens any state directly (the screen-fit tests use
``clean_words.fullest_screens()``); ``show_screen`` moves an open dialog to the next state.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from devicecheck.qtsupport.screen_fit import (
    available_area,
    bounded_size,
    fit_to_screen,
    scroll_body,
)
from devicecheck.qtsupport.style import FOCUS_STYLE
from devicecheck.ui.model.clean_words import INFO, QUESTION, WARNING, Screen

_ICONS = {WARNING: QStyle.StandardPixmap.SP_MessageBoxWarning,
          QUESTION: QStyle.StandardPixmap.SP_MessageBoxQuestion,
          INFO: QStyle.StandardPixmap.SP_MessageBoxInformation}


class CleanDialog(QDialog):
    """Non-modal (the tray keeps running). ``chosen`` carries the pressed button's key;
    Escape and the window's close button choose the screen's ``escape`` key."""

    chosen = Signal(str)

    def __init__(self, screen: Screen, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModal(False)
        self.setStyleSheet(FOCUS_STYLE)
        self.screen_now = screen
        self.buttons: dict[str, QPushButton] = {}
        self._finishing = False
        outer = QVBoxLayout(self)
        top = QHBoxLayout()
        self._icon = QLabel(self)
        self._icon.setAccessibleName("")
        self._heading = QLabel(self)
        self._heading.setObjectName("cleanHeading")
        self._heading.setWordWrap(True)
        font = self._heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self._heading.setFont(font)
        self._heading.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        top.addWidget(self._icon, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self._heading, 1)
        outer.addLayout(top)
        body = QWidget()
        self._body = QVBoxLayout(body)
        self._body.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll_body(body, self, name="Details"), 1)
        self._row = QHBoxLayout()
        self._row.addStretch(1)
        outer.addLayout(self._row)
        self._apply(screen)
        fm = self.fontMetrics()
        # About 60 characters a line at the officer's font, as tall as the words need.
        width = fm.averageCharWidth() * 64
        self._wanted_width = width
        fit_to_screen(self, QSize(width, self._wanted_height(width)))

    # ----- states -------------------------------------------------------------------------
    def show_screen(self, screen: Screen) -> None:
        """Move to ``screen`` (e.g. asking → clearing → result), keeping the window where
        it is but growing or shrinking it within the screen bound."""
        self._apply(screen)
        area = available_area(self)
        wanted = QSize(max(self.width(), self._wanted_width),
                       self._wanted_height(self._wanted_width))
        if area is not None and not area.isEmpty():
            wanted = bounded_size(wanted, area)
        self.resize(wanted)

    def _wanted_height(self, width: int) -> int:
        layout = self.layout()
        hint = layout.totalHeightForWidth(width) if layout is not None else -1
        return max(hint, self.sizeHint().height())

    def _apply(self, screen: Screen) -> None:
        self.screen_now = screen
        self.setWindowTitle(screen.title)
        self.setAccessibleName(screen.title)
        self.setAccessibleDescription(screen.text())
        self._heading.setText(screen.heading)
        pixmap = _ICONS.get(screen.icon)
        if pixmap is None:
            self._icon.hide()
        else:
            size = self.style().pixelMetric(QStyle.PixelMetric.PM_MessageBoxIconSize)
            self._icon.setPixmap(self.style().standardIcon(pixmap).pixmap(size, size))
            self._icon.show()
        while (item := self._body.takeAt(0)) is not None:
            widget = item.widget()
            if widget is not None:
                widget.deleteLater()
        for paragraph in screen.paragraphs:
            label = QLabel(paragraph)
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            self._body.addWidget(label)
        self._body.addStretch(1)
        for button in self.buttons.values():
            self._row.removeWidget(button)
            button.deleteLater()
        self.buttons = {}
        for spec in screen.buttons:
            b = QPushButton(spec.text, self)
            b.setAccessibleName(spec.text.replace("&", ""))
            b.setAccessibleDescription(spec.description)
            b.setAutoDefault(False)
            b.setEnabled(spec.enabled)
            b.clicked.connect(lambda _=False, key=spec.key: self.chosen.emit(key))
            self._row.addWidget(b)
            self.buttons[spec.key] = b
        default = self.buttons.get(screen.default)
        if default is not None and default.isEnabled():
            default.setDefault(True)
            default.setFocus(Qt.FocusReason.OtherFocusReason)

    # ----- keys and closing ----------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Escape:
            self.chosen.emit(self.screen_now.escape)
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            focused = self.focusWidget()
            if isinstance(focused, QPushButton) and focused in self.buttons.values():
                focused.click()   # Enter on a focused button presses that button
                return
            default = self.buttons.get(self.screen_now.default)
            if default is not None and default.isEnabled():
                default.click()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        # The window's own close button means what Escape means; the flow decides whether
        # to hide (``chosen`` handlers call ``finish``).
        if self.isVisible() and not self._finishing:
            event.ignore()
            self.chosen.emit(self.screen_now.escape)
            return
        super().closeEvent(event)

    def finish(self) -> None:
        """Close for good (the flow is done with this dialog)."""
        self._finishing = True
        self.close()
        self.deleteLater()
