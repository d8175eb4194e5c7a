"""The one door for IT in an officer window (issue 19): a "Show details for IT" button and,
behind it, the technical detail an officer does not need (check evidence such as "(vda)",
the script or setting IT must fix, the notice version hash, an exception's text).

The detail widget's object name starts with ``itDetails``: the wording tests skip what is
inside it, and nothing outside it may carry such words. It is read-only plain text, so IT
can select and copy it into a ticket.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPlainTextEdit, QVBoxLayout, QWidget

from devicecheck.qtsupport.style import button

SHOW, HIDE = "Show details for IT", "Hide details for IT"


class ITDoor(QWidget):
    """Closed until the officer (or IT beside them) opens it; hidden while it has
    nothing to say."""

    def __init__(self, parent: QWidget | None = None, *, name: str = "itDetails") -> None:
        super().__init__(parent)
        self.toggle = button(self, SHOW, "Show or hide the technical details to give to IT",
                             self._toggle)
        self.details = QPlainTextEdit(self)
        self.details.setObjectName(name if name.startswith("itDetails") else "itDetails")
        self.details.setReadOnly(True)
        # Tab leaves the box (it is read-only: a tab character is never typed into it).
        self.details.setTabChangesFocus(True)
        self.details.setAccessibleName("Details for IT")
        self.details.setAccessibleDescription("Technical details for IT; you can select "
                                              "and copy them")
        self.details.setVisible(False)
        self.details.setMaximumHeight(self.fontMetrics().height() * 10)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toggle, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.details)
        self.set_text("")

    def set_text(self, text: str) -> None:
        self.details.setPlainText(text)
        self.setVisible(bool(text.strip()))

    @property
    def text(self) -> str:
        return self.details.toPlainText()

    @property
    def is_open(self) -> bool:
        return not self.details.isHidden()

    def _toggle(self) -> None:
        opening = not self.is_open
        self.details.setVisible(opening)
        self.toggle.setText(HIDE if opening else SHOW)
        self.toggle.setAccessibleName(HIDE if opening else SHOW)


__all__ = ["ITDoor"]
