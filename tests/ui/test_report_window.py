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
    # The problems are items, worst first; the passes are one line (issue 27).
    assert list(w.rows) == ["firewall", "meeting-data"]
    fw = w.rows["firewall"]
    assert fw.text.accessibleName() == ("Firewall off. Problem (blocks calls). What to do: Turn "
                                        "the firewall on in Windows Security.")
    assert "\u2716 Problem (blocks calls)" in fw.text.text()
    assert w.verdict_label.text() == ("No \u2014 don't take calls on this laptop. Contact your "
                                      "council's IT service desk.")
    assert w.banner.tone() == "bad" and not w.verdict_icon.pixmap().isNull()
    assert w.view.summary.text() == "Problems: Firewall off \u00b7 Meeting data not cleared yet"
    assert w.view.others_toggle.text() == "1 other check OK"
    assert "your council's IT service desk" in w.view.contact.text()
    md = w.rows["meeting-data"]
    # An advisory problem is "Fix soon", never the red "Problem" of a blocking one.
    assert "\u26a0 Fix soon" in md.text.text() and "Problem" not in md.text.text()
    assert "What to do: Use Clear meeting data now." in md.text.accessibleName()
    # The passes show when asked for.
    assert not w.view.others.isVisibleTo(w)
    w.view.others_toggle.click()
    assert w.view.others.isVisibleTo(w)
    assert w.view.others.text() == "\u2714 OK: Operating system up to date"


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
    button = next(b for b in w.rows["firewall"].buttons if b.text() == "Open settings")
    assert button.accessibleDescription() == "Open the settings page for Firewall off"
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
    assert QApplication.clipboard().text() == r.to_text(it=True)  # with IT's part


def test_policy_errors_go_to_it_and_the_officer_gets_plain_words(qtbot: Any) -> None:
    loaded = LoadedPolicy(errors=(PolicyError("file:/etc/x", "severity.firewall: bad"),))
    w = window(qtbot)
    w.set_report(report(loaded))
    assert not w.verdict_label.text().startswith("Policy")
    assert "severity.firewall: bad" in w.it_text.text()
    officer = " ".join(widget_strings(w))
    assert "severity" not in officer and "For IT" not in officer


def results(*statuses: tuple[str, Status, Severity]) -> list[CheckResult]:
    return [CheckResult(cid, cid, status, severity, f"({cid} evidence vda)", {"raw": "vda"},
                        Remediation("Ask IT to fix this.", None, f"Run fix-{cid}.ps1"))
            for cid, status, severity in statuses]


R, A, OFF = Severity.REQUIRED, Severity.ADVISORY, Severity.OFF
STATES = {
    "all-pass": (results(("firewall", Status.PASS, R), ("disk-encryption", Status.PASS, R)),
                 (), "Yes", "good", "2 checks OK"),
    "advisory": (results(("firewall", Status.PASS, R), ("meeting-data", Status.WARN, A)),
                 (), "Fix soon", "soon", "1 other check OK"),
    "blocked": (results(("firewall", Status.FAIL, R), ("meeting-data", Status.WARN, A)),
                (), "No", "bad", ""),
    "unknown": (results(("firewall", Status.PASS, R), ("disk-encryption", Status.UNKNOWN, R)),
                (), "No", "bad", "1 other check OK"),
    "skip": (results(("firewall", Status.PASS, R), ("disk-encryption", Status.SKIP, R),
                     ("meeting-data", Status.FAIL, OFF)),
             (), "Yes", "good", "1 check OK \u00b7 2 not checked"),
    "policy-errors": (results(("firewall", Status.PASS, R)),
                      (PolicyError("file:/etc/x.toml", "too big", "audit.max_bytes"),),
                      "Yes", "good", "1 check OK"),
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
    assert w.view.others_toggle.text() == counts
    if state == "skip":
        assert "meeting-data" not in w.rows  # switched off: "Not checked", not a problem
        assert "\u2013 Not checked: Meeting data not checked" in w.view.others.text()
    for opened in (False, True):
        w.it_toggle.setChecked(opened)
        texts = widget_strings(w)
        assert_officer_clean(texts, strict=True)
        assert not any("evidence" in t or ".ps1" in t for t in texts)
        assert all(any(t == row.text.accessibleName() for t in texts)
                   for row in w.rows.values())  # rows walked
        if answer != "Yes":
            assert any(t.endswith("What to do: Ask IT to fix this.") for t in texts)
    it = w.it_text.text()
    assert all(c.summary in it for c in checks)
    assert "fix-firewall.ps1" in it
    if errors:
        assert "audit.max_bytes" in it
        assert "IT needs to fix a settings problem" in w.view.detail.text()


def test_advisory_blocks_when_policy_lets_nobody_continue(qtbot: Any) -> None:
    base = policy_with()
    policy = dataclasses.replace(base.policy, notice=dataclasses.replace(
        base.policy.notice, allow_advisory_continue=False))
    r = Report(Device("pc-1", "linux", "6.8"), LoadedPolicy(policy, base.sources),
               results(("firewall", Status.PASS, R), ("meeting-data", Status.WARN, A)))
    w = window(qtbot)
    w.set_report(r)
    assert w.verdict_label.text().startswith("No")
    # The row agrees with "No": no "Fix soon" under a "No", and it says why it blocks.
    md = w.rows["meeting-data"].text.text()
    assert "Problem (blocks calls)" in md and "Fix soon" not in md
    assert "Your council does not allow calls until this is fixed." in md


def test_rows_refill_on_a_new_report(qtbot: Any) -> None:
    w = shown(qtbot, window(qtbot))
    w.set_report(report())
    old = w.rows["firewall"]
    w.set_report(Report(Device("pc-1", "linux", "6.8"), policy_with(),
                        results(("firewall", Status.FAIL, R))))
    assert list(w.rows) == ["firewall"] and w.rows["firewall"] is not old
    body = w.scroll_area.widget()
    assert body is not None
    visible_rows = [c for c in body.findChildren(QWidget, "checkRow")
                    if c.isVisibleTo(w)]
    assert visible_rows == [w.rows["firewall"]]
    # The item that had the focus went: the focus goes to the first problem again.
    assert w.focusWidget() is w.rows["firewall"].text


def test_evidence_text_is_bounded() -> None:
    assert evidence_text({}) == "No further details were recorded."
    long = evidence_text({"x": "y" * (MAX_EVIDENCE_CHARS * 2)})
    assert len(long) <= MAX_EVIDENCE_CHARS + 2 and long.endswith("…")


def many_problems() -> Report:
    """Every registry check failing (long advice), as on a badly set-up laptop."""
    from devicecheck.checks.registry import CHECKS

    long = ("Ask IT to look at this before your next call with a resident; they can "
            "usually fix it remotely in a few minutes while you carry on working.")
    checks = [CheckResult(c.id, c.title, Status.FAIL, Severity.REQUIRED, "", {},
                          Remediation(long, LINK)) for c in CHECKS]
    return Report(Device("pc-1", "linux", "6.8"), policy_with(), checks)


def test_opens_at_the_top_with_the_focus_on_the_first_problem(qtbot: Any) -> None:
    """Issue 27: the window opened scrolled to the bottom, the focus on IT's door."""
    w = window(qtbot)
    w.set_report(many_problems())
    shown(qtbot, w)
    bar = w.scroll_area.verticalScrollBar()
    assert bar.maximum() > 0  # long enough to scroll
    first = w.view.items[0].text
    qtbot.waitUntil(lambda: w.focusWidget() is first, timeout=3000)
    assert bar.value() == 0
    # With nothing wrong, the focus is on the main action.
    w.set_report(Report(Device("pc-1", "linux", "6.8"), policy_with(),
                        results(("firewall", Status.PASS, R))))
    w.hide()
    shown(qtbot, w)
    qtbot.waitUntil(lambda: w.focusWidget() is w.check_button, timeout=3000)


def test_keyboard_reads_every_problem_and_scrolls(qtbot: Any) -> None:
    w = window(qtbot)
    w.set_report(many_problems())
    shown(qtbot, w)
    w.resize(w.width(), 300)
    items = [i.text for i in w.view.items]
    qtbot.waitUntil(lambda: w.focusWidget() is items[0], timeout=3000)
    # Down goes from problem to problem; the body follows.
    for item in items[1:]:
        qtbot.keyClick(w.focusWidget(), Qt.Key.Key_Down)
        assert w.focusWidget() is item
    qtbot.keyClick(w.focusWidget(), Qt.Key.Key_Up)
    assert w.focusWidget() is items[-2]
    # Tab reaches each problem too (and its buttons) before IT's door.
    items[0].setFocus()
    reached = []
    for _ in range(3 * len(items)):
        qtbot.keyClick(w.focusWidget(), Qt.Key.Key_Tab)
        reached.append(w.focusWidget())
    assert all(i in reached for i in items[1:])
    # PgDn, End and Home scroll the body.
    bar = w.scroll_area.verticalScrollBar()
    w.check_button.setFocus()
    bar.setValue(0)
    qtbot.keyClick(w.check_button, Qt.Key.Key_PageDown)
    assert bar.value() > 0
    qtbot.keyClick(w.check_button, Qt.Key.Key_End)
    assert bar.value() == bar.maximum()
    qtbot.keyClick(w.check_button, Qt.Key.Key_Home)
    assert bar.value() == 0
    qtbot.keyClick(w.check_button, Qt.Key.Key_Down)
    assert bar.value() > 0


def test_the_window_grows_to_its_content(qtbot: Any) -> None:
    w = window(qtbot)
    w.set_report(report())
    shown(qtbot, w)
    area = available_area(w)
    assert area is not None
    bar = w.scroll_area.verticalScrollBar()
    # Two problems fit: no scrolling, and not a screenful of empty space either.
    assert bar.maximum() == 0 and w.height() < area.height() * SHARE
    small = w.height()
    w.set_report(many_problems())
    assert w.height() > small


def test_the_meeting_data_problem_offers_to_clear_it(qtbot: Any) -> None:
    w = window(qtbot)
    w.set_report(report())
    md = w.rows["meeting-data"]
    assert [b.accessibleName() for b in md.buttons] == ["Clear meeting data now"]
    assert not any(b.accessibleName().startswith("Clear") for b in w.rows["firewall"].buttons)
