"""Shown instead of the tray icon when the desktop has no system tray (some Linux
desktops, e.g. GNOME without the AppIndicator extension): the status in words and icon,
the menu's commands as buttons, and why this window is here."""

from __future__ import annotations

from collections.abc import Callable, Sequence

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
        font = self.status.font()
        font.setBold(True)
        self.status.setFont(font)
        head.addWidget(self.icon)
        head.addWidget(self.status, 1)
        layout.addLayout(head)
        self.detail = QLabel(self)
        self.detail.setWordWrap(True)
        layout.addWidget(self.detail)
        self.why = QLabel(f"<i>{WHY}</i>", self)
        self.why.setWordWrap(True)
        self.why.setAccessibleName(WHY)
        layout.addWidget(self.why)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        layout.addWidget(self.message)
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

    def set_status(self, state: TrayState, detail: str) -> None:
        self.icon.setPixmap(state_icon(state).pixmap(32, 32))
        self.icon.setAccessibleName(STATE_WORDS[state])
        self.status.setText(STATE_WORDS[state])
        self.status.setAccessibleName(f"Status: {STATE_WORDS[state]}")
        self.detail.setText(detail)
        self.detail.setAccessibleName(detail)
        self.setWindowIcon(state_icon(state))

    def show_message(self, title: str, text: str) -> None:
        self.message.setText(f"<b>{title}</b><br>{text}")
        self.message.setAccessibleName(f"{title}: {text}")
        self.message.setVisible(True)

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
