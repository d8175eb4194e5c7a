"""The last report, for people: the verdict on top, then each check named by what is
true or wrong, what to do, and the IT contact; IT's detail behind one door.

Issue 19's layout: a verdict banner (the same words as the tray and the pre-call window),
a body that scrolls inside the window (``scroll_body``: the control Tab reaches is
scrolled into view) and the button row outside it, so "Check again", "Copy report for IT"
and "Close" are on screen whatever the screen's size. Officer text names no file, command
or raw evidence: each check's summary (evidence such as a disk's device name), IT's
remediation detail and the policy errors sit in the expandable "Details for IT" section
(object name ``itDetails``) and in "Copy report for IT" (the text report).

Issue 27: the body is the shared ``ResultsView`` (the same as pre-call step 1): the
problems worst first, each one focusable item (fault phrase, status word, what to do),
then one line for the other checks. It opens at the top with the focus on the first
problem (or "Check again"), grows to its content within 90 % of the screen, and PgUp,
PgDn, Home, End and the arrow keys scroll it (``BodyKeys``).

Non-modal and reused: the tray opens it, a notification click opens it, "Check again"
asks the tray for a fresh run and the rows refill when it ends.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from devicecheck.policy import LoadedPolicy
from devicecheck.qtsupport.screen_fit import fit_to_screen, grow_to_content, scroll_body
from devicecheck.qtsupport.style import FOCUS_STYLE, SPACING, button, window_frame
from devicecheck.report import Report
from devicecheck.ui.model.states import STATE_WORDS, TrayState, verdict_of
from devicecheck.ui.windows.report_trace import attach as attach_trace
from devicecheck.ui.windows.results_view import CLEAN, BodyKeys, ProblemItem, ResultsView

if TYPE_CHECKING:
    from devicecheck.ui.windows.clean_action import CleanFlow

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
        self._clean_flow: CleanFlow | None = None
        #: The tray's own "Clear meeting data now…" (``WindowManager.open_clean``), set by
        #: the tray that opened this window: its restart-and-clean through the Teams link,
        #: one flow for the menu and this button (issue 27). None: this window's own flow.
        self.clean_handler: Callable[[], object] | None = None

        body = QWidget(self)
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(0, 0, SPACING, 0)
        body_layout.setSpacing(SPACING)
        # The shared presentation (issue 27): the same as pre-call step 1.
        self.view = ResultsView(body, open_url=self._open_url, banner_parent=self)
        self.view.actionRequested.connect(self._on_action)
        self.banner = self.view.banner
        self.verdict_icon = self.banner.icon
        self.verdict_label = self.banner.label
        body_layout.addWidget(self.view)
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
        self.keys = BodyKeys(self.scroll_area, self.view)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)
        # Wanted: a readable line length, and only as tall as a first look needs; the
        # window then grows to its content (within 90 % of the screen) once it is filled.
        metrics = self.fontMetrics()
        fit_to_screen(self, QSize(metrics.averageCharWidth() * 90, metrics.height() * 14))
        # The e2e tests' trace lines (report_trace.py).
        self._trace = attach_trace(self, self.view, self.scroll_area)
        self.set_report(None)

    @property
    def rows(self) -> dict[str, ProblemItem]:
        """The problem items by check id (the other checks are one line, not items)."""
        return {item.row.check_id: item for item in self.view.items}

    def set_checking(self, checking: bool) -> None:
        self.check_button.setEnabled(not checking)
        self.check_button.setText("Checking…" if checking else "&Check again")
        self.check_button.setAccessibleName("Checking" if checking else "Check again")

    def set_report(self, report: Report | None, loaded: LoadedPolicy | None = None) -> None:
        # The first results of a window opened while checking take the focus, as they
        # would have had the window opened with them.
        first_results = self.report is None
        self.report = report
        if loaded is not None:
            self.loaded = loaded
        elif report is not None:
            self.loaded = report.loaded
        contact = self.loaded.policy.organisation.it_contact
        before = self.focusWidget()
        in_view = first_results or before is None or self.view.isAncestorOf(before)
        if report is None:
            self.view.set_results(TrayState.CHECKING, STATE_WORDS[TrayState.CHECKING], None,
                                  detail="No check has finished yet.", contact=contact)
            self.it_text.setText("")
        else:
            verdict = verdict_of(report)
            at = report.generated_at.astimezone()
            detail = f"Checked {at.day} {at:%b %Y %H:%M}."
            if verdict.it_notice:
                detail += f"\n{verdict.it_notice}"
            # The rows pass the policy's "no continuing past advisory problems" exactly as
            # pre-call does (Report.rows), so a row never contradicts the verdict.
            self.view.set_results(verdict.state, verdict.line, report.rows(), detail=detail,
                                  contact=contact)
            self.it_text.setText(it_text(report))
        self.it_toggle.setEnabled(report is not None)
        self._chain_tabs()
        if self.isVisible():
            self.grow()
            if in_view:
                self.focus_first()  # the item that had it went with the old rows
            if self._trace is not None:
                self._trace.layout_settled()

    def _chain_tabs(self) -> None:
        """Tab follows the screen: the problems and their buttons, the other checks, IT's
        door, then the button row (the problems are rebuilt after the rest, so the
        creation order alone would put them last)."""
        chain = [*self.view.tab_chain(), self.it_toggle, self.check_button,
                 self.copy_button, self.close_button]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)
        self.keys.watch(chain)

    def grow(self) -> None:
        """Grow to the content (within 90 % of the screen), at the top."""
        grow_to_content(self, self.scroll_area)
        self.scroll_area.verticalScrollBar().setValue(0)

    def showEvent(self, event: QShowEvent) -> None:
        """Opened (or raised again): sized to its content, scrolled to the top, the focus
        on the first problem, or on "Check again" when there is none (issue 27: it opened
        scrolled to the bottom with the focus on IT's door)."""
        super().showEvent(event)
        self.grow()
        self.focus_first()
        if self._trace is not None:
            self._trace.layout_settled()

    def focus_first(self) -> None:
        target = self.view.first_focus() or self.check_button
        target.setFocus(Qt.FocusReason.OtherFocusReason)
        self.scroll_area.verticalScrollBar().setValue(0)

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

    def _on_action(self, action: str) -> None:
        """"Clear meeting data now…" on the meeting-data problem. Opened by the tray: the
        tray menu's own clear (``clean_handler``: with Teams open, the restart-and-clean
        through the Teams link), whose end re-checks and refills this window. On its own
        (``devicecheck report`` with no tray): the same dialog here, then a fresh check,
        so the row clears once the data is gone."""
        if action != CLEAN:
            return
        if self.clean_handler is not None:
            self.clean_handler()
            return
        from devicecheck.audit import AuditLog
        from devicecheck.ui.windows.clean_action import CleanFlow

        if self._clean_flow is None or not self._clean_flow.busy:
            policy = self.loaded.policy
            self._clean_flow = CleanFlow(policy, AuditLog.for_policy(policy), parent=self)
            self._clean_flow.done.connect(lambda _result: self.checkRequested.emit())
            self._clean_flow.start()

    def copy_report(self) -> None:
        if self.report is not None:
            QGuiApplication.clipboard().setText(self.report.to_text(it=True))
