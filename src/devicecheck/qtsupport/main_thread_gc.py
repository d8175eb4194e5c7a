"""Python's cyclic garbage collector, run only in the GUI thread.

CPython runs a collection in whichever thread happens to allocate past the threshold. In
DeviceCheck that is often a pool thread running the checks, the cleaner or the Teams
probes. If that collection frees Qt objects from the GUI thread (a closed window, a
finished worker's signals, a stale timer's owner), Qt deletes them from the wrong thread:
their timers stay registered with the GUI thread's event dispatcher and fire into freed
memory, and the process dies with a segmentation fault. Seen in the test suite, where a
worker thread collected a previous test's tray objects.

``MainThreadGC`` turns automatic collection off and instead collects on a GUI-thread timer,
generation by generation, with CPython's own thresholds: the same work, always in the
GUI thread. QtCore only, so the headless ``devicecheck watch`` uses it too.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer

#: Often enough that garbage never piles up between checks; a check of three counters
#: costs microseconds, so an idle tray does not notice it.
INTERVAL_MS = 2000


class MainThreadGC(QObject):
    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        self.was_enabled = gc.isenabled()
        self.collected = 0
        gc.disable()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)
        self.timer.start()

    def check(self) -> int:
        """Collect the oldest generation whose count is past its threshold (as CPython
        would); returns the number of unreachable objects found."""
        counts = gc.get_count()
        found = 0
        for generation in (2, 1, 0):
            if counts[generation] > self.thresholds[generation]:
                found = gc.collect(generation)
                break
        self.collected += found
        return found

    def stop(self) -> None:
        """Back to CPython's own collection (as it was before)."""
        self.timer.stop()
        if self.was_enabled:
            gc.enable()


def install(app: QCoreApplication) -> MainThreadGC:
    """Once per application (later calls return the same collector); it lives and dies
    with ``app``, which must be the one in the GUI thread."""
    found = app.findChild(MainThreadGC)
    return found if isinstance(found, MainThreadGC) else MainThreadGC(app)
