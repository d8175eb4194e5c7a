"""The pilot's steps and what each source saw in them (pure bookkeeping and judgement).

``devicecheck pilot`` walks IT through six steps (pinned names, in this order) while every
signal source runs. The runner feeds ``Bookkeeper`` what each source says, timed by a
monotonic clock; this module turns that into, per step and source, what the source said
at the step's end and how long it took to see the step's change, then the verdict: per
promise (meetings are detected, recording is detected), the sources that got every step
right. No Qt, no I/O: the runner and the tests drive it with plain numbers.

Why "at the step's end": a step is a change IT makes (join, start recording...), and a
source takes a moment to see it. What counts is where the source settled, and how long
it took to settle there (``latency_s``); the value at the step's start is the previous
step's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

MEETING = "meeting"
RECORDING = "recording"
KINDS: tuple[str, ...] = (MEETING, RECORDING)

#: The pinned step names, in order.
STEPS: tuple[str, ...] = ("idle", "join", "record", "stop-record", "leave", "after")

#: What IT is asked to do at each step (the prompt; the window shows the same words).
INSTRUCTIONS: Mapping[str, str] = {
    "idle": "Open Teams and sign in. Do not join a call yet.",
    "join": "Join a test meeting (Meet now, or a test call), with the microphone on.",
    "record": "Start recording the meeting (More actions > Record and transcribe > "
              "Start recording).",
    "stop-record": "Stop the recording. Stay in the meeting.",
    "leave": "Leave the meeting. Keep Teams open.",
    "after": "Nothing to do: Teams stays open, with no call.",
}

#: What a source that works says at the end of each step, per kind.
EXPECTED: Mapping[str, Mapping[str, bool]] = {
    MEETING: {"idle": False, "join": True, "record": True, "stop-record": True,
              "leave": False, "after": False},
    RECORDING: {"idle": False, "join": False, "record": True, "stop-record": False,
                "leave": False, "after": False},
}

#: The change each step makes, whose latency is measured: (kind, the value it turns to).
CHANGES: Mapping[str, tuple[str, bool]] = {
    "join": (MEETING, True), "record": (RECORDING, True),
    "stop-record": (RECORDING, False), "leave": (MEETING, False),
}


@dataclass(frozen=True)
class Seen:
    """One thing a source said: per kind True/False, or None (it cannot tell now)."""

    at: float
    meeting: bool | None
    recording: bool | None

    def value(self, kind: str) -> bool | None:
        return self.meeting if kind == MEETING else self.recording


@dataclass(frozen=True)
class SourceInfo:
    """A source taking part: the kinds it can see, or why it cannot run here."""

    name: str
    kinds: frozenset[str]
    unavailable: str | None = None


@dataclass(frozen=True)
class SourceStep:
    source: str
    meeting: bool | None
    recording: bool | None
    latency_s: float | None

    def as_dict(self) -> dict[str, object]:
        return {"source": self.source, "meeting": self.meeting, "recording": self.recording,
                "latency_s": self.latency_s}


@dataclass(frozen=True)
class StepResult:
    name: str
    seconds: float
    sources: tuple[SourceStep, ...]

    def of(self, source: str) -> SourceStep | None:
        return next((s for s in self.sources if s.source == source), None)

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "seconds": round(self.seconds, 3),
                "sources": [s.as_dict() for s in self.sources]}


@dataclass
class Bookkeeper:
    """Step boundaries and every reading, in time order (the runner's clock)."""

    sources: Sequence[SourceInfo]
    starts: list[tuple[str, float]] = field(default_factory=list)
    ended_at: float | None = None
    seen: dict[str, list[Seen]] = field(default_factory=dict)

    @property
    def current(self) -> str | None:
        return self.starts[-1][0] if self.starts and self.ended_at is None else None

    def begin(self, step: str, now: float) -> None:
        if step not in STEPS:
            raise ValueError(f"unknown step {step!r}")
        done = [s for s, _ in self.starts]
        if step in done or STEPS.index(step) != len(done):
            raise ValueError(f"step {step!r} out of order after {done}")
        self.starts.append((step, now))

    def end(self, now: float) -> None:
        self.ended_at = now

    def observe(self, source: str, meeting: bool | None, recording: bool | None,
                now: float) -> None:
        self.seen.setdefault(source, []).append(Seen(now, meeting, recording))

    def bounds(self) -> list[tuple[str, float, float]]:
        """(step, start, end) for every step begun; the last ends at ``end()``."""
        out = []
        for i, (name, start) in enumerate(self.starts):
            stop = self.starts[i + 1][1] if i + 1 < len(self.starts) else self.ended_at
            out.append((name, start, start if stop is None else stop))
        return out

    def results(self) -> list[StepResult]:
        return [StepResult(name, end - start,
                           tuple(judge_step(name, start, end, info,
                                            sorted(self.seen.get(info.name, ()),
                                                   key=lambda s: s.at))
                                 for info in self.sources))
                for name, start, end in self.bounds()]


def value_at(seen: Sequence[Seen], kind: str, when: float) -> bool | None:
    """What the source said about ``kind`` at ``when`` (its last word up to then)."""
    value: bool | None = None
    for s in seen:
        if s.at > when:
            break
        value = s.value(kind)
    return value


def settled_since(seen: Sequence[Seen], kind: str, start: float, end: float) -> float | None:
    """When the source began saying what it says at ``end`` without a break since (the
    step's ``start`` when it already said so then); None when it says nothing at ``end``."""
    final = value_at(seen, kind, end)
    if final is None:
        return None
    since: float | None = start if value_at(seen, kind, start) == final else None
    for s in seen:
        if s.at <= start:
            continue
        if s.at > end:
            break
        if s.value(kind) != final:
            since = None
        elif since is None:
            since = s.at
    return since


def judge_step(step: str, start: float, end: float, info: SourceInfo,
               seen: Sequence[Seen]) -> SourceStep:
    """What one source said at the end of ``step`` and how fast it saw the step's change."""
    if info.unavailable is not None:
        return SourceStep(info.name, None, None, None)
    values = {k: (value_at(seen, k, end) if k in info.kinds else None) for k in KINDS}
    latency: float | None = None
    change = CHANGES.get(step)
    # Only a change the source saw has a latency: one that already said "no meeting"
    # before ``leave`` (it never saw the meeting) took no time to see anything.
    if change is not None and change[0] in info.kinds and values[change[0]] is change[1] \
            and value_at(seen, change[0], start) is not change[1]:
        since = settled_since(seen, change[0], start, end)
        latency = None if since is None else round(max(0.0, since - start), 3)
    return SourceStep(info.name, values[MEETING], values[RECORDING], latency)


def cell(step: str, result: SourceStep, kinds: Iterable[str]) -> bool | None:
    """One table cell: True when the source said what was expected for every kind it
    sees, False when it said something else, None when it could not tell."""
    outcome: bool | None = True
    for kind in kinds:
        value = result.meeting if kind == MEETING else result.recording
        if value is None:
            outcome = None if outcome is not False else False
        elif value != EXPECTED[kind][step]:
            outcome = False
    return outcome


def verdict(results: Sequence[StepResult], sources: Sequence[SourceInfo]) -> dict[str, list[str]]:
    """Per promise, the sources that said the right thing at the end of every step (a
    source that could not tell in a step has not shown it works)."""
    out: dict[str, list[str]] = {k: [] for k in KINDS}
    if [r.name for r in results] != list(STEPS):
        return out      # a pilot stopped early proves nothing
    for info in sources:
        for kind in KINDS:
            if kind not in info.kinds or info.unavailable is not None:
                continue
            ok = True
            for r in results:
                got = r.of(info.name)
                value = None if got is None else (got.meeting if kind == MEETING
                                                  else got.recording)
                if value is None or value != EXPECTED[kind][r.name]:
                    ok = False
                    break
            if ok:
                out[kind].append(info.name)
    return out
