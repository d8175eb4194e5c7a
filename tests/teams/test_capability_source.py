"""CapabilitySource: Windows microphone/camera use, trusted only after it was seen idle.

Windows leaves ``LastUsedTimeStop == 0`` behind after a crash or a suspend while the app
still runs (shared/reference/teams.md, "2026"), so a 0 counts only once that device was
seen idle since the source started, the laptop resumed, or the client (re)started.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from devicecheck.audit import AuditLog
from devicecheck.policy import Policy
from devicecheck.policy.model import TeamsPolicy
from devicecheck.probes.processes import ProcInfo
from devicecheck.probes.registry import DictRegistry
from devicecheck.teams.capability import CONSENT_STORE
from devicecheck.teams.monitor import TeamsMonitor
from devicecheck.teams.sources.base import Reading, SourceContext
from devicecheck.teams.sources.capability import RESUME_GAP_S, CapabilitySource

MIC = rf"{CONSENT_STORE}\microphone\MSTeams_8wekyb3d8bbwe"
CAM = rf"{CONSENT_STORE}\webcam\MSTeams_8wekyb3d8bbwe"
IN_USE = {"LastUsedTimeStart": 133_700_000_000_000_000, "LastUsedTimeStop": 0}
IDLE = {"LastUsedTimeStart": 133_700_000_000_000_000,
        "LastUsedTimeStop": 133_700_000_100_000_000}
NAMES = {"teams-new": frozenset({"ms-teams.exe"})}


def names(client: str, _os: str) -> frozenset[str]:
    return NAMES.get(client, frozenset())


class MutableRegistry(DictRegistry):
    """A registry the test changes between polls, as Windows does."""

    def set(self, data: dict[str, dict[str, Any]]) -> None:
        self.__init__(data)  # type: ignore[misc]


class WallClock:
    def __init__(self) -> None:
        self.now = 1_780_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Rig:
    """A CapabilitySource over a registry and a wall clock the test controls."""

    def __init__(self, data: dict[str, dict[str, Any]], *, os_name: Any = "windows",
                 registry: bool = True) -> None:
        self.registry = MutableRegistry(data)
        self.wall = WallClock()
        self.ctx = SourceContext(policy=Policy(), os_name=os_name, clients=("teams-new",),
                                 process_names=names, clock=time.monotonic,
                                 registry=self.registry if registry else None,
                                 options={"wall_clock": self.wall, "capability_poll_ms": 3000})
        self.source = CapabilitySource(self.ctx, self.on_emit)
        self.source.start()
        self.source.processes({"teams-new": frozenset({4242})})

    def on_emit(self, _reading: Reading) -> None:
        raise AssertionError("a polled source returns its readings, it does not push them")

    def poll(self, data: dict[str, dict[str, Any]] | None = None) -> Reading:
        """One 3 s poll (after changing the registry to ``data``)."""
        if data is not None:
            self.registry.set(data)
        self.wall.advance(3.0)
        reading = self.source.poll(time.monotonic())
        assert reading is not None
        return reading


def test_a_zero_left_behind_at_start_is_not_trusted_until_seen_idle() -> None:
    rig = Rig({MIC: IN_USE})
    first = rig.poll()
    assert first.meeting == frozenset()
    assert first.notes and "not trusted" in first.notes[0] and "microphone" in first.notes[0]
    assert rig.poll().meeting == frozenset()     # still 0, still the old value
    assert rig.poll({MIC: IDLE}).meeting == frozenset()
    # Seen idle since start: a 0 now is a real use.
    used = rig.poll({MIC: IN_USE})
    assert used.meeting == frozenset({"teams-new"}) and used.notes == ()


def test_a_zero_after_a_resume_is_not_trusted_until_idle_again() -> None:
    rig = Rig({MIC: IDLE})
    rig.poll()
    assert rig.poll({MIC: IN_USE}).meeting == frozenset({"teams-new"})
    rig.wall.advance(3600)                       # the laptop slept an hour mid-call
    after = rig.poll()
    assert after.meeting == frozenset() and rig.source.resumes == 1
    assert rig.poll().meeting == frozenset()     # the value Windows left behind
    rig.poll({MIC: IDLE})
    assert rig.poll({MIC: IN_USE}).meeting == frozenset({"teams-new"})
    assert rig.source.resumes == 1


def test_an_ordinary_gap_between_polls_is_not_a_resume() -> None:
    rig = Rig({MIC: IDLE})
    rig.poll()
    rig.poll({MIC: IN_USE})
    rig.wall.advance(RESUME_GAP_S - 5)           # a slow poll on a loaded laptop
    assert rig.poll().meeting == frozenset({"teams-new"}) and rig.source.resumes == 0


def test_a_real_use_of_microphone_and_camera_is_a_meeting() -> None:
    rig = Rig({})                                # never used: idle by definition
    assert rig.poll().meeting == frozenset()
    assert rig.poll({MIC: IN_USE}).meeting == frozenset({"teams-new"})
    both = rig.poll({MIC: IN_USE, CAM: IN_USE})
    assert both.meeting == frozenset({"teams-new"}) and both.recording == frozenset()
    assert rig.poll({MIC: IDLE, CAM: IDLE}).meeting == frozenset()


def test_a_client_restarted_under_new_pids_is_not_trusted() -> None:
    rig = Rig({MIC: IDLE})
    rig.poll()
    rig.poll({MIC: IN_USE})
    rig.source.processes({"teams-new": frozenset({4242, 4300})})   # a helper came: same run
    assert rig.poll().meeting == frozenset({"teams-new"})
    rig.source.processes({"teams-new": frozenset({5151})})         # crashed and back
    assert rig.poll().meeting == frozenset()
    rig.source.processes({})                                       # gone
    rig.source.processes({"teams-new": frozenset({6000})})
    assert rig.poll().meeting == frozenset()


def test_a_restart_of_the_source_trusts_nothing_it_saw_before() -> None:
    rig = Rig({MIC: IDLE})
    rig.poll()
    assert rig.poll({MIC: IN_USE}).meeting == frozenset({"teams-new"})
    rig.source.stop()
    rig.source.start()
    assert rig.poll().meeting == frozenset()


def test_unavailable_off_windows_or_without_a_registry() -> None:
    assert "Windows" in (Rig({}, os_name="linux").source.unavailable() or "")
    assert "registry" in (Rig({}, registry=False).source.unavailable() or "")
    assert Rig({}).source.unavailable() is None


class Alive:
    def __init__(self) -> None:
        self.on = True

    def find(self, _names: Any, **_: Any) -> list[ProcInfo]:
        return [ProcInfo(4242, "ms-teams.exe")] if self.on else []

    def alive(self, _pid: int, _name: str, **_: Any) -> bool:
        return self.on


class CountingCapabilitySource(CapabilitySource):
    """The real source, counting its polls (so the test knows many polls saw the 0)."""

    polls = 0

    def poll(self, now: float) -> Reading | None:
        CountingCapabilitySource.polls += 1
        return super().poll(now)


class Events:
    def __init__(self, monitor: TeamsMonitor) -> None:
        self.items: list[tuple[str, dict[str, Any]]] = []
        monitor.teamsEvent.connect(self.on_event)

    def on_event(self, name: str, detail: dict[str, Any]) -> None:
        self.items.append((name, detail))

    def names(self) -> list[str]:
        return [n for n, _ in self.items]


def test_the_monitor_never_starts_a_meeting_from_a_stale_value(qtbot: Any,
                                                               tmp_path: Path) -> None:
    reg = MutableRegistry({MIC: IN_USE})     # left behind by a crash before we started
    teams = Alive()
    policy = replace(Policy(), teams=TeamsPolicy(meeting_end_grace_seconds=0))
    monitor = TeamsMonitor(policy, os_name="windows", registry=reg, find=teams.find,
                           alive=teams.alive, client_ids=("teams-new",), process_names=names,
                           sources=[CountingCapabilitySource], capability_poll_ms=50,
                           process_poll_ms=50,
                           audit=AuditLog(tmp_path / "audit.jsonl"), auto_clean=False)
    ev = Events(monitor)
    try:
        monitor.start()
        source = monitor.sources["capability"]
        assert isinstance(source, CapabilitySource)
        CountingCapabilitySource.polls = 0
        # Many polls of the stale 0 (the note says why it does not count): no meeting.
        qtbot.waitUntil(lambda: CountingCapabilitySource.polls >= 10, timeout=10000)
        assert "teams-started" in ev.names()
        assert "not trusted" in " ".join(monitor.readings()["capability"]["notes"])
        assert "meeting-started" not in ev.names() and not monitor.in_meeting
        reg.set({MIC: IDLE})
        qtbot.waitUntil(lambda: ("teams-new", "microphone") in source.seen_idle, timeout=5000)
        reg.set({MIC: IN_USE})                # a real call now
        qtbot.waitUntil(lambda: "meeting-started" in ev.names(), timeout=5000)
        started = dict(ev.items)["meeting-started"]
        assert started["source"] == "capability"
        reg.set({MIC: IDLE})
        qtbot.waitUntil(lambda: "meeting-ended" in ev.names(), timeout=5000)
    finally:
        monitor.stop()
