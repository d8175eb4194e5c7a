"""Who is signed in at the console, for runs as SYSTEM (Intune) or root.

Screen lock, meeting data and recorders are per-user facts. Intune runs the discovery
script as SYSTEM; an MDM or a timer may run ``check`` as root. Run that way, our own
account (its HKCU, its profile, its processes) describes nobody, so per-user checks judge
the console user instead. Everything here comes from places only the OS or an
administrator can write: the console session (Windows WTS API, ``/dev/console``'s owner,
logind's seat), the account database and ``ProfileList``. Never from the environment or a
file in the officer's profile: nothing the officer can write decides the fleet verdict.

The readers are small and injectable; the Windows parts use ctypes and run on Windows only.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devicecheck.osinfo import OsName
from devicecheck.probes.registry import RegistryReader

SYSTEM_SID = "S-1-5-18"
PROFILE_LIST = r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList"


@dataclass(frozen=True)
class ConsoleUser:
    """The person at the console: their account name, profile folder and ids."""

    name: str
    home: Path
    uid: int | None = None    # POSIX
    sid: str | None = None    # Windows: their hive is HKEY_USERS\<sid>
    session: str | None = None  # logind session id / WTS session id, for evidence


# ---------------------------------------------------------------- pure parsers

def parse_logind_state(text: str) -> dict[str, str]:
    """logind's ``/run/systemd/seats/<seat>`` and ``/run/systemd/sessions/<id>`` files:
    ``KEY=value`` lines. sd-login's ``sd_seat_get_active()`` answers from ``ACTIVE`` and
    ``ACTIVE_UID`` in the seat file (systemd src/libsystemd/sd-login/sd-login.c)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key and not key.startswith("#"):
            out[key] = value
    return out


def expand_profile_path(raw: str, env_system_drive: str = "C:") -> str:
    """``ProfileImagePath`` is REG_EXPAND_SZ, usually ``C:\\Users\\name`` but sometimes
    ``%SystemDrive%\\Users\\name``; only that one variable is expanded (from the system,
    never from the user's environment)."""
    return raw.replace("%SystemDrive%", env_system_drive).replace("%SYSTEMDRIVE%", env_system_drive)


def windows_profile(registry: RegistryReader | None, sid: str) -> Path | None:
    """The user's profile folder from ``ProfileList\\<SID>`` (HKLM: administrators only)."""
    if registry is None:
        return None
    values = registry.values(f"{PROFILE_LIST}\\{sid}") or {}
    raw = values.get("ProfileImagePath")
    return Path(expand_profile_path(str(raw))) if raw else None


# ---------------------------------------------------------------- elevation

def running_as_service(os_name: OsName) -> bool:
    """Are we SYSTEM (Windows) or root (macOS, Linux)?"""
    if os_name == "windows":
        return _windows_token_sid() == SYSTEM_SID  # pragma: no cover - Windows only
    return hasattr(os, "geteuid") and os.geteuid() == 0


# ---------------------------------------------------------------- console user

def console_user(os_name: OsName, *, root: Path = Path("/"),
                 registry: RegistryReader | None = None) -> ConsoleUser | None:
    """The user signed in at the console now, or None when nobody is."""
    if os_name == "windows":
        return _windows_console_user(registry)  # pragma: no cover - Windows only
    if os_name == "macos":
        return macos_console_user(root)
    return linux_seated_user(root)


def _posix_user(uid: int) -> tuple[str, Path] | None:
    if sys.platform == "win32":  # pragma: no cover - no uids on Windows
        return None
    import pwd

    try:
        entry = pwd.getpwuid(uid)
    except KeyError:
        return None
    return entry.pw_name, Path(entry.pw_dir)


def macos_console_user(root: Path = Path("/")) -> ConsoleUser | None:
    """The owner of ``/dev/console`` is the user at the login window's console (the
    ``stat -f%Su /dev/console`` idiom of Mac admin scripts); root means nobody is signed
    in (the login window owns it)."""
    try:
        uid = (root / "dev/console").stat().st_uid
    except OSError:
        return None
    if uid == 0:
        return None
    found = _posix_user(uid)
    return ConsoleUser(found[0], found[1], uid=uid) if found else None


def linux_seated_user(root: Path = Path("/")) -> ConsoleUser | None:
    """The active session's user on ``seat0`` per logind (``ACTIVE_UID``); None on a
    headless machine or with nobody signed in at the seat."""
    try:
        seat = parse_logind_state((root / "run/systemd/seats/seat0").read_text(errors="replace"))
    except OSError:
        return None
    try:
        uid = int(seat.get("ACTIVE_UID", ""))
    except ValueError:
        return None
    if uid == 0:
        return None
    found = _posix_user(uid)
    return ConsoleUser(found[0], found[1], uid=uid, session=seat.get("ACTIVE") or None) \
        if found else None


# ---------------------------------------------------------------- Windows (ctypes)

def _windows_token_sid() -> str | None:  # pragma: no cover - Windows only
    """The string SID of this process's token user."""
    if sys.platform != "win32":
        return None
    import ctypes
    from ctypes import wintypes

    advapi32 = ctypes.WinDLL("advapi32", use_last_error=True)
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    token = wintypes.HANDLE()
    if not advapi32.OpenProcessToken(kernel32.GetCurrentProcess(), 0x0008, ctypes.byref(token)):
        return None
    try:
        size = wintypes.DWORD()
        advapi32.GetTokenInformation(token, 1, None, 0, ctypes.byref(size))  # TokenUser
        buf = ctypes.create_string_buffer(size.value)
        if not advapi32.GetTokenInformation(token, 1, buf, size, ctypes.byref(size)):
            return None
        psid = ctypes.cast(buf, ctypes.POINTER(ctypes.c_void_p))[0]
        return _sid_to_string(advapi32, psid)
    finally:
        kernel32.CloseHandle(token)


def _sid_to_string(advapi32: Any, psid: Any) -> str | None:  # pragma: no cover - Windows only
    if sys.platform != "win32":
        return None
    import ctypes

    out = ctypes.c_wchar_p()
    if not advapi32.ConvertSidToStringSidW(psid, ctypes.byref(out)):
        return None
    value = out.value
    ctypes.windll.kernel32.LocalFree(out)
    return value


def _windows_console_user(registry: RegistryReader | None) -> ConsoleUser | None:  # pragma: no cover
    """WTSGetActiveConsoleSessionId -> WTSQuerySessionInformation(WTSUserName,
    WTSDomainName) -> LookupAccountName -> SID -> ProfileList. 0xFFFFFFFF or an empty
    user name means nobody is at the console (learn.microsoft.com, wtsapi32)."""
    if sys.platform != "win32":
        return None
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    wtsapi32 = ctypes.WinDLL("wtsapi32", use_last_error=True)
    advapi32 = ctypes.WinDLL("advapi32", use_last_error=True)
    session = kernel32.WTSGetActiveConsoleSessionId()
    if session == 0xFFFFFFFF:
        return None

    def query(info_class: int) -> str:
        buf, size = wintypes.LPWSTR(), wintypes.DWORD()
        if not wtsapi32.WTSQuerySessionInformationW(None, session, info_class,
                                                    ctypes.byref(buf), ctypes.byref(size)):
            return ""
        try:
            return buf.value or ""
        finally:
            wtsapi32.WTSFreeMemory(buf)

    user, domain = query(5), query(7)  # WTSUserName, WTSDomainName
    if not user:
        return None
    account = f"{domain}\\{user}" if domain else user
    sid_buf, sid_size = ctypes.create_string_buffer(256), wintypes.DWORD(256)
    dom_buf, dom_size = ctypes.create_unicode_buffer(256), wintypes.DWORD(256)
    use = wintypes.DWORD()
    if not advapi32.LookupAccountNameW(None, account, sid_buf, ctypes.byref(sid_size),
                                       dom_buf, ctypes.byref(dom_size), ctypes.byref(use)):
        return None
    sid = _sid_to_string(advapi32, sid_buf)
    if not sid:
        return None
    home = windows_profile(registry, sid)
    if home is None:
        return None
    return ConsoleUser(account, home, sid=sid, session=str(session))
