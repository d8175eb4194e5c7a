"""A sample macOS configuration profile carrying DeviceCheck's managed preferences.

The payload's type is the app's preference domain, so macOS writes its keys (nested like
the TOML file) to /Library/Managed Preferences/<domain>.plist, which the app reads."""

from __future__ import annotations

import plistlib
import uuid
from typing import Any

from devicecheck.paths import MACOS_BUNDLE_ID

#: Fixed so the sample is reproducible; IT generates their own with `uuidgen`.
PROFILE_UUID = "6C1F7D2E-3B4A-4E8F-9D21-0A5B7C3E9F14"
PAYLOAD_UUID = "A2E9C4B1-7F3D-4C6A-8B05-1D9E2F7A4C38"

#: Example settings, one of each kind, all valid against the model.
SAMPLE: dict[str, dict[str, Any]] = {
    "organisation": {
        "name": "Example Borough Council",
        "tenant_ids": ["11111111-2222-3333-4444-555555555555"],
        "mdm_servers": ["mdm.example.gov.uk"],
        "it_contact": "the IT service desk on 020 7946 0000",
    },
    "severity": {"meeting-data": "advisory", "recorders": "required"},
    "screen_lock": {"max_idle_minutes": 5},
    "antivirus": {"endpoint_agent_processes": ["falcond"]},
    "notice": {"acknowledge": "daily", "checklist": [
        {"title": "I have asked the customer not to record the call",
         "say": "Before we start, please don't record this call. We don't record it either."},
    ]},
    "tray": {"installer_autostart": True},
}


def payload() -> dict[str, Any]:
    """The inner payload: what lands in /Library/Managed Preferences/<domain>.plist."""
    return {"PayloadType": MACOS_BUNDLE_ID, "PayloadVersion": 1,
            "PayloadIdentifier": f"{MACOS_BUNDLE_ID}.policy",
            "PayloadUUID": PAYLOAD_UUID, "PayloadDisplayName": "DeviceCheck policy",
            "PayloadEnabled": True, **SAMPLE}


def profile() -> dict[str, Any]:
    assert uuid.UUID(PROFILE_UUID) and uuid.UUID(PAYLOAD_UUID)
    return {"PayloadType": "Configuration", "PayloadVersion": 1,
            "PayloadIdentifier": f"{MACOS_BUNDLE_ID}.profile", "PayloadUUID": PROFILE_UUID,
            "PayloadDisplayName": "DeviceCheck (council policy)",
            "PayloadDescription": "Settings for DeviceCheck, the call-readiness check.",
            "PayloadOrganization": "Example Borough Council", "PayloadScope": "System",
            "PayloadRemovalDisallowed": True, "PayloadContent": [payload()]}


def render() -> str:
    return plistlib.dumps(profile(), sort_keys=False).decode("utf-8")
