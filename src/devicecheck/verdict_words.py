"""The officer's words for a report: one verdict line and the problems, each named by its
fault phrase (issue 19). Pure: no Qt, no I/O, the clock passed in.

Every officer view (tray tooltip and menu status line, report heading, pre-call step 1
heading, ``devicecheck check`` text) takes its first line from ``verdict_words``, so the
answer to "can I take calls?" reads the same everywhere:

* "Yes — you can take calls"
* "No — don't take calls on this laptop. Contact <IT contact>."
* "Fix soon — you can take calls, but get this fixed by 8 Dec 2026" (advisory problems;
  the date only when ``[checks] advisory_grace_days`` is set).

Problems are ordered by how much they block (required failures, then required checks that
could not be read, then advisory problems), never alphabetically, and never by internal id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from devicecheck.checks.registry import CHECKS, spec
from devicecheck.checks.status import Status

if TYPE_CHECKING:  # annotations only: the tray's start-up imports this module
    from devicecheck.checks.base import CheckResult
    from devicecheck.policy.model import Policy

YES = "Yes \u2014 you can take calls"
NO = "No \u2014 don't take calls on this laptop"
FIX_SOON = "Fix soon \u2014 you can take calls"
CHECKING = "Checking this laptop\u2026"
#: The officer's words for any policy problem: nothing technical (the detail is IT's).
SETTINGS_PROBLEM = "IT needs to fix a settings problem"
#: A report judged against a settings file the officer named (``--policy``), not IT's: it
#: is not IT's settings problem, and the answer is not the laptop's (issue 27).
OWN_SETTINGS = "Checked with a settings file you chose, not the council's"


class Answer(StrEnum):
    YES = "yes"
    NO = "no"
    FIX_SOON = "fix-soon"


def phrase(check_id: str, status: Status, fallback: str = "A device check") -> str:
    """The officer's phrase for one result: the pass phrase for a pass, the fault phrase for
    a failure or warning, "<topic> could not be checked" / "not checked" otherwise. A check
    outside the registry (a plug-in, a test stand-in) is named by ``fallback`` (its title)
    with its status, never by its id."""
    try:
        entry = spec(check_id)
    except KeyError:
        words = {Status.PASS: "OK", Status.UNKNOWN: "could not be checked",
                 Status.SKIP: "not checked"}
        return f"{fallback}: {words.get(status, 'problem')}"
    if status is Status.PASS:
        return entry.pass_phrase
    if status is Status.UNKNOWN:
        return f"{entry.topic} could not be checked"
    if status is Status.SKIP:
        return f"{entry.topic} not checked"
    return entry.fault_phrase


def result_phrase(result: CheckResult) -> str:
    """``phrase`` for one result, with the situations a check id alone cannot tell: a
    report judged against a settings file the officer chose (policy-health's evidence
    ``not_machine_policy``) is named as such, not as IT's settings problem."""
    if (result.id == "policy-health" and result.status is Status.FAIL
            and result.evidence.get("not_machine_policy")):
        return OWN_SETTINGS
    return phrase(result.id, result.status, result.title)


def topic(check_id: str, fallback: str) -> str:
    """What a check looks at ("Disk encryption"), for a row still waiting for its result."""
    try:
        return spec(check_id).topic or fallback
    except KeyError:
        return fallback


def problem_rank(result: CheckResult) -> int:
    """0 = required failure, 1 = required but unreadable, 2 = advisory; 3 = no problem."""
    if result.blocking:
        return 0 if result.status is Status.FAIL else 1
    return 2 if result.needs_attention else 3


def _registry_index(check_id: str) -> int:
    return next((i for i, c in enumerate(CHECKS) if c.id == check_id), len(CHECKS))


def ordered_problems(results: Iterable[CheckResult]) -> list[CheckResult]:
    """Blocking and attention results, worst first; registry order within a rank (checks
    outside the registry last, in the order given: the sort is stable)."""
    return sorted((r for r in results if problem_rank(r) < 3),
                  key=lambda r: (problem_rank(r), _registry_index(r.id)))


@dataclass(frozen=True)
class VerdictWords:
    answer: Answer
    #: The one line every view leads with.
    headline: str
    #: The problems by fault phrase, worst first.
    problems: tuple[str, ...] = ()
    #: A line for a settings problem that does not block ("IT needs to fix…"), or "".
    it_notice: str = ""
    #: The fix-by date of advisory problems ("8 Dec 2026"), or "" (no grace days set).
    #: Not in ``to_dict``: the JSON report's shape stays as it was.
    due: str = ""

    def to_dict(self) -> dict[str, object]:
        return {"answer": self.answer.value, "line": self.headline,
                "problems": list(self.problems), "it_notice": self.it_notice}


def verdict_words(results: Sequence[CheckResult], policy: Policy, *,
                  settings_errors: bool = False, since: datetime | None = None) -> VerdictWords:
    """The verdict for ``results`` under ``policy``.

    ``settings_errors``: the policy had errors (``LoadedPolicy.errors``); when policy-health
    does not block, the officer may still take calls and sees only ``it_notice``.
    ``since``: when the advisory problem was first seen (the grace date counts from it);
    the report's own date is a fair stand-in when nothing remembers the first sighting."""
    problems = ordered_problems(results)
    phrases = tuple(result_phrase(r) for r in problems)
    blocking = [r for r in problems if r.blocking]
    advisory = [r for r in problems if not r.blocking]
    contact = policy.organisation.it_contact
    if blocking or (advisory and not policy.notice.allow_advisory_continue):
        return VerdictWords(Answer.NO, f"{NO}. Contact {contact}.", phrases)
    notice = f"{SETTINGS_PROBLEM}; you can still take calls." if settings_errors else ""
    if advisory:
        days = policy.checks.advisory_grace_days
        if days and since is not None:
            due = (since + timedelta(days=days)).astimezone()
            by = f"{due.day} {due:%b %Y}"  # not "%-d": Windows' strftime has no "-" flag
            head = f"{FIX_SOON}, but get this fixed by {by}"
        else:
            by, head = "", f"{FIX_SOON}, but get this fixed soon"
        return VerdictWords(Answer.FIX_SOON, head, phrases, notice, by)
    return VerdictWords(Answer.YES, YES, (), notice)


def severity_tag(severity: object) -> str:
    """The tag after an advisory problem's phrase in a list of problems that block (the
    tray's "Problems: Disk not encrypted, Meeting data not cleared yet (fix soon)"): the
    same words as its row's status, "Fix soon" (issue 27: one set of status words). A
    required check needs none, nor does a check IT turned off (``severity`` is the
    ``Severity`` enum or its value)."""
    return " (fix soon)" if str(getattr(severity, "value", severity)) == "advisory" else ""


def problem_list(phrases: Sequence[str], most: int = 3) -> str:
    """At most ``most`` phrases named: "Disk not encrypted, Firewall off and 2 more"."""
    shown = ", ".join(phrases[:most])
    return shown + (f" and {len(phrases) - most} more" if len(phrases) > most else "")


__all__ = ["CHECKING", "FIX_SOON", "NO", "OWN_SETTINGS", "SETTINGS_PROBLEM", "YES", "Answer",
           "VerdictWords", "ordered_problems", "phrase", "problem_list", "problem_rank",
           "result_phrase", "severity_tag", "topic", "verdict_words"]
