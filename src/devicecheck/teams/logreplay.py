"""Replay a saved new-Teams log: its call lines through the ``CallTracker`` and the meeting
state machine, timed by the log's own timestamps (``devicecheck watch --replay-log``).

For IT support looking at an officer's log, and for tests. Pure apart from reading the
lines it is given. Only events leave: never a log line, a call id or a name.

The replay assumes new Teams ran from the first call line on (a log is only written while
it runs), so the log's reading, attributed to ``teams-new``, counts. Teams exiting is not
in the log: a meeting still open at the end is reported as open, never invented as ended.

Given the file's name, a log with new Teams 26225.x's UTC-with-offset times is told apart
(``teamslog.utc_quirk``: its first timestamp against the start time in its name) and its
times read as UTC, so the events' times are right and durations stay right when the
offset changes mid-log (the clocks going back). A ring's two lines are one incoming call
(``incoming_calls``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from devicecheck.teams import state as st
from devicecheck.teams.logtail import MAX_LINE
from devicecheck.teams.sources.base import CLEAR, Reading
from devicecheck.teams.sources.log import NEW_TEAMS
from devicecheck.teams.teamslog import (
    CallTracker,
    LogEvent,
    as_utc_wall,
    name_time,
    parse_line,
    timestamp,
    utc_quirk,
)

SOURCE = "log"
#: The machine's events a replay prints (Teams starting is assumed, not seen).
MEETING_EVENTS = frozenset({st.MEETING_STARTED, st.MEETING_ENDED, st.RECORDING_STARTED,
                            st.RECORDING_STOPPED})


@dataclass
class ReplayResult:
    events: list[tuple[datetime, str, dict[str, Any]]] = field(default_factory=list)
    open_calls: int = 0                 # calls still open at the end of the log
    in_meeting: bool = False            # a meeting still on at the end
    call_lines: int = 0
    untimed: int = 0                    # call lines before any timestamp: not replayed
    incoming_calls: int = 0             # calls that rang (a ring writes two lines)
    utc_quirk: bool | None = None       # the in-line times were UTC with a local offset


def replay_lines(lines: Iterable[bytes], grace_s: float, name: str | None = None
                 ) -> ReplayResult:
    """``name``: the log file's name (its start time tells the UTC quirk); None: the times
    are taken as written."""
    result = ReplayResult()
    started = name_time(name) if name else None
    decided = started is None
    tracker = CallTracker()
    machine = st.MeetingStateMachine(grace_s)
    t0: datetime | None = None
    clock = 0.0

    def at(seconds: float) -> datetime:
        assert t0 is not None
        return (t0 + timedelta(seconds=seconds)).astimezone(UTC)

    def keep(events: list[st.Event], seconds: float) -> None:
        result.events.extend((at(seconds), e.name, e.to_detail()) for e in events
                             if e.name in MEETING_EVENTS)

    for raw in lines:
        if not decided:
            # The file's first timestamped line, against the start time in its name.
            first = timestamp(raw[:64].decode("utf-8", errors="replace"))
            if first is not None:
                result.utc_quirk = utc_quirk(started, first)
                decided = True
        if len(raw) > MAX_LINE or b"Call" not in raw:   # cheap: most lines never decoded
            continue
        ev = parse_line(raw.decode("utf-8", errors="replace"))
        if ev is None:
            continue
        result.call_lines += 1
        if result.utc_quirk and ev.timestamp is not None:
            ev = LogEvent(ev.kind, ev.call_id, as_utc_wall(ev.timestamp))
        if ev.timestamp is not None:
            if t0 is None:
                t0 = ev.timestamp
                machine.processes({NEW_TEAMS}, 0.0)
            # Monotonic, as the machine expects: a clock set back never runs time backwards.
            clock = max(clock, (ev.timestamp - t0).total_seconds())
        elif t0 is None:
            result.untimed += 1
            continue
        deadline = machine.next_deadline()
        if deadline is not None and deadline <= clock:
            keep(machine.tick(deadline), deadline)    # the grace ran out before this line
        if tracker.feed(ev):
            reading = Reading.of([NEW_TEAMS]) if tracker.open else CLEAR
            keep(machine.reading(SOURCE, reading, clock), clock)
    deadline = machine.next_deadline()
    if deadline is not None:
        # Every call had ended in the log: the grace runs out as it would have live.
        keep(machine.tick(deadline), deadline)
    result.open_calls = tracker.count
    result.incoming_calls = tracker.rings
    result.in_meeting = machine.in_meeting
    return result


__all__ = ["ReplayResult", "replay_lines"]
