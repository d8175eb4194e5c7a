"""The Teams local API client against the stand-in server (and two raw-socket oddities)."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import socket
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devicecheck.probes.processes import ProcInfo
from devicecheck.teams import flood
from devicecheck.teams.localapi import TeamsApiClient
from devicecheck.teams.token import TokenStore
from tests.teams.fakeserver import PAIRING_REFUSED, FakeTeamsServer, meeting_update


class Recorder:
    """Collects the client's signals (bound methods, not lambdas: see the common rules)."""

    def __init__(self, client: TeamsApiClient) -> None:
        self.events: list[Any] = []
        client.connected.connect(self.on_connected)
        client.disconnected.connect(self.on_disconnected)
        client.meetingUpdate.connect(self.on_update)
        client.paired.connect(self.on_paired)

    def on_connected(self) -> None:
        self.events.append("connected")

    def on_disconnected(self) -> None:
        self.events.append("disconnected")

    def on_update(self, in_meeting: bool | None, recording: bool | None) -> None:
        self.events.append((in_meeting, recording))

    def on_paired(self) -> None:
        self.events.append("paired")

    def count(self, item: Any) -> int:
        return self.events.count(item)


@pytest.fixture
def store(tmp_path: Path) -> TokenStore:
    return TokenStore(tmp_path / "data" / "teams-token")


@pytest.fixture
def client_for(store: TokenStore) -> Iterator[Any]:
    made: list[TeamsApiClient] = []

    def make(url: str, **kwargs: Any) -> tuple[TeamsApiClient, Recorder]:
        kwargs = {"min_backoff_ms": 50, "max_backoff_ms": 400, **kwargs}
        client = TeamsApiClient(url, token_store=store, **kwargs)
        made.append(client)
        return client, Recorder(client)

    yield make
    for c in made:
        c.stop()


class FakeClock:
    """A monotonic clock the test moves: how long a connection "lived" must not depend on
    how loaded the machine is."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class NextRetry:
    """Records, at each reported disconnect, how long the client waits before retrying."""

    def __init__(self, client: TeamsApiClient) -> None:
        self.client, self.seen = client, list[int | None]()
        client.disconnected.connect(self.on_disconnected)

    def on_disconnected(self) -> None:
        self.seen.append(self.client.next_retry_ms)


class StopListeningOnPair:
    def __init__(self, server: FakeTeamsServer) -> None:
        self.server = server
        server.actionReceived.connect(self.on_action)

    def on_action(self, action: dict[str, Any]) -> None:
        if action.get("action") == "pair":
            self.server._server.close()


def test_pairing_stores_the_token_and_reconnects_once_with_it(
        qtbot: Any, fake_teams: FakeTeamsServer, client_for: Any, store: TokenStore,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client, rec = client_for(fake_teams.url)
    client.start()
    qtbot.waitUntil(lambda: rec.count("connected") == 1, timeout=5000)
    assert fake_teams.queries[0] == {"token": "", "protocol-version": "2.0.0",
                                     "manufacturer": "DeviceCheck", "device": "DeviceCheck",
                                     "app": "DeviceCheck", "app-version": fake_teams.queries[0][
                                         "app-version"]}
    assert fake_teams.queries[0]["app-version"]
    fake_teams.send_meeting_update(in_meeting=True)      # unpaired: canPair, so pair
    qtbot.waitUntil(lambda: rec.count("paired") == 1, timeout=5000)
    assert [a["action"] for a in fake_teams.actions] == ["pair"]
    assert store.load() == fake_teams.token
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    # The first token of an unpaired session: one reconnect carrying it, and Teams'
    # opening frame again on the paired session.
    qtbot.waitUntil(lambda: fake_teams.connections == 2 and fake_teams.client_count == 1,
                    timeout=5000)
    assert fake_teams.queries[1]["token"] == fake_teams.token   # "+/=" survive encoding
    qtbot.waitUntil(lambda: rec.count((True, False)) == 2, timeout=5000)
    # The planned reconnect is not a drop: listeners saw one connection throughout.
    assert rec.count("connected") == 1 and rec.count("disconnected") == 0
    assert client.is_connected and client.connections == 2
    # Teams rotating the token on the paired session: stored, and no reconnect loop.
    fake_teams.send_token_refresh("rotated-token")
    qtbot.waitUntil(lambda: store.load() == "rotated-token", timeout=5000)
    fake_teams.send_meeting_update(in_meeting=True, recording=True)   # a marker frame
    qtbot.waitUntil(lambda: (True, True) in rec.events, timeout=5000)
    assert fake_teams.connections == 2 and len(fake_teams.actions) == 1
    fake_teams.drop()
    qtbot.waitUntil(lambda: rec.count("connected") == 2, timeout=5000)
    assert fake_teams.queries[2]["token"] == "rotated-token"
    assert rec.count("disconnected") == 1
    assert fake_teams.token not in caplog.text and "rotated-token" not in caplog.text


def test_meeting_and_recording_updates(qtbot: Any, fake_teams: FakeTeamsServer,
                                       client_for: Any) -> None:
    client, rec = client_for(fake_teams.url)
    client.start()
    # Teams greets with an ack and its idle frame (permissions only, all false).
    qtbot.waitUntil(lambda: rec.events == ["connected", (False, None)], timeout=5000)
    for in_meeting, recording in [(True, False), (True, True), (True, False), (False, False)]:
        fake_teams.send_meeting_update(in_meeting=in_meeting, recording=recording,
                                       can_pair=False)
    qtbot.waitUntil(lambda: len(rec.events) == 6, timeout=5000)
    assert rec.events[2:] == [(True, False), (True, True), (True, False), (False, False)]


def test_permission_only_frames_say_whether_a_call_is_on(qtbot: Any, client_for: Any) -> None:
    # An unpaired client is sent permissions alone; it may stay unpaired (no approval).
    server = FakeTeamsServer(approve_pairing=False)
    server.start()
    try:
        client, rec = client_for(server.url)
        client.start()
        qtbot.waitUntil(lambda: (False, None) in rec.events, timeout=5000)
        server.send_permissions_only()                        # canLeave: a call is on
        qtbot.waitUntil(lambda: (True, None) in rec.events, timeout=5000)
        assert [a["action"] for a in server.actions] == ["pair"]   # canPair was true
        server.send_permissions_only(canLeave=False, canPair=False)  # mixed: unknown
        server.send_idle()                                    # all false: no call
        qtbot.waitUntil(lambda: len(rec.events) == 5, timeout=5000)
        assert rec.events[2:] == [(True, None), (None, None), (False, None)]
        assert client.connections == 1 and not client.has_token
    finally:
        server.close()


def test_a_stored_token_teams_dropped_is_replaced(
        qtbot: Any, client_for: Any, store: TokenStore,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="devicecheck.teams")
    assert store.save("old-token")
    server = FakeTeamsServer(token="new-token")
    server.start()
    try:
        client, rec = client_for(server.url)
        assert client.has_token
        client.start()
        qtbot.waitUntil(lambda: rec.count("connected") == 1, timeout=5000)
        assert server.queries[0]["token"] == "old-token"
        # canPair although we sent a token: Teams no longer knows it. Pair again.
        server.send_meeting_update(in_meeting=True)
        qtbot.waitUntil(lambda: server.connections == 2 and server.client_count == 1,
                        timeout=5000)
        assert [a["action"] for a in server.actions] == ["pair"]
        assert server.queries[1]["token"] == "new-token"
        assert store.load() == "new-token" and rec.count("disconnected") == 0
        assert "no longer accepts" in caplog.text
        assert "old-token" not in caplog.text and "new-token" not in caplog.text
    finally:
        server.close()


def _pairs(server: FakeTeamsServer) -> int:
    return sum(a.get("action") == "pair" for a in server.actions)


@pytest.mark.parametrize(("reply", "retry_ms", "pairs"), [
    ("Success", 0, 1),              # no refusal: one ask per connection
    (PAIRING_REFUSED, 0, 2),        # refused: the next canPair frame asks again
    (PAIRING_REFUSED, 60_000, 1),   # ... but not sooner than pair_retry_ms after the last
])
def test_pairing_is_rearmed_only_by_a_refusal(qtbot: Any, client_for: Any, reply: str,
                                              retry_ms: int, pairs: int) -> None:
    server = FakeTeamsServer(approve_pairing=False, pair_reply=reply)
    server.start()
    try:
        client, rec = client_for(server.url, pair_retry_ms=retry_ms)
        client.start()
        qtbot.waitUntil(lambda: rec.count("connected") == 1, timeout=5000)
        server.send_meeting_update(in_meeting=True)
        qtbot.waitUntil(lambda: _pairs(server) == 1, timeout=5000)
        # The reply to that pair is on the wire before these frames: frames keep order.
        server.send_meeting_update(in_meeting=True)
        server.send_meeting_update(in_meeting=True, recording=True, can_pair=False)  # marker
        qtbot.waitUntil(lambda: (True, True) in rec.events, timeout=5000)
        qtbot.waitUntil(lambda: _pairs(server) >= pairs, timeout=5000)
        assert _pairs(server) == pairs
        assert not client.has_token and client.connections == 1
    finally:
        server.close()


def test_a_refusal_after_the_grant_keeps_the_token(qtbot: Any, client_for: Any,
                                                  store: TokenStore) -> None:
    # One public capture saw the refusal text answer ``pair`` itself, after the grant.
    server = FakeTeamsServer(pair_reply=PAIRING_REFUSED)
    server.start()
    try:
        client, rec = client_for(server.url, pair_retry_ms=0)
        client.start()
        qtbot.waitUntil(lambda: rec.count("connected") == 1, timeout=5000)
        server.send_meeting_update(in_meeting=True)
        qtbot.waitUntil(lambda: server.connections == 2 and server.client_count == 1,
                        timeout=5000)
        qtbot.waitUntil(lambda: rec.count((True, False)) == 2, timeout=5000)
        assert store.load() == server.token and client.has_token
        assert _pairs(server) == 1 and rec.count("disconnected") == 0
    finally:
        server.close()


def test_a_reconnect_with_the_new_token_that_fails_is_a_disconnect(
        qtbot: Any, fake_teams: FakeTeamsServer, client_for: Any, store: TokenStore) -> None:
    client, rec = client_for(fake_teams.url)
    client.start()
    qtbot.waitUntil(lambda: rec.count("connected") == 1, timeout=5000)

    hook = StopListeningOnPair(fake_teams)   # Teams goes away just as it grants the pairing
    fake_teams.send_meeting_update(in_meeting=True)
    qtbot.waitUntil(lambda: rec.count("disconnected") == 1, timeout=5000)
    assert store.load() == fake_teams.token and rec.count("connected") == 1
    assert hook.server is fake_teams


def test_teams_closing_right_after_open_does_not_reset_the_backoff(
        qtbot: Any, client_for: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="devicecheck.teams")
    clock = FakeClock()   # never moves: every connection lives 0 s
    server = FakeTeamsServer(close_on_open=True)
    server.start()
    try:
        client, rec = client_for(server.url, min_backoff_ms=50, max_backoff_ms=400,
                                 clock=clock)
        client.start()
        qtbot.waitUntil(lambda: rec.count("disconnected") >= 5, timeout=15000)
        # 50, 100, 200, 400, 400 ms: the backoff kept growing although each attempt got in.
        assert client._backoff == client.max_backoff_ms
        assert rec.count("connected") == rec.count("disconnected")
        assert len([r for r in caplog.records if "within" in r.getMessage()]) == 1
        # Teams settles: a connection that lasts resets the backoff when it ends.
        server.close_on_open = False
        qtbot.waitUntil(lambda: client.is_connected and server.client_count == 1,
                        timeout=5000)
        clock.now += 6.0
        waits = NextRetry(client)
        server.drop()
        qtbot.waitUntil(lambda: bool(waits.seen), timeout=5000)
        assert waits.seen == [client.min_backoff_ms]
    finally:
        server.close()


def test_garbage_frames_are_survived_and_logged_once(
        qtbot: Any, fake_teams: FakeTeamsServer, client_for: Any,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="devicecheck.teams")
    client, rec = client_for(fake_teams.url)
    client.start()
    qtbot.waitUntil(lambda: fake_teams.client_count == 1, timeout=5000)
    fake_teams.send_garbage()
    fake_teams.send_garbage()
    fake_teams.send_meeting_update(in_meeting=True, recording=True, can_pair=False)
    qtbot.waitUntil(lambda: (True, True) in rec.events, timeout=5000)
    assert client.is_connected and rec.count("disconnected") == 0
    # Garbage never invents a meeting: only the real update said True.
    assert [e for e in rec.events if isinstance(e, tuple) and e[0]] == [(True, True)]
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 3   # malformed, unknown kind, binary: each once
    assert sum("binary" in w for w in warnings) == 1


def test_abrupt_disconnect_is_reported_once_and_reconnected(
        qtbot: Any, fake_teams: FakeTeamsServer, client_for: Any) -> None:
    client, rec = client_for(fake_teams.url)
    client.start()
    qtbot.waitUntil(lambda: rec.count("connected") == 1, timeout=5000)
    fake_teams.drop()
    qtbot.waitUntil(lambda: rec.count("connected") == 2, timeout=5000)
    assert rec.count("disconnected") == 1
    fake_teams.close_clients()                      # a clean close frame this time
    qtbot.waitUntil(lambda: rec.count("connected") == 3, timeout=5000)
    assert rec.count("disconnected") == 2


def test_nothing_listening_retries_with_capped_backoff_and_logs_once(
        qtbot: Any, client_for: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="devicecheck.teams")
    with socket.socket() as s:   # a port that was free a moment ago: nothing listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client, rec = client_for(f"ws://127.0.0.1:{port}", min_backoff_ms=50, max_backoff_ms=200)
    client.start()
    qtbot.wait(1500)
    # 50 + 100 + 200 + 200 ... ms: about 8 attempts in 1.5 s, far fewer than a busy loop.
    assert 4 <= client.attempts <= 12
    assert rec.events == []
    assert len([r for r in caplog.records if "not reachable" in r.getMessage()]) == 1


def test_teams_starting_later_is_found_and_retry_now_skips_the_wait(
        qtbot: Any, client_for: Any) -> None:
    server = FakeTeamsServer()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client, rec = client_for(f"ws://127.0.0.1:{port}", min_backoff_ms=5000,
                             max_backoff_ms=60_000)
    client.start()
    qtbot.waitUntil(lambda: client.attempts == 1, timeout=2000)
    qtbot.wait(200)
    server.start(port)
    try:
        client.retry_now()
        qtbot.waitUntil(lambda: rec.count("connected") == 1, timeout=2000)
    finally:
        server.close()


def _raw_server(behaviour: str) -> tuple[int, threading.Event, threading.Thread]:
    """A WebSocket server on a raw socket, serving the first connection that sends a
    request: ``half-close`` answers the handshake, sends one update and shuts its sending
    side; ``silent`` never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(10)
    done = threading.Event()

    def serve() -> None:
        with listener:
            while not done.is_set():
                try:
                    conn, _ = listener.accept()
                except OSError:
                    return
                with conn:
                    conn.settimeout(10)
                    request = b""
                    while b"\r\n\r\n" not in request:
                        chunk = conn.recv(4096)
                        if not chunk:
                            break   # the client's TCP probe: wait for the real connection
                        request += chunk
                    else:
                        answer(conn, request)
                        done.wait(10)
                        return

    def answer(conn: socket.socket, request: bytes) -> None:
        if behaviour == "half-close":
            key = next(line.split(b":", 1)[1].strip() for line in request.split(b"\r\n")
                       if line.lower().startswith(b"sec-websocket-key"))
            accept = base64.b64encode(hashlib.sha1(
                key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())  # RFC 6455 handshake, not security
            conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                         b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept
                         + b"\r\n\r\n")
            payload = json.dumps(meeting_update(in_meeting=True, can_pair=False)).encode()
            conn.sendall(bytes([0x81, 126]) + len(payload).to_bytes(2, "big") + payload)
            conn.shutdown(socket.SHUT_WR)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return listener.getsockname()[1], done, thread


def test_half_closed_socket_counts_as_a_drop(qtbot: Any, client_for: Any,
                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="devicecheck.teams")
    port, done, thread = _raw_server("half-close")
    client, rec = client_for(f"ws://127.0.0.1:{port}", min_backoff_ms=5000)
    try:
        client.start()
        qtbot.waitUntil(lambda: rec.count("disconnected") == 1, timeout=5000)
        assert rec.events == ["connected", (True, False), "disconnected"]
        assert len([r for r in caplog.records if "closed" in r.getMessage()]) == 1
    finally:
        done.set()
        thread.join(5)


def test_a_server_that_never_answers_times_out_and_retries(qtbot: Any,
                                                          client_for: Any) -> None:
    port, done, thread = _raw_server("silent")
    client, rec = client_for(f"ws://127.0.0.1:{port}", connect_timeout_ms=300,
                             min_backoff_ms=5000)
    try:
        client.start()
        qtbot.waitUntil(lambda: client._retry.isActive(), timeout=3000)
        assert rec.events == [] and client.attempts == 1
    finally:
        done.set()
        thread.join(5)


def test_stop_is_a_quiet_disconnect(qtbot: Any, fake_teams: FakeTeamsServer,
                                    client_for: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="devicecheck.teams")
    client, rec = client_for(fake_teams.url)
    client.start()
    qtbot.waitUntil(lambda: rec.count("connected") == 1, timeout=5000)
    client.stop()
    qtbot.waitUntil(lambda: rec.count("disconnected") == 1, timeout=5000)
    assert not [r for r in caplog.records if "closed" in r.getMessage()]
    assert client.next_retry_ms is None and fake_teams.connections == 1


def test_a_non_websocket_url_is_refused_safely(client_for: Any,
                                               caplog: pytest.LogCaptureFixture) -> None:
    client, _ = client_for("http://127.0.0.1:8124")
    client.start()
    assert client.attempts == 0 and "not a ws:// URL" in caplog.text


def test_an_unverified_listener_gets_no_token_and_no_pairing(
        qtbot: Any, fake_teams: FakeTeamsServer, client_for: Any, store: TokenStore,
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Issue 17, item 3: a listener on the port while Teams is closed received the token."""
    from devicecheck.teams import localapi

    caplog.set_level(logging.INFO, logger="devicecheck.teams")
    store.save("the-officers-token")
    monkeypatch.setattr(localapi, "PEER_CHECK", lambda _h, _p: "not the officer's Teams")
    client, rec = client_for(fake_teams.url)
    client.start()
    qtbot.waitUntil(lambda: rec.count("connected") == 1, timeout=5000)
    assert fake_teams.queries[0]["token"] == ""
    fake_teams.send_meeting_update(in_meeting=True, can_pair=True)
    fake_teams.send_token_refresh("planted-token")
    fake_teams.send_meeting_update(in_meeting=True, recording=True, can_pair=True)
    qtbot.waitUntil(lambda: (True, True) in rec.events, timeout=5000)
    assert fake_teams.actions == []                       # never asked to pair
    assert store.load() == "the-officers-token"           # kept, not replaced or dropped
    fake_teams.drop()
    qtbot.waitUntil(lambda: fake_teams.connections == 2, timeout=5000)
    assert fake_teams.queries[1]["token"] == ""
    assert len([r for r in caplog.records
                if "connecting without the pairing token" in r.getMessage()]) == 1


def test_the_real_peer_check_refuses_a_listener_that_is_not_teams(
        fake_teams: FakeTeamsServer) -> None:
    from devicecheck.teams.peer import teams_listener_problem

    # The stand-in runs inside pytest, which is no catalogued Teams process.
    assert teams_listener_problem("127.0.0.1", fake_teams.port) is not None
    assert teams_listener_problem("127.0.0.1", fake_teams.port, os_name="linux",
                                  find=lambda *_a, **_k: [ProcInfo(os.getpid(), "teams")],
                                  listens=lambda pid, port: port == fake_teams.port) is None
    why = teams_listener_problem("127.0.0.1", 1, os_name="linux",
                                 find=lambda *_a, **_k: [ProcInfo(os.getpid(), "teams")],
                                 listens=lambda pid, port: False)
    assert why is not None and "not the officer's Teams" in why


def test_a_frame_flood_drops_the_connection_and_backs_off(
        qtbot: Any, fake_teams: FakeTeamsServer, client_for: Any,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="devicecheck.teams")
    client, rec = client_for(fake_teams.url)
    retries = NextRetry(client)
    client.start()
    qtbot.waitUntil(lambda: rec.count("connected") == 1, timeout=5000)
    for _ in range(flood.MAX_FRAMES_PER_SECOND * 3):
        fake_teams.send_idle()
    qtbot.waitUntil(lambda: rec.count("disconnected") == 1, timeout=10000)
    assert retries.seen[0] is not None and retries.seen[0] >= flood.FLOOD_BACKOFF_MS
    assert len([r for r in caplog.records if "frames in a second" in r.getMessage()]) == 1


def test_a_ping_flood_is_dropped_before_pongs_pile_up(qtbot: Any, client_for: Any,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    """Issue 17: a peer pinging without reading grew the watcher to 2.8 GB."""
    from tests.teams.fakeserver import PingFloodServer

    caplog.set_level(logging.INFO, logger="devicecheck.teams")
    server = PingFloodServer()
    client, rec = client_for(server.url)
    retries = NextRetry(client)
    try:
        client.start()
        qtbot.waitUntil(lambda: rec.count("disconnected") == 1, timeout=30000)
        assert retries.seen[0] is not None and retries.seen[0] >= flood.FLOOD_BACKOFF_MS
        assert any("queued" in r.getMessage() for r in caplog.records)
        assert server.peer_closed.wait(20)
    finally:
        client.stop()
        server.close()


def test_frame_rate_counts_in_one_second_windows() -> None:
    now = [100.0]
    rate = flood.FrameRate(lambda: now[0], limit=3)
    rate.reset()
    assert [rate.count() for _ in range(4)] == [True, True, True, False]
    now[0] += 1.0  # a new window: counting starts again
    assert rate.count()
