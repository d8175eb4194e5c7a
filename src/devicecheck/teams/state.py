"""The meeting state machine: folds named signal sources into events. Pure (no Qt, no
I/O, no clock of its own: every input carries ``now``, a monotonic time in seconds).

Inputs:
- ``processes``: which catalogued Teams clients are running (``teams-started``/``-exited``);
- ``reading(source, Reading)``: what one named source sees now (``teams/sources/base.py``):
  the clients it sees in a meeting and recording; any number of sources, by name.

Rules (why, in brief):
- A meeting starts when any source says so. It ends only when *all* have been clear for
  ``grace_s`` seconds, so flapping signals (a device test, a reconnecting API, Teams
  restarting mid-call, a log rotating) do not split one meeting or trigger a clean-up.
- A reading that names a client counts only while that client runs: after a crash Windows
  may leave ``LastUsedTimeStop == 0`` behind for ever, and a log's open call is dropped
  when Teams exits without writing an end line.
- A *stale* reading (a source lost its view mid-call, e.g. the API dropped) is kept while
  any Teams client runs — we cannot know the meeting ended, and a clean-up must never run
  during one — and dropped for good once none runs.
- Recording is on while any source says so during a meeting; it stops with the meeting
  at the latest, and a recording reading alone never starts or holds a meeting.
"""

from __future__ import annotations

from collections.abc import Iterable

from devicecheck.teams.events import (
    MEETING_ENDED,
    MEETING_STARTED,
    RECORDING_STARTED,
    RECORDING_STOPPED,
    SOURCE_PROCESS,
    TEAMS_EXITED,
    TEAMS_STARTED,
    MeetingEnded,
    MeetingStarted,
    RecordingStarted,
    RecordingStopped,
    StateEvent,
    TeamsExited,
    TeamsStarted,
)
from devicecheck.teams.sources.base import ANY_CLIENT, CLEAR, Reading

#: The events this machine emits (the monitor adds connection and clean-up events), typed
#: values of ``teams/events.py``: their ``to_detail()`` is the pinned wire shape.
STATE_EVENTS: tuple[str, ...] = (TEAMS_STARTED, TEAMS_EXITED, MEETING_STARTED, MEETING_ENDED,
                                 RECORDING_STARTED, RECORDING_STOPPED)

#: What the machine returns: one of the typed state events.
Event = StateEvent


class MeetingStateMachine:
    """Feed it signals; each input returns the events it caused, in order."""

    def __init__(self, grace_s: float) -> None:
        if grace_s < 0:
            raise ValueError("grace_s must be >= 0")
        self.grace_s = float(grace_s)
        self.running: frozenset[str] = frozenset()
        self.readings: dict[str, Reading] = {}
        self.in_meeting = False
        self.recording = False
        self.started_mono: float | None = None     # monotonic
        self.meeting_clients: set[str] = set()           # clients seen during the meeting
        self.meeting_sources: set[str] = set()           # sources that said "meeting"
        self._recording_sources: frozenset[str] = frozenset()
        self._clear_since: float | None = None

    # -- inputs ---------------------------------------------------------------------
    def processes(self, running: Iterable[str], now: float) -> list[Event]:
        """The set of catalogued clients running now."""
        new = frozenset(running)
        events: list[Event] = [TeamsStarted(c, SOURCE_PROCESS)
                               for c in sorted(new - self.running)]
        events += [TeamsExited(c, SOURCE_PROCESS) for c in sorted(self.running - new)]
        self.running = new
        if not new:
            # Teams is gone: so is every stale last word (it must not come back to life
            # when Teams next starts).
            self.readings = {k: v for k, v in self.readings.items() if not v.stale}
        return self._settle(events, now)

    def reading(self, source: str, reading: Reading, now: float) -> list[Event]:
        """What source ``source`` sees now (replaces its previous reading)."""
        self.readings[source] = reading
        return self._settle([], now)

    def forget(self, source: str, now: float) -> list[Event]:
        """A source stopped: its readings no longer count."""
        self.readings.pop(source, None)
        return self._settle([], now)

    def tick(self, now: float) -> list[Event]:
        """Time passed: ends a meeting whose grace period is over."""
        return self._settle([], now)

    def next_deadline(self) -> float | None:
        """When ``tick`` must be called for a pending meeting end (None: nothing pending)."""
        if self.in_meeting and self._clear_since is not None:
            return self._clear_since + self.grace_s
        return None

    # -- folding --------------------------------------------------------------------
    def _counted(self, clients: frozenset[str], stale: bool) -> frozenset[str]:
        if stale and not self.running:
            return frozenset()
        return frozenset(c for c in clients if c == ANY_CLIENT or c in self.running)

    def sources_saying(self, kind: str = "meeting") -> dict[str, frozenset[str]]:
        """Source -> the clients it counts for now (meeting or recording)."""
        out: dict[str, frozenset[str]] = {}
        for name, r in self.readings.items():
            counted = self._counted(r.meeting if kind == "meeting" else r.recording, r.stale)
            if counted:
                out[name] = counted
        return out

    def _settle(self, events: list[Event], now: float) -> list[Event]:
        meeting = self.sources_saying("meeting")
        recording = self.sources_saying("recording")
        # Recording counts only inside a meeting that a meeting source sees: a source that
        # sees recording alone (the meeting window, looked at only during a meeting) must
        # never hold a meeting open. A source that knows recording implies a meeting (the
        # API's isRecordingOn) says so in its own meeting set.
        if meeting:
            self._clear_since = None
            clients = {c for cs in meeting.values() for c in cs if c != ANY_CLIENT}
            if not self.in_meeting:
                self.in_meeting = True
                self.started_mono = now
                self.meeting_clients = set(self.running)
                self.meeting_sources = set()
                events.append(MeetingStarted(tuple(sorted(meeting)), tuple(sorted(clients))))
            self.meeting_clients |= self.running | clients
            self.meeting_sources |= set(meeting)
            if recording and not self.recording:
                self.recording = True
                self._recording_sources = frozenset(recording)
                events.append(RecordingStarted(tuple(sorted(recording))))
        elif self.in_meeting and self._clear_since is None:
            self._clear_since = now
        if self.recording and not recording:
            stopped = self._recording_sources
            self.recording = False
            self._recording_sources = frozenset()
            events.append(RecordingStopped(tuple(sorted(stopped))))
        deadline = self.next_deadline()
        if deadline is not None and now >= deadline:
            events += self._end(now)
        return events

    def _end(self, now: float) -> list[Event]:
        assert self.started_mono is not None and self._clear_since is not None
        events: list[Event] = []
        if self.recording:
            self.recording = False
            self._recording_sources = frozenset()
            events.append(RecordingStopped((), by_meeting_end=True))
        # The meeting lasted until its signals cleared, not until the grace ran out.
        duration = max(0, round(self._clear_since - self.started_mono))
        events.append(MeetingEnded(int(duration), tuple(sorted(self.meeting_clients)),
                                   tuple(sorted(self.meeting_sources))))
        self.in_meeting = False
        self.started_mono = None
        self._clear_since = None
        self.meeting_clients = set()
        self.meeting_sources = set()
        return events


__all__ = ["CLEAR", "MEETING_ENDED", "MEETING_STARTED", "RECORDING_STARTED", "RECORDING_STOPPED",
           "STATE_EVENTS", "TEAMS_EXITED", "TEAMS_STARTED", "Event", "MeetingStateMachine",
           "Reading"]
