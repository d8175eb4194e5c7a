"""Windows Core Audio capture sessions (``audiosession``) and the ConsentStore fallback.

Core Audio cannot run here: sessions and the process tree come from fixtures shaped like
what IAudioSessionControl2 and psutil report (tests/fixtures/windows/audio-sessions-*.json),
through the reader seam. The ConsentStore is distrusted while the sessions disagree
(Windows 26220 reported the microphone idle during calls; crashes leave it "in use")."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from devicecheck.policy import Policy
from devicecheck.policy.model import TeamsPolicy
from devicecheck.probes.registry import DictRegistry
from devicecheck.teams.capability import CONSENT_STORE, consent_vs_capture
from devicecheck.teams.coreaudio import CaptureSession, CaptureUnavailable, judge
from devicecheck.teams.sources import REGISTRY
from devicecheck.teams.sources.audiosession import AudioSessionSource, SharedCapture
from devicecheck.teams.sources.base import Reading, SourceContext
from devicecheck.teams.sources.capability import CapabilitySource

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "windows"
CLIENT = "teams-new"


def load(name: str) -> tuple[list[CaptureSession], dict[int, tuple[str, int]],
                             dict[str, frozenset[int]]]:
    data = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    sessions = [CaptureSession(s["pid"], s["state"]) for s in data["sessions"]]
    tree = {int(pid): (n, int(ppid)) for pid, (n, ppid) in data["processes"].items()}
    teams = {c: frozenset(p) for c, p in data["teams"].items()}
    return sessions, tree, teams


class Reader:
    """A capture reader over a fixture the test can swap."""

    def __init__(self, name: str) -> None:
        self.sessions_, self.tree, self.teams = load(name)
        self.reads = 0
        self.broken = False

    def use(self, name: str) -> None:
        self.sessions_, self.tree, self.teams = load(name)

    def sessions(self) -> list[CaptureSession]:
        self.reads += 1
        if self.broken:
            raise CaptureUnavailable("Core Audio could not be read (COMError)")
        return list(self.sessions_)

    def lookup(self, pid: int) -> tuple[str, int] | None:
        return self.tree.get(pid)


class Clock:
    def __init__(self) -> None:
        self.t = 50.0

    def __call__(self) -> float:
        return self.t


# -- the pure judgement -----------------------------------------------------------------
def test_an_active_session_of_teams_webview_child_is_a_call() -> None:
    sessions, tree, teams = load("audio-sessions-call.json")
    view = judge(sessions, teams, tree.get)
    assert view.active == frozenset({CLIENT})
    # Another process's active session is a note, never a meeting: by name, no window title.
    assert view.notes == ("chrome.exe is capturing audio (not a Teams client)",)


def test_an_inactive_session_is_not_a_call() -> None:
    sessions, tree, teams = load("audio-sessions-idle.json")
    view = judge(sessions, teams, tree.get)
    assert view.active == frozenset() and view.idle == frozenset({CLIENT})


def test_a_webview2_process_of_another_app_is_not_teams() -> None:
    sessions, tree, teams = load("audio-sessions-idle.json")
    view = judge(sessions, teams, tree.get)
    assert "msedgewebview2.exe is capturing audio (not a Teams client)" in view.notes


def test_teams_own_process_capturing_counts_and_a_loop_in_the_tree_ends() -> None:
    teams = {CLIENT: frozenset({4242})}
    assert judge([CaptureSession(4242, 1)], teams, lambda _p: None).active == {CLIENT}
    looped = {10: ("msedgewebview2.exe", 11), 11: ("msedgewebview2.exe", 10)}
    assert judge([CaptureSession(10, 1)], teams, looped.get).active == frozenset()


# -- the source ------------------------------------------------------------------------
def make(reader: Reader, clock: Clock, policy: Policy | None = None) -> SourceContext:
    capture = SharedCapture(reader, lookup=reader.lookup, clock=clock)
    return SourceContext(policy=policy or Policy(), os_name="windows", clients=(CLIENT,),
                         process_names=lambda _c, _o: frozenset({"ms-teams.exe"}),
                         clock=clock, options={"capture": capture})


def test_source_reports_the_call_then_clears_and_notes_other_capture() -> None:
    reader, clock = Reader("audio-sessions-call.json"), Clock()
    source = AudioSessionSource(make(reader, clock), lambda _r: None)
    assert source.unavailable() is None
    source.processes(reader.teams)
    reading = source.poll(clock.t)
    assert reading is not None and reading.meeting == frozenset({CLIENT})
    reader.use("audio-sessions-idle.json")
    clock.t += 3
    reading = source.poll(clock.t)
    assert reading is not None and reading.meeting == frozenset()
    assert any("chrome.exe" in n for n in reading.notes)


def test_unreadable_core_audio_is_said_not_no_meeting() -> None:
    reader, clock = Reader("audio-sessions-call.json"), Clock()
    reader.broken = True
    source = AudioSessionSource(make(reader, clock), lambda _r: None)
    source.processes(reader.teams)
    reading = source.poll(clock.t)
    assert reading is not None and not reading.meeting
    assert source.problem and "COMError" in source.problem
    assert source.snapshot()["problem"] == source.problem


def test_off_windows_the_source_says_why() -> None:
    reader, clock = Reader("audio-sessions-call.json"), Clock()
    ctx = replace(make(reader, clock), os_name="linux")
    assert AudioSessionSource(ctx, lambda _r: None).unavailable() == \
        "only Windows lists audio capture sessions by process"


def test_registered_before_the_consent_store() -> None:
    order = list(REGISTRY)
    assert order.index("audiosession") < order.index("capability")


# -- ConsentStore as the fallback --------------------------------------------------------
def test_rule_consent_alone_when_sessions_cannot_be_read() -> None:
    assert consent_vs_capture({CLIENT: frozenset({"microphone"})}, None) == (frozenset(), ())


def test_rule_consent_in_use_without_a_session_is_distrusted() -> None:
    distrusted, notes = consent_vs_capture({CLIENT: frozenset({"microphone", "webcam"})},
                                           frozenset())
    assert distrusted == frozenset({CLIENT})
    assert notes and "not trusted" in notes[0]


def test_rule_session_active_while_consent_says_idle_is_noted() -> None:
    distrusted, notes = consent_vs_capture({}, frozenset({CLIENT}))
    assert distrusted == frozenset() and "capture sessions decide" in notes[0]


def test_rule_agreement_says_nothing() -> None:
    assert consent_vs_capture({CLIENT: frozenset({"microphone"})}, frozenset({CLIENT})) == \
        (frozenset(), ())


MIC = rf"{CONSENT_STORE}\microphone\MSTeams_8wekyb3d8bbwe"
IN_USE = {"LastUsedTimeStart": 133_700_000_000_000_000, "LastUsedTimeStop": 0}
IDLE = {"LastUsedTimeStart": 133_700_000_000_000_000,
        "LastUsedTimeStop": 133_700_000_100_000_000}


class Registry(DictRegistry):
    def set(self, data: dict[str, dict[str, Any]]) -> None:
        self.__init__(data)  # type: ignore[misc]


def capability(reader: Reader, clock: Clock, registry: Registry,
               policy: Policy | None = None) -> CapabilitySource:
    ctx = replace(make(reader, clock, policy), registry=registry,
                  options={**make(reader, clock).options, "wall_clock": clock})
    source = CapabilitySource(ctx, lambda _r: None)
    source.processes(reader.teams)
    source.start()
    return source


def test_consent_store_stale_after_a_crash_is_distrusted_while_no_session_is_active() -> None:
    reader, clock = Reader("audio-sessions-idle.json"), Clock()
    registry = Registry({MIC: IDLE})
    source = capability(reader, clock, registry)
    assert source.poll(clock.t) == Reading()                 # seen idle: trusted from now
    registry.set({MIC: IN_USE})                               # "in use", but no session
    clock.t += 3
    reading = source.poll(clock.t)
    assert reading is not None and reading.meeting == frozenset()
    assert any("not trusted" in n for n in reading.notes)
    reader.use("audio-sessions-call.json")                   # the sessions agree: trusted
    clock.t += 3
    reading = source.poll(clock.t)
    assert reading is not None and reading.meeting == frozenset({CLIENT})


def test_consent_store_stands_alone_when_the_audiosession_source_is_off() -> None:
    reader, clock = Reader("audio-sessions-idle.json"), Clock()
    policy = replace(Policy(), teams=TeamsPolicy(disabled_sources=("audiosession",)))
    registry = Registry({MIC: IDLE})
    source = capability(reader, clock, registry, policy)
    source.poll(clock.t)
    registry.set({MIC: IN_USE})
    clock.t += 3
    reading = source.poll(clock.t)
    assert reading is not None and reading.meeting == frozenset({CLIENT})
    assert reader.reads == 0


def test_one_core_audio_read_serves_both_sources() -> None:
    reader, clock = Reader("audio-sessions-call.json"), Clock()
    capture = SharedCapture(reader, lookup=reader.lookup, clock=clock)
    capture.view(reader.teams)
    capture.view(reader.teams)
    assert reader.reads == 1
    clock.t += 3
    capture.view(reader.teams)
    assert reader.reads == 2
