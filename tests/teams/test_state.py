"""The meeting state machine, driven by scripted sequences of named source readings."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import pytest

from devicecheck.teams.events import MeetingEnded, MeetingStarted, TeamsStarted
from devicecheck.teams.sources.base import ANY_CLIENT, CLEAR, Reading
from devicecheck.teams.state import (
    MEETING_ENDED,
    MEETING_STARTED,
    RECORDING_STARTED,
    RECORDING_STOPPED,
    TEAMS_EXITED,
    TEAMS_STARTED,
    Event,
    MeetingStateMachine,
)

GRACE = 30.0
Step = tuple[float, Callable[[MeetingStateMachine, float], list[Event]]]


def run(steps: list[Step], grace: float = GRACE) -> list[tuple[float, str]]:
    """Apply each (time, input) and return (time, event name) for every event."""
    m = MeetingStateMachine(grace)
    out: list[tuple[float, str]] = []
    for t, step in steps:
        out += [(t, e.name) for e in step(m, t)]
    return out


def procs(*clients: str) -> Callable[[MeetingStateMachine, float], list[Event]]:
    return lambda m, t: m.processes(clients, t)


def say(source: str, *meeting: str, recording: tuple[str, ...] = (), stale: bool = False
        ) -> Callable[[MeetingStateMachine, float], list[Event]]:
    return lambda m, t: m.reading(source, Reading.of(meeting, recording, stale=stale), t)


def clear(source: str) -> Callable[[MeetingStateMachine, float], list[Event]]:
    return lambda m, t: m.reading(source, CLEAR, t)


def tick(m: MeetingStateMachine, t: float) -> list[Event]:
    return m.tick(t)


def test_plain_meeting_with_recording_from_one_source() -> None:
    events = run([
        (0, procs("teams-new")), (5, say("api", ANY_CLIENT)),
        (10, say("api", ANY_CLIENT, recording=(ANY_CLIENT,))),
        (20, say("api", ANY_CLIENT)), (100, clear("api")), (129, tick), (130, tick),
        (140, procs()),
    ])
    assert events == [(0, TEAMS_STARTED), (5, MEETING_STARTED), (10, RECORDING_STARTED),
                      (20, RECORDING_STOPPED), (130, MEETING_ENDED), (140, TEAMS_EXITED)]


def test_events_name_their_sources() -> None:
    m = MeetingStateMachine(GRACE)
    [started_teams] = m.processes({"teams-for-linux"}, 0)
    assert started_teams == TeamsStarted("teams-for-linux", "process")
    assert started_teams.to_detail() == {"client": "teams-for-linux", "source": "process"}
    [started] = m.reading("audio", Reading.of(["teams-for-linux"]), 1)
    assert started == MeetingStarted(("audio",), ("teams-for-linux",))
    assert started.to_detail() == {"source": "audio", "sources": ["audio"],
                                   "clients": ["teams-for-linux"]}
    assert m.reading("camera", Reading.of(["teams-for-linux"]), 2) == []
    m.reading("audio", CLEAR, 60)
    m.reading("camera", CLEAR, 70)
    [ended] = m.tick(100)
    assert ended == MeetingEnded(69, ("teams-for-linux",), ("audio", "camera"))
    assert ended.to_detail() == {"duration_s": 69, "clients": ["teams-for-linux"],
                                 "sources": ["audio", "camera"]}
    assert m.started_mono is None and not m.in_meeting


def test_two_sources_at_once_are_joined() -> None:
    m = MeetingStateMachine(GRACE)
    m.processes({"teams-new"}, 0)
    m.readings["log"] = Reading.of(["teams-new"])
    [started] = m.reading("capability", Reading.of(["teams-new"]), 1)
    assert isinstance(started, MeetingStarted)
    assert started.sources == ("capability", "log")
    assert started.to_detail()["source"] == "capability+log"
    assert started.to_detail()["sources"] == ["capability", "log"]


def test_meeting_ends_only_when_every_source_is_clear() -> None:
    events = run([
        (0, procs("teams-new")), (1, say("log", "teams-new")),
        (2, say("capability", "teams-new")), (10, clear("log")), (50, tick),
        (60, clear("capability")), (89, tick), (90, tick),
    ])
    assert [e for _, e in events] == [TEAMS_STARTED, MEETING_STARTED, MEETING_ENDED]
    assert events[-1] == (90, MEETING_ENDED)


def test_flapping_signal_within_grace_is_one_meeting() -> None:
    events = run([
        (0, procs("teams-new")), (1, say("log", "teams-new")), (10, clear("log")),
        (20, say("log", "teams-new")), (25, clear("log")), (40, say("log", "teams-new")),
        (50, clear("log")), (60, tick), (79, tick), (80, tick),
    ])
    assert [e for _, e in events].count(MEETING_STARTED) == 1
    assert events[-1] == (80, MEETING_ENDED)


def test_flapping_processes_report_each_exit_and_start() -> None:
    events = run([(0, procs("teams-new")), (2, procs()), (4, procs("teams-new"))])
    assert [e for _, e in events] == [TEAMS_STARTED, TEAMS_EXITED, TEAMS_STARTED]


def test_a_named_client_counts_only_while_it_runs() -> None:
    m = MeetingStateMachine(GRACE)
    # A stale registry entry after a crash: Teams is not running.
    assert m.reading("capability", Reading.of(["teams-new"]), 0) == []
    assert not m.in_meeting
    assert m.processes({"teams-classic"}, 1) != []
    assert not m.in_meeting
    # The client starts: the same reading now counts.
    assert [e.name for e in m.processes({"teams-new"}, 2)] == [TEAMS_STARTED,
                                                               TEAMS_EXITED, MEETING_STARTED]


def test_teams_exiting_mid_call_without_an_end_line_ends_the_meeting_after_grace() -> None:
    events = run([
        (0, procs("teams-new")), (1, say("log", "teams-new", recording=("teams-new",))),
        (50, procs()),             # Teams crashed: the log never says the call ended
        (60, tick), (80, tick),
    ])
    assert events == [(0, TEAMS_STARTED), (1, MEETING_STARTED), (1, RECORDING_STARTED),
                      (50, TEAMS_EXITED), (50, RECORDING_STOPPED), (80, MEETING_ENDED)]


def test_stale_last_word_is_kept_while_teams_runs() -> None:
    m = MeetingStateMachine(GRACE)
    m.processes({"teams-new"}, 0)
    m.reading("api", Reading.of([ANY_CLIENT]), 1)
    m.reading("api", Reading.of([ANY_CLIENT], stale=True), 5)   # the API dropped
    assert m.tick(500) == [] and m.in_meeting  # unknown is never "meeting over"
    assert m.next_deadline() is None
    # Reconnected, Teams says the meeting is over: now the grace runs.
    assert m.reading("api", CLEAR, 600) == []
    assert [e.name for e in m.tick(630)] == [MEETING_ENDED]


def test_stale_word_is_dropped_for_good_once_teams_is_gone() -> None:
    m = MeetingStateMachine(GRACE)
    m.processes({"teams-new"}, 0)
    m.reading("api", Reading.of([ANY_CLIENT], [ANY_CLIENT], stale=True), 1)
    assert m.in_meeting and m.recording
    names = [e.name for e in m.processes((), 10)]
    assert names == [TEAMS_EXITED, RECORDING_STOPPED]
    assert [e.name for e in m.tick(40)] == [MEETING_ENDED]
    # Teams starts again: the old word must not come back to life.
    assert [e.name for e in m.processes({"teams-new"}, 50)] == [TEAMS_STARTED]
    assert not m.in_meeting


def test_teams_restarting_within_grace_and_rejoining_is_one_meeting() -> None:
    events = run([
        (0, procs("teams-new")), (1, say("log", "teams-new")), (11, procs()),
        (20, procs("teams-new")), (26, say("log", "teams-new")), (60, tick),
    ])
    assert [e for _, e in events].count(MEETING_STARTED) == 1
    assert MEETING_ENDED not in [e for _, e in events]


def test_unattributed_reading_counts_without_a_process() -> None:
    events = run([(0, say("api", ANY_CLIENT, recording=(ANY_CLIENT,)))])
    assert [e for _, e in events] == [MEETING_STARTED, RECORDING_STARTED]


def test_recording_stops_with_the_meeting_at_the_latest() -> None:
    m = MeetingStateMachine(0)
    m.reading("window", Reading.of([ANY_CLIENT], [ANY_CLIENT]), 0)
    names = [e.name for e in m.reading("window", CLEAR, 5)]
    assert names == [RECORDING_STOPPED, MEETING_ENDED]


def test_a_recording_reading_alone_never_starts_or_holds_a_meeting() -> None:
    m = MeetingStateMachine(0)
    m.processes({"teams-for-linux"}, 0)
    assert m.reading("window", Reading.of(recording=["teams-for-linux"]), 1) == []
    assert not m.in_meeting and not m.recording
    m.reading("audio", Reading.of(["teams-for-linux"]), 2)
    m.reading("window", Reading.of(recording=["teams-for-linux"]), 3)
    assert m.recording
    # The call ends while the window still shows the indicator: the meeting ends anyway.
    assert [e.name for e in m.reading("audio", CLEAR, 10)] == [RECORDING_STOPPED,
                                                               MEETING_ENDED]


def test_forgetting_a_source_clears_what_it_said() -> None:
    m = MeetingStateMachine(0)
    m.reading("api", Reading.of([ANY_CLIENT]), 0)
    assert [e.name for e in m.forget("api", 1)] == [MEETING_ENDED]


def test_zero_grace_ends_at_once() -> None:
    events = run([(0, say("api", ANY_CLIENT)), (5, clear("api"))], grace=0)
    assert events == [(0, MEETING_STARTED), (5, MEETING_ENDED)]


def test_negative_grace_is_refused() -> None:
    with pytest.raises(ValueError):
        MeetingStateMachine(-1)


def test_two_meetings_in_a_row_each_end() -> None:
    events = run([
        (0, say("api", ANY_CLIENT)), (10, clear("api")), (40, tick),
        (50, say("api", ANY_CLIENT)), (60, clear("api")), (90, tick),
    ])
    assert [e for _, e in events] == [MEETING_STARTED, MEETING_ENDED, MEETING_STARTED,
                                      MEETING_ENDED]


def test_state_module_imports_no_qt() -> None:
    code = ("import sys, devicecheck.teams.state, devicecheck.teams.autoclean, "
            "devicecheck.teams.protocol, devicecheck.teams.capability, "
            "devicecheck.teams.detection, devicecheck.teams.sources, "
            "devicecheck.teams.processes, devicecheck.teams.token; "
            "print(any(m.startswith('PySide6') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.strip() == "False"
