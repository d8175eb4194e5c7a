"""Issue 27's wording acceptance: one status word and one icon a state, on every surface.

Two laptops, between them every state a check can be in — Problem (blocks calls), Fix
soon (by DATE), Could not be checked, Not checked, OK — are shown on each surface the
officer reads: ``devicecheck check``'s text, the report window (problem items and the
"other checks" line), pre-call step 1 (the same, run through its own checks), and the
tray's tooltip, menu and notification. For each check the test knows the state it must be
in and asserts the words (and, in windows, the icon) each surface gives it; and that no
"What to do" repeats its fault phrase, anywhere.

* laptop "no": a required fault (blocks) whose remedy repeats its own phrase, an
  advisory fault (fix soon, no date under a "No"), an advisory check that could not be
  read, a check switched off and a pass (three problems: the tray names them all);
* laptop "soon": only advisory problems, so the fix-by date shows ("Fix soon (by DATE)").
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

import pytest
from PySide6.QtWidgets import QLabel

from devicecheck.checks.base import Check, CheckResult, Context, Remediation, Status, Verdict
from devicecheck.policy import LoadedPolicy, Severity
from devicecheck.policy.model import Organisation, Policy, default_severity
from devicecheck.probes.runner import ProbeRunner
from devicecheck.qtsupport.icons import status_icon
from devicecheck.report import Device, Report
from devicecheck.ui.model.rows import BLOCK, LOOKS, OK, SOON, UNCHECKED, UNKNOWN
from devicecheck.ui.windows.precall import PrecallWindow
from devicecheck.ui.windows.report_window import ReportWindow
from devicecheck.verdict_words import phrase
from tests.ui.test_precall import log  # noqa: F401 (a fixture)
from tests.ui.tray_helpers import make_harness  # noqa: F401 (a fixture)

CONTACT = "the IT service desk on 01362 000000"
SINCE = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
GRACE_DAYS = 14
DUE = "15 Dec 2026"

#: check id -> (status, severity, the officer's remedy): the two laptops.
Case = dict[str, tuple[Status, Severity, str]]
LAPTOPS: dict[str, Case] = {
    "no": {
        # A remedy that repeats its fault phrase: the row drops that sentence.
        "firewall": (Status.FAIL, Severity.REQUIRED,
                     "Firewall off. Turn the firewall on in your settings."),
        "disk-encryption": (Status.FAIL, Severity.ADVISORY, "Ask IT to encrypt the disk."),
        "screen-lock": (Status.UNKNOWN, Severity.ADVISORY,
                        "Set the screen to lock after 5 minutes of inactivity."),
        "antivirus": (Status.SKIP, Severity.OFF, ""),
        "os-support": (Status.PASS, Severity.REQUIRED, ""),
    },
    "soon": {
        "disk-encryption": (Status.FAIL, Severity.ADVISORY, "Ask IT to encrypt the disk."),
        "screen-lock": (Status.UNKNOWN, Severity.ADVISORY,
                        "Set the screen to lock after 5 minutes of inactivity."),
        "antivirus": (Status.SKIP, Severity.OFF, ""),
        "firewall": (Status.PASS, Severity.REQUIRED, ""),
    },
}
#: The state each check must be in, and its words on a row.
EXPECTED: dict[str, dict[str, tuple[str, str]]] = {
    "no": {"firewall": (BLOCK, "Problem (blocks calls)"),
           "disk-encryption": (SOON, "Fix soon"),   # no date while the answer is "No"
           "screen-lock": (UNKNOWN, "Could not be checked"),
           "antivirus": (UNCHECKED, "Not checked"),
           "os-support": (OK, "OK")},
    "soon": {"disk-encryption": (SOON, f"Fix soon (by {DUE})"),
             "screen-lock": (UNKNOWN, "Could not be checked"),
             "antivirus": (UNCHECKED, "Not checked"),
             "firewall": (OK, "OK")},
}


def laptop_policy(case: Case) -> LoadedPolicy:
    base = Policy()
    severity = default_severity() | {cid: sev for cid, (_s, sev, _f) in case.items()}
    policy = dataclasses.replace(
        base, severity=MappingProxyType(severity),
        organisation=dataclasses.replace(Organisation(), it_contact=CONTACT),
        checks=dataclasses.replace(base.checks, advisory_grace_days=GRACE_DAYS))
    return LoadedPolicy(policy, ("defaults", "file:test"))


def fault(cid: str, status: Status) -> str:
    """The phrase a row names the check by: its fault, "could not be checked", or "not
    checked" (the phrase for a check not counted)."""
    return phrase(cid, Status.SKIP if status is Status.SKIP else status)


class Answering(Check):
    """A check answering at once with the laptop's status and remedy."""

    def __init__(self, check_id: str, status: Status, fix: str) -> None:
        self.id = check_id  # type: ignore[misc]
        self.title = check_id  # type: ignore[misc]
        self.status, self.fix = status, fix

    def gather(self, ctx: Context) -> Mapping[str, Any]:
        return {}

    def judge(self, facts: Mapping[str, Any], ctx: Context) -> Verdict:
        return Verdict(self.status, "summary for IT",
                       remediation=Remediation(self.fix) if self.fix else None)


def report_of(name: str) -> Report:
    case = LAPTOPS[name]
    loaded = laptop_policy(case)
    results = [CheckResult(cid, cid, status, sev, "summary for IT", {},
                           Remediation(fix) if fix else None)
               for cid, (status, sev, fix) in case.items()]
    return Report(Device("pc-1", "linux", "6.1"), loaded, results, advisory_since=SINCE)


def expected_rows(name: str) -> dict[str, tuple[str, str, str]]:
    """fault phrase -> (meaning, status words, the window's "symbol status")."""
    case = LAPTOPS[name]
    return {fault(cid, case[cid][0]): (m, words, f"{LOOKS[m].symbol} {words}")
            for cid, (m, words) in EXPECTED[name].items()}


def no_repeat(advice: str, fault_phrase: str) -> None:
    assert fault_phrase.lower().rstrip(".") not in advice.lower(), (fault_phrase, advice)


# -- the terminal ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(LAPTOPS))
def test_check_text(name: str) -> None:
    text = report_of(name).to_text()
    lines = text.splitlines()
    for fault_phrase, (m, words, _) in expected_rows(name).items():
        line = f"  {LOOKS[m].text_symbol} {words}: {fault_phrase}"
        assert line in lines, (line, text)
        # No other status word ever sits beside this phrase.
        beside = [ln for ln in lines if ln.endswith(f": {fault_phrase}")]
        assert beside == [line], beside
    for block in re.split(r"\n  \[", text):
        head, _, rest = block.partition("\n")
        if "What to do:" in rest:
            no_repeat(rest.split("What to do:", 1)[1], head.split(": ", 1)[-1])


# -- the windows ----------------------------------------------------------------------------
def assert_window_rows(view: Any, name: str) -> None:
    """The shared results view (report window and step 1): each problem item and each
    line under "other checks" says its state's word and shows its state's icon."""
    expected = expected_rows(name)
    problems = {m for m, *_ in expected.values()} - {OK, UNCHECKED}
    shown = {item.row.phrase: item for item in view.items}
    assert set(shown) == {p for p, (m, *_) in expected.items() if m in problems}
    for fault_phrase, item in shown.items():
        m, words, sym_words = expected[fault_phrase]
        assert item.row.meaning == m and item.row.status == words
        assert f"{fault_phrase}</b> \u2014 {sym_words}" in item.text.text()
        spoken = item.text.accessibleName()
        assert spoken.startswith(f"{fault_phrase}. {words}."), spoken
        if item.row.advice:
            no_repeat(item.row.advice, fault_phrase)
        icon = next(w for w in item.findChildren(QLabel) if w is not item.text)
        assert icon.accessibleName() == LOOKS[m].word
        size = icon.pixmap().size()
        want = status_icon(LOOKS[m].icon).pixmap(size).toImage()
        assert icon.pixmap().toImage() == want, f"{fault_phrase}: not the {m} icon"
    others = view.others.text().splitlines()
    for fault_phrase, (m, _words, sym_words) in expected.items():
        if m in (OK, UNCHECKED):
            assert f"{sym_words}: {fault_phrase}" in others, others


@pytest.mark.parametrize("name", list(LAPTOPS))
def test_report_window(qtbot: Any, name: str) -> None:
    report = report_of(name)
    window = ReportWindow(report.loaded, open_url=lambda _u: None)
    qtbot.addWidget(window)
    window.set_report(report)
    window.show()
    assert_window_rows(window.view, name)


@pytest.mark.parametrize("name", list(LAPTOPS))
def test_precall_step_one(qtbot: Any, log: Any, name: str) -> None:  # noqa: F811
    case = LAPTOPS[name]
    loaded = laptop_policy(case)
    ctx = Context(loaded=loaded, os_name="linux", runner=ProbeRunner())
    checks = [Answering(cid, status, fix) for cid, (status, _sev, fix) in case.items()]
    window = PrecallWindow(loaded, audit=log, ctx=ctx, checks=checks)
    qtbot.addWidget(window)
    window.show()
    page = window.checks_page
    qtbot.waitUntil(lambda: page.done, timeout=5000)
    if name == "soon":
        # Step 1's own run is first seen today, not on SINCE: its date is its own.
        due = page.report.words().due if page.report is not None else ""
        assert due, "a fix-soon laptop's step 1 names its fix-by date"
        for item in page.view.items:
            if item.row.meaning == SOON:
                assert item.row.status == f"Fix soon (by {due})"
        return
    assert_window_rows(page.view, name)


# -- the tray -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(LAPTOPS))
def test_tray_tooltip_menu_and_notification(make_harness: Any, qtbot: Any,  # noqa: F811
                                            name: str) -> None:
    """The tray names problems in a list, not rows: each is named by its phrase, an
    advisory fault under a "No" tagged "(fix soon)", the word its row wears; a check that
    could not be read keeps its "could not be checked" phrase and no other tag; nothing
    else (OK, not checked) is listed."""
    case = LAPTOPS[name]
    h = make_harness(laptop_policy(case),
                     [Answering(cid, status, fix) for cid, (status, _s, fix) in case.items()])
    with qtbot.waitSignal(h.app.reportReady, timeout=10_000):
        h.app.start()
    app = h.app
    app.menu.aboutToShow.emit()
    tip = app.tooltip.splitlines()
    assert app.menu.status.text().startswith(tip[0].removeprefix("DeviceCheck: ")) or \
        app.menu.status.toolTip().startswith(tip[0].removeprefix("DeviceCheck: "))
    listed = next(line for line in tip if line.startswith(("Problems: ", "To fix: ")))
    items = listed.split(": ", 1)[1].split(", ")
    expected = expected_rows(name)
    under_no = listed.startswith("Problems: ")
    want = []
    for fault_phrase, (m, _words, _) in expected.items():
        if m == SOON:
            want.append(fault_phrase + (" (fix soon)" if under_no else ""))
        elif m in (BLOCK, UNKNOWN):
            want.append(fault_phrase)
    more = 0
    if counted := re.fullmatch(r"(.*) and (\d+) more", items[-1]):
        items[-1], more = counted.group(1), int(counted.group(2))
    # Worst first, at most three named (the rest counted), each in its row's words.
    assert items == want[:len(items)] and len(items) + more == len(want), (items, want)
    assert not any("Problem" in i or "(can wait)" in i for i in items)
    for title, body, *_ in app.notifications:
        for fault_phrase, (m, *_rest) in expected.items():
            if m in (OK, UNCHECKED):
                assert fault_phrase not in body, body
        assert "(can wait)" not in body and "Problem (" not in title + body
