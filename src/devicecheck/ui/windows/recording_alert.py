"""The live recording alert window.

``RecordingAlert`` stays until the officer dismisses it (a passing toast is too easy to
miss mid-call): this call is being recorded, the council does not allow it, what to do
now. ``devicecheck.ui.tray.recording_guard`` decides when to raise it.

Its look is its own (issue 19): a red banner with the recording mark, never the amber
"attention" triangle the device checks use, so it cannot be taken for a routine warning.
Screen readers are told it is an alert when it shows (the Alert event QMessageBox sends
too), and its body scrolls inside a window that fits the screen, the button below it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAccessible, QAccessibleEvent, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from devicecheck.qtsupport.icons import recording_alert_icon
from devicecheck.qtsupport.screen_fit import fit_to_screen, grow_to_content, scroll_body
from devicecheck.qtsupport.style import (
    FOCUS_STYLE,
    SPACING,
    TITLE_FACTOR,
    VerdictBanner,
    heading_font,
    window_frame,
)
from devicecheck.recording.alerts import SOURCE_TEAMS, SOURCE_WINDOW, alert_text
from devicecheck.ui.model.states import TrayState

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
        self.setObjectName("recordingAlert")
        self.setStyleSheet(FOCUS_STYLE)

        self.banner = VerdictBanner(self, icon_px=48, factor=TITLE_FACTOR, name_prefix="")
        self.banner.icon.setAccessibleName("Recording symbol")
        self.heading = self.banner.label
        body = QWidget(self)
        self.what = QLabel(body)
        self.rule = QLabel(body)
        steps_title = QLabel("What to do now:", body)
        steps_title.setAccessibleName("What to do now")
        steps_title.setFont(heading_font(steps_title, 1.0))
        self.steps = QLabel(body)
        # Hidden until Teams reports the recording stopped, so the officer knows the
        # steps worked; the window still waits to be dismissed.
        self.status = QLabel(body)
        self.status.setAccessibleName("Recording status")
        self.status.setVisible(False)
        for label in (self.what, self.rule, self.steps, self.status):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard
                                          | Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setTextFormat(Qt.TextFormat.PlainText)

        self.dismiss_button = QPushButton(DISMISS_TEXT, self)
        self.dismiss_button.setAccessibleName("I understand: close this recording warning")
        self.dismiss_button.setDefault(True)
        self.dismiss_button.setAutoDefault(True)
        self.dismiss_button.clicked.connect(self.accept)

        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(0, 0, SPACING, 0)
        body_layout.setSpacing(SPACING)
        for w in (self.what, self.rule, steps_title, self.steps, self.status):
            body_layout.addWidget(w)
        body_layout.addStretch(1)
        self.body = scroll_body(body, self, name="Recording warning details")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.dismiss_button)
        window_frame(self, self.body, buttons, top=self.banner)
        self.finished.connect(self._on_finished)
        self.add_reason(source, programs, seen)
        metrics = self.fontMetrics()
        fit_to_screen(self, QSize(metrics.averageCharWidth() * 80, metrics.height() * 22))
        # Tall enough for "What to do now" to be in view at first sight (screen allowing).
        grow_to_content(self, self.body)
        self.dismiss_button.setFocus()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # What QMessageBox does on show: screen readers announce the window as an alert.
        QAccessible.updateAccessibility(QAccessibleEvent(self, QAccessible.Event.Alert))

    def add_reason(self, source: str, programs: Sequence[str] = (),
                   seen: str | None = None) -> None:
        reason = (source, tuple(programs), seen)
        if reason not in self.reasons:
            self.reasons.append(reason)
        self._render()
        if self.isVisible():  # a reason added to an open alert: keep it all in view
            grow_to_content(self, self.body)

    def _render(self) -> None:
        texts = [alert_text(src, progs, seen) for src, progs, seen in self.reasons]
        # Teams itself recording is the gravest news: its heading leads when present.
        lead = next((t for (src, _, _), t in zip(self.reasons, texts, strict=True)
                     if src in (SOURCE_TEAMS, SOURCE_WINDOW)), texts[0])
        self.banner.set_verdict(TrayState.RECORDING, lead.heading, recording_alert_icon())
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
