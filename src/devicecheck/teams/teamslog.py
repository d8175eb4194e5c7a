"""New Teams' own log, read for call lines: a pure parser and a pure call tracker.

New Teams (Windows' packaged app, ``devicecheck/clients.py``; macOS, unverified that the lines match)
writes ``Logs/MSTeams_<date>_<time>.<n>.log``. The format is undocumented and changes
between releases; what is relied on here comes from published captures (2026):

- every line: an ISO-8601 timestamp with offset, a thread id, a level, then text:
  ``2026-07-26T11:24:22.599057+01:00 0x00006de8 <INFO> native_modules::...``
  (jimmyeao/TEAMS2HA ``tauri/src-tauri/src/log_watcher.rs``, a line quoted "verbatim from
  MSTeams_2026-07-26_12-24-08.00.log");
- a call going active: ``NotifyCallActive`` or ``reportCallActive``. Teams writes three
  active lines per activation and only the ``HfpVoipCallCoordinatorImpl`` one carries
  ``callId: <GUID>``, often glued to the next field
  (``...callId: d84becb7-...-e61364d07d11causeId: ...``), so exactly 36 characters of
  GUID shape are taken (jimmyeao/TEAMS2HA pull request #108 and the tests in
  ``log_watcher.rs``);
- a call ending: ``NotifyCallEnded callId: <GUID>`` and
  ``TeamsCallTracker: CallEnded fired: <GUID>`` (the same call ends twice);
- an incoming call ringing: ``reportIncomingCall for callId: <GUID>``. A declined or
  missed call writes ringing + ended for its own id and never goes active: it must not end
  a meeting that is running (TEAMS2HA #108: "a declined incoming call ended the running
  meeting");
- ``reportCallAccepted`` / ``reportCallEnded`` with a call id: a call Teams loses in its
  own VoIP coordinator is only ever named in these (TEAMS2HA pull request #119, a field
  capture of 2026-08-25). Taken only when they carry an id;
- a ring writes ``reportIncomingCall for callId: X`` and, ~10 ms later,
  ``reportIncomingCall completed  for callId: X`` for the same call (shared/reference/
  teams.md, "Field reports, second half of 2026"): both are ringing lines, one call;
- on new Teams 26225.x the in-line time is UTC although it carries the local offset
  (same source). The file name holds the file's start in local time
  (``MSTeams_2026-07-26_12-24-08.00.log`` opens with ``11:24:22...+01:00`` in the capture
  TEAMS2HA quotes), so a file whose first line's wall time plus its offset is the name's
  time has the quirk, and its times are read as UTC (``utc_quirk``, ``as_utc_wall``).

Log lines hold names, presence and user ids: nothing here keeps a line. A ``LogEvent``
holds only the kind, the call id (a random GUID, never shown to anyone) and the time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

ACTIVE = "active"
ENDED = "ended"
RINGING = "ringing"

_GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
#: The id follows ``callId: `` (HfpVoipCallCoordinatorImpl lines) or ``fired: ``
#: (TeamsCallTracker lines). No word boundary after it: the GUID is often glued on.
_CALL_ID = re.compile(r"(?:callId|fired):\s?(" + _GUID + ")")

# Markers, checked in this order (a ringing line is never an end or an active line).
_RINGING = ("reportIncomingCall",)
_ENDED = ("NotifyCallEnded", "CallEnded fired")
_ENDED_WITH_ID = ("reportCallEnded",)
_ACTIVE = ("NotifyCallActive", "reportCallActive")
_ACTIVE_WITH_ID = ("reportCallAccepted",)
#: Every call line contains this: one cheap test rejects almost every other line.
_QUICK = "Call"

#: A ringing id not seen again is forgotten after this many newer rings (bounded memory).
MAX_RINGING = 64
#: Open calls kept by id (a meeting has a handful); older ones are only counted (issue 29:
#: 3 million ids that never end once took 464 MB).
MAX_OPEN = 64
#: How far a file's first line may be from the start time in its name and still be told
#: apart (offsets are whole quarter hours; a first line is written within seconds).
QUIRK_TOLERANCE = timedelta(minutes=10)
_NAME_TIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})_(\d{2})-(\d{2})-(\d{2})")


@dataclass(frozen=True)
class LogEvent:
    """One call line: what happened to which call, when (None where the line did not say)."""

    kind: str
    call_id: str | None = None
    timestamp: datetime | None = None


def call_id(text: str) -> str | None:
    """The call GUID of a line (lower case), or None."""
    m = _CALL_ID.search(text)
    return m.group(1).lower() if m else None


def timestamp(text: str) -> datetime | None:
    """The leading ISO-8601 timestamp, if it has an offset (a naive time is not trusted)."""
    head = text[:40].lstrip("\ufeff").split(" ", 1)[0]
    if len(head) < 19 or not head[:4].isdigit():
        return None
    try:
        when = datetime.fromisoformat(head)
    except ValueError:
        return None
    return when if when.utcoffset() is not None else None


def name_time(name: str) -> datetime | None:
    """The local start time in a log's name (``MSTeams_2026-07-26_12-24-08.00.log``), naive."""
    m = _NAME_TIME.search(name)
    if m is None:
        return None
    try:
        return datetime(*(int(g) for g in m.groups()))  # type: ignore[arg-type]
    except ValueError:
        return None


def utc_quirk(started: datetime | None, first: datetime | None) -> bool | None:
    """Does this file carry UTC wall times with a local offset (new Teams 26225.x)?

    ``started``: the naive local start time in the file's name; ``first``: the file's first
    timestamp. True when the first line's wall time plus its offset is the start (the wall
    time is UTC), False when its wall time is the start (as written), None when neither
    fits or either is missing (the times are then taken as written). With a zero offset
    both readings agree: False."""
    if started is None or first is None or first.utcoffset() is None:
        return None
    wall = first.replace(tzinfo=None)
    if abs(wall - started) <= QUIRK_TOLERANCE:
        return False
    offset = first.utcoffset() or timedelta(0)
    if abs(wall + offset - started) <= QUIRK_TOLERANCE:
        return True
    return None


def as_utc_wall(when: datetime) -> datetime:
    """A quirk line's time: its wall clock is UTC, whatever offset it carries. Durations
    then stay right across a change of offset (the clocks going back), where the offset
    written would add or take away an hour."""
    return when.replace(tzinfo=UTC)


def _has(text: str, markers: Iterable[str]) -> bool:
    return any(m in text for m in markers)


def parse_line(text: str) -> LogEvent | None:
    """The call event one log line describes, or None (most lines)."""
    if _QUICK not in text:
        return None
    if _has(text, _RINGING):
        ident = call_id(text)
        return LogEvent(RINGING, ident, timestamp(text)) if ident else None
    if _has(text, _ENDED):
        return LogEvent(ENDED, call_id(text), timestamp(text))
    if _has(text, _ENDED_WITH_ID):
        ident = call_id(text)
        return LogEvent(ENDED, ident, timestamp(text)) if ident else None
    if _has(text, _ACTIVE):
        return LogEvent(ACTIVE, call_id(text), timestamp(text))
    if _has(text, _ACTIVE_WITH_ID):
        ident = call_id(text)
        return LogEvent(ACTIVE, ident, timestamp(text)) if ident else None
    return None


class CallTracker:
    """Folds ``LogEvent``s into the calls that are open now. Pure.

    Rules (why, in brief):
    - an active line with an id opens that call; its end line closes it; the meeting is on
      while any call is open (two overlapping calls: the first ending leaves the second);
    - an active line without an id opens an *anonymous* call only when no call with an id
      is open: Teams writes id-less duplicates of every activation (TEAMS2HA #108), and an
      id-bearing line for the same activation replaces the anonymous call;
    - an anonymous call is closed by the next end line, with or without an id (the
      fall-back for a release whose lines carry no ids), except the end of a call that was
      only ever ringing;
    - an id-less end line while calls with ids are open is noise (Teams' duplicate end
      lines; "closes all" would let a declined call's duplicate end a running meeting);
    - ringing then ended for an id that never went active changes nothing (declined or
      missed); an end for an unknown id changes nothing either (a duplicate end line);
    - a ring's two lines (``reportIncomingCall`` and ``... completed``) are one incoming
      call: ``rings`` counts ids, not lines;
    - at most ``MAX_OPEN`` open calls are kept by id, the newest; older ones are counted in
      ``dropped`` and keep the meeting on until ``reset()`` (their end lines can no longer
      be matched, and an end we cannot match must not end a meeting: unknown is not "over");
    - ``reset()`` drops everything: Teams exited or crashed and wrote no end lines.
    """

    def __init__(self, max_open: int = MAX_OPEN) -> None:
        self.max_open = max_open
        self._active: dict[str, None] = {}    # insertion-ordered: oldest first
        self.dropped = 0
        self.anonymous = False
        self.rings = 0
        self._ringing: dict[str, None] = {}   # insertion-ordered: oldest first

    @property
    def active(self) -> set[str]:
        return set(self._active)

    @property
    def open(self) -> bool:
        return self.anonymous or bool(self._active) or self.dropped > 0

    @property
    def count(self) -> int:
        return len(self._active) + self.dropped + (1 if self.anonymous else 0)

    def reset(self) -> None:
        self._active.clear()
        self.dropped = 0
        self.anonymous = False
        self._ringing.clear()

    def copy(self) -> CallTracker:
        """An independent copy (bounded: at most ``max_open`` + ``MAX_RINGING`` ids)."""
        other = CallTracker(self.max_open)
        other._active = dict(self._active)
        other._ringing = dict(self._ringing)
        other.dropped, other.anonymous, other.rings = self.dropped, self.anonymous, self.rings
        return other

    def feed_all(self, events: Iterable[LogEvent]) -> bool:
        """Fold many events; True if the open/closed state changed overall."""
        was = self.open
        for ev in events:
            self.feed(ev)
        return self.open != was

    def feed(self, ev: LogEvent) -> bool:
        """Fold one event; True if the open/closed state changed."""
        was = self.open
        ident = ev.call_id
        if ev.kind == ACTIVE:
            if ident is not None:
                self._active.pop(ident, None)
                self._active[ident] = None
                while len(self._active) > self.max_open:
                    self._active.pop(next(iter(self._active)))
                    self.dropped += 1
                self._ringing.pop(ident, None)
                self.anonymous = False     # the id'd line of the same activation wins
            elif not self._active and not self.dropped:
                self.anonymous = True
        elif ev.kind == RINGING and ident is not None:
            if ident not in self._active:
                if ident in self._ringing:
                    del self._ringing[ident]   # the same ring's "completed" line
                else:
                    self.rings += 1
                self._ringing[ident] = None
                while len(self._ringing) > MAX_RINGING:
                    self._ringing.pop(next(iter(self._ringing)))
        elif ev.kind == ENDED:
            if ident is not None and ident in self._active:
                del self._active[ident]
            elif ident is not None and ident in self._ringing:
                self._ringing.pop(ident)   # declined or missed: never went active
            elif not self._active and not self.dropped:
                self.anonymous = False     # fall-back: any end closes an anonymous call
        return self.open != was


__all__ = ["ACTIVE", "ENDED", "MAX_OPEN", "RINGING", "CallTracker", "LogEvent", "as_utc_wall",
           "call_id", "name_time", "parse_line", "timestamp", "utc_quirk"]
