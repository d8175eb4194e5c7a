"""TeamsMonitor with plug-in sources: readings in, events out, sources that cannot run
or fail, and the after-meeting restart-to-clean modes (a restarting ``Cleaner`` and idle injected)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

import pytest

from devicecheck.audit import AuditLog
from devicecheck.policy import Policy
from devicecheck.policy.model import CleanerPolicy, TeamsPolicy
from devicecheck.teams.handoff import CleanOutcome, MeetingCheck
from devicecheck.teams.monitor import TeamsMonitor
from devicecheck.teams.sources.base import CLEAR, Reading, SignalSource
from tests.teams.conftest import FakeTeamsProcess, own_find
from tests.teams.test_monitor import Events, FakeCleaner, names

CLIENT = "teams-for-linux"


class PushSource(SignalSource):
    """A source the test drives: ``PushSource.current.emit(...)``."""

    name = "audio"
    current: ClassVar[PushSource | None] = None
    started = 0
    stopped = 0

    def __init__(self, ctx: Any, emit: Any) -> None:
        super().__init__(ctx, emit)
        PushSource.current = self

    def start(self) -> None:
        type(self).started += 1

    def stop(self) -> None:
        type(self).stopped += 1


class PolledSource(SignalSource):
    name = "camera"
    poll_ms = 50
    value: ClassVar[Reading] = CLEAR
    polls = 0

    def poll(self, now: float) -> Reading | None:
        type(self).polls += 1
        return type(self).value


class Unavailable(SignalSource):
    name = "log"

    def unavailable(self) -> str | None:
        return "no log folder on this laptop"


class Broken(SignalSource):
    name = "window"

    def __init__(self, ctx: Any, emit: Any) -> None:
        raise RuntimeError("no accessibility bus")


class FakeRestarter(FakeCleaner):
    """A ``Cleaner`` that also restarts: every client comes back, none forced (or the
    restart is refused with ``reason``)."""

    def __init__(self, proc: FakeTeamsProcess | None = None,
                 reason: str | None = None) -> None:
        super().__init__(proc)
        self.restarts: list[dict[str, Any]] = []
        self.reason = reason
        self.meeting_on_seen: list[bool | None] = []

    def restart_and_clean(self, clients: Sequence[str], *, meeting_on: MeetingCheck,
                          automatic: bool) -> CleanOutcome:
        self.restarts.append({"client_ids": list(clients), "automatic": automatic})
        self.meeting_on_seen.append(meeting_on())
        if self.reason:
            return CleanOutcome(refused_reason=self.reason, automatic=automatic)
        return CleanOutcome(removed_files=3, removed_bytes=300,
                            restarted=frozenset(clients), automatic=automatic, seconds=1.5)


@pytest.fixture(autouse=True)
def _reset() -> None:
    PushSource.current = None
    PushSource.started = PushSource.stopped = 0
    PolledSource.value = CLEAR
    PolledSource.polls = 0


def policy(mode: str = "ask", grace: int = 0) -> Policy:
    return replace(Policy(), teams=TeamsPolicy(meeting_end_grace_seconds=grace),
                   cleaner=replace(CleanerPolicy(), after_meeting=mode, idle_minutes=1))


def monitor_for(tmp_path: Path, pol: Policy, **kwargs: Any) -> tuple[TeamsMonitor, Events]:
    defaults: dict[str, Any] = {
        "process_names": names, "client_ids": (CLIENT,), "find": own_find,
        "audit": AuditLog(tmp_path / "audit.jsonl"), "process_poll_ms": 100,
        "idle_rescan_s": 0.2, "os_name": "linux", "cleaner": FakeCleaner(),
        "sources": [PushSource, PolledSource, Unavailable, Broken]}
    monitor = TeamsMonitor(pol, **{**defaults, **kwargs})
    return monitor, Events(monitor)


def meeting(qtbot: Any, ev: Events, client: str = CLIENT) -> None:
    assert PushSource.current is not None
    PushSource.current.emit(Reading.of([client]))
    qtbot.waitUntil(lambda: ev.has("meeting-started"), timeout=5000)
    PushSource.current.emit(CLEAR)
    qtbot.waitUntil(lambda: ev.has("meeting-ended"), timeout=5000)


def test_sources_that_cannot_run_are_named_and_the_rest_carry_on(
        qtbot: Any, tmp_path: Path, teams_process: FakeTeamsProcess) -> None:
    monitor, ev = monitor_for(tmp_path, policy())
    try:
        assert monitor.live_sources() == ["audio", "camera"]
        assert monitor.unavailable["log"] == "no log folder on this laptop"
        assert "no accessibility bus" in monitor.unavailable["window"]
        assert monitor.detection() == "Meetings detected from audio capture and camera use."
        monitor.start()
        _, signals = ev.first("signals")
        assert signals["live"] == ["audio", "camera"] and "log" in signals["unavailable"]
        # Nothing runs: sources that need a client are not started, nothing is polled.
        qtbot.wait(300)
        assert PushSource.started == 0 and PolledSource.polls == 0
        teams_process.start()
        qtbot.waitUntil(lambda: PushSource.started == 1 and PolledSource.polls >= 2,
                        timeout=5000)
        PolledSource.value = Reading.of([CLIENT])
        qtbot.waitUntil(lambda: ev.has("meeting-started"), timeout=5000)
        assert ev.first("meeting-started")[1]["source"] == "camera"
        teams_process.stop()
        qtbot.waitUntil(lambda: ev.has("meeting-ended") and PushSource.stopped == 1,
                        timeout=5000)
        polls = PolledSource.polls
        qtbot.wait(300)
        assert PolledSource.polls == polls     # stopped polling with Teams gone
    finally:
        monitor.stop()


def test_snapshot_lists_every_source(tmp_path: Path, qapp: Any) -> None:
    monitor, _ = monitor_for(tmp_path, policy())
    PolledSource.value = Reading.of([CLIENT], notes=["a browser captures audio"])
    rows = {r["source"]: r for r in monitor.snapshot()}
    assert rows["camera"]["live"] and rows["camera"]["sees"]["meeting"] == [CLIENT]
    assert rows["camera"]["sees"]["notes"] == ["a browser captures audio"]
    assert rows["log"] == {"source": "log", "live": False,
                           "reason": "no log folder on this laptop"}
    assert rows["window"]["live"] is False


def test_a_source_that_cannot_read_right_now_does_not_count_as_detecting(
        tmp_path: Path, qapp: Any) -> None:
    monitor, _ = monitor_for(tmp_path, policy())
    monitor.sources["audio"].problem = "no audio server answers"
    assert monitor.detection() == "Meetings detected from camera use."


def test_nothing_live_says_so_plainly(tmp_path: Path, qapp: Any) -> None:
    monitor, _ = monitor_for(tmp_path, policy(), sources=[Unavailable])
    assert monitor.detection().startswith("DeviceCheck cannot tell when a meeting is on")


@contextlib.contextmanager
def after_a_meeting(qtbot: Any, tmp_path: Path, teams: FakeTeamsProcess, pol: Policy,
                    **kwargs: Any) -> Iterator[tuple[TeamsMonitor, Events]]:
    """A monitor with Teams running and one meeting just ended (Teams still open)."""
    monitor, ev = monitor_for(tmp_path, pol, **kwargs)
    teams.start()
    monitor.start()
    try:
        qtbot.waitUntil(lambda: PushSource.started == 1, timeout=5000)
        meeting(qtbot, ev)
        yield monitor, ev
    finally:
        monitor.stop()


def test_ask_then_clear_now_restarts_and_cleans(
        qtbot: Any, tmp_path: Path, teams_process: FakeTeamsProcess) -> None:
    restarter = FakeRestarter()
    with after_a_meeting(qtbot, tmp_path, teams_process, policy("ask"), cleaner=restarter,
                         interactive=True) as (monitor, ev):
        qtbot.waitUntil(lambda: ev.has("clean-refused"), timeout=5000)
        _, asked = ev.first("clean-refused")
        assert asked["ask"] is True and asked["offer_restart"] is True
        assert monitor.waiting_clients == {CLIENT}
        assert monitor.restart_and_clean() is True
        qtbot.waitUntil(lambda: ev.has("cleaned"), timeout=5000)
        _, cleaned = ev.first("cleaned")
        assert cleaned["restarted"] == {CLIENT: True} and cleaned["forced"] == {CLIENT: False}
        assert restarter.restarts[0]["client_ids"] == [CLIENT]
        assert restarter.meeting_on_seen == [False]
        assert ev.names().index("teams-restarting") < ev.names().index("cleaned")
        assert monitor.waiting_clients == set() and not monitor.restarting


def test_clear_now_is_refused_while_a_meeting_is_on(
        qtbot: Any, tmp_path: Path, teams_process: FakeTeamsProcess) -> None:
    restarter = FakeRestarter()
    with after_a_meeting(qtbot, tmp_path, teams_process, policy("ask"), cleaner=restarter,
                         interactive=True) as (monitor, ev):
        assert PushSource.current is not None
        PushSource.current.emit(Reading.of([CLIENT]))     # a new call started meanwhile
        qtbot.waitUntil(lambda: ev.has("meeting-started", 2), timeout=5000)
        assert monitor.restart_and_clean() is False
        refused = [d for _, n, d in ev.items if n == "clean-refused"]
        assert refused[-1]["reason"] == "meeting-on"
        qtbot.wait(200)
        assert restarter.restarts == []


def test_restart_when_idle_restarts_once_idle_without_asking(
        qtbot: Any, tmp_path: Path, teams_process: FakeTeamsProcess) -> None:
    restarter = FakeRestarter()
    idle = {"s": 5.0}
    with after_a_meeting(qtbot, tmp_path, teams_process, policy("restart-when-idle"),
                         cleaner=restarter, idle=lambda: idle["s"],
                         idle_check_ms=50) as (_, ev):
        qtbot.wait(300)
        assert restarter.restarts == [] and not ev.has("clean-refused")  # not idle yet
        idle["s"] = 61.0
        qtbot.waitUntil(lambda: ev.has("cleaned"), timeout=5000)
        assert restarter.restarts[0]["automatic"] is True
        assert ev.first("cleaned")[1]["automatic"] is True


def test_restart_when_idle_asks_when_idle_cannot_be_read(
        qtbot: Any, tmp_path: Path, teams_process: FakeTeamsProcess) -> None:
    restarter = FakeRestarter()
    with after_a_meeting(qtbot, tmp_path, teams_process, policy("restart-when-idle"),
                         cleaner=restarter, idle=lambda: None, idle_check_ms=50,
                         interactive=True) as (_, ev):
        qtbot.waitUntil(lambda: ev.has("clean-refused"), timeout=5000)
        _, asked = ev.first("clean-refused")
        assert asked["ask"] is True and asked["idle_unknown"] is True
        qtbot.wait(200)
        assert restarter.restarts == []


def test_wait_for_exit_never_restarts(
        qtbot: Any, tmp_path: Path, teams_process: FakeTeamsProcess) -> None:
    restarter = FakeRestarter(teams_process)
    with after_a_meeting(qtbot, tmp_path, teams_process, policy("wait-for-exit"),
                         cleaner=restarter, idle=lambda: 9999.0,
                         idle_check_ms=50) as (_, ev):
        qtbot.waitUntil(lambda: ev.has("clean-refused"), timeout=5000)
        assert ev.first("clean-refused")[1]["offer_restart"] is False
        qtbot.wait(300)
        assert restarter.restarts == [] and restarter.calls == []
        teams_process.stop()
        qtbot.waitUntil(lambda: ev.has("cleaned"), timeout=5000)


def test_failed_restart_is_reported_and_data_keeps_waiting(
        qtbot: Any, tmp_path: Path, teams_process: FakeTeamsProcess) -> None:
    restarter = FakeRestarter(reason="quit-failed")
    with after_a_meeting(qtbot, tmp_path, teams_process, policy("ask"), cleaner=restarter,
                         interactive=True) as (monitor, ev):
        qtbot.waitUntil(lambda: ev.has("clean-refused"), timeout=5000)
        monitor.restart_and_clean()
        qtbot.waitUntil(lambda: ev.has("clean-refused", 2), timeout=5000)
        refused = [d for _, n, d in ev.items if n == "clean-refused"]
        assert refused[-1]["reason"] == "quit-failed"
        assert monitor.waiting_clients == {CLIENT} and not ev.has("cleaned")


def test_offer_quit_teams_false_means_wait_for_exit(tmp_path: Path, qapp: Any) -> None:
    pol = replace(policy("ask"), cleaner=replace(CleanerPolicy(), offer_quit_teams=False))
    monitor, _ = monitor_for(tmp_path, pol)
    assert monitor.scheduler.mode == "wait-for-exit"
