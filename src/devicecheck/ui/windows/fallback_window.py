"""Shown instead of the tray icon when the desktop has no system tray (some Linux
desktops, e.g. GNOME without the AppIndicator extension): the status in words and icon,
the menu's commands as buttons, and why this window is here.

The status line is the tray's own (``states.state_line``: the verdict's headline, with the
IT contact or the fix-by date), so this window and the tray never disagree. Like every
officer window it fits the screen (issue 19): the status heading on top, the rest in a
scroll body, and the buttons outside it, always on screen."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from devicecheck.qtsupport.icons import app_icon, state_icon
from devicecheck.qtsupport.screen_fit import fit_to_screen, grow_to_content, scroll_body
from devicecheck.ui.model.states import STATE_WORDS, TrayState

WHY = ("Your desktop has no system tray (notification area), so DeviceCheck shows this "
       "small window instead. You can minimise it; it keeps checking this laptop.")


class FallbackWindow(QWidget):
    def __init__(self, actions: Sequence[QAction], *, on_close: Callable[[], object],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("DeviceCheck")
        self.setWindowIcon(app_icon())
        self.setAccessibleName("DeviceCheck status")
        self._on_close = on_close
        layout = QVBoxLayout(self)
        head = QHBoxLayout()
        self.icon = QLabel(self)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        font = self.status.font()
        font.setBold(True)
        self.status.setFont(font)
        head.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        head.addWidget(self.status, 1)
        layout.addLayout(head)
        body = QWidget(self)
        inner = QVBoxLayout(body)
        inner.setContentsMargins(0, 0, 0, 0)
        self.detail = QLabel(body)
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        inner.addWidget(self.detail)
        self.why = QLabel(f"<i>{WHY}</i>", body)
        self.why.setWordWrap(True)
        self.why.setAccessibleName(WHY)
        inner.addWidget(self.why)
        self.message = QLabel(body)
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        inner.addWidget(self.message)
        inner.addStretch(1)
        self.body = scroll_body(body, self, name="DeviceCheck status details")
        layout.addWidget(self.body, 1)
        # The buttons stay outside the scroll body: always on screen.
        grid = QGridLayout()
        self.buttons: dict[str, QWidget] = {}
        for i, action in enumerate(actions):
            text = action.text()
            if action.isCheckable():
                box = QCheckBox(text, self)
                box.setChecked(action.isChecked())
                box.toggled.connect(action.setChecked)
                action.toggled.connect(box.setChecked)
                widget: QWidget = box
            else:
                button = QPushButton(text, self)
                button.setAutoDefault(False)
                button.clicked.connect(action.trigger)
                widget = button
            widget.setAccessibleName(text.replace("&", ""))
            widget.setVisible(action.isVisible())
            self.buttons[text.replace("&", "")] = widget
            grid.addWidget(widget, i // 2, i % 2)
        layout.addLayout(grid)
        self.set_status(TrayState.CHECKING, "")
        metrics = self.fontMetrics()
        fit_to_screen(self, QSize(metrics.averageCharWidth() * 64, metrics.height() * 20))
        grow_to_content(self, self.body)

    def set_status(self, state: TrayState, detail: str, *, line: str = "") -> None:
        """``line``: the tray's words for ``state`` (``states.state_line``); the state's
        own words without."""
        words = line or STATE_WORDS[state]
        self.icon.setPixmap(state_icon(state).pixmap(32, 32))
        self.icon.setAccessibleName(words)
        self.status.setText(words)
        self.status.setAccessibleName(f"Status: {words}")
        self.detail.setText(detail)
        self.detail.setAccessibleName(detail)
        self.setWindowIcon(state_icon(state))
        grow_to_content(self, self.body)

    def show_message(self, title: str, text: str) -> None:
        self.message.setText(f"<b>{title}</b><br>{text}")
        self.message.setAccessibleName(f"{title}: {text}")
        self.message.setVisible(True)
        grow_to_content(self, self.body)

    def alert(self) -> None:
        """Bring the window forward: the status changed for the worse."""
        self.showNormal()
        self.raise_()
        self.activateWindow()

    def sync_visibility(self, actions: Sequence[QAction]) -> None:
        for action in actions:
            widget = self.buttons.get(action.text().replace("&", ""))
            if widget is not None:
                widget.setVisible(action.isVisible())

    def closeEvent(self, event: QCloseEvent) -> None:  # Qt override
        event.accept()
        self._on_close()
