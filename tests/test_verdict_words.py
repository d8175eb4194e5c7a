"""Officer wording (issue 19), without Qt: for every check in every status the verdict,
tooltip, notification and text-report words name a fault by its fault phrase and never a
pass phrase; problems are worst first; no internal id or file name reaches an officer; a
policy error blocks only when it touches a required check."""

from __future__ import annotations

import re
import tomllib
from datetime import UTC, datetime

import pytest

from devicecheck.checks.base import CheckResult, Status
from devicecheck.checks.engine import run_one
from devicecheck.checks.policy_health import PolicyHealth
from devicecheck.checks.registry import CHECKS
from devicecheck.policy import LoadedPolicy, Policy, Severity
from devicecheck.policy.schema import build_policy, validate_tree
from devicecheck.report import Device, Report
from devicecheck.ui.model.notifications import verdict_message
from devicecheck.ui.model.states import TrayState, tooltip_text, verdict_of
from devicecheck.verdict_words import NO, YES, Answer, phrase, verdict_words
from tests.checks.helpers import context

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
#: Internal ids with a hyphen (single-word ids such as "firewall" are also plain words).
HYPHEN_IDS = [c.id for c in CHECKS if "-" in c.id]
#: What IT jargon looks like in text: a file name, a command, a dotted policy key.
JARGON = re.compile(r"\.(ps1|json|toml|sig|plist|log)\b|\bsudo\b|\bLUKS\b|machine marker|"
                    r"\bnative\b|\badvisory\b|item\(s\)|\b[a-z]+_[a-z_]+\b")


def results(check_id: str, status: Status) -> list[CheckResult]:
    """Every check passes but ``check_id``, which has ``status``."""
    return [CheckResult(c.id, c.title, status if c.id == check_id else Status.PASS,
                        Severity(c.severity), f"{c.id} summary")
            for c in CHECKS]


def report_of(checks: list[CheckResult], loaded: LoadedPolicy | None = None) -> Report:
    loaded = loaded or LoadedPolicy(sources=("defaults", "file:/etc/devicecheck/policy.toml"))
    return Report(Device("pc-1", "windows", "10.0"), loaded, checks, generated_at=AT)


def officer_texts(report: Report) -> list[str]:
    """Every officer string the verdict produces: verdict words, tooltip, notification,
    and the text report's verdict part (the lines before the per-check table)."""
    verdict = verdict_of(report)
    words = report.words()
    texts = [words.headline, *words.problems, words.it_notice, verdict.line,
             tooltip_text(verdict.state, verdict, checked_at=AT)]
    texts.extend(verdict_message(verdict)[:2])
    texts.append(report.to_text().split("\n\n", 1)[0])
    return texts


@pytest.mark.parametrize("check_id", [c.id for c in CHECKS])
@pytest.mark.parametrize("status", list(Status))
def test_a_pass_phrase_is_never_presented_as_a_problem(check_id: str, status: Status) -> None:
    entry = next(c for c in CHECKS if c.id == check_id)
    report = report_of(results(check_id, status))
    words = report.words()
    problem = report.blocking + report.attention
    if status in (Status.PASS, Status.SKIP):
        assert not problem and words.answer is Answer.YES and words.headline == YES
    else:
        assert words.problems == (phrase(check_id, status),)
        assert words.answer in (Answer.NO, Answer.FIX_SOON)
    for text in officer_texts(report):
        assert entry.pass_phrase not in text, (status, text)
        assert entry.title not in text, (status, text)  # titles state the requirement
        for internal in HYPHEN_IDS:
            assert internal not in text, (internal, text)
        assert not JARGON.search(text), text


def test_every_check_has_distinct_short_phrases() -> None:
    for c in CHECKS:
        assert c.fault_phrase and c.pass_phrase and c.topic, c.id
        assert c.fault_phrase != c.pass_phrase
        assert len(c.fault_phrase) <= 40 and len(c.pass_phrase) <= 40
    assert len({c.fault_phrase for c in CHECKS}) == len(CHECKS)


def test_remediation_texts_name_no_commands_files_or_jargon() -> None:
    for c in CHECKS:
        for text in (c.portal, *c.remedy.values()):
            assert not JARGON.search(text), (c.id, text)


def test_problems_are_worst_first_not_by_id() -> None:
    checks = [CheckResult("antivirus", "x", Status.UNKNOWN, Severity.REQUIRED, ""),
              CheckResult("disk-encryption", "x", Status.PASS, Severity.REQUIRED, ""),
              CheckResult("firewall", "x", Status.FAIL, Severity.REQUIRED, ""),
              CheckResult("meeting-data", "x", Status.FAIL, Severity.ADVISORY, ""),
              CheckResult("screen-lock", "x", Status.WARN, Severity.REQUIRED, "")]
    words = report_of(checks).words()
    assert words.problems == ("Firewall off", "Anti-virus could not be checked",
                              "Screen does not lock soon enough", "Meeting data not cleared yet")
    assert words.headline == f"{NO}. Contact your council's IT service desk."


def test_fix_soon_gives_a_date_when_policy_sets_a_grace_period() -> None:
    checks = [CheckResult("meeting-data", "x", Status.WARN, Severity.ADVISORY, "")]
    assert verdict_words(checks, Policy(), since=AT).headline == (
        "Fix soon \u2014 you can take calls, but get this fixed soon")
    policy = build_policy({"checks.advisory_grace_days": 7})
    assert verdict_words(checks, policy, since=AT).headline == (
        "Fix soon \u2014 you can take calls, but get this fixed by 8 Dec 2026")
    strict = build_policy({"notice.allow_advisory_continue": False})
    assert verdict_words(checks, strict, since=AT).answer is Answer.NO


def loaded_from_toml(text: str) -> LoadedPolicy:
    """What the loader makes of a machine policy file: valid values in force, each bad one
    reported and left at its default (``schema.validate_tree``)."""
    source = "file:/etc/devicecheck/policy.toml"
    values, errors = validate_tree(tomllib.loads(text), source)
    return LoadedPolicy(build_policy(values), ("defaults", source), tuple(errors))


def verdict_with_policy(loaded: LoadedPolicy) -> Report:
    health = run_one(PolicyHealth(), context(loaded))
    checks = [CheckResult("policy-health", "Council policy is in force", health.status,
                          loaded.policy.severity_of("policy-health"), health.summary,
                          health.evidence, health.remediation)]
    checks += [r for r in results("firewall", Status.PASS) if r.id != "policy-health"]
    return report_of(checks, loaded)


def test_one_bad_unrelated_value_leaves_the_verdict_and_adds_an_it_notice() -> None:
    loaded = loaded_from_toml('[organisation]\nit_contact = "IT on 0123"\n'
                              '[audit]\nretention_days = "ninety"\n')
    assert len(loaded.errors) == 1 and loaded.policy.audit.retention_days == 90  # default
    report = verdict_with_policy(loaded)
    words = report.words()
    assert words.answer is Answer.YES and words.headline == YES
    assert words.it_notice == "IT needs to fix a settings problem; you can still take calls."
    verdict = verdict_of(report)
    assert verdict.state is TrayState.READY
    tip = tooltip_text(verdict.state, verdict, checked_at=AT)
    assert "IT needs to fix a settings problem" in tip and "retention" not in tip
    # IT keeps the detail: the text report's policy errors and the JSON.
    assert "audit.retention_days" not in report.to_text()  # the officer's text: no keys
    assert "audit.retention_days" in report.to_text(it=True)
    assert report.to_dict()["policy"]["errors"]


def test_a_bad_value_in_a_required_checks_setting_says_no_with_the_it_message() -> None:
    loaded = loaded_from_toml('[organisation]\nit_contact = "IT on 0123"\n'
                              '[screen_lock]\nmax_idle_minutes = 500\n')
    assert len(loaded.errors) == 1
    report = verdict_with_policy(loaded)
    words = report.words()
    assert words.answer is Answer.NO and words.headline == f"{NO}. Contact IT on 0123."
    assert words.problems == ("IT needs to fix a settings problem",)
    verdict = verdict_of(report)
    assert verdict.state is TrayState.POLICY_ERROR
    title, message, _level = verdict_message(verdict)
    assert message.startswith("IT needs to fix a settings problem")
    for text in officer_texts(report):
        assert "screen_lock" not in text and "policy.toml" not in text and "500" not in text


def test_no_machine_policy_at_all_blocks() -> None:
    report = verdict_with_policy(LoadedPolicy())
    assert report.words().answer is Answer.NO
    assert verdict_of(report).state is TrayState.POLICY_ERROR
