"""Run the checks off the GUI thread (QThreadPool) and hand results back by signal.

Signals cross threads as queued connections, so slots run in the GUI thread; results
arrive one by one (``resultReady``) so a view can fill rows in as checks complete."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from devicecheck.assess import assess
from devicecheck.checks import Check, Context
from devicecheck.policy import LoadedPolicy
from devicecheck.ui.call_worker import CallSignals, CallWorker

__all__ = ["CallSignals", "CallWorker", "CheckSignals", "CheckWorker", "start_checks"]


class CheckSignals(QObject):
    started = Signal()
    resultReady = Signal(object)   # CheckResult
    finished = Signal(object)      # Report
    failed = Signal(str)


class CheckWorker(QRunnable):
    """One full assessment. Keep a reference to ``signals`` until ``finished``."""

    def __init__(self, loaded: LoadedPolicy, *, ctx: Context | None = None,
                 checks: Sequence[Check] | None = None) -> None:
        super().__init__()
        self.signals = CheckSignals()
        self._loaded, self._ctx, self._checks = loaded, ctx, checks

    def run(self) -> None:
        self.signals.started.emit()
        try:
            report = assess(self._loaded, ctx=self._ctx, checks=self._checks,
                            on_result=self.signals.resultReady.emit)
        except Exception as exc:  # noqa: BLE001 - the GUI must hear about any failure
            self.signals.failed.emit(f"{type(exc).__name__}: {exc}")
            return
        self.signals.finished.emit(report)


def start_checks(worker: CheckWorker, pool: QThreadPool | None = None) -> CheckWorker:
    (pool or QThreadPool.globalInstance()).start(worker)
    return worker

