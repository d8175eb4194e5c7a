"""Getting the tray on screen fast, and off it cleanly.

``Startup`` shows the icon ("checking") before anything else is loaded and enters the
event loop, because a tray host embeds an icon only through the event loop (XEmbed and
the StatusNotifier protocol are both message exchanges). Once the icon is embedded (or
after a short wait) it loads the policy and builds ``DeviceCheckApp`` around that icon;
the first check, the Teams link and the hooks follow from there.
"""

from __future__ import annotations

import importlib
import logging
import signal
import socket
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSocketNotifier, QTimer
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from devicecheck.ui.icons import state_icon
from devicecheck.ui.states import STATE_WORDS, TrayState

log = logging.getLogger(__name__)

POLL_MS = 10
EMBED_WAIT_MS = 1500


class Startup(QObject):
    def __init__(self, policy_file: str | Path | None, instance: Any) -> None:
        super().__init__()
        self.policy_file = policy_file
        self.instance = instance
        self.app: Any = None
        self.tray: QSystemTrayIcon | None = None
        self._waited = 0
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)

    def begin(self) -> None:
        if QSystemTrayIcon.isSystemTrayAvailable():
            tray = QSystemTrayIcon(state_icon(TrayState.CHECKING))
            tray.setToolTip(f"DeviceCheck: {STATE_WORDS[TrayState.CHECKING]}")
            tray.show()
            self.tray = tray
            self._timer.start()
        else:
            QTimer.singleShot(0, self._build)  # the app waits for a tray itself

    def _poll(self) -> None:
        assert self.tray is not None
        self._waited += POLL_MS
        rect = self.tray.geometry()
        if rect.width() > 0 and rect.height() > 0:
            from devicecheck.ui.app import debug

            debug(f"geometry {rect.x()} {rect.y()} {rect.width()} {rect.height()}")
        elif self._waited < EMBED_WAIT_MS:
            return
        self._timer.stop()
        self._build()

    def _build(self) -> None:
        from devicecheck.policy import load_policy
        from devicecheck.ui.app import DeviceCheckApp

        loaded = load_policy(Path(self.policy_file) if self.policy_file else None)
        self.app = DeviceCheckApp(loaded, policy_file=self.policy_file, reload_policy=True,
                                  tray=self.tray, isolate_checks=True, embed_wait_s=0)
        self.instance.messageReceived.connect(self.app.on_message)
        self.app.start()


def import_hook_modules() -> list[str]:
    """Runs on the thread pool: defining Qt classes off the GUI thread is fine; the
    widgets themselves are only made later, in the GUI thread."""
    loaded = []
    from devicecheck.ui.app_teams import HOOK_MODULES

    for name in HOOK_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            continue  # _attach_hooks logs it
        loaded.append(name)
    return loaded


def release_memory() -> None:
    """Give the heap that a check run's threads used back to the OS (glibc keeps freed
    per-thread arenas otherwise): the tray idles for hours between runs."""
    if sys.platform != "linux":
        return
    import ctypes

    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (e.g. musl): nothing to trim
        pass


_kept: list[object] = []


def quit_on_signals(qt_app: QApplication) -> None:
    """SIGTERM/SIGINT (log-out, ``kill``, Ctrl+C) end the event loop cleanly. Python only
    runs signal handlers when it gets control, so the signal's byte on a wake-up socket
    wakes Qt instead of a polling timer (no idle wake-ups)."""
    try:
        rsock, wsock = socket.socketpair()
        rsock.setblocking(False)
        wsock.setblocking(False)
        signal.set_wakeup_fd(wsock.fileno())
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, _ignore_signal)
    except (OSError, ValueError) as exc:
        log.info("no clean shutdown on signals: %s", exc)
        return
    notifier = QSocketNotifier(rsock.fileno(), QSocketNotifier.Type.Read, qt_app)
    waker = _Waker(rsock, qt_app)
    notifier.activated.connect(waker.wake)
    _kept.extend((rsock, wsock, notifier, waker))


class _Waker(QObject):
    def __init__(self, sock: socket.socket, qt_app: QApplication) -> None:
        super().__init__()
        self._sock, self._app = sock, qt_app

    def wake(self) -> None:
        try:
            self._sock.recv(64)
        except OSError:
            pass
        self._app.quit()


def _ignore_signal(_signum: int, _frame: object) -> None:
    """The wake-up socket does the work; this only stops Python's default handlers."""
