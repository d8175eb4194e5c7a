from __future__ import annotations

from devicecheck.checks.base import Status
from devicecheck.checks.engine import run_one
from devicecheck.checks.policy_health import PolicyHealth
from devicecheck.policy import LoadedPolicy, PolicyError
from tests.checks.helpers import context


def test_defaults_only_fails_with_contact() -> None:
    verdict = run_one(PolicyHealth(), context())
    assert verdict.status is Status.FAIL and "No council policy" in verdict.summary
    assert verdict.remediation and "IT service desk" in verdict.remediation.text


def test_errors_fail_and_are_evidence() -> None:
    loaded = LoadedPolicy(sources=("defaults", "file:/x"), errors=(PolicyError("file:/x", "bad", "a.b", 3),))
    verdict = run_one(PolicyHealth(), context(loaded))
    assert verdict.status is Status.FAIL and "1 error" in verdict.summary
    assert verdict.evidence["errors"] == ["file:/x, line 3: a.b: bad"]


def test_clean_machine_policy_passes() -> None:
    verdict = run_one(PolicyHealth(), context(LoadedPolicy(sources=("defaults", "file:/etc/x"))))
    assert verdict.status is Status.PASS
