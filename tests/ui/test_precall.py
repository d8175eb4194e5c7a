"""The pre-call window driven by keyboard alone (Tab, Space, Enter, Esc), as an officer
without a mouse would: ready, not ready, advisory-continue, and a changed notice."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from devicecheck.acknowledgement import KIND, record_ack
from devicecheck.audit import AuditLog
from devicecheck.checks import Check, Context, Remediation, Status, Verdict
from devicecheck.notice import build_notice
from devicecheck.policy import ChecklistItem, LoadedPolicy, Policy
from devicecheck.policy.model import NoticePolicy, Organisation
from devicecheck.probes.runner import ProbeRunner
from devicecheck.ui.windows.precall import (
    CHECKLIST,
    CHECKS,
    NOTICE,
    READY_TEXT,
    RESULT,
    PrecallWindow,
)

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
        return Verdict(self.status, f"{self.title}: {self.status.value}",
                       remediation=Remediation(self.fix, "ms-settings:windowsdefender")
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
    def opener(checks: list[Check], policy: Policy | None = None) -> PrecallWindow:
        loaded = LoadedPolicy(policy or make_policy())
        ctx = Context(loaded=loaded, os_name="linux", runner=ProbeRunner())
        window = PrecallWindow(loaded, audit=log, ctx=ctx, checks=checks)
        qtbot.addWidget(window)
        with qtbot.waitActive(window):  # keys go to the active window only
            window.show()
            window.activateWindow()
        qtbot.waitUntil(lambda: window.checks_page.done, timeout=5000)
        return window
    return opener


def walk_notice_and_checklist(qtbot: Any, window: PrecallWindow) -> None:
    """From step 2 to the end, by keyboard: tick the notice, tick every item, finish."""
    assert window.step == NOTICE
    assert window.notice_view.browser.hasFocus()
    press(qtbot, Qt.Key.Key_Return)           # not ticked yet: Enter must not go on
    assert window.step == NOTICE
    tab_to(qtbot, window.read_box)
    press(qtbot, Qt.Key.Key_Space)
    assert window.read_box.isChecked()
    press(qtbot, Qt.Key.Key_Return)
    assert window.step == CHECKLIST
    boxes = window.checklist_page.boxes
    assert boxes[0].hasFocus()
    for box in boxes:
        tab_to(qtbot, box)
        press(qtbot, Qt.Key.Key_Return)       # Finish stays shut until all are ticked
        assert window.step == CHECKLIST
        press(qtbot, Qt.Key.Key_Space)
        assert box.isChecked()
    press(qtbot, Qt.Key.Key_Return)           # Finish


def test_ready_flow_by_keyboard(qtbot: Any, open_window: Any, log: AuditLog) -> None:
    window = open_window([Fixed("os-support", Status.PASS), Fixed("firewall", Status.PASS)])
    assert window.checks_page.verdict_text.startswith("\u2714 Yes \u2014 you can take calls")
    assert [window.checks_page.rows[i].text(0) for i in ("os-support", "firewall")] == \
        ["\u2714 OK", "\u2714 OK"]
    assert window.next_button.hasFocus() and window.next_button.text() == "Next: privacy notice"
    with qtbot.waitSignal(window.completed, timeout=3000) as done:
        press(qtbot, Qt.Key.Key_Return)
        walk_notice_and_checklist(qtbot, window)
    assert done.args == [True]
    assert window.step == RESULT and window.outcome_text == READY_TEXT
    assert window.result_label.text() == f"\u2714 {READY_TEXT}"
    records = acks(log)
    assert len(records) == 1
    assert records[0]["notice_version"] == window.notice.version
    assert records[0]["checklist_items"] == len(window.checklist_page.boxes) == 4
    assert "advisory_continued" not in records[0]
    assert window.close_button.hasFocus()
    press(qtbot, Qt.Key.Key_Return)           # Close
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=2000)
    assert len(acks(log)) == 1                # closing writes nothing more


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
    assert page.rows["disk-encryption"].text(1) == "Disk not encrypted"
    assert IT_CONTACT in window.outcome_text
    assert page.rows["disk-encryption"].text(0) == "\u2716 Problem"
    assert page.rows["firewall"].text(0) == "? Unknown"
    help_text = page.help.toPlainText()
    assert "Turn on BitLocker." in help_text and IT_CONTACT in help_text
    assert page.help.isVisible()
    assert not window.next_button.isVisible() and not window.next_button.isEnabled()
    assert window.close_button.hasFocus()
    with qtbot.waitSignal(window.completed, timeout=2000) as done:
        press(qtbot, Qt.Key.Key_Escape)
    assert done.args == [False]
    assert not window.isVisible()
    assert acks(log) == []


def test_required_warning_is_advisory_and_policy_can_forbid_going_on(
        qtbot: Any, open_window: Any, log: AuditLog) -> None:
    window = open_window([Fixed("meeting-data", Status.WARN, "Meeting data")],
                         make_policy(allow_advisory_continue=False))
    assert window.checks_page.blocked
    assert window.outcome_text.startswith("\u2716 No \u2014 don't take calls on this laptop.")
    assert window.outcome_text.endswith("Problems: Meeting data not cleared yet. Your council "
                                        "does not allow calls until this is fixed.")
    press(qtbot, Qt.Key.Key_Return)           # Enter is Close here, never "go on"
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=2000)
    assert acks(log) == []


def test_advisory_continue_flow_by_keyboard(qtbot: Any, open_window: Any,
                                            log: AuditLog) -> None:
    window = open_window([Fixed("os-support", Status.PASS),
                          Fixed("meeting-data", Status.FAIL, "Meeting data",
                                fix="Clear the meeting data.")])
    page = window.checks_page
    assert not page.blocked and page.advisory_only
    assert page.rows["meeting-data"].text(0) == "\u2716 Problem"
    assert page.rows["meeting-data"].text(1) == "Meeting data not cleared yet (can wait)"
    assert page.verdict_text == ("\u26a0 Fix soon \u2014 you can take calls, but get this fixed "
                                 "soon. To fix: Meeting data not cleared yet.")
    assert "Clear the meeting data." in page.help.toPlainText()
    assert window.next_button.text() == "Continue despite problems"
    with qtbot.waitSignal(window.completed, timeout=3000) as done:
        press(qtbot, Qt.Key.Key_Return)
        walk_notice_and_checklist(qtbot, window)
    assert done.args == [True]
    records = acks(log)
    assert len(records) == 1 and records[0]["advisory_continued"] == ["meeting-data"]
    assert "Meeting data" in window.result_detail.text()


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
    assert window.notice.version != old.version
    with qtbot.waitSignal(window.completed, timeout=3000):
        press(qtbot, Qt.Key.Key_Return)
        assert window.notice_banner.isVisible()
        assert "changed since you last acknowledged" in window.notice_banner.text()
        assert "Second wording." in window.notice_view.plain_text()
        walk_notice_and_checklist(qtbot, window)
    records = acks(log)
    assert [r["notice_version"] for r in records] == [old.version, window.notice.version]
    assert records[1]["notice_source"] == "policy-file"


def test_back_and_cancel_by_keyboard(qtbot: Any, open_window: Any, log: AuditLog) -> None:
    window = open_window([Fixed("os-support", Status.PASS)])
    press(qtbot, Qt.Key.Key_Return)
    assert window.step == NOTICE
    tab_to(qtbot, window.back_button)
    press(qtbot, Qt.Key.Key_Space)
    assert window.step == CHECKS
    tab_to(qtbot, window.cancel_button)
    with qtbot.waitSignal(window.completed, timeout=2000) as done:
        press(qtbot, Qt.Key.Key_Space)
    assert done.args == [False] and acks(log) == []


def test_check_again_ignores_stale_results(qtbot: Any, open_window: Any) -> None:
    window = open_window([Fixed("os-support", Status.PASS)])
    page = window.checks_page
    tab_to(qtbot, page.again)
    press(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: page.done, timeout=5000)
    assert page.rows["os-support"].text(0) == "\u2714 OK"
    assert page.verdict_text.startswith("\u2714")


def test_every_focusable_widget_of_each_step_has_a_name(qtbot: Any, open_window: Any,
                                                        log: AuditLog) -> None:
    window = open_window([Fixed("os-support", Status.PASS),
                          Fixed("meeting-data", Status.WARN, "Meeting data", fix="Clean.")])
    for step in (CHECKS, NOTICE, CHECKLIST, RESULT):
        if step == RESULT:
            window._finish()  # the focus walk below covers its one button
        else:
            window._go(step)
        focusable = [w for w in window.findChildren(QWidget)
                     if w.isVisible() and w.isEnabled()
                     and w.focusPolicy() & Qt.FocusPolicy.TabFocus
                     and w.focusProxy() is None]
        assert focusable, f"step {step} has nothing to focus"
        reached: set[int] = set()
        # Enough presses to go round the chain more than once: Tab first visits each link
        # inside the notice before it leaves the notice.
        for _ in range(40):
            widget = QApplication.focusWidget()
            assert widget is not None and window.isAncestorOf(widget)
            assert widget.accessibleName().strip(), f"unnamed: {widget!r} on step {step}"
            reached.add(id(widget))
            press(qtbot, Qt.Key.Key_Tab)
        for widget in focusable:
            name = widget.accessibleName().strip()
            assert name, f"unnamed: {widget!r} on step {step}"
            assert widget.accessibleDescription().strip(), f"no description: {name}"
            assert id(widget) in reached, f"Tab never reaches {name!r} on step {step}"


def test_statuses_are_words_and_symbols(qtbot: Any, open_window: Any) -> None:
    statuses = [Status.PASS, Status.WARN, Status.FAIL, Status.UNKNOWN, Status.SKIP]
    window = open_window([Fixed(f"c{i}", s) for i, s in enumerate(statuses)])
    texts = [window.checks_page.rows[f"c{i}"].text(0) for i in range(len(statuses))]
    assert texts == ["\u2714 OK", "\u26a0 Attention", "\u2716 Problem", "? Unknown",
                     "\u2013 Not checked"]
    assert len({t.split()[0] for t in texts}) == len(texts)  # five distinct shapes


def test_checklist_comes_from_policy(qtbot: Any, open_window: Any) -> None:
    items = (ChecklistItem("One", "Say one."), ChecklistItem("Two", "Say two."))
    window = open_window([Fixed("os-support", Status.PASS)], make_policy(checklist=items))
    boxes = window.checklist_page.boxes
    assert [b.text() for b in boxes] == ["One", "Two"]
    assert "Say two." in boxes[1].accessibleDescription()


def test_window_title_says_the_step(qtbot: Any, open_window: Any) -> None:
    window = open_window([Fixed("os-support", Status.PASS)])
    assert window.windowTitle().endswith("Step 1 of 3: Device checks \u2013 all passed")
    press(qtbot, Qt.Key.Key_Return)
    assert window.windowTitle().endswith("Step 2 of 3: Privacy notice")
    assert window.step_label.accessibleName() == "Step 2 of 3: Privacy notice"


def test_alt_i_ticks_the_notice_box_from_inside_the_notice(qtbot: Any,
                                                          open_window: Any) -> None:
    window = open_window([Fixed("os-support", Status.PASS)])
    press(qtbot, Qt.Key.Key_Return)
    assert window.notice_view.browser.hasFocus()
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


def test_missing_notice_never_ends_ready(qtbot: Any, open_window: Any, log: AuditLog,
                                         tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import devicecheck.notice as notice_module

    monkeypatch.setattr(notice_module, "resource_path",
                        lambda *parts: tmp_path.joinpath("nowhere", *parts))
    window = open_window([Fixed("os-support", Status.PASS)])
    press(qtbot, Qt.Key.Key_Return)
    assert window.step == NOTICE
    assert window.notice_banner.text().startswith("\u2716 Not ready: the privacy notice is missing")
    assert IT_CONTACT in window.notice_view.plain_text()
    assert not window.read_box.isEnabled() and not window.next_button.isEnabled()
    press(qtbot, Qt.Key.Key_Escape)
    assert acks(log) == []


class Unrunnable(Fixed):
    """The engine itself fails on this one (not just the check): the run reports failure."""

    @property  # type: ignore[override]
    def timeout_s(self) -> float:
        raise RuntimeError("engine broke")


def test_checks_that_cannot_run_mean_not_ready(qtbot: Any, open_window: Any,
                                               log: AuditLog) -> None:
    window = open_window([Unrunnable("os-support", Status.PASS)])
    assert window.checks_page.blocked
    assert window.outcome_text.startswith(
        "\u2716 No \u2014 don't take calls on this laptop: the checks could not run")
    assert IT_CONTACT in window.outcome_text and "engine broke" not in window.outcome_text
    assert "For IT: " in window.checks_page.help.toPlainText()  # the detail, for IT
    assert not window.next_button.isEnabled()
