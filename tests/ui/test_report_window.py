"""The report window: rows with icon and words, evidence on demand, deep-link buttons,
the IT contact, accessible names and keyboard use."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QScrollArea

from devicecheck.checks.base import CheckResult, Remediation, Status
from devicecheck.policy import LoadedPolicy, Severity
from devicecheck.report import Device, Report
from devicecheck.ui.windows.report_window import MAX_EVIDENCE_CHARS, ReportWindow, evidence_text
from tests.ui.tray_helpers import policy_with

LINK = "ms-settings:windowsdefender"


def report(loaded: LoadedPolicy | None = None) -> Report:
    loaded = loaded or policy_with()
    checks = [
        CheckResult("os-support", "Operating system is supported", Status.PASS, Severity.REQUIRED,
                    "Windows 11 23H2 is supported.", {"build": 22631}),
        CheckResult("firewall", "The firewall is on", Status.FAIL, Severity.REQUIRED,
                    "The firewall is off for the public profile.", {"profiles": {"public": False}},
                    Remediation("Turn the firewall on in Windows Security.", LINK)),
        CheckResult("meeting-data", "Meeting data is cleared", Status.WARN, Severity.ADVISORY,
                    "Teams data is 3 days old.", {}, Remediation("Use Clear meeting data now.")),
    ]
    return Report(Device("pc-1", "windows", "10.0.22631"), loaded, checks)


def window(qtbot: Any, urls: list[QUrl] | None = None) -> ReportWindow:
    w = ReportWindow(policy_with(), open_url=(urls if urls is not None else []).append)
    qtbot.addWidget(w)
    return w


def test_rows_show_icon_word_summary_and_contact(qtbot: Any) -> None:
    w = window(qtbot)
    assert w.verdict_label.text() == "Checking this laptop…" and not w.rows
    w.set_report(report())
    assert list(w.rows) == ["os-support", "firewall", "meeting-data"]
    fw = w.rows["firewall"]
    assert fw.word.text() == "<b>Problem</b>"
    assert fw.accessibleName() == "Firewall off: Problem"
    assert w.verdict_label.text() == ("No \u2014 don't take calls on this laptop. Contact your "
                                      "council's IT service desk.")
    assert "1 OK, 1 blocks calls, 1 to fix soon." in w.sub_label.text()
    assert "your council's IT service desk" in w.contact_label.text()
    labels = [lbl.text() for lbl in w.rows["meeting-data"].findChildren(QLabel)]
    assert "Meeting data not cleared yet (can wait)" in labels
    assert any(t.startswith("What to do: Use Clear") for t in labels)
    assert w.rows["os-support"].remedy_button is None


def test_evidence_on_demand(qtbot: Any) -> None:
    w = window(qtbot)
    w.set_report(report())
    w.show()
    row = w.rows["firewall"]
    assert not row.details.isVisible()
    row.details_button.click()
    assert row.details.isVisible()
    assert row.details.text() == 'profiles: {"public": false}'
    assert row.details_button.accessibleName() == "Hide details for Firewall off"
    row.details_button.click()
    assert not row.details.isVisible()


def test_remediation_link_button_opens_the_deep_link(qtbot: Any) -> None:
    urls: list[QUrl] = []
    w = window(qtbot, urls)
    w.set_report(report())
    button = w.rows["firewall"].remedy_button
    assert button is not None and button.accessibleName() == "Open settings for Firewall off"
    button.click()
    assert [u.toString() for u in urls] == [LINK]


def test_every_control_has_an_accessible_name(qtbot: Any) -> None:
    w = window(qtbot)
    w.set_report(report())
    controls = w.findChildren(QAbstractButton) + w.findChildren(QScrollArea)
    assert len(controls) >= 8
    for control in controls:
        assert control.accessibleName(), f"{type(control).__name__} {control.text() if isinstance(control, QAbstractButton) else ''}"
    for label in w.findChildren(QLabel):
        if label.text() or label.pixmap() is not None and not label.pixmap().isNull():
            assert label.accessibleName(), label.text()


def test_keyboard_reaches_every_button_and_escape_closes(qtbot: Any) -> None:
    w = window(qtbot)
    w.set_report(report())
    w.show()
    w.activateWindow()
    qtbot.waitExposed(w)
    w.check_button.setFocus()
    seen = set()
    for _ in range(20):
        focused = w.focusWidget()
        assert focused is not None
        seen.add(focused)
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
    buttons = set(w.findChildren(QAbstractButton))
    assert buttons <= seen, [b.accessibleName() for b in buttons - seen]
    qtbot.keyClick(w.focusWidget(), Qt.Key.Key_Escape)
    assert not w.isVisible()


def test_check_again_and_copy(qtbot: Any) -> None:
    w = window(qtbot)
    r = report()
    w.set_report(r)
    with qtbot.waitSignal(w.checkRequested, timeout=1000):
        w.check_button.click()
    w.set_checking(True)
    assert not w.check_button.isEnabled() and w.check_button.accessibleName() == "Checking"
    w.set_checking(False)
    w.copy_button.click()
    assert QApplication.clipboard().text() == r.to_text()


def test_policy_errors_are_listed(qtbot: Any) -> None:
    from devicecheck.policy import PolicyError

    loaded = LoadedPolicy(errors=(PolicyError("file:/etc/x", "severity.firewall: bad"),))
    w = window(qtbot)
    w.set_report(report(loaded))
    # The heading is the officer's verdict (no policy-health result here, so not blocked);
    # the detail stays in the IT part below it.
    assert not w.verdict_label.text().startswith("Policy")
    assert "For IT" in w.sub_label.text() and "severity.firewall: bad" in w.sub_label.text()


def test_evidence_text_is_bounded() -> None:
    assert evidence_text({}) == "No further details were recorded."
    long = evidence_text({"x": "y" * (MAX_EVIDENCE_CHARS * 2)})
    assert len(long) <= MAX_EVIDENCE_CHARS + 2 and long.endswith("…")


def test_summary_counts_read_as_plain_english() -> None:
    from devicecheck.ui.windows.report_window import count_words

    def r(status: Status, severity: Severity = Severity.REQUIRED) -> CheckResult:
        return CheckResult("x", "X", status, severity, "")

    checks = [r(Status.PASS)] * 4 + [r(Status.FAIL), r(Status.UNKNOWN),
                                     r(Status.FAIL, Severity.ADVISORY), r(Status.SKIP)]
    assert count_words(checks) == "4 OK, 2 block calls, 1 to fix soon, 1 not checked"
    assert count_words([r(Status.PASS), r(Status.FAIL)]) == "1 OK, 1 blocks calls"
    assert count_words([]) == "0 OK"
