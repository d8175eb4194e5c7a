"""The pre-call window: what an officer does before every call with a resident.

Three steps — live device checks, the privacy notice, the call-opening checklist — ending
on "Ready for your call" or "Not ready: ...". The acknowledgement is written to the audit
log once, when the officer finishes the flow. Everything works by keyboard: Tab moves,
Space ticks, Enter goes on (the default button), Esc leaves.
"""

from __future__ import annotations

import html
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from devicecheck.acknowledgement import last_ack, record_ack
from devicecheck.audit import AuditLog
from devicecheck.checks import Check, Context, all_checks
from devicecheck.notice import BUILT_IN, Notice, NoticeError, build_notice, load_notice
from devicecheck.policy import LoadedPolicy
from devicecheck.qtsupport.main_thread_gc import install as gc_in_gui_thread
from devicecheck.qtsupport.style import FOCUS_STYLE, button
from devicecheck.ui.windows.checklist import ChecklistPage
from devicecheck.ui.windows.notice_dialog import NoticeView
from devicecheck.ui.windows.precall_checks import ChecksPage

STEP_TITLES = ("Device checks", "Privacy notice", "Call-opening checklist")
CHECKS, NOTICE, CHECKLIST, RESULT = range(4)
READY_TEXT = "Ready for your call"


def _scaled_font(widget: QWidget, factor: float, bold: bool = True) -> QFont:
    # Relative to the system font, so headings grow with the officer's font-size setting.
    font = widget.font()
    font.setPointSizeF(font.pointSizeF() * factor)
    font.setBold(bold)
    return font


class PrecallWindow(QDialog):
    """``completed(True)`` when the officer finishes ready for the call; ``completed(False)``
    when the window is left (Esc, Cancel, close) before that. Emitted once."""

    completed = Signal(bool)

    def __init__(self, loaded: LoadedPolicy, *, audit: AuditLog | None = None,
                 ctx: Context | None = None, checks: Sequence[Check] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loaded = loaded
        self.policy = loaded.policy
        self.audit = audit if audit is not None else AuditLog.for_policy(self.policy)
        try:
            self.notice: Notice = load_notice(self.policy)
            self.notice_missing = ""
        except NoticeError as exc:
            # A broken install: say so, and never let the flow end "ready" without a notice.
            self.notice_missing = str(exc)
            self.notice = build_notice(
                "# The privacy notice could not be found\n\nDeviceCheck cannot show the "
                "privacy notice, so you cannot confirm it. Contact "
                f"{loaded.policy.organisation.it_contact}.\n", source=BUILT_IN,
                declared_date="", is_markdown=True)
        self.ack_record: dict[str, Any] | None = None
        self._done = False
        self.setWindowTitle("DeviceCheck - before your call")
        self.setAccessibleName("Before your call")
        self.setAccessibleDescription("Three steps before a call with a resident: device "
                                      "checks, the privacy notice and the call-opening checklist.")
        self.setStyleSheet(FOCUS_STYLE)

        self.heading = QLabel("Before your call", self)
        self.heading.setFont(_scaled_font(self, 1.5))
        self.step_label = QLabel(self)
        self.step_label.setFont(_scaled_font(self, 1.15))
        self.step_label.setWordWrap(True)

        check_list = list(checks) if checks is not None else all_checks()
        self.checks_page = ChecksPage(loaded, check_list, ctx=ctx, parent=self)
        self.checks_page.finished.connect(self._on_checks_finished)
        self.notice_page = self._build_notice_page()
        self.checklist_page = ChecklistPage(self.policy.notice.checklist, self)
        self.checklist_page.changed.connect(self._update_buttons)
        self.result_page = self._build_result_page()
        self.stack = QStackedWidget(self)
        for page in (self.checks_page, self.notice_page, self.checklist_page, self.result_page):
            self.stack.addWidget(page)

        self.back_button = button(self, "Back", "Go back to the previous step", self._back)
        self.next_button = button(self, "Next", "", self._next)
        self.cancel_button = button(self, "Cancel", "Leave without getting ready for the call",
                                          self.reject)
        self.close_button = button(self, "Close", "Close this window", self.accept)
        # Tab follows the buttons as laid out, left to right.
        for first, second in ((self.back_button, self.cancel_button),
                              (self.cancel_button, self.next_button),
                              (self.next_button, self.close_button)):
            self.setTabOrder(first, second)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        for b in (self.cancel_button, self.next_button, self.close_button):
            buttons.addWidget(b)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.step_label)
        layout.addWidget(self.stack, 1)
        layout.addLayout(buttons)
        # Sized in text units so a larger system font gets a larger window.
        metrics = self.fontMetrics()
        self.resize(metrics.horizontalAdvance("x") * 120, metrics.height() * 40)
        self.checks_page.started.connect(self._on_checks_started)
        self._go(CHECKS)
        self.checks_page.start()

    # -- construction --------------------------------------------------------------------
    def _build_notice_page(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        self.notice_banner = QLabel(self._notice_banner_text(), page)
        self.notice_banner.setWordWrap(True)
        self.notice_banner.setFrameShape(QFrame.Shape.StyledPanel)
        self.notice_banner.setMargin(6)
        self.notice_banner.setVisible(bool(self.notice_banner.text()))
        self.notice_view = NoticeView(self.notice, page)
        # Alt+I ticks it from anywhere on the page (a mnemonic, for keyboard users).
        self.read_box = QCheckBox("&I have read the privacy notice and will follow it "
                                  "during this call", page)
        self.read_box.setAccessibleName("I have read the privacy notice")
        self.read_box.setAccessibleDescription(
            "Tick to acknowledge the privacy notice; this is recorded with the notice "
            "version when you finish.")
        self.read_box.toggled.connect(self._update_buttons)
        self.read_box.setEnabled(not self.notice_missing)
        layout.addWidget(self.notice_banner)
        layout.addWidget(self.notice_view, 1)
        layout.addWidget(self.read_box)
        return page

    def _notice_banner_text(self) -> str:
        parts = []
        if self.notice_missing:
            parts.append(f"\u2716 Not ready: the privacy notice is missing "
                         f"({self.notice_missing}). Contact "
                         f"{self.policy.organisation.it_contact}.")
        if self.notice.problem:
            parts.append("\u26a0 Your council's notice file could not be used, so this is "
                         f"the built-in notice. Tell {self.policy.organisation.it_contact}: "
                         f"{self.notice.problem}.")
        previous = last_ack(self.audit)
        if previous is not None and previous.get("notice_version") != self.notice.version:
            when = str(previous.get("time", ""))[:10]
            parts.append(f"\u2139 This notice has changed since you last acknowledged it "
                         f"({when}). Please read it again.")
        return "\n".join(parts)

    def _build_result_page(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        self.result_label = QLabel(page)
        self.result_label.setFont(_scaled_font(self, 1.6))
        self.result_label.setWordWrap(True)
        self.result_detail = QLabel(page)
        self.result_detail.setWordWrap(True)
        self.result_detail.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.result_label)
        layout.addWidget(self.result_detail)
        layout.addStretch(1)
        return page

    # -- navigation ----------------------------------------------------------------------
    @property
    def step(self) -> int:
        return self.stack.currentIndex()

    def _go(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        self._show_step()
        self._update_buttons()
        focus = {CHECKS: self.checks_page.first_focus(), NOTICE: self.notice_view.browser,
                 CHECKLIST: self.checklist_page.first_focus(),
                 RESULT: self.close_button}.get(index)
        if self.next_button.isEnabled() and index == CHECKS:
            focus = self.next_button
        (focus or self.next_button).setFocus(Qt.FocusReason.OtherFocusReason)

    def _show_step(self) -> None:
        """Say where the officer is, in the step line and the window title (which window
        lists and screen readers announce)."""
        step, page = self.step, self.checks_page
        if step == RESULT:
            text = "All three steps done"
        else:
            text = f"Step {step + 1} of 3: {STEP_TITLES[step]}"
            if step == CHECKS:
                text += (" \u2013 checking" if not page.done else
                         " \u2013 not ready" if page.blocked else
                         " \u2013 advisory problems" if page.advisory_only else
                         " \u2013 all passed")
        self.step_label.setText(text)
        self.step_label.setAccessibleName(text)
        self.setWindowTitle("DeviceCheck - before your call - "
                            + (READY_TEXT if step == RESULT else text))

    def _update_buttons(self, *_: object) -> None:
        step = self.step
        on_result = step == RESULT
        self.back_button.setVisible(step in (NOTICE, CHECKLIST))
        self.cancel_button.setVisible(not on_result)
        self.next_button.setVisible(not on_result and not (step == CHECKS
                                                           and self.checks_page.blocked))
        self.close_button.setVisible(on_result or self.checks_page.blocked)
        if step == CHECKS:
            page = self.checks_page
            enabled = page.can_continue
            text = ("Continue despite problems" if page.advisory_only and enabled
                    else "Next: privacy notice")
            self.cancel_button.setVisible(not page.blocked)
        elif step == NOTICE:
            enabled, text = self.read_box.isChecked(), "Next: checklist"
        elif step == CHECKLIST:
            enabled, text = self.checklist_page.all_confirmed, "Finish"
        else:
            enabled, text = False, "Next"
        self.next_button.setText(text)
        self.next_button.setAccessibleName(text)
        self.next_button.setAccessibleDescription(
            "Go on to the next step" if step < CHECKLIST else
            "Record the acknowledgement and finish: ready for your call")
        self.next_button.setEnabled(enabled)
        # Enter presses the default button: the way forward, or Close at the end.
        (self.close_button if (on_result or self.checks_page.blocked)
         else self.next_button).setDefault(True)

    def _on_checks_started(self) -> None:
        if self.step == CHECKS:
            self._show_step()
            self._update_buttons()

    def _on_checks_finished(self) -> None:
        self._update_buttons()
        if self.step != CHECKS:
            return
        self._show_step()
        if self.checks_page.blocked:
            self.close_button.setFocus()
        elif self.next_button.isEnabled():
            self.next_button.setFocus()

    def _next(self) -> None:
        if not self.next_button.isEnabled():
            return
        if self.step == CHECKLIST:
            self._finish()
        elif self.step < CHECKLIST:
            self._go(self.step + 1)

    def _back(self) -> None:
        if self.step in (NOTICE, CHECKLIST):
            self._go(self.step - 1)

    def _finish(self) -> None:
        if self._done:
            return
        self._done = True
        try:
            self.ack_record = record_ack(
                self.audit, self.notice, checklist_items=len(self.checklist_page.boxes),
                advisory_continued=self.checks_page.attention_ids)
            saved = "Your acknowledgement has been recorded"
        except OSError as exc:
            # Still ready: the officer did everything; IT learns from the message.
            saved = f"Your acknowledgement could not be recorded ({exc.strerror or exc})"
        self.result_label.setText(f"\u2714 {READY_TEXT}")
        self.result_label.setAccessibleName(READY_TEXT)
        esc = html.escape
        parts = [f"<p>{esc(saved)} (notice version {esc(self.notice.version)}).</p>"]
        if self.checklist_page.boxes:
            parts.append("<p>You confirmed:</p><ul>" + "".join(
                f"<li>{esc(b.text())}</li>" for b in self.checklist_page.boxes) + "</ul>")
        continued = self.checks_page.attention_titles
        if continued:
            parts.append("<p>\u26a0 You went on although these advisory checks were not "
                         f"confirmed: {esc('; '.join(continued))}. Please get this fixed "
                         "soon.</p>")
        if self.policy.cleaner.auto_clean:
            parts.append("<p>After the call, DeviceCheck clears the meeting data Teams "
                         "keeps on this laptop.</p>")
        self.result_detail.setText("".join(parts))
        self._go(RESULT)
        self.completed.emit(True)

    # -- leaving -------------------------------------------------------------------------
    def reject(self) -> None:
        if not self._done:
            self._done = True
            self.completed.emit(False)
        super().reject()

    def accept(self) -> None:
        if not self._done:
            return self.reject()
        super().accept()

    # -- for tests and the tray ----------------------------------------------------------
    @property
    def outcome_text(self) -> str:
        """The closing words: "Ready for your call", "Not ready: ..." or "" while going."""
        if self.step == RESULT:
            return READY_TEXT
        return self.checks_page.verdict_text if self.checks_page.blocked else ""


def run_precall(policy_file: str | Path | None = None) -> bool:
    """``devicecheck precall``: show the window on its own; True when it ended ready."""
    from devicecheck.policy import load_policy

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("DeviceCheck")
    gc_in_gui_thread(app)  # the checks run on pool threads (see the module)
    loaded = load_policy(Path(policy_file) if policy_file else None)
    window = PrecallWindow(loaded)
    outcome: list[bool] = []
    window.completed.connect(outcome.append)
    window.show()
    app.exec()
    return bool(outcome and outcome[0])


__all__ = ["PrecallWindow", "run_precall"]
