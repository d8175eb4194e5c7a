"""The Teams third-party app API as one optional source (``api``), off by default.

Microsoft retired the API in 2026 (MC1266901; its switch gone from new Teams, nothing on
port 8124 in 2026 builds: shared/reference/teams.md, "2026"). IT can switch it on with
``[teams] local_api = true`` where a tenant still has it. It sees meetings and recording
without naming a client (``ANY_CLIENT``). When the connection drops while it said "in a
meeting", its last word is kept as a *stale* reading: the state machine holds it while a
Teams client runs and drops it once none does. After a reconnect that word stays stale
until Teams speaks on the new connection (Teams volunteers state only when it changes).
Frames with permissions alone (an unpaired client's view) count too: ``protocol.py`` says
why ``canLeave`` means a call and an all-false frame means none. The link's own events,
``teams-connected`` / ``teams-disconnected``, go to the monitor through ``ctx.announce``;
the one planned reconnect after pairing is not reported as either (``localapi.py``).
"""

from __future__ import annotations

import socket
from typing import Any

from PySide6.QtCore import QObject, QUrl

from devicecheck.teams.sources.base import (
    ANY_CLIENT,
    MEETING,
    RECORDING,
    Reading,
    SignalSource,
    reading_dict,
)

TEAMS_CONNECTED = "teams-connected"
TEAMS_DISCONNECTED = "teams-disconnected"


class ApiSource(SignalSource):
    name = "api"
    kinds = frozenset({MEETING, RECORDING})
    needs_running = False          # it retries quietly with backoff; Teams starting resets it
    describes = "the Teams local API"

    def __init__(self, ctx: Any, emit: Any) -> None:
        super().__init__(ctx, emit)
        from devicecheck.teams.localapi import TeamsApiClient

        policy = ctx.policy
        opts = ctx.options
        self.client = TeamsApiClient(
            policy.teams.local_api_url, token_store=opts.get("token_store"),
            manufacturer=policy.organisation.name or "DeviceCheck",
            min_backoff_ms=opts.get("min_backoff_ms", 1000),
            max_backoff_ms=opts.get("max_backoff_ms", 60_000),
            stable_after_ms=opts.get("api_stable_after_ms", 5000),
            pair_retry_ms=opts.get("api_pair_retry_ms", 30_000),
            parent=opts.get("parent") if isinstance(opts.get("parent"), QObject) else None)
        self.client.connected.connect(self._on_connected)
        self.client.disconnected.connect(self._on_disconnected)
        self.client.meetingUpdate.connect(self._on_update)
        self._in_meeting = False
        self._recording = False
        self._fresh = False            # Teams has spoken on the current connection
        self._running: frozenset[str] = frozenset()

    def start(self) -> None:
        self.client.start()

    def stop(self) -> None:
        self.client.stop()

    def processes(self, pids: Any) -> None:
        super().processes(pids)
        running = frozenset(c for c, p in pids.items() if p)
        if running - self._running:
            self.client.retry_now()   # Teams just started: do not wait out the backoff
        if not running and not self.client.is_connected:
            # No Teams and no link: the last word is dead (the state machine has dropped
            # it too) and must not come back to life when Teams next starts.
            self._in_meeting = self._recording = False
        self._running = running

    def _reading(self, *, stale: bool = False) -> Reading:
        meeting = (ANY_CLIENT,) if self._in_meeting or self._recording else ()
        recording = (ANY_CLIENT,) if self._recording else ()
        return Reading.of(meeting, recording, stale=stale and bool(meeting))

    def _on_connected(self) -> None:
        self._fresh = False
        self.ctx.announce(TEAMS_CONNECTED, {"paired": self.client.has_token})
        # Until Teams speaks on this connection, the last word from before is all we have.
        self.emit(self._reading(stale=True))

    def _on_disconnected(self) -> None:
        self._fresh = False
        self.ctx.announce(TEAMS_DISCONNECTED, {})
        # Its last word, held only while a Teams client runs (see the module docstring).
        self.emit(self._reading(stale=True))

    def _on_update(self, in_meeting: bool | None, recording: bool | None) -> None:
        # None: the frame does not say (absent or unreadable): keep the previous value,
        # never guess. "Not in a meeting" also ends a recording the frame does not mention.
        if in_meeting is not None:
            self._in_meeting = in_meeting
        if recording is not None:
            self._recording = recording
        elif in_meeting is False:
            self._recording = False
        if in_meeting is not None or recording is not None:
            self._fresh = True
        self.emit(self._reading(stale=not self._fresh))

    def snapshot(self) -> dict[str, Any]:
        url = QUrl(self.ctx.policy.teams.local_api_url)
        host, port = url.host() or "127.0.0.1", url.port(8124)
        try:
            with socket.create_connection((host, port), timeout=0.5):
                listening = True
        except OSError:
            listening = False
        return {**reading_dict(self.last), "listening": listening,
                "connected": self.client.is_connected, "paired": self.client.has_token,
                "address": f"{host}:{port}"}
