"""Shared values for the recording-guard tests."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from devicecheck.policy import Policy
from devicecheck.policy.model import Organisation, RecordingPolicy

ATTESTATIONS = Path(__file__).resolve().parents[1] / "fixtures" / "attestation"
TENANT = "3f1b6e2a-7c4d-4e8f-9a0b-1c2d3e4f5a6b"
#: Eight days after the fixtures' exported_at (2026-11-20T09:00Z).
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def council_policy(*, tenant_ids: tuple[str, ...] = (TENANT,), max_age_days: int = 35,
                   extra_recorders: tuple[str, ...] = ()) -> Policy:
    return Policy(organisation=Organisation(name="Test Council", tenant_ids=tenant_ids,
                                            it_contact="the IT desk"),
                  recording=RecordingPolicy(attestation_max_age_days=max_age_days,
                                            extra_recorder_processes=extra_recorders))


def fixture_text(name: str) -> str:
    return (ATTESTATIONS / name).read_bytes().decode("utf-8")
