"""After a meeting with Teams still open (``[cleaner] after_meeting = "ask"``): one prompt,
"clear now" (Teams closes for a few seconds and opens again) or "later".

Non-modal, so the tray keeps running; closed without action the moment a new meeting
starts (nothing is quit or deleted then — the monitor also re-checks before it quits).
"Clear now" is the default button: clearing is what the privacy notice promises, and the
monitor refuses while a call is on, so a reflex Enter can never end a call.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox, QWidget

TITLE = "Clear this meeting's data?"
TEXT = ("The call has ended, but Teams is still open, so the names, e-mail addresses and IP "
        "addresses from the meeting are still on this laptop.\n\n"
        "Clear now: Teams closes for a few seconds, DeviceCheck deletes the meeting data, "
        "and Teams opens again.\n"
        "Later: DeviceCheck asks again after your next meeting, or clears when Teams closes.")


class ClearPrompt(QObject):
    """``accept`` is called on "Clear now"; ``later`` on "Later" or Escape."""

    def __init__(self, accept: Callable[[], object], later: Callable[[], object] | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._accept, self._later = accept, later
        self.box: QMessageBox | None = None

    @property
    def showing(self) -> bool:
        return self.box is not None and self.box.isVisible()

    def show(self, parent: QWidget | None = None) -> QMessageBox:
        if self.box is not None:
            self.box.raise_()
            self.box.activateWindow()
            return self.box
        box = QMessageBox(QMessageBox.Icon.Question, TITLE, TEXT,
                          QMessageBox.StandardButton.NoButton, parent)
        box.setModal(False)
        box.setAccessibleName(TITLE)
        box.setAccessibleDescription(TEXT)
        clear = box.addButton("&Clear now", QMessageBox.ButtonRole.AcceptRole)
        clear.setAccessibleName("Clear now: Teams closes for a few seconds")
        later = box.addButton("&Later", QMessageBox.ButtonRole.RejectRole)
        later.setAccessibleName("Later")
        box.setDefaultButton(clear)
        box.setEscapeButton(later)
        box.finished.connect(self._finished)
        self.box = box
        box.show()
        return box

    def dismiss(self) -> None:
        """A meeting started: close without doing anything."""
        box, self.box = self.box, None
        if box is not None:
            box.finished.disconnect(self._finished)
            box.close()
            box.deleteLater()

    def _finished(self, _code: int) -> None:
        box, self.box = self.box, None
        if box is None:
            return
        clicked = box.clickedButton()
        accepted = clicked is not None and box.buttonRole(clicked) == \
            QMessageBox.ButtonRole.AcceptRole
        box.deleteLater()
        if accepted:
            self._accept()
        elif self._later is not None:
            self._later()
