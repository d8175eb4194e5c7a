"""Step 3 of the pre-call window: the call-opening checklist from policy. Each item is a
tick-box the officer confirms, with the short line they can read out to the resident."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QLabel, QVBoxLayout, QWidget

from devicecheck.policy import ChecklistItem


class ChecklistPage(QWidget):
    """``changed`` fires whenever a box is ticked or cleared; ``all_confirmed`` says whether
    the officer may finish."""

    changed = Signal()

    def __init__(self, items: Sequence[ChecklistItem], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "As you open the call, confirm each item. The line under it is what you can "
            "say to the resident." if items else
            "Your council's policy lists no call-opening items. You can finish.", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.boxes: list[QCheckBox] = []
        for n, item in enumerate(items, 1):
            box = QCheckBox(item.title, self)
            box.setObjectName(f"checklist-item-{n}")
            box.setAccessibleName(item.title)
            box.setAccessibleDescription(
                f"Item {n} of {len(items)}. You can say: {item.say}")
            box.toggled.connect(self._on_toggled)
            say = QLabel(f"Say: \u201c{item.say}\u201d", self)
            say.setWordWrap(True)
            say.setIndent(box.sizeHint().height() + 4)  # under the text, not the box
            say.setBuddy(box)
            say.setObjectName("say-line")
            layout.addWidget(box)
            layout.addWidget(say)
            self.boxes.append(box)
        layout.addStretch(1)
        self.count_label = QLabel(self)
        self.count_label.setWordWrap(True)
        layout.addWidget(self.count_label)
        self._on_toggled()

    def _on_toggled(self, _checked: bool = False) -> None:
        done = sum(b.isChecked() for b in self.boxes)
        total = len(self.boxes)
        if done == total:
            text = "\u2714 All items confirmed." if total else ""
        else:
            text = f"{done} of {total} items confirmed."
        self.count_label.setText(text)
        self.changed.emit()

    @property
    def all_confirmed(self) -> bool:
        return all(b.isChecked() for b in self.boxes)

    def first_focus(self) -> QWidget | None:
        return self.boxes[0] if self.boxes else None
