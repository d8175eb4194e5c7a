"""The one wait for a tray host to embed our icon.

A tray host embeds an icon only through the event loop (XEmbed and the StatusNotifier
protocol are both message exchanges), and ``QSystemTrayIcon.geometry()`` stays empty
until it has. Start-up work waits for that (or a short timeout) so the officer sees
DeviceCheck at once even on a slow laptop; the e2e tests read the ``geometry`` line."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QSystemTrayIcon

from devicecheck.ui.tray.debug import debug


class EmbedWait(QObject):
    """Polls ``tray.geometry()`` every ``poll_ms`` until it has a size or ``wait_ms``
    passed, then calls ``done(embedded)`` once (from the event loop)."""

    def __init__(self, tray: QSystemTrayIcon, done: Callable[[bool], object], *,
                 poll_ms: int, wait_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tray, self._done = tray, done
        self._wait_ms, self._waited_ms = wait_ms, 0
        self.timer = QTimer(self)
        self.timer.setInterval(poll_ms)
        self.timer.timeout.connect(self._poll)

    def start(self) -> None:
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _poll(self) -> None:
        self._waited_ms += self.timer.interval()
        rect = self._tray.geometry()
        embedded = rect.width() > 0 and rect.height() > 0
        if not embedded and self._waited_ms < self._wait_ms:
            return
        self.timer.stop()
        if embedded:
            debug(f"geometry {rect.x()} {rect.y()} {rect.width()} {rect.height()}")
        self._done(embedded)
