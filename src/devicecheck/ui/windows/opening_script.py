"""The opening script card: what the officer says as they open the call with the resident.

It opens once the privacy notice is acknowledged, that is once the call may start: the
lines (policy ``notice.checklist``) are things done *during* the opening of the call ("I
have asked the resident not to record"), so they cannot be confirmed before it, as the
old third step asked (issue 19). The card is small, not modal and stays on top, so the
officer keeps it beside Teams and ticks each line as they go. Ticks are a help, not a
gate: nothing is recorded from them and the card closes whatever is ticked (Esc, Close).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QCheckBox, QDialog, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from devicecheck.policy import ChecklistItem
from devicecheck.qtsupport.screen_fit import available_area, fit_to_screen, scroll_body
from devicecheck.qtsupport.style import FOCUS_STYLE, button
from devicecheck.ui.windows.it_door import ITDoor

CALL_MAY_START = "The call may start"
TITLE = "DeviceCheck - call may start - opening script"


class OpeningScriptCard(QDialog):
    """``changed`` fires when a line is ticked or cleared."""

    changed = Signal()

    def __init__(self, items: Sequence[ChecklistItem], *, notes: Sequence[str] = (),
                 it_text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        self.setAccessibleName("Opening script")
        self.setAccessibleDescription("The call may start. Lines to say as you open the call "
                                      "with the resident; tick each one as you go.")
        self.setModal(False)
        # Beside Teams while the call opens: on top, never in the way of the keyboard.
        self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, True)
        self.setStyleSheet(FOCUS_STYLE)

        self.heading = QLabel(f"\u2714 {CALL_MAY_START}", self)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.heading.setFont(font)
        self.heading.setAccessibleName(CALL_MAY_START)

        body = QWidget(self)
        lines = QVBoxLayout(body)
        intro = QLabel("As you open the call with the resident, say each line and tick it. "
                       "The ticks are only to help you keep your place." if items else
                       "Your council has set no opening lines. You can close this.", body)
        intro.setWordWrap(True)
        lines.addWidget(intro)
        self.boxes: list[QCheckBox] = []
        for n, item in enumerate(items, 1):
            box = QCheckBox(item.title, body)
            box.setObjectName(f"opening-line-{n}")
            box.setAccessibleName(item.title)
            box.setAccessibleDescription(f"Line {n} of {len(items)}. You can say: {item.say}")
            box.toggled.connect(self._on_toggled)
            say = QLabel(f"Say: \u201c{item.say}\u201d", body)
            say.setWordWrap(True)
            say.setIndent(box.sizeHint().height() + 4)  # under the text, not the box
            say.setBuddy(box)
            lines.addWidget(box)
            lines.addWidget(say)
            self.boxes.append(box)
        self.count_label = QLabel(body)
        lines.addWidget(self.count_label)
        self.notes: list[QLabel] = []
        for note in notes:
            label = QLabel(note, body)
            label.setWordWrap(True)
            lines.addWidget(label)
            self.notes.append(label)
        self.it_door = ITDoor(body, name="itDetailsOpening")
        self.it_door.set_text(it_text)
        lines.addWidget(self.it_door)
        lines.addStretch(1)

        self.close_button = button(self, "Close", "Close the opening script; the call goes on",
                                   self.accept)
        self.close_button.setDefault(True)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(scroll_body(body, self, name="Opening script"), 1)
        layout.addLayout(row)
        self._on_toggled()

        # Compact: as wide as its longest line (a tick-box does not wrap), as tall as its
        # lines need, both bounded by the screen; on the right, so the call stays in view.
        metrics = self.fontMetrics()
        extra = metrics.height() * 3  # margins and a vertical scroll bar
        wanted = QSize(max(metrics.horizontalAdvance("x") * 56, body.sizeHint().width() + extra),
                       max(metrics.height() * 12, body.sizeHint().height()
                           + self.heading.sizeHint().height()
                           + self.close_button.sizeHint().height() + extra))
        fit_to_screen(self, wanted)
        area = available_area(self)
        if area is not None and not area.isEmpty():
            frame_extra = max(0, self.frameGeometry().width() - self.width())
            x = area.right() - self.width() - frame_extra - metrics.height()
            self.move(max(area.x(), x), self.y())
        (self.boxes[0] if self.boxes else self.close_button).setFocus(
            Qt.FocusReason.OtherFocusReason)

    def _on_toggled(self, _checked: bool = False) -> None:
        done = sum(b.isChecked() for b in self.boxes)
        total = len(self.boxes)
        if not total:
            text = ""
        elif done == total:
            text = "\u2714 All lines done."
        else:
            text = f"{done} of {total} lines done."
        self.count_label.setText(text)
        self.count_label.setVisible(bool(text))
        self.changed.emit()

    @property
    def all_ticked(self) -> bool:
        return all(b.isChecked() for b in self.boxes)


__all__ = ["CALL_MAY_START", "TITLE", "OpeningScriptCard"]
