"""The attestation parser and judgement, one realistic fixture per state."""

from __future__ import annotations

from datetime import timedelta

import pytest

from devicecheck.recording.attestation import (
    AttestationState,
    MalformedAttestation,
    assess_attestation,
    parse_attestation,
)
from tests.recording.helpers import NOW, TENANT, council_policy, fixture_text


def test_fresh_attestation_for_our_tenant_with_everything_off_is_ok() -> None:
    result = assess_attestation(fixture_text("fresh.json"), council_policy(), NOW)
    assert result.state is AttestationState.OK
    assert result.age_days == pytest.approx(8.1, abs=0.05)
    assert result.permissions == ()
    att = result.attestation
    assert att is not None and att.tenant_id == TENANT
    assert (att.covers_type, att.meeting_policy, att.auto_recording) == ("group", "NoRecording",
                                                                         "Disabled")


def test_windows_powershell_51_output_with_bom_and_upper_case_tenant_is_read() -> None:
    result = assess_attestation(fixture_text("fresh-ps51-user.json"), council_policy(), NOW)
    assert result.state is AttestationState.OK
    assert result.attestation is not None and result.attestation.covers_type == "user"


def test_stale_attestation_is_stale_with_its_age() -> None:
    result = assess_attestation(fixture_text("stale.json"), council_policy(), NOW)
    assert result.state is AttestationState.STALE
    assert result.age_days == pytest.approx(88.1, abs=0.05)


def test_age_limit_comes_from_policy() -> None:
    text = fixture_text("fresh.json")
    assert assess_attestation(text, council_policy(max_age_days=8), NOW).state is \
        AttestationState.STALE
    assert assess_attestation(text, council_policy(max_age_days=9), NOW).state is \
        AttestationState.OK


def test_wrong_tenant_says_which_tenant() -> None:
    result = assess_attestation(fixture_text("wrong-tenant.json"), council_policy(), NOW)
    assert result.state is AttestationState.WRONG_TENANT
    assert result.detail == "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"


def test_policy_without_tenant_ids_cannot_match_any_attestation() -> None:
    result = assess_attestation(fixture_text("fresh.json"), council_policy(tenant_ids=()), NOW)
    assert result.state is AttestationState.NO_TENANT_POLICY


@pytest.mark.parametrize(("name", "expected"), [
    ("allows-recording.json", ("TeamsMeetingPolicy.AllowCloudRecording",
                               "TeamsCallingPolicy.AllowTranscriptionForCalling")),
    ("auto-recording.json", ("TeamsMeetingPolicy.AutoRecording",)),
    ("compliance-recording.json", ("TeamsComplianceRecordingPolicy",)),
])
def test_settings_that_allow_recording_are_named(name: str, expected: tuple[str, ...]) -> None:
    result = assess_attestation(fixture_text(name), council_policy(), NOW)
    assert result.state is AttestationState.ALLOWS_RECORDING
    assert result.permissions == expected


@pytest.mark.parametrize(("name", "says"), [
    ("malformed-truncated.json", "not valid JSON"),
    ("malformed-string-bool.json", "'TeamsMeetingPolicy.AllowTranscription' must be true or false"),
    ("malformed-future-schema.json", "'schema_version' is 2"),
    ("malformed-date.json", "'exported_at' is not an ISO 8601 time"),
])
def test_malformed_attestation_says_what_is_wrong(name: str, says: str) -> None:
    result = assess_attestation(fixture_text(name), council_policy(), NOW)
    assert result.state is AttestationState.MALFORMED
    assert says in result.detail


def test_missing_and_unreadable() -> None:
    assert assess_attestation(None, council_policy(), NOW).state is AttestationState.MISSING
    result = assess_attestation(None, council_policy(), NOW, read_error="PermissionError: denied")
    assert result.state is AttestationState.UNREADABLE and "denied" in result.detail


def test_export_from_the_future_is_refused_beyond_a_day_of_clock_slack() -> None:
    text = fixture_text("fresh.json")
    early = NOW.replace(month=11, day=20, hour=0)  # nine hours before the export: slack
    assert assess_attestation(text, council_policy(), early).state is AttestationState.OK
    result = assess_attestation(text, council_policy(), NOW - timedelta(days=10))
    assert result.state is AttestationState.MALFORMED and "in the future" in result.detail


@pytest.mark.parametrize("mutate", [
    lambda t: t.replace('"exported_at": "2026-11-20T09:00:00Z"', '"exported_at": "2026-11-20T09:00:00"'),
    lambda t: t.replace('"type": "group"', '"type": "everyone"'),
    lambda t: t.replace('"AutoRecording": "Disabled"', '"AutoRecording": "Sometimes"'),
    lambda t: t.replace(f'"tenant_id": "{TENANT}"', '"tenant_id": "contoso.onmicrosoft.com"'),
    lambda t: t.replace('"applies": false', '"applies": 0'),
    lambda t: t.replace('"schema_version": 1', '"schema_version": true'),
    lambda t: "[" + t + "]",
    lambda t: t.replace('"TeamsCallingPolicy": {', '"OtherPolicy": {'),
    lambda t: t + " " * 70_000,
])
def test_parser_refuses_doubtful_values(mutate: object) -> None:
    text = mutate(fixture_text("fresh.json"))  # type: ignore[operator]
    with pytest.raises(MalformedAttestation):
        parse_attestation(text)


def test_auto_recording_value_is_read_case_insensitively() -> None:
    text = fixture_text("fresh.json").replace('"Disabled"', '"disabled"')
    assert parse_attestation(text).auto_recording == "Disabled"
