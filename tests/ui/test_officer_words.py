"""Officer strings on screen (issue 19): walk the tray's tooltip, menu and notifications and
the report and pre-call windows' widget texts and accessible names in each state; no
internal id, file name or pass phrase-as-problem may appear, and the verdict line is the
same in every view. IT's detail ("For IT", hidden evidence) is the one door allowed to
carry technical words."""

from __future__ import annotations

from typing import Any

import pytest

from devicecheck.checks import Context, Status
from devicecheck.checks.base import CheckResult
from devicecheck.checks.registry import CHECKS
from devicecheck.policy import LoadedPolicy, PolicyError, Severity
from devicecheck.probes.runner import ProbeRunner
from devicecheck.report import Device, Report
from devicecheck.ui.windows.precall import PrecallWindow
from devicecheck.ui.windows.report_window import ReportWindow
from tests.checks.helpers import Scripted
from tests.helpers.officer_text import assert_officer_clean, widget_strings
from tests.ui.test_precall import Fixed, log, make_policy  # noqa: F401 (log is a fixture)
from tests.ui.tray_helpers import make_harness, policy_with  # noqa: F401 (a fixture)

CASES = [
    ("ready", (Status.PASS, Status.PASS), ()),
    ("attention", (Status.PASS, Status.WARN), ()),
    ("not-ready", (Status.FAIL, Status.UNKNOWN), ()),
    ("settings-notice", (Status.PASS, Status.PASS),
     (PolicyError("file:/etc/x.toml", "too big", "tray.check_interval_minutes"),)),
]


@pytest.mark.parametrize(("name", "statuses", "errors"), CASES)
def test_tray_tooltip_menu_and_notifications(make_harness: Any, qtbot: Any,  # noqa: F811
                                             name: str, statuses: tuple[Status, ...],
                                             errors: tuple[PolicyError, ...]) -> None:
    loaded = LoadedPolicy(policy_with().policy, ("defaults", "file:test"), errors)
    checks = [Scripted("firewall", statuses[0]), Scripted("disk-encryption", statuses[1])]
    h = make_harness(loaded, checks)
    with qtbot.waitSignal(h.app.reportReady, timeout=10_000):
        h.app.start()
    app = h.app
    app.menu.aboutToShow.emit()
    first = app.tooltip.splitlines()[0].removeprefix("DeviceCheck: ")
    assert app.menu.status.text().startswith(first)  # one verdict line everywhere
    texts = [app.tooltip, *(a.text() for a in app.menu.actions()),
             *(t for n in app.notifications for t in n[:2])]
    assert_officer_clean(texts, ["Firewall on", "Disk encrypted"], strict=False)
    if errors:
        assert "IT needs to fix a settings problem" in app.tooltip


def report_results(status: Status) -> list[CheckResult]:
    return [CheckResult(c.id, c.title, status, Severity(c.severity), "Found this.")
            for c in CHECKS]


@pytest.mark.parametrize("status", list(Status))
def test_report_window_rows_and_heading(qtbot: Any, status: Status) -> None:
    loaded = LoadedPolicy(policy_with().policy, ("defaults", "file:test"),
                          (PolicyError("file:/etc/x.toml", "bad", "audit.max_bytes"),))
    report = Report(Device("pc-1", "windows", "10.0"), loaded, report_results(status))
    window = ReportWindow(loaded)
    qtbot.addWidget(window)
    window.set_report(report)
    window.show()
    texts = widget_strings(window)
    passes = [] if status is Status.PASS else [c.pass_phrase for c in CHECKS]
    for text in texts:
        for pass_phrase in passes:
            assert pass_phrase not in text, (pass_phrase, text)
    assert_officer_clean(texts, passes, strict=False)
    assert window.verdict_label.text() == report.words().headline
    # The IT door keeps the detail.
    assert "audit.max_bytes" in window.it_text.text()


@pytest.mark.parametrize(("statuses", "head"), [
    ((Status.PASS, Status.PASS), "\u2714 Yes"),
    ((Status.FAIL, Status.UNKNOWN), "\u2716 No"),
])
def test_precall_step_one(qtbot: Any, log: Any, statuses: tuple[Status, ...],  # noqa: F811
                          head: str) -> None:
    loaded = LoadedPolicy(make_policy())
    ctx = Context(loaded=loaded, os_name="linux", runner=ProbeRunner())
    checks = [Fixed("firewall", statuses[0], "The firewall is on", fix="Turn it on."),
              Fixed("disk-encryption", statuses[1], "The disk is encrypted", fix="Ask IT.")]
    window = PrecallWindow(loaded, audit=log, ctx=ctx, checks=checks)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.checks_page.done, timeout=5000)
    page = window.checks_page
    assert page.verdict_text.startswith(head)
    texts = widget_strings(page)
    assert_officer_clean(texts, ["Firewall on", "Disk encrypted"], strict=False)
    # Rows, verdict and help name checks by phrase, never by title (the stand-in's summary
    # column repeats its title, so it is left out here).
    named = [page.verdict_text, page.help.toPlainText(),
             *(item.text(1) for item in page.rows.values())]
    for text in named:
        assert "The firewall is on" not in text and "The disk is encrypted" not in text
