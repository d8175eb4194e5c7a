"""``FakeTeamsServer``: a stand-in for Teams' third-party app API (protocol 2.0.0) on
127.0.0.1 and a random port, for tests of the Teams link and of features built on it.

Usage (pytest-qt)::

    server = FakeTeamsServer()
    url = server.start()                       # "ws://127.0.0.1:<port>"
    ...                                        # point the policy's local_api_url at it
    qtbot.waitUntil(lambda: server.client_count == 1)
    server.send_meeting_update(in_meeting=True, recording=False)
    server.send_token_refresh("tok")           # or pair automatically: approve_pairing
    server.send_garbage()                      # malformed JSON, non-objects, binary, ...
    server.drop()                              # abrupt disconnect (no close frame)
    server.close()

It behaves like Teams where the tests need it: it records every query (``queries``) and
every action the client sends (``actions``); it answers actions with ``{"requestId": n,
"response": "Success"}``; and when ``approve_pairing`` is set it answers a ``pair`` action
with ``tokenRefresh`` as Teams does once the officer allows the device.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QObject, QUrl, QUrlQuery, Signal
from PySide6.QtNetwork import QAbstractSocket, QHostAddress
from PySide6.QtWebSockets import QWebSocket, QWebSocketServer

DEFAULT_PERMISSIONS: dict[str, bool] = {
    "canToggleMute": True, "canToggleVideo": True, "canToggleHand": True,
    "canToggleBlur": True, "canLeave": True, "canReact": True, "canToggleShareTray": True,
    "canToggleChat": True, "canStopSharing": False, "canPair": True,
}


def meeting_update(*, in_meeting: bool, recording: bool = False,
                   can_pair: bool = True, **state: Any) -> dict[str, Any]:
    """A ``meetingUpdate`` message as Teams sends it (all fields, realistic defaults)."""
    meeting_state = {"isMuted": False, "isVideoOn": True, "isHandRaised": False,
                     "isInMeeting": in_meeting, "isRecordingOn": recording,
                     "isBackgroundBlurred": False, "isSharing": False,
                     "hasUnreadMessages": False, **state}
    return {"meetingUpdate": {"meetingState": meeting_state,
                              "meetingPermissions": {**DEFAULT_PERMISSIONS,
                                                     "canPair": can_pair}}}


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
                 token: str = "paired-token+/=1") -> None:
        super().__init__(parent)
        self.approve_pairing = approve_pairing
        self.token = token
        self.clients: list[QWebSocket] = []
        self.queries: list[dict[str, str]] = []   # one per connection, in order
        self.actions: list[dict[str, Any]] = []
        self.connections = 0
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
                            can_pair: bool = True, **state: Any) -> None:
        self.send_json(meeting_update(in_meeting=in_meeting, recording=recording,
                                      can_pair=can_pair, **state))

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
            self.queries.append({k: query.queryItemValue(k, full)
                                 for k, _ in query.queryItems()})
            ws.textMessageReceived.connect(self._on_text)
            ws.disconnected.connect(self._on_disconnected)
            self.clients.append(ws)
            self.clientConnected.emit()

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
        if "requestId" in msg:
            ws.sendTextMessage(json.dumps({"requestId": msg["requestId"], "response": "Success"}))
        if msg.get("action") == "pair" and self.approve_pairing:
            ws.sendTextMessage(json.dumps({"tokenRefresh": self.token}))
