"""macOS: the LaunchAgent, the pkg postinstall and the sample configuration profile."""

from __future__ import annotations

import plistlib
import subprocess
from pathlib import Path

from buildlib import mobileconfig

from devicecheck.paths import MACOS_BUNDLE_ID
from devicecheck.policy.schema import LEAVES
from devicecheck.policy.sources import managed_prefs_layer

from .conftest import INSTALLER

MACOS = INSTALLER / "macos"
PROFILE = MACOS / "devicecheck-sample.mobileconfig"


def test_launch_agent_starts_the_app_at_login() -> None:
    agent = MACOS / f"{MACOS_BUNDLE_ID}.plist"
    data = plistlib.loads(agent.read_bytes())
    assert data["Label"] == MACOS_BUNDLE_ID
    assert data["ProgramArguments"] == ["/Applications/DeviceCheck.app/Contents/MacOS/devicecheck"]
    assert data["RunAtLoad"] is True
    assert data["LimitLoadToSessionType"] == "Aqua"


def test_postinstall_is_valid_sh_and_loads_the_agent() -> None:
    script = MACOS / "scripts" / "postinstall"
    assert script.stat().st_mode & 0o111
    subprocess.run(["sh", "-n", str(script)], check=True, timeout=30)
    text = script.read_text()
    assert f'label="{MACOS_BUNDLE_ID}"' in text
    assert "launchctl bootstrap" in text and "chown root:wheel" in text


def test_sample_profile_is_a_valid_configuration_profile() -> None:
    data = plistlib.loads(PROFILE.read_bytes())
    assert data["PayloadType"] == "Configuration" and data["PayloadScope"] == "System"
    (payload,) = data["PayloadContent"]
    assert payload["PayloadType"] == MACOS_BUNDLE_ID
    for d in (data, payload):
        for key in ("PayloadIdentifier", "PayloadUUID", "PayloadVersion", "PayloadDisplayName"):
            assert key in d
    assert data["PayloadUUID"] != payload["PayloadUUID"]


def test_profile_payload_loads_through_the_managed_prefs_reader(tmp_path: Path) -> None:
    """What macOS writes to /Library/Managed Preferences is the payload dict: the app's
    reader takes it without a single error and sees every sample value."""
    (payload,) = plistlib.loads(PROFILE.read_bytes())["PayloadContent"]
    managed = tmp_path / f"{MACOS_BUNDLE_ID}.plist"
    managed.write_bytes(plistlib.dumps(payload))
    layer = managed_prefs_layer(managed)
    assert layer is not None
    assert layer.errors == []
    expected = {f"{s}.{k}" for s, table in mobileconfig.SAMPLE.items() for k in table}
    assert set(layer.values) == expected
    assert expected <= set(LEAVES)
    assert layer.values["organisation.name"] == "Example Borough Council"


def test_committed_profile_matches_generator() -> None:
    assert PROFILE.read_text(encoding="utf-8") == mobileconfig.render()
