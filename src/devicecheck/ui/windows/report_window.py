"""The last report, for people: the verdict on top, then each check named by what is
true or wrong, what to do, and the IT contact; IT's detail behind one door.

Issue 19's layout: a verdict banner (the same words as the tray and the pre-call window),
a body that scrolls inside the window (``scroll_body``: the control Tab reaches is
scrolled into view) and the button row outside it, so "Check again", "Copy report for IT"
and "Close" are on screen whatever the screen's size. Officer text names no file, command
or raw evidence: each check's summary (evidence such as a disk's device name), IT's
remediation detail and the policy errors sit in the expandable "Details for IT" section
(object name ``itDetails``) and in "Copy report for IT" (the text report).

Non-modal and reused: the tray opens it, a notification click opens it, "Check again"
asks the tray for a fresh run and the rows refill when it ends.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from devicecheck.checks.base import CheckResult
from devicecheck.policy import LoadedPolicy
from devicecheck.qtsupport.icons import status_icon
from devicecheck.qtsupport.screen_fit import fit_to_screen, scroll_body
from devicecheck.qtsupport.style import (
    FOCUS_STYLE,
    SPACING,
    VerdictBanner,
    button,
    window_frame,
)
from devicecheck.report import Report
from devicecheck.ui.model.rows import BLOCK, LOOKS, SOON, meaning, rows
from devicecheck.ui.model.states import STATE_WORDS, TrayState, verdict_of
from devicecheck.verdict_words import Answer, phrase, severity_tag

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


def it_text(report: Report) -> str:
    """IT's detail: the policy errors, then every check by id with its evidence summary,
    IT's remediation detail and the recorded evidence."""
    lines: list[str] = []
    if report.loaded.errors:
        lines.append("Policy errors:")
        lines.extend(f"  - {e}" for e in report.loaded.errors)
        lines.append("")
    lines.append(f"Policy sources: {', '.join(report.loaded.sources) or 'defaults'}")
    for c in report.checks:
        lines.append("")
        lines.append(f"{c.id} ({c.status.value}, {c.severity.value}): {c.summary}")
        if c.remediation is not None and c.remediation.it_detail:
            lines.append(f"  To fix: {c.remediation.it_detail}")
        if c.remediation is not None and c.remediation.link:
            lines.append(f"  Settings page: {c.remediation.link}")
        if c.evidence:
            lines.extend(f"  {line}" for line in evidence_text(c.evidence).splitlines())
    return "\n".join(lines)


class CheckRow(QFrame):
    def __init__(self, result: CheckResult, open_url: Callable[[QUrl], object],
                 parent: QWidget | None = None, *, advisory_blocks: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("checkRow")
        self.result = result
        self.meaning = meaning(result, advisory_blocks)
        word, icon_status = LOOKS[self.meaning].word, LOOKS[self.meaning].icon
        # The row is named by what is true or wrong ("Firewall off"), never by the title,
        # which states the requirement and so reads as the opposite of a fault (issue 19).
        name = phrase(result.id, result.status, result.title)
        self.name = name
        self.setAccessibleName(f"{name}: {word}")
        layout = QVBoxLayout(self)
        layout.setSpacing(SPACING // 2)
        head = QHBoxLayout()
        head.setSpacing(SPACING)
        icon = QLabel(self)
        icon.setPixmap(status_icon(icon_status).pixmap(20, 20))
        icon.setAccessibleName(word)
        self.word = QLabel(f"<b>{word}</b>", self)
        self.word.setAccessibleName(f"Status: {word}")
        self.title = QLabel(f"{name}{severity_tag(result.severity)}", self)
        self.title.setWordWrap(True)
        self.title.setAccessibleName(f"Check: {name}")
        head.addWidget(icon)
        head.addWidget(self.word)
        head.addWidget(self.title, 1)
        layout.addLayout(head)
        self.remedy_button: QPushButton | None = None
        self.what: QLabel | None = None
        if self.meaning in (BLOCK, SOON) and result.remediation is not None:
            remedy = QHBoxLayout()
            text = f"What to do: {result.remediation.text}"
            self.what = QLabel(text, self)
            self.what.setWordWrap(True)
            self.what.setTextFormat(Qt.TextFormat.PlainText)
            self.what.setAccessibleName(text)
            remedy.addWidget(self.what, 1)
            if result.remediation.link:
                self._link = result.remediation.link
                self._open_url = open_url
                self.remedy_button = QPushButton("Open settings", self)
                self.remedy_button.setAutoDefault(False)
                self.remedy_button.setAccessibleName(f"Open settings for {name}")
                self.remedy_button.setToolTip("Open the settings page where this is fixed")
                self.remedy_button.clicked.connect(self._open_link)
                remedy.addWidget(self.remedy_button, 0, Qt.AlignmentFlag.AlignTop)
            layout.addLayout(remedy)

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

        self.banner = VerdictBanner(self)
        self.verdict_icon = self.banner.icon
        self.verdict_label = self.banner.label

        body = QWidget(self)
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(0, 0, SPACING, 0)
        body_layout.setSpacing(SPACING)
        self.sub_label = QLabel(body)
        self.sub_label.setWordWrap(True)
        body_layout.addWidget(self.sub_label)
        self.rows_box = QVBoxLayout()
        self.rows_box.setSpacing(SPACING)
        body_layout.addLayout(self.rows_box)
        self.contact_label = QLabel(body)
        self.contact_label.setWordWrap(True)
        body_layout.addWidget(self.contact_label)
        # IT's one door: closed until asked for.
        self.it_toggle = QToolButton(body)
        self.it_toggle.setObjectName("itToggle")
        self.it_toggle.setCheckable(True)
        self.it_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.it_toggle.toggled.connect(self._toggle_it)
        body_layout.addWidget(self.it_toggle, 0, Qt.AlignmentFlag.AlignLeft)
        self.it_details = QFrame(body)
        self.it_details.setObjectName("itDetails")
        it_layout = QVBoxLayout(self.it_details)
        it_layout.setContentsMargins(0, 0, 0, 0)
        self.it_text = QLabel(self.it_details)
        self.it_text.setObjectName("itDetailsText")
        self.it_text.setWordWrap(True)
        self.it_text.setTextFormat(Qt.TextFormat.PlainText)
        self.it_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.it_text.setStyleSheet("font-family: monospace;")
        self.it_text.setAccessibleName("Details for IT")
        it_layout.addWidget(self.it_text)
        self.it_details.setVisible(False)
        body_layout.addWidget(self.it_details)
        body_layout.addStretch(1)
        self.scroll_area = scroll_body(body, self, name="Checks")
        self._toggle_it(False)

        buttons = QHBoxLayout()
        buttons.setSpacing(SPACING)
        self.check_button = button(self, "&Check again", "Run the device checks again",
                                   self.checkRequested.emit)
        self.copy_button = button(self, "C&opy report for IT",
                                  "Copy the full report, with IT's details, as text",
                                  self.copy_report)
        self.close_button = button(self, "Close", "Close the report", self.close)
        buttons.addWidget(self.check_button)
        buttons.addWidget(self.copy_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)

        window_frame(self, self.scroll_area, buttons, top=self.banner)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)
        self.set_report(None)
        metrics = self.fontMetrics()
        fit_to_screen(self, QSize(metrics.averageCharWidth() * 95, metrics.height() * 34))

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
        for row in self.rows.values():
            row.setParent(None)
            row.deleteLater()
        self.rows = {}
        if report is None:
            state, sub = TrayState.CHECKING, "No check has finished yet."
            heading = STATE_WORDS[state]
            self.it_text.setText("")
        else:
            words = report.words()
            verdict = verdict_of(report)
            state, heading = verdict.state, verdict.line
            # Advisory problems block when the policy lets nobody continue past them: the
            # rows and counts then say so too (the verdict is "No").
            advisory_blocks = words.answer is Answer.NO and not any(
                c.blocking for c in report.checks)
            when = report.generated_at.astimezone().strftime("%d %b %Y %H:%M")
            sub = f"Checked {when}: {rows(report.checks, advisory_blocks=advisory_blocks).others_line()}."
            if verdict.it_notice:
                sub += f"\n{verdict.it_notice}"
            for result in report.checks:
                row = CheckRow(result, self._open_url, self.scroll_area.widget(),
                               advisory_blocks=advisory_blocks)
                self.rows[result.id] = row
                self.rows_box.addWidget(row)
                # A layout shows a child added to a visible parent only later (queued):
                # show it now, so it is there for the next paint and for screen readers.
                row.show()
            self.it_text.setText(it_text(report))
        self.it_toggle.setEnabled(report is not None)
        self.banner.set_verdict(state, heading)
        self.sub_label.setText(sub)
        self.sub_label.setAccessibleName(sub)
        self._chain_tabs()

    def _chain_tabs(self) -> None:
        """Tab follows the screen: the rows' buttons, IT's door, then the button row (rows
        are rebuilt after the rest, so the creation order alone would put them last)."""
        chain: list[QWidget] = [r.remedy_button for r in self.rows.values()
                                if r.remedy_button is not None]
        chain += [self.it_toggle, self.check_button, self.copy_button, self.close_button]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    def _toggle_it(self, shown: bool) -> None:
        self.it_details.setVisible(shown)
        words = "Hide details for IT" if shown else "Show details for IT"
        self.it_toggle.setText(words)
        self.it_toggle.setAccessibleName(words)
        if shown:
            # Opened below the fold, the section would look as if nothing happened: scroll
            # it into view once the layout has made room for it (issue 19).
            QTimer.singleShot(0, self._show_it_details)

    def _show_it_details(self) -> None:
        if self.it_details.isVisible():
            margin = self.fontMetrics().height()
            self.scroll_area.ensureWidgetVisible(self.it_details, margin, margin)
            self.scroll_area.ensureWidgetVisible(self.it_toggle, margin, margin)

    def copy_report(self) -> None:
        if self.report is not None:
            QGuiApplication.clipboard().setText(self.report.to_text(it=True))
