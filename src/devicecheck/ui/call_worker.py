"""Any slow call off the GUI thread, its result or error back by signal. Light on
purpose (no check engine imported), so the tray can use it at start-up."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, Signal


class CallSignals(QObject):
    done = Signal(object)
    failed = Signal(str)


class CallWorker(QRunnable):
    """Any slow call (planning or running a clean, reloading the policy) off the GUI
    thread; the result or the error comes back by signal."""

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

