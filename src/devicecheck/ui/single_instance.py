"""One DeviceCheck per user: the first copy listens on a local socket; a second launch
connects, sends one line (``precall``: "the officer wants the pre-call check") and exits.

A crash leaves the socket file behind on Unix, so a failed connect is followed by
``QLocalServer.removeServer`` before listening: nobody answered, so the file is stale.
"""

from __future__ import annotations

import getpass
import logging
import os
from pathlib import Path

from PySide6.QtCore import QDir, QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_MS = 500
MAX_MESSAGE = 256


def server_name() -> str:
    """Per user and per session. On Unix a full path in XDG_RUNTIME_DIR (private to the
    user, cleared at log-out); elsewhere a name Qt places per user (named pipe / /tmp)."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and os.name != "nt" and Path(runtime).is_dir():
        return str(Path(runtime) / "devicecheck.sock")
    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = str(os.getuid()) if hasattr(os, "getuid") else "user"
    return f"devicecheck-{''.join(c for c in user if c.isalnum() or c in '-_.')}"


class SingleInstance(QObject):
    """``acquire()`` True: we are the only copy and now listen. False: another copy got
    ``message`` and this one should exit."""

    messageReceived = Signal(str)

    def __init__(self, name: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name or server_name()
        self.server: QLocalServer | None = None
        self.recovered_stale = False

    def forward(self, message: str) -> bool:
        """Send ``message`` to a running copy; False when none answers."""
        sock = QLocalSocket()
        sock.connectToServer(self.name)
        if not sock.waitForConnected(CONNECT_TIMEOUT_MS):
            return False
        written = sock.write((message.strip() + "\n").encode("utf-8"))
        sock.flush()
        if sock.bytesToWrite() > 0:  # flush() usually wrote it all already
            sock.waitForBytesWritten(CONNECT_TIMEOUT_MS)
        ok = written > 0 and sock.bytesToWrite() == 0
        sock.disconnectFromServer()
        if sock.state() != QLocalSocket.LocalSocketState.UnconnectedState:
            sock.waitForDisconnected(CONNECT_TIMEOUT_MS)
        return ok

    def acquire(self, message: str = "precall") -> bool:
        if self.forward(message):
            return False
        stale = self._socket_file()
        if stale is not None and stale.exists():
            # Nobody answered, yet the socket file is there: left over from a crash.
            log.info("removing a stale single-instance socket")
            QLocalServer.removeServer(self.name)
            self.recovered_stale = True
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            # Nobody answered, so whatever holds the name is left over from a crash.
            log.info("removing a stale single-instance socket (%s)", server.errorString())
            QLocalServer.removeServer(self.name)
            self.recovered_stale = True
            if not server.listen(self.name):
                # Run anyway: two copies are better than none when the name is unusable.
                log.warning("single-instance guard unavailable: %s", server.errorString())
                return True
        server.newConnection.connect(self._on_new_connection)
        self.server = server
        return True

    def _socket_file(self) -> Path | None:
        """Where the socket lives on Unix; None on Windows (pipes vanish with their process)."""
        if os.name == "nt":
            return None
        if os.path.isabs(self.name):
            return Path(self.name)
        return Path(QDir.tempPath()) / self.name

    def _on_new_connection(self) -> None:
        assert self.server is not None
        while self.server.hasPendingConnections():
            sock = self.server.nextPendingConnection()
            sock.readyRead.connect(self._on_ready_read)
            sock.disconnected.connect(sock.deleteLater)
            if sock.bytesAvailable():
                self._read(sock)

    def _on_ready_read(self) -> None:
        sock = self.sender()
        if isinstance(sock, QLocalSocket):
            self._read(sock)

    def _read(self, sock: QLocalSocket) -> None:
        while sock.canReadLine():
            line = bytes(sock.readLine(MAX_MESSAGE).data()).decode("utf-8", "replace").strip()
            if line:
                self.messageReceived.emit(line)

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
