"""Which of the three recording safeguards are in force on this laptop, for the report.

1. **Policy attestation** (prevents recording): IT's export of the Teams recording policies,
   judged by the ``recording-policy`` check — in force unless that check is off.
2. **Recording software check**: recording programs running, the ``recorders`` check (and
   the live alert's scan during meetings) — in force unless that check is off.
3. **Live watch** of the meeting window's recording indicator (``teams/sources/window.py``):
   available when this OS has an accessibility back-end that can load and the source is
   not switched off in ``[teams] disabled_sources``. Whether Teams actually exposes its
   window is known only during a meeting (then the status may be *unknown*, with the
   reason: see docs/recording.md).

No Qt and no I/O that could hang: ``devicecheck check`` calls this (one import test and an
environment read).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from devicecheck.osinfo import OsName
from devicecheck.policy import Policy
from devicecheck.policy.model import Severity

WINDOW_SOURCE = "window"


def live_watch(policy: Policy, os_name: OsName,
               env: Mapping[str, str] | None = None) -> tuple[bool, str]:
    """(available, why) for the live watch of Teams' recording indicator."""
    if WINDOW_SOURCE in policy.teams.disabled_sources:
        return False, "switched off by policy ([teams] disabled_sources)"
    from devicecheck.teams.a11y import backend_for

    backend = backend_for(os_name, env)
    if backend is None:
        return False, f"no accessibility back-end for {os_name}"
    problem = backend.unavailable()
    if problem:
        return False, problem
    if os_name == "linux":
        from devicecheck.teams.a11y.linux import session_bus_address

        if env is not None and session_bus_address(env) is None:
            return False, "no D-Bus session bus here, so no accessibility bus"
    return True, (f"reads Teams' meeting window through {backend.name} during meetings; "
                  "the recording status is 'unknown' when Teams does not expose its window")


def summary(policy: Policy, os_name: OsName,
            env: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """One entry per layer: ``{"layer", "in_force", "why"}`` (additive JSON evidence)."""
    attest_on = policy.severity_of("recording-policy") is not Severity.OFF
    software_on = policy.severity_of("recorders") is not Severity.OFF
    live_on, live_why = live_watch(policy, os_name, env)
    return [
        {"layer": "policy-attestation", "in_force": attest_on,
         "why": "IT's Teams recording-policy attestation is checked (recording-policy)"
                if attest_on else "the recording-policy check is off in this policy"},
        {"layer": "recording-software", "in_force": software_on,
         "why": "recording programs are looked for (recorders; and every 5 s in meetings)"
                if software_on else "the recorders check is off in this policy"},
        {"layer": "live-watch", "in_force": live_on, "why": live_why},
    ]


def sentence(layers: list[dict[str, Any]]) -> str:
    """One line for the text report: which layers are in force."""
    on = [str(x["layer"]) for x in layers if x["in_force"]]
    off = [f"{x['layer']} ({x['why']})" for x in layers if not x["in_force"]]
    text = "Recording safeguards in force: " + (", ".join(on) or "none")
    return text + (f"; not in force: {', '.join(off)}." if off else ".")


__all__ = ["live_watch", "sentence", "summary"]
