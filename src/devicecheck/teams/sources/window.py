"""The meeting window's recording indicator (``window``): a *recording* source that reads
what Teams shows the officer, through the OS accessibility API (``teams/a11y/``).

Since Microsoft retired the Teams local API (shared/reference/teams.md, "2026"), nothing on
the laptop reports recording except Teams' own window: its recording indicator and the
"recording has started" banner. This source looks for them, honestly scoped:

- only while a meeting is on (``needs_meeting``: the monitor starts it on
  ``meeting-started`` and stops it on ``meeting-ended``). It must not run outside
  meetings: the state machine counts a recording reading as a meeting reading too, so an
  indicator seen then would start a meeting by itself;
- only the catalogued clients' windows, found by their PIDs (``processes()``);
- at most one walk every 3 s (``poll_ms``, and a guard against extra calls), breadth
  first, abandoned after 200 ms and counted (``abandoned``); the last match is cached
  (its path in the tree) and checked first, so a recording that goes on costs one short
  look per poll instead of a walk;
- an element counts when its accessible name is one of ``[recording] indicator_names``
  (whole, case aside) and its role is a status, label, image or button — never text in
  the chat, a document or a text area (``a11y/base.py``);
- when the tree cannot be read (no accessibility bus, no window, a walk abandoned, no
  back-end on this OS) the status is *unknown*, with the reason: ``unknown_reason``, a
  ``notes`` entry, ``snapshot()["recording"] == "unknown"``. Never "not recording".

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
    WALK_DEADLINE_S,
    Backend,
    Match,
    TreeUnavailable,
    find_indicator,
    indicator_set,
    is_indicator,
    node_at,
)
from devicecheck.teams.sources.base import CLEAR, RECORDING, Reading, SignalSource

log = logging.getLogger(__name__)

MIN_INTERVAL_S = 3.0
#: A QTimer may fire a few ms early: a poll this close to the interval is still on time.
EARLY_SLACK_S = 0.25
UNKNOWN_NOTE = "recording status unknown"


class WindowSource(SignalSource):
    name = "window"
    kinds = frozenset({RECORDING})
    poll_ms = int(MIN_INTERVAL_S * 1000)
    needs_running = True
    #: Run only while the state machine says a meeting is on (see the module text).
    needs_meeting: ClassVar[bool] = True
    describes = "the recording indicator in the meeting window (accessibility tree)"

    def __init__(self, ctx: Any, emit: Any) -> None:
        super().__init__(ctx, emit)
        injected = ctx.option("window_backend")
        self.backend: Backend | None = injected if injected is not None else backend_for(
            ctx.os_name, ctx.env)
        self.min_interval_s = float(ctx.option("window_min_interval_s", MIN_INTERVAL_S))
        self.deadline_s = float(ctx.option("window_deadline_s", WALK_DEADLINE_S))
        self._clock = ctx.option("window_clock", time.monotonic)
        self.walks = 0           # full walks done (tests, benchmark)
        self.abandoned = 0       # walks stopped by the deadline
        self.cache_hits = 0      # polls answered by the cached match
        self.unknown_reason: str | None = None
        self.seen: Match | None = None        # the last match (the alert says what)
        self._cache: dict[str, Match] = {}
        self._last_read: float | None = None

    # -- life cycle -----------------------------------------------------------------
    def unavailable(self) -> str | None:
        if self.backend is None:
            return f"no accessibility back-end for {self.ctx.os_name}"
        return self.backend.unavailable()

    def start(self) -> None:
        self._last_read = None
        # Until the first look (queued at once by the monitor) nothing is known.
        self.unknown_reason = "the meeting window has not been read yet"

    def stop(self) -> None:
        if self.backend is not None:
            self.backend.close()
        self._cache.clear()
        self._last_read = None
        self.unknown_reason = None
        self.seen = None
        self.last = CLEAR

    # -- reading --------------------------------------------------------------------
    def poll(self, now: float) -> Reading | None:
        if (self._last_read is not None
                and now - self._last_read < self.min_interval_s - EARLY_SLACK_S):
            return None     # at most one walk every 3 s, whoever asks
        self._last_read = now
        return self.read()

    def read(self) -> Reading:
        assert self.backend is not None
        names = tuple(self.ctx.policy.recording.indicator_names)
        recording: list[str] = []
        reasons: list[str] = []
        running = {c: p for c, p in sorted(self.pids.items()) if p}
        if not running:
            reasons.append("no Teams client process to look at")
        for client, pids in running.items():
            try:
                match, reason = self._look(client, pids, names)
            except TreeUnavailable as exc:
                match, reason = None, str(exc)
            if match is not None:
                recording.append(client)
                self.seen = match
            elif reason:
                reasons.append(reason if len(running) == 1 else f"{client}: {reason}")
        if recording:
            self.unknown_reason = None
            return Reading.of(recording=recording)
        self.seen = None
        self.unknown_reason = "; ".join(reasons) or None
        if self.unknown_reason:
            return Reading.of(notes=[f"{UNKNOWN_NOTE}: {self.unknown_reason}"])
        return CLEAR

    def _look(self, client: str, pids: frozenset[int],
              names: tuple[str, ...]) -> tuple[Match | None, str | None]:
        assert self.backend is not None
        started = self._clock()
        windows = self.backend.windows(pids, self.deadline_s)
        cached = self._cache.get(client)
        if cached is not None:
            remaining = max(0.0, self.deadline_s - (self._clock() - started))
            node = node_at(windows, cached.path, remaining)
            if node is not None and is_indicator(node.name, node.role, indicator_set(names)):
                self.cache_hits += 1
                return cached, None
            del self._cache[client]
        remaining = max(0.0, self.deadline_s - (self._clock() - started))
        result = find_indicator(windows, names, deadline_s=remaining, clock=self._clock)
        self.walks += 1
        if result.abandoned:
            self.abandoned += 1
            log.info("Window source: a walk of the Teams window was abandoned after %d "
                     "elements (%d abandoned so far).", result.nodes, self.abandoned)
            return None, (f"the meeting window's accessibility tree could not be read "
                          f"within {self.deadline_s * 1000:.0f} ms")
        if result.match is not None:
            self._cache[client] = result.match
        return result.match, None

    def processes(self, pids: Mapping[str, frozenset[int]]) -> None:
        if dict(pids) != dict(self.pids):
            self._cache.clear()      # new PIDs: a new window tree
        super().processes(pids)

    def snapshot(self) -> dict[str, Any]:
        if self.backend is None:
            return {"meeting": [], "recording": "unknown",
                    "reason": self.unavailable() or "no back-end"}
        reading = self.read()
        out: dict[str, Any] = {"meeting": [], "backend": self.backend.name,
                               "walks": self.walks, "abandoned": self.abandoned}
        if reading.recording:
            out["recording"] = sorted(reading.recording)
        elif self.unknown_reason:
            out.update(recording="unknown", reason=self.unknown_reason)
        else:
            out["recording"] = []
        return out
