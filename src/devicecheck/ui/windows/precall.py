"""The pre-call window: what an officer does before every call with a resident.

Two steps — live device checks, then the privacy notice — and then the call may start:
the acknowledgement is written to the audit log once, when the officer acknowledges the
notice, ``completed(True)`` is emitted and the window gives way to the opening script card
(``opening_script``), which the officer keeps beside the call while opening it.

Fewer steps per call (issue 19): when every check passes, step 1 folds into one line at
the top of the notice and the flow goes straight on; when policy's ``[notice] acknowledge``
("daily", "new-version") says an earlier acknowledgement still covers this call, the
notice is skipped too. "Continue despite problems" (advisory problems) is never the
default button and never has the focus, so a reflex Enter cannot skip a problem.

Everything works by keyboard: Tab moves, Space ticks, Enter goes on (the default button),
Esc leaves. Officer text is plain words; the detail IT needs is behind one door
(``it_door``: check evidence, the notice version, an error's text).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
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

from devicecheck.acknowledgement import ack_in_force, last_ack, record_ack
from devicecheck.audit import AuditLog
from devicecheck.checks import all_checks
from devicecheck.checks.base import Check, Context
from devicecheck.notice import BUILT_IN, Notice, NoticeError, build_notice, load_notice
from devicecheck.policy import LoadedPolicy
from devicecheck.qtsupport.main_thread_gc import install as gc_in_gui_thread
from devicecheck.qtsupport.screen_fit import fit_to_screen, scroll_body
from devicecheck.qtsupport.style import FOCUS_STYLE, button, heading_font
from devicecheck.ui.tray.debug import debug
from devicecheck.ui.windows.it_door import ITDoor
from devicecheck.ui.windows.notice_dialog import NoticeView
from devicecheck.ui.windows.opening_script import CALL_MAY_START, OpeningScriptCard
from devicecheck.ui.windows.precall_checks import ChecksPage

STEP_TITLES = ("Device checks", "Privacy notice")
CHECKS, NOTICE = range(2)
TITLE = "DeviceCheck - before your call"
CONTINUE_DESPITE = "Continue despite problems"
TO_THE_CALL = "Continue to the call"


def _on_day(stamp: object) -> str:
    """" on 28 Nov 2026" for an audit time stamp (UTC ISO 8601), in local time; "" when it
    cannot be read (an odd record never breaks the window)."""
    try:
        when = datetime.fromisoformat(str(stamp).replace("Z", "+00:00")).astimezone()
    except ValueError:
        return ""
    return f" on {when.day} {when:%b %Y}"  # not "%-d": Windows' strftime has no "-" flag


class PrecallWindow(QDialog):
    """``completed(True)`` when the call may start (the notice acknowledged, or an earlier
    acknowledgement still in force); ``completed(False)`` when the window is left (Esc,
    Cancel, Close) before that. Emitted once. ``scriptShown(card)`` hands the opening
    script card to whoever keeps the windows (the tray's window manager)."""

    completed = Signal(bool)
    scriptShown = Signal(QWidget)

    def __init__(self, loaded: LoadedPolicy, *, audit: AuditLog | None = None,
                 ctx: Context | None = None, checks: Sequence[Check] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loaded = loaded
        self.policy = loaded.policy
        self.audit = audit if audit is not None else AuditLog.for_policy(self.policy)
        contact = self.policy.organisation.it_contact
        try:
            self.notice: Notice = load_notice(self.policy)
            self.notice_missing = ""
        except NoticeError as exc:
            # A broken install: say so, and never let the call start without a notice.
            self.notice_missing = str(exc)
            self.notice = build_notice(
                "# The privacy notice could not be shown\n\nDeviceCheck cannot show the "
                "privacy notice, so you cannot confirm it. Do not start a call with a "
                f"resident. Contact {contact}.\n", source=BUILT_IN, declared_date="",
                is_markdown=True)
        self.notice_covered = self._earlier_ack_covers()
        self.ack_record: dict[str, Any] | None = None
        self.ack_error = ""
        self.card: OpeningScriptCard | None = None
        self._done = False
        self._auto_advance = True  # until the officer goes back to look at the rows
        self.setWindowTitle(TITLE)
        self.setAccessibleName("Before your call")
        self.setAccessibleDescription("Device checks, then the privacy notice; then the call "
                                      "may start.")
        self.setStyleSheet(FOCUS_STYLE)

        self.heading = QLabel("Before your call", self)
        self.heading.setFont(heading_font(self, 1.5))
        self.step_label = QLabel(self)
        self.step_label.setFont(heading_font(self, 1.15))
        self.step_label.setWordWrap(True)

        body = QWidget(self)
        check_list = list(checks) if checks is not None else all_checks()
        self.checks_page = ChecksPage(loaded, check_list, ctx=ctx, parent=body)
        self.checks_page.finished.connect(self._on_checks_finished)
        self.notice_page = self._build_notice_page(body)
        self.stack = QStackedWidget(body)
        for page in (self.checks_page, self.notice_page):
            self.stack.addWidget(page)
        self.it_door = ITDoor(body, name="itDetailsPrecall")
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(0, 0, 0, 0)
        body_layout.addWidget(self.stack, 1)
        body_layout.addWidget(self.it_door)

        self.back_button = button(self, "Show the checks",
                                  "Go back to the device check results", self._back)
        self.cancel_button = button(self, "Cancel", "Leave without starting the call",
                                    self.reject)
        self.next_button = button(self, "Next", "", self._next)
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
        # The body scrolls; the heading and the buttons always stay in view (screen_fit).
        layout.addWidget(scroll_body(body, self, name="Before your call"), 1)
        layout.addLayout(buttons)
        # Wanted in text units (a larger system font, a larger window); the screen bounds it.
        metrics = self.fontMetrics()
        fit_to_screen(self, QSize(metrics.horizontalAdvance("x") * 110, metrics.height() * 36))
        self._update_it_door()
        self.checks_page.started.connect(self._on_checks_started)
        self._go(CHECKS)
        self.checks_page.start()

    def _earlier_ack_covers(self) -> bool:
        """Whether the notice step can be skipped: only under "daily" or "new-version" and
        an acknowledgement of this very notice still in force. Under "every-call" each
        call is acknowledged afresh."""
        if self.notice_missing or self.policy.notice.acknowledge == "every-call":
            return False
        try:
            return ack_in_force(self.policy, self.notice, self.audit)
        except OSError:
            return False  # the audit log cannot be read: ask again rather than assume

    # -- construction --------------------------------------------------------------------
    def _build_notice_page(self, parent: QWidget) -> QWidget:
        page = QWidget(parent)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        # Step 1 folded into one line; "Show the checks" opens the rows again.
        self.checks_line = QLabel(page)
        self.checks_line.setWordWrap(True)
        self.notice_banner = QLabel(self._notice_banner_text(), page)
        self.notice_banner.setWordWrap(True)
        self.notice_banner.setFrameShape(QFrame.Shape.StyledPanel)
        self.notice_banner.setMargin(6)
        self.notice_banner.setVisible(bool(self.notice_banner.text()))
        # The box can be ticked once the notice's end has been in view (issue 29).
        self.notice_view = NoticeView(self.notice, page, must_read=True)
        self.notice_view.endSeen.connect(self._on_notice_read)
        # Alt+I ticks it from anywhere on the page (a mnemonic, for keyboard users).
        self.read_box = QCheckBox("&I have read the privacy notice and will follow it "
                                  "during this call", page)
        self.read_box.setAccessibleName("I have read the privacy notice")
        self.read_box.setAccessibleDescription(
            "Available once you have scrolled to the end of the notice (Page Down or End).")
        self.read_box.toggled.connect(self._update_buttons)
        self.read_box.setEnabled(False)
        layout.addWidget(self.checks_line)
        layout.addWidget(self.notice_banner)
        layout.addWidget(self.notice_view, 1)
        layout.addWidget(self.read_box)
        return page

    def _on_notice_read(self) -> None:
        debug("notice-end-seen")
        self.read_box.setEnabled(not self.notice_missing)
        self.read_box.setAccessibleDescription(
            "Tick to acknowledge the privacy notice; it is recorded when you continue to "
            "the call.")
        self._update_buttons()

    def _notice_banner_text(self) -> str:
        contact = self.policy.organisation.it_contact
        parts = []
        if self.notice_missing:
            parts.append(f"\u2716 The privacy notice could not be shown. Contact {contact}.")
        if self.notice.problem:
            parts.append("\u26a0 Your council's own notice could not be shown, so this is "
                         f"DeviceCheck's standard notice. Please tell {contact}.")
        try:
            previous = last_ack(self.audit)
        except OSError:
            previous = None
        if previous is not None and previous.get("notice_version") != self.notice.version:
            parts.append(f"\u2139 This notice has changed since you last acknowledged it"
                         f"{_on_day(previous.get('time'))}. Please read it again.")
        return "\n".join(parts)

    def _update_it_door(self) -> None:
        n = self.notice
        lines = [self.checks_page.it_details(),
                 f"notice: version {n.version}, document {n.document_hash}, "
                 f"source {n.source}, revised {n.revision_date or '-'}"]
        if self.notice_missing:
            lines.append(f"notice missing: {self.notice_missing}")
        if n.problem:
            lines.append(f"council notice not used: {n.problem}")
        self.it_door.set_text("\n".join(line for line in lines if line))

    # -- navigation ----------------------------------------------------------------------
    @property
    def step(self) -> int:
        return self.stack.currentIndex()

    @property
    def all_passed(self) -> bool:
        page = self.checks_page
        return page.done and not page.blocked and not page.attention

    def _go(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        self._show_step()
        self._update_buttons()
        page = self.checks_page
        if index == NOTICE:
            focus: QWidget = self.notice_view.browser
        elif page.blocked:
            # The first problem (issue 27: read first, at the top), else Close.
            focus = page.view.first_focus() or self.close_button
        elif self.all_passed and self.next_button.isEnabled():
            focus = self.next_button
        else:
            # Advisory problems, or still checking: the rows, never "Continue despite".
            focus = page.first_focus()
        focus.setFocus(Qt.FocusReason.OtherFocusReason)

    def _show_step(self) -> None:
        """Say where the officer is, in the step line and the window title (which window
        lists and screen readers announce)."""
        step, page = self.step, self.checks_page
        total = 1 if self.notice_covered else 2
        text = STEP_TITLES[step] if total == 1 else \
            f"Step {step + 1} of {total}: {STEP_TITLES[step]}"
        if step == CHECKS:
            text += (" \u2013 checking" if not page.done else
                     " \u2013 not ready" if page.blocked else
                     " \u2013 fix soon" if page.attention else
                     " \u2013 all passed")
        self.step_label.setText(text)
        self.step_label.setAccessibleName(text)
        self.setWindowTitle(f"{TITLE} - {text}")

    def _update_buttons(self, *_: object) -> None:
        step, page = self.step, self.checks_page
        blocked = step == CHECKS and page.blocked
        self.back_button.setVisible(step == NOTICE)
        self.cancel_button.setVisible(not blocked)
        self.close_button.setVisible(blocked)
        self.next_button.setVisible(not blocked)
        if step == CHECKS:
            enabled = page.can_continue
            if page.attention:
                text = CONTINUE_DESPITE
            elif self.notice_covered:
                text = TO_THE_CALL
            else:
                text = "Next: privacy notice"
            description = ("Go on to the call although problems were found"
                           if page.attention else "Go on to the next step")
            default = enabled and not page.attention
        else:
            # A box ticked by other means before the end was in view counts for nothing.
            enabled = self.read_box.isChecked() and self.notice_view.end_seen
            text = TO_THE_CALL
            description = "Record that you have read the notice; then the call may start"
            default = True
        self.next_button.setText(text)
        self.next_button.setAccessibleName(text)
        self.next_button.setAccessibleDescription(description)
        self.next_button.setEnabled(enabled)
        # Enter presses the default button: the way forward, or Close when blocked; with
        # advisory problems there is none, so a reflex Enter goes nowhere.
        self.close_button.setDefault(blocked)
        self.next_button.setDefault(default and not blocked)

    def _on_checks_started(self) -> None:
        if self.step == CHECKS:
            self._show_step()
            self._update_buttons()

    def _on_checks_finished(self) -> None:
        self._update_it_door()
        page = self.checks_page
        self.checks_line.setText(page.verdict_text)
        self.checks_line.setAccessibleName(page.verdict_text)
        if self.step != CHECKS:
            return
        if self.all_passed and self._auto_advance and not self._done:
            # Nothing to read on step 1: its verdict is the one line above the notice.
            if self.notice_covered:
                self._start_call()
            else:
                self._go(NOTICE)
            return
        self._go(CHECKS)

    def _next(self) -> None:
        if not self.next_button.isEnabled() or self._done:
            return
        if self.step == CHECKS and not self.notice_covered:
            self._go(NOTICE)
        else:
            self._start_call()

    def _back(self) -> None:
        if self.step == NOTICE:
            self._auto_advance = False  # "Check again" must not take the rows away
            self._go(CHECKS)

    def _start_call(self) -> None:
        """The call may start: record the acknowledgement (once), say so, hand over to the
        opening script card and close."""
        if self._done or not (self.notice_covered or self.notice_view.end_seen):
            return  # never an acknowledgement of a notice whose end was not in view
        self._done = True
        page = self.checks_page
        if not self.notice_covered:
            try:
                self.ack_record = record_ack(self.audit, self.notice,
                                             advisory_continued=page.attention_ids)
            except OSError as exc:
                # The call may still start: the officer did everything; IT learns of it.
                self.ack_error = str(exc.strerror or exc)
        debug("call-may-start")
        self.completed.emit(True)
        self.card = OpeningScriptCard(self.policy.notice.checklist, notes=self._card_notes(),
                                      it_text=self._card_it_text())
        self.card.show()
        self.card.raise_()
        self.card.activateWindow()
        self.scriptShown.emit(self.card)
        super().accept()

    def _card_notes(self) -> list[str]:
        contact = self.policy.organisation.it_contact
        notes = []
        if self.ack_error:
            notes.append("\u26a0 Your acknowledgement of the privacy notice could not be "
                         f"saved. Please tell {contact}.")
        elif self.notice_covered:
            when = ("earlier today" if self.policy.notice.acknowledge == "daily"
                    else "before")
            notes.append(f"You acknowledged this privacy notice {when}; it still covers "
                         "this call.")
        else:
            notes.append("Your acknowledgement of the privacy notice has been recorded.")
        problems = self.checks_page.words().problems if self.checks_page.attention else ()
        if problems:
            notes.append(f"\u26a0 Get this fixed soon: {'; '.join(problems)}.")
        if self.policy.cleaner.auto_clean:
            notes.append("After the call, DeviceCheck clears the meeting data Teams keeps "
                         "on this laptop.")
        return notes

    def _card_it_text(self) -> str:
        lines = []
        if self.ack_error:
            lines.append(f"audit write failed: {self.ack_error}")
        if self.ack_record is not None:
            lines.append(f"notice-ack: version {self.ack_record.get('notice_version')}, "
                         f"time {self.ack_record.get('time')}")
        return "\n".join(lines)

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
        """The closing words: "The call may start", the "No — ..." verdict when blocked,
        or "" while going."""
        if self.card is not None:
            return CALL_MAY_START
        return self.checks_page.verdict_text if self.checks_page.blocked else ""


def run_precall(policy_file: str | Path | None = None) -> bool:
    """``devicecheck precall``: show the window on its own; True when the call may start
    (the app runs on until the opening script card is closed too)."""
    from devicecheck.policy import load_policy
    from devicecheck.qtsupport.style import apply_app_style

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("DeviceCheck")
    apply_app_style(app)  # the shared look, message boxes included (issue 19)
    gc_in_gui_thread(app)  # the checks run on pool threads (see the module)
    loaded = load_policy(Path(policy_file) if policy_file else None)
    window = PrecallWindow(loaded)
    outcome: list[bool] = []
    window.completed.connect(outcome.append)
    window.show()
    app.exec()
    return bool(outcome and outcome[0])


__all__ = ["PrecallWindow", "run_precall"]
