"""``FakeTeamsServer``: a stand-in for Teams' third-party app API (protocol 2.0.0) on
127.0.0.1 and a random port, for tests of the Teams link and of features built on it.

Usage (pytest-qt)::

    server = FakeTeamsServer()
    url = server.start()                       # "ws://127.0.0.1:<port>"
    ...                                        # point the policy's local_api_url at it
    qtbot.waitUntil(lambda: server.client_count == 1)
    server.send_meeting_update(in_meeting=True, recording=False)
    server.send_permissions_only()             # what an unpaired client sees in a call
    server.send_idle()                         # Teams' idle frame: permissions, all false
    server.send_token_refresh("tok")           # or pair automatically: approve_pairing
    server.send_garbage()                      # malformed JSON, non-objects, binary, ...
    server.drop()                              # abrupt disconnect (no close frame)
    server.close_on_open = True                # accept, then close at once (flapping)
    server.close()

How it behaves, and where each assumption comes from (no Microsoft documentation exists;
facts in src/devicecheck/teams/protocol.py and docs/teams-link.md):
- it records every query (``queries``) and every action the client sends (``actions``);
- ``canPair`` is computed per connection unless a test gives it: true while in a meeting
  on a connection that is not paired (opened without the server's token, and no token
  granted on it since). svrooij/teams-monitor README.md: "If canPair is true, it means the
  user is in a meeting" and pairing can be triggered;
- on connect it greets like the July 2026 capture (Teams 26163.405.4842.717): an ack
  ``{"requestId": 0, "response": "Success"}`` then the current state — the last frame sent,
  re-made for this connection, or the idle permissions-only frame. A reconnect after
  pairing therefore gets the state again, as Teams re-sends its opening frame;
- it answers actions with ``{"requestId": n, "response": "Success"}`` (``pair`` with
  ``pair_reply``, e.g. ``PAIRING_REFUSED``); with ``approve_pairing`` it answers ``pair``
  with ``tokenRefresh`` first, as Teams does once the officer allows the device.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QObject, QUrl, QUrlQuery, Signal
from PySide6.QtNetwork import QAbstractSocket, QHostAddress
from PySide6.QtWebSockets import QWebSocket, QWebSocketServer

from devicecheck.teams.protocol import PAIRING_REFUSED

DEFAULT_PERMISSIONS: dict[str, bool] = {
    "canToggleMute": True, "canToggleVideo": True, "canToggleHand": True,
    "canToggleBlur": True, "canLeave": True, "canReact": True, "canToggleShareTray": True,
    "canToggleChat": True, "canStopSharing": False, "canPair": True,
}
#: Teams' idle frame (no call): permissions only, every one false (July 2026 capture).
IDLE_PERMISSIONS: dict[str, bool] = {k: False for k in DEFAULT_PERMISSIONS}

__all__ = ["DEFAULT_PERMISSIONS", "GARBAGE_TEXT", "IDLE_PERMISSIONS", "PAIRING_REFUSED",
           "FakeTeamsServer", "meeting_update", "permissions_only"]


def meeting_update(*, in_meeting: bool, recording: bool = False,
                   can_pair: bool = True, **state: Any) -> dict[str, Any]:
    """A ``meetingUpdate`` message as Teams sends it (all fields, realistic defaults)."""
    meeting_state = {"isMuted": False, "isVideoOn": True, "isHandRaised": False,
                     "isInMeeting": in_meeting, "isRecordingOn": recording,
                     "isBackgroundBlurred": False, "isSharing": False,
                     "hasUnreadMessages": False, **state}
    permissions = DEFAULT_PERMISSIONS if in_meeting else IDLE_PERMISSIONS
    return {"meetingUpdate": {"meetingState": meeting_state,
                              "meetingPermissions": {**permissions, "canPair": can_pair}}}


def permissions_only(*, in_call: bool = True, can_pair: bool = True,
                     **perms: bool) -> dict[str, Any]:
    """A ``meetingUpdate`` with ``meetingPermissions`` and no ``meetingState``: what an
    unpaired client is sent (svrooij/teams-monitor README.md, "At first you have limited
    access"). ``perms`` override single flags, e.g. ``canLeave=False``."""
    base = DEFAULT_PERMISSIONS if in_call else IDLE_PERMISSIONS
    return {"meetingUpdate": {"meetingPermissions": {**base, "canPair": can_pair, **perms}}}


#: Frames Teams should never send, but a client must survive.
GARBAGE_TEXT: tuple[str, ...] = (
    "{not json",
    "[1, 2, 3]",
    '"just a string"',
    "null",
    '{"meetingUpdate": "not an object"}',
    '{"meetingUpdate": {"meetingState": {"isInMeeting": "yes"}}}',
    '{"tokenRefresh": 42}',
    '{"someFutureMessage": {"x": 1}}',
    '{"meetingUpdate": {"meetingState": {"isInMeeting": false, "newField": [1]}, '
    '"meetingPermissions": null, "extra": true}}',
    "\u0000\ufffd",
)


class FakeTeamsServer(QObject):
    clientConnected = Signal()
    clientDisconnected = Signal()
    actionReceived = Signal(dict)

    def __init__(self, parent: QObject | None = None, *, approve_pairing: bool = True,
                 token: str = "paired-token+/=1", pair_reply: str = "Success",
                 greet: bool = True, close_on_open: bool = False) -> None:
        super().__init__(parent)
        self.approve_pairing = approve_pairing
        self.token = token
        self.pair_reply = pair_reply
        self.greet = greet
        self.close_on_open = close_on_open
        self.clients: list[QWebSocket] = []
        self.queries: list[dict[str, str]] = []   # one per connection, in order
        self.actions: list[dict[str, Any]] = []
        self.connections = 0
        self._paired: dict[int, bool] = {}        # id(ws) -> this connection is paired
        # The last state frame, as (kind, arguments), re-made per connection on greeting.
        self._last: tuple[str, dict[str, Any]] | None = None
        self._server = QWebSocketServer("FakeTeams", QWebSocketServer.SslMode.NonSecureMode,
                                        self)
        self._server.newConnection.connect(self._on_new_connection)

    # -- life cycle -----------------------------------------------------------------
    def start(self, port: int = 0) -> str:
        if not self._server.listen(QHostAddress(QHostAddress.SpecialAddress.LocalHost), port):
            raise RuntimeError(f"cannot listen: {self._server.errorString()}")
        return self.url

    @property
    def port(self) -> int:
        return int(self._server.serverPort())

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def client_count(self) -> int:
        return len(self.clients)

    def close(self) -> None:
        """Stop listening and drop every client (Teams quitting)."""
        self._server.close()
        self.drop()

    def is_paired(self, ws: QWebSocket) -> bool:
        return self._paired.get(id(ws), False)

    # -- sending --------------------------------------------------------------------
    def send_json(self, message: dict[str, Any]) -> None:
        self.send_text(json.dumps(message))

    def send_text(self, text: str) -> None:
        for ws in list(self.clients):
            ws.sendTextMessage(text)

    def send_binary(self, data: bytes = b"\x00\x01binary") -> None:
        for ws in list(self.clients):
            ws.sendBinaryMessage(data)

    def send_meeting_update(self, *, in_meeting: bool, recording: bool = False,
                            can_pair: bool | None = None, **state: Any) -> None:
        """A full frame. ``can_pair`` None: per connection (see the module docstring)."""
        self._send_state("full", {"in_meeting": in_meeting, "recording": recording,
                                  "can_pair": can_pair, **state})

    def send_permissions_only(self, *, in_call: bool = True, can_pair: bool | None = None,
                              **perms: bool) -> None:
        """A frame with permissions alone (an unpaired client's view of a call)."""
        self._send_state("perms", {"in_call": in_call, "can_pair": can_pair, **perms})

    def send_idle(self) -> None:
        """Teams' idle frame: permissions only, all false (no call)."""
        self.send_permissions_only(in_call=False, can_pair=False)

    def _send_state(self, kind: str, args: dict[str, Any]) -> None:
        self._last = (kind, args)
        for ws in list(self.clients):
            ws.sendTextMessage(json.dumps(self._frame(ws, kind, args)))

    def _frame(self, ws: QWebSocket, kind: str, args: dict[str, Any]) -> dict[str, Any]:
        args = dict(args)
        in_meeting = bool(args.get("in_meeting", args.get("in_call")))
        if args.get("can_pair") is None:
            args["can_pair"] = in_meeting and not self.is_paired(ws)
        if kind == "full":
            return meeting_update(**args)
        return permissions_only(**args)

    def send_token_refresh(self, token: str | None = None) -> None:
        self.send_json({"tokenRefresh": token if token is not None else self.token})

    def send_garbage(self) -> None:
        """Every malformed or unexpected frame in ``GARBAGE_TEXT``, then a binary frame."""
        for text in GARBAGE_TEXT:
            self.send_text(text)
        self.send_binary()

    def drop(self) -> None:
        """Abrupt disconnect: TCP reset, no close frame."""
        for ws in list(self.clients):
            ws.abort()

    def close_clients(self, reason: str = "Teams is closing") -> None:
        """A clean WebSocket close."""
        for ws in list(self.clients):
            ws.close(reason=reason)

    # -- receiving ------------------------------------------------------------------
    def _on_new_connection(self) -> None:
        while self._server.hasPendingConnections():
            ws = self._server.nextPendingConnection()
            self.connections += 1
            query = QUrlQuery(ws.requestUrl())
            full = QUrl.ComponentFormattingOption.FullyDecoded
            items = {k: query.queryItemValue(k, full) for k, _ in query.queryItems()}
            self.queries.append(items)
            self._paired[id(ws)] = bool(self.token) and items.get("token") == self.token
            ws.textMessageReceived.connect(self._on_text)
            ws.disconnected.connect(self._on_disconnected)
            self.clients.append(ws)
            self.clientConnected.emit()
            if self.close_on_open:
                ws.close(reason="busy")
                continue
            if self.greet:
                ws.sendTextMessage(json.dumps({"requestId": 0, "response": "Success"}))
                kind, args = self._last or ("perms", {"in_call": False, "can_pair": False})
                ws.sendTextMessage(json.dumps(self._frame(ws, kind, args)))

    def _on_disconnected(self) -> None:
        before = len(self.clients)
        self.clients = [ws for ws in self.clients
                        if ws.state() == QAbstractSocket.SocketState.ConnectedState]
        if len(self.clients) != before:
            self.clientDisconnected.emit()

    def _on_text(self, text: str) -> None:
        try:
            msg = json.loads(text)
        except json.JSONDecodeError:
            return
        if not isinstance(msg, dict):
            return
        self.actions.append(msg)
        self.actionReceived.emit(msg)
        ws = self.sender()
        if not isinstance(ws, QWebSocket):
            return
        pairing = msg.get("action") == "pair"
        if pairing and self.approve_pairing:
            self._paired[id(ws)] = True
            ws.sendTextMessage(json.dumps({"tokenRefresh": self.token}))
        if "requestId" in msg:
            ws.sendTextMessage(json.dumps({"requestId": msg["requestId"],
                                           "response": self.pair_reply if pairing
                                           else "Success"}))


class PingFloodServer:
    """A hostile listener on the API port (issue 17, item 3): it answers the WebSocket
    handshake (RFC 6455 section 4.2.2), then sends ping frames and never reads, so every
    pong Qt queues in reply stays unsent. Raw socket in a thread: a Qt server would read
    the pongs. Bounded: at most ``max_pings`` and ``seconds``, then it stops by itself.
    ``queries`` holds the request line of each upgrade it answered (to see the token)."""

    def __init__(self, *, max_pings: int = 5_000_000, seconds: float = 30.0) -> None:
        import socket
        import threading

        self.max_pings, self.seconds = max_pings, seconds
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.listener.settimeout(0.5)
        self.port = int(self.listener.getsockname()[1])
        self.url = f"ws://127.0.0.1:{self.port}"
        self.requests: list[str] = []
        self.pings_sent = 0
        self.peer_closed = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        import base64
        import hashlib
        import time

        deadline = time.monotonic() + self.seconds
        while not self._stop.is_set() and time.monotonic() < deadline:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(5)
                request = b""
                try:
                    while b"\r\n\r\n" not in request:
                        chunk = conn.recv(4096)
                        if not chunk:
                            break   # the client's TCP probe
                        request += chunk
                except OSError:
                    continue
                if b"\r\n\r\n" not in request:
                    continue
                self.requests.append(request.split(b"\r\n", 1)[0].decode("latin-1"))
                key = next(line.split(b":", 1)[1].strip() for line in request.split(b"\r\n")
                           if line.lower().startswith(b"sec-websocket-key"))
                accept = base64.b64encode(hashlib.sha1(  # RFC 6455 handshake, not security
                    key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
                conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                             b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept
                             + b"\r\n\r\n")
                ping = bytes([0x89, 125]) + b"p" * 125   # FIN + ping, 125-byte payload
                # A client that is slow to read (a loaded machine) must not look like a
                # drop: only the client closing, or the overall deadline, ends the flood.
                conn.settimeout(max(1.0, deadline - time.monotonic()))
                try:
                    while self.pings_sent < self.max_pings and not self._stop.is_set() \
                            and time.monotonic() < deadline:
                        conn.sendall(ping * 100)
                        self.pings_sent += 100
                except OSError:
                    self.peer_closed.set()   # the client dropped us: what the test wants

    def close(self) -> None:
        self._stop.set()
        self.listener.close()
        self._thread.join(10)
