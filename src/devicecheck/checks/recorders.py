"""``recorders``: no screen or audio recording software is running, and on Windows the
Game Bar cannot capture the screen. Process names are policy data (recording section)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from devicecheck.checks.base import Check, Context, Remediation, Status, Verdict
from devicecheck.checks.per_user import only_console_user, user_registry
from devicecheck.checks.remedies import try_again
from devicecheck.probes.processes import ProcInfo, find_processes
from devicecheck.recording import layers
from devicecheck.recording.recorders import game_bar_capture, read_game_bar, scan_recorders

GAME_BAR_LINK = "ms-settings:gaming-gamedvr"


def program_names(names: list[str]) -> list[str]:
    """Process names as an officer knows the program: "obs64.exe" -> "obs64", once each
    whatever the case ("OBS" and "obs" are one program to the officer)."""
    shown: dict[str, str] = {}
    for name in names:
        plain = name[:-4] if name.lower().endswith((".exe", ".app")) else name
        shown.setdefault(plain.lower(), plain)
    return list(shown.values())


def _and(words: list[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _it_detail(names: list[str], evidence: dict[str, Any]) -> str:
    """IT's side: the exact process names and the Game Bar values behind the verdict."""
    parts = []
    if names:
        parts.append(f"Processes: {', '.join(names)} (policy: recording.recorder_processes, "
                     "extra_recorder_processes).")
    game_bar = evidence.get("game_bar")
    if isinstance(game_bar, dict) and game_bar.get("capture"):
        parts.append(f"Game Bar capture is allowed ({game_bar.get('why')}); turn it off by "
                     "machine policy (AllowGameDVR = 0).")
    return " ".join(parts)


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
                steps.append(f"Close {_and(program_names(names))} before your call.")
            if any(p.startswith("Windows Game Bar") for p in problems):
                steps.append("Turn off Game Bar capture in Settings > Gaming > Captures.")
            link = GAME_BAR_LINK if not names and ctx.os_name == "windows" else None
            summary = "; ".join(problems)
            return Verdict(Status.FAIL, summary[0].upper() + summary[1:] + ".", evidence,
                           Remediation(self.with_contact(" ".join(steps), ctx), link,
                                       it_detail=_it_detail(names, evidence)))
        if unknown:
            return Verdict(Status.UNKNOWN, f"No recording software is running, but {unknown}.",
                           evidence, try_again(ctx, "The Game Bar values in the user's "
                                                    "HKCU could not be read."))
        extra = " and Game Bar capture is off" if ctx.os_name == "windows" else ""
        return Verdict(Status.PASS, f"No recording software is running{extra}.", evidence)
