"""The one interface every meeting/recording signal source implements.

A source watches one thing on the laptop (Teams' own log, microphone or camera use, audio
capture streams, the retired local API, ...) and says what it sees as a ``Reading``: which
Teams clients it sees in a meeting, and which recording. The pure state machine
(``teams/state.py``) folds the readings of any number of named sources; the monitor
(``teams/monitor.py``) runs them. A source is honest about what it cannot see: it says why
it cannot run here (``unavailable``) instead of reporting "no meeting".

Two ways a source delivers readings:
- *polled*: ``poll_ms`` is set; the monitor calls ``poll(now)`` that often (only while a
  catalogued client runs, when ``needs_running``) and feeds what it returns;
- *pushed*: the source calls ``emit(reading)`` itself (from the GUI thread), e.g. when a
  WebSocket frame or an audio-server event arrives.
Qt is allowed here (this is the Teams link), but sources that can be plain Python are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from devicecheck.osinfo import OsName
from devicecheck.policy import Policy
from devicecheck.probes.registry import RegistryReader

MEETING = "meeting"
RECORDING = "recording"

#: A client a source cannot name (the local API does not say which client it is).
ANY_CLIENT = "*"


@dataclass(frozen=True)
class Reading:
    """What one source sees now.

    ``meeting`` / ``recording``: client ids (or ``ANY_CLIENT``). A named client counts only
    while it runs (a value left behind by a crashed client must never hold a meeting open).
    ``stale``: the source lost its view and this is its last word (the API dropped mid-call):
    it counts only while some client runs. ``notes``: what it saw that does not count as a
    meeting (a browser capturing audio), for ``watch --signals`` and logs — never personal
    data.
    """

    meeting: frozenset[str] = frozenset()
    recording: frozenset[str] = frozenset()
    stale: bool = False
    notes: tuple[str, ...] = ()

    @staticmethod
    def of(meeting: Sequence[str] | frozenset[str] = (),
           recording: Sequence[str] | frozenset[str] = (), *, stale: bool = False,
           notes: Sequence[str] = ()) -> Reading:
        return Reading(frozenset(meeting), frozenset(recording), stale, tuple(notes))


CLEAR = Reading()

Emit = Callable[[Reading], None]


@dataclass
class SourceContext:
    """What a source may know about the laptop. Everything here is injectable for tests.

    ``clients``: the catalogued client ids being watched (browsers excluded);
    ``process_names(client, os)``: their process names; ``options``: source-specific
    injectables (a fake runner, a log folder, backoff bounds) keyed by option name.
    """

    policy: Policy
    os_name: OsName
    clients: tuple[str, ...]
    process_names: Callable[[str, OsName], frozenset[str]]
    clock: Callable[[], float]
    registry: RegistryReader | None = None
    env: Mapping[str, str] | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    #: Emit a link event of the source's own (the API's ``teams-connected``), by name.
    announce: Callable[[str, dict[str, Any]], None] = lambda _name, _detail: None

    def option(self, name: str, default: Any = None) -> Any:
        return self.options.get(name, default)


class SignalSource:
    """Base class: override what applies. ``name`` is the pinned ``detail.source`` word.

    Everything the monitor (and the pilot) reads of a source is declared here: the class
    settings below, ``problem`` and ``unknown_reason``, and the methods. The monitor knows
    no source by name.
    """

    name: ClassVar[str] = ""
    kinds: ClassVar[frozenset[str]] = frozenset({MEETING})
    #: Poll every this many ms (None: the source pushes readings itself).
    poll_ms: ClassVar[int | None] = None
    #: Poll (or listen) only while a catalogued client runs.
    needs_running: ClassVar[bool] = True
    #: One line for officers and IT: what this source looks at.
    describes: ClassVar[str] = ""
    #: Look only while a meeting is on (the window's recording indicator): the monitor
    #: starts and stops it on meeting events, unless the source can see meetings itself
    #: here (``only_in_meetings``); the pilot tells it a meeting is on in every step.
    needs_meeting: ClassVar[bool] = False

    def __init__(self, ctx: SourceContext, emit: Emit) -> None:
        self.ctx = ctx
        self._emit = emit
        self.pids: Mapping[str, frozenset[int]] = {}
        self.last: Reading = CLEAR
        #: Runs, but cannot read what it watches right now (no audio server answering):
        #: why, for IT. While set, the source does not count as detecting meetings.
        self.problem: str | None = None
        #: A recording source that cannot tell whether this meeting is recorded (the
        #: window's tree cannot be read): why. None: it can tell (or does not look).
        self.unknown_reason: str | None = None

    # -- life cycle -----------------------------------------------------------------
    def unavailable(self) -> str | None:
        """Why this source cannot run on this laptop (None: it can). Cheap: no I/O that
        could hang (a ``which``, an ``os.path.isdir``)."""
        return None

    def start(self) -> None:
        """Begin watching (push sources start their listeners here)."""

    def stop(self) -> None:
        """Stop watching and release everything (child processes, sockets, files)."""

    # -- inputs ---------------------------------------------------------------------
    def processes(self, pids: Mapping[str, frozenset[int]]) -> None:
        """Which catalogued clients run now, with their PIDs (after every process poll)."""
        self.pids = pids

    def poll(self, now: float) -> Reading | None:
        """Polled sources: what is seen now (None: nothing new to say)."""
        return None

    def meeting_changed(self, on: bool) -> None:
        """The state machine's meeting started (``on``) or ended; the monitor tells every
        running source (the window source looks for recording only in meetings)."""

    def says(self) -> frozenset[str]:
        """What this source can say on this laptop (``kinds`` unless it knows better: the
        window source sees meetings only where the OS gives automation ids)."""
        return self.kinds

    def only_in_meetings(self) -> bool:
        """Run only while the state machine says a meeting is on: ``needs_meeting``, unless
        the source sees meetings itself here (then it runs while a client runs and looks
        for recording once told a meeting is on, ``meeting_changed``)."""
        return self.needs_meeting and MEETING not in self.says()

    # -- output ---------------------------------------------------------------------
    def emit(self, reading: Reading) -> None:
        self.last = reading
        self._emit(reading)

    def snapshot(self) -> dict[str, Any]:
        """What the source sees right now, for ``watch --signals``: it may read once (with
        a timeout) but must not start anything that outlives the call."""
        reading = self.poll(self.ctx.clock()) if self.poll_ms is not None else self.last
        return reading_dict(reading or self.last)


def reading_dict(reading: Reading) -> dict[str, Any]:
    return {"meeting": sorted(reading.meeting), "recording": sorted(reading.recording),
            **({"stale": True} if reading.stale else {}),
            **({"notes": list(reading.notes)} if reading.notes else {})}
