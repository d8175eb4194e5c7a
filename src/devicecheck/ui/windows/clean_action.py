""""Clear meeting data now…": plan (read-only, off the GUI thread), say in plain words
what would go and what stays, ask, clean, and show the result in the same window.

With Teams open and a Teams link in the tray, the question is the restart flow (Teams
closes for a moment, the data goes, Teams opens again); the link hands the outcome to
this window, so no balloon repeats it (``OutcomeWatch``). Without a link, "Clear now" is
disabled until Teams is quit, and "Try again" plans again. The cleaner package may be
missing from a build: the officer is told, nothing breaks. The words are
``ui/model/clean_words.py``; the window is ``clean_dialog.py``.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QThreadPool, Signal

from devicecheck.audit import AuditLog
from devicecheck.policy import Policy
from devicecheck.qtsupport.workers import WorkerKeeper
from devicecheck.ui.model import clean_words as words
from devicecheck.ui.model.notifications import OutcomeFn
from devicecheck.ui.windows.clean_dialog import CleanDialog

if TYPE_CHECKING:
    from devicecheck.cleaner.plan import Plan
    from devicecheck.cleaner.run import CleanResult
    from devicecheck.teams.events import TeamsEvent

log = logging.getLogger(__name__)

#: Restart-and-clean through the Teams link, reporting the outcome to the callable given:
#: True started, False refused, None not possible here (no link).
RestartFn = Callable[[OutcomeFn], "bool | None"]


class CleanFlow(QObject):
    """One flow at a time; ``done`` carries the CleanResult of a direct clean (None when
    cancelled, unavailable, or cleaned through the Teams link, which re-checks itself)."""

    done = Signal(object)

    def __init__(self, policy: Policy, audit: AuditLog, *, pool: QThreadPool | None = None,
                 parent: QObject | None = None, restart: RestartFn | None = None) -> None:
        super().__init__(parent)
        self.policy, self.audit = policy, audit
        self._restart = restart
        self._keeper = WorkerKeeper(pool)
        self._working = False   # a plan or a clean is running on the pool
        self.box: CleanDialog | None = None
        self._facts = words.PlanFacts()
        self._plan: Plan | None = None
        self._waiting_link = False
        self._emitted = False

    @property
    def busy(self) -> bool:
        return self._working or (self.box is not None and self.box.isVisible())

    @property
    def screen(self) -> words.Screen | None:
        return self.box.screen_now if self.box is not None else None

    def start(self) -> None:
        if self.busy:
            if self.box is not None:
                self.box.raise_()
                self.box.activateWindow()
            return
        self._emitted = False
        self._plan_again()

    def _plan_again(self) -> None:
        try:
            planner = importlib.import_module("devicecheck.cleaner.plan")
        except ImportError as exc:
            log.warning("cleaner not available: %s", exc)
            self._show(words.unavailable_screen(self.policy.organisation.it_contact))
            return
        policy = self.policy
        self._run(lambda: planner.plan_clean(policy), self._on_plan)

    def _run(self, fn: Callable[[], object], slot: Callable[[Any], object]) -> None:
        self._working = True
        self._keeper.call(fn, slot, self._on_failed)

    def _show(self, screen: words.Screen) -> CleanDialog:
        if self.box is None:
            self.box = CleanDialog(screen)
            self.box.chosen.connect(self._on_chosen)
            self.box.show()
        else:
            self.box.show_screen(screen)
        return self.box

    def _on_plan(self, plan: Plan) -> None:
        self._working = False
        self._plan = plan
        self._facts = words.plan_facts(plan)
        restart = self._restart is not None
        self._show(words.menu_screen(self._facts, self.policy, restart=restart))

    # ----- the officer's choice -----------------------------------------------------------
    def _on_chosen(self, key: str) -> None:
        if key == words.RETRY:
            self._plan_again()
        elif key == words.CLEAR:
            self._clean_directly()
        elif key == words.RESTART:
            self._restart_through_link()
        else:   # Cancel, Close, Escape
            self._close()

    def _close(self) -> None:
        box, self.box = self.box, None
        # Closed before the link's outcome: on_link_outcome declines it, so the link's
        # balloon tells the officer instead.
        self._waiting_link = False
        if box is not None:
            box.finish()
        self._emit(None)

    def _emit(self, result: CleanResult | None) -> None:
        if not self._emitted:
            self._emitted = True
            self.done.emit(result)

    def _clean_directly(self) -> None:
        runner = importlib.import_module("devicecheck.cleaner.run")
        policy, audit = self.policy, self.audit
        self._emitted = False
        self._show(words.working_screen(words.MENU_TITLE, self._facts.closed, restart=False))
        self._run(lambda: runner.clean(policy, audit=audit), self._on_cleaned)

    def _restart_through_link(self) -> None:
        if self._restart is None:   # pragma: no cover - the screen offers it only with one
            return
        clients = self._facts.clients
        self._waiting_link = True
        self._show(words.working_screen(words.MENU_TITLE, clients, restart=True))
        started = self._restart(self.on_link_outcome)
        if started is None:          # the link went away: clean what is closed
            self._waiting_link = False
            self._clean_directly()
        elif not started and self._waiting_link:
            # Refused and nothing told this window why (on_link_outcome would have).
            self._waiting_link = False
            self._show(words.refused_to_start_screen(words.MENU_TITLE))

    def on_link_outcome(self, event: TeamsEvent) -> bool:
        """The Teams link's event that ends the restart-and-clean (``OutcomeWatch``): shown
        here (True), or declined when the officer already closed this window (False: the
        link notifies instead)."""
        if not self._waiting_link or self.box is None:
            return False
        self._waiting_link = False
        outcome = words.outcome_of_event(event)
        self._show(words.result_screen(words.MENU_TITLE, outcome, retry=not outcome.cleaned
                                       or bool(outcome.failures)))
        # The link's own ``cleaned`` handling re-checks meeting-data: nothing to emit.
        return True

    def _on_cleaned(self, result: CleanResult) -> None:
        self._working = False
        if getattr(result, "nothing_to_do", False):
            self._show(words.nothing_screen())
        else:
            outcome = words.outcome_of_result(result)
            retry = bool(outcome.still_open or outcome.failures or not outcome.cleaned)
            self._show(words.result_screen(words.MENU_TITLE, outcome, retry=retry))
        self._emit(result)

    def _on_failed(self, message: str) -> None:
        self._working = False
        # The exception text goes to the log, never to the officer.
        log.warning("clean failed: %s", message)
        self._show(words.failed_screen(words.MENU_TITLE, retry=True))
        self._emit(None)
