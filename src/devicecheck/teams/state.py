"""The meeting state machine: folds the Teams signals into events. Pure (no Qt, no I/O,
no clock of its own: every input carries ``now``, a monotonic time in seconds).

Signals in:
- processes: which catalogued Teams clients are running (``teams-started``/``-exited``);
- the local API: connected or not, ``isInMeeting``, ``isRecordingOn``;
- capability: which clients hold the microphone or camera (Windows).

Rules (why, in brief):
- A meeting starts when any meeting signal is on. It ends only when *all* have been clear
  for ``grace_s`` seconds, so flapping signals (a reconnecting API, a device test, Teams
  restarting mid-call) do not split one meeting into several or trigger a clean-up.
- A capability signal counts only while that client runs: after a crash Windows may leave
  ``LastUsedTimeStop == 0`` behind for ever.
- When the API drops while it said "in a meeting", its last word is kept while a Teams
  client still runs: we cannot know the meeting ended, and a clean-up must never run during
  a meeting. Once no Teams client runs, that stale word is dropped.
- Recording is only known from the API; it stops with the meeting at the latest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

TEAMS_STARTED = "teams-started"
TEAMS_EXITED = "teams-exited"
MEETING_STARTED = "meeting-started"
MEETING_ENDED = "meeting-ended"
RECORDING_STARTED = "recording-started"
RECORDING_STOPPED = "recording-stopped"

#: The events this machine emits (the monitor adds connection and clean-up events).
STATE_EVENTS: tuple[str, ...] = (TEAMS_STARTED, TEAMS_EXITED, MEETING_STARTED, MEETING_ENDED,
                                 RECORDING_STARTED, RECORDING_STOPPED)

SOURCE_API = "teams-api"
SOURCE_CAPABILITY = "capability"
SOURCE_STALE_API = "teams-api-last-known"


@dataclass(frozen=True)
class Event:
    name: str
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class _Api:
    connected: bool = False
    in_meeting: bool = False   # last known; kept across a drop (see module docstring)
    recording: bool = False


class MeetingStateMachine:
    """Feed it signals; each input returns the events it caused, in order."""

    def __init__(self, grace_s: float) -> None:
        if grace_s < 0:
            raise ValueError("grace_s must be >= 0")
        self.grace_s = float(grace_s)
        self.running: frozenset[str] = frozenset()
        self._api = _Api()
        self._devices: frozenset[str] = frozenset()      # clients using mic/camera
        self.in_meeting = False
        self.recording = False
        self.meeting_started_at: float | None = None     # monotonic
        self.meeting_clients: set[str] = set()           # clients seen during the meeting
        self._clear_since: float | None = None

    # -- inputs ---------------------------------------------------------------------
    def processes(self, running: Iterable[str], now: float) -> list[Event]:
        """The set of catalogued clients running now."""
        new = frozenset(running)
        events = [Event(TEAMS_STARTED, {"client": c}) for c in sorted(new - self.running)]
        events += [Event(TEAMS_EXITED, {"client": c}) for c in sorted(self.running - new)]
        self.running = new
        return self._settle(events, now)

    def api_connected(self, now: float) -> list[Event]:
        self._api.connected = True
        return self._settle([], now)

    def api_disconnected(self, now: float) -> list[Event]:
        self._api.connected = False
        return self._settle([], now)

    def api_state(self, in_meeting: bool | None, recording: bool | None,
                  now: float) -> list[Event]:
        """A ``meetingUpdate``; None means the field was absent or unreadable (keep the
        previous value rather than guess)."""
        self._api.connected = True
        if in_meeting is not None:
            self._api.in_meeting = in_meeting
        if recording is not None:
            self._api.recording = recording
        return self._settle([], now)

    def capability(self, in_use: Iterable[str], now: float) -> list[Event]:
        """Clients that hold the microphone or camera now."""
        self._devices = frozenset(in_use)
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
    def meeting_source(self) -> str | None:
        """Which signal says a meeting is on now (None: all clear)."""
        api = self._api
        if api.connected and (api.in_meeting or api.recording):
            return SOURCE_API
        if not api.connected and (api.in_meeting or api.recording):
            if self.running:
                return SOURCE_STALE_API
            api.in_meeting = api.recording = False  # Teams is gone: so is its meeting
        if self._devices & self.running:
            return SOURCE_CAPABILITY
        return None

    def _api_recording(self) -> bool:
        return self._api.connected and self._api.recording

    def _settle(self, events: list[Event], now: float) -> list[Event]:
        source = self.meeting_source()
        if source is not None:
            self._clear_since = None
            if not self.in_meeting:
                self.in_meeting = True
                self.meeting_started_at = now
                self.meeting_clients = set(self.running)
                events.append(Event(MEETING_STARTED, {"source": source}))
            self.meeting_clients |= self.running
            if self._api_recording() and not self.recording:
                self.recording = True
                events.append(Event(RECORDING_STARTED, {"source": SOURCE_API}))
        elif self.in_meeting and self._clear_since is None:
            self._clear_since = now
        if self.recording and self._api.connected and not self._api.recording:
            self.recording = False
            events.append(Event(RECORDING_STOPPED, {"source": SOURCE_API}))
        deadline = self.next_deadline()
        if deadline is not None and now >= deadline:
            events += self._end(now)
        return events

    def _end(self, now: float) -> list[Event]:
        assert self.meeting_started_at is not None and self._clear_since is not None
        events: list[Event] = []
        if self.recording:
            self.recording = False
            events.append(Event(RECORDING_STOPPED, {"source": "meeting-ended"}))
        # The meeting lasted until its signals cleared, not until the grace ran out.
        duration = max(0, round(self._clear_since - self.meeting_started_at))
        events.append(Event(MEETING_ENDED, {"duration_s": int(duration),
                                            "clients": sorted(self.meeting_clients)}))
        self.in_meeting = False
        self.meeting_started_at = None
        self._clear_since = None
        self.meeting_clients = set()
        return events
