from __future__ import annotations

import os
from pathlib import Path

import pytest

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


def test_a_notice_file_that_is_not_its_is_named_and_the_standard_notice_said(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 29: another user's notice file is ignored (the built-in notice is shown); the
    check says so in plain words and its evidence holds why, for IT."""
    from dataclasses import replace

    from devicecheck import paths
    from devicecheck.policy.model import NoticePolicy

    file = tmp_path / "notice.md"
    file.write_text("# Theirs\n", encoding="utf-8")
    if os.getuid() == 0:
        os.chown(file, 4242, -1)
    monkeypatch.setattr(paths, "TRUSTED_OWNER_UIDS", frozenset({0}))
    base = LoadedPolicy(sources=("defaults", "file:/etc/x"))
    policy = replace(base.policy, notice=replace(NoticePolicy(), file=str(file)))
    verdict = run_one(PolicyHealth(), context(replace(base, policy=policy)))
    assert verdict.status is Status.PASS   # the standard notice carries every fact
    assert "own privacy notice is not shown" in verdict.summary
    assert "standard notice is shown instead" in verdict.summary
    assert str(file) not in verdict.summary  # the path is IT's
    problem = verdict.evidence["notice_problem"]
    assert str(file) in problem and "not root" in problem and "ignored" in problem


def test_a_good_notice_file_adds_nothing(tmp_path: Path) -> None:
    from dataclasses import replace

    from devicecheck.policy.model import NoticePolicy

    file = tmp_path / "notice.md"
    file.write_text("# Ours\n", encoding="utf-8")
    base = LoadedPolicy(sources=("defaults", "file:/etc/x"))
    policy = replace(base.policy, notice=replace(NoticePolicy(), file=str(file)))
    verdict = run_one(PolicyHealth(), context(replace(base, policy=policy)))
    assert verdict.summary == "The council policy is installed and valid."
    assert verdict.evidence["notice_problem"] == ""


def test_a_teams_log_folder_others_can_write_warns(tmp_path: Path) -> None:
    """Issue 29: the log source refuses such a folder; policy-health says so (a warning:
    the other meeting signals still run), the path only in IT's evidence."""
    from dataclasses import replace

    from devicecheck.policy.model import TeamsPolicy

    shared, own = tmp_path / "shared", tmp_path / "own"
    shared.mkdir()
    own.mkdir()
    os.chmod(shared, 0o777)
    base = LoadedPolicy(sources=("defaults", "file:/etc/x"))
    policy = replace(base.policy, teams=TeamsPolicy(log_folders=(str(own), str(shared))))
    verdict = run_one(PolicyHealth(), context(replace(base, policy=policy)))
    assert verdict.status is Status.WARN
    assert "could be changed by other people" in verdict.summary
    assert str(shared) not in verdict.summary
    assert verdict.evidence["log_folder_problems"] == [
        f"{shared}: other users can write to Teams' log folder (not read)"]
    assert verdict.remediation is not None and verdict.remediation.it_detail is not None
    assert "log_folders" in verdict.remediation.it_detail
    os.chmod(shared, 0o755)
    verdict = run_one(PolicyHealth(), context(replace(base, policy=policy)))
    assert verdict.status is Status.PASS and verdict.evidence["log_folder_problems"] == []
