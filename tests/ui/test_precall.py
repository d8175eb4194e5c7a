"""The pre-call window driven by keyboard alone (Tab, Space, Enter, Esc), as an officer
without a mouse would: ready (step 1 folds away, straight to the notice), not ready,
advisory problems (never a reflex Enter past them), a notice an earlier acknowledgement
still covers (skipped), a changed or missing notice, and the opening script card that
takes over once the call may start. Officer words are walked in every state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QApplication, QPushButton, QScrollArea, QWidget

from devicecheck.acknowledgement import KIND, record_ack
from devicecheck.audit import AuditLog
from devicecheck.checks.base import Check, Context, Remediation, Status, Verdict
from devicecheck.notice import build_notice
from devicecheck.policy import ChecklistItem, LoadedPolicy, Policy, Severity
from devicecheck.policy.model import NoticePolicy, Organisation
from devicecheck.probes.runner import ProbeRunner
from devicecheck.qtsupport.screen_fit import available_area, inside
from devicecheck.ui.windows.opening_script import CALL_MAY_START, OpeningScriptCard
from devicecheck.ui.windows.precall import (
    CHECKS,
    CONTINUE_DESPITE,
    NOTICE,
    TO_THE_CALL,
    PrecallWindow,
)
from tests.helpers.officer_text import assert_officer_clean, widget_strings

IT_CONTACT = "the IT desk on 01234 000000"


class Fixed(Check):
    """A check that answers at once with a fixed verdict."""

    def __init__(self, check_id: str, status: Status, title: str = "",
                 fix: str = "") -> None:
        self.id = check_id  # type: ignore[misc]
        self.title = title or check_id.replace("-", " ").capitalize()  # type: ignore[misc]
        self.status, self.fix = status, fix

    def gather(self, ctx: Context) -> Mapping[str, Any]:
        return {}

    def judge(self, facts: Mapping[str, Any], ctx: Context) -> Verdict:
        # The summary stands in for evidence an officer must not see ("(vda)").
        return Verdict(self.status, f"{self.title}: {self.status.value} (vda)",
                       remediation=Remediation(self.fix, "ms-settings:windowsdefender",
                                               it_detail="run fix-it.ps1")
                       if self.fix else None)


def make_policy(**notice: Any) -> Policy:
    return replace(Policy(), notice=replace(NoticePolicy(), **notice),
                   organisation=replace(Organisation(), it_contact=IT_CONTACT))


def acks(log: AuditLog) -> list[dict[str, Any]]:
    return [r for r in log.read() if r["kind"] == KIND]


def press(qtbot: Any, key: Qt.Key) -> None:
    """One key to whatever has focus, as the keyboard would deliver it."""
    target = QApplication.focusWidget()
    assert target is not None, "nothing has keyboard focus"
    qtbot.keyClick(target, key)


def tab_to(qtbot: Any, widget: QWidget, limit: int = 40) -> None:
    for _ in range(limit):
        if widget.hasFocus():
            return
        press(qtbot, Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached {widget.accessibleName()!r}")


@pytest.fixture
def log(tmp_path: Path) -> AuditLog:
    return AuditLog(tmp_path / "audit.jsonl")


@pytest.fixture
def open_window(qtbot: Any, log: AuditLog) -> Any:
    def opener(checks: list[Check], policy: Policy | None = None, *,
               active: bool = True) -> PrecallWindow:
        loaded = LoadedPolicy(policy or make_policy())
        ctx = Context(loaded=loaded, os_name="linux", runner=ProbeRunner())
        window = PrecallWindow(loaded, audit=log, ctx=ctx, checks=checks)
        qtbot.addWidget(window)
        if not active:  # it may give way to the card before it is ever active
            window.show()
        else:
            with qtbot.waitActive(window):  # keys go to the active window only
                window.show()
                window.activateWindow()
        qtbot.waitUntil(lambda: window.checks_page.done, timeout=5000)
        return window
    return opener


def the_card(qtbot: Any, window: PrecallWindow) -> OpeningScriptCard:
    qtbot.waitUntil(lambda: window.card is not None and window.card.isVisible(), timeout=3000)
    card = window.card
    assert card is not None
    qtbot.addWidget(card)
    qtbot.waitUntil(card.isActiveWindow, timeout=3000)  # keys go to the active window
    return card


def officer_clean(widget: QWidget) -> list[str]:
    texts = widget_strings(widget)
    if isinstance(widget, PrecallWindow):
        # The notice is the council's own document (its words, "privacy policy" among
        # them), not DeviceCheck's officer text; its banner and labels are still walked.
        texts = [t for t in texts if t != widget.notice_view.plain_text()]
    assert_officer_clean(texts, strict=True)
    # What the stand-in checks found and IT's fix stay behind the IT door.
    for text in texts:
        assert "(vda)" not in text and "fix-it" not in text, text
    return texts


def read_to_end(qtbot: Any, window: PrecallWindow) -> None:
    """End in the notice (which has the focus on step 2), as a keyboard user would; the
    box can be ticked once the notice's end has been in view."""
    qtbot.keyClick(window.notice_view.browser, Qt.Key.Key_End)
    qtbot.waitUntil(lambda: window.notice_view.end_seen, timeout=2000)
    assert window.read_box.isEnabled()


def acknowledge_by_keyboard(qtbot: Any, window: PrecallWindow) -> None:
    """On the notice: Enter does nothing until the notice has been read to its end and "I
    have read" is ticked; then it goes on."""
    assert window.step == NOTICE
    assert window.notice_view.browser.hasFocus()
    press(qtbot, Qt.Key.Key_Return)           # not ticked yet: Enter must not go on
    assert window.step == NOTICE and window.card is None
    if not window.notice_view.end_seen:       # a notice longer than the window
        assert not window.read_box.isEnabled()
        assert window.notice_view.end_hint.isVisible()
        press(qtbot, Qt.Key.Key_End)
        qtbot.waitUntil(lambda: window.notice_view.end_seen, timeout=2000)
    assert not window.notice_view.end_hint.isVisible()
    tab_to(qtbot, window.read_box)
    press(qtbot, Qt.Key.Key_Space)
    assert window.read_box.isChecked()
    assert window.next_button.text() == TO_THE_CALL and window.next_button.isDefault()
    press(qtbot, Qt.Key.Key_Return)



def said(page: Any, check_id: str) -> str:
    """Everything a problem item says (its accessible name: what a screen reader reads)."""
    return str(page.rows[check_id].text.accessibleName())

def test_ready_flow_folds_step_one_and_opens_on_the_notice(qtbot: Any, open_window: Any,
                                                          log: AuditLog) -> None:
    window = open_window([Fixed("os-support", Status.PASS), Fixed("firewall", Status.PASS)])
    qtbot.waitUntil(lambda: window.step == NOTICE, timeout=3000)
    # Step 1 is one line above the notice; the rows are one button away.
    assert window.checks_line.text().startswith("\u2714 Yes \u2014 you can take calls")
    assert window.back_button.isVisible() and window.back_button.text() == "Show the checks"
    # No problem items, the passes on one line (issue 27: the report window's look).
    assert window.checks_page.rows == {}
    assert window.checks_page.view.others_toggle.text() == "2 checks OK"
    officer_clean(window)
    with qtbot.waitSignal(window.completed, timeout=3000) as done:
        acknowledge_by_keyboard(qtbot, window)
    assert done.args == [True]
    assert window.outcome_text == CALL_MAY_START
    records = acks(log)
    assert len(records) == 1
    assert records[0]["notice_version"] == window.notice.version
    assert "advisory_continued" not in records[0] and "checklist_items" not in records[0]
    card = the_card(qtbot, window)
    assert not window.isVisible()             # the card takes over
    assert "call may start" in card.windowTitle()
    assert card.heading.text() == f"\u2714 {CALL_MAY_START}"
    assert card.windowFlags() & Qt.WindowType.WindowStaysOnTopHint
    assert not card.isModal()
    assert "has been recorded" in " ".join(n.text() for n in card.notes)
    officer_clean(card)
    assert window.notice.version in card.it_door.text  # the version is IT's
    # Ticks are a help, not a gate: tick one line, then close by keyboard.
    assert card.boxes[0].hasFocus()
    press(qtbot, Qt.Key.Key_Space)
    assert card.boxes[0].isChecked() and card.count_label.text() == "1 of 4 lines done."
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not card.isVisible(), timeout=2000)
    assert len(acks(log)) == 1                # ticking and closing write nothing more


def test_keystrokes_from_window_to_call_may_start(qtbot: Any, open_window: Any,
                                                  log: AuditLog) -> None:
    """A ready laptop, "every-call": Alt+I and Enter (the e2e test counts from the tray)."""
    window = open_window([Fixed("os-support", Status.PASS)])
    qtbot.waitUntil(lambda: window.step == NOTICE, timeout=3000)
    with qtbot.waitSignal(window.completed, timeout=3000):
        read_to_end(qtbot, window)
        qtbot.keyClick(window.notice_view.browser, Qt.Key.Key_I,
                       Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(window.read_box.isChecked, timeout=2000)
        press(qtbot, Qt.Key.Key_Return)
    the_card(qtbot, window)
    assert len(acks(log)) == 1


def test_not_ready_flow_by_keyboard(qtbot: Any, open_window: Any, log: AuditLog) -> None:
    window = open_window([Fixed("os-support", Status.PASS),
                          Fixed("disk-encryption", Status.FAIL, "Disk encryption",
                                fix="Turn on BitLocker."),
                          Fixed("firewall", Status.UNKNOWN, "Firewall")])
    page = window.checks_page
    assert page.blocked and window.step == CHECKS
    # The verdict line, then the faults worst first: a failure before an unknown.
    assert window.outcome_text.startswith(
        "\u2716 No \u2014 don't take calls on this laptop. Contact ")
    assert window.outcome_text.endswith(
        "Problems: Disk not encrypted; Firewall could not be checked.")
    # One focusable item a problem: phrase, status word, why, what to do (issue 27).
    assert said(page, "disk-encryption") == ("Disk not encrypted. Problem (blocks calls). "
                                             "What to do: Turn on BitLocker.")
    assert IT_CONTACT in window.outcome_text
    assert said(page, "firewall").startswith("Firewall could not be checked. Problem (blocks "
                                             "calls). Calls wait until DeviceCheck can check")
    assert list(page.rows) == ["disk-encryption", "firewall"]  # worst first
    assert "Not ready" not in window.windowTitle() and "not ready" in window.windowTitle()
    officer_clean(window)
    # Evidence and IT's fix are behind the door, shut until asked for.
    assert window.it_door.isVisible() and not window.it_door.is_open
    assert "(vda)" in window.it_door.text and "fix-it.ps1" in window.it_door.text
    assert not window.next_button.isVisible() and not window.next_button.isEnabled()
    # The focus is on the first problem, read first; Enter still closes.
    assert page.rows["disk-encryption"].text.hasFocus() and window.close_button.isDefault()
    with qtbot.waitSignal(window.completed, timeout=2000) as done:
        press(qtbot, Qt.Key.Key_Escape)
    assert done.args == [False]
    assert not window.isVisible() and window.card is None
    assert acks(log) == []


def test_it_door_opens_by_keyboard(qtbot: Any, open_window: Any) -> None:
    window = open_window([Fixed("disk-encryption", Status.FAIL, "Disk encryption")])
    tab_to(qtbot, window.it_door.toggle)
    press(qtbot, Qt.Key.Key_Space)
    assert window.it_door.is_open and window.it_door.details.isVisible()
    assert window.it_door.toggle.text() == "Hide details for IT"
    assert window.it_door.details.objectName().startswith("itDetails")


def test_policy_can_forbid_going_on_with_advisory_problems(
        qtbot: Any, open_window: Any, log: AuditLog) -> None:
    window = open_window([Fixed("meeting-data", Status.WARN, "Meeting data")],
                         make_policy(allow_advisory_continue=False))
    assert window.checks_page.blocked
    assert window.outcome_text.startswith("\u2716 No \u2014 don't take calls on this laptop.")
    assert window.outcome_text.endswith("Problems: Meeting data not cleared yet. Your council "
                                        "does not allow calls until this is fixed.")
    # No way on at all: no continue button anywhere.
    assert not window.next_button.isVisible()
    assert not [b for b in window.findChildren(QPushButton)
                if b.isVisible() and CONTINUE_DESPITE in b.text()]
    officer_clean(window)
    press(qtbot, Qt.Key.Key_Return)           # Enter is Close here, never "go on"
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=2000)
    assert acks(log) == [] and window.card is None


def test_advisory_problems_a_reflex_enter_goes_nowhere(qtbot: Any, open_window: Any,
                                                      log: AuditLog) -> None:
    window = open_window([Fixed("os-support", Status.PASS),
                          Fixed("meeting-data", Status.FAIL, "Meeting data",
                                fix="Clear the meeting data.")])
    page = window.checks_page
    assert not page.blocked and page.advisory_only and window.step == CHECKS
    assert said(page, "meeting-data") == ("Meeting data not cleared yet. Fix soon. What to do: "
                                          "Clear the meeting data.")
    # Its fix is a button here (issue 27: step 1 named the menu entry but had none).
    assert [b.accessibleName() for b in page.rows["meeting-data"].buttons] == [
        "Clear meeting data now", "Open settings"]
    assert page.verdict_text == ("\u26a0 Fix soon \u2014 you can take calls, but get this fixed "
                                 "soon. To fix: Meeting data not cleared yet.")
    assert window.next_button.text() == CONTINUE_DESPITE and window.next_button.isEnabled()
    # Never the default, never the focus: a reflex Enter (or two) does not skip the problem.
    assert not window.next_button.isDefault() and not window.next_button.hasFocus()
    assert page.rows["meeting-data"].text.hasFocus()
    officer_clean(window)
    press(qtbot, Qt.Key.Key_Return)
    press(qtbot, Qt.Key.Key_Enter)
    assert window.step == CHECKS and acks(log) == []
    tab_to(qtbot, window.next_button)
    press(qtbot, Qt.Key.Key_Space)            # a deliberate choice
    assert window.step == NOTICE
    assert window.checks_line.text().startswith("\u26a0 Fix soon")
    with qtbot.waitSignal(window.completed, timeout=3000) as done:
        acknowledge_by_keyboard(qtbot, window)
    assert done.args == [True]
    records = acks(log)
    assert len(records) == 1 and records[0]["advisory_continued"] == ["meeting-data"]
    card = the_card(qtbot, window)
    notes = " ".join(n.text() for n in card.notes)
    assert "Get this fixed soon: Meeting data not cleared yet." in notes
    officer_clean(card)


def test_a_check_it_turned_off_is_not_can_wait(qtbot: Any, open_window: Any) -> None:
    policy = replace(make_policy(),
                     severity=MappingProxyType({"meeting-data": Severity.OFF}))
    window = open_window([Fixed("os-support", Status.PASS),
                          Fixed("meeting-data", Status.FAIL, "Meeting data")], policy)
    page = window.checks_page
    # "Not checked", as in the text report (issue 27: it was "Not counted" here).
    assert "meeting-data" not in page.rows
    assert "\u2013 Not checked: Meeting data not checked" in page.view.others.text()


@pytest.mark.parametrize(("mode", "when"), [("daily", "earlier today"),
                                            ("new-version", "before")])
def test_an_acknowledgement_in_force_skips_the_notice(qtbot: Any, open_window: Any,
                                                      log: AuditLog, mode: str,
                                                      when: str) -> None:
    from devicecheck.notice import load_notice

    policy = make_policy(acknowledge=mode)
    record_ack(log, load_notice(policy))
    window = open_window([Fixed("os-support", Status.PASS)], policy, active=False)
    card = the_card(qtbot, window)            # no key at all: straight to the call
    assert window.outcome_text == CALL_MAY_START
    assert len(acks(log)) == 1                # the earlier one still covers: none added
    assert f"You acknowledged this privacy notice {when}" in card.notes[0].text()
    officer_clean(card)


def test_every_call_asks_again_even_just_after_an_acknowledgement(
        qtbot: Any, open_window: Any, log: AuditLog) -> None:
    from devicecheck.notice import load_notice

    policy = make_policy(acknowledge="every-call")
    record_ack(log, load_notice(policy))
    window = open_window([Fixed("os-support", Status.PASS)], policy)
    qtbot.waitUntil(lambda: window.step == NOTICE, timeout=3000)
    assert window.windowTitle().endswith("Step 2 of 2: Privacy notice")
    with qtbot.waitSignal(window.completed, timeout=3000):
        acknowledge_by_keyboard(qtbot, window)
    assert len(acks(log)) == 2


def test_advisory_then_notice_in_force_goes_straight_to_the_call(
        qtbot: Any, open_window: Any, log: AuditLog) -> None:
    from devicecheck.notice import load_notice

    policy = make_policy(acknowledge="daily")
    record_ack(log, load_notice(policy))
    window = open_window([Fixed("meeting-data", Status.WARN, "Meeting data")], policy)
    assert window.step == CHECKS and window.windowTitle().endswith("Device checks \u2013 fix soon")
    assert window.next_button.text() == CONTINUE_DESPITE
    tab_to(qtbot, window.next_button)
    with qtbot.waitSignal(window.completed, timeout=3000):
        press(qtbot, Qt.Key.Key_Space)
    the_card(qtbot, window)
    assert len(acks(log)) == 1


def test_changed_notice_is_flagged_and_acknowledged_afresh(
        qtbot: Any, open_window: Any, log: AuditLog, tmp_path: Path) -> None:
    file = tmp_path / "council-notice.md"
    file.write_text("# Council notice\n\nFirst wording.\n", encoding="utf-8")
    policy = make_policy(file=str(file), revision_date="2025-01-01", acknowledge="new-version",
                         checklist=(ChecklistItem("Asked not to record", "Please don't record."),))
    old = build_notice(file.read_text(encoding="utf-8"), source=str(file),
                       declared_date="2025-01-01", is_markdown=True)
    record_ack(log, old)
    file.write_text("# Council notice\n\nSecond wording.\n", encoding="utf-8")

    window = open_window([Fixed("os-support", Status.PASS)], policy)
    assert window.notice.version != old.version and not window.notice_covered
    qtbot.waitUntil(lambda: window.step == NOTICE, timeout=3000)
    assert window.notice_banner.isVisible()
    assert "changed since you last acknowledged" in window.notice_banner.text()
    today = datetime.now().astimezone()
    assert f"on {today.day} {today:%b %Y}" in window.notice_banner.text()  # not ISO 8601
    assert "Second wording." in window.notice_view.plain_text()
    with qtbot.waitSignal(window.completed, timeout=3000):
        acknowledge_by_keyboard(qtbot, window)
    records = acks(log)
    assert [r["notice_version"] for r in records] == [old.version, window.notice.version]
    assert records[1]["notice_source"] == "policy-file"
    assert [b.text() for b in the_card(qtbot, window).boxes] == ["Asked not to record"]


def test_show_the_checks_and_cancel_by_keyboard(qtbot: Any, open_window: Any,
                                                log: AuditLog) -> None:
    window = open_window([Fixed("os-support", Status.PASS)])
    qtbot.waitUntil(lambda: window.step == NOTICE, timeout=3000)
    tab_to(qtbot, window.back_button)
    press(qtbot, Qt.Key.Key_Space)
    assert window.step == CHECKS and window.checks_page.view.isVisible()
    assert window.next_button.text() == "Next: privacy notice" and window.next_button.hasFocus()
    # "Check again" while looking at the rows keeps them on screen.
    tab_to(qtbot, window.checks_page.again)
    press(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.checks_page.done, timeout=5000)
    assert window.step == CHECKS
    tab_to(qtbot, window.cancel_button)
    with qtbot.waitSignal(window.completed, timeout=2000) as done:
        press(qtbot, Qt.Key.Key_Space)
    assert done.args == [False] and acks(log) == [] and window.card is None


def test_check_again_ignores_stale_results(qtbot: Any, open_window: Any) -> None:
    window = open_window([Fixed("disk-encryption", Status.FAIL, "Disk encryption")])
    page = window.checks_page
    tab_to(qtbot, page.again)
    press(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: page.done, timeout=5000)
    assert "\u2716 Problem (blocks calls)" in page.rows["disk-encryption"].text.text()
    assert page.verdict_text.startswith("\u2716")


def _walk(qtbot: Any, root: QWidget, where: str) -> None:
    focusable = [w for w in root.findChildren(QWidget)
                 if w.isVisible() and w.isEnabled()
                 and w.focusPolicy() & Qt.FocusPolicy.TabFocus
                 and w.focusProxy() is None]
    assert focusable, f"{where} has nothing to focus"
    reached: set[int] = set()
    # Enough presses to go round the chain more than once: Tab first visits each link
    # inside the notice before it leaves the notice.
    for _ in range(40):
        widget = QApplication.focusWidget()
        assert widget is not None and root.isAncestorOf(widget)
        assert widget.accessibleName().strip(), f"unnamed: {widget!r} on {where}"
        reached.add(id(widget))
        press(qtbot, Qt.Key.Key_Tab)
    for widget in focusable:
        name = widget.accessibleName().strip()
        assert name, f"unnamed: {widget!r} on {where}"
        assert widget.accessibleDescription().strip(), f"no description: {name}"
        assert id(widget) in reached, f"Tab never reaches {name!r} on {where}"


def test_every_focusable_widget_of_each_step_has_a_name(qtbot: Any, open_window: Any,
                                                        log: AuditLog) -> None:
    window = open_window([Fixed("os-support", Status.PASS),
                          Fixed("meeting-data", Status.WARN, "Meeting data", fix="Clean.")])
    window.it_door.toggle.click()             # the door's text box is walked too
    for step in (CHECKS, NOTICE):
        window._go(step)
        if step == NOTICE:
            read_to_end(qtbot, window)        # so the box is walked too, enabled
        _walk(qtbot, window, f"step {step}")
    window.read_box.setChecked(True)
    window.next_button.click()
    card = the_card(qtbot, window)
    with qtbot.waitActive(card):
        card.activateWindow()
    card.it_door.toggle.click()
    card.boxes[0].setFocus()
    _walk(qtbot, card, "the opening script")


def test_statuses_are_words_and_symbols(qtbot: Any, open_window: Any) -> None:
    statuses = [Status.PASS, Status.WARN, Status.FAIL, Status.UNKNOWN, Status.SKIP]
    window = open_window([Fixed(f"c{i}", s) for i, s in enumerate(statuses)])
    page = window.checks_page
    # Words by what each means for the call (ui.model.rows, as in the report window): a
    # warning can wait, a required check that could not be read blocks like a failure.
    assert [page.rows[f"c{i}"].text.text().split("\u2014 ")[1].split("<br>")[0]
            for i in (1, 2, 3)] == ["\u26a0 Fix soon", "\u2716 Problem (blocks calls)",
                                    "\u2716 Problem (blocks calls)"]
    assert page.view.others.text() == "\u2714 OK: C0: OK\n\u2013 Not checked: C4: not checked"


def test_opening_lines_come_from_policy(qtbot: Any, open_window: Any) -> None:
    items = (ChecklistItem("One", "Say one."), ChecklistItem("Two", "Say two."))
    window = open_window([Fixed("os-support", Status.PASS)], make_policy(checklist=items))
    qtbot.waitUntil(lambda: window.step == NOTICE, timeout=3000)
    read_to_end(qtbot, window)
    window.read_box.setChecked(True)
    window.next_button.click()
    boxes = the_card(qtbot, window).boxes
    assert [b.text() for b in boxes] == ["One", "Two"]
    assert "Say two." in boxes[1].accessibleDescription()


def test_default_opening_lines_say_resident() -> None:
    from devicecheck.policy.model import DEFAULT_CHECKLIST

    words = " ".join(f"{i.title} {i.say}" for i in DEFAULT_CHECKLIST).lower()
    assert "customer" not in words and "resident" in words


def test_window_title_says_where_the_officer_is(qtbot: Any, open_window: Any) -> None:
    window = open_window([Fixed("os-support", Status.PASS)])
    qtbot.waitUntil(lambda: window.step == NOTICE, timeout=3000)
    assert window.windowTitle().endswith("Step 2 of 2: Privacy notice")
    assert window.step_label.accessibleName() == "Step 2 of 2: Privacy notice"
    window.back_button.click()
    assert window.windowTitle().endswith("Step 1 of 2: Device checks \u2013 all passed")
    window.next_button.click()
    read_to_end(qtbot, window)
    window.read_box.setChecked(True)
    window.next_button.click()
    assert the_card(qtbot, window).windowTitle() == \
        "DeviceCheck - call may start - opening script"


def test_alt_i_ticks_the_notice_box_from_inside_the_notice(qtbot: Any,
                                                          open_window: Any) -> None:
    window = open_window([Fixed("os-support", Status.PASS)])
    qtbot.waitUntil(lambda: window.step == NOTICE, timeout=3000)
    assert window.notice_view.browser.hasFocus()
    read_to_end(qtbot, window)
    qtbot.keyClick(window.notice_view.browser, Qt.Key.Key_I, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(window.read_box.isChecked, timeout=2000)
    assert window.next_button.isEnabled()


def test_text_follows_the_system_font_size(qtbot: Any, open_window: Any) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    original = app.font()
    try:
        big = app.font()
        big.setPointSizeF(original.pointSizeF() * 2)
        app.setFont(big)
        window = open_window([Fixed("os-support", Status.PASS)])
        assert window.read_box.font().pointSizeF() == big.pointSizeF()
        assert window.heading.font().pointSizeF() > big.pointSizeF()
        assert window.notice_view.browser.document().defaultFont().pointSizeF() == \
            big.pointSizeF()
    finally:
        app.setFont(original)


def _buttons_inside(qtbot: Any, root: QWidget) -> None:
    """The window, its scroll body's viewport and its button row lie on the screen (a
    button inside the body is reached by scrolling: the body follows the focus)."""
    area = available_area(root)
    assert area is not None
    qtbot.waitExposed(root)
    assert inside(root.geometry(), area), (root.geometry(), area)
    body = root.findChild(QScrollArea, "scrollBody")
    assert body is not None
    viewport = body.viewport()
    assert inside(QRect(viewport.mapToGlobal(QPoint(0, 0)), viewport.size()), area)
    row = [b for b in root.findChildren(QPushButton)
           if b.isVisible() and not body.isAncestorOf(b)]
    assert row
    for b in row:
        rect = QRect(b.mapToGlobal(QPoint(0, 0)), b.size())
        assert inside(rect, area), (b.text(), rect, area)


def test_windows_fit_the_screen_even_with_a_large_font(qtbot: Any, open_window: Any) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    original = app.font()
    try:
        big = app.font()
        big.setPointSizeF(original.pointSizeF() * 2)  # like 200 % scaling
        app.setFont(big)
        window = open_window([Fixed("disk-encryption", Status.FAIL, "Disk encryption",
                                    fix="Ask IT.")])
        _buttons_inside(qtbot, window)
        window2 = open_window([Fixed("os-support", Status.PASS)])
        qtbot.waitUntil(lambda: window2.step == NOTICE, timeout=3000)
        _buttons_inside(qtbot, window2)
        read_to_end(qtbot, window2)
        window2.read_box.setChecked(True)
        window2.next_button.click()
        _buttons_inside(qtbot, the_card(qtbot, window2))
    finally:
        app.setFont(original)


def test_missing_notice_never_lets_the_call_start(qtbot: Any, open_window: Any, log: AuditLog,
                                                  tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import devicecheck.notice as notice_module

    monkeypatch.setattr(notice_module, "resource_path",
                        lambda *parts: tmp_path.joinpath("nowhere", *parts))
    window = open_window([Fixed("os-support", Status.PASS)],
                         make_policy(acknowledge="daily"))
    qtbot.waitUntil(lambda: window.step == NOTICE, timeout=3000)
    assert window.notice_banner.text() == ("\u2716 The privacy notice could not be shown. "
                                           f"Contact {IT_CONTACT}.")
    assert IT_CONTACT in window.notice_view.plain_text()
    assert "notice missing: " in window.it_door.text  # the exception's text is IT's
    officer_clean(window)
    assert not window.read_box.isEnabled() and not window.next_button.isEnabled()
    press(qtbot, Qt.Key.Key_Return)
    press(qtbot, Qt.Key.Key_Escape)
    assert acks(log) == [] and window.card is None


class Unrunnable(Fixed):
    """The engine itself fails on this one (not just the check): the run reports failure."""

    @property
    def timeout_s(self) -> float:  # type: ignore[override]
        raise RuntimeError("engine broke")


def test_checks_that_cannot_run_mean_not_ready(qtbot: Any, open_window: Any,
                                               log: AuditLog) -> None:
    window = open_window([Unrunnable("os-support", Status.PASS)])
    assert window.checks_page.blocked
    assert window.outcome_text.startswith(
        "\u2716 No \u2014 don't take calls on this laptop: the checks could not run")
    assert IT_CONTACT in window.outcome_text and "engine broke" not in window.outcome_text
    assert "engine broke" not in " ".join(widget_strings(window.checks_page))
    assert "engine broke" in window.it_door.text  # the detail, for IT
    officer_clean(window)
    assert not window.next_button.isEnabled()


def test_unknown_required_check_blocks_in_plain_words(qtbot: Any, open_window: Any) -> None:
    window = open_window([Fixed("firewall", Status.UNKNOWN, "Firewall")])
    assert window.checks_page.blocked
    assert said(window.checks_page, "firewall").startswith("Firewall could not be checked. ")
    officer_clean(window)


def test_fix_by_date_counts_from_the_first_sighting(qtbot: Any, open_window: Any) -> None:
    """Issue 19: the "fix by" date does not move with every run; the pre-call window reads
    the same first-sighting store as the tray and ``check`` (under the test's own HOME)."""
    from datetime import date, timedelta

    from devicecheck.advisory_dates import FirstSeenStore
    from devicecheck.checks.base import CheckResult
    from devicecheck.policy.model import ChecksPolicy

    first = date.today() - timedelta(days=3)
    seen = CheckResult("meeting-data", "Meeting data", Status.WARN, Severity.ADVISORY, "x")
    FirstSeenStore().update([seen], today=first)
    policy = replace(make_policy(), checks=replace(ChecksPolicy(), advisory_grace_days=7))
    window = open_window([Fixed("os-support", Status.PASS),
                          Fixed("meeting-data", Status.WARN, "Meeting data")], policy)
    by = first + timedelta(days=7)
    assert f"fixed by {by.day} {by:%b %Y}" in window.checks_page.verdict_text


# -- issue 29, item 6: the notice is acknowledged only once its end has been in view -------
def test_the_box_waits_for_the_end_of_the_notice_by_keyboard(qtbot: Any, open_window: Any,
                                                             log: AuditLog) -> None:
    """The attack: tick and Continue without reading. Alt+I and Enter do nothing until the
    officer, without a mouse, has paged to the end of the notice."""
    window = open_window([Fixed("os-support", Status.PASS)])
    qtbot.waitUntil(lambda: window.step == NOTICE, timeout=3000)
    view = window.notice_view
    qtbot.wait(50)
    assert not view.end_seen, "the built-in notice should be longer than the window"
    assert not window.read_box.isEnabled() and not window.next_button.isEnabled()
    # Said in words, where the box is, and to a screen reader.
    assert view.end_hint.isVisible() and "read the whole notice" in view.end_hint.text()
    assert "scrolled to the end" in window.read_box.accessibleDescription()
    qtbot.keyClick(view.browser, Qt.Key.Key_I, Qt.KeyboardModifier.AltModifier)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.wait(300)  # longer than a mnemonic's click
    assert not window.read_box.isChecked() and window.card is None and acks(log) == []
    presses = 0
    while not view.end_seen:
        assert presses < 40, "Page Down never reached the end"
        assert not window.read_box.isEnabled()
        press(qtbot, Qt.Key.Key_PageDown)    # the notice keeps the focus
        presses += 1
        qtbot.wait(30)
    assert presses > 1
    assert window.read_box.isEnabled() and not view.end_hint.isVisible()
    assert "Tick to acknowledge" in window.read_box.accessibleDescription()
    with qtbot.waitSignal(window.completed, timeout=3000):
        qtbot.keyClick(view.browser, Qt.Key.Key_I, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(window.read_box.isChecked, timeout=2000)
        press(qtbot, Qt.Key.Key_Return)
    assert len(acks(log)) == 1


def test_no_acknowledgement_can_be_recorded_before_the_end_programmatically(
        qtbot: Any, open_window: Any, log: AuditLog) -> None:
    """Ticking the box by other means (not the officer, whose box is disabled) and pressing
    Continue, or asking the window to start the call, records nothing."""
    window = open_window([Fixed("os-support", Status.PASS)])
    qtbot.waitUntil(lambda: window.step == NOTICE, timeout=3000)
    qtbot.wait(50)
    assert not window.notice_view.end_seen
    window.read_box.setChecked(True)
    assert not window.next_button.isEnabled()
    window.next_button.click()
    window._next()
    window._start_call()
    assert window.card is None and acks(log) == [] and window.isVisible()
    bar = window.notice_view.browser.verticalScrollBar()
    bar.setValue(bar.maximum())
    qtbot.waitUntil(lambda: window.notice_view.end_seen, timeout=2000)
    assert window.next_button.isEnabled()
    with qtbot.waitSignal(window.completed, timeout=3000):
        window.next_button.click()
    assert len(acks(log)) == 1


def test_the_notice_read_while_hidden_does_not_count(qtbot: Any, open_window: Any) -> None:
    """Advisory problems keep the window on step 1: scrolling the (hidden) notice to its
    end there is not reading it."""
    window = open_window([Fixed("os-support", Status.PASS),
                          Fixed("meeting-data", Status.WARN, "Meeting data", fix="Clean.")])
    assert window.step == CHECKS
    bar = window.notice_view.browser.verticalScrollBar()
    bar.setValue(bar.maximum())
    qtbot.wait(50)
    assert not window.notice_view.end_seen and not window.read_box.isEnabled()


def test_a_notice_that_fits_can_be_acknowledged_at_once(qtbot: Any, open_window: Any,
                                                        log: AuditLog, tmp_path: Path) -> None:
    file = tmp_path / "notice.md"
    file.write_text("# Council notice\n\nShort enough to fit.\n", encoding="utf-8")
    window = open_window([Fixed("os-support", Status.PASS)], make_policy(file=str(file)))
    qtbot.waitUntil(lambda: window.step == NOTICE, timeout=3000)
    qtbot.waitUntil(lambda: window.notice_view.end_seen, timeout=2000)  # no key needed
    with qtbot.waitSignal(window.completed, timeout=3000):
        qtbot.keyClick(window.notice_view.browser, Qt.Key.Key_I,
                       Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(window.read_box.isChecked, timeout=2000)
        press(qtbot, Qt.Key.Key_Return)
    assert len(acks(log)) == 1
