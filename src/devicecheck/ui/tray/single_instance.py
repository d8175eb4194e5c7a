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
"""

from __future__ import annotations

import getpass
import logging
import os
import stat
from collections.abc import Mapping
from pathlib import Path

from PySide6.QtCore import QDir, QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_MS = 500
MAX_MESSAGE = 256
SOCKET_NAME = "devicecheck.sock"
#: sun_path holds 108 bytes on Linux and 104 on macOS, NUL included (unix(7), unix(4)).
MAX_SOCKET_PATH = 103


class NoPrivateFolder(Exception):
    """No folder that only this user can use was found for the socket (reasons inside)."""


def folder_problem(path: Path) -> str | None:
    """Why ``path`` is not a folder only this user can use, or None when it is."""
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
