"""``recorders``: no screen or audio recording software is running, and on Windows the
Game Bar cannot capture the screen. Process names are policy data (recording section)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from devicecheck.checks.base import Check, Context, Remediation, Status, Verdict
from devicecheck.checks.per_user import only_console_user, user_registry
from devicecheck.probes.processes import ProcInfo, find_processes
from devicecheck.recording import layers
from devicecheck.recording.recorders import game_bar_capture, read_game_bar, scan_recorders

GAME_BAR_LINK = "ms-settings:gaming-gamedvr"


class Recorders(Check):
    id = "recorders"
    timeout_s = 5.0
    per_user = True

    def gather(self, ctx: Context) -> Mapping[str, Any]:
        def find(names: Any, **kw: Any) -> list[ProcInfo]:
            # As SYSTEM/root only the console user's own processes are theirs to judge.
            return only_console_user(ctx, find_processes(names, **kw))

        seen = scan_recorders(ctx.policy.recorders(), os_name=ctx.os_name, find=find)
        facts: dict[str, Any] = {"running": [s.to_dict() for s in seen],
                                 "watched": len(ctx.policy.recorders())}
        # Issue 18: which recording safeguards are in force here (recording/layers.py).
        facts["layers"] = layers.summary(ctx.policy, ctx.os_name, ctx.env)
        if ctx.os_name == "windows":
            registry = user_registry(ctx)  # Game Bar capture is set in the user's HKCU
            facts["game_bar"] = read_game_bar(registry) if registry is not None else None
        return facts

    def judge(self, facts: Mapping[str, Any], ctx: Context) -> Verdict:
        running = list(facts.get("running") or [])
        names = sorted({str(p["name"]) for p in running}, key=str.lower)
        evidence: dict[str, Any] = {"running": running, "watched": facts.get("watched"),
                                    "layers": facts.get("layers", [])}
        problems: list[str] = []
        unknown = ""
        if names:
            problems.append(f"recording software is running: {', '.join(names)}")
        if ctx.os_name == "windows":
            values = facts.get("game_bar")
            if values is None:
                unknown = "the Game Bar settings could not be read"
                evidence["game_bar"] = "unreadable"
            else:
                capture, why = game_bar_capture(values)
                evidence["game_bar"] = {"capture": capture, "why": why, **values}
                if capture:
                    problems.append(f"Windows Game Bar can record the screen ({why})")
        if problems:
            steps = []
            if names:
                steps.append(f"Close {', '.join(names)} before your call.")
            if any(p.startswith("Windows Game Bar") for p in problems):
                steps.append("Turn off Game Bar capture in Settings > Gaming > Captures.")
            link = GAME_BAR_LINK if not names and ctx.os_name == "windows" else None
            summary = "; ".join(problems)
            return Verdict(Status.FAIL, summary[0].upper() + summary[1:] + ".", evidence,
                           Remediation(self.with_contact(" ".join(steps), ctx), link))
        if unknown:
            return Verdict(Status.UNKNOWN, f"No recording software is running, but {unknown}.",
                           evidence, Remediation(self.with_contact(
                               "Run DeviceCheck again; if this persists, report it.", ctx)))
        extra = " and Game Bar capture is off" if ctx.os_name == "windows" else ""
        return Verdict(Status.PASS, f"No recording software is running{extra}.", evidence)
