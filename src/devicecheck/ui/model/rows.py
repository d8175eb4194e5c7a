"""What one check's result means for the call, and how every surface says it (issues 19
and 27). Pure (no Qt): the report window, pre-call step 1 (``ui/windows/results_view.py``)
and the terminal report (``report.py``) all draw the same ``RowWords``.

One set of status words, each with one shape (issue 27: the same fault once read "Fix
soon", "Problem" and "(can wait)" on three surfaces):

========================  =====  ======  ================================================
word                      icon   text    when
========================  =====  ======  ================================================
Problem (blocks calls)    ✖      [x]     a required check failed or could not be read, or
                                         an advisory problem the policy lets nobody pass
Fix soon (by DATE)        ⚠      [!]     an advisory problem the officer may go on past
Could not be checked      ?      [?]     an advisory check that could not be read
Not checked               –      [-]     not run on this laptop, or switched off by policy
OK                        ✔      [ok]    passed
========================  =====  ======  ================================================

Rows, counts and the verdict use the same ``meaning``, so a row never says "Problem" for
something the verdict calls "fix soon", and a count never contradicts the verdict line.
Advice follows the status (``advice``): a setting that could not be read is never told
"turn it on", no "What to do" repeats its fault, and an unknown that blocks says why.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from devicecheck.checks.registry import spec
from devicecheck.checks.status import Status
from devicecheck.policy import Severity
from devicecheck.verdict_words import ordered_problems, phrase, result_phrase

if TYPE_CHECKING:  # annotations only: the check machinery is not needed to word a row
    from devicecheck.checks.base import CheckResult

#: What a row's result means for the call.
OK, BLOCK, SOON, UNKNOWN, UNCHECKED = "ok", "block", "soon", "unknown", "unchecked"
#: Meanings that are problems (listed, worst first, above the "other checks" line).
PROBLEMS = (BLOCK, SOON, UNKNOWN)


@dataclass(frozen=True)
class Look:
    """One status as every surface shows it: the word, the icon (``qtsupport.icons``
    status icon name), the symbol windows print beside the word and the terminal's."""

    word: str
    icon: str
    symbol: str
    text_symbol: str


LOOKS: dict[str, Look] = {
    BLOCK: Look("Problem", "fail", "\u2716", "[x]"),
    SOON: Look("Fix soon", "warn", "\u26a0", "[!]"),
    UNKNOWN: Look("Could not be checked", "unknown", "?", "[?]"),
    UNCHECKED: Look("Not checked", "skip", "\u2013", "[-]"),
    OK: Look("OK", "pass", "\u2714", "[ok]"),
}

#: Why a problem blocks when its phrase alone does not say so.
WHY_UNREAD = "Calls wait until DeviceCheck can check this."
WHY_COUNCIL = "Your council does not allow calls until this is fixed."
#: The officer's advice for a setting that could not be read (never "turn it on").
UNREAD_ADVICE = ("DeviceCheck could not check this. Check again in a few minutes. If this "
                 "keeps happening, contact {contact}.")


def meaning(result: CheckResult, advisory_blocks: bool = False) -> str:
    """What ``result`` means for the call. ``advisory_blocks``: the policy does not let the
    officer continue past advisory problems, so they block like required ones (the
    verdict says "No", and the rows and counts must not say "fix soon")."""
    if result.status is Status.PASS:
        return OK
    if result.severity is Severity.OFF or result.status is Status.SKIP:
        return UNCHECKED
    if result.blocking:
        # A required check that could not be read blocks as well (unknown is never pass);
        # its "could not be checked" phrase and ``why`` say so.
        return BLOCK
    if result.needs_attention:
        if advisory_blocks:
            return BLOCK
        return UNKNOWN if result.status is Status.UNKNOWN else SOON
    return UNCHECKED


def status_words(row_meaning: str, due: str = "") -> str:
    """The status as a row says it: "Problem (blocks calls)", "Fix soon (by 8 Dec 2026)",
    "Fix soon" (no date set), "Could not be checked", "Not checked", "OK"."""
    word = LOOKS[row_meaning].word
    if row_meaning == BLOCK:
        return f"{word} (blocks calls)"
    if row_meaning == SOON and due:
        return f"{word} (by {due})"
    return word


def why(result: CheckResult, row_meaning: str) -> str:
    """Why a problem blocks when "Problem" alone would puzzle: it could not be read, or the
    council lets nobody go on past an advisory problem. "" otherwise."""
    if row_meaning != BLOCK:
        return ""
    if result.status is Status.UNKNOWN:
        return WHY_UNREAD
    return "" if result.blocking else WHY_COUNCIL


_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_NOTHING_TO_DO = re.compile(r"^nothing for you to do[:.,;]?\s*", re.IGNORECASE)


def _is_fix_advice(check_id: str, text: str) -> bool:
    """Whether ``text`` is the registry's "how to fix it" advice for ``check_id`` (which
    assumes the setting is off: wrong for a setting nobody could read)."""
    try:
        entry = spec(check_id)
    except KeyError:
        return False
    heads = [t.split("{", 1)[0].strip() for t in entry.remedy.values()]
    return any(h and text.startswith(h[:40]) for h in heads)


def advice(result: CheckResult, row_meaning: str, contact: str) -> str:
    """The row's "What to do: ..." ("" for a row that needs nothing, or no remedy).

    * A result that could not be read gets "could not be checked" advice, never the fix
      for a setting that is off (a check that still hands out its fix is caught here).
    * No sentence repeats the row's fault phrase ("IT needs to fix a settings problem"
      then "What to do: IT needs to fix a settings problem."): it is dropped.
    * A problem is never followed by "Nothing for you to do": the rest of the advice stays.
    """
    if row_meaning not in PROBLEMS or result.remediation is None:
        return ""
    text = result.remediation.text.strip()
    if result.status is Status.UNKNOWN and _is_fix_advice(result.id, text):
        text = UNREAD_ADVICE.format(contact=contact)
    text = _NOTHING_TO_DO.sub("", text)
    fault = result_phrase(result).lower().rstrip(".")
    kept = [s for s in _SENTENCE.split(text) if s and fault not in s.lower()]
    text = " ".join(kept).strip() or f"Contact {contact}."
    return f"What to do: {text[:1].upper()}{text[1:]}"


@dataclass(frozen=True)
class RowWords:
    """One result as every surface says it."""

    check_id: str
    meaning: str
    #: What is true or wrong ("Disk not encrypted"), never the title or the id.
    phrase: str
    #: "Problem (blocks calls)", "Fix soon (by 8 Dec 2026)", ...
    status: str
    #: Why it blocks, when the phrase alone does not say ("" otherwise).
    why: str = ""
    #: "What to do: ..." ("" when nothing is to be done).
    advice: str = ""
    #: A settings page that fixes it (a deep link), or None.
    link: str | None = None

    @property
    def look(self) -> Look:
        return LOOKS[self.meaning]

    def spoken(self) -> str:
        """Everything the row says, in reading order (a screen reader's name for it)."""
        return " ".join(p for p in (f"{self.phrase}.", f"{self.status}.", self.why,
                                    self.advice) if p)


def row_words(result: CheckResult, *, advisory_blocks: bool = False, due: str = "",
              contact: str = "your IT service desk") -> RowWords:
    m = meaning(result, advisory_blocks)
    fix = advice(result, m, contact)
    link = result.remediation.link if fix and result.remediation is not None else None
    # Not counted or not run: "Meeting data not checked", never its fault phrase beside
    # "Not checked" (a check IT switched off may still have found something).
    name = phrase(result.id, Status.SKIP, result.title) if m == UNCHECKED \
        else result_phrase(result)
    return RowWords(result.id, m, name, status_words(m, due), why(result, m), fix, link)


@dataclass(frozen=True)
class Rows:
    """A report's results as the officer reads them: the problems worst first, then the
    other checks (OK, then not checked) behind one summary line."""

    problems: tuple[RowWords, ...]
    others: tuple[RowWords, ...]

    def others_line(self) -> str:
        """"7 other checks OK · 2 not checked" ("8 checks OK" with no problem above)."""
        ok = sum(1 for r in self.others if r.meaning == OK)
        unchecked = len(self.others) - ok
        parts = []
        if ok:
            other = "other " if self.problems else ""
            parts.append(f"{ok} {other}{'check' if ok == 1 else 'checks'} OK")
        if unchecked:
            parts.append(f"{unchecked} not checked")
        return " \u00b7 ".join(parts)


def rows(results: Sequence[CheckResult], *, advisory_blocks: bool = False, due: str = "",
         contact: str = "your IT service desk") -> Rows:
    """``results`` split for display: problems in ``ordered_problems`` order (worst first,
    then registry order), the rest OK first, then not checked, in the order given."""
    def words(r: CheckResult) -> RowWords:
        return row_words(r, advisory_blocks=advisory_blocks, due=due, contact=contact)

    problem_ids = set()
    problems = []
    for r in ordered_problems(results):
        w = words(r)
        if w.meaning in PROBLEMS:
            problems.append(w)
            problem_ids.add(r.id)
    rest = [words(r) for r in results if r.id not in problem_ids]
    rest.sort(key=lambda w: w.meaning != OK)  # stable: OK first, then not checked
    return Rows(tuple(problems), tuple(rest))


__all__ = ["BLOCK", "LOOKS", "OK", "PROBLEMS", "SOON", "UNCHECKED", "UNKNOWN", "UNREAD_ADVICE",
           "WHY_COUNCIL", "WHY_UNREAD", "Look", "RowWords", "Rows", "advice", "meaning",
           "row_words", "rows", "status_words", "why"]
