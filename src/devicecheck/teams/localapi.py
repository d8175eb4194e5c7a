"""A QtWebSockets client for the Teams third-party app API (loopback only).

Quiet by design: while Teams is closed or its API is off, the client retries with capped
exponential backoff (1 s doubling to 60 s by default) and logs the failure once per change
of state, not once per attempt. Bad frames (malformed JSON, binary, unknown messages) are
ignored and logged once per connection. A socket the peer half-closes ends in
``disconnected`` like any other drop, and is retried the same way. The token is sent in
the URL, so the URL is never logged: only host and port are. Until something listens on
the port, attempts are QtCore-only TCP probes (``probe.py``), so a watcher idling with
Teams closed never loads QtNetwork, QtWebSockets or OpenSSL.

Pairing (protocol facts and their sources: ``protocol.py`` and docs/teams-link.md):
- a ``meetingUpdate`` with ``canPair`` true means "in a meeting and not paired": the client
  sends ``pair`` (once, re-armed only as below). With a stored token that means Teams has
  dropped it: the token is stale and is forgotten, and the client pairs again;
- Teams' refusal (``"Pairing response resulted in no action"``) re-arms pairing, so the
  next ``canPair`` frame asks again — but not sooner than ``pair_retry_ms`` after the last
  ask, so an officer in a call with a resident is not shown prompt after prompt;
- the first ``tokenRefresh`` on a session that began unpaired is followed by one reconnect
  carrying the new token (everything said before the grant was said to an unauthorised
  client; Teams re-sends its opening frame to the new session). A later ``tokenRefresh``
  on a paired session (Teams rotating the token) is stored without reconnecting, so it
  can never loop. That planned reconnect is not reported as a disconnect.

Who is listening (issue 17, item 3): before each connection ``PEER_CHECK`` (``peer.py``)
asks whether the listener on the port is one of the officer's own catalogued Teams
processes. If not, or if that cannot be told, the client connects WITHOUT the token and
never pairs on that session (a stand-in could otherwise collect the token, or hand us one):
state it sends is still read, as any local signal is, but the officer's pairing never
leaves the app. Logged once per streak.

Floods: too many frames in a second, or too many unsent pongs, drop the connection and
the next attempt waits longer (``flood.py`` says why and the limits).

A connection that Teams closes within ``stable_after_ms`` of opening (it accepts and drops
at once, e.g. while another app holds its single API connection) does not reset the
backoff: only a connection that lasted does.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from PySide6.QtCore import QObject, QTimer, QUrl, Signal

from devicecheck import __version__
from devicecheck.teams import protocol
from devicecheck.teams.flood import FLOOD_BACKOFF_MS, FloodGuard
from devicecheck.teams.probe import TcpProbe
from devicecheck.teams.token import TokenStore, valid_token

if TYPE_CHECKING:
    from PySide6.QtWebSockets import QWebSocket

log = logging.getLogger(__name__)

MAX_FRAME_BYTES = 1_048_576   # a meetingUpdate is < 1 KB; refuse anything silly
HANDOVER_CLOSE_MS = 2000      # a planned close that Teams does not answer is then aborted


def _verify_peer(host: str, port: int) -> str | None:
    from devicecheck.teams.peer import teams_listener_problem

    return teams_listener_problem(host, port)


#: ``(host, port) -> None`` when the listener is the officer's Teams, else why not. Tests
#: replace it (module attribute, never configuration an officer could set).
PEER_CHECK: Callable[[str, int], str | None] = _verify_peer


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
                 connect_timeout_ms: int = 10_000, stable_after_ms: int = 5000,
                 pair_retry_ms: int = 30_000, clock: Callable[[], float] = time.monotonic,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._base = QUrl(url)
        self._where = f"{self._base.host()}:{self._base.port(8124)}"
        self._tokens = token_store or TokenStore()
        self._token = self._tokens.load()
        self._ident = (manufacturer, device, app, app_version)
        self.min_backoff_ms, self.max_backoff_ms = min_backoff_ms, max_backoff_ms
        self.stable_after_ms, self.pair_retry_ms = stable_after_ms, pair_retry_ms
        self._clock = clock
        self._backoff = min_backoff_ms
        self._active = False
        self._connected = False
        self._announced = False          # listeners were told "connected"
        self._failing = False            # in a streak of failed attempts (logged once)
        self._flapping = False           # in a streak of connections dropped at once
        self._opened_at = 0.0
        self._logged: set[str] = set()   # problems logged on this connection
        # Pairing, per connection: the token the connection was opened with, whether this
        # session is unpaired (opened without a token, or Teams offered to pair), whether
        # a ``pair`` may be sent, and when the last one was (any connection).
        self._session_token = ""
        self._session_unpaired = True
        self._pair_armed = True
        self._last_pair: float | None = None
        self._handover = False           # closing to reopen with a new token
        self._verified = False           # this session's peer is the officer's Teams
        self._unverified_logged = False  # "not Teams" logged in this streak
        self._flood_logged = False
        self._request_id = 0
        self.attempts = 0                # for tests and the benchmark
        self.connections = 0             # sessions opened (the planned reconnect included)

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
        self._handover_close = QTimer(self)
        self._handover_close.setSingleShot(True)
        self._handover_close.setInterval(HANDOVER_CLOSE_MS)
        self._handover_close.timeout.connect(self._abort_handover_close)
        self._guard = FloodGuard(self, self._clock, queued=self._queued_bytes,
                                 trip=self._drop_flood)

    # -- public ---------------------------------------------------------------------
    @property
    def is_connected(self) -> bool:
        return self._connected

    @property
    def has_token(self) -> bool:
        return bool(self._token)

    @property
    def next_retry_ms(self) -> int | None:
        """The wait before the scheduled attempt (None: none scheduled). For tests."""
        return self._retry.interval() if self._retry.isActive() else None

    def start(self) -> None:
        if not self._base.isValid() or self._base.scheme() not in ("ws", "wss"):
            log.error("The Teams local API address in the policy is not a ws:// URL; "
                      "not connecting.")
            return
        self._active = True
        self._open()

    def stop(self) -> None:
        self._active = False
        self._handover = False
        self._retry.stop()
        self._timeout.stop()
        self._handover_close.stop()
        self._guard.stop()
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
    def connection_url(self, *, with_token: bool = True) -> QUrl:
        url = QUrl(self._base)
        manufacturer, device, app, version = self._ident
        params = protocol.query_params(token=self._token if with_token else "",
                                       manufacturer=manufacturer,
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
            self._open_socket(self._ws)

    def _open_socket(self, ws: QWebSocket) -> None:
        why = PEER_CHECK(self._base.host(), self._base.port(8124))
        self._verified = why is None
        if why is None:
            self._unverified_logged = False
        elif not self._unverified_logged:
            self._unverified_logged = True
            log.warning("The program on the Teams local API port %s is not verified as the "
                        "officer's Teams (%s); connecting without the pairing token and "
                        "without pairing.", self._where, why)
        self._session_token = self._token if self._verified else ""
        ws.open(self.connection_url(with_token=self._verified))

    def _on_probe_connected(self) -> None:
        self._timeout.stop()
        if not self._active:
            return
        self._ws = self._make_socket()
        self._timeout.start()
        self._open_socket(self._ws)

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

    # -- floods ---------------------------------------------------------------------
    def _queued_bytes(self) -> int:
        return int(self._ws.bytesToWrite()) if self._ws is not None and self._connected else 0

    def _drop_flood(self, what: str) -> None:
        if self._ws is None:
            return
        self._backoff = max(self._backoff, FLOOD_BACKOFF_MS)
        if not self._flood_logged:
            self._flood_logged = True
            log.warning("Dropped the Teams local API connection at %s: %s; retrying in %d s "
                        "at the earliest.", self._where, what, FLOOD_BACKOFF_MS // 1000)
        self._ws.abort()

    def _on_connected(self) -> None:
        self._timeout.stop()
        self._connected = True
        self._failing = False
        self._opened_at = self._clock()
        self.connections += 1
        self._logged.clear()
        self._session_unpaired = not self._session_token
        self._pair_armed = self._verified   # never pair with a peer that is not Teams
        self._guard.start()
        if self._handover:
            self._handover = False
            log.info("Reconnected to the Teams local API at %s with the new pairing token.",
                     self._where)
            if self._announced:
                return   # the link never went down as far as listeners are concerned
        elif self._flapping:
            log.debug("Connected to the Teams local API at %s again.", self._where)
        else:
            log.info("Connected to the Teams local API at %s%s.", self._where,
                     "" if self._token else " (not paired yet)")
        self._announced = True
        self.connected.emit()

    def _on_disconnected(self) -> None:
        self._timeout.stop()
        self._handover_close.stop()
        self._guard.stop()
        if not self._connected:
            self._failed()
            return
        self._connected = False
        if not self._active:   # stop(): ours, not Teams' doing; nothing to log or retry
            self._announce_down()
            return
        if self._handover:
            self._retry.stop()
            self._retry.start(0)   # planned: reopen at once, the backoff untouched
            return
        self._handover = False
        lived_ms = (self._clock() - self._opened_at) * 1000
        reason = self._ws.closeReason() if self._ws is not None else ""
        if self._guard.flooded:
            pass   # logged in _drop_flood; the backoff is already long
        elif lived_ms >= self.stable_after_ms:
            self._flood_logged = False
            # Only a connection that lasted proves Teams is really there: reset the backoff.
            self._backoff = self.min_backoff_ms
            self._flapping = False
            log.info("The Teams local API connection at %s closed (%s); reconnecting "
                     "quietly.", self._where, reason or "no reason given")
        elif not self._flapping:
            self._flapping = True
            log.warning("Teams closed the local API connection at %s within %d s of opening "
                        "it (%s; another app may hold its only API connection); retrying "
                        "with backoff, at most every %d s.", self._where,
                        max(1, self.stable_after_ms // 1000), reason or "no reason given",
                        self.max_backoff_ms // 1000)
        self._schedule()
        self._announce_down()   # after scheduling: a listener may ask when the next try is

    def _announce_down(self) -> None:
        if self._announced:
            self._announced = False
            self.disconnected.emit()

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
        if self._handover:
            # The planned reconnect did not get through: now the link really is down.
            self._handover = False
            self._announce_down()
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

    def _begin_handover(self) -> None:
        """Close this session to reopen it with the new token (see the module docstring)."""
        if self._ws is None or not self._connected:
            return
        self._handover = True
        log.info("Paired with Teams; reconnecting once with the new token.")
        self._handover_close.start()
        self._ws.close()

    def _abort_handover_close(self) -> None:
        if self._handover and self._ws is not None and not _unconnected(self._ws):
            self._ws.abort()

    # -- frames ---------------------------------------------------------------------
    def _once(self, key: str, message: str, level: int = logging.WARNING) -> None:
        if key not in self._logged:
            self._logged.add(key)
            log.log(level, "%s (logged once per connection)", message)

    def _on_binary(self, _data: bytes) -> None:
        if self._guard.frame():
            self._once("binary", "Ignored a binary frame from the Teams local API.")

    def _on_text(self, text: str) -> None:
        if not self._guard.frame():
            return
        msg = protocol.parse(text)
        if msg.kind == protocol.MEETING_UPDATE:
            self.meetingUpdate.emit(msg.in_meeting, msg.recording)
            if msg.can_pair and not self._handover:
                self._on_can_pair()
        elif msg.kind == protocol.TOKEN_REFRESH:
            self._on_token(msg.token)
        elif msg.kind == protocol.RESPONSE:
            if msg.pairing_refused and not self._handover:
                # Declined, unanswered, or answering our ``pair`` itself: ask again at the
                # next canPair frame (never on our own), and keep any token we have.
                self._pair_armed = True
                self._once("refused", "Teams did not pair with DeviceCheck this time; it "
                           "asks again at the next chance.", logging.INFO)
        elif msg.kind == protocol.MALFORMED:
            self._once("malformed", f"Ignored a malformed Teams local API frame: {msg.problem}.")
        elif msg.kind == protocol.UNKNOWN:
            self._once("unknown", "Ignored a Teams local API message of an unknown kind.")

    def _on_can_pair(self) -> None:
        """canPair: in a meeting and not paired. With the token this session was opened
        with, that means Teams has dropped it (a token that arrived on this very session
        is not judged by frames Teams queued before it)."""
        if not self._verified:
            return   # a peer that is not Teams cannot make us drop or seek a token
        if self._session_token and self._token == self._session_token:
            log.info("Teams no longer accepts DeviceCheck's pairing token; pairing again.")
            self._token = ""
            self._tokens.clear()
        self._session_unpaired = True
        if not self._pair_armed or self._token:
            return
        now = self._clock()
        if self._last_pair is not None and (now - self._last_pair) * 1000 < self.pair_retry_ms:
            return
        self._pair_armed = False
        self._last_pair = now
        # Teams asks the officer to allow DeviceCheck, then sends tokenRefresh.
        self.send_action("pair")
        log.info("Asked Teams to pair; Teams asks the officer to allow DeviceCheck.")

    def _on_token(self, token: str) -> None:
        if not self._verified:
            self._once("unverified-token", "Ignored a pairing token from a program that is "
                       "not verified as Teams.")
            return
        if not valid_token(token):
            self._once("token", "Teams sent a pairing token of an unexpected form; not used.")
            return
        self._tokens.save(token)   # a failure to store is logged there; use it this session
        self._token = token
        self.paired.emit()
        if self._session_unpaired and not self._handover:
            self._begin_handover()
