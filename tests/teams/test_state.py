"""The meeting state machine, driven by scripted sequences of signals."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import pytest

from devicecheck.teams.state import (
    MEETING_ENDED,
    MEETING_STARTED,
    RECORDING_STARTED,
    RECORDING_STOPPED,
    SOURCE_API,
    SOURCE_CAPABILITY,
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


def api(in_meeting: bool | None, recording: bool | None = False
        ) -> Callable[[MeetingStateMachine, float], list[Event]]:
    return lambda m, t: m.api_state(in_meeting, recording, t)


def connected(m: MeetingStateMachine, t: float) -> list[Event]:
    return m.api_connected(t)


def dropped(m: MeetingStateMachine, t: float) -> list[Event]:
    return m.api_disconnected(t)


def tick(m: MeetingStateMachine, t: float) -> list[Event]:
    return m.tick(t)


def devices(*clients: str) -> Callable[[MeetingStateMachine, float], list[Event]]:
    return lambda m, t: m.capability(clients, t)


def test_plain_meeting_with_recording() -> None:
    events = run([
        (0, procs("teams-new")), (1, connected), (5, api(True)), (10, api(True, True)),
        (20, api(True, False)), (100, api(False)), (129, tick), (130, tick),
        (140, procs()),
    ])
    assert events == [(0, TEAMS_STARTED), (5, MEETING_STARTED), (10, RECORDING_STARTED),
                      (20, RECORDING_STOPPED), (130, MEETING_ENDED), (140, TEAMS_EXITED)]


def test_meeting_end_detail_has_duration_until_signals_cleared_and_clients() -> None:
    m = MeetingStateMachine(GRACE)
    m.processes({"teams-new"}, 0)
    m.api_state(True, False, 10)
    m.api_state(False, False, 70)
    [ended] = m.tick(100)
    assert ended.name == MEETING_ENDED
    assert ended.detail == {"duration_s": 60, "clients": ["teams-new"]}
    assert m.meeting_started_at is None and not m.in_meeting


def test_flapping_signal_within_grace_is_one_meeting() -> None:
    events = run([
        (0, procs("teams-new")), (1, api(True)), (10, api(False)), (20, api(True)),
        (25, api(False)), (40, api(True)), (50, api(False)), (60, tick), (79, tick),
        (80, tick),
    ])
    assert [e for _, e in events].count(MEETING_STARTED) == 1
    assert events[-1] == (80, MEETING_ENDED)


def test_flapping_processes_report_each_exit_and_start() -> None:
    events = run([(0, procs("teams-new")), (2, procs()), (4, procs("teams-new"))])
    assert [e for _, e in events] == [TEAMS_STARTED, TEAMS_EXITED, TEAMS_STARTED]


def test_teams_crash_mid_meeting_ends_after_grace_while_recording_stops_first() -> None:
    events = run([
        (0, procs("teams-new")), (1, api(True, True)),
        (50, dropped),            # Teams crashed: the API goes first ...
        (51, procs()),            # ... then the process is gone
        (60, tick), (81, tick),
    ])
    assert events == [(0, TEAMS_STARTED), (1, MEETING_STARTED), (1, RECORDING_STARTED),
                      (51, TEAMS_EXITED), (81, RECORDING_STOPPED), (81, MEETING_ENDED)]


def test_api_drop_while_teams_runs_keeps_the_meeting() -> None:
    m = MeetingStateMachine(GRACE)
    m.processes({"teams-new"}, 0)
    m.api_state(True, False, 1)
    m.api_disconnected(5)
    assert m.tick(500) == [] and m.in_meeting  # unknown is never "meeting over"
    assert m.next_deadline() is None
    # Reconnected, Teams says the meeting is over: now the grace runs.
    assert m.api_state(False, False, 600) == []
    assert [e.name for e in m.tick(630)] == [MEETING_ENDED]


def test_teams_restarting_within_grace_and_rejoining_is_one_meeting() -> None:
    events = run([
        (0, procs("teams-new")), (1, api(True)), (10, dropped), (11, procs()),
        (20, procs("teams-new")), (25, connected), (26, api(True)), (60, tick),
    ])
    assert [e for _, e in events].count(MEETING_STARTED) == 1
    assert MEETING_ENDED not in [e for _, e in events]


def test_api_connecting_mid_meeting_already_recording() -> None:
    events = run([(0, procs("teams-new")), (300, connected), (300, api(True, True))])
    assert events == [(0, TEAMS_STARTED), (300, MEETING_STARTED), (300, RECORDING_STARTED)]


def test_api_connecting_mid_meeting_found_by_capability_adds_no_second_start() -> None:
    m = MeetingStateMachine(GRACE)
    m.processes({"teams-new"}, 0)
    [started] = m.capability({"teams-new"}, 10)
    assert started.detail == {"source": SOURCE_CAPABILITY}
    assert m.api_connected(20) == []
    assert m.api_state(True, False, 21) == []
    # The API says it's over but the microphone is still open: not over yet.
    m.api_state(False, False, 100)
    assert m.tick(200) == [] and m.in_meeting
    m.capability((), 210)
    assert [e.name for e in m.tick(240)] == [MEETING_ENDED]


def test_capability_only_counts_while_that_client_runs() -> None:
    m = MeetingStateMachine(GRACE)
    # A stale registry entry after a crash: Teams is not running.
    assert m.capability({"teams-new"}, 0) == []
    assert not m.in_meeting
    m.processes({"teams-classic"}, 1)
    assert m.capability({"teams-new"}, 2) == []


def test_meeting_source_is_api_when_api_says_so() -> None:
    m = MeetingStateMachine(GRACE)
    [started] = m.api_state(True, None, 0)
    assert started.detail == {"source": SOURCE_API}


def test_unknown_fields_keep_the_previous_value() -> None:
    m = MeetingStateMachine(GRACE)
    m.api_state(True, True, 0)
    assert m.api_state(None, None, 5) == []
    assert m.in_meeting and m.recording


def test_recording_without_in_meeting_flag_counts_as_a_meeting() -> None:
    events = run([(0, api(False, True))])
    assert [e for _, e in events] == [MEETING_STARTED, RECORDING_STARTED]


def test_zero_grace_ends_at_once() -> None:
    events = run([(0, api(True)), (5, api(False))], grace=0)
    assert events == [(0, MEETING_STARTED), (5, MEETING_ENDED)]


def test_negative_grace_is_refused() -> None:
    with pytest.raises(ValueError):
        MeetingStateMachine(-1)


def test_two_meetings_in_a_row_each_end() -> None:
    events = run([
        (0, api(True)), (10, api(False)), (40, tick), (50, api(True)), (60, api(False)),
        (90, tick),
    ])
    assert [e for _, e in events] == [MEETING_STARTED, MEETING_ENDED, MEETING_STARTED,
                                      MEETING_ENDED]


def test_state_module_imports_no_qt() -> None:
    code = ("import sys, devicecheck.teams.state, devicecheck.teams.autoclean, "
            "devicecheck.teams.protocol, devicecheck.teams.capability, "
            "devicecheck.teams.processes, devicecheck.teams.token; "
            "print(any(m.startswith('PySide6') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.strip() == "False"
