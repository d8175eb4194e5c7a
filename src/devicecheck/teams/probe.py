"""Is anything listening on the Teams API port? A non-blocking TCP connect watched by a
QSocketNotifier: QtCore only.

Why not just open the WebSocket: QtNetwork plus a QWebSocket (which loads Qt's TLS
backends and OpenSSL) add ~18 MB to a process that otherwise idles all day with Teams
closed. The watcher probes with this until Teams answers, and only then loads them.
"""

from __future__ import annotations

import errno
import socket

from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Signal

# A connect still under way: POSIX EINPROGRESS/EAGAIN, Windows WSAEWOULDBLOCK (10035).
_PENDING = {errno.EINPROGRESS, errno.EAGAIN, errno.EWOULDBLOCK, errno.EALREADY, 10035}


class TcpProbe(QObject):
    succeeded = Signal()
    failed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._sock: socket.socket | None = None
        self._notifiers: list[QSocketNotifier] = []
        self._outcome: bool | None = None

    @property
    def busy(self) -> bool:
        return self._sock is not None or self._outcome is not None

    def start(self, host: str, port: int) -> None:
        """Start one probe; the outcome always arrives later, by signal."""
        self.abort()
        try:
            family, kind, proto, _, addr = socket.getaddrinfo(
                host.strip("[]"), port, type=socket.SOCK_STREAM)[0]
            sock = socket.socket(family, kind, proto)
            sock.setblocking(False)
            err = sock.connect_ex(addr)
        except OSError:
            self._finish_later(False)
            return
        if err == 0 or err not in _PENDING:
            sock.close()
            self._finish_later(err == 0)
            return
        self._sock = sock
        # Linux/macOS report the result as writable; Windows reports a refusal as an
        # exception condition instead.
        for kind_ in (QSocketNotifier.Type.Write, QSocketNotifier.Type.Exception):
            notifier = QSocketNotifier(sock.fileno(), kind_, self)
            notifier.activated.connect(self._on_ready)
            self._notifiers.append(notifier)

    def abort(self) -> None:
        self._outcome = None
        for notifier in self._notifiers:
            notifier.setEnabled(False)
            notifier.deleteLater()
        self._notifiers = []
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def _on_ready(self) -> None:
        sock = self._sock
        if sock is None:
            return
        try:
            err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        except OSError:
            err = -1
        self.abort()
        (self.succeeded if err == 0 else self.failed).emit()

    def _finish_later(self, ok: bool) -> None:
        # Deferred so callers never see a signal from inside start().
        self._outcome = ok
        QTimer.singleShot(0, self._deliver)

    def _deliver(self) -> None:
        outcome, self._outcome = self._outcome, None
        if outcome is True:
            self.succeeded.emit()
        elif outcome is False:
            self.failed.emit()
