"""ApiSource (the retired Teams local API, opt-in) through TeamsMonitor, against the
stand-in server: readings for any client, the link's events, pairing, stale last words."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from devicecheck.audit import AuditLog
from devicecheck.policy import Policy
from devicecheck.policy.model import TeamsPolicy
from devicecheck.teams.localapi import TeamsApiClient
from devicecheck.teams.monitor import TeamsMonitor
from devicecheck.teams.sources.api import ApiSource
from devicecheck.teams.sources.base import ANY_CLIENT
from devicecheck.teams.token import TokenStore
from tests.teams.conftest import CLIENT_EXE, FakeTeamsProcess, own_find
from tests.teams.fakeserver import FakeTeamsServer

NAMES = {"teams-for-linux": frozenset({CLIENT_EXE})}


def names(client: str, _os: str) -> frozenset[str]:
    return NAMES.get(client, frozenset())


def api_client(monitor: TeamsMonitor) -> TeamsApiClient:
    """The local API client of the monitor's ``api`` source (the monitor knows no source
    by name)."""
    source = monitor.sources["api"]
    assert isinstance(source, ApiSource)
    return source.client


def api_policy(url: str, grace: int = 0) -> Policy:
    return replace(Policy(), teams=TeamsPolicy(local_api=True, local_api_url=url,
                                               meeting_end_grace_seconds=grace))


class Events:
    def __init__(self, monitor: TeamsMonitor) -> None:
        self.items: list[tuple[float, str, dict[str, Any]]] = []
        monitor.teamsEvent.connect(self.on_event)

    def on_event(self, name: str, detail: dict[str, Any]) -> None:
        self.items.append((time.monotonic(), name, detail))

    def names(self) -> list[str]:
        return [n for _, n, _ in self.items if n != "signals"]

    def detail(self, name: str) -> dict[str, Any]:
        return next(d for _, n, d in self.items if n == name)

    def count(self, name: str) -> int:
        return self.names().count(name)


@pytest.fixture
def make_monitor(tmp_path: Path) -> Iterator[Any]:
    made: list[TeamsMonitor] = []

    def make(url: str, grace: int = 0, **kwargs: Any) -> tuple[TeamsMonitor, Events]:
        defaults: dict[str, Any] = {
            "sources": ["api"], "os_name": "linux", "process_names": names,
            "client_ids": ("teams-for-linux",), "find": own_find, "auto_clean": False,
            "audit": AuditLog(tmp_path / "audit.jsonl"),
            "token_store": TokenStore(tmp_path / "teams-token"), "process_poll_ms": 100,
            "idle_rescan_s": 0.2, "min_backoff_ms": 50, "max_backoff_ms": 200}
        monitor = TeamsMonitor(api_policy(url, grace), **{**defaults, **kwargs})
        made.append(monitor)
        return monitor, Events(monitor)

    yield make
    for m in made:
        m.stop()


def test_the_api_is_off_unless_the_policy_switches_it_on(make_monitor: Any) -> None:
    monitor = TeamsMonitor(Policy(), os_name="linux", client_ids=(), process_names=names,
                           find=own_find, auto_clean=False)
    try:
        assert "api" not in monitor.sources
    finally:
        monitor.stop()
    on, _ = make_monitor("ws://127.0.0.1:1")
    assert isinstance(on.sources.get("api"), ApiSource)


def test_permission_only_frames_start_and_end_a_meeting(qtbot: Any,
                                                        make_monitor: Any) -> None:
    # Never approved: the client stays unpaired and sees permissions alone.
    server = FakeTeamsServer(approve_pairing=False)
    server.start()
    try:
        monitor, ev = make_monitor(server.url)
        monitor.start()
        qtbot.waitUntil(lambda: ev.count("teams-connected") == 1, timeout=5000)
        assert ev.detail("teams-connected") == {"paired": False}
        server.send_permissions_only()                  # canLeave true: a call is on
        qtbot.waitUntil(lambda: ev.count("meeting-started") == 1, timeout=5000)
        assert ev.detail("meeting-started")["source"] == "api"
        assert monitor.readings()["api"] == {"meeting": [ANY_CLIENT], "recording": []}
        server.send_idle()                              # all false: the call is over
        qtbot.waitUntil(lambda: ev.count("meeting-ended") == 1, timeout=5000)
        assert ev.names() == ["teams-connected", "meeting-started", "meeting-ended"]
        assert server.connections == 1
    finally:
        server.close()


def test_pairing_mid_meeting_keeps_the_meeting_and_the_link_up(
        qtbot: Any, fake_teams: FakeTeamsServer, make_monitor: Any, tmp_path: Path) -> None:
    monitor, ev = make_monitor(fake_teams.url, grace=0)
    monitor.start()
    qtbot.waitUntil(lambda: ev.count("teams-connected") == 1, timeout=5000)
    fake_teams.send_meeting_update(in_meeting=True, recording=True)   # canPair: pairs
    qtbot.waitUntil(lambda: fake_teams.connections == 2 and fake_teams.client_count == 1,
                    timeout=5000)
    assert fake_teams.queries[1]["token"] == fake_teams.token
    assert TokenStore(tmp_path / "teams-token").load() == fake_teams.token
    assert api_client(monitor).has_token
    fake_teams.send_meeting_update(in_meeting=True, recording=False)
    qtbot.waitUntil(lambda: ev.count("recording-stopped") == 1, timeout=5000)
    # One meeting, one link: the planned reconnect is neither a drop nor a meeting end.
    assert ev.names() == ["teams-connected", "meeting-started", "recording-started",
                          "recording-stopped"]
    assert monitor.in_meeting


def test_a_drop_is_announced_and_the_last_word_held_while_teams_runs(
        qtbot: Any, fake_teams: FakeTeamsServer, teams_process: FakeTeamsProcess,
        make_monitor: Any) -> None:
    monitor, ev = make_monitor(fake_teams.url, grace=1)
    teams_process.start()
    monitor.start()
    qtbot.waitUntil(lambda: ev.count("teams-connected") == 1 and ev.count("teams-started") == 1,
                    timeout=5000)
    fake_teams.send_meeting_update(in_meeting=True, can_pair=False)
    qtbot.waitUntil(lambda: monitor.in_meeting, timeout=5000)
    fake_teams.close()                               # the API goes away; Teams still runs
    qtbot.waitUntil(lambda: ev.count("teams-disconnected") == 1, timeout=5000)
    assert monitor.readings()["api"] == {"meeting": [ANY_CLIENT], "recording": [],
                                         "stale": True}
    qtbot.wait(1500)                                 # longer than the grace
    assert monitor.in_meeting and ev.count("meeting-ended") == 0
    teams_process.stop()                             # Teams gone too: the word is dropped
    qtbot.waitUntil(lambda: ev.count("meeting-ended") == 1, timeout=6000)


def test_a_dead_last_word_does_not_come_back_when_teams_starts_again(
        qtbot: Any, teams_process: FakeTeamsProcess, make_monitor: Any) -> None:
    server = FakeTeamsServer()
    server.start()
    port = server.port
    monitor, ev = make_monitor(server.url, grace=0)
    teams_process.start()
    monitor.start()
    qtbot.waitUntil(lambda: ev.count("teams-connected") == 1 and ev.count("teams-started") == 1,
                    timeout=5000)
    server.send_meeting_update(in_meeting=True, can_pair=False)
    qtbot.waitUntil(lambda: monitor.in_meeting, timeout=5000)
    server.close()                                   # Teams crashes: API and process
    teams_process.stop()
    qtbot.waitUntil(lambda: ev.count("meeting-ended") == 1, timeout=6000)
    # Teams starts again and its API says nothing yet (no greeting).
    again = FakeTeamsServer(greet=False)
    again.start(port)
    try:
        teams_process.start()
        qtbot.waitUntil(lambda: ev.count("teams-connected") == 2 and ev.count("teams-started") == 2,
                        timeout=10000)
        qtbot.waitUntil(lambda: "api" in monitor.readings(), timeout=5000)
        assert monitor.readings()["api"] == {"meeting": [], "recording": []}
        assert not monitor.in_meeting and ev.count("meeting-started") == 1
    finally:
        again.close()


def test_teams_dropping_at_once_is_not_hammered(qtbot: Any, make_monitor: Any) -> None:
    server = FakeTeamsServer(close_on_open=True)
    server.start()
    try:
        monitor, ev = make_monitor(server.url, min_backoff_ms=50, max_backoff_ms=400)
        monitor.start()
        qtbot.waitUntil(lambda: ev.count("teams-disconnected") >= 4, timeout=15000)
        assert api_client(monitor)._backoff > 50
        assert ev.count("teams-connected") == ev.count("teams-disconnected")
        assert not monitor.in_meeting
    finally:
        server.close()
