"""macOS probes and their pure parsers.

Everything here runs as the signed-in user (no sudo): ``profiles status``, ``fdesetup
status``, ``socketfilterfw --getglobalstate``, ``sysadminctl -screenLock status`` and
``pmset -g`` all answer without root; configuration-profile values are read from
``/Library/Managed Preferences`` (world-readable plists) under ``root``. Bare program
names are found in ``/usr/bin:/usr/sbin:/bin:/sbin`` only, never through PATH
(probes.runner), so a look-alike ``fdesetup`` in the officer's PATH answers nothing.
"""

from __future__ import annotations

import plistlib
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from devicecheck.probes import ParseError
from devicecheck.probes.commands import Runner, run_parsed

COMMAND_TIMEOUT_S = 3.0
SOCKETFILTERFW = "/usr/libexec/ApplicationFirewall/socketfilterfw"
MANAGED_PREFS = "Library/Managed Preferences"

# ---------------------------------------------------------------- parsers (pure)

_YES_NO = re.compile(r"^\s*(Yes|No)\b(.*)$", re.IGNORECASE)


def parse_profiles_status(text: str) -> dict[str, Any]:
    """``profiles status -type enrollment`` -> dep/mdm/user-approved flags and server."""
    out: dict[str, Any] = {"dep_enrolled": False, "mdm_enrolled": False,
                           "user_approved": False, "mdm_server": None}
    seen = False
    for raw in text.splitlines():
        key, sep, value = raw.strip().partition(":")
        if not sep:
            continue
        key_l = key.strip().lower()
        if key_l == "enrolled via dep":
            m = _YES_NO.match(value)
            if m:
                seen = True
                out["dep_enrolled"] = m.group(1).lower() == "yes"
        elif key_l == "mdm enrollment":
            m = _YES_NO.match(value)
            if m:
                seen = True
                out["mdm_enrolled"] = m.group(1).lower() == "yes"
                out["user_approved"] = out["mdm_enrolled"] and "user approved" in m.group(2).lower()
        elif key_l == "mdm server":
            server = value.strip()
            out["mdm_server"] = server or None
    if not seen:
        raise ParseError("no 'Enrolled via DEP' or 'MDM enrollment' line in profiles output")
    if not out["mdm_enrolled"]:
        out["user_approved"] = False
    return out


def mdm_host(server: str | None) -> str | None:
    """``https://mdm.example.gov.uk/mdm/ServerURL`` -> ``mdm.example.gov.uk``."""
    if not server:
        return None
    try:
        host = urlsplit(server if "://" in server else f"https://{server}").hostname
    except ValueError:
        return None
    return host.lower() if host else None


_FV_STATE = re.compile(r"FileVault is (On|Off)\b", re.IGNORECASE)
_FV_PROGRESS = re.compile(
    r"(Encryption|Decryption) in progress:?(?:.*?Percent completed\s*=\s*(\d+(?:\.\d+)?))?",
    re.IGNORECASE)
_FV_DEFERRED = re.compile(r"Deferred enablement appears to be active", re.IGNORECASE)


def parse_fdesetup_status(text: str) -> dict[str, Any]:
    """``fdesetup status`` -> ``{"enabled", "in_progress", "percent", "deferred"}``."""
    state = _FV_STATE.search(text)
    if not state:
        raise ParseError("no 'FileVault is On/Off' line in fdesetup output")
    progress = _FV_PROGRESS.search(text)
    in_progress = None
    percent = None
    if progress:
        in_progress = "encrypting" if progress.group(1).lower() == "encryption" else "decrypting"
        percent = float(progress.group(2)) if progress.group(2) else None
    return {"enabled": state.group(1).lower() == "on", "in_progress": in_progress,
            "percent": percent, "deferred": bool(_FV_DEFERRED.search(text))}


_FW_STATE = re.compile(r"\(\s*State\s*=\s*(\d+)\s*\)", re.IGNORECASE)


def parse_socketfilterfw(text: str) -> dict[str, Any]:
    """``socketfilterfw --getglobalstate`` -> ``{"enabled": bool, "state": int}``
    (0 off, 1 on, 2 on and blocking all incoming)."""
    m = _FW_STATE.search(text)
    if not m:
        raise ParseError("no '(State = N)' in socketfilterfw output")
    state = int(m.group(1))
    if state not in (0, 1, 2):
        raise ParseError(f"unknown firewall state {state}")
    if state and re.search(r"\bdisabled\b", text, re.IGNORECASE):
        raise ParseError("firewall output contradicts itself")
    return {"enabled": state in (1, 2), "state": state}


#: Shapes seen: "screenLock delay is immediate", "screenLock delay is 300 seconds",
#: "screenLock is off", and "screenLock delay is -1.000000 seconds", which is also off
#: (public macOS hardening scripts accept "-1(.000000) seconds" and "is off" as the two
#: disabled forms). Each line carries a "<date> sysadminctl[pid:tid]" prefix.
_LOCK_DELAY = re.compile(r"screenLock delay is (-?\d+(?:\.\d+)?|immediate)", re.IGNORECASE)
_LOCK_OFF = re.compile(r"screenLock is off", re.IGNORECASE)


def parse_sysadminctl_screenlock(text: str) -> dict[str, Any]:
    """``sysadminctl -screenLock status`` (printed on stderr) -> enabled and delay."""
    if _LOCK_OFF.search(text):
        return {"enabled": False, "delay_s": None}
    m = _LOCK_DELAY.search(text)
    if not m:
        raise ParseError("no screenLock state in sysadminctl output")
    if m.group(1).lower() == "immediate":
        return {"enabled": True, "delay_s": 0}
    delay = float(m.group(1))
    if delay < 0:
        return {"enabled": False, "delay_s": None}
    return {"enabled": True, "delay_s": int(delay)}


_DISPLAYSLEEP = re.compile(r"^\s*displaysleep\s+(\d+)", re.IGNORECASE | re.MULTILINE)


def parse_pmset_displaysleep(text: str) -> int | None:
    """Minutes before the display sleeps (0 = never), from ``pmset -g``."""
    m = _DISPLAYSLEEP.search(text)
    return int(m.group(1)) if m else None


_ASSERTION_HEADER = "listed by owning process:"
# "   pid 1438(MSTeams): [0x0000a1c300019b31] 00:12:38 NoDisplaySleepAssertion named: "…" "
_ASSERTION = re.compile(r"^\s*pid (\d+)\((.*?)\): \[0x[0-9a-fA-F]+\] [\d:]+ (\S+) "
                        r"named: \"(.*)\"\s*$")


def parse_pmset_assertions(text: str) -> list[dict[str, Any]]:
    """The power assertions held now, from ``pmset -g assertions``: ``{"pid", "process",
    "type", "name"}`` each, from the "Listed by owning process:" section (an assertion's
    own detail lines, such as "Created for PID" or "Timeout will fire", are skipped).
    No such section: ``ParseError`` (not pmset's assertions output)."""
    lines = text.replace("\r\n", "\n").split("\n")
    try:
        start = next(i for i, line in enumerate(lines)
                     if line.strip().lower() == _ASSERTION_HEADER)
    except StopIteration:
        raise ParseError("no 'Listed by owning process' section") from None
    found: list[dict[str, Any]] = []
    for line in lines[start + 1:]:
        if line and not line[0].isspace():
            break               # the next section ("Kernel Assertions:", ...)
        m = _ASSERTION.match(line)
        if m:
            found.append({"pid": int(m.group(1)), "process": m.group(2),
                          "type": m.group(3), "name": m.group(4)})
    return found


# ---------------------------------------------------------------- probes

def _run(runner: Runner, argv: list[str]) -> tuple[str | None, str | None]:
    res = runner.run(argv, timeout=COMMAND_TIMEOUT_S)
    if not res.ok:
        return None, res.describe()
    return res.stdout + res.stderr, None


def _load_plist(path: Path) -> dict[str, Any] | None:
    try:
        with path.open("rb") as fh:
            data = plistlib.load(fh)
    except (OSError, plistlib.InvalidFileException, ValueError):
        return None
    return data if isinstance(data, dict) else None


def managed_pref(root: Path, domain: str, user: str | None = None) -> dict[str, Any] | None:
    """A configuration profile's payload for ``domain``, or None when none is installed.

    Device-scoped profiles land in ``/Library/Managed Preferences/<domain>.plist``,
    user-scoped ones in ``/Library/Managed Preferences/<user>/<domain>.plist`` (osquery's
    ``managed_policies`` table reads the same two places: files at the top apply to every
    user, each folder to one user). Both are merged key by key, the user's over the
    machine's, as the preferences system resolves forced values for that user. The
    folder is root-owned: the officer cannot write it."""
    base = root / MANAGED_PREFS
    machine = _load_plist(base / f"{domain}.plist")
    mine = _load_plist(base / user / f"{domain}.plist") \
        if user and "/" not in user and user not in (".", "..") else None
    if machine is None and mine is None:
        return None
    return {**(machine or {}), **(mine or {})}


def enrolment(runner: Runner) -> dict[str, Any]:
    return run_parsed(runner, ["profiles", "status", "-type", "enrollment"], parse_profiles_status, timeout=COMMAND_TIMEOUT_S,
                      both_streams=True).fact("profiles")


def filevault(runner: Runner) -> dict[str, Any]:
    return run_parsed(runner, ["fdesetup", "status"], parse_fdesetup_status, timeout=COMMAND_TIMEOUT_S,
                      both_streams=True).fact("filevault")


def firewall(runner: Runner, root: Path, user: str | None = None) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    got = run_parsed(runner, [SOCKETFILTERFW, "--getglobalstate"], parse_socketfilterfw,
                     timeout=COMMAND_TIMEOUT_S, name="socketfilterfw", both_streams=True)
    if got.error is None:
        facts["socketfilterfw"] = got.value
    else:
        facts["socketfilterfw_error"] = got.error
    managed = managed_pref(root, "com.apple.security.firewall", user)
    if managed is not None and isinstance(managed.get("EnableFirewall"), bool):
        facts["managed_enable_firewall"] = managed["EnableFirewall"]
    return facts


def _positive_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def screen_lock(runner: Runner, root: Path, user: str | None = None, *,
                as_root: bool = False) -> dict[str, Any]:
    """Idle time before the screen saver / display sleep, and the lock delay after it.
    ``user`` picks the user-scoped managed preferences. ``as_root``: a run as root (an
    MDM script) would read root's own ``sysadminctl``/``defaults`` answers, which describe
    the wrong account, so only the profiles (and pmset, which is machine-wide) count."""
    facts: dict[str, Any] = {"signals": []}
    managed = managed_pref(root, "com.apple.screensaver", user) or {}
    if managed:
        facts["managed"] = {k: managed[k] for k in ("idleTime", "askForPassword",
                                                     "askForPasswordDelay") if k in managed}
    facts["managed_idle_s"] = _positive_int(managed.get("idleTime"))
    if as_root:
        facts["signals"].append("run as root: the user's own lock settings are not read, "
                                "only configuration profiles")
        text, _ = _run(runner, ["pmset", "-g"])
        if text is not None:
            facts["display_sleep_min"] = parse_pmset_displaysleep(text)
        return facts
    # sysadminctl prints its answer on stderr, so _run joins both streams.
    got = run_parsed(runner, ["sysadminctl", "-screenLock", "status"],
                     parse_sysadminctl_screenlock, timeout=COMMAND_TIMEOUT_S, both_streams=True)
    if got.error is None:
        facts["lock"] = got.value
    else:
        facts["signals"].append(got.error)  # names sysadminctl itself
    text, err = _run(runner, ["defaults", "-currentHost", "read", "com.apple.screensaver",
                              "idleTime"])
    if text is not None and text.strip().isdigit():
        facts["screensaver_idle_s"] = int(text.strip())
    text, err = _run(runner, ["pmset", "-g"])
    if text is not None:
        facts["display_sleep_min"] = parse_pmset_displaysleep(text)
    return facts


def product_version(runner: Runner) -> str | None:
    text, _ = _run(runner, ["sw_vers", "-productVersion"])
    version = (text or "").strip().splitlines()[:1]
    return version[0] if version and re.match(r"^\d+(\.\d+)*$", version[0]) else None
