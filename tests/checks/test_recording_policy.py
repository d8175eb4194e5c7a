"""``recording-policy`` reads the attestation from the machine policy folder: one test per
state, through the engine so severity and the never-pass-without-a-file rule are real."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from devicecheck import paths
from devicecheck.checks.base import Context, Status
from devicecheck.checks.engine import run_checks
from devicecheck.checks.recording_policy import RecordingPolicyCheck
from devicecheck.policy import LoadedPolicy, Policy
from devicecheck.probes.runner import ProbeRunner
from tests.recording.helpers import ATTESTATIONS, NOW, council_policy


def ctx_for(policy: Policy) -> Context:
    return Context(loaded=LoadedPolicy(policy), os_name="linux", runner=ProbeRunner(), now=NOW)


def install(name: str) -> Path:
    """Copy a fixture where IT deploys the attestation (the isolated XDG config dir)."""
    target = paths.machine_policy_dir("linux") / paths.ATTESTATION_FILE_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ATTESTATIONS / name, target)
    return target


def run(policy: Policy | None = None):
    [result] = run_checks([RecordingPolicyCheck()], ctx_for(policy or council_policy()))
    return result


def test_fresh_attestation_passes() -> None:
    path = install("fresh.json")
    result = run()
    assert result.status is Status.PASS and not result.blocking
    assert "8.1 days ago" in result.summary
    assert result.evidence["path"] == str(path)
    assert result.evidence["state"] == "ok"
    assert result.evidence["covers"].startswith("group ")


def test_missing_attestation_is_unknown_never_pass() -> None:
    result = run()
    assert result.status is Status.UNKNOWN and result.blocking
    assert "No recording-policy attestation" in result.summary
    # The script's name is IT's contract: behind the IT door, never in officer text.
    assert result.remediation is not None and "export-teams-recording-policy.ps1" in \
        result.remediation.it_detail
    assert ".ps1" not in result.remediation.text and ".json" not in result.remediation.text
    assert "export-teams-recording-policy.ps1" in result.to_dict()["remediation"]["it_detail"]


def test_stale_attestation_is_unknown_and_says_so() -> None:
    install("stale.json")
    result = run()
    assert result.status is Status.UNKNOWN
    assert "out of date (88.1 days old; the limit is 35)" in result.summary


def test_wrong_tenant_is_unknown_and_names_the_tenant() -> None:
    install("wrong-tenant.json")
    result = run()
    assert result.status is Status.UNKNOWN
    assert "another organisation (tenant 9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b)" in result.summary


def test_attestation_allowing_recording_fails_and_names_the_settings() -> None:
    install("allows-recording.json")
    result = run()
    assert result.status is Status.FAIL and result.blocking
    assert "TeamsMeetingPolicy.AllowCloudRecording" in result.summary
    assert result.evidence["allows"] == ["TeamsMeetingPolicy.AllowCloudRecording",
                                         "TeamsCallingPolicy.AllowTranscriptionForCalling"]


def test_compliance_recording_fails() -> None:
    install("compliance-recording.json")
    result = run()
    assert result.status is Status.FAIL
    assert "TeamsComplianceRecordingPolicy" in result.summary
    assert result.evidence["compliance_recording"] is True


@pytest.mark.parametrize("name", ["malformed-truncated.json", "malformed-string-bool.json"])
def test_malformed_attestation_is_unknown_and_says_what_is_wrong(name: str) -> None:
    install(name)
    result = run()
    assert result.status is Status.UNKNOWN
    assert result.summary.startswith("The recording-policy attestation is not valid (")
    assert result.evidence["state"] == "malformed"


def test_unreadable_attestation_is_unknown() -> None:
    target = paths.machine_policy_dir("linux") / paths.ATTESTATION_FILE_NAME
    target.mkdir(parents=True)  # a folder where the file should be: refused, not read
    result = run()
    assert result.status is Status.UNKNOWN
    # safefile refuses anything but a regular file before reading (issue 29 #5).
    assert "could not be read (NotRegularFile: not a regular file (a folder))" in result.summary


def test_non_utf8_attestation_is_unreadable() -> None:
    target = install("fresh.json")
    target.write_bytes(b"\xff\xfe{\x00")  # UTF-16, as Out-File -Encoding Unicode would write
    result = run()
    assert result.status is Status.UNKNOWN and "not UTF-8" in result.summary


def test_policy_without_tenant_ids_is_unknown() -> None:
    install("fresh.json")
    result = run(council_policy(tenant_ids=()))
    assert result.status is Status.UNKNOWN and "lists no tenant id" in result.summary


def test_severity_comes_from_policy() -> None:
    install("allows-recording.json")
    policy = council_policy()
    advisory = Policy(organisation=policy.organisation, recording=policy.recording,
                      severity={**policy.severity, "recording-policy": "advisory"})  # type: ignore[arg-type]
    result = run(advisory)
    assert result.status is Status.FAIL and not result.blocking and result.needs_attention


def test_xdg_config_dirs_folder_is_not_searched(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 17: a forged attestation in a folder the officer names is never read."""
    first, second = tmp_path / "xdg-a", tmp_path / "xdg-b"
    monkeypatch.setenv("XDG_CONFIG_DIRS", f"{first}:{second}")
    (second / "devicecheck").mkdir(parents=True)
    shutil.copyfile(ATTESTATIONS / "fresh.json",
                    second / "devicecheck" / paths.ATTESTATION_FILE_NAME)
    assert run().status is Status.UNKNOWN
