"""The pilot's report: the JSON document and its text form (pure).

``build_report`` puts the judged parts together (pinned fields: ``steps[]`` with ``name``
and ``sources[]`` of ``{source, meeting, recording, latency_s}``, ``verdict``,
``learned.indicator_names``, ``uncovered``); ``render_text`` draws the table of source x
step (✓ / ✗ / ?, with a legend, so nothing is told by colour) and one line per promise,
with what to do for each source that did not work (``ADVICE``, per OS).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

from devicecheck.teams.pilot.learn import Learned
from devicecheck.teams.pilot.steps import (
    KINDS,
    MEETING,
    RECORDING,
    STEPS,
    SourceInfo,
    SourceStep,
    StepResult,
    cell,
)
from devicecheck.teams.pilot.uncovered import Gap

FORMAT = 1
WIDTH = 96      # advice lines wrap here (a terminal, the tray window)
YES, NO, UNKNOWN, UNUSED = "✓", "✗", "?", "–"
LEGEND = (f"{YES} saw what happened   {NO} missed it or saw something else   "
          f"{UNKNOWN} could not tell   {UNUSED} cannot run here")
PROMISE_WORDS = {MEETING: ("Meetings are", "the test meeting"),
                 RECORDING: ("Recording is", "the test recording")}
GUIDE = "docs/it-deployment.md, \"Pilot on one laptop first\""

_LOG_ADVICE = ("new Teams' log was not found or had no call lines: check that new Teams "
               "(not classic) is the client, signed in; a profile in a non-standard place "
               "goes in [teams] log_folders.")

#: What to do when a source did not work, per source and OS ("*": any OS). A source with
#: no entry for an OS does not apply there and is left out of "what to do".
ADVICE: Mapping[str, Mapping[str, str]] = {
    "log": {"windows": _LOG_ADVICE, "macos": _LOG_ADVICE},
    "capability": {
        "windows": "check Settings > Privacy & security > Microphone: 'Microphone "
                   "access' and 'Let desktop apps access your microphone' on (Teams must "
                   "be listed), and the same for Camera.",
    },
    "audiosession": {
        "windows": "check the privacy setting for microphone access (Settings > Privacy "
                   "& security > Microphone) and that Teams' call audio uses a real "
                   "microphone, not only a virtual device.",
    },
    "power": {
        "macos": "Teams holds its 'Call in progress' power assertion only in calls: "
                 "check with 'pmset -g assertions' during the test call.",
    },
    "audio": {
        "linux": "install pulseaudio-utils (pactl) and check that Teams' microphone "
                 "goes through PulseAudio or PipeWire's pulse server; a Flatpak Teams is "
                 "matched by program name only.",
    },
    "camera": {
        "linux": "this source sees video calls only: turn the camera on in the test "
                 "call; the camera must be a /dev/video* device.",
    },
    "window": {
        "linux": "Teams' window must be on the accessibility bus (at-spi2-core; Electron "
                 "builds its tree only while an assistive technology is on), and the "
                 "indicator's words in [recording] indicator_names (see 'Learned' below).",
        "windows": "keep the meeting window open (not minimised to the tray) and put the "
                   "indicator's words, in Teams' language, in [recording] indicator_names "
                   "(see 'Learned' below).",
        "macos": "give DeviceCheck Accessibility access (System Settings > Privacy & "
                 "Security > Accessibility); the tree can take minutes to appear after a "
                 "call starts; put the indicator's words in [recording] indicator_names.",
    },
    "api": {
        "*": "the Teams local API was retired in 2026; leave [teams] local_api off.",
    },
}


def advice(source: str, os_name: str) -> str | None:
    """What to do about ``source`` on ``os_name``; None when it does not apply there. A
    source added later without advice points to the guide."""
    if source not in ADVICE:
        return f"see {GUIDE}."
    return ADVICE[source].get(os_name) or ADVICE[source].get("*")


def build_report(*, os_name: str, auto_s: float | None, started: str,
                 sources: Sequence[SourceInfo], results: Sequence[StepResult],
                 verdict: Mapping[str, Sequence[str]], learned: Learned,
                 policy_lines: Sequence[str], gaps: Sequence[Gap], gaps_complete: bool,
                 off_in_policy: Sequence[str] = (), stopped_early: bool = False,
                 clients_seen: Sequence[str] = ()) -> dict[str, Any]:
    return {
        "pilot": FORMAT,
        "os": os_name,
        "started": started,
        "auto_s": auto_s,
        "completed": not stopped_early and [r.name for r in results] == list(STEPS),
        "clients_seen": list(clients_seen),
        "sources": [{"source": s.name, "kinds": sorted(s.kinds), "unavailable": s.unavailable,
                     "off_in_policy": s.name in off_in_policy} for s in sources],
        "steps": [r.as_dict() for r in results],
        "verdict": {k: list(verdict.get(k, ())) for k in KINDS},
        "learned": {**learned.as_dict(), "policy_lines": list(policy_lines)},
        "uncovered": [g.as_dict() for g in gaps],
        "uncovered_complete": gaps_complete,
    }


def _symbol(step: str, src: Mapping[str, Any], info: Mapping[str, Any]) -> str:
    if info.get("unavailable"):
        return UNUSED
    got = SourceStep(src["source"], src["meeting"], src["recording"], src["latency_s"])
    mark = cell(step, got, info.get("kinds", ()))
    text = UNKNOWN if mark is None else YES if mark else NO
    if mark and src.get("latency_s") is not None:
        text += f" {src['latency_s']:.1f}s"
    return text


def table(report: Mapping[str, Any]) -> list[str]:
    steps = report["steps"]
    infos = {s["source"]: s for s in report["sources"]}
    names = [s["source"] for s in report["sources"]]
    widths = [max(len("source"), *(len(n) for n in names))] + \
        [max(len(st["name"]), 8) for st in steps]
    rows = [["source", *(st["name"] for st in steps)]]
    for name in names:
        row = [name]
        for st in steps:
            src = next((x for x in st["sources"] if x["source"] == name), None)
            row.append(UNUSED if src is None else _symbol(st["name"], src, infos[name]))
        rows.append(row)
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
            for r in rows]


def promise_lines(report: Mapping[str, Any]) -> list[str]:
    lines: list[str] = []
    os_name = report["os"]
    for kind in KINDS:
        subject, what = PROMISE_WORDS[kind]
        working = report["verdict"].get(kind, [])
        if working:
            lines.append(f"{subject} detected on this laptop by: {', '.join(working)}")
            continue
        seeing = [s for s in report["sources"] if kind in s["kinds"]]
        if not report.get("completed"):
            lines.append(f"{subject} NOT shown to be detected: the pilot stopped before "
                         "its last step. Run it to the end.")
            continue
        lines.append(f"{subject} NOT detected: no source saw {what} as it happened. "
                     "What to do:")
        shown = 0
        for s in seeing:
            todo = advice(s["source"], os_name)
            if todo is None:
                continue
            why = f" ({s['unavailable']})" if s.get("unavailable") else ""
            lines += textwrap.wrap(f"- {s['source']}{why}: {todo}", WIDTH,
                                   initial_indent="  ", subsequent_indent="    ")
            shown += 1
        if not shown:
            lines.append(f"  - no source on this laptop can see it; see {GUIDE}.")
    return lines


def render_text(report: Mapping[str, Any]) -> str:
    out = ["DeviceCheck pilot: what each meeting and recording signal saw, step by step",
           LEGEND, "(a time is how long the source took to see the step's change)", ""]
    out += table(report)
    out.append("")
    if not report.get("clients_seen"):
        out += ["No Teams client was running during the pilot: start Teams, sign in and "
                "run the pilot again.", ""]
    out += promise_lines(report)
    learned = report["learned"]
    out.append("")
    if learned["indicator_names"] or learned["call_control_ids"]:
        out.append("Learned from the Teams window:")
        if learned["indicator_names"]:
            out.append("  shown only while recording (for [recording] indicator_names): "
                       + ", ".join(f'"{n}"' for n in learned["indicator_names"]))
        if learned["call_control_ids"]:
            out.append("  call controls shown only in the meeting (for the meeting "
                       "signal): " + ", ".join(learned["call_control_ids"]))
        if learned["policy_lines"]:
            out.append("  Paste into the machine policy to use them:")
            out += [f"    {line}" for line in learned["policy_lines"]]
    else:
        out.append("Learned from the Teams window: nothing new.")
    out += [f"  ({note})" for note in learned.get("notes", ())]
    out.append("")
    if report["uncovered"]:
        out.append("Meeting data DeviceCheck does not clear (folders written during the "
                   "meeting that its catalogue does not know; please report them):")
        out += [f"  {g['client']} ({g['root']}): {g['folder']}  ({g['files']} files)"
                for g in report["uncovered"]]
    else:
        out.append("Meeting data: every folder written during the meeting is one "
                   "DeviceCheck clears or keeps on purpose.")
    if not report.get("uncovered_complete", True):
        out.append("  (the data folders were too large to list whole: the list may be "
                   "incomplete)")
    return "\n".join(out)
