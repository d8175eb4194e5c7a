"""Windows microphone capture by Teams (``audiosession``): Core Audio capture sessions.

Every 3 s while a Teams client runs, the active capture sessions on every active capture
endpoint, by process (``teams/coreaudio.py``): a client whose own process, or a WebView2
process below it, holds an *active* session is in a call. Registered before
``capability`` (the ConsentStore), which it outranks: Windows 26220 left
``LastUsedTimeStop`` non-zero during a call and the ConsentStore stays "in use" after a
crash or a suspend (hass-agent/HASS.Agent PR #476; jimmyeao/TEAMS2HA), so the capability
source distrusts its microphone entry while these sessions disagree
(``teams/capability.consent_vs_capture``).

One Core Audio read serves both sources (``SharedCapture``: a read younger than 2.5 s is
reused), so the pair costs one enumeration per poll interval.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable, Mapping
from typing import Any

from devicecheck.teams.coreaudio import (
    CaptureReader,
    CaptureUnavailable,
    CaptureView,
    ComtypesCapture,
    ProcessLookup,
    judge,
    psutil_lookup,
)
from devicecheck.teams.sources.base import Reading, SignalSource, SourceContext

NAME = "audiosession"
MAX_AGE_S = 2.5


class SharedCapture:
    """Core Audio read at most once per ``max_age_s`` for the same clients, whoever asks
    (the audiosession and capability sources)."""

    def __init__(self, reader: CaptureReader | None = None, *,
                 make_reader: Callable[[], CaptureReader] = ComtypesCapture,
                 lookup: ProcessLookup = psutil_lookup,
                 clock: Callable[[], float] = time.monotonic,
                 max_age_s: float = MAX_AGE_S) -> None:
        self._reader, self._make = reader, make_reader
        self._lookup, self._clock, self.max_age_s = lookup, clock, max_age_s
        self._last: tuple[float, dict[str, frozenset[int]], CaptureView] | None = None
        self.reads = 0

    def view(self, client_pids: Mapping[str, frozenset[int]]) -> CaptureView:
        """What the capture sessions say now; raises ``CaptureUnavailable``."""
        now = self._clock()
        pids = {c: frozenset(p) for c, p in client_pids.items() if p}
        if self._last is not None:
            when, last_pids, last_view = self._last
            if now - when < self.max_age_s and last_pids == pids:
                return last_view
        if self._reader is None:
            try:
                self._reader = self._make()
            except Exception as exc:  # any COM set-up failure: unavailable
                raise CaptureUnavailable(f"Core Audio is not reachable ({type(exc).__name__})"
                                         ) from exc
        self.reads += 1
        view = judge(self._reader.sessions(), pids, self._lookup)
        self._last = (now, pids, view)
        return view


_SHARED: SharedCapture | None = None


def shared_capture(ctx: SourceContext) -> SharedCapture:
    """The capture reader this laptop's sources share (tests inject ``capture``)."""
    global _SHARED
    injected = ctx.option("capture")
    if injected is not None:
        return injected  # type: ignore[no-any-return]
    if _SHARED is None:
        _SHARED = SharedCapture()
    return _SHARED


def capture_reachable() -> str | None:
    """Why Core Audio cannot be read here (None: it can). Cheap: no import of comtypes
    (the idle tray must not pay for it)."""
    if importlib.util.find_spec("comtypes") is None:
        return "the comtypes library is not installed (Core Audio is not reachable)"
    return None


class AudioSessionSource(SignalSource):
    name = NAME
    poll_ms = 3000
    describes = "microphone capture by Teams (Windows audio sessions)"

    def __init__(self, ctx: Any, emit: Any) -> None:
        super().__init__(ctx, emit)
        self.capture = shared_capture(ctx)
        self.problem = None

    def unavailable(self) -> str | None:
        if self.ctx.os_name != "windows":
            return "only Windows lists audio capture sessions by process"
        if self.ctx.option("capture") is None:
            return capture_reachable()
        return None

    def poll(self, now: float) -> Reading | None:
        try:
            view = self.capture.view(self.pids)
        except CaptureUnavailable as exc:
            self.problem = str(exc)
            return Reading.of(notes=[self.problem])
        self.problem = None
        return Reading.of(sorted(view.active), notes=view.notes)

    def snapshot(self) -> dict[str, Any]:
        out = super().snapshot()
        if self.problem:
            out["problem"] = self.problem
        return out
