"""Where DeviceCheck keeps things, per OS.

All user-writable state (audit log, Teams token, acknowledgements) lives in the user data
dir, from platformdirs. The machine policy and the recording attestation live in ONE fixed
system folder per OS that only administrators can write, and nothing the officer controls
can move it: not ``XDG_CONFIG_DIRS`` (issue 17: ``XDG_CONFIG_DIRS=~/x devicecheck check``
let an officer issue their own READY), not ``%ProgramData%`` (an environment variable the
officer sets), not platformdirs' ``WIN_PD_OVERRIDE_*`` variables.

Tests redirect the system folder by monkeypatching ``SYSTEM_CONFIG_DIR_OVERRIDE`` (and
``TRUSTED_OWNER_UIDS``, so a test file owned by a non-root developer counts as IT's):
module attributes, never an environment variable, so no officer can reach them.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs

from devicecheck.osinfo import OsName, current_os

POLICY_FILE_NAME = "policy.toml"
ATTESTATION_FILE_NAME = "teams-recording-policy.json"
ATTESTATION_SIGNATURE_NAME = ATTESTATION_FILE_NAME + ".sig"
MACOS_BUNDLE_ID = "uk.gov.devicecheck"
REGISTRY_POLICY_KEY = r"SOFTWARE\Policies\DeviceCheck"

LINUX_SYSTEM_CONFIG_DIR = Path("/etc/xdg/devicecheck")
MACOS_SYSTEM_CONFIG_DIR = Path("/Library/Application Support/DeviceCheck")
MACOS_MANAGED_PREFS_DIR = Path("/Library/Managed Preferences")
#: FOLDERID_ProgramData (KNOWNFOLDERID, Microsoft Learn "KNOWNFOLDERID"): read through
#: SHGetKnownFolderPath, not the ProgramData environment variable.
_FOLDERID_PROGRAM_DATA = "62AB5D82-FDC1-4DC3-A9DD-070D1D495D97"
_WINDOWS_PROGRAM_DATA_FALLBACK = Path(r"C:\ProgramData")

#: Tests only (monkeypatched): the system folder to use instead of the real one.
SYSTEM_CONFIG_DIR_OVERRIDE: Path | None = None
#: Owners whose machine policy files are trusted (POSIX uids). Root only; tests add their own.
TRUSTED_OWNER_UIDS: frozenset[int] = frozenset({0})


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


def _windows_program_data() -> Path:
    """ProgramData from the shell (SHGetKnownFolderPath), never from the environment."""
    try:
        import ctypes
        import uuid

        windll = getattr(ctypes, "windll")  # noqa: B009 - Windows-only attribute
        guid = (ctypes.c_ubyte * 16).from_buffer_copy(uuid.UUID(_FOLDERID_PROGRAM_DATA).bytes_le)
        out = ctypes.c_wchar_p()
        hr = windll.shell32.SHGetKnownFolderPath(ctypes.byref(guid), 0, None, ctypes.byref(out))
        try:
            if hr == 0 and out.value:
                return Path(out.value)
        finally:
            windll.ole32.CoTaskMemFree(out)
    except (AttributeError, ImportError, OSError, ValueError):
        pass
    return _WINDOWS_PROGRAM_DATA_FALLBACK


def system_config_dir(os_name: OsName | None = None) -> Path:
    """The one machine folder for policy and attestation (see the module docstring)."""
    if SYSTEM_CONFIG_DIR_OVERRIDE is not None:
        return SYSTEM_CONFIG_DIR_OVERRIDE
    os_name = os_name or current_os()
    if os_name == "windows":
        return _windows_program_data() / "DeviceCheck"
    if os_name == "macos":
        return MACOS_SYSTEM_CONFIG_DIR
    return LINUX_SYSTEM_CONFIG_DIR


def site_config_dirs(os_name: OsName | None = None) -> list[Path]:
    """Machine policy folders: exactly one now (kept a list for older callers)."""
    return [system_config_dir(os_name)]


def machine_policy_file(os_name: OsName | None = None) -> Path:
    return system_config_dir(os_name) / POLICY_FILE_NAME


def machine_policy_dir(os_name: OsName | None = None) -> Path:
    return system_config_dir(os_name)


def attestation_file(os_name: OsName | None = None) -> Path:
    return system_config_dir(os_name) / ATTESTATION_FILE_NAME


def managed_prefs_file() -> Path:
    return MACOS_MANAGED_PREFS_DIR / f"{MACOS_BUNDLE_ID}.plist"
