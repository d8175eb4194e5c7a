from __future__ import annotations

from devicecheck.checks.base import Status
from devicecheck.checks.engine import run_one
from devicecheck.checks.policy_health import PolicyHealth
from devicecheck.policy import LoadedPolicy, PolicyError, Severity
from tests.checks.helpers import context


def test_defaults_only_fails_with_contact() -> None:
    verdict = run_one(PolicyHealth(), context())
    assert verdict.status is Status.FAIL and "No council policy" in verdict.summary
    assert verdict.remediation and "IT service desk" in verdict.remediation.text


def _loaded(*errors: PolicyError, **values: object) -> LoadedPolicy:
    from devicecheck.policy.schema import build_policy
    return LoadedPolicy(build_policy(values), sources=("defaults", "file:/x"), errors=errors)


def test_error_in_a_required_checks_setting_fails_with_the_it_message() -> None:
    loaded = _loaded(PolicyError("file:/x", "above the maximum 60",
                                 "screen_lock.max_idle_minutes", 3))
    verdict = run_one(PolicyHealth(), context(loaded))
    assert verdict.status is Status.FAIL and "affect a required check" in verdict.summary
    assert len(verdict.evidence["blocking_errors"]) == 1
    assert verdict.evidence["errors"] == ["file:/x, line 3: screen_lock.max_idle_minutes: "
                                          "above the maximum 60"]
    assert verdict.remediation is not None
    assert verdict.remediation.text.startswith("IT needs to fix a settings problem")
    assert "screen_lock" not in verdict.remediation.text


def test_error_in_a_severity_entry_or_a_whole_source_fails() -> None:
    for error in (PolicyError("file:/x", "unknown check id", "severity.fire-wall"),
                  PolicyError("file:/x", "malformed TOML: bad", line=2)):
        verdict = run_one(PolicyHealth(), context(_loaded(error)))
        assert verdict.status is Status.FAIL, error


def test_error_in_an_unrelated_setting_passes_and_keeps_the_detail() -> None:
    loaded = _loaded(PolicyError("file:/x", "must be an integer", "audit.retention_days", 4),
                     PolicyError("file:/x", "unknown section", "colours"))
    verdict = run_one(PolicyHealth(), context(loaded))
    assert verdict.status is Status.PASS and "IT needs to fix" in verdict.summary
    assert len(verdict.evidence["errors"]) == 2 and verdict.evidence["blocking_errors"] == []


def test_error_in_an_advisory_or_off_checks_setting_passes() -> None:
    error = PolicyError("file:/x", "must be an integer", "screen_lock.max_idle_minutes")
    loaded = _loaded(error, **{"severity.screen-lock": Severity.ADVISORY})
    assert run_one(PolicyHealth(), context(loaded)).status is Status.PASS


def test_clean_machine_policy_passes() -> None:
    verdict = run_one(PolicyHealth(), context(LoadedPolicy(sources=("defaults", "file:/etc/x"))))
    assert verdict.status is Status.PASS
