"""What one check's result means for the call, for every window's rows and counts (issue
19): OK, blocks calls, fix soon, not checked, not counted. Pure (no Qt).

Rows and counts use the same ``meaning``, so a row never says "Problem" for something the
verdict calls "fix soon", and a count never contradicts the verdict line.
"""

from __future__ import annotations

from collections.abc import Sequence

from devicecheck.checks.base import STATUS_WORDS, CheckResult, Status
from devicecheck.policy import Severity

#: What a row's result means for the call, in the order the summary line counts them.
OK, BLOCK, SOON, UNCHECKED, OFF = "ok", "block", "soon", "unchecked", "off"

#: Per meaning: the row's word and icon (never colour alone: icon shape + word).
ROW_LOOK: dict[str, tuple[str, str]] = {
    OK: (STATUS_WORDS[Status.PASS], "pass"),
    BLOCK: (STATUS_WORDS[Status.FAIL], "fail"),
    SOON: ("Fix soon", "warn"),
    UNCHECKED: (STATUS_WORDS[Status.SKIP], "skip"),
    OFF: ("Not counted", "skip"),
}


def meaning(result: CheckResult, advisory_blocks: bool = False) -> str:
    """What ``result`` means for the call. ``advisory_blocks``: the policy does not let the
    officer continue past advisory problems, so they block like required ones (the
    verdict says "No", and the rows and counts must not say "fix soon")."""
    if result.status is Status.PASS:
        return OK
    if result.severity is Severity.OFF:
        return OFF
    if result.blocking:
        # A required check that could not be read blocks as well (unknown is never pass);
        # its unknown icon and "could not be checked" phrase say why.
        return BLOCK
    if result.needs_attention:
        return BLOCK if advisory_blocks else SOON
    return UNCHECKED


def count_words(checks: Sequence[CheckResult], advisory_blocks: bool = False) -> str:
    """"4 OK, 2 block calls, 1 to fix soon, 3 not checked": the summary line in plain words,
    counted by what each result means for the call (the same ``meaning`` as the rows, so
    it never contradicts the verdict: "Yes" has no blocking or fix-soon count, "Fix soon"
    no blocking one). Read out by screen readers, so the grammar matters. Zero counts are
    left out, but OK is always said."""
    seen = [meaning(c, advisory_blocks) for c in checks]
    block = seen.count(BLOCK)
    parts = [f"{seen.count(OK)} OK"]
    if block:
        parts.append(f"{block} {'blocks' if block == 1 else 'block'} calls")
    if seen.count(SOON):
        parts.append(f"{seen.count(SOON)} to fix soon")
    if seen.count(UNCHECKED):
        parts.append(f"{seen.count(UNCHECKED)} not checked")
    if seen.count(OFF):
        parts.append(f"{seen.count(OFF)} not counted")
    return ", ".join(parts)


__all__ = ["BLOCK", "OFF", "OK", "ROW_LOOK", "SOON", "UNCHECKED", "count_words", "meaning"]
