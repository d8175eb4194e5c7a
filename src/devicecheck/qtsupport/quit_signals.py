"""SIGTERM/SIGINT (log-out, ``kill``, Ctrl+C) end a Qt event loop cleanly, for the tray
and the headless ``watch`` alike.

Python runs signal handlers only when it gets control, which a thread sitting in Qt's
event loop never gives it; so the signal's byte goes to a wake-up socket
(``signal.set_wakeup_fd``) that a ``QSocketNotifier`` watches: Qt wakes on it, with no
polling timer (an idle tray has no idle wake-ups)."""

from __future__ import annotations

import logging
import signal
import socket
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


def install_quit_on_signals(quit_: Callable[[], object]) -> Callable[[], None]:
    """Make SIGINT/SIGTERM call ``quit_`` from the Qt loop; returns an undo function
    (handlers, wake-up fd and socket pair as they were). Where signals cannot be caught
    (not the main thread), logs why and returns an undo that does nothing."""
    from PySide6.QtCore import QSocketNotifier

    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    wanted = [s for s in (signal.SIGINT, getattr(signal, "SIGTERM", None)) if s is not None]
    try:
        old_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
        old: dict[int, Any] = {s: signal.signal(s, _ignore_signal) for s in wanted}
    except (OSError, ValueError) as exc:  # ValueError: not the main thread
        log.info("no clean shutdown on signals: %s", exc)
        reader.close()
        writer.close()
        return _nothing
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read)

    def on_wake() -> None:
        try:
            reader.recv(64)
        except OSError:
            pass
        quit_()

    notifier.activated.connect(on_wake)

    def undo() -> None:
        notifier.setEnabled(False)
        signal.set_wakeup_fd(old_fd)
        for s, handler in old.items():
            signal.signal(s, handler)
        reader.close()
        writer.close()

    return undo


def _ignore_signal(_signum: int, _frame: object) -> None:
    """The wake-up socket does the work; this only stops Python's default handlers."""


def _nothing() -> None:
    return None
