""""Clear meeting data now…": plan (read-only, off the GUI thread), show what would go,
ask, then clean in a worker and say what happened. When Teams is open and the tray has a
Teams link, the same question offers the restart flow (Teams closes for a few seconds,
the data goes, Teams opens again) instead of leaving Teams' data alone; the link then
reports the outcome as one notification. The cleaner package may be missing from a
build: the officer is told, nothing breaks."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QThreadPool, Signal
from PySide6.QtWidgets import QMessageBox

from devicecheck.audit import AuditLog
from devicecheck.cleaner.plan import Plan, human_bytes
from devicecheck.policy import Policy
from devicecheck.qtsupport.workers import WorkerKeeper

if TYPE_CHECKING:
    from devicecheck.cleaner.run import CleanResult

log = logging.getLogger(__name__)


def plan_text(plan: Plan, *, restart: bool = False) -> tuple[str, bool]:
    """What a clean would do, in words (client labels, counts and sizes only), and whether
    there is anything to delete. ``restart``: a running client will be restarted, not left
    alone."""
    lines, anything = [], False
    for root in plan.clients:
        targets = root.deletable
        if root.refused:
            lines.append(f"• {root.label}: left alone ({root.refused})")
            continue
        if not targets:
            continue
        files = sum(t.files for t in targets)
        size = sum(t.bytes for t in targets)
        running = ""
        if root.running:
            running = (" – open now: it closes for a few seconds and opens again" if restart
                       else " – running now: close it first, or it will be left alone")
        lines.append(f"• {root.label}: {files} files, {human_bytes(size)}{running}")
        anything = True
    if not anything:
        return "There is no meeting data to clear.", False
    return "DeviceCheck will delete:\n" + "\n".join(lines), True


def result_text(result: CleanResult) -> str:
    parts = [f"Removed {result.removed_files} files ({human_bytes(result.removed_bytes)})."]
    if result.refused:
        parts.append("Left alone because it is running: " + ", ".join(result.refused) + ".")
    if result.failures:
        parts.append(f"{len(result.failures)} item(s) could not be removed.")
    return " ".join(parts)


class CleanFlow(QObject):
    """One flow at a time; ``done`` carries the CleanResult (None when cancelled or
    unavailable). Dialogs are non-modal so the tray keeps running."""

    done = Signal(object)

    def __init__(self, policy: Policy, audit: AuditLog, *, pool: QThreadPool | None = None,
                 parent: QObject | None = None,
                 restart: Callable[[], bool | None] | None = None) -> None:
        super().__init__(parent)
        self.policy, self.audit = policy, audit
        #: Restart-and-clean through the Teams link: True started, False refused (the link
        #: says why), None not possible here (no link).
        self._restart = restart
        self._restarting = False
        self._keeper = WorkerKeeper(pool)
        self._working = False   # a plan or a clean is running on the pool
        self.box: QMessageBox | None = None
        self._plan: Plan | None = None

    @property
    def busy(self) -> bool:
        return self._working or (self.box is not None and self.box.isVisible())

    def start(self) -> None:
        if self.busy:
            if self.box is not None:
                self.box.raise_()
                self.box.activateWindow()
            return
        try:
            cleaner = importlib.import_module("devicecheck.cleaner")
        except ImportError as exc:
            log.warning("cleaner not available: %s", exc)
            self._show(QMessageBox.Icon.Information, "The meeting-data cleaner is not "
                       "available in this build of DeviceCheck.", final=True)
            return
        policy = self.policy
        self._run(lambda: cleaner.plan_clean(policy), self._on_plan)

    def _run(self, fn: Callable[[], object], slot: Callable[[Any], object]) -> None:
        self._working = True
        self._keeper.call(fn, slot, self._on_failed)

    def _show(self, icon: QMessageBox.Icon, text: str, *, final: bool,
              ask: bool = False) -> QMessageBox:
        box = QMessageBox(icon, "Clear meeting data", text, QMessageBox.StandardButton.NoButton,
                          None)
        box.setModal(False)
        box.setAccessibleName("Clear meeting data")
        if ask:
            clear = box.addButton("Clear now", QMessageBox.ButtonRole.AcceptRole)
            clear.setAccessibleName("Clear now")
            cancel = box.addButton(QMessageBox.StandardButton.Cancel)
            cancel.setAccessibleName("Cancel")
            box.setDefaultButton(cancel)  # deleting is never the default
            box.setEscapeButton(cancel)
        else:
            ok = box.addButton(QMessageBox.StandardButton.Ok)
            ok.setAccessibleName("OK")
        box.finished.connect(self._on_box_finished)
        self._final = final
        self.box = box
        box.show()
        return box

    def _on_plan(self, plan: Plan) -> None:
        self._working = False
        self._plan = plan
        running = any(root.running and root.deletable for root in plan.clients)
        self._restarting = running and self._restart is not None
        text, anything = plan_text(plan, restart=self._restarting)
        if not anything:
            self._show(QMessageBox.Icon.Information, text, final=True)
            return
        self._show(QMessageBox.Icon.Question, text + "\n\nTeams may ask you to sign in again.",
                   final=False, ask=True)

    def _on_box_finished(self, _code: int) -> None:
        box, self.box = self.box, None
        if box is None:
            return
        clicked = box.clickedButton()
        accepted = (not self._final and clicked is not None
                    and box.buttonRole(clicked) == QMessageBox.ButtonRole.AcceptRole)
        box.deleteLater()
        if self._final:
            return
        if not accepted:
            self.done.emit(None)
            return
        if self._restarting and self._restart is not None:
            started = self._restart()
            if started is not None:
                # The Teams link reports the outcome (one notification): no second box.
                self.done.emit(None)
                return
        cleaner = importlib.import_module("devicecheck.cleaner")
        policy, audit = self.policy, self.audit
        self._run(lambda: cleaner.clean(policy, audit=audit), self._on_cleaned)

    def _on_cleaned(self, result: CleanResult) -> None:
        self._working = False
        failed = bool(result.refused or result.failures)
        # A failure is never dressed as information.
        self._show(QMessageBox.Icon.Warning if failed else QMessageBox.Icon.Information,
                   result_text(result), final=True)
        self.done.emit(result)

    def _on_failed(self, message: str) -> None:
        self._working = False
        log.warning("clean failed: %s", message)
        self._show(QMessageBox.Icon.Warning, f"Clearing meeting data failed: {message}",
                   final=True)
        self.done.emit(None)
