"""Step 1 of the pre-call window: the device checks, filling in as each completes, what
to do about each problem, and the verdict for the call.

The results are the shared ``ResultsView`` (issue 27: the same presentation as the report
window): the verdict banner, the problems worst first as focusable items (fault phrase,
status word, why it blocks, "What to do"), then "7 other checks OK · 2 not checked". No
scroll area of its own: the pre-call window's one body scrolls, and ``BodyKeys`` scrolls
it with PgUp, PgDn, Home, End and the arrow keys. A meeting-data problem offers "Clear
meeting data now…": opened by the tray, the tray menu's own clear (``clean_handler``,
with Teams open its restart-and-clean); on its own, the same dialog here. The checks run
again once it ends.

Statuses are a symbol and a word (never colour alone). Required problems block the call;
advisory ones block it too unless policy lets the officer go on despite them. What the
check found (``CheckResult.summary``) and IT's part of the fix
(``Remediation.it_detail``) are IT's, given by ``it_details`` (issue 19).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from devicecheck.advisory_dates import with_first_seen
from devicecheck.checks.base import Check, CheckResult, Context, Status
from devicecheck.policy import LoadedPolicy
from devicecheck.qtsupport.workers import CheckWorker, WorkerKeeper
from devicecheck.report import Report
from devicecheck.ui.model.rows import LOOKS, Rows, meaning, rows
from devicecheck.ui.model.states import TrayState, answer_state
from devicecheck.ui.windows.results_view import CLEAN, BodyKeys, ProblemItem, ResultsView
from devicecheck.verdict_words import NO, Answer, VerdictWords, verdict_words

if TYPE_CHECKING:
    from devicecheck.ui.windows.clean_action import CleanFlow

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

        self._clean_flow: CleanFlow | None = None
        #: The tray's "Clear meeting data now…" (``WindowManager.open_clean``), set by the
        #: tray that opened this window; it returns the tray's one flow (issue 27).
        self.clean_handler: Callable[[], CleanFlow] | None = None
        self._keys: BodyKeys | None = None

        # The answer in the shared banner and the problems under it (``ResultsView``, the
        # same as the report window); ``verdict_text`` says both, for the step's one line.
        self.view = ResultsView(self, open_url=QDesktopServices.openUrl)
        self.view.actionRequested.connect(self._on_action)
        self.banner = self.view.banner
        self._verdict_text = ""
        self.intro = QLabel("DeviceCheck is checking that this laptop is fit for a private "
                            "call with a resident.", self)
        self.intro.setWordWrap(True)
        self.again = QPushButton("Check again", self)
        self.again.setAccessibleName("Check again")
        self.again.setAccessibleDescription("Run all the device checks again, for example "
                                            "after fixing a problem")
        self.again.setAutoDefault(False)
        self.again.clicked.connect(self.start)
        top = QHBoxLayout()
        top.addWidget(self.banner, 1)
        top.addWidget(self.again, 0, Qt.AlignmentFlag.AlignTop)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        # The verdict and "Check again" first, then the problems: on a small screen the
        # answer to "can I take calls?" and the first problems are what shows (issue 27).
        layout.addLayout(top)
        layout.addWidget(self.intro)
        layout.addWidget(self.view)
        layout.addStretch(1)

    @property
    def rows(self) -> dict[str, ProblemItem]:
        """The problem items by check id (the passes are one line, not items)."""
        return {item.row.check_id: item for item in self.view.items}

    # -- running ---------------------------------------------------------------------------
    def start(self) -> None:
        self.results.clear()
        self.report, self.error = None, ""
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
        self._show_row(result)  # a result can arrive after a failed run was reported

    def _on_finished(self, report: Report) -> None:
        if not self._current():
            return
        # The "fix by" date counts from each advisory problem's first sighting (stored per
        # check id and date only, shared with the tray and ``check``), not from this run.
        self.report = with_first_seen(report)
        for result in report.checks:
            self.results[result.id] = result
        self._conclude()

    def _on_failed(self, message: str) -> None:
        if not self._current():
            return
        self.error = message
        self._conclude()

    def _show_row(self, result: CheckResult) -> None:
        """A result arrived: the problems so far, worst first (the verdict waits)."""
        del result
        if not self.done:
            self._set_verdict(f"{PENDING}: {len(self.results)} of {len(self.checks)} done.")

    def _shown_rows(self) -> Rows:
        # Without leave to go on, an advisory problem blocks like a required one; the
        # fix-by date is the verdict's (``words``: from the first sighting).
        return rows(self._ordered(),
                    advisory_blocks=not self.policy.notice.allow_advisory_continue,
                    due=self.words().due, contact=self.policy.organisation.it_contact)

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
        blocking = {r.id for r in self.blocking}
        if self.error:
            # The engine's message is IT's detail: it goes behind IT's door, not here.
            state, head = TrayState.NOT_READY, f"{NO}: the checks could not run. Contact {contact}."
            detail = ("DeviceCheck could not run its checks. Try Check again; if it happens "
                      f"again, contact {contact}.")
        else:
            # The same state as the tray and the report window (a policy problem wears
            # the tray's policy-error look, not a red cross: issue 27).
            state, head = answer_state(words.answer, blocking), words.headline
            if words.answer is not Answer.NO and not head.endswith("."):
                head += "."
            if words.it_notice:
                detail = words.it_notice
        self._set_verdict(head, state=state, detail=detail)
        self.intro.setVisible(False)
        self.again.setEnabled(True)
        self.finished.emit()

    def _set_verdict(self, head: str, *, state: TrayState = TrayState.CHECKING,
                     detail: str = "") -> None:
        """The banner says ``head`` in ``state``'s look; the problems so far under it."""
        shown = self._shown_rows()
        pending = 0 if self.done else len(self.checks) - len(self.results)
        self.view.set_results(state, head, shown, detail=detail,
                              contact=self.policy.organisation.it_contact if self.done else "",
                              pending=pending)
        symbol = LOOKS[{TrayState.READY: "ok", TrayState.ATTENTION: "soon"}.get(
            state, "block")].symbol if self.done else ""
        names = [r.phrase for r in self.view.rows.problems]
        problems = ""
        if self.done and names and not self.error:
            problems = f"{'Problems' if self.blocked else 'To fix'}: {'; '.join(names)}."
            if self.blocked and not self.blocking:
                problems += " Your council does not allow calls until this is fixed."
        self._verdict_text = " ".join(p for p in (symbol, head, problems, detail) if p)
        self._chain_tabs()

    def _chain_tabs(self) -> None:
        chain = [self.again, *self.view.tab_chain()]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)
        area = self._scroll_area()
        if area is not None:
            if self._keys is None:
                self._keys = BodyKeys(area, self.view)
            self._keys.watch(chain)

    def _scroll_area(self) -> QScrollArea | None:
        """The pre-call window's scrolling body this page sits in (None: not in one)."""
        w = self.parentWidget()
        while w is not None and not isinstance(w, QScrollArea):
            w = w.parentWidget()
        return w

    def _on_action(self, action: str) -> None:
        """"Clear meeting data now…": the tray's flow when the tray opened this window (else
        the same dialog here), then the checks again once it ends."""
        if action != CLEAN:
            return
        if self.clean_handler is not None:
            flow = self.clean_handler()
            if flow is not self._clean_flow:
                # One run of the checks per clear, however often the button was pressed
                # while the tray's flow was on screen (it raises the same dialog).
                self._clean_flow = flow
                flow.done.connect(self._after_tray_clean,
                                  Qt.ConnectionType.SingleShotConnection)
            return
        from devicecheck.audit import AuditLog
        from devicecheck.ui.windows.clean_action import CleanFlow

        if self._clean_flow is None or not self._clean_flow.busy:
            self._clean_flow = CleanFlow(self.policy, AuditLog.for_policy(self.policy),
                                         parent=self)
            self._clean_flow.done.connect(lambda _result: self.start())
            self._clean_flow.start()

    def _after_tray_clean(self, _result: object) -> None:
        self._clean_flow = None
        self.start()

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
        """The first problem, or "Check again" when there is none (or none yet)."""
        return self.view.first_focus() or self.again


__all__ = ["ChecksPage", "status_label"]
