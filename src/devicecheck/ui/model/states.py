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

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from devicecheck.verdict_words import (
    CHECKING,
    FIX_SOON,
    NO,
    SETTINGS_PROBLEM,
    YES,
    Answer,
    ordered_problems,
    phrase,
    problem_list,
    result_phrase,
    severity_tag,
)

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

#: The words for each state: the tooltip's first line and the menu's status line when no
#: report says more (``state_line`` prefers the verdict's own headline, which names the IT
#: contact or the fix-by date). The device states use the verdict words of
#: ``verdict_words``, so every officer view answers "can I take calls?" the same way.
STATE_WORDS: dict[TrayState, str] = {
    TrayState.READY: YES,
    TrayState.ATTENTION: f"{FIX_SOON}, but get this fixed soon",
    TrayState.NOT_READY: NO,
    TrayState.CHECKING: CHECKING,
    TrayState.POLICY_ERROR: f"{NO}: {SETTINGS_PROBLEM[:1].lower()}{SETTINGS_PROBLEM[1:]}",
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
class TrayVerdict:
    """The device verdict from one report, reduced to what the tray shows."""

    state: TrayState                  # READY, ATTENTION, NOT_READY or POLICY_ERROR
    problems: frozenset[str] = frozenset()   # ids of blocking (or attention) checks
    attention: frozenset[str] = frozenset()
    #: The problems by fault phrase, worst first (``verdict_words``); officer text uses
    #: these, never the ids above (which are for "a new problem" comparisons).
    phrases: tuple[str, ...] = ()
    #: The verdict line ("No — don't take calls on this laptop. Contact …"); "" = the
    #: state's words.
    headline: str = ""
    #: A settings problem IT must fix that does not block ("" when there is none).
    it_notice: str = ""

    @property
    def rank(self) -> int:
        return SEVERITY_RANK[self.state]

    @property
    def line(self) -> str:
        return self.headline or STATE_WORDS[self.state]

    def problem_phrases(self) -> tuple[str, ...]:
        """``phrases``, or for a verdict built from ids alone their fault phrases in
        registry order (an unknown id is never shown: it is internal)."""
        if self.phrases:
            return self.phrases
        from devicecheck.checks.base import Status
        from devicecheck.checks.registry import CHECKS

        return tuple(phrase(c.id, Status.FAIL) for c in CHECKS if c.id in self.problems)


def answer_state(answer: Answer, blocking_ids: frozenset[str] | set[str]) -> TrayState:
    """The state (icon and banner tone) of a verdict: the same in the tray, the report
    window and pre-call step 1 (issue 27: no policy wore the purple "?" in the tray and
    the report but a red cross in pre-call). A policy error when policy-health blocks."""
    if "policy-health" in blocking_ids:
        return TrayState.POLICY_ERROR
    if answer is Answer.NO:
        return TrayState.NOT_READY
    return TrayState.ATTENTION if answer is Answer.FIX_SOON else TrayState.READY


def verdict_of(report: Report) -> TrayVerdict:
    """The tray's verdict. The state follows the verdict's answer: "No" is not ready
    (red) even when only advisory problems caused it (``[notice] allow_advisory_continue
    = false``), never the amber "attention" beside a "No". A policy error only when
    policy-health blocks (issue 19: a typo in an unrelated setting leaves the verdict
    alone and adds ``it_notice``)."""
    words = report.words()
    blocking = frozenset(c.id for c in report.blocking)
    attention = frozenset(c.id for c in report.attention)
    state = answer_state(words.answer, blocking)
    if state is TrayState.ATTENTION:
        return TrayVerdict(TrayState.ATTENTION, attention, attention, words.problems,
                           words.headline, words.it_notice)
    # Problems that stop the call: the blocking ones, or (advisory problems stopping it by
    # policy) the advisory ones, so "a new problem" still compares like with like.
    return TrayVerdict(state, blocking or attention, attention, _tagged(report, words.problems),
                       words.headline, words.it_notice)


def _tagged(report: Report, phrases: tuple[str, ...]) -> tuple[str, ...]:
    """The phrases of a "No" with " (fix soon)" after each advisory problem, when the
    policy lets officers go on despite those (otherwise they block too: no tag). An
    advisory check that could not be read is untagged: its phrase already says "could
    not be checked", its row's status word (issue 27: one status word a state)."""
    from devicecheck.checks.status import Status  # a leaf module (see checks/status.py)

    if not report.blocking or not report.loaded.policy.notice.allow_advisory_continue:
        return phrases
    return tuple(result_phrase(r) + ("" if r.status is Status.UNKNOWN
                                     else severity_tag(r.severity))
                 for r in ordered_problems(report.checks))


def state_line(state: TrayState, verdict: TrayVerdict | None) -> str:
    """The words for ``state``: the verdict's headline when the state is the verdict's."""
    if verdict is not None and verdict.state is state:
        return verdict.line
    return STATE_WORDS[state]


def derive_state(verdict: TrayVerdict | None, *, in_meeting: bool = False,
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


def is_worse(old: TrayVerdict | None, new: TrayVerdict) -> bool:
    """A change for the worse: a higher rank, or the same bad rank with a new problem.
    With no earlier verdict (start-up) only a blocking verdict counts, so an officer is
    told at log-in when the laptop is not ready but is not nagged about advisories."""
    if old is None:
        return new.rank >= 2
    if new.rank > old.rank:
        return True
    return new.rank == old.rank and new.rank > 0 and bool(new.problems - old.problems)


def tooltip_text(state: TrayState, verdict: TrayVerdict | None, *, checked_at: datetime | None,
                 checking: bool = False, titles: dict[str, str] | None = None,
                 data_waiting: bool = False) -> str:
    """Tooltip lines: the verdict line (or the state's words), the device verdict when the
    icon shows something else, the problems by fault phrase (worst first), a settings
    notice for IT, meeting data still waiting to be cleared, and when the laptop was last
    checked. ``titles`` is no longer used (problems are named by fault phrase)."""
    del titles
    lines = [f"DeviceCheck: {state_line(state, verdict)}"]
    if verdict is not None and verdict.state is not state:
        lines.append(f"Device: {verdict.line}")
    if verdict is not None and verdict.problems and verdict.state is not TrayState.READY:
        shown = problem_list(verdict.problem_phrases())
        lines.append(f"Problems: {shown}" if verdict.rank >= 2 else f"To fix: {shown}")
    if verdict is not None and verdict.it_notice:
        lines.append(verdict.it_notice)
    if data_waiting:
        lines.append("Meeting data is waiting to be cleared")
    if checking and verdict is not None:
        lines.append("Checking again…")
    if checked_at is not None:
        lines.append(f"Last checked {checked_at.astimezone().strftime('%H:%M')}")
    return "\n".join(lines)
