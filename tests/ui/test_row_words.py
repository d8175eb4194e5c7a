"""The one set of status words and advice that matches the status (issue 27), pure: no
window. The surfaces' own tests (report window, pre-call, CLI) compare against these."""

from __future__ import annotations

from dataclasses import replace

import pytest

from devicecheck.checks.base import CheckResult, Remediation, Status
from devicecheck.checks.registry import CHECKS, spec
from devicecheck.policy import Severity
from devicecheck.ui.model.rows import (
    BLOCK,
    LOOKS,
    OK,
    SOON,
    UNCHECKED,
    UNKNOWN,
    WHY_COUNCIL,
    WHY_UNREAD,
    meaning,
    row_words,
    rows,
    status_words,
)
from devicecheck.verdict_words import OWN_SETTINGS, SETTINGS_PROBLEM

CONTACT = "the IT service desk on 0123"


def res(cid: str, status: Status, severity: Severity = Severity.REQUIRED, text: str = "Do this.",
        **evidence: object) -> CheckResult:
    return CheckResult(cid, spec(cid).title if cid in {c.id for c in CHECKS} else cid, status,
                       severity, "summary", evidence, Remediation(text, "ms-settings:x"))


@pytest.mark.parametrize(("status", "severity", "blocks", "expected"), [
    (Status.PASS, Severity.REQUIRED, False, OK),
    (Status.FAIL, Severity.REQUIRED, False, BLOCK),
    (Status.UNKNOWN, Severity.REQUIRED, False, BLOCK),
    (Status.WARN, Severity.ADVISORY, False, SOON),
    (Status.FAIL, Severity.ADVISORY, False, SOON),
    (Status.FAIL, Severity.ADVISORY, True, BLOCK),
    (Status.UNKNOWN, Severity.ADVISORY, False, UNKNOWN),
    (Status.UNKNOWN, Severity.ADVISORY, True, BLOCK),
    (Status.SKIP, Severity.REQUIRED, False, UNCHECKED),
    (Status.FAIL, Severity.OFF, False, UNCHECKED),  # switched off: "Not checked" everywhere
])
def test_meaning(status: Status, severity: Severity, blocks: bool, expected: str) -> None:
    assert meaning(res("firewall", status, severity), blocks) == expected


def test_one_word_and_one_shape_per_status() -> None:
    assert [LOOKS[m].word for m in (BLOCK, SOON, UNKNOWN, UNCHECKED, OK)] == [
        "Problem", "Fix soon", "Could not be checked", "Not checked", "OK"]
    for attr in ("word", "icon", "symbol", "text_symbol"):
        values = [getattr(look, attr) for look in LOOKS.values()]
        assert len(set(values)) == len(values), attr
    assert status_words(BLOCK) == "Problem (blocks calls)"
    assert status_words(SOON, "8 Dec 2026") == "Fix soon (by 8 Dec 2026)"
    assert status_words(SOON) == "Fix soon"


def test_an_unread_setting_is_never_told_to_turn_it_on() -> None:
    # The screen-lock check hands out its registry fix when it cannot read the setting.
    fix = spec("screen-lock").remedy["linux"].format(m=5)
    row = row_words(res("screen-lock", Status.UNKNOWN, text=fix), contact=CONTACT)
    assert row.phrase == "Screen lock could not be checked"
    assert row.status == "Problem (blocks calls)" and row.why == WHY_UNREAD
    assert "Set the screen" not in row.advice
    assert row.advice.startswith("What to do: DeviceCheck could not check this.")
    assert CONTACT in row.advice
    # Advisory and unread: "Could not be checked", not "Problem", and no "why".
    soft = row_words(res("screen-lock", Status.UNKNOWN, Severity.ADVISORY, fix), contact=CONTACT)
    assert soft.status == "Could not be checked" and soft.why == ""


def test_no_what_to_do_repeats_its_fault() -> None:
    row = row_words(res("policy-health", Status.FAIL,
                        text=f"{SETTINGS_PROBLEM}. Contact {CONTACT}."), contact=CONTACT)
    assert row.phrase == SETTINGS_PROBLEM
    assert row.advice == f"What to do: Contact {CONTACT}."
    # Nothing left once the repeat is gone: the contact is the advice.
    bare = row_words(res("firewall", Status.FAIL, text="Firewall off."), contact=CONTACT)
    assert bare.advice == f"What to do: Contact {CONTACT}."


def test_a_problem_is_never_followed_by_nothing_for_you_to_do() -> None:
    text = ("Nothing for you to do: IT must confirm that Teams recording is switched off for "
            f"you. Contact {CONTACT} before holding calls.")
    row = row_words(res("recording-policy", Status.UNKNOWN, text=text), contact=CONTACT)
    assert row.status == "Problem (blocks calls)" and row.why == WHY_UNREAD
    assert row.advice == ("What to do: IT must confirm that Teams recording is switched off "
                          f"for you. Contact {CONTACT} before holding calls.")


def test_a_settings_file_the_officer_chose_is_named_as_such() -> None:
    own = row_words(res("policy-health", Status.FAIL, not_machine_policy="/home/o/p.toml"))
    assert own.phrase == OWN_SETTINGS and "IT needs" not in own.phrase


def test_advisory_blocked_by_policy_says_why() -> None:
    row = row_words(res("meeting-data", Status.FAIL, Severity.ADVISORY), advisory_blocks=True)
    assert row.status == "Problem (blocks calls)" and row.why == WHY_COUNCIL


def test_rows_worst_first_then_one_line_for_the_rest() -> None:
    shown = rows([res("os-support", Status.PASS), res("meeting-data", Status.WARN,
                                                      Severity.ADVISORY),
                  res("antivirus", Status.SKIP), res("firewall", Status.FAIL),
                  res("recorders", Status.UNKNOWN), res("work-device", Status.PASS)],
                 due="8 Dec 2026")
    assert [r.check_id for r in shown.problems] == ["firewall", "recorders", "meeting-data"]
    assert shown.problems[-1].status == "Fix soon (by 8 Dec 2026)"
    assert [r.check_id for r in shown.others] == ["os-support", "work-device", "antivirus"]
    assert shown.others_line() == "2 other checks OK \u00b7 1 not checked"
    assert rows([res("firewall", Status.PASS)]).others_line() == "1 check OK"
    assert replace(shown, problems=()).others_line() == "2 checks OK \u00b7 1 not checked"
    # A screen reader hears the phrase, the status and what to do, in that order.
    spoken = shown.problems[0].spoken()
    assert spoken.index("Firewall off") < spoken.index("Problem") < spoken.index("What to do")
