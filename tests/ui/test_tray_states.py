"""Pure tray-state rules and the icon set."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest

from devicecheck.checks.base import CheckResult
from devicecheck.checks.status import Status
from devicecheck.policy import LoadedPolicy, Severity
from devicecheck.policy.model import Policy
from devicecheck.report import Device, Report
from devicecheck.resource_files import resource_path
from devicecheck.ui.model.states import (
    ICON_FILES,
    STATE_WORDS,
    TrayState,
    TrayVerdict,
    derive_state,
    is_worse,
    state_line,
    tooltip_text,
    verdict_of,
)
from devicecheck.verdict_words import Answer

READY = TrayVerdict(TrayState.READY)
ATTENTION = TrayVerdict(TrayState.ATTENTION, frozenset({"meeting-data"}))
NOT_READY = TrayVerdict(TrayState.NOT_READY, frozenset({"firewall"}))
POLICY = TrayVerdict(TrayState.POLICY_ERROR, frozenset({"policy-health"}))


@pytest.mark.parametrize(("verdict", "meeting", "recording", "expected"), [
    (None, False, False, TrayState.CHECKING),
    (READY, False, False, TrayState.READY),
    (ATTENTION, False, False, TrayState.ATTENTION),
    (NOT_READY, False, False, TrayState.NOT_READY),
    (POLICY, False, False, TrayState.POLICY_ERROR),
    (READY, True, False, TrayState.IN_MEETING),
    (ATTENTION, True, False, TrayState.IN_MEETING),
    (None, True, False, TrayState.IN_MEETING),
    (NOT_READY, True, False, TrayState.NOT_READY),   # a meeting never hides a blocker
    (POLICY, True, False, TrayState.POLICY_ERROR),
    (NOT_READY, True, True, TrayState.RECORDING),    # recording beats everything
    (READY, False, True, TrayState.RECORDING),
])
def test_derive_state_priority(verdict: TrayVerdict | None, meeting: bool, recording: bool,
                               expected: TrayState) -> None:
    assert derive_state(verdict, in_meeting=meeting, recording=recording) is expected


@pytest.mark.parametrize(("old", "new", "worse"), [
    (None, READY, False),
    (None, ATTENTION, False),   # no nagging about advisories at log-in
    (None, NOT_READY, True),
    (None, POLICY, True),
    (READY, ATTENTION, True),
    (READY, NOT_READY, True),
    (ATTENTION, NOT_READY, True),
    (NOT_READY, NOT_READY, False),
    (NOT_READY, TrayVerdict(TrayState.NOT_READY, frozenset({"firewall", "antivirus"})), True),
    (TrayVerdict(TrayState.NOT_READY, frozenset({"firewall", "antivirus"})), NOT_READY, False),
    (NOT_READY, READY, False),
    (NOT_READY, ATTENTION, False),
])
def test_is_worse(old: TrayVerdict | None, new: TrayVerdict, worse: bool) -> None:
    assert is_worse(old, new) is worse


def test_tooltip_always_has_words_and_the_device_verdict() -> None:
    at = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
    tip = tooltip_text(TrayState.IN_MEETING, NOT_READY, checked_at=at,
                       titles={"firewall": "The firewall is on"})
    lines = tip.splitlines()
    assert lines[0] == "DeviceCheck: In a meeting"
    assert lines[1] == "Device: No \u2014 don't take calls on this laptop"
    assert lines[2] == "Problems: Firewall off"
    assert lines[3].startswith("Last checked ")
    many = TrayVerdict(TrayState.NOT_READY, frozenset({"firewall", "disk-encryption", "antivirus",
                                                   "work-device", "os-support"}))
    assert "and 2 more" in tooltip_text(TrayState.NOT_READY, many, checked_at=None)
    assert "Checking again" in tooltip_text(TrayState.READY, READY, checked_at=at, checking=True)


def test_every_state_has_words_and_a_distinct_valid_svg() -> None:
    shapes = set()
    for state in TrayState:
        assert STATE_WORDS[state]
        path = resource_path("icons", ICON_FILES[state])
        root = ET.parse(path).getroot()
        assert root.tag.endswith("svg") and root.get("viewBox") == "0 0 32 32"
        title = root.find("{http://www.w3.org/2000/svg}title")
        assert title is not None and title.text
        # The outline element (first drawn shape) differs per state: shapes, not colours.
        first = next(el for el in root if not el.tag.endswith("title"))
        shapes.add((first.tag, first.get("d"), first.get("r"), first.get("rx")))
    assert len(shapes) >= 6  # ready/checking share a circle; their glyphs differ


def test_icons_render_at_tray_sizes(qapp: object) -> None:
    from devicecheck.qtsupport.icons import state_icon

    for state in TrayState:
        for size in (16, 22, 32):
            image = state_icon(state).pixmap(size, size).toImage()
            assert image.width() == size
            opaque = sum(1 for x in range(size) for y in range(size)
                         if image.pixelColor(x, y).alpha() > 200)
            assert opaque > size * size // 4, f"{state} is too faint at {size} px"


def test_problem_list_names_fault_phrases_in_the_order_given() -> None:
    from devicecheck.verdict_words import problem_list

    phrases = ["Disk not encrypted", "Firewall off", "Anti-virus off or out of date",
               "Meeting data not cleared yet"]
    assert problem_list(phrases) == ("Disk not encrypted, Firewall off, Anti-virus off or out "
                                     "of date and 1 more")
    assert problem_list(phrases[:1]) == "Disk not encrypted"


def _report(allow_continue: bool, *results: tuple[str, Status, str]) -> Report:
    base = Policy()
    policy = dataclasses.replace(base, notice=dataclasses.replace(
        base.notice, allow_advisory_continue=allow_continue))
    checks = [CheckResult(i, i, s, Severity(sev), "Found this.") for i, s, sev in results]
    return Report(Device("pc-1", "linux", "6.1"), LoadedPolicy(policy, ("defaults",)), checks)


def test_state_and_icon_follow_a_no_caused_by_advisory_problems() -> None:
    """``allow_advisory_continue = false``: the verdict says "No", so the tray is red
    (not ready), never the amber "attention" beside a "No"."""
    report = _report(False, ("meeting-data", Status.FAIL, "advisory"),
                     ("firewall", Status.PASS, "required"))
    verdict = verdict_of(report)
    assert report.words().answer is Answer.NO
    assert verdict.state is TrayState.NOT_READY
    assert derive_state(verdict) is TrayState.NOT_READY
    assert verdict.problems == frozenset({"meeting-data"})
    assert verdict.line.startswith("No \u2014")
    tip = tooltip_text(derive_state(verdict), verdict, checked_at=None)
    assert "Problems: Meeting data not cleared yet" in tip
    assert "(fix soon)" not in tip  # it blocks under this policy: it cannot wait
    # The same problems with the policy's default: amber, "Fix soon".
    allowed = verdict_of(_report(True, ("meeting-data", Status.FAIL, "advisory")))
    assert allowed.state is TrayState.ATTENTION and allowed.line.startswith("Fix soon")


def test_a_no_tags_the_advisory_problems_that_can_wait() -> None:
    report = _report(True, ("meeting-data", Status.FAIL, "advisory"),
                     ("firewall", Status.FAIL, "required"))
    verdict = verdict_of(report)
    assert verdict.state is TrayState.NOT_READY
    # Its row's status word (issue 27: one set of words; "can wait" was a third one).
    assert verdict.problem_phrases() == ("Firewall off", "Meeting data not cleared yet (fix soon)")
    tip = tooltip_text(TrayState.NOT_READY, verdict, checked_at=None)
    assert "Problems: Firewall off, Meeting data not cleared yet (fix soon)" in tip


def test_state_line_is_the_verdict_headline_for_the_verdicts_state() -> None:
    report = _report(True, ("firewall", Status.FAIL, "required"))
    verdict = verdict_of(report)
    assert state_line(TrayState.NOT_READY, verdict) == report.words().headline
    assert "Contact" in state_line(TrayState.NOT_READY, verdict)
    assert state_line(TrayState.IN_MEETING, verdict) == STATE_WORDS[TrayState.IN_MEETING]
    assert state_line(TrayState.CHECKING, None) == STATE_WORDS[TrayState.CHECKING]
