"""Windows microphone/camera use (``capability``), with a guard against stale values.

Reads ``CapabilityAccessManager\\ConsentStore`` through ``teams/capability.py`` every
3 s while a Teams client runs. Windows leaves ``LastUsedTimeStop == 0`` behind after a
crash or a suspend while the app still runs (shared/reference/teams.md, "2026"), so a
device counts as in use only once it has been *seen idle* since this source started, the
laptop resumed, or that client (re)started. A resume is noticed as a wall-clock gap between
two polls much longer than the poll interval (the wall clock always includes the time
asleep; a monotonic clock may not, and QTimers do not fire while asleep). A client restart
is noticed from its PIDs: none of the ones seen before is left (a crash leaves 0 behind,
and Teams may be back before the monitor sees no client run at all).

The ConsentStore is the fallback: where Core Audio capture sessions can be read (the
``audiosession`` source, not switched off by policy), a microphone entry is trusted only
while the client's capture sessions agree (``capability.consent_vs_capture``): Windows
26220 reported the microphone idle during calls, and after a crash or a suspend it reports
it in use for ever (hass-agent/HASS.Agent PR #476; jimmyeao/TEAMS2HA).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from devicecheck.teams.capability import DEVICES, consent_vs_capture, devices_in_use
from devicecheck.teams.sources.base import Reading, SignalSource

#: A gap this much longer than the poll interval means the laptop slept (or hung).
RESUME_GAP_S = 30.0


def _capture_reachable() -> bool:
    from devicecheck.teams.sources.audiosession import capture_reachable

    return capture_reachable() is None


class CapabilitySource(SignalSource):
    name = "capability"
    poll_ms = 3000
    describes = "microphone and camera use"

    def __init__(self, ctx: Any, emit: Any) -> None:
        super().__init__(ctx, emit)
        self._wall: Callable[[], float] = ctx.option("wall_clock", time.time)
        self._interval_s = ctx.option("capability_poll_ms", self.poll_ms) / 1000
        self._names = {c: ctx.process_names(c, "windows") for c in ctx.clients}
        self.seen_idle: set[tuple[str, str]] = set()
        self._last_poll: float | None = None
        self.resumes = 0
        self._failed: str | None = None
        self._capture: Any = None      # the shared Core Audio reader, when it is used
        if (ctx.os_name == "windows" and "audiosession" not in ctx.policy.teams.disabled_sources
                and (ctx.option("capture") is not None or _capture_reachable())):
            from devicecheck.teams.sources.audiosession import shared_capture

            self._capture = shared_capture(ctx)

    def unavailable(self) -> str | None:
        if self.ctx.os_name != "windows":
            return "only Windows records microphone and camera use per app"
        if self.ctx.registry is None:
            return "the Windows registry cannot be read"
        return None

    def start(self) -> None:
        # A fresh start trusts nothing it has not seen idle (a crash may have left 0).
        self.seen_idle.clear()
        self._last_poll = None

    def processes(self, pids: Mapping[str, frozenset[int]]) -> None:
        for client, now_pids in pids.items():
            before = self.pids.get(client, frozenset())
            if now_pids and not (now_pids & before):
                # Started, or restarted under new PIDs: what it left behind is not trusted.
                self.forget(client)
        for client in set(self.pids) - set(pids):
            self.forget(client)
        super().processes(pids)

    def forget(self, client: str) -> None:
        self.seen_idle = {(c, d) for c, d in self.seen_idle if c != client}

    def poll(self, now: float) -> Reading | None:
        registry = self.ctx.registry
        if registry is None:
            return None
        wall = self._wall()
        if self._last_poll is not None and wall - self._last_poll > self._interval_s + RESUME_GAP_S:
            self.seen_idle.clear()          # the laptop resumed: values may be stale
            self.resumes += 1
        self._last_poll = wall
        try:
            using = devices_in_use(registry, self._names)
        except OSError as exc:
            self._failed = f"could not read device use from the registry ({exc})"
            return Reading()
        self._failed = None
        distrusted, disagree = consent_vs_capture(using, self._capturing())
        trusted: set[str] = set()
        for client in self._names:
            for device in DEVICES:
                if device in using.get(client, frozenset()):
                    if (client, device) in self.seen_idle and not (
                            device == "microphone" and client in distrusted):
                        trusted.add(client)
                else:
                    self.seen_idle.add((client, device))
        return Reading.of(sorted(trusted), notes=[
            f"{c}: {d} open but not seen idle since start or resume (not trusted)"
            for c, devs in sorted(using.items()) for d in sorted(devs)
            if (c, d) not in self.seen_idle] + list(disagree))

    def _capturing(self) -> frozenset[str] | None:
        """The clients with an active capture session (None: sessions not read here)."""
        if self._capture is None:
            return None
        from devicecheck.teams.coreaudio import CaptureUnavailable

        try:
            return frozenset(self._capture.view(self.pids).active)
        except CaptureUnavailable:
            return None

    def snapshot(self) -> dict[str, Any]:
        out = super().snapshot()
        if self._failed:
            out["problem"] = self._failed
        return out
