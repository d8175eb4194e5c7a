"""Work off the GUI thread (QThreadPool), results back by signal, and the one rule for
keeping a worker alive until it has reported.

Signals cross threads as queued connections, so slots run in the GUI thread; check
results arrive one by one (``resultReady``) so a view can fill rows in as checks complete.
Light on purpose: the check engine is imported inside ``CheckWorker.run`` (on the pool),
so the tray can use ``CallWorker`` and ``CheckSignals`` at start-up."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, SignalInstance

if TYPE_CHECKING:
    from devicecheck.checks.base import Check, Context
    from devicecheck.policy import LoadedPolicy

T = TypeVar("T")

__all__ = ["CallSignals", "CallWorker", "CheckSignals", "CheckWorker", "WorkerKeeper"]


class CallSignals(QObject):
    done = Signal(object)
    failed = Signal(str)


class CallWorker(QRunnable):
    """Any slow call (planning or running a clean, reloading the policy, importing the
    hooks) off the GUI thread; the result or the error comes back by signal."""

    def __init__(self, fn: Callable[[], object]) -> None:
        super().__init__()
        self.signals = CallSignals()
        self._fn = fn

    def run(self) -> None:
        try:
            result = self._fn()
        except Exception as exc:  # noqa: BLE001 - the GUI must hear about any failure
            self.signals.failed.emit(f"{type(exc).__name__}: {exc}")
            return
        self.signals.done.emit(result)


class CheckSignals(QObject):
    """What a check run reports, from this process (``CheckWorker``) or a child
    (``process_worker.ProcessCheckWorker``)."""

    started = Signal()
    resultReady = Signal(object)   # CheckResult
    finished = Signal(object)      # Report
    failed = Signal(str)


class CheckWorker(QRunnable):
    """One full assessment in this process."""

    def __init__(self, loaded: LoadedPolicy, *, ctx: Context | None = None,
                 checks: Sequence[Check] | None = None) -> None:
        super().__init__()
        self.signals = CheckSignals()
        self._loaded, self._ctx, self._checks = loaded, ctx, checks

    def run(self) -> None:
        self.signals.started.emit()
        try:
            from devicecheck.assess import assess

            report = assess(self._loaded, ctx=self._ctx, checks=self._checks,
                            on_result=self.signals.resultReady.emit)
        except Exception as exc:  # noqa: BLE001 - the GUI must hear about any failure
            self.signals.failed.emit(f"{type(exc).__name__}: {exc}")
            return
        self.signals.finished.emit(report)


class WorkerKeeper:
    """Keeps each worker it starts until the worker has reported, then lets it go.

    Why by hand: a QRunnable with auto-delete on is deleted by the pool as soon as
    ``run`` returns, while its queued signals may still be on their way to the GUI
    thread; with auto-delete off, only a Python reference keeps the wrapper (and its
    ``signals`` QObject) alive. One keeper per owner object replaces module-level lists."""

    def __init__(self, pool: QThreadPool | None = None) -> None:
        self.pool = pool or QThreadPool.globalInstance()
        self._kept: dict[int, QRunnable] = {}

    def __len__(self) -> int:
        return len(self._kept)

    def start(self, worker: QRunnable, *done: SignalInstance) -> QRunnable:
        """Run ``worker`` on the pool; keep it until any of ``done`` (its terminal
        signals, e.g. ``worker.signals.done`` and ``.failed``) fires."""
        worker.setAutoDelete(False)
        key = id(worker)
        self._kept[key] = worker
        for signal in done:
            signal.connect(partial(self._release, key))
        self.pool.start(worker)
        return worker

    def _release(self, key: int, *_args: object) -> None:
        self._kept.pop(key, None)

    def call(self, fn: Callable[[], T], on_done: Callable[[T], object] | None = None,
             on_failed: Callable[[str], object] | None = None) -> CallWorker:
        """``fn`` on the pool; ``on_done(result)`` or ``on_failed(message)`` in the GUI
        thread (connected before the keeper lets go, so they always run)."""
        worker = CallWorker(fn)
        if on_done is not None:
            worker.signals.done.connect(on_done)
        if on_failed is not None:
            worker.signals.failed.connect(on_failed)
        self.start(worker, worker.signals.done, worker.signals.failed)
        return worker
