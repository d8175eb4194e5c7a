"""The IT attestation of the Teams recording policy: schema, parsing and judgement.

Teams recording and transcription are switched by server-side policy that nothing on the
laptop can read, so IT exports the officer's *effective* policies to a small JSON file
(``installer/intune/export-teams-recording-policy.ps1``) and deploys it to the machine
policy folder. This module turns that file's text into a verdict-ready assessment. It is
pure: the caller reads the file and passes the text (or why it could not), the policy
and the time. See docs/recording.md for the schema.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from devicecheck.policy import Policy

SCHEMA_VERSION = 1
#: A larger file is not an attestation; refusing it keeps a bad deployment from costing memory.
MAX_BYTES = 64 * 1024
#: Clocks drift and IT may export in another time zone: tolerate this much "future".
CLOCK_SLACK = timedelta(hours=24)

# Field names, shared with the PowerShell exporter (a test greps the script for each).
F_SCHEMA = "schema_version"
F_TENANT = "tenant_id"
F_COVERS = "covers"
F_COVERS_TYPE = "type"
F_COVERS_ID = "id"
F_COVERS_NAME = "display_name"
F_EXPORTED_AT = "exported_at"
F_POLICY_NAME = "policy_name"
MEETING = "TeamsMeetingPolicy"
CALLING = "TeamsCallingPolicy"
COMPLIANCE = "TeamsComplianceRecordingPolicy"
F_APPLIES = "applies"
ALLOW_CLOUD_RECORDING = "AllowCloudRecording"
ALLOW_TRANSCRIPTION = "AllowTranscription"
AUTO_RECORDING = "AutoRecording"
ALLOW_CALL_RECORDING = "AllowCloudRecordingForCalls"
ALLOW_CALL_TRANSCRIPTION = "AllowTranscriptionForCalling"

#: Every key the exporter writes, by object; tests check the script writes exactly these.
SCHEMA_KEYS: Mapping[str, tuple[str, ...]] = {
    "": (F_SCHEMA, F_TENANT, F_COVERS, F_EXPORTED_AT, MEETING, CALLING, COMPLIANCE),
    F_COVERS: (F_COVERS_TYPE, F_COVERS_ID, F_COVERS_NAME),
    MEETING: (F_POLICY_NAME, ALLOW_CLOUD_RECORDING, ALLOW_TRANSCRIPTION, AUTO_RECORDING),
    CALLING: (F_POLICY_NAME, ALLOW_CALL_RECORDING, ALLOW_CALL_TRANSCRIPTION),
    COMPLIANCE: (F_APPLIES, F_POLICY_NAME),
}
COVERS_TYPES = ("user", "group", "tenant")
AUTO_RECORDING_VALUES = ("Enabled", "Disabled")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class AttestationState(StrEnum):
    OK = "ok"                        # fresh, our tenant, recording and transcription off
    ALLOWS_RECORDING = "allows-recording"
    MISSING = "missing"
    UNREADABLE = "unreadable"
    MALFORMED = "malformed"
    NO_TENANT_POLICY = "no-tenant-policy"  # the council policy lists no tenant to match
    WRONG_TENANT = "wrong-tenant"
    STALE = "stale"
    BAD_SIGNATURE = "bad-signature"  # a key is set and the signature is missing or wrong


class MalformedAttestation(ValueError):
    """The text is not a valid attestation; the message says what is wrong."""


@dataclass(frozen=True)
class Attestation:
    tenant_id: str
    covers_type: str
    covers_id: str
    covers_name: str | None
    exported_at: datetime
    meeting_policy: str | None
    allow_cloud_recording: bool
    allow_transcription: bool
    auto_recording: str
    calling_policy: str | None
    allow_call_recording: bool
    allow_call_transcription: bool
    compliance_applies: bool
    compliance_policy: str | None

    def permissions(self) -> list[str]:
        """The settings that let a call be recorded or transcribed, as ``Policy.Setting``."""
        found = []
        if self.allow_cloud_recording:
            found.append(f"{MEETING}.{ALLOW_CLOUD_RECORDING}")
        if self.allow_transcription:
            found.append(f"{MEETING}.{ALLOW_TRANSCRIPTION}")
        if self.auto_recording == "Enabled":
            found.append(f"{MEETING}.{AUTO_RECORDING}")
        if self.allow_call_recording:
            found.append(f"{CALLING}.{ALLOW_CALL_RECORDING}")
        if self.allow_call_transcription:
            found.append(f"{CALLING}.{ALLOW_CALL_TRANSCRIPTION}")
        # A compliance recording bot records every call whatever the meeting policy says,
        # which contradicts the notice ("Teams recording is not available"): it fails too.
        if self.compliance_applies:
            found.append(COMPLIANCE)
        return found

    def to_evidence(self) -> dict[str, Any]:
        return {
            "tenant_id": self.tenant_id, "covers": f"{self.covers_type} {self.covers_id}",
            "exported_at": self.exported_at.isoformat(),
            "meeting_policy": self.meeting_policy, "calling_policy": self.calling_policy,
            "compliance_recording": self.compliance_applies,
        }


@dataclass(frozen=True)
class Assessment:
    state: AttestationState
    detail: str = ""                               # what exactly, for the summary
    attestation: Attestation | None = None
    age_days: float | None = None
    permissions: tuple[str, ...] = field(default_factory=tuple)


def _require(obj: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in obj:
        raise MalformedAttestation(f"'{where}{key}' is missing")
    return obj[key]


def _bool(obj: Mapping[str, Any], key: str, where: str) -> bool:
    value = _require(obj, key, where)
    # Strict: a string "False" is truthy in most languages; guessing could turn a bad
    # export into a pass.
    if not isinstance(value, bool):
        raise MalformedAttestation(f"'{where}{key}' must be true or false, not {value!r}")
    return value


def _str(obj: Mapping[str, Any], key: str, where: str, *, optional: bool = False) -> str | None:
    value = obj.get(key) if optional else _require(obj, key, where)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise MalformedAttestation(f"'{where}{key}' must be a non-empty string")
    return value.strip()


def _section(doc: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = _require(doc, key, "")
    if not isinstance(value, dict):
        raise MalformedAttestation(f"'{key}' must be an object")
    return value


def parse_time(text: str) -> datetime:
    """ISO 8601 with a time zone (``2026-11-20T09:00:00Z``); naive times are refused
    because their age would depend on the laptop's time zone."""
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as exc:
        raise MalformedAttestation(f"'{F_EXPORTED_AT}' is not an ISO 8601 time: {text!r}") from exc
    if when.tzinfo is None:
        raise MalformedAttestation(f"'{F_EXPORTED_AT}' has no time zone (add Z for UTC): {text!r}")
    return when


def parse_attestation(text: str) -> Attestation:
    """JSON text -> ``Attestation``; raises ``MalformedAttestation`` saying what is wrong."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise MalformedAttestation(f"the file is larger than {MAX_BYTES // 1024} KiB")
    try:
        doc = json.loads(text.lstrip("\ufeff"))  # PowerShell 5 writes a UTF-8 BOM
    except json.JSONDecodeError as exc:
        raise MalformedAttestation(f"not valid JSON ({exc.msg}, line {exc.lineno})") from exc
    if not isinstance(doc, dict):
        raise MalformedAttestation("the top level must be a JSON object")
    version = _require(doc, F_SCHEMA, "")
    if version != SCHEMA_VERSION or isinstance(version, bool):
        raise MalformedAttestation(f"'{F_SCHEMA}' is {version!r}; this DeviceCheck reads "
                                   f"version {SCHEMA_VERSION}")
    tenant = _str(doc, F_TENANT, "") or ""
    if not _GUID.match(tenant):
        raise MalformedAttestation(f"'{F_TENANT}' is not a tenant id (GUID): {tenant!r}")
    covers = _section(doc, F_COVERS)
    covers_type = _str(covers, F_COVERS_TYPE, f"{F_COVERS}.") or ""
    if covers_type not in COVERS_TYPES:
        raise MalformedAttestation(f"'{F_COVERS}.{F_COVERS_TYPE}' must be one of "
                                   f"{', '.join(COVERS_TYPES)}, not {covers_type!r}")
    covers_id = _str(covers, F_COVERS_ID, f"{F_COVERS}.") or ""
    exported_raw = _require(doc, F_EXPORTED_AT, "")
    if not isinstance(exported_raw, str):
        raise MalformedAttestation(f"'{F_EXPORTED_AT}' must be a string")
    meeting, calling, compliance = (_section(doc, MEETING), _section(doc, CALLING),
                                    _section(doc, COMPLIANCE))
    auto = _str(meeting, AUTO_RECORDING, f"{MEETING}.") or ""
    canonical = {v.lower(): v for v in AUTO_RECORDING_VALUES}.get(auto.lower())
    if canonical is None:
        raise MalformedAttestation(f"'{MEETING}.{AUTO_RECORDING}' must be Enabled or "
                                   f"Disabled, not {auto!r}")
    return Attestation(
        tenant_id=tenant.lower(), covers_type=covers_type, covers_id=covers_id,
        covers_name=_str(covers, F_COVERS_NAME, f"{F_COVERS}.", optional=True),
        exported_at=parse_time(exported_raw),
        meeting_policy=_str(meeting, F_POLICY_NAME, f"{MEETING}.", optional=True),
        allow_cloud_recording=_bool(meeting, ALLOW_CLOUD_RECORDING, f"{MEETING}."),
        allow_transcription=_bool(meeting, ALLOW_TRANSCRIPTION, f"{MEETING}."),
        auto_recording=canonical,
        calling_policy=_str(calling, F_POLICY_NAME, f"{CALLING}.", optional=True),
        allow_call_recording=_bool(calling, ALLOW_CALL_RECORDING, f"{CALLING}."),
        allow_call_transcription=_bool(calling, ALLOW_CALL_TRANSCRIPTION, f"{CALLING}."),
        compliance_applies=_bool(compliance, F_APPLIES, f"{COMPLIANCE}."),
        compliance_policy=_str(compliance, F_POLICY_NAME, f"{COMPLIANCE}.", optional=True),
    )


#: A detached signature file is base64 of 64 bytes; anything much bigger is not one.
MAX_SIGNATURE_BYTES = 1024


def signature_problem(data: bytes, signature: bytes | None, public_key: str) -> str | None:
    """Why ``signature`` (the ``.sig`` file's bytes: base64 of a raw 64-byte Ed25519
    signature over the attestation file's exact bytes) does not prove ``data`` came from
    the holder of ``public_key`` (base64 of the raw 32-byte key); None when it does.

    Verified with ``cryptography`` (pyca), whose Ed25519PublicKey.verify raises
    InvalidSignature on a bad signature (cryptography.io, "Ed25519 signing")."""
    import base64
    import binascii

    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key, validate=True))
    except (binascii.Error, ValueError):
        return "the policy's recording.attestation_public_key is not a base64 Ed25519 key"
    if signature is None:
        return "its signature file is missing"
    try:
        sig = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError):
        return "its signature file is not base64"
    if len(sig) != 64:
        return "its signature file does not hold an Ed25519 signature"
    try:
        key.verify(sig, data)
    except InvalidSignature:
        return "its signature does not match (changed after IT signed it, or another key)"
    return None


def assess_attestation(text: str | None, policy: Policy, now: datetime, *,
                       read_error: str | None = None,
                       signature: bytes | None = None) -> Assessment:
    """Judge the attestation text. ``text`` None means no file, or one that could not be
    read when ``read_error`` says why. Problems with the file itself come first (it
    cannot be trusted), then whether its values allow recording. With
    ``recording.attestation_public_key`` set, ``signature`` (the ``.sig`` file's bytes,
    None: no such file) must verify over the file's bytes (``text`` as UTF-8)."""
    if text is None:
        if read_error:
            return Assessment(AttestationState.UNREADABLE, read_error)
        return Assessment(AttestationState.MISSING)
    key = policy.recording.attestation_public_key
    if key:
        why = signature_problem(text.encode("utf-8", "surrogatepass"), signature, key)
        if why:
            return Assessment(AttestationState.BAD_SIGNATURE, why)
    try:
        att = parse_attestation(text)
    except MalformedAttestation as exc:
        return Assessment(AttestationState.MALFORMED, str(exc))
    allowed = {t.lower() for t in policy.organisation.tenant_ids}
    if not allowed:
        return Assessment(AttestationState.NO_TENANT_POLICY, "", att)
    if att.tenant_id not in allowed:
        return Assessment(AttestationState.WRONG_TENANT, att.tenant_id, att)
    age = now - att.exported_at
    age_days = round(age.total_seconds() / 86400, 1)
    if age < -CLOCK_SLACK:
        return Assessment(AttestationState.MALFORMED,
                          f"'{F_EXPORTED_AT}' is in the future ({att.exported_at.isoformat()})",
                          att, age_days)
    if age > timedelta(days=policy.recording.attestation_max_age_days):
        return Assessment(AttestationState.STALE, "", att, age_days)
    perms = tuple(att.permissions())
    if perms:
        return Assessment(AttestationState.ALLOWS_RECORDING, "", att, age_days, perms)
    return Assessment(AttestationState.OK, "", att, age_days)
