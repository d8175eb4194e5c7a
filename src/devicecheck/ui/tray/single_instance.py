"""One DeviceCheck per user: the first copy listens on a local socket; a second launch
connects, sends one line (``precall``: "the officer wants the pre-call check") and exits.

A crash leaves the socket file behind on Unix, so a failed connect is followed by
``QLocalServer.removeServer`` before listening: nobody answered, so the file is stale.

Where the socket lives matters (issue 17 #9): the old fallback ``/tmp/devicecheck-<user>``
could be created first by another local user, whose listener then got our "precall" and
made the officer's tray exit "already running". On Unix the socket now lives only in a
folder this user owns and nobody else can enter: ``$XDG_RUNTIME_DIR`` (the per-user
runtime folder systemd-logind makes, 0700) when it is ours and private, else ``run/`` in
DeviceCheck's own data folder, created 0700. Each folder is checked with ``lstat``
(owner, mode, not a link) before use; one that fails is refused with its reason logged,
and when none is safe DeviceCheck runs without the guard (two copies are better than
being shut out by someone else). Windows keeps Qt's per-user named pipe.

Bounds (issue 29 #8): 1000 connections held open, each sending without a newline, once
grew the tray to 386 MB (a peer object and an unbounded read buffer each). Now at most
``MAX_PEERS`` peers live at once (more are dropped as they arrive), each may hold
``MAX_MESSAGE`` unread bytes (Qt's read buffer is capped there; a peer that fills it
without a line is dropped), a peer gets ``PEER_IDLE_MS`` to send its line, and one line
is all a connection carries: the peer is closed after it. A second launch sends its line
at once, so none of this ever drops a real one unless a flood is on.
"""

from __future__ import annotations

import getpass
import logging
import os
import stat
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from PySide6.QtCore import QDir, QObject, QTimer, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_MS = 500
MAX_MESSAGE = 256
#: Peers served at once; a second launch needs one, a flood gets no more.
MAX_PEERS = 8
#: How long a peer may take to send its one line.
PEER_IDLE_MS = 2000
SOCKET_NAME = "devicecheck.sock"
#: sun_path holds 108 bytes on Linux and 104 on macOS, NUL included (unix(7), unix(4)).
MAX_SOCKET_PATH = 103


class NoPrivateFolder(Exception):
    """No folder that only this user can use was found for the socket (reasons inside)."""


def folder_problem(path: Path) -> str | None:
    """Why ``path`` is not a folder only this user can use, or None when it is."""
    if sys.platform == "win32":  # pragma: no cover - Windows: Qt's named pipe, no folder
        return "Windows uses a named pipe, not a socket folder"
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return "it does not exist"
    except OSError as exc:
        return f"it cannot be read ({exc.strerror})"
    if stat.S_ISLNK(st.st_mode):
        return "it is a link"
    if not stat.S_ISDIR(st.st_mode):
        return "it is not a folder"
    if st.st_uid != os.getuid():
        return f"it belongs to another user (uid {st.st_uid})"
    if st.st_mode & 0o077:
        return f"other users can use it (mode {stat.S_IMODE(st.st_mode):o})"
    return None


def _own_folder(path: Path) -> str | None:
    """Create DeviceCheck's own socket folder 0700 (or tighten one that is ours); the
    reason it cannot be used, or None."""
    if sys.platform == "win32":  # pragma: no cover - Windows: Qt's named pipe, no folder
        return "Windows uses a named pipe, not a socket folder"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        return f"it cannot be created ({exc.strerror})"
    problem = folder_problem(path)
    if problem and problem.startswith("other users can use it"):
        try:  # ours, merely too open (an older umask): close it and look again
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
            try:
                if os.fstat(fd).st_uid == os.getuid():
                    os.fchmod(fd, 0o700)
            finally:
                os.close(fd)
        except OSError as exc:
            return f"{problem}, and it cannot be closed ({exc.strerror})"
        problem = folder_problem(path)
    return problem


def socket_folder(env: Mapping[str, str] | None = None) -> tuple[Path | None, list[str]]:
    """The folder for the socket (Unix), and why each folder tried before it was refused."""
    from devicecheck.paths import user_data_dir

    env = os.environ if env is None else env
    refused: list[str] = []
    runtime = env.get("XDG_RUNTIME_DIR", "")
    if runtime and os.path.isabs(runtime):
        # Made by systemd-logind; never created or re-moded by us, only checked.
        problem = folder_problem(Path(runtime))
        if problem is None:
            return Path(runtime), refused
        refused.append(f"XDG_RUNTIME_DIR is not used: {problem}")
    own = user_data_dir() / "run"
    problem = _own_folder(own)
    if problem is None and len(os.fsencode(own / SOCKET_NAME)) > MAX_SOCKET_PATH:
        problem = "its path is too long for a local socket"
    if problem is None:
        return own, refused
    refused.append(f"DeviceCheck's own data folder is not used: {problem}")
    return None, refused


def server_name(env: Mapping[str, str] | None = None) -> str:
    """Per user. Unix: a full path in a folder only this user can use (``socket_folder``);
    raises ``NoPrivateFolder`` when there is none. Windows: a name Qt makes a named pipe
    of, opened to this user only (``UserAccessOption``)."""
    if os.name == "nt":  # pragma: no cover - Windows
        try:
            user = getpass.getuser()
        except (OSError, KeyError):
            user = "user"
        return f"devicecheck-{''.join(c for c in user if c.isalnum() or c in '-_.')}"
    folder, refused = socket_folder(env)
    if folder is None:
        raise NoPrivateFolder("; ".join(refused))
    for reason in refused:
        log.warning("single-instance socket: %s", reason)
    return str(folder / SOCKET_NAME)


class SingleInstance(QObject):
    """``acquire()`` True: we are the only copy and now listen. False: another copy got
    ``message`` and this one should exit."""

    messageReceived = Signal(str)

    def __init__(self, name: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.unavailable: str | None = None   # why there is no guard (no private folder)
        if name is None:
            try:
                name = server_name()
            except NoPrivateFolder as exc:
                self.unavailable = str(exc)
        self.name = name or ""
        self.server: QLocalServer | None = None
        self.recovered_stale = False
        #: The connected peers we still hold (at most MAX_PEERS) with when each came, and
        #: how many were dropped.
        self._peers: dict[QLocalSocket, float] = {}
        self.dropped = 0
        # One sweep for every peer, not a timer each: it runs only while peers are held.
        self._sweep = QTimer(self)
        self._sweep.setInterval(PEER_IDLE_MS // 4)
        self._sweep.timeout.connect(self._drop_idle)

    def forward(self, message: str) -> bool:
        """Send ``message`` to a running copy; False when none answers."""
        if not self.name:
            return False
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
        if self.unavailable is not None:
            # Never "already running" because of a folder someone else controls.
            log.warning("single-instance guard unavailable (no folder only you can use: "
                        "%s); running without it", self.unavailable)
            return True
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

    @property
    def peer_count(self) -> int:
        """Peers held now (for the flood test and the trace)."""
        return len(self._peers)

    def buffered_bytes(self) -> int:
        """Unread bytes held for all peers together (at most MAX_PEERS * MAX_MESSAGE)."""
        return sum(sock.bytesAvailable() for sock in self._peers)

    def _on_new_connection(self) -> None:
        assert self.server is not None
        while self.server.hasPendingConnections():
            sock = self.server.nextPendingConnection()
            if sock is None:
                break
            if len(self._peers) >= MAX_PEERS:
                self.dropped += 1
                sock.abort()
                sock.deleteLater()
                continue
            self._peers[sock] = time.monotonic()
            if not self._sweep.isActive():
                self._sweep.start()
            # Qt stops reading from the OS once this much is unread: the bound per peer.
            sock.setReadBufferSize(MAX_MESSAGE)
            sock.readyRead.connect(self._on_ready_read)
            sock.disconnected.connect(self._on_disconnected)
            if sock.bytesAvailable():
                self._read(sock)

    def _on_ready_read(self) -> None:
        sock = self.sender()
        if isinstance(sock, QLocalSocket):
            self._read(sock)

    def _on_disconnected(self) -> None:
        sock = self.sender()
        if isinstance(sock, QLocalSocket) and sock in self._peers:
            del self._peers[sock]
            sock.deleteLater()

    def _drop(self, sock: QLocalSocket) -> None:
        if self._peers.pop(sock, None) is None:
            return
        sock.abort()
        sock.deleteLater()

    def _drop_idle(self) -> None:
        """Peers that have not sent their line in PEER_IDLE_MS are dropped."""
        cutoff = time.monotonic() - PEER_IDLE_MS / 1000
        for sock in [s for s, since in self._peers.items() if since <= cutoff]:
            self._drop(sock)
        if not self._peers:
            self._sweep.stop()

    def _read(self, sock: QLocalSocket) -> None:
        if sock not in self._peers:
            return
        if sock.canReadLine():
            data = bytes(sock.readLine(MAX_MESSAGE + 1).data())
            line = data.decode("utf-8", "replace").strip()
            self._drop(sock)   # one line is all a connection carries
            if line:
                self.messageReceived.emit(line)
        elif sock.bytesAvailable() >= MAX_MESSAGE:
            self._drop(sock)   # longer than any message, and no line in sight

    def close(self) -> None:
        for sock in list(self._peers):
            self._drop(sock)
        self._sweep.stop()
        if self.server is not None:
            self.server.close()
            self.server = None
