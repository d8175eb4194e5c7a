"""TeamsMonitor: server messages and processes in, pinned events and clean-ups out.
The cleaner is injected here (tests/teams/test_autoclean_e2e.py uses the real one)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from devicecheck.audit import AuditLog
from devicecheck.policy import Policy
from devicecheck.policy.model import CleanerPolicy, TeamsPolicy
from devicecheck.probes.processes import ProcInfo
from devicecheck.probes.registry import DictRegistry
from devicecheck.teams.capability import CONSENT_STORE
from devicecheck.teams.handoff import CleanOutcome, MeetingCheck
from devicecheck.teams.monitor import EVENTS, TeamsMonitor
from devicecheck.teams.token import TokenStore
from tests.teams.conftest import CLIENT_EXE, FakeTeamsProcess, own_find
from tests.teams.fakeserver import FakeTeamsServer

NAMES = {"teams-for-linux": frozenset({CLIENT_EXE}), "teams-new": frozenset({"ms-teams.exe"})}


def names(client: str, _os: str) -> frozenset[str]:
    return NAMES.get(client, frozenset())


class FakeCleaner:
    """Stands in for the link's ``Cleaner`` (``teams/handoff.py``): records the cleans,
    refuses running clients; no restart is expected of it."""

    def __init__(self, proc: FakeTeamsProcess | None = None, fail: bool = False) -> None:
        self.calls: list[dict[str, Any]] = []
        self.proc, self.fail = proc, fail
        self.thread_names: list[str] = []

    def clean(self, clients: Sequence[str]) -> CleanOutcome:
        self.calls.append({"client_ids": list(clients)})
        self.thread_names.append(threading.current_thread().name)
        if self.fail:
            raise OSError("disk on fire")
        running = self.proc is not None and self.proc.running
        return CleanOutcome(refused=tuple(clients) if running else (), removed_files=3,
                            removed_bytes=300)

    def restart_and_clean(self, clients: Sequence[str], *, meeting_on: MeetingCheck,
                          automatic: bool) -> CleanOutcome:
        raise AssertionError("this test's link was not meant to restart Teams")


class Events:
    def __init__(self, monitor: TeamsMonitor) -> None:
        self.items: list[tuple[float, str, dict[str, Any]]] = []
        monitor.teamsEvent.connect(self.on_event)

    def on_event(self, name: str, detail: dict[str, Any]) -> None:
        self.items.append((time.monotonic(), name, detail))

    def names(self) -> list[str]:
        return [n for _, n, _ in self.items]

    def first(self, name: str) -> tuple[float, dict[str, Any]]:
        return next((t, d) for t, n, d in self.items if n == name)

    def has(self, name: str, count: int = 1) -> bool:
        return self.names().count(name) >= count


def make_policy(url: str, grace: int = 1, **cleaner: Any) -> Policy:
    base = Policy()
    return replace(base, teams=TeamsPolicy(local_api=True, local_api_url=url,
                                           meeting_end_grace_seconds=grace),
                   cleaner=replace(CleanerPolicy(), **cleaner))


@pytest.fixture
def make_monitor(tmp_path: Path) -> Iterator[Any]:
    made: list[TeamsMonitor] = []

    def make(policy: Policy, **kwargs: Any) -> tuple[TeamsMonitor, Events]:
        defaults: dict[str, Any] = {
            "process_names": names, "client_ids": ("teams-for-linux", "teams-web"),
            "find": own_find, "audit": AuditLog(tmp_path / "audit.jsonl"),
            "token_store": TokenStore(tmp_path / "teams-token"), "process_poll_ms": 100,
            "idle_rescan_s": 0.2, "min_backoff_ms": 50, "max_backoff_ms": 200,
            "os_name": "linux", "sources": ["api"]}
        monitor = TeamsMonitor(policy, **{**defaults, **kwargs})
        made.append(monitor)
        return monitor, Events(monitor)

    yield make
    for m in made:
        m.stop()


def test_full_meeting_then_clean_when_teams_exits(
        qtbot: Any, fake_teams: FakeTeamsServer, teams_process: FakeTeamsProcess,
        make_monitor: Any, tmp_path: Path) -> None:
    cleaner = FakeCleaner(teams_process)
    monitor, ev = make_monitor(make_policy(fake_teams.url), cleaner=cleaner)
    assert monitor.clients == ("teams-for-linux",)   # a browser is not Teams
    teams_process.start()
    monitor.start()
    qtbot.waitUntil(lambda: ev.has("teams-started") and ev.has("teams-connected"), timeout=5000)
    fake_teams.send_meeting_update(in_meeting=True)
    qtbot.waitUntil(lambda: ev.has("meeting-started"), timeout=5000)
    assert monitor.in_meeting and monitor.meeting_started_at is not None
    fake_teams.send_meeting_update(in_meeting=True, recording=True)
    qtbot.waitUntil(lambda: ev.has("recording-started"), timeout=5000)
    assert monitor.recording
    fake_teams.send_meeting_update(in_meeting=True, recording=False)
    qtbot.waitUntil(lambda: ev.has("recording-stopped"), timeout=5000)
    fake_teams.send_meeting_update(in_meeting=False)
    qtbot.waitUntil(lambda: ev.has("clean-refused"), timeout=5000)
    # Teams is still open: no clean, one offer the tray can act on.
    assert cleaner.calls == []
    _, offer = ev.first("clean-refused")
    assert offer == {"clients": ["teams-for-linux"], "reason": "teams-running",
                     "offer_quit_teams": True, "after_meeting": "ask", "offer_restart": True,
                     "ask": False, "clean_on_exit": True}
    _, ended = ev.first("meeting-ended")
    assert ended["clients"] == ["teams-for-linux"] and isinstance(ended["duration_s"], int)
    assert not monitor.in_meeting and monitor.meeting_started_at is None
    qtbot.wait(500)
    assert ev.names().count("clean-refused") == 1   # offered once, not per poll
    teams_process.stop()
    qtbot.waitUntil(lambda: ev.has("cleaned"), timeout=5000)
    assert cleaner.calls == [{"client_ids": ["teams-for-linux"]}]
    assert cleaner.thread_names == ["devicecheck-autoclean"]   # off the GUI thread
    _, cleaned = ev.first("cleaned")
    assert cleaned == {"clients": ["teams-for-linux"], "removed_files": 3,
                       "removed_bytes": 300, "failures": 0}
    assert set(ev.names()) <= set(EVENTS)
    assert ev.names().index("teams-exited") < ev.names().index("cleaned")
    records = [r for r in AuditLog(tmp_path / "audit.jsonl").read()
               if r["kind"] == "meeting-ended"]
    assert len(records) == 1
    assert set(records[0]) == {"time", "kind", "account", "duration_s", "sources"}
    assert records[0]["sources"] == ["api"]


def test_teams_crash_mid_meeting_cleans_after_grace(
        qtbot: Any, fake_teams: FakeTeamsServer, teams_process: FakeTeamsProcess,
        make_monitor: Any) -> None:
    cleaner = FakeCleaner(teams_process)
    monitor, ev = make_monitor(make_policy(fake_teams.url), cleaner=cleaner)
    teams_process.start()
    monitor.start()
    qtbot.waitUntil(lambda: ev.has("teams-connected") and ev.has("teams-started"), timeout=5000)
    fake_teams.send_meeting_update(in_meeting=True, recording=True)
    qtbot.waitUntil(lambda: ev.has("recording-started"), timeout=5000)
    fake_teams.close()          # Teams crashes: the API goes away ...
    teams_process.stop()        # ... and so does the process
    qtbot.waitUntil(lambda: ev.has("cleaned"), timeout=6000)
    names_ = ev.names()
    assert names_.index("teams-disconnected") < names_.index("meeting-ended")
    assert names_.index("recording-stopped") < names_.index("meeting-ended")
    assert "clean-refused" not in names_
    t_exit, _ = ev.first("teams-exited")
    t_end, _ = ev.first("meeting-ended")
    assert t_end - t_exit >= 0.9   # the grace period was honoured


def test_no_clean_only_watches(qtbot: Any, fake_teams: FakeTeamsServer,
                               make_monitor: Any) -> None:
    cleaner = FakeCleaner()
    monitor, ev = make_monitor(make_policy(fake_teams.url, grace=0), cleaner=cleaner,
                               auto_clean=False)
    monitor.start()
    qtbot.waitUntil(lambda: ev.has("teams-connected"), timeout=5000)
    fake_teams.send_meeting_update(in_meeting=True)
    fake_teams.send_meeting_update(in_meeting=False)
    qtbot.waitUntil(lambda: ev.has("meeting-ended"), timeout=5000)
    qtbot.wait(300)
    assert cleaner.calls == [] and not ev.has("cleaned") and not ev.has("clean-refused")


def test_policy_can_switch_auto_clean_off(make_monitor: Any) -> None:
    monitor, _ = make_monitor(make_policy("ws://127.0.0.1:1", auto_clean=False))
    assert monitor.auto_clean is False


def test_cleaner_failure_is_an_event_not_a_crash(qtbot: Any, fake_teams: FakeTeamsServer,
                                                 make_monitor: Any) -> None:
    cleaner = FakeCleaner(fail=True)
    monitor, ev = make_monitor(make_policy(fake_teams.url, grace=0), cleaner=cleaner)
    monitor.start()
    qtbot.waitUntil(lambda: ev.has("teams-connected"), timeout=5000)
    fake_teams.send_meeting_update(in_meeting=True)
    fake_teams.send_meeting_update(in_meeting=False)
    qtbot.waitUntil(lambda: ev.has("clean-refused"), timeout=5000)
    _, detail = ev.first("clean-refused")
    assert detail["reason"] == "error" and detail["error"] == "OSError"
    assert "fire" not in str(detail)


def test_cleaner_refusal_waits_for_the_next_exit(
        qtbot: Any, fake_teams: FakeTeamsServer, teams_process: FakeTeamsProcess,
        make_monitor: Any) -> None:
    # Our watcher has not seen the process yet (slow rescan) but the cleaner does.
    cleaner = FakeCleaner(teams_process)
    monitor, ev = make_monitor(make_policy(fake_teams.url, grace=0), cleaner=cleaner,
                               idle_rescan_s=0.5)
    monitor.start()
    qtbot.waitUntil(lambda: ev.has("teams-connected"), timeout=5000)
    teams_process.start()
    fake_teams.send_meeting_update(in_meeting=True)
    fake_teams.send_meeting_update(in_meeting=False)
    qtbot.waitUntil(lambda: ev.has("clean-refused"), timeout=5000)
    assert len(cleaner.calls) == 1
    qtbot.waitUntil(lambda: ev.has("teams-started"), timeout=5000)
    qtbot.wait(300)
    assert len(cleaner.calls) == 1     # no retry loop while Teams runs
    teams_process.stop()
    qtbot.waitUntil(lambda: ev.has("cleaned"), timeout=5000)
    assert len(cleaner.calls) == 2


class MutableRegistry(DictRegistry):
    def set(self, data: dict[str, dict[str, Any]]) -> None:
        self.__init__(data)  # type: ignore[misc]


def test_windows_capability_signal_starts_and_ends_a_meeting(qtbot: Any,
                                                            make_monitor: Any) -> None:
    key = rf"{CONSENT_STORE}\microphone\MSTeams_8wekyb3d8bbwe"
    # Seen idle first (the stale-value guard trusts "in use" only after that).
    reg = MutableRegistry({key: {"LastUsedTimeStart": 5, "LastUsedTimeStop": 7}})
    alive = {"on": True}

    def find(_names: Any, **_: Any) -> list[ProcInfo]:
        return [ProcInfo(4242, "ms-teams.exe")] if alive["on"] else []

    cleaner = FakeCleaner()
    monitor, ev = make_monitor(
        replace(make_policy("ws://127.0.0.1:1"), teams=TeamsPolicy(
            meeting_end_grace_seconds=0)),
        os_name="windows", registry=reg, find=find, cleaner=cleaner,
        alive=lambda pid, name, **_: alive["on"], client_ids=("teams-new",),
        source_options={"capability_poll_ms": 50}, sources=None)
    assert "api" not in monitor.sources
    assert "capability" in monitor.sources
    monitor.start()
    qtbot.waitUntil(lambda: ev.has("teams-started"), timeout=5000)
    qtbot.wait(200)
    assert not ev.has("meeting-started")
    reg.set({key: {"LastUsedTimeStart": 8, "LastUsedTimeStop": 0}})
    qtbot.waitUntil(lambda: ev.has("meeting-started"), timeout=5000)
    assert ev.first("meeting-started")[1] == {"source": "capability", "sources": ["capability"],
                                              "clients": ["teams-new"]}
    reg.set({key: {"LastUsedTimeStart": 5, "LastUsedTimeStop": 9}})
    qtbot.waitUntil(lambda: ev.has("meeting-ended"), timeout=5000)
    assert ev.has("clean-refused")       # ms-teams.exe still runs
    alive["on"] = False
    qtbot.waitUntil(lambda: ev.has("cleaned"), timeout=5000)
    assert cleaner.calls[0]["client_ids"] == ["teams-new"]


def test_api_connecting_mid_meeting_already_recording(qtbot: Any, make_monitor: Any) -> None:
    server = FakeTeamsServer()
    with socket.socket() as s:   # Teams' API is not up yet when the watcher starts
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monitor, ev = make_monitor(make_policy(f"ws://127.0.0.1:{port}"), cleaner=FakeCleaner(),
                               min_backoff_ms=100, max_backoff_ms=200)
    monitor.start()
    qtbot.wait(300)
    server.start(port)
    try:
        qtbot.waitUntil(lambda: server.client_count == 1, timeout=5000)
        server.send_meeting_update(in_meeting=True, recording=True)
        qtbot.waitUntil(lambda: ev.has("recording-started"), timeout=5000)
        assert ev.names() == ["signals", "teams-connected", "meeting-started",
                              "recording-started"]
        assert monitor.in_meeting and monitor.recording
    finally:
        server.close()
