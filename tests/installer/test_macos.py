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


# -- issue 27: the launchers beside DeviceCheck.app in /Applications -----------------------
def test_launchers_open_the_report_and_before_your_call(tmp_path: Path) -> None:
    """``build.py mac-launchers`` makes two small apps for the pkg root's Applications
    folder: each asks LaunchServices for DeviceCheck.app (by bundle id, a new instance)
    with its command, which hands it to the running menu-bar app or opens the window."""
    import shlex
    import sys

    from buildlib.maclaunch import APP_BUNDLE_ID, LAUNCHERS

    apps = tmp_path / "pkgroot" / "Applications"
    proc = subprocess.run([sys.executable, str(INSTALLER / "build.py"), "mac-launchers",
                           str(apps), "--version", "0.1.0.3"], capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert APP_BUNDLE_ID == MACOS_BUNDLE_ID   # the app the spec builds
    assert sorted(p.name for p in apps.iterdir()) == sorted(
        ["DeviceCheck \u2014 report.app", "DeviceCheck \u2014 before your call.app"])
    ids = set()
    for command, name in LAUNCHERS.items():
        contents = apps / f"{name}.app" / "Contents"
        info = plistlib.loads((contents / "Info.plist").read_bytes())
        assert info["CFBundleName"] == name and info["CFBundlePackageType"] == "APPL"
        assert info["LSUIElement"] is True
        assert info["CFBundleShortVersionString"] == "0.1.0"   # at most three parts
        ids.add(info["CFBundleIdentifier"])
        script = contents / "MacOS" / info["CFBundleExecutable"]
        assert script.stat().st_mode & 0o777 == 0o755
        subprocess.run(["sh", "-n", str(script)], check=True, timeout=30)
        text = script.read_text(encoding="utf-8")
        assert text.startswith("#!/bin/sh\n")
        (exec_line,) = [line for line in text.splitlines() if line.startswith("exec ")]
        assert shlex.split(exec_line)[1:] == ["/usr/bin/open", "-n", "-b", MACOS_BUNDLE_ID,
                                              "--args", command]
        # Nothing in the bundle is writable by others (launchd/Gatekeeper and our rule).
        for path in (apps / f"{name}.app").rglob("*"):
            assert not path.stat().st_mode & 0o022, path
    # Their own identifiers: never DeviceCheck.app's, or LaunchServices would confuse them.
    assert len(ids) == 2 and MACOS_BUNDLE_ID not in ids


def test_documented_mac_build_puts_the_launchers_in_applications() -> None:
    """The IT guide's build block makes the launchers in the pkg root and signs them with
    the app, so the notarised pkg installs them into /Applications."""
    text = (INSTALLER.parent / "docs" / "it-deployment.md").read_text(encoding="utf-8")
    assert "installer/build.py mac-launchers build/pkgroot/Applications" in text
    assert 'codesign --force --options runtime --sign "Developer ID Application' in text
    assert "DeviceCheck \u2014 report" in text and "DeviceCheck \u2014 before your call" in text
