"""The meeting window (``window``), read through the OS accessibility API
(``teams/a11y/``): the call controls say a call is on, the recording indicator says it is
recorded.

Since Microsoft retired the Teams local API (shared/reference/teams.md, "2026"), nothing on
the laptop reports recording except Teams' own window: its recording indicator and the
"recording has started" banner. And new Teams' meeting toolbar carries stable,
language-independent automation ids: a window holding ``hangup-button`` is a call in
progress whatever the UI language (danswett/streamdeck-teams-control README; TEAMS2HA
``uia_monitor.rs``; shared/reference/teams.md, "Field reports, second half of 2026").
This source reads both, honestly scoped:

- *meeting* (Windows and macOS, ``watches_calls``): while a catalogued client runs, it
  looks for ``hangup-button`` — every 15 s outside meetings (the cheap look: on Windows
  one UI Automation ``FindFirst`` per window, after a ``WM_GETOBJECT`` nudge; a walk that
  runs out of time outside a meeting waits 60 s), every 3 s in one. On Linux AT-SPI gives
  no automation id (``a11y/linux.py``), so there it is a recording source only;
- *recording*: only while a meeting is on (the monitor tells it, ``meeting_changed``);
  on Linux the monitor runs it only then (``needs_meeting``). A recording reading never
  starts or holds a meeting by itself (``teams/state.py``);
- only the catalogued clients' windows, found by their PIDs (``processes()``);
- at most one look every 3 s (``poll_ms``, and a guard against extra calls), breadth
  first, abandoned after 200 ms and counted (``abandoned``); the last matches are cached
  (their paths in the tree) and checked first, so a call or a recording that goes on costs
  one short look per poll instead of a walk;
- an element counts as the indicator when its accessible name is one of ``[recording]
  indicator_names`` (whole, case aside) and its role is a status, label, image or button —
  never text in the chat, a document or a text area (``a11y/base.py``);
- a tree that is not built yet (macOS: minutes after a meeting starts, ``TreeNotReady``)
  is "not yet": looked at again after 3, 6, 12, ... 30 s for up to 10 minutes
  (``a11y/base.Patience``), never "not recording" and never a failure;
- when the tree cannot be read (no accessibility bus, no window, a walk abandoned, no
  back-end on this OS) the recording status is *unknown*, with the reason:
  ``unknown_reason``, a ``notes`` entry, ``snapshot()["recording"] == "unknown"``.

What it says leaves out everything read from the tree: the match is reported as the
configured indicator name and the role, never the window title or anyone's name.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any, ClassVar

from devicecheck.teams.a11y import backend_for
from devicecheck.teams.a11y.base import (
    CALL_CONTROLS,
    WALK_DEADLINE_S,
    Backend,
    Match,
    Patience,
    TreeNotReady,
    TreeUnavailable,
    indicator_set,
    is_indicator,
    look,
    node_at,
)
from devicecheck.teams.sources.base import CLEAR, MEETING, RECORDING, Reading, SignalSource

log = logging.getLogger(__name__)

MIN_INTERVAL_S = 3.0
#: Outside meetings, a look for call controls this often (a failed search walks a whole
#: window: the streamdeck sidecar's backstop is 15 s outside meetings too).
IDLE_INTERVAL_S = 15.0
#: Outside meetings, after a walk ran out of time: the window is too big to search often.
IDLE_ABANDONED_S = 60.0
#: A QTimer may fire a few ms early: a poll this close to the interval is still on time.
EARLY_SLACK_S = 0.25
UNKNOWN_NOTE = "recording status unknown"
CALL_OS = frozenset({"windows", "macos"})


class WindowSource(SignalSource):
    name = "window"
    kinds = frozenset({MEETING, RECORDING})
    poll_ms = int(MIN_INTERVAL_S * 1000)
    needs_running = True
    #: Without call controls (Linux) run only while the state machine says a meeting is
    #: on; with them the monitor runs it while a client runs (``watches_calls``).
    needs_meeting: ClassVar[bool] = True
    describes = "the meeting window: call controls and the recording indicator"

    def __init__(self, ctx: Any, emit: Any) -> None:
        super().__init__(ctx, emit)
        injected = ctx.option("window_backend")
        self.backend: Backend | None = injected if injected is not None else backend_for(
            ctx.os_name, ctx.env)
        self.min_interval_s = float(ctx.option("window_min_interval_s", MIN_INTERVAL_S))
        self.idle_interval_s = float(ctx.option("window_idle_interval_s", IDLE_INTERVAL_S))
        self.deadline_s = float(ctx.option("window_deadline_s", WALK_DEADLINE_S))
        self._clock = ctx.option("window_clock", time.monotonic)
        self.watches_calls: bool = bool(ctx.option("window_calls", ctx.os_name in CALL_OS))
        # IT may add ids the pilot saw ([teams] call_control_ids); an empty list keeps the
        # built-in one, so a policy cannot switch the call watch off by accident.
        self.call_ids: frozenset[str] = (frozenset(ctx.policy.teams.call_control_ids)
                                         or CALL_CONTROLS)
        self.in_meeting = False
        self.patience: Patience = ctx.option("window_patience") or Patience()
        self.walks = 0           # full walks done (tests, benchmark)
        self.abandoned = 0       # walks stopped by the deadline
        self.cache_hits = 0      # polls answered by the cached matches
        self.unknown_reason = None
        self.seen: Match | None = None        # the last match (the alert says what)
        self._cache: dict[str, Match] = {}
        self._calls: dict[str, tuple[int, ...]] = {}   # client -> a call control's path
        self._last_read: float | None = None
        self._not_before: float | None = None
        self._too_big = False

    @property
    def looks_for_recording(self) -> bool:
        """In a meeting; or always where the source runs only in meetings (Linux)."""
        return self.in_meeting or not self.watches_calls

    def says(self) -> frozenset[str]:
        return self.kinds if self.watches_calls else frozenset({RECORDING})

    # -- life cycle -----------------------------------------------------------------
    def unavailable(self) -> str | None:
        if self.backend is None:
            return f"no accessibility back-end for {self.ctx.os_name}"
        return self.backend.unavailable()

    def start(self) -> None:
        self._last_read = None
        self._not_before = None
        # Until the first look (queued at once by the monitor) nothing is known.
        self.unknown_reason = "the meeting window has not been read yet"

    def stop(self) -> None:
        if self.backend is not None:
            self.backend.close()
        self._cache.clear()
        self._calls.clear()
        self._last_read = None
        self._not_before = None
        self.patience.reset()
        self.unknown_reason = None
        self.seen = None
        self.last = CLEAR

    def meeting_changed(self, on: bool) -> None:
        """The state machine's meeting started (look for recording at once) or ended."""
        if on != self.in_meeting:
            self.in_meeting = on
            self._last_read = None
            self._not_before = None
            if not on:
                self.patience.reset()
                self._cache.clear()
                self.seen = None

    # -- reading --------------------------------------------------------------------
    def poll(self, now: float) -> Reading | None:
        interval = self.min_interval_s if self.looks_for_recording else self.idle_interval_s
        if (self._last_read is not None
                and now - self._last_read < interval - EARLY_SLACK_S):
            return None     # at most one look every 3 s (15 s outside meetings)
        if self._not_before is not None and now < self._not_before - EARLY_SLACK_S:
            return None     # a tree not built yet, or too big: waiting as planned
        self._last_read = now
        return self.read(now)

    def read(self, now: float | None = None) -> Reading:
        assert self.backend is not None
        now = self.ctx.clock() if now is None else now
        self._not_before = None
        self._too_big = False
        names = (tuple(self.ctx.policy.recording.indicator_names)
                 if self.looks_for_recording else ())
        meeting: list[str] = []
        recording: list[str] = []
        reasons: list[str] = []
        running = {c: p for c, p in sorted(self.pids.items()) if p}
        if not running:
            reasons.append("no Teams client process to look at")
        for client, pids in running.items():
            try:
                call, match, reason = self._look(client, pids, names)
            except TreeNotReady as exc:
                call, match, reason = False, None, self._not_ready(now, str(exc))
            except TreeUnavailable as exc:
                call, match, reason = False, None, str(exc)
            else:
                if reason is None:
                    self.patience.reset()
            if call:
                meeting.append(client)
            if match is not None:
                recording.append(client)
                self.seen = match
            elif reason:
                reasons.append(reason if len(running) == 1 else f"{client}: {reason}")
        if self._too_big:
            self._not_before = now + IDLE_ABANDONED_S
        if recording:
            self.unknown_reason = None
            return Reading.of(meeting, recording)
        self.seen = None
        self.unknown_reason = "; ".join(reasons) or None
        if self.unknown_reason and self.looks_for_recording:
            return Reading.of(meeting, notes=[f"{UNKNOWN_NOTE}: {self.unknown_reason}"])
        return Reading.of(meeting)

    def _not_ready(self, now: float, why: str) -> str:
        if self.patience.exhausted(now):
            self._not_before = now + self.patience.cap_s
            return (f"{why}; still not readable after "
                    f"{self.patience.waited_s(now) / 60:.0f} minutes")
        wait = self.patience.not_ready(now)
        self._not_before = now + wait
        return f"{why}; looking again in {wait:.0f} s"

    def _look(self, client: str, pids: frozenset[int],
              names: tuple[str, ...]) -> tuple[bool, Match | None, str | None]:
        """(call controls seen, the recording indicator, why the indicator is unknown)."""
        assert self.backend is not None
        idents = self.call_ids if self.watches_calls else frozenset()
        finder = getattr(self.backend, "find_idents", None)
        call = False
        if idents and finder is not None:
            # Windows: UI Automation searches by AutomationId itself (a11y/windows.py).
            call = bool(self.call_ids & set(finder(pids, idents, self.deadline_s)))
            idents = frozenset()
            if not names:
                return call, None, None
        if not names and not idents:
            return call, None, None
        started = self._clock()
        windows = self.backend.windows(pids, self.deadline_s)
        if self._cached(client, windows, names, idents, started):
            self.cache_hits += 1
            return call or bool(idents), self._cache.get(client), None
        remaining = max(0.0, self.deadline_s - (self._clock() - started))
        result = look(windows, names, idents, deadline_s=remaining, clock=self._clock)
        self.walks += 1
        call = call or bool(self.call_ids & set(result.controls))
        seen = sorted(self.call_ids & set(result.control_paths))
        if seen:
            self._calls[client] = tuple(result.control_paths[seen[0]])
        if result.match is not None and names:
            self._cache[client] = result.match
        if result.abandoned and result.match is None and not (idents and call):
            self.abandoned += 1
            log.info("Window source: a walk of the Teams window was abandoned after %d "
                     "elements (%d abandoned so far).", result.nodes, self.abandoned)
            self._too_big = not self.looks_for_recording
            return call, None, (f"the meeting window's accessibility tree could not be "
                                f"read within {self.deadline_s * 1000:.0f} ms")
        return call, result.match if names else None, None

    def _cached(self, client: str, windows: Any, names: tuple[str, ...],
                idents: frozenset[str], started: float) -> bool:
        """Every wanted thing is still where it was last seen (no walk needed)."""
        def remaining() -> float:
            return max(0.0, self.deadline_s - (float(self._clock()) - started))

        if names:
            match = self._cache.get(client)
            node = node_at(windows, match.path, remaining()) if match else None
            if node is None or not is_indicator(node.name, node.role, indicator_set(names)):
                self._cache.pop(client, None)
                return False
        if idents:
            path = self._calls.get(client)
            node = node_at(windows, path, remaining()) if path else None
            if node is None or getattr(node, "ident", "") not in self.call_ids:
                self._calls.pop(client, None)
                return False
        return True

    def processes(self, pids: Mapping[str, frozenset[int]]) -> None:
        if dict(pids) != dict(self.pids):
            self._cache.clear()      # new PIDs: a new window tree
            self._calls.clear()
        super().processes(pids)

    def snapshot(self) -> dict[str, Any]:
        if self.backend is None:
            return {"meeting": [], "recording": "unknown",
                    "reason": self.unavailable() or "no back-end"}
        reading = self.read()
        out: dict[str, Any] = {"meeting": sorted(reading.meeting), "backend": self.backend.name,
                               "walks": self.walks, "abandoned": self.abandoned,
                               "calls": "watched" if self.watches_calls else "not readable here"}
        if not self.looks_for_recording:
            out["recording"] = "looked at only during meetings"
        elif reading.recording:
            out["recording"] = sorted(reading.recording)
        elif self.unknown_reason:
            out.update(recording="unknown", reason=self.unknown_reason)
        else:
            out["recording"] = []
        return out
