"""The live recording alert window.

``RecordingAlert`` stays until the officer dismisses it (a passing toast is too easy to
miss mid-call): this call is being recorded, the council does not allow it, what to do
now. ``devicecheck.ui.tray.recording_guard`` decides when to raise it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from devicecheck.qtsupport.style import FOCUS_STYLE
from devicecheck.recording.alerts import SOURCE_TEAMS, SOURCE_WINDOW, alert_text

DISMISS_TEXT = "I understand"

Reason = tuple[str, tuple[str, ...], str | None]  # (source, programs, indicator seen)

class RecordingAlert(QDialog):
    """Stays on top until dismissed with the button, Enter or Esc. More reasons can be
    added while it is open (Teams recording *and* a program): it shows them all."""

    dismissed = Signal()

    def __init__(self, source: str = SOURCE_TEAMS, programs: Sequence[str] = (),
                 parent: QWidget | None = None, *, seen: str | None = None) -> None:
        super().__init__(parent)
        self.reasons: list[Reason] = []
        self.setWindowTitle("DeviceCheck: recording warning")
        self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, True)
        self.setModal(False)  # the officer must still reach Teams to stop the recording
        self.setAccessibleName("Recording warning")
        self.setStyleSheet(FOCUS_STYLE)

        icon = QLabel(self)
        icon.setPixmap(self.style().standardIcon(
            QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(48, 48))
        icon.setAccessibleName("Warning symbol")
        self.heading = QLabel(self)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.heading.setFont(font)
        self.heading.setWordWrap(True)
        self.what = QLabel(self)
        self.rule = QLabel(self)
        steps_title = QLabel("What to do now:", self)
        steps_title.setAccessibleName("What to do now")
        bold = steps_title.font()
        bold.setBold(True)
        steps_title.setFont(bold)
        self.steps = QLabel(self)
        # Hidden until Teams reports the recording stopped, so the officer knows the
        # steps worked; the window still waits to be dismissed.
        self.status = QLabel(self)
        self.status.setAccessibleName("Recording status")
        self.status.setVisible(False)
        for label in (self.what, self.rule, self.steps, self.status):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard
                                          | Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)

        self.dismiss_button = QPushButton(DISMISS_TEXT, self)
        self.dismiss_button.setAccessibleName("I understand: close this recording warning")
        self.dismiss_button.setDefault(True)
        self.dismiss_button.setAutoDefault(True)
        self.dismiss_button.clicked.connect(self.accept)

        top = QHBoxLayout()
        top.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.heading, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.dismiss_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        for w in (self.what, self.rule, steps_title, self.steps, self.status):
            layout.addWidget(w)
        layout.addLayout(buttons)
        self.setMinimumWidth(460)
        self.finished.connect(self._on_finished)
        self.add_reason(source, programs, seen)
        self.dismiss_button.setFocus()

    def add_reason(self, source: str, programs: Sequence[str] = (),
                   seen: str | None = None) -> None:
        reason = (source, tuple(programs), seen)
        if reason not in self.reasons:
            self.reasons.append(reason)
        self._render()

    def _render(self) -> None:
        texts = [alert_text(src, progs, seen) for src, progs, seen in self.reasons]
        # Teams itself recording is the gravest news: its heading leads when present.
        lead = next((t for (src, _, _), t in zip(self.reasons, texts, strict=True)
                     if src in (SOURCE_TEAMS, SOURCE_WINDOW)), texts[0])
        self.heading.setText(lead.heading)
        self.heading.setAccessibleName(lead.heading)
        what = " ".join(t.what for t in texts)
        self.what.setText(what)
        self.what.setAccessibleName(what)
        self.rule.setText(texts[0].rule)
        self.rule.setAccessibleName(texts[0].rule)
        steps = list(dict.fromkeys(s for t in texts for s in t.steps))
        numbered = "\n".join(f"{i}. {s}" for i, s in enumerate(steps, 1))
        self.steps.setText(numbered)
        self.steps.setAccessibleName("Steps: " + " ".join(steps))
        self.setAccessibleDescription(f"{lead.heading}. {what}")

    def note_recording_stopped(self, when: datetime) -> None:
        text = f"Update: Teams reports the recording stopped at {when.astimezone():%H:%M}."
        self.status.setText(text)
        self.status.setAccessibleName(text)
        self.status.setVisible(True)

    def note_recording_unknown(self, reason: str) -> None:
        """The indicator can no longer be seen: not the same as stopped."""
        text = ("Update: DeviceCheck can no longer see Teams' recording indicator"
                + (f" ({reason})" if reason else "") + ". Check in Teams whether the "
                "recording has stopped.")
        self.status.setText(text)
        self.status.setAccessibleName(text)
        self.status.setVisible(True)

    def _on_finished(self, _result: int) -> None:
        self.dismissed.emit()


__all__ = ["RecordingAlert"]
