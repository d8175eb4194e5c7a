"""Officer strings on screen (issue 19): walk the tray's tooltip, menu and notifications and
the report and pre-call windows' widget texts and accessible names in each state; no
internal id, file name or pass phrase-as-problem may appear, and the verdict line is the
same in every view. IT's detail ("For IT", hidden evidence) is the one door allowed to
carry technical words."""

from __future__ import annotations

from typing import Any

import pytest

from devicecheck.checks.base import Check, CheckResult, Context, Status, Unavailable
from devicecheck.checks.engine import run_checks
from devicecheck.checks.registry import CHECKS
from devicecheck.checks.remedies import remedy
from devicecheck.policy import LoadedPolicy, PolicyError, Severity
from devicecheck.probes.runner import ProbeRunner
from devicecheck.report import Device, Report
from devicecheck.ui.windows.precall import PrecallWindow
from devicecheck.ui.windows.report_window import ReportWindow
from devicecheck.verdict_words import phrase, problem_list, severity_tag, verdict_words
from tests.checks.helpers import Scripted
from tests.checks.officer_cases import COUNCIL, context, load, verdicts
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
    assert_officer_clean(texts, ["Firewall on", "Disk encrypted"], strict=True)
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
    assert_officer_clean(texts, passes, strict=True)
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
    assert_officer_clean(texts, ["Firewall on", "Disk encrypted"], strict=True)
    # Rows, verdict and help name checks by phrase, never by title (the stand-in's summary
    # column repeats its title, so it is left out here).
    named = [page.verdict_text, page.view.others.text(),
             *(item.text.accessibleName() for item in page.rows.values())]
    for text in named:
        assert "The firewall is on" not in text and "The disk is encrypted" not in text


# ------------------------------------------------------------------ every check, every status

PASS_PHRASES = [c.pass_phrase for c in CHECKS]
JUDGED = list(verdicts())


def test_every_check_reaches_a_problem_with_a_remedy() -> None:
    """The walk below is only as good as its cases: each check is judged into at least one
    problem (fail, warn or unknown) and, for every problem, hands the officer a remedy."""
    problems = {cid for cid, _, v in JUDGED if v.status in (Status.FAIL, Status.WARN,
                                                             Status.UNKNOWN)}
    assert problems == {c.id for c in CHECKS}
    for cid, os_name, v in JUDGED:
        if v.status in (Status.FAIL, Status.WARN, Status.UNKNOWN):
            assert v.remediation is not None and v.remediation.text, (cid, os_name, v.summary)


@pytest.mark.parametrize(("check_id", "os_name", "index"),
                         [(cid, os_name, i) for i, (cid, os_name, _) in enumerate(JUDGED)])
def test_judged_remedies_are_officer_words(check_id: str, os_name: str, index: int) -> None:
    """Each judge's own remediation, in each situation: plain words for the officer (no
    command, file name, setting key, hash or internal id); IT's words in ``it_detail``."""
    verdict = JUDGED[index][2]
    words = phrase(check_id, verdict.status)
    texts = [words]
    if verdict.remediation is not None:
        texts.append(verdict.remediation.text)
        assert "For IT" not in verdict.remediation.text  # nothing hides behind a cut
    assert_officer_clean(texts, strict=True)
    if verdict.status is not Status.PASS:
        # A problem is never named by what should be true.
        for pass_phrase in PASS_PHRASES:
            assert pass_phrase not in words, (check_id, verdict.status, words)


@pytest.mark.parametrize("os_name", ["windows", "macos", "linux"])
@pytest.mark.parametrize("entry", CHECKS, ids=lambda c: c.id)
def test_registry_remedies_are_officer_words(entry: Any, os_name: str) -> None:
    """Every registry text (per OS, the contact added, placeholders filled) is plain; its IT
    side, where there is one, comes with it as ``it_detail``."""
    check = load(entry.id)
    fix = remedy(check, context(os_name, COUNCIL), m=5)  # type: ignore[arg-type]
    assert_officer_clean([fix.text], strict=True)
    want_it = entry.it_remedy.get(os_name) or entry.it_remedy.get("any")
    assert bool(fix.it_detail) is bool(want_it), (entry.id, os_name)


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("entry", CHECKS, ids=lambda c: c.id)
def test_every_status_phrase_and_verdict(entry: Any, status: Status) -> None:
    """Every check in every status, required and advisory: the row phrase, the verdict line
    and the problem list are officer words, and a pass phrase never names a problem."""
    for severity in (Severity.REQUIRED, Severity.ADVISORY):
        result = CheckResult(entry.id, entry.title, status, severity, "(vda) signals: [x]")
        words = verdict_words([result], COUNCIL)
        row = f"{phrase(entry.id, status, entry.title)}{severity_tag(severity)}"
        problems = f"Problems: {problem_list(list(words.problems))}"
        assert_officer_clean([row, words.headline, problems, words.it_notice], PASS_PHRASES,
                             strict=True)
        assert entry.title not in problems  # a title states the requirement, not the fault
        if status is Status.PASS or status is Status.SKIP:
            assert not words.problems


def test_a_check_that_cannot_run_still_gives_officer_words() -> None:
    """The engine's unknowns (a crash, a timeout) and a check that failed to load carry a
    remedy in plain words; the exception is IT's detail."""

    class Broken(Check):
        id = "firewall"
        timeout_s = 5.0

        def gather(self, ctx: Context) -> dict[str, Any]:
            raise OSError("nft: Operation not permitted")

        def judge(self, facts: Any, ctx: Context) -> Any:  # pragma: no cover - never reached
            raise AssertionError

    ctx = context("linux", COUNCIL)
    [crashed] = run_checks([Broken()], ctx)
    lost = Unavailable("disk-encryption", "ImportError: no module named probes.linux")
    unloaded = lost.judge(lost.gather(ctx), ctx)
    for remediation in (crashed.remediation, unloaded.remediation):
        assert remediation is not None
        assert_officer_clean([remediation.text], strict=True)
        assert "Error" in remediation.it_detail


@pytest.mark.parametrize("old_text", [
    # What officers were shown before issue 19: each must still be caught as jargon.
    "Run 'devicecheck clean' (or 'Clear meeting data' in the tray menu).",
    "Run DeviceCheck without --policy; only the policy IT installed counts.",
    "Ask IT to run export-teams-recording-policy.ps1 and deploy its "
    "teams-recording-policy.json to this laptop.",
    "Tell IT: sign teams-recording-policy.json and deploy its .sig file.",
    "Ask IT to add the council's tenant id (organisation.tenant_ids).",
    "Run sudo ufw enable.", "No encryption found (LUKS).", "native: 11 files",
    "Install the waiting updates [ms-settings:windowsupdate]",
    "Run Set-NetFirewallProfile -Profile Domain -Enabled True.",
    "Notice version 2026-11-28+3f1b6e2a7c4d",
])
def test_the_jargon_list_still_catches_what_issue_19_found(old_text: str) -> None:
    with pytest.raises(AssertionError):
        assert_officer_clean([old_text], strict=True)
