"""A QtWebSockets client for the Teams third-party app API (loopback only).

Quiet by design: while Teams is closed or its API is off, the client retries with capped
exponential backoff (1 s doubling to 60 s by default) and logs the failure once per change
of state, not once per attempt. Bad frames (malformed JSON, binary, unknown messages) are
ignored and logged once per connection. A socket the peer half-closes ends in
``disconnected`` like any other drop, and is retried the same way. The token is sent in
the URL, so the URL is never logged: only host and port are. Until something listens on
the port, attempts are QtCore-only TCP probes (``probe.py``), so a watcher idling with
Teams closed never loads QtNetwork, QtWebSockets or OpenSSL.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from PySide6.QtCore import QObject, QTimer, QUrl, Signal

from devicecheck import __version__
from devicecheck.teams import protocol
from devicecheck.teams.probe import TcpProbe
from devicecheck.teams.token import TokenStore

if TYPE_CHECKING:
    from PySide6.QtWebSockets import QWebSocket

log = logging.getLogger(__name__)

MAX_FRAME_BYTES = 1_048_576   # a meetingUpdate is < 1 KB; refuse anything silly


def _unconnected(ws: QWebSocket) -> bool:
    from PySide6.QtNetwork import QAbstractSocket

    return bool(ws.state() == QAbstractSocket.SocketState.UnconnectedState)


class TeamsApiClient(QObject):
    connected = Signal()
    disconnected = Signal()
    meetingUpdate = Signal(object, object)   # in_meeting, recording: bool | None each
    paired = Signal()

    def __init__(self, url: str, *, token_store: TokenStore | None = None,
                 manufacturer: str = "DeviceCheck", device: str = "DeviceCheck",
                 app: str = "DeviceCheck", app_version: str = __version__,
                 min_backoff_ms: int = 1000, max_backoff_ms: int = 60_000,
                 connect_timeout_ms: int = 10_000, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._base = QUrl(url)
        self._where = f"{self._base.host()}:{self._base.port(8124)}"
        self._tokens = token_store or TokenStore()
        self._token = self._tokens.load()
        self._ident = (manufacturer, device, app, app_version)
        self.min_backoff_ms, self.max_backoff_ms = min_backoff_ms, max_backoff_ms
        self._backoff = min_backoff_ms
        self._active = False
        self._connected = False
        self._failing = False            # in a streak of failed attempts (logged once)
        self._logged: set[str] = set()   # problems logged on this connection
        self._pair_sent = False
        self._request_id = 0
        self.attempts = 0                # for tests and the benchmark

        # The WebSocket (and QtNetwork, QtWebSockets, OpenSSL: ~18 MB) is only loaded once
        # something listens on the port; until then a QtCore-only TCP probe asks.
        self._ws: QWebSocket | None = None
        self._probe = TcpProbe(self)
        self._probe.succeeded.connect(self._on_probe_connected)
        self._probe.failed.connect(self._on_probe_error)
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self._open)
        self._timeout = QTimer(self)
        self._timeout.setSingleShot(True)
        self._timeout.setInterval(connect_timeout_ms)
        self._timeout.timeout.connect(self._on_connect_timeout)

    # -- public ---------------------------------------------------------------------
    @property
    def is_connected(self) -> bool:
        return self._connected

    @property
    def has_token(self) -> bool:
        return bool(self._token)

    def start(self) -> None:
        if not self._base.isValid() or self._base.scheme() not in ("ws", "wss"):
            log.error("The Teams local API address in the policy is not a ws:// URL; "
                      "not connecting.")
            return
        self._active = True
        self._open()

    def stop(self) -> None:
        self._active = False
        self._retry.stop()
        self._timeout.stop()
        self._probe.abort()
        if self._ws is not None and not _unconnected(self._ws):
            self._ws.abort()

    def retry_now(self) -> None:
        """Teams just started: try at once instead of waiting out the backoff."""
        if self._active and not self._connected and self._idle():
            self._retry.stop()
            self._backoff = self.min_backoff_ms
            self._open()

    def send_action(self, name: str) -> int:
        self._request_id += 1
        if self._ws is not None:
            self._ws.sendTextMessage(protocol.action(name, self._request_id))
        return self._request_id

    # -- connection -----------------------------------------------------------------
    def connection_url(self) -> QUrl:
        url = QUrl(self._base)
        manufacturer, device, app, version = self._ident
        params = protocol.query_params(token=self._token, manufacturer=manufacturer,
                                       device=device, app=app, app_version=version)
        # Fully percent-encoded ("+", "/" and "=" in a base64 token included).
        url.setQuery(urlencode(params, quote_via=quote, safe=""))
        return url

    def _idle(self) -> bool:
        return not self._probe.busy and (self._ws is None or _unconnected(self._ws))

    def _open(self) -> None:
        if not self._active or not self._idle():
            return
        self.attempts += 1
        self._timeout.start()
        if self._ws is None:
            self._probe.start(self._base.host(), self._base.port(8124))
        else:
            self._ws.open(self.connection_url())

    def _on_probe_connected(self) -> None:
        self._timeout.stop()
        if not self._active:
            return
        self._ws = self._make_socket()
        self._timeout.start()
        self._ws.open(self.connection_url())

    def _on_probe_error(self) -> None:
        self._timeout.stop()
        self._failed()

    def _make_socket(self) -> QWebSocket:
        from PySide6.QtWebSockets import QWebSocket, QWebSocketProtocol

        ws = QWebSocket("", QWebSocketProtocol.Version.VersionLatest, self)
        ws.setMaxAllowedIncomingMessageSize(MAX_FRAME_BYTES)
        ws.setMaxAllowedIncomingFrameSize(MAX_FRAME_BYTES)
        ws.connected.connect(self._on_connected)
        ws.disconnected.connect(self._on_disconnected)
        ws.textMessageReceived.connect(self._on_text)
        ws.binaryMessageReceived.connect(self._on_binary)
        ws.errorOccurred.connect(self._on_error)
        return ws

    def _on_connected(self) -> None:
        self._timeout.stop()
        self._connected = True
        self._failing = False
        self._backoff = self.min_backoff_ms
        self._logged.clear()
        self._pair_sent = False
        log.info("Connected to the Teams local API at %s%s.", self._where,
                 "" if self._token else " (not paired yet)")
        self.connected.emit()

    def _on_disconnected(self) -> None:
        self._timeout.stop()
        if self._connected:
            self._connected = False
            reason = self._ws.closeReason() if self._ws is not None else ""
            log.info("The Teams local API connection at %s closed (%s); reconnecting "
                     "quietly.", self._where, reason or "no reason given")
            self.disconnected.emit()
            self._schedule()
        else:
            self._failed()

    def _on_error(self, _error: Any) -> None:
        # A refused attempt may end with an error and no disconnected signal.
        if not self._connected and self._idle():
            self._failed()

    def _on_connect_timeout(self) -> None:
        self._probe.abort()
        if self._ws is not None:
            self._ws.abort()
        self._failed()

    def _failed(self) -> None:
        if self._retry.isActive():
            return  # the same failure reported twice (error and disconnected)
        if not self._failing:
            self._failing = True
            log.info("The Teams local API is not reachable at %s (Teams closed or its API "
                     "off); retrying quietly, at most every %d s.", self._where,
                     self.max_backoff_ms // 1000)
        self._schedule()

    def _schedule(self) -> None:
        if not self._active or self._retry.isActive():
            return
        self._retry.start(self._backoff)
        self._backoff = min(self._backoff * 2, self.max_backoff_ms)

    # -- frames ---------------------------------------------------------------------
    def _once(self, key: str, message: str) -> None:
        if key not in self._logged:
            self._logged.add(key)
            log.warning("%s (logged once per connection)", message)

    def _on_binary(self, _data: bytes) -> None:
        self._once("binary", "Ignored a binary frame from the Teams local API.")

    def _on_text(self, text: str) -> None:
        msg = protocol.parse(text)
        if msg.kind == protocol.MEETING_UPDATE:
            self.meetingUpdate.emit(msg.in_meeting, msg.recording)
            if msg.can_pair and not self._token and not self._pair_sent:
                # Unverified trigger (see docs/teams-link.md): Teams asks the officer to
                # allow DeviceCheck, then sends tokenRefresh.
                self._pair_sent = True
                self.send_action("pair")
                log.info("Asked Teams to pair; Teams asks the officer to allow DeviceCheck.")
        elif msg.kind == protocol.TOKEN_REFRESH:
            if self._tokens.save(msg.token):
                self._token = msg.token
                self.paired.emit()
        elif msg.kind == protocol.MALFORMED:
            self._once("malformed", f"Ignored a malformed Teams local API frame: {msg.problem}.")
        elif msg.kind == protocol.UNKNOWN:
            self._once("unknown", "Ignored a Teams local API message of an unknown kind.")
