"""Where DeviceCheck keeps things, per OS, from platformdirs.

All user-writable state (audit log, Teams token, acknowledgements) lives in the user data
dir; the machine policy lives in the site config dir where only administrators can write.
Tests redirect everything through XDG_* variables (Linux) or by passing paths explicitly.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from devicecheck.osinfo import OsName, current_os

POLICY_FILE_NAME = "policy.toml"
ATTESTATION_FILE_NAME = "teams-recording-policy.json"
MACOS_BUNDLE_ID = "uk.gov.devicecheck"
REGISTRY_POLICY_KEY = r"SOFTWARE\Policies\DeviceCheck"


def _app_name(os_name: OsName | None = None) -> str:
    # Linux convention is a lower-case folder (/etc/xdg/devicecheck); Windows and macOS
    # show folder names to IT staff, so they get the product name.
    return "devicecheck" if (os_name or current_os()) == "linux" else "DeviceCheck"


def user_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(_app_name(), appauthor=False))


def user_log_dir() -> Path:
    return user_data_dir()


def audit_log_path() -> Path:
    return user_data_dir() / "audit.jsonl"


def teams_token_path() -> Path:
    return user_data_dir() / "teams-token"


def site_config_dirs(os_name: OsName | None = None) -> list[Path]:
    """Machine policy folders in order of preference (first existing file wins)."""
    os_name = os_name or current_os()
    if os_name == "windows":
        base = os.environ.get("ProgramData", r"C:\ProgramData")
        return [Path(base) / "DeviceCheck"]
    if os_name == "macos":
        return [Path("/Library/Application Support/DeviceCheck")]
    # XDG_CONFIG_DIRS is honoured as the spec says: the first folder holding a policy wins.
    dirs = platformdirs.site_config_dir(_app_name("linux"), appauthor=False, multipath=True)
    return [Path(p) for p in dirs.split(os.pathsep) if p]


def machine_policy_file(os_name: OsName | None = None) -> Path:
    """The machine policy file in force: the first that exists, else the first folder's."""
    dirs = site_config_dirs(os_name)
    for d in dirs:
        candidate = d / POLICY_FILE_NAME
        if candidate.exists():
            return candidate
    return dirs[0] / POLICY_FILE_NAME


def machine_policy_dir(os_name: OsName | None = None) -> Path:
    return machine_policy_file(os_name).parent


def managed_prefs_file() -> Path:
    return Path("/Library/Managed Preferences") / f"{MACOS_BUNDLE_ID}.plist"
