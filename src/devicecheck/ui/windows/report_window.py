"""The last report, for people: each check with its status icon and word, the summary,
evidence on demand, what to do (with a button for the OS settings page) and the IT contact.

Non-modal and reused: the tray opens it, a notification click opens it, "Check again"
asks the tray for a fresh run and the rows refill when it ends.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from devicecheck.checks.base import STATUS_WORDS, CheckResult, Status
from devicecheck.policy import LoadedPolicy
from devicecheck.qtsupport.icons import state_icon, status_icon
from devicecheck.qtsupport.style import FOCUS_STYLE, button
from devicecheck.report import Report
from devicecheck.ui.model.states import STATE_WORDS, TrayState, verdict_of
from devicecheck.verdict_words import phrase, problem_rank

MAX_EVIDENCE_CHARS = 4000


def evidence_text(evidence: Mapping[str, Any]) -> str:
    """Evidence as ``key: value`` lines (nested values as compact JSON), bounded."""
    if not evidence:
        return "No further details were recorded."
    lines = []
    for key, value in evidence.items():
        shown = value if isinstance(value, str) else json.dumps(value, default=str,
                                                                ensure_ascii=False)
        lines.append(f"{key}: {shown}")
    text = "\n".join(lines)
    return text if len(text) <= MAX_EVIDENCE_CHARS else text[:MAX_EVIDENCE_CHARS] + "\n…"


def count_words(checks: Sequence[CheckResult]) -> str:
    """"4 OK, 2 block calls, 1 to fix soon, 3 not checked": the summary line in plain words,
    counted by what each result means for the call (an advisory failure is "to fix soon",
    never a "problem" like a blocking one); read out by screen readers, so the grammar
    matters. Zero counts are left out, but OK is always said."""
    ranks = [problem_rank(c) for c in checks]
    ok = sum(1 for c in checks if c.status is Status.PASS)
    block = sum(1 for r in ranks if r < 2)
    soon = ranks.count(2)
    unchecked = len(checks) - ok - block - soon
    parts = [f"{ok} OK"]
    if block:
        parts.append(f"{block} {'blocks' if block == 1 else 'block'} calls")
    if soon:
        parts.append(f"{soon} to fix soon")
    if unchecked:
        parts.append(f"{unchecked} not checked")
    return ", ".join(parts)


class CheckRow(QFrame):
    def __init__(self, result: CheckResult, open_url: Callable[[QUrl], object],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("checkRow")
        self.result = result
        word = STATUS_WORDS[result.status]
        # The row is named by what is true or wrong ("Firewall off"), never by the title,
        # which states the requirement and so reads as the opposite of a fault (issue 19).
        name = phrase(result.id, result.status, result.title)
        self.name = name
        self.setAccessibleName(f"{name}: {word}")
        layout = QVBoxLayout(self)
        head = QHBoxLayout()
        icon = QLabel(self)
        icon.setPixmap(status_icon(result.status.value).pixmap(20, 20))
        icon.setAccessibleName(word)
        self.word = QLabel(f"<b>{word}</b>", self)
        self.word.setAccessibleName(f"Status: {word}")
        tag = "" if result.severity.value == "required" else " (can wait)"
        title = QLabel(f"{name}{tag}", self)
        title.setAccessibleName(f"Check: {name}")
        head.addWidget(icon)
        head.addWidget(self.word)
        head.addWidget(title, 1)
        self.details_button = QToolButton(self)
        self.details_button.setText("Show details")
        self.details_button.setCheckable(True)
        self.details_button.setAccessibleName(f"Show details for {name}")
        self.details_button.setToolTip("Show what DeviceCheck found")
        self.details_button.toggled.connect(self._toggle_details)
        head.addWidget(self.details_button)
        layout.addLayout(head)
        summary = QLabel(result.summary, self)
        summary.setWordWrap(True)
        summary.setAccessibleName(f"Summary: {result.summary}")
        summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(summary)
        self.remedy_button: QPushButton | None = None
        bad = result.status in (Status.FAIL, Status.WARN, Status.UNKNOWN)
        if bad and result.remediation is not None:
            remedy = QHBoxLayout()
            what = QLabel(f"What to do: {result.remediation.text}", self)
            what.setWordWrap(True)
            what.setAccessibleName(f"What to do: {result.remediation.text}")
            remedy.addWidget(what, 1)
            if result.remediation.link:
                self._link = result.remediation.link
                self._open_url = open_url
                self.remedy_button = QPushButton("Open settings", self)
                self.remedy_button.setAccessibleName(f"Open settings for {name}")
                self.remedy_button.setToolTip(self._link)
                self.remedy_button.clicked.connect(self._open_link)
                remedy.addWidget(self.remedy_button, 0, Qt.AlignmentFlag.AlignTop)
            layout.addLayout(remedy)
        self.details = QLabel(evidence_text(result.evidence), self)
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.PlainText)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setAccessibleName(f"Details for {name}")
        self.details.setStyleSheet("font-family: monospace;")
        self.details.setVisible(False)
        layout.addWidget(self.details)

    def _toggle_details(self, shown: bool) -> None:
        self.details.setVisible(shown)
        self.details_button.setText("Hide details" if shown else "Show details")
        self.details_button.setAccessibleName(
            f"{'Hide' if shown else 'Show'} details for {self.name}")

    def _open_link(self) -> None:
        self._open_url(QUrl(self._link))


class ReportWindow(QDialog):
    checkRequested = Signal()

    def __init__(self, loaded: LoadedPolicy, *, open_url: Callable[[QUrl], object] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("DeviceCheck report")
        self.setAccessibleName("DeviceCheck report")
        self.setStyleSheet(FOCUS_STYLE)
        self.setModal(False)
        self._open_url = open_url or QDesktopServices.openUrl
        self.loaded = loaded
        self.report: Report | None = None
        self.rows: dict[str, CheckRow] = {}
        outer = QVBoxLayout(self)
        head = QHBoxLayout()
        self.verdict_icon = QLabel(self)
        self.verdict_label = QLabel(self)
        self.verdict_label.setWordWrap(True)
        font = self.verdict_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.verdict_label.setFont(font)
        head.addWidget(self.verdict_icon)
        head.addWidget(self.verdict_label, 1)
        outer.addLayout(head)
        self.sub_label = QLabel(self)
        self.sub_label.setWordWrap(True)
        outer.addWidget(self.sub_label)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setAccessibleName("Checks")
        self.scroll_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # its buttons take focus instead
        outer.addWidget(self.scroll_area, 1)
        self.contact_label = QLabel(self)
        self.contact_label.setWordWrap(True)
        outer.addWidget(self.contact_label)
        buttons = QHBoxLayout()
        self.check_button = button(self, "&Check again", "Run the device checks again",
                                         self.checkRequested.emit)
        self.copy_button = button(self, "C&opy report", "Copy the report as text",
                                        self.copy_report)
        self.close_button = button(self, "Close", "Close the report", self.close)
        buttons.addWidget(self.check_button)
        buttons.addWidget(self.copy_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        outer.addLayout(buttons)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)
        self.resize(self.fontMetrics().averageCharWidth() * 95, self.fontMetrics().height() * 34)
        self.set_report(None)

    def set_checking(self, checking: bool) -> None:
        self.check_button.setEnabled(not checking)
        self.check_button.setText("Checking…" if checking else "&Check again")
        self.check_button.setAccessibleName("Checking" if checking else "Check again")

    def set_report(self, report: Report | None, loaded: LoadedPolicy | None = None) -> None:
        self.report = report
        if loaded is not None:
            self.loaded = loaded
        elif report is not None:
            self.loaded = report.loaded
        contact = self.loaded.policy.organisation.it_contact
        self.contact_label.setText(f"Need help? Contact {contact}.")
        self.contact_label.setAccessibleName(f"IT contact: {contact}")
        container = QWidget()
        rows = QVBoxLayout(container)
        self.rows = {}
        if report is None:
            state, sub = TrayState.CHECKING, "No check has finished yet."
            heading = STATE_WORDS[state]
        else:
            verdict = verdict_of(report)
            state, heading = verdict.state, verdict.line
            when = report.generated_at.astimezone().strftime("%d %b %Y %H:%M")
            sub = f"Checked {when}: {count_words(report.checks)}."
            if verdict.it_notice:
                sub += f"\n{verdict.it_notice}"
            if report.loaded.errors:
                # IT's detail (issue 19: the officer's line above names nothing technical).
                sub += "\nFor IT \u2013 policy errors:\n" + "\n".join(
                    f"  • {e}" for e in report.loaded.errors)
            for result in report.checks:
                row = CheckRow(result, self._open_url, container)
                self.rows[result.id] = row
                rows.addWidget(row)
        rows.addStretch(1)
        self.scroll_area.setWidget(container)
        self.verdict_icon.setPixmap(state_icon(state).pixmap(40, 40))
        self.verdict_icon.setAccessibleName(heading)
        self.verdict_label.setText(heading)
        self.verdict_label.setAccessibleName(f"Verdict: {heading}")
        self.sub_label.setText(sub)
        self.sub_label.setAccessibleName(sub)

    def copy_report(self) -> None:
        if self.report is not None:
            QGuiApplication.clipboard().setText(self.report.to_text())
