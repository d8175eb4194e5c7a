"""Tray states: what the icon and tooltip say, derived purely from the last report and the
Teams link. No Qt here, so the rules are unit-tested without a display.

Priority (the most urgent thing wins the icon; the tooltip always carries the device
verdict in words as well):

recording > policy error > not ready > in meeting > checking (no result yet) > attention > ready

* Recording beats everything: a private call being recorded is the worst news.
* A policy error beats "not ready" because the fix is different: only IT can repair it.
* "In meeting" replaces ready/attention (the officer is busy; the verdict is in the
  tooltip) but never hides a blocking problem.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the report module is light, but keep start-up free of it until needed
    from devicecheck.report import Report


class TrayState(StrEnum):
    READY = "ready"
    ATTENTION = "attention"
    NOT_READY = "not-ready"
    CHECKING = "checking"
    POLICY_ERROR = "policy-error"
    IN_MEETING = "in-meeting"
    RECORDING = "recording"


#: Icon file (resources/icons/<name>.svg) per state: each a different shape.
ICON_FILES: dict[TrayState, str] = {s: f"{s.value}.svg" for s in TrayState}

#: The words for each state: the tooltip's first line and the menu's status line.
STATE_WORDS: dict[TrayState, str] = {
    TrayState.READY: "Ready for private calls",
    TrayState.ATTENTION: "Ready, but something needs attention",
    TrayState.NOT_READY: "Not ready for private calls",
    TrayState.CHECKING: "Checking this laptop…",
    TrayState.POLICY_ERROR: "Policy error: settings from IT could not be read",
    TrayState.IN_MEETING: "In a meeting",
    TrayState.RECORDING: "Recording: this call is being recorded",
}

#: How bad each verdict is, for "changed for the worse" (notifications).
SEVERITY_RANK: dict[TrayState, int] = {
    TrayState.READY: 0,
    TrayState.IN_MEETING: 0,
    TrayState.CHECKING: 0,
    TrayState.ATTENTION: 1,
    TrayState.NOT_READY: 2,
    TrayState.POLICY_ERROR: 2,
    TrayState.RECORDING: 3,
}


@dataclass(frozen=True)
class Verdict:
    """The device verdict from one report, reduced to what the tray shows."""

    state: TrayState                  # READY, ATTENTION, NOT_READY or POLICY_ERROR
    problems: frozenset[str] = frozenset()   # ids of blocking (or attention) checks
    attention: frozenset[str] = frozenset()

    @property
    def rank(self) -> int:
        return SEVERITY_RANK[self.state]


def verdict_of(report: Report) -> Verdict:
    blocking = frozenset(c.id for c in report.blocking)
    attention = frozenset(c.id for c in report.attention)
    if report.loaded.errors:
        return Verdict(TrayState.POLICY_ERROR, blocking | {"policy"}, attention)
    if blocking:
        return Verdict(TrayState.NOT_READY, blocking, attention)
    if attention:
        return Verdict(TrayState.ATTENTION, attention, attention)
    return Verdict(TrayState.READY)


def derive_state(verdict: Verdict | None, *, in_meeting: bool = False,
                 recording: bool = False) -> TrayState:
    """The icon's state. ``verdict`` None means no check has finished yet."""
    if recording:
        return TrayState.RECORDING
    if verdict is not None and verdict.state in (TrayState.POLICY_ERROR, TrayState.NOT_READY):
        return verdict.state
    if in_meeting:
        return TrayState.IN_MEETING
    if verdict is None:
        return TrayState.CHECKING
    return verdict.state


def is_worse(old: Verdict | None, new: Verdict) -> bool:
    """A change for the worse: a higher rank, or the same bad rank with a new problem.
    With no earlier verdict (start-up) only a blocking verdict counts, so an officer is
    told at log-in when the laptop is not ready but is not nagged about advisories."""
    if old is None:
        return new.rank >= 2
    if new.rank > old.rank:
        return True
    return new.rank == old.rank and new.rank > 0 and bool(new.problems - old.problems)


#: First words of check titles that are names, kept capitalised inside a sentence.
PROPER_NOUNS = frozenset({"Teams", "Microsoft", "Windows", "BitLocker", "FileVault", "Intune"})


def in_sentence(title: str) -> str:
    """A check title as it reads inside a sentence: "the firewall is on", but "Teams
    recording is switched off"."""
    first = title.split(" ", 1)[0]
    return title if first in PROPER_NOUNS or first.isupper() else title[:1].lower() + title[1:]


def problem_list(problems: Iterable[str], titles: Mapping[str, str] | None = None,
                 most: int = 3) -> str:
    """The checks not met, by title, at most ``most`` named: "the disk is encrypted, the
    firewall is on and 2 more"."""
    names = [in_sentence((titles or {}).get(p, p)) for p in sorted(problems)]
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def tooltip_text(state: TrayState, verdict: Verdict | None, *, checked_at: datetime | None,
                 checking: bool = False, titles: dict[str, str] | None = None,
                 data_waiting: bool = False) -> str:
    """Tooltip lines: state words, the device verdict when the icon shows something else,
    what is wrong (by check title), meeting data still waiting to be cleared, and when the
    laptop was last checked."""
    lines = [f"DeviceCheck: {STATE_WORDS[state]}"]
    if verdict is not None and verdict.state is not state:
        lines.append(f"Device: {STATE_WORDS[verdict.state]}")
    if verdict is not None and verdict.problems and verdict.state is not TrayState.READY:
        shown = problem_list(verdict.problems, titles)
        lines.append(f"Not met: {shown}" if verdict.rank >= 2 else f"Needs attention: {shown}")
    if data_waiting:
        lines.append("Meeting data is waiting to be cleared")
    if checking and verdict is not None:
        lines.append("Checking again…")
    if checked_at is not None:
        lines.append(f"Last checked {checked_at.astimezone().strftime('%H:%M')}")
    return "\n".join(lines)
