"""Step 1 of the pre-call window: the device checks, each row filling in as its check
completes, what to do about each problem, and the verdict for the call.

Statuses are shown as a symbol and a word (never colour alone). Required problems block
the call; advisory ones block it too unless policy lets the officer go on despite them.
A row is the officer's: the fault or pass phrase, "(can wait)" for an advisory check and
"What to do"; what the check found (``CheckResult.summary``, e.g. "(vda)") and IT's part
of the fix (``Remediation.it_detail``) are IT's, given by ``it_details`` (issue 19).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import UTC, datetime

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from devicecheck.advisory_dates import with_first_seen
from devicecheck.checks import Check, CheckResult, Context, Status
from devicecheck.checks.base import STATUS_WORDS
from devicecheck.policy import LoadedPolicy
from devicecheck.qtsupport.style import VerdictBanner
from devicecheck.qtsupport.workers import CheckWorker, WorkerKeeper
from devicecheck.report import Report
from devicecheck.ui.model.rows import LOOKS, meaning
from devicecheck.ui.model.states import TrayState
from devicecheck.verdict_words import (
    NO,
    Answer,
    VerdictWords,
    ordered_problems,
    phrase,
    severity_tag,
    topic,
    verdict_words,
)

#: Shapes that read differently from one another even in grey: tick, cross, warning, etc.
SYMBOLS = {Status.PASS: "\u2714", Status.WARN: "\u26a0", Status.FAIL: "\u2716",
           Status.UNKNOWN: "?", Status.SKIP: "\u2013"}
PENDING = "\u2026 Checking"


def status_label(result: CheckResult, advisory_blocks: bool = False) -> str:
    """The row's first column by what the result means for the call (``ui.model.rows``, the
    same words as the report window): an advisory problem is "Fix soon", not "Problem";
    a check IT turned off is "Not counted"."""
    look = LOOKS[meaning(result, advisory_blocks)]
    return f"{look.symbol} {look.word}"


def what_to_do(result: CheckResult) -> str:
    """The officer's "What to do: ..." for a problem ("" for a pass or a check that was
    not run, and when the check gave no remedy)."""
    if result.status in (Status.PASS, Status.SKIP) or result.remediation is None:
        return ""
    text = result.remediation.text.strip()
    return f"What to do: {text}" if text else ""


def it_line(result: CheckResult) -> str:
    """One result as IT reads it: id, status, severity, what was found and IT's fix."""
    line = f"{result.id}: {result.status.value} ({result.severity.value}) - {result.summary}"
    if result.remediation is not None and result.remediation.it_detail:
        line += f" | fix: {result.remediation.it_detail}"
    return line


class _WrappingDelegate(QStyledItemDelegate):
    """Row heights that fit wrapped text. QTreeView asks the delegate for a size without
    telling it the column width, so a long result would be cut off with "..."."""

    def __init__(self, tree: QTreeWidget) -> None:
        super().__init__(tree)
        self._tree = tree

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        base = super().sizeHint(option, index)
        column = self._tree.header().sectionSize(index.column())
        if base.width() <= column:
            return base  # fits on one line
        # Ask the style with a real width: it then wraps exactly as it will paint.
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.rect = QRect(0, 0, column, 1)
        style = self._tree.style()
        size = style.sizeFromContents(QStyle.ContentsType.CT_ItemViewItem, opt, QSize(),
                                      self._tree)
        return QSize(base.width(), max(base.height(), size.height()))


class ChecksPage(QWidget):
    """``finished`` fires when every check has answered (or the run failed)."""

    started = Signal()
    finished = Signal()

    def __init__(self, loaded: LoadedPolicy, checks: Sequence[Check], *,
                 ctx: Context | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loaded, self.checks, self.ctx = loaded, list(checks), ctx
        self.policy = loaded.policy
        self.results: dict[str, CheckResult] = {}
        self.report: Report | None = None
        self.error = ""
        self._worker: CheckWorker | None = None  # the current run (older runs are ignored)
        self._keeper = WorkerKeeper()

        intro = QLabel("DeviceCheck is checking that this laptop is fit for a private call "
                       "with a resident. Rows fill in as each check finishes.", self)
        intro.setWordWrap(True)
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Status", "Check", "What to do"])
        self.tree.setRootIsDecorated(False)
        self.tree.setWordWrap(True)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideNone)  # wrap, never cut words off
        self.tree.setUniformRowHeights(False)
        self.tree.setAccessibleName("Device check results")
        self.tree.setAccessibleDescription("One row a check: its status in words, what is "
                                           "right or wrong, and what to do. Use the arrow "
                                           "keys to read.")
        self.tree.setItemDelegate(_WrappingDelegate(self.tree))
        header = self.tree.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.sectionResized.connect(self._relayout)
        self.rows: dict[str, QTreeWidgetItem] = {}
        for check in self.checks:
            item = QTreeWidgetItem([PENDING, topic(check.id, check.title), ""])
            self.tree.addTopLevelItem(item)
            self.rows[check.id] = item
        self.help = QTextBrowser(self)
        self.help.setOpenExternalLinks(True)
        self.help.setAccessibleName("What to do")
        self.help.setAccessibleDescription("How to fix each problem found, with links to "
                                           "the settings where there is one.")
        self.help.setVisible(False)
        # The answer in the shared banner (the same look as the report window's), the
        # problems under it in plain text; ``verdict_text`` is both, for screen readers.
        self.banner = VerdictBanner(self, icon_px=32, factor=1.15)
        self.verdict_detail = QLabel(self)
        self.verdict_detail.setWordWrap(True)
        self.verdict_detail.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse)
        self._verdict_text = ""
        verdict_box = QVBoxLayout()
        verdict_box.addWidget(self.banner)
        verdict_box.addWidget(self.verdict_detail)
        self.again = QPushButton("Check again", self)
        self.again.setAccessibleName("Check again")
        self.again.setAccessibleDescription("Run all the device checks again, for example "
                                            "after fixing a problem")
        self.again.setAutoDefault(False)
        self.again.clicked.connect(self.start)
        bottom = QHBoxLayout()
        bottom.addLayout(verdict_box, 1)
        bottom.addWidget(self.again, 0, Qt.AlignmentFlag.AlignTop)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        # The verdict and "Check again" first: on a small screen the rows scroll, the
        # answer to "can I take calls?" stays in view (issue 19).
        layout.addLayout(bottom)
        layout.addWidget(intro)
        layout.addWidget(self.tree, 3)
        layout.addWidget(self.help, 2)

    # -- running ---------------------------------------------------------------------------
    def start(self) -> None:
        self.results.clear()
        self.report, self.error = None, ""
        for item in self.rows.values():
            item.setText(0, PENDING)
            item.setText(2, "")
        self.help.clear()
        self.help.setVisible(False)
        self.again.setEnabled(False)
        self._set_verdict(f"{PENDING}: 0 of {len(self.checks)} done.")
        worker = CheckWorker(self.loaded, ctx=self.ctx, checks=self.checks)
        worker.signals.resultReady.connect(self._on_result)
        worker.signals.finished.connect(self._on_finished)
        worker.signals.failed.connect(self._on_failed)
        self._worker = worker
        self._keeper.start(worker, worker.signals.finished, worker.signals.failed)
        self.started.emit()

    def _current(self) -> bool:
        # A result from an earlier run (before "Check again") must not land in this one.
        sender = self.sender()
        return self._worker is not None and (sender is None or sender is self._worker.signals)

    def _on_result(self, result: CheckResult) -> None:
        if not self._current():
            return
        self.results[result.id] = result
        self._show_row(result)
        if not self.done:  # a result can arrive after a failed run was already reported
            self._set_verdict(f"{PENDING}: {len(self.results)} of {len(self.checks)} done.")

    def _on_finished(self, report: Report) -> None:
        if not self._current():
            return
        # The "fix by" date counts from each advisory problem's first sighting (stored per
        # check id and date only, shared with the tray and ``check``), not from this run.
        self.report = with_first_seen(report)
        for result in report.checks:
            self.results[result.id] = result
            self._show_row(result)
        self._conclude()

    def _on_failed(self, message: str) -> None:
        if not self._current():
            return
        self.error = message
        self._conclude()

    def _show_row(self, result: CheckResult) -> None:
        item = self.rows.get(result.id)
        if item is None:
            return
        # Named by what is true or wrong ("Firewall off"), never by the title (issue 19).
        name = phrase(result.id, result.status, result.title)
        tag = severity_tag(result.severity)
        what = what_to_do(result)
        # Without leave to go on, an advisory problem blocks like a required one.
        item.setText(0, status_label(result, not self.policy.notice.allow_advisory_continue))
        item.setText(1, f"{name}{tag}")
        item.setText(2, what)
        for col in range(3):
            item.setTextAlignment(col, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            item.setToolTip(col, f"{STATUS_WORDS[result.status]}: {name}{tag}."
                                 + (f" {what}" if what else ""))
        self._relayout()

    def _relayout(self, *_: object) -> None:
        # Row heights are cached; lay out again so a long summary wraps onto more lines.
        self.tree.scheduleDelayedItemsLayout()

    # -- verdict ---------------------------------------------------------------------------
    @property
    def done(self) -> bool:
        return self.report is not None or bool(self.error)

    @property
    def blocking(self) -> list[CheckResult]:
        return [r for r in self._ordered() if r.blocking]

    @property
    def attention(self) -> list[CheckResult]:
        return [r for r in self._ordered() if r.needs_attention]

    @property
    def attention_ids(self) -> list[str]:
        return [r.id for r in self.attention]

    @property
    def attention_titles(self) -> list[str]:
        return [r.title for r in self.attention]

    @property
    def blocked(self) -> bool:
        if not self.done:
            return False
        if self.error or self.blocking:
            return True
        return bool(self.attention) and not self.policy.notice.allow_advisory_continue

    @property
    def advisory_only(self) -> bool:
        return self.done and not self.blocked and bool(self.attention)

    @property
    def can_continue(self) -> bool:
        return self.done and not self.blocked

    @property
    def verdict_text(self) -> str:
        return self._verdict_text

    def _ordered(self) -> list[CheckResult]:
        return [self.results[c.id] for c in self.checks if c.id in self.results]

    def words(self) -> VerdictWords:
        """The verdict line and problems (``verdict_words``), as the tray and report say it."""
        since = datetime.now(UTC)
        if self.report is not None:
            since = self.report.advisory_since or self.report.generated_at
        return verdict_words(self._ordered(), self.policy,
                             settings_errors=bool(self.loaded.errors), since=since)

    def _conclude(self) -> None:
        contact = self.policy.organisation.it_contact
        words = self.words()
        detail = ""
        if self.error:
            # The engine's message is IT's detail: it goes in the help box, not the verdict.
            state, symbol = TrayState.NOT_READY, SYMBOLS[Status.FAIL]
            head = f"{NO}: the checks could not run. Contact {contact}."
        elif words.answer is Answer.NO:
            state, symbol, head = TrayState.NOT_READY, SYMBOLS[Status.FAIL], words.headline
            detail = f"Problems: {'; '.join(words.problems)}."
            if not self.blocking:
                detail += " Your council does not allow calls until this is fixed."
        elif words.answer is Answer.FIX_SOON:
            state, symbol = TrayState.ATTENTION, SYMBOLS[Status.WARN]
            head = f"{words.headline}."
            detail = f"To fix: {'; '.join(words.problems)}."
        else:
            state, symbol, head = TrayState.READY, SYMBOLS[Status.PASS], f"{words.headline}."
        if words.it_notice and not self.error:
            detail = f"{detail} {words.it_notice}".strip()
        self._set_verdict(head, state=state, symbol=symbol, detail=detail)
        self._show_help(contact)
        self.again.setEnabled(True)
        self.finished.emit()

    def _set_verdict(self, head: str, *, state: TrayState = TrayState.CHECKING,
                     symbol: str = "", detail: str = "") -> None:
        """The banner says ``head`` (its icon is the symbol's shape); ``detail`` below."""
        self.banner.set_verdict(state, head)
        self.verdict_detail.setText(detail)
        self.verdict_detail.setAccessibleName(detail)
        self.verdict_detail.setVisible(bool(detail))
        self._verdict_text = " ".join(p for p in (symbol, head, detail) if p)

    def _show_help(self, contact: str) -> None:
        problems = ordered_problems(self._ordered())
        if not problems and not self.error:
            return
        parts = ["<h3>What to do</h3>"]
        if self.error:
            parts.append("<p>DeviceCheck could not run its checks. Try <b>Check again</b>; "
                         f"if it happens again, contact <b>{html.escape(contact)}</b>.</p>")
        for r in problems:
            what = r.remediation.text if r.remediation else ""
            link = ""
            if r.remediation and r.remediation.link:
                href = html.escape(r.remediation.link)
                link = f' <a href="{href}">Open the setting</a>'
            # The fault first, then its status, as in the rows above.
            name = phrase(r.id, r.status, r.title)
            parts.append(f"<p><b>{html.escape(name)} \u2013 {SYMBOLS[r.status]} "
                         f"{html.escape(STATUS_WORDS[r.status])}</b><br>"
                         f"{html.escape(what or f'Contact {contact}.')}{link}</p>")
        # Most remedies already name the IT contact; say it once more only when none did.
        if self.blocked and not self.error and not any(
                contact in (r.remediation.text if r.remediation else "") for r in problems):
            parts.append(f"<p>If you cannot fix this yourself, contact "
                         f"<b>{html.escape(contact)}</b>.</p>")
        self.help.setHtml("".join(parts))
        self.help.setVisible(True)

    def it_details(self) -> str:
        """What IT needs and the officer does not: each result's evidence and IT's fix, the
        engine's error, the policy's errors (one line each)."""
        lines = []
        if self.error:
            lines.append(f"The check run failed: {self.error}")
        lines += [it_line(r) for r in self._ordered()]
        lines += [f"policy: {e}" for e in self.loaded.errors]
        return "\n".join(lines)

    def first_focus(self) -> QWidget:
        return self.tree


__all__ = ["ChecksPage", "status_label"]
