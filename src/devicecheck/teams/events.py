"""The Teams link's events as typed values (issue 28), a leaf module: no Qt, no other
DeviceCheck import, so the state machine, the tray's pure models and its light hooks can
all read it.

The link sends every event on one Qt signal as its pinned name and a JSON-able detail
(``TeamsMonitor.teamsEvent(str, dict)``; ``devicecheck watch --json`` prints exactly that,
docs/teams-link.md "Events"). The state machine (``teams/state.py``: ``TeamsStarted`` …
``RecordingStopped``) and the clean-up half (``Cleaned``, ``CleanRefused``,
``Restarting``) build their events here, so each detail's shape is written once
(``to_detail``, keys in the order ``watch`` has always printed them); the tray reads each
event back once with ``parse``: after that nothing looks a key up by string.

The link's own events (``signals``, ``teams-connected``…) parse to ``LinkEvent``: their
name, and the detail as it came.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

TEAMS_STARTED = "teams-started"
TEAMS_EXITED = "teams-exited"
MEETING_STARTED = "meeting-started"
MEETING_ENDED = "meeting-ended"
RECORDING_STARTED = "recording-started"
RECORDING_STOPPED = "recording-stopped"
#: Who saw a client start or exit: the process watch (the only one that does).
SOURCE_PROCESS = "process"
#: ``recording-stopped``'s ``source`` when the meeting's end stopped it (no source cleared).
BY_MEETING_END = "meeting-ended"

CLEANED = "cleaned"
CLEAN_REFUSED = "clean-refused"
RESTARTING = "teams-restarting"        # a restart-to-clean began (Teams closes briefly)

#: Why a clean did not happen. ``teams-running`` is an offer (the data waits), the others
#: end a restart-and-clean (``RESTART_OUTCOME_REASONS``).
TEAMS_RUNNING, MEETING_ON, QUIT_FAILED = "teams-running", "meeting-on", "quit-failed"
FORCED_CACHES_ONLY, ERROR = "forced-caches-only", "error"
RESTART_OUTCOME_REASONS = frozenset({MEETING_ON, QUIT_FAILED, FORCED_CACHES_ONLY, ERROR})


def _names(value: object) -> tuple[str, ...]:
    """A list of names (clients, sources) as sent; anything else reads as none."""
    return tuple(str(c) for c in value) if isinstance(value, list | tuple) else ()


def _sources(detail: Mapping[str, Any]) -> tuple[str, ...]:
    """``sources`` as sent; a detail with only ``source`` (a stand-in's) reads its joined
    names back."""
    sources = detail.get("sources")
    if isinstance(sources, list | tuple):
        return tuple(str(s) for s in sources)
    joined = detail.get("source")
    return tuple(joined.split("+")) if isinstance(joined, str) and joined else ()


def _joined(sources: tuple[str, ...]) -> str:
    return "+".join(sorted(sources))


def _flags(value: object) -> dict[str, bool]:
    return {str(k): bool(v) for k, v in value.items()} if isinstance(value, dict) else {}


# -- the state machine's events (teams/state.py builds them) --------------------------------
@dataclass(frozen=True)
class _ClientEvent:
    """A client's process came or went; the two events are siblings, so ``isinstance``
    never takes one for the other."""

    name: ClassVar[str]
    client: str
    source: str = SOURCE_PROCESS

    def to_detail(self) -> dict[str, Any]:
        return {"client": self.client, "source": self.source}

    @classmethod
    def from_detail(cls, detail: Mapping[str, Any]) -> Self:
        return cls(str(detail.get("client") or ""), str(detail.get("source") or ""))


@dataclass(frozen=True)
class TeamsStarted(_ClientEvent):
    """A catalogued Teams client started (seen by the process watch)."""

    name: ClassVar[str] = TEAMS_STARTED


@dataclass(frozen=True)
class TeamsExited(_ClientEvent):
    """A catalogued Teams client exited."""

    name: ClassVar[str] = TEAMS_EXITED


@dataclass(frozen=True)
class MeetingStarted:
    """A meeting began: the sources that said so (sorted) and the clients they saw."""

    name: ClassVar[str] = MEETING_STARTED
    sources: tuple[str, ...] = ()
    clients: tuple[str, ...] = ()

    def to_detail(self) -> dict[str, Any]:
        return {"source": _joined(self.sources), "sources": sorted(self.sources),
                "clients": list(self.clients)}

    @classmethod
    def from_detail(cls, detail: Mapping[str, Any]) -> MeetingStarted:
        return cls(_sources(detail), _names(detail.get("clients")))


@dataclass(frozen=True)
class MeetingEnded:
    """A meeting ended (every source clear for the grace period): how long it lasted until
    its signals cleared, every client and source seen during it."""

    name: ClassVar[str] = MEETING_ENDED
    duration_s: int = 0
    clients: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    def to_detail(self) -> dict[str, Any]:
        return {"duration_s": self.duration_s, "clients": list(self.clients),
                "sources": list(self.sources)}

    @classmethod
    def from_detail(cls, detail: Mapping[str, Any]) -> MeetingEnded:
        duration = detail.get("duration_s")
        return cls(duration if isinstance(duration, int) else 0,
                   _names(detail.get("clients")), _names(detail.get("sources")))


@dataclass(frozen=True)
class RecordingStarted:
    """A source saw the meeting being recorded (``window``: the meeting window's own
    indicator; ``api``: the opt-in local API)."""

    name: ClassVar[str] = RECORDING_STARTED
    sources: tuple[str, ...] = ()

    def to_detail(self) -> dict[str, Any]:
        return {"source": _joined(self.sources), "sources": sorted(self.sources)}

    @classmethod
    def from_detail(cls, detail: Mapping[str, Any]) -> RecordingStarted:
        return cls(_sources(detail))


@dataclass(frozen=True)
class RecordingStopped:
    """The recording sources cleared, or the meeting ended under them
    (``by_meeting_end``: ``source`` says ``meeting-ended`` and no source is named)."""

    name: ClassVar[str] = RECORDING_STOPPED
    sources: tuple[str, ...] = ()
    by_meeting_end: bool = False

    def to_detail(self) -> dict[str, Any]:
        if self.by_meeting_end:
            return {"source": BY_MEETING_END, "sources": []}
        return {"source": _joined(self.sources), "sources": sorted(self.sources)}

    @classmethod
    def from_detail(cls, detail: Mapping[str, Any]) -> RecordingStopped:
        if detail.get("source") == BY_MEETING_END:
            return cls((), by_meeting_end=True)
        return cls(_sources(detail))


StateEvent = (TeamsStarted | TeamsExited | MeetingStarted | MeetingEnded | RecordingStarted
              | RecordingStopped)


# -- the clean-up's events (teams/cleanup.py builds them) ----------------------------------
@dataclass(frozen=True)
class Restarting:
    """A restart-and-clean began: Teams closes for a few seconds."""

    name: ClassVar[str] = RESTARTING
    clients: tuple[str, ...]
    automatic: bool = False

    def to_detail(self) -> dict[str, Any]:
        return {"clients": list(self.clients), "automatic": self.automatic}


@dataclass(frozen=True)
class RestartFacts:
    """What a restart added to a clean: per client whether it came back / was forced."""

    restarted: Mapping[str, bool]
    forced: Mapping[str, bool]
    automatic: bool = False
    seconds: float = 0.0


@dataclass(frozen=True)
class Cleaned:
    """Meeting data was cleared for ``clients``; ``restart`` after a restart-and-clean."""

    name: ClassVar[str] = CLEANED
    clients: tuple[str, ...]
    removed_files: int = 0
    removed_bytes: int = 0
    failures: int = 0
    restart: RestartFacts | None = None

    def to_detail(self) -> dict[str, Any]:
        detail: dict[str, Any] = {
            "clients": list(self.clients), "removed_files": self.removed_files,
            "removed_bytes": self.removed_bytes, "failures": self.failures}
        if self.restart is not None:
            detail.update(restarted=dict(self.restart.restarted),
                          forced=dict(self.restart.forced),
                          automatic=self.restart.automatic,
                          seconds=round(self.restart.seconds, 2))
        return detail

    @property
    def automatic(self) -> bool:
        return self.restart is not None and self.restart.automatic

    @classmethod
    def from_detail(cls, detail: Mapping[str, Any]) -> Cleaned:
        failures = detail.get("failures")
        restarted = detail.get("restarted")
        restart = None
        if isinstance(restarted, dict):  # only a restart-and-clean says who came back
            restart = RestartFacts(_flags(restarted), _flags(detail.get("forced")),
                                   detail.get("automatic") is True,
                                   float(detail.get("seconds") or 0.0))
        return cls(_names(detail.get("clients")), int(detail.get("removed_files") or 0),
                   int(detail.get("removed_bytes") or 0),
                   failures if isinstance(failures, int) else 0, restart)


@dataclass(frozen=True)
class AfterMeetingSetting:
    """The policy the link acted on, echoed in a refusal for ``watch`` readers. The tray
    does not read it back: it holds the policy itself."""

    after_meeting: str
    offer_quit_teams: bool


@dataclass(frozen=True)
class CleanRefused:
    """No clean for ``clients`` now, and why (``reason``); the data waits for the next
    chance (``clean_on_exit``)."""

    name: ClassVar[str] = CLEAN_REFUSED
    clients: tuple[str, ...]
    reason: str
    #: ``teams-running``: someone can be asked to let DeviceCheck restart Teams (the
    #: tray); None when the link did not say.
    ask: bool | None = None
    idle_unknown: bool = False        # restart-when-idle could not read idle: it asks
    error: str | None = None          # reason "error": the exception's type
    setting: AfterMeetingSetting | None = None

    def to_detail(self) -> dict[str, Any]:
        detail: dict[str, Any] = {"clients": list(self.clients), "reason": self.reason}
        if self.error is not None:
            detail["error"] = self.error
        if self.setting is not None:
            mode = self.setting.after_meeting
            detail.update(offer_quit_teams=self.setting.offer_quit_teams, after_meeting=mode,
                          offer_restart=mode != "wait-for-exit")
        detail["clean_on_exit"] = True
        if self.ask is not None:
            detail["ask"] = self.ask
        if self.idle_unknown:
            detail["idle_unknown"] = True
        return detail

    @classmethod
    def from_detail(cls, detail: Mapping[str, Any]) -> CleanRefused:
        ask = detail.get("ask")
        error = detail.get("error")
        return cls(_names(detail.get("clients")), str(detail.get("reason") or ""),
                   ask=ask if isinstance(ask, bool) else None,
                   idle_unknown=detail.get("idle_unknown") is True,
                   error=str(error) if error is not None else None)


@dataclass(frozen=True)
class LinkEvent:
    """Any other event: its pinned name and its detail as sent."""

    name: str
    detail: Mapping[str, Any] = field(default_factory=dict)

    def to_detail(self) -> dict[str, Any]:
        return dict(self.detail)


TeamsEvent = StateEvent | Restarting | Cleaned | CleanRefused | LinkEvent


def _restarting(detail: Mapping[str, Any]) -> Restarting:
    return Restarting(_names(detail.get("clients")), detail.get("automatic") is True)


_READERS: dict[str, Callable[[Mapping[str, Any]], TeamsEvent]] = {
    TEAMS_STARTED: TeamsStarted.from_detail, TEAMS_EXITED: TeamsExited.from_detail,
    MEETING_STARTED: MeetingStarted.from_detail, MEETING_ENDED: MeetingEnded.from_detail,
    RECORDING_STARTED: RecordingStarted.from_detail,
    RECORDING_STOPPED: RecordingStopped.from_detail,
    CLEANED: Cleaned.from_detail, CLEAN_REFUSED: CleanRefused.from_detail,
    RESTARTING: _restarting}


def parse(name: str, detail: Mapping[str, Any]) -> TeamsEvent:
    """The typed value of an event read off the wire (tolerant: a missing key reads as its
    empty value, never an error; the link's own events always carry every key)."""
    reader = _READERS.get(name)
    return reader(detail) if reader is not None else LinkEvent(name, dict(detail))


def ends_restart(event: TeamsEvent) -> bool:
    """Whether an event is the outcome of a restart-and-clean the officer asked for (never
    of an automatic one: idle restarts keep their one notification)."""
    if isinstance(event, Cleaned):
        return event.restart is not None and not event.restart.automatic
    return isinstance(event, CleanRefused) and event.reason in RESTART_OUTCOME_REASONS
