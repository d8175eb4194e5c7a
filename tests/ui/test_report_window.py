"""The report window: a verdict banner in the officer's words, rows named by fault or
pass phrase with icon and word, what to do, deep-link buttons, the IT contact; evidence,
IT's remediation detail and policy errors behind the one IT door; a body that scrolls
inside a window that fits the screen; accessible names and keyboard use."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt, QUrl
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QScrollArea, QWidget

from devicecheck.checks.base import CheckResult, Remediation, Status
from devicecheck.policy import LoadedPolicy, PolicyError, Severity
from devicecheck.qtsupport.screen_fit import SHARE, available_area, inside
from devicecheck.report import Device, Report
from devicecheck.ui.windows.report_window import (
    MAX_EVIDENCE_CHARS,
    ReportWindow,
    count_words,
    evidence_text,
)
from tests.helpers.officer_text import assert_officer_clean, widget_strings
from tests.ui.tray_helpers import policy_with

LINK = "ms-settings:windowsdefender"
IT_DETAIL = "Run enable-firewall.ps1 from the IT share"


def report(loaded: LoadedPolicy | None = None) -> Report:
    loaded = loaded or policy_with()
    checks = [
        CheckResult("os-support", "Operating system is supported", Status.PASS, Severity.REQUIRED,
                    "Windows 11 23H2 is supported.", {"build": 22631}),
        CheckResult("firewall", "The firewall is on", Status.FAIL, Severity.REQUIRED,
                    "No firewall is active (nftables, ufw or firewalld).",
                    {"profiles": {"public": False}},
                    Remediation("Turn the firewall on in Windows Security.", LINK, IT_DETAIL)),
        CheckResult("meeting-data", "Meeting data is cleared", Status.WARN, Severity.ADVISORY,
                    "Teams data is 3 days old.", {}, Remediation("Use Clear meeting data now.")),
    ]
    return Report(Device("pc-1", "windows", "10.0.22631"), loaded, checks)


def window(qtbot: Any, urls: list[QUrl] | None = None) -> ReportWindow:
    w = ReportWindow(policy_with(), open_url=(urls if urls is not None else []).append)
    qtbot.addWidget(w)
    return w


def shown(qtbot: Any, w: ReportWindow) -> ReportWindow:
    w.show()
    w.activateWindow()
    qtbot.waitExposed(w)
    return w


def test_banner_rows_words_and_contact(qtbot: Any) -> None:
    w = window(qtbot)
    assert w.verdict_label.text() == "Checking this laptop…" and not w.rows
    w.set_report(report())
    assert list(w.rows) == ["os-support", "firewall", "meeting-data"]
    fw = w.rows["firewall"]
    assert fw.word.text() == "<b>Problem</b>"
    assert fw.accessibleName() == "Firewall off: Problem"
    assert w.verdict_label.text() == ("No \u2014 don't take calls on this laptop. Contact your "
                                      "council's IT service desk.")
    assert w.banner.tone() == "bad" and not w.verdict_icon.pixmap().isNull()
    assert "1 OK, 1 blocks calls, 1 to fix soon." in w.sub_label.text()
    assert "your council's IT service desk" in w.contact_label.text()
    md = w.rows["meeting-data"]
    # An advisory problem is "Fix soon", never the red "Problem" of a blocking one.
    assert md.word.text() == "<b>Fix soon</b>"
    assert md.title.text() == "Meeting data not cleared yet (can wait)"
    assert md.what is not None and md.what.text() == "What to do: Use Clear meeting data now."
    assert w.rows["os-support"].remedy_button is None


def test_summary_and_it_detail_only_behind_the_it_door(qtbot: Any) -> None:
    w = shown(qtbot, window(qtbot))
    w.set_report(report())
    officer = " ".join(widget_strings(w))
    for technical in ("nftables", "enable-firewall.ps1", "3 days old", "22631"):
        assert technical not in officer
    assert not w.it_details.isVisible()
    assert w.it_details.objectName().startswith("itDetails")
    w.it_toggle.click()
    assert w.it_details.isVisible() and w.it_toggle.accessibleName() == "Hide details for IT"
    it = w.it_text.text()
    assert "(nftables, ufw or firewalld)" in it and IT_DETAIL in it and LINK in it
    # Still not officer text when open: the walk skips the door.
    assert "nftables" not in " ".join(widget_strings(w))


def test_opened_it_details_are_scrolled_into_view(qtbot: Any) -> None:
    w = shown(qtbot, window(qtbot))
    w.resize(w.width(), 260)  # short: the door starts below the fold
    w.set_report(report())
    w.it_toggle.setFocus()
    w.it_toggle.click()
    viewport = w.scroll_area.viewport()

    def top_in_view() -> bool:
        top = w.it_details.mapTo(viewport, QPoint(0, 0)).y()
        return 0 <= top < viewport.height()

    qtbot.waitUntil(top_in_view, timeout=5000)


def test_remediation_link_button_opens_the_deep_link(qtbot: Any) -> None:
    urls: list[QUrl] = []
    w = window(qtbot, urls)
    w.set_report(report())
    button = w.rows["firewall"].remedy_button
    assert button is not None and button.accessibleName() == "Open settings for Firewall off"
    assert LINK not in button.toolTip()  # a settings URL is IT's word
    button.click()
    assert [u.toString() for u in urls] == [LINK]


def test_every_control_has_an_accessible_name(qtbot: Any) -> None:
    w = window(qtbot)
    w.set_report(report())
    controls = w.findChildren(QAbstractButton) + w.findChildren(QScrollArea)
    assert len(controls) >= 6
    for control in controls:
        assert control.accessibleName(), type(control).__name__
    for label in w.findChildren(QLabel):
        if label.text() or label.pixmap() is not None and not label.pixmap().isNull():
            assert label.accessibleName(), label.text()


def test_tab_reaches_every_button_and_only_lands_on_what_is_in_view(qtbot: Any) -> None:
    w = shown(qtbot, window(qtbot))
    w.resize(w.width(), 240)
    w.set_report(report())
    w.check_button.setFocus()
    seen = set()
    viewport = w.scroll_area.viewport()
    body = w.scroll_area.widget()
    assert body is not None
    for _ in range(12):
        focused = w.focusWidget()
        assert focused is not None
        seen.add(focused)
        if body.isAncestorOf(focused):
            # The scroll body follows the focus: the control Tab reached is on screen.
            qtbot.waitUntil(lambda f=focused: viewport.rect().contains(
                f.mapTo(viewport, f.rect().center())), timeout=5000)
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
    buttons = {b for b in w.findChildren(QAbstractButton) if b.isVisibleTo(w)}
    assert buttons <= seen, [b.accessibleName() for b in buttons - seen]
    qtbot.keyClick(w.focusWidget(), Qt.Key.Key_Escape)
    assert not w.isVisible()


def test_buttons_sit_outside_the_scroll_body_and_on_screen(qtbot: Any) -> None:
    w = shown(qtbot, window(qtbot))
    w.set_report(report())
    area = available_area(w)
    assert area is not None
    assert w.width() <= area.width() * SHARE and w.height() <= area.height() * SHARE
    body = w.scroll_area.widget()
    assert body is not None
    for b in (w.check_button, w.copy_button, w.close_button):
        assert not body.isAncestorOf(b)
        assert inside(b.rect().translated(b.mapToGlobal(QPoint(0, 0))), area)


def test_check_again_and_copy_report_for_it(qtbot: Any) -> None:
    w = window(qtbot)
    r = report()
    w.set_report(r)
    with qtbot.waitSignal(w.checkRequested, timeout=1000):
        w.check_button.click()
    w.set_checking(True)
    assert not w.check_button.isEnabled() and w.check_button.accessibleName() == "Checking"
    w.set_checking(False)
    assert w.copy_button.accessibleName() == "Copy report for IT"
    w.copy_button.click()
    assert QApplication.clipboard().text() == r.to_text()


def test_policy_errors_go_to_it_and_the_officer_gets_plain_words(qtbot: Any) -> None:
    loaded = LoadedPolicy(errors=(PolicyError("file:/etc/x", "severity.firewall: bad"),))
    w = window(qtbot)
    w.set_report(report(loaded))
    assert not w.verdict_label.text().startswith("Policy")
    assert "severity.firewall: bad" in w.it_text.text()
    assert "severity" not in w.sub_label.text() and "For IT" not in w.sub_label.text()


def results(*statuses: tuple[str, Status, Severity]) -> list[CheckResult]:
    return [CheckResult(cid, cid, status, severity, f"({cid} evidence vda)", {"raw": "vda"},
                        Remediation("Ask IT to fix this.", None, f"Run fix-{cid}.ps1"))
            for cid, status, severity in statuses]


R, A, OFF = Severity.REQUIRED, Severity.ADVISORY, Severity.OFF
STATES = {
    "all-pass": (results(("firewall", Status.PASS, R), ("disk-encryption", Status.PASS, R)),
                 (), "Yes", "good", "2 OK"),
    "advisory": (results(("firewall", Status.PASS, R), ("meeting-data", Status.WARN, A)),
                 (), "Fix soon", "soon", "1 OK, 1 to fix soon"),
    "blocked": (results(("firewall", Status.FAIL, R), ("meeting-data", Status.WARN, A)),
                (), "No", "bad", "0 OK, 1 blocks calls, 1 to fix soon"),
    "unknown": (results(("firewall", Status.PASS, R), ("disk-encryption", Status.UNKNOWN, R)),
                (), "No", "bad", "1 OK, 1 blocks calls"),
    "skip": (results(("firewall", Status.PASS, R), ("disk-encryption", Status.SKIP, R),
                     ("meeting-data", Status.FAIL, OFF)),
             (), "Yes", "good", "1 OK, 1 not checked, 1 not counted"),
    "policy-errors": (results(("firewall", Status.PASS, R)),
                      (PolicyError("file:/etc/x.toml", "too big", "audit.max_bytes"),),
                      "Yes", "good", "1 OK"),
}


@pytest.mark.parametrize("state", list(STATES))
def test_officer_text_is_clean_in_every_state(qtbot: Any, state: str) -> None:
    checks, errors, answer, tone, counts = STATES[state]
    base = policy_with()
    loaded = LoadedPolicy(base.policy, base.sources, errors)
    r = Report(Device("pc-1", "linux", "6.8"), loaded, checks)
    w = shown(qtbot, window(qtbot))
    w.set_report(r)
    assert w.verdict_label.text() == r.words().headline
    assert w.verdict_label.text().startswith(answer) and w.banner.tone() == tone
    assert f": {counts}." in w.sub_label.text()
    if state == "skip":
        assert "passed" not in w.sub_label.text()  # never "all passed" with some unchecked
        assert w.rows["meeting-data"].title.text() == "Meeting data not cleared yet"  # no tag
    for opened in (False, True):
        w.it_toggle.setChecked(opened)
        texts = widget_strings(w)
        assert_officer_clean(texts, strict=True)
        assert not any("evidence" in t or ".ps1" in t for t in texts)
        assert any(t.startswith(w.rows[c.id].name) for c in checks for t in texts)  # rows walked
        if answer != "Yes":
            assert "What to do: Ask IT to fix this." in texts
    it = w.it_text.text()
    assert all(c.summary in it for c in checks)
    assert "fix-firewall.ps1" in it
    if errors:
        assert "audit.max_bytes" in it
        assert "IT needs to fix a settings problem" in w.sub_label.text()


def test_advisory_blocks_when_policy_lets_nobody_continue(qtbot: Any) -> None:
    base = policy_with()
    policy = dataclasses.replace(base.policy, notice=dataclasses.replace(
        base.policy.notice, allow_advisory_continue=False))
    r = Report(Device("pc-1", "linux", "6.8"), LoadedPolicy(policy, base.sources),
               results(("firewall", Status.PASS, R), ("meeting-data", Status.WARN, A)))
    w = window(qtbot)
    w.set_report(r)
    assert w.verdict_label.text().startswith("No")
    # The counts and the row agree with "No": no "to fix soon" under a "No".
    assert ": 1 OK, 1 blocks calls." in w.sub_label.text()
    assert w.rows["meeting-data"].word.text() == "<b>Problem</b>"


def test_rows_refill_on_a_new_report(qtbot: Any) -> None:
    w = shown(qtbot, window(qtbot))
    w.set_report(report())
    old = w.rows["firewall"]
    w.set_report(Report(Device("pc-1", "linux", "6.8"), policy_with(),
                        results(("firewall", Status.PASS, R))))
    assert list(w.rows) == ["firewall"] and w.rows["firewall"] is not old
    body = w.scroll_area.widget()
    assert body is not None
    visible_rows = [c for c in body.findChildren(QWidget, "checkRow")
                    if c.isVisibleTo(w)]
    assert visible_rows == [w.rows["firewall"]]


def test_evidence_text_is_bounded() -> None:
    assert evidence_text({}) == "No further details were recorded."
    long = evidence_text({"x": "y" * (MAX_EVIDENCE_CHARS * 2)})
    assert len(long) <= MAX_EVIDENCE_CHARS + 2 and long.endswith("…")


def test_summary_counts_read_as_plain_english() -> None:
    def r(status: Status, severity: Severity = Severity.REQUIRED) -> CheckResult:
        return CheckResult("x", "X", status, severity, "")

    checks = [r(Status.PASS)] * 4 + [r(Status.FAIL), r(Status.UNKNOWN),
                                     r(Status.FAIL, Severity.ADVISORY), r(Status.SKIP)]
    assert count_words(checks) == "4 OK, 2 block calls, 1 to fix soon, 1 not checked"
    assert count_words(checks, advisory_blocks=True) == "4 OK, 3 block calls, 1 not checked"
    assert count_words([r(Status.PASS), r(Status.FAIL)]) == "1 OK, 1 blocks calls"
    assert count_words([r(Status.FAIL, Severity.OFF)]) == "0 OK, 1 not counted"
    assert count_words([]) == "0 OK"
