"""The PowerShell exporter cannot run here, so its shape is tested: it writes exactly the
JSON keys the parser reads (no drift either way), the schema version matches, it uses the
documented MicrosoftTeams cmdlets, and a sample of its output passes the parser."""

from __future__ import annotations

import json
import re
from pathlib import Path

from devicecheck.recording.attestation import (
    SCHEMA_KEYS,
    SCHEMA_VERSION,
    AttestationState,
    assess_attestation,
)
from tests.recording.helpers import ATTESTATIONS, NOW, council_policy, fixture_text

SCRIPT = Path(__file__).resolve().parents[2] / "installer" / "intune" / \
    "export-teams-recording-policy.ps1"
# A hashtable key the script writes: 'name' = value
KEY = re.compile(r"^\s*'([A-Za-z_]+)'\s*=", re.MULTILINE)


def script() -> str:
    return SCRIPT.read_text(encoding="utf-8")


def test_script_writes_exactly_the_keys_the_parser_reads() -> None:
    written = set(KEY.findall(script()))
    expected = {k for keys in SCHEMA_KEYS.values() for k in keys}
    assert written == expected


def test_script_and_parser_agree_on_the_schema_version() -> None:
    m = re.search(r"^\$SchemaVersion\s*=\s*(\d+)\s*$", script(), re.MULTILINE)
    assert m is not None and int(m.group(1)) == SCHEMA_VERSION


def test_script_uses_the_microsoft_teams_cmdlets_and_stops_on_errors() -> None:
    text = script()
    for cmdlet in ("Import-Module MicrosoftTeams", "Connect-MicrosoftTeams",
                   "Get-CsUserPolicyAssignment", "Get-CsGroupPolicyAssignment",
                   "Get-CsTeamsMeetingPolicy", "Get-CsTeamsCallingPolicy",
                   "Get-CsTeamsComplianceRecordingPolicy",
                   "Get-CsTeamsComplianceRecordingApplication", "Get-CsTenant", "ConvertTo-Json"):
        assert cmdlet in text, cmdlet
    # A failed lookup must abort, not write an attestation with default (false) values.
    assert "$ErrorActionPreference = 'Stop'" in text
    # Booleans are cast so ConvertTo-Json writes true/false, which the parser insists on.
    for setting in ("AllowCloudRecording", "AllowTranscription", "AllowCloudRecordingForCalls",
                    "AllowTranscriptionForCalling"):
        assert re.search(rf"'{setting}'\s*=\s*\[bool\]", text), setting
    # exported_at in UTC with a Z, the only form of time the parser accepts unambiguously.
    assert "ToUniversalTime().ToString(\"yyyy-MM-dd'T'HH:mm:ss'Z'\")" in text


def test_sample_output_has_the_scripts_keys_and_passes_the_parser() -> None:
    text = fixture_text("fresh.json")
    doc = json.loads(text)
    assert set(doc) == set(SCHEMA_KEYS[""])
    for section, keys in SCHEMA_KEYS.items():
        if section:
            assert set(doc[section]) == set(keys), section
    assert assess_attestation(text, council_policy(), NOW).state is AttestationState.OK


def test_every_fixture_uses_only_schema_keys() -> None:
    for path in ATTESTATIONS.glob("*.json"):
        if path.name.startswith("malformed"):
            continue
        doc = json.loads(path.read_bytes().decode("utf-8-sig"))
        assert set(doc) == set(SCHEMA_KEYS[""]), path.name
