"""When the tray runs the checks: at start, every N minutes, after the laptop wakes, when
the network changes, and on demand. Always on the QThreadPool (``CheckWorker``); one run
at a time, with at most one more queued behind it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal

from devicecheck.qtsupport.workers import WorkerKeeper

if TYPE_CHECKING:  # imported on the first run, after the tray icon is up
    from PySide6.QtNetwork import QNetworkInformation

    from devicecheck.checks.base import Check, Context
    from devicecheck.policy import LoadedPolicy
    from devicecheck.qtsupport.process_worker import ProcessCheckWorker
    from devicecheck.qtsupport.workers import CheckWorker

log = logging.getLogger(__name__)

WAKE_TICK_S = 60
#: A tick this much later than due means the machine was asleep (timers stop in sleep).
WAKE_SLACK_S = 90
NETWORK_DEBOUNCE_MS = 5000


def slept(expected_s: float, wall_delta_s: float, slack_s: float = WAKE_SLACK_S) -> bool:
    """True when a timer due after ``expected_s`` fired ``wall_delta_s`` later by the wall
    clock: the gap is time the machine spent suspended (or the clock was set forward,
    which is also a fine reason to check again)."""
    return wall_delta_s - expected_s > slack_s


class CheckScheduler(QObject):
    started = Signal(str)              # trigger
    finished = Signal(object, str)     # Report, trigger
    failed = Signal(str)

    def __init__(self, loaded: Callable[[], LoadedPolicy], *, ctx: Context | None = None,
                 checks: Sequence[Check] | None = None, pool: QThreadPool | None = None,
                 wall_clock: Callable[[], float] = time.time,
                 isolated: bool = False, policy_file: Path | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        # isolated: run ``devicecheck check --json`` in a child process (see process_worker).
        self.isolated, self.policy_file = isolated, policy_file
        self._loaded, self._ctx, self._checks = loaded, ctx, checks
        self._keeper = WorkerKeeper(pool)
        self._wall = wall_clock
        self._running = False
        self._pending: str | None = None
        self._trigger = ""
        self.runs = 0
        self.interval = QTimer(self)
        self.interval.timeout.connect(self._on_interval)
        self.wake_timer = QTimer(self)
        self.wake_timer.setInterval(WAKE_TICK_S * 1000)
        self.wake_timer.timeout.connect(self._on_wake_tick)
        self._last_tick = self._wall()
        self._network: QNetworkInformation | None = None
        self._net_debounce = QTimer(self)
        self._net_debounce.setSingleShot(True)
        self._net_debounce.setInterval(NETWORK_DEBOUNCE_MS)
        self._net_debounce.timeout.connect(self._on_network_settled)

    @property
    def running(self) -> bool:
        return self._running

    def start(self, minutes: int) -> None:
        self.set_interval(minutes)
        self._last_tick = self._wall()
        self.wake_timer.start()

    def set_interval(self, minutes: int) -> None:
        ms = max(1, minutes) * 60_000
        if self.interval.interval() != ms or not self.interval.isActive():
            self.interval.start(ms)

    def stop(self) -> None:
        self.interval.stop()
        self.wake_timer.stop()
        self._net_debounce.stop()

    def run(self, trigger: str = "demand") -> bool:
        """Start a run now; if one is going, queue this one (a single slot: the newest
        trigger wins). Returns True when a run started."""
        if self._running:
            self._pending = trigger
            return False
        worker: CheckWorker | ProcessCheckWorker
        if self.isolated and self._ctx is None and self._checks is None:
            from devicecheck.qtsupport.process_worker import ProcessCheckWorker

            worker = ProcessCheckWorker(self._loaded(), self.policy_file)
        else:
            from devicecheck.qtsupport.workers import CheckWorker

            worker = CheckWorker(self._loaded(), ctx=self._ctx, checks=self._checks)
        worker.signals.finished.connect(self._on_finished)
        worker.signals.failed.connect(self._on_failed)
        self._running, self._trigger = True, trigger
        self.runs += 1
        self.started.emit(trigger)
        self._keeper.start(worker, worker.signals.finished, worker.signals.failed)
        return True

    def _on_finished(self, report: object) -> None:
        trigger = self._trigger
        self._running = False
        self.finished.emit(report, trigger)
        self._after()

    def _on_failed(self, message: str) -> None:
        log.warning("check run failed: %s", message)
        self._running = False
        self.failed.emit(message)
        self._after()

    def _after(self) -> None:
        if self.interval.isActive():
            self.interval.start()  # the next periodic run counts from this one
        if self._pending is not None:
            trigger, self._pending = self._pending, None
            self.run(trigger)

    def _on_interval(self) -> None:
        self.run("timer")

    def _on_wake_tick(self) -> None:
        now = self._wall()
        if slept(WAKE_TICK_S, now - self._last_tick):
            log.info("woke from sleep: checking again")
            self.run("wake")
        self._last_tick = now

    def watch_network(self) -> bool:
        """Re-check when reachability changes, where Qt has a backend for it (NetworkManager,
        Windows, macOS). Loading is deferred until after the first check: it may talk to
        D-Bus. Returns whether a backend is watching."""
        try:
            from PySide6.QtNetwork import QNetworkInformation
        except ImportError:
            return False
        try:
            ok = QNetworkInformation.loadBackendByFeatures(
                QNetworkInformation.Feature.Reachability)
        except (AttributeError, RuntimeError):
            return False
        info = QNetworkInformation.instance() if ok else None
        if info is None:
            return False
        info.reachabilityChanged.connect(self._on_reachability)
        self._network = info
        return True

    def _on_reachability(self, *_args: object) -> None:
        # Networks flap while connecting (Wi-Fi, VPN): check once it settles.
        self._net_debounce.start()

    def _on_network_settled(self) -> None:
        self.run("network")
