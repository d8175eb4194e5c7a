"""The Teams link's clean-up events as typed values (issue 28), a leaf module: no Qt, no
other DeviceCheck import, so the tray's pure models can read it.

The link sends every event on one Qt signal as its pinned name and a JSON-able detail
(``TeamsMonitor.teamsEvent(str, dict)``; ``devicecheck watch --json`` prints exactly that,
docs/teams-link.md "Events"). The clean-up half builds its events here (``to_detail``
gives the pinned shape, keys in the order ``watch`` has always printed them), and the
tray reads them back once with ``parse``: after that nothing looks a key up by string.

Events of the state machine (``meeting-started``…) and the link's own (``signals``…)
parse to ``LinkEvent``: their name, and the detail as it came.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

CLEANED = "cleaned"
CLEAN_REFUSED = "clean-refused"
RESTARTING = "teams-restarting"        # a restart-to-clean began (Teams closes briefly)

#: Why a clean did not happen. ``teams-running`` is an offer (the data waits), the others
#: end a restart-and-clean (``RESTART_OUTCOME_REASONS``).
TEAMS_RUNNING, MEETING_ON, QUIT_FAILED = "teams-running", "meeting-on", "quit-failed"
FORCED_CACHES_ONLY, ERROR = "forced-caches-only", "error"
RESTART_OUTCOME_REASONS = frozenset({MEETING_ON, QUIT_FAILED, FORCED_CACHES_ONLY, ERROR})


def _clients(value: object) -> tuple[str, ...]:
    return tuple(str(c) for c in value) if isinstance(value, list | tuple) else ()


def _flags(value: object) -> dict[str, bool]:
    return {str(k): bool(v) for k, v in value.items()} if isinstance(value, dict) else {}


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
        return cls(_clients(detail.get("clients")), int(detail.get("removed_files") or 0),
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
        return cls(_clients(detail.get("clients")), str(detail.get("reason") or ""),
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


TeamsEvent = Restarting | Cleaned | CleanRefused | LinkEvent


def parse(name: str, detail: Mapping[str, Any]) -> TeamsEvent:
    """The typed value of an event read off the wire (tolerant: a missing key reads as its
    empty value, never an error; the link's own events always carry every key)."""
    if name == CLEANED:
        return Cleaned.from_detail(detail)
    if name == CLEAN_REFUSED:
        return CleanRefused.from_detail(detail)
    if name == RESTARTING:
        return Restarting(_clients(detail.get("clients")), detail.get("automatic") is True)
    return LinkEvent(name, dict(detail))


def ends_restart(event: TeamsEvent) -> bool:
    """Whether an event is the outcome of a restart-and-clean the officer asked for (never
    of an automatic one: idle restarts keep their one notification)."""
    if isinstance(event, Cleaned):
        return event.restart is not None and not event.restart.automatic
    return isinstance(event, CleanRefused) and event.reason in RESTART_OUTCOME_REASONS
