"""The tray menu: one set of QActions, also shown as buttons by the no-tray window.

``refresh`` runs on ``aboutToShow`` so the status line, the autostart tick and whether
Quit is allowed are read when the officer opens the menu, not when it was built."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from devicecheck.ui.states import STATE_WORDS, TrayState


@dataclass
class MenuHandlers:
    precall: Callable[[], object]
    notice: Callable[[], object]
    clean: Callable[[], object]
    report: Callable[[], object]
    logs: Callable[[], object]
    autostart: Callable[[bool], object]
    about: Callable[[], object]
    quit: Callable[[], object]


class TrayMenu(QMenu):
    def __init__(self, handlers: MenuHandlers, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle("DeviceCheck")
        self.setAccessibleName("DeviceCheck menu")
        self.status = self._action("Checking this laptop…", None)
        self.status.setEnabled(False)
        # How meetings are seen (Teams' log, microphone use...), or that they cannot be.
        self.teams_status = self._action("", None)
        self.teams_status.setEnabled(False)
        self.teams_status.setVisible(False)
        self.addSeparator()
        self.precall = self._action("&Run pre-call check…", handlers.precall)
        self.notice = self._action("Show privacy &notice", handlers.notice)
        self.clean = self._action("&Clear meeting data now…", handlers.clean)
        self.report = self._action("&Last report…", handlers.report)
        self.logs = self._action("Open lo&g folder", handlers.logs)
        self.addSeparator()
        self.autostart = self._action("&Start at log-in", None)
        self.autostart.setCheckable(True)
        self.autostart.toggled.connect(handlers.autostart)
        self.about = self._action("&About DeviceCheck", handlers.about)
        self.quit_separator = self.addSeparator()
        self.quit = self._action("&Quit", handlers.quit)

    def _action(self, text: str, slot: Callable[[], object] | None) -> QAction:
        action = QAction(text, self)
        # Screen readers read the text without the mnemonic ampersand.
        action.setToolTip(text.replace("&", ""))
        if slot is not None:
            action.triggered.connect(slot)
        self.addAction(action)
        return action

    def command_actions(self) -> list[QAction]:
        """What the no-tray window offers as buttons (the status line excluded)."""
        return [self.precall, self.notice, self.clean, self.report, self.logs, self.autostart,
                self.about, self.quit]

    def refresh(self, state: TrayState, detail: str, *, allow_quit: bool,
                autostart_visible: bool, autostart_enabled: bool, teams_line: str = "",
                data_waiting: bool = False) -> None:
        self.status.setText(f"{STATE_WORDS[state]}{' – ' + detail if detail else ''}")
        self.teams_status.setText(teams_line)
        self.teams_status.setToolTip(teams_line)
        self.teams_status.setVisible(bool(teams_line))
        label = "&Clear meeting data now…" + (" (data waiting)" if data_waiting else "")
        self.clean.setText(label)
        self.clean.setToolTip(label.replace("&", ""))
        self.quit.setVisible(allow_quit)
        self.quit_separator.setVisible(allow_quit)
        self.autostart.setVisible(autostart_visible)
        self.autostart.blockSignals(True)  # reflecting the file is not a user toggle
        self.autostart.setChecked(autostart_enabled)
        self.autostart.blockSignals(False)
