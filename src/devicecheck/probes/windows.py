"""Windows probes and their pure parsers.

Probes take the command runner and the registry reader as parameters, so tests on Linux
drive them with fakes that return the fixtures. PowerShell is asked for JSON
(``ConvertTo-Json``) because its text output is localised; ``dsregcmd`` and
``manage-bde`` have no JSON mode and are parsed from text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from devicecheck.probes import ParseError
from devicecheck.probes.commands import Runner
from devicecheck.probes.registry import RegistryReader
from devicecheck.probes.runner import CommandResult

#: PowerShell starts slowly (about 1 s warm, more on a cold laptop), so its probes get a
#: longer timeout than native commands; the engine still runs them concurrently.
POWERSHELL_TIMEOUT_S = 8.0
COMMAND_TIMEOUT_S = 3.0

ENROLLMENTS_KEY = r"HKLM\SOFTWARE\Microsoft\Enrollments"
INTUNE_PROVIDERS = ("MS DM Server", "Microsoft Device Management")


# ---------------------------------------------------------------- parsers (pure)

_FRAME = re.compile(r"^\s*\+-{3,}\+?\s*$")
_TITLE = re.compile(r"^\s*\|\s*(.*?)\s*\|\s*$")


def _yes_no(value: str) -> bool | str:
    upper = value.strip().upper()
    if upper == "YES":
        return True
    if upper == "NO":
        return False
    return value.strip()


def parse_dsregcmd(text: str) -> dict[str, Any]:
    """``dsregcmd /status`` -> ``{"AzureAdJoined": True, "TenantId": "…", …}``.

    Keys are the names as printed; YES/NO become booleans. A key printed twice (per-account
    sections on personal devices) keeps its first value, which is the device-level one.
    """
    out: dict[str, Any] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or _FRAME.match(line) or _TITLE.match(line):
            continue
        key, sep, value = line.partition(" : ")
        if not sep:
            # "Key :" with an empty value ends in " :" and has no " : ".
            if line.endswith(" :"):
                key, value = line[:-2], ""
            else:
                continue
        key = key.strip()
        if not key or len(key) > 64:
            continue  # not a dsregcmd key
        out.setdefault(key, _yes_no(value))
    if not out:
        raise ParseError("no 'Key : Value' rows in dsregcmd output")
    return out


_VOLUME = re.compile(r"^\s*Volume\s+([A-Za-z]:)", re.IGNORECASE)
_PERCENT = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*%\s*$")


def parse_manage_bde(text: str) -> dict[str, dict[str, Any]]:
    """``manage-bde -status`` -> ``{"C:": {"Conversion Status": "Fully Encrypted",
    "Percentage Encrypted": 100.0, …}}``. Labels are kept as printed (they are localised)."""
    volumes: dict[str, dict[str, Any]] = {}
    current: dict[str, Any] | None = None
    for raw in text.splitlines():
        m = _VOLUME.match(raw)
        if m:
            current = volumes.setdefault(m.group(1).upper(), {})
            continue
        if current is None or ":" not in raw:
            continue
        label, _, value = raw.strip().partition(":")
        label, value = label.strip(), value.strip()
        if not label:
            continue
        pm = _PERCENT.match(value)
        current[label] = float(pm.group(1).replace(",", ".")) if pm else value
    if not volumes:
        raise ParseError("no 'Volume X:' section in manage-bde output")
    return volumes


def parse_ps_json(text: str) -> list[dict[str, Any]]:
    """PowerShell ``ConvertTo-Json`` output: one object or an array, always as a list."""
    try:
        data = json.loads(text.strip().lstrip("\ufeff"))
    except (ValueError, RecursionError) as exc:
        raise ParseError(f"not JSON: {exc}") from exc
    items = data if isinstance(data, list) else [data]
    if not items or not all(isinstance(i, dict) for i in items):
        raise ParseError("expected a JSON object or a list of objects")
    return items


def ps_bool(value: Any) -> bool | None:
    """PowerShell booleans arrive as true/false, 1/0 (GpoBoolean enums) or "True"/"False";
    anything else (2 = NotConfigured, null) is not an answer."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return {1: True, 0: False}.get(value)
    if isinstance(value, str):
        return {"true": True, "false": False}.get(value.strip().lower())
    return None


def decode_product_state(state: int) -> dict[str, bool]:
    """Security Center ``productState``: byte 2 0x10 = real-time protection on, byte 1
    0x10 = signatures out of date (the widely documented layout)."""
    return {"enabled": (state >> 12) & 0xF == 1, "up_to_date": (state >> 4) & 0xF == 0}


# ---------------------------------------------------------------- probes

def powershell(runner: Runner, script: str) -> CommandResult:
    return runner.run(["powershell.exe", "-NoProfile", "-NonInteractive", "-Command", script],
                      timeout=POWERSHELL_TIMEOUT_S)


def _ps_items(res: CommandResult) -> tuple[list[dict[str, Any]] | None, str | None]:
    if not res.ok:
        return None, res.describe()
    try:
        return parse_ps_json(res.stdout), None
    except ParseError as exc:
        return None, f"{res.argv[0]} output unreadable: {exc}"


def dsregcmd_status(runner: Runner) -> dict[str, Any]:
    res = runner.run(["dsregcmd", "/status"], timeout=COMMAND_TIMEOUT_S)
    if not res.ok:
        return {"error": res.describe()}
    try:
        return {"values": parse_dsregcmd(res.stdout)}
    except ParseError as exc:
        return {"error": f"dsregcmd output unreadable: {exc}"}


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def mdm_enrolments(registry: RegistryReader | None) -> dict[str, Any]:
    """Intune enrolments under ``HKLM\\SOFTWARE\\Microsoft\\Enrollments\\<GUID>``. Other
    providers' subkeys (about 30 internal ones) are skipped. No UPN: it is personal data."""
    if registry is None:
        return {"error": "the registry is not available"}
    found: list[dict[str, Any]] = []
    for sub in registry.subkeys(ENROLLMENTS_KEY):
        values = registry.values(f"{ENROLLMENTS_KEY}\\{sub}") or {}
        if values.get("ProviderID") not in INTUNE_PROVIDERS:
            continue
        found.append({"provider": values.get("ProviderID"),
                      "state": _int(values.get("EnrollmentState")),
                      "tenant_id": str(values.get("AADTenantID") or "") or None})
    return {"enrolments": found}


BITLOCKER_SCRIPT = r"""
$out = [ordered]@{ DriveLetter = $env:SystemDrive; cim = $null; cim_error = $null; shell = $null }
try {
  $v = Get-CimInstance -Namespace 'root\CIMV2\Security\MicrosoftVolumeEncryption' `
       -ClassName Win32_EncryptableVolume -Filter "DriveLetter='$($env:SystemDrive)'" -ErrorAction Stop
  $p = Invoke-CimMethod -InputObject $v -MethodName GetProtectionStatus -ErrorAction Stop
  $c = Invoke-CimMethod -InputObject $v -MethodName GetConversionStatus -ErrorAction Stop
  $out.cim = [ordered]@{ ProtectionStatus = $p.ProtectionStatus;
    ConversionStatus = $c.ConversionStatus; EncryptionPercentage = $c.EncryptionPercentage }
} catch { $out.cim_error = $_.Exception.Message }
try {
  $out.shell = (New-Object -ComObject Shell.Application).NameSpace($env:SystemDrive + '\').Self.ExtendedProperty('System.Volume.BitLockerProtection')
} catch { }
[pscustomobject]$out | ConvertTo-Json -Compress
"""

#: ``System.Volume.BitLockerProtection`` (readable without admin): 1 on, 2 off,
#: 3 encrypting, 4 decrypting, 5 suspended, 6 on and locked.
SHELL_BITLOCKER = {1: "on", 2: "off", 3: "encrypting", 4: "decrypting", 5: "suspended", 6: "on"}
#: Win32_EncryptableVolume.GetConversionStatus.
CONVERSION = {0: "decrypted", 1: "encrypted", 2: "encrypting", 3: "decrypting",
              4: "encryption-paused", 5: "decryption-paused"}


def bitlocker_status(runner: Runner) -> dict[str, Any]:
    """System volume's BitLocker state: WMI first (protection and conversion, needs admin),
    the shell property next (works unelevated), ``manage-bde`` last."""
    facts: dict[str, Any] = {"signals": []}
    items, err = _ps_items(powershell(runner, BITLOCKER_SCRIPT))
    if items:
        data = items[0]
        drive = str(data.get("DriveLetter") or "C:")
        facts["volume"] = drive
        cim = data.get("cim")
        if isinstance(cim, dict) and _int(cim.get("ProtectionStatus")) is not None:
            facts.update(source="wmi", protection_on=_int(cim.get("ProtectionStatus")) == 1,
                         conversion=CONVERSION.get(_int(cim.get("ConversionStatus")) or -1, "unknown"),
                         percent=cim.get("EncryptionPercentage"))
            return facts
        if data.get("cim_error"):
            facts["signals"].append("WMI Win32_EncryptableVolume unreadable (needs administrator)")
        shell = _int(data.get("shell"))
        if shell in SHELL_BITLOCKER:
            facts.update(source="shell", shell_state=SHELL_BITLOCKER[shell])
            return facts
    elif err:
        facts["signals"].append(f"PowerShell: {err}")
    res = runner.run(["manage-bde", "-status", facts.get("volume", "C:")], timeout=COMMAND_TIMEOUT_S)
    if not res.ok:
        facts["error"] = f"BitLocker state unreadable: {res.describe()}"
        return facts
    try:
        volumes = parse_manage_bde(res.stdout)
    except ParseError as exc:
        facts["error"] = f"manage-bde output unreadable: {exc}"
        return facts
    vol = volumes.get(str(facts.get("volume", "C:")).upper()) or next(iter(volumes.values()))
    facts.update(source="manage-bde", manage_bde=vol)
    return facts


FIREWALL_SCRIPT = "Get-NetFirewallProfile | Select-Object Name, Enabled | ConvertTo-Json -Compress"


def firewall_profiles(runner: Runner) -> dict[str, Any]:
    items, err = _ps_items(powershell(runner, FIREWALL_SCRIPT))
    if items is None:
        return {"error": err}
    return {"profiles": {str(i.get("Name")): ps_bool(i.get("Enabled")) for i in items}}


DEFENDER_SCRIPT = r"""
$out = [ordered]@{ defender = $null; defender_error = $null; products = @() }
try {
  $out.defender = Get-MpComputerStatus -ErrorAction Stop | Select-Object AMServiceEnabled, `
    AntivirusEnabled, RealTimeProtectionEnabled, AntivirusSignatureAge, IsTamperProtected
} catch { $out.defender_error = $_.Exception.Message }
try {
  $out.products = @(Get-CimInstance -Namespace root\SecurityCenter2 -ClassName AntiVirusProduct `
    -ErrorAction Stop | Select-Object displayName, productState)
} catch { }
[pscustomobject]$out | ConvertTo-Json -Compress -Depth 4
"""


def antivirus_status(runner: Runner) -> dict[str, Any]:
    items, err = _ps_items(powershell(runner, DEFENDER_SCRIPT))
    if items is None:
        return {"error": err}
    data = items[0]
    facts: dict[str, Any] = {"products": []}
    d = data.get("defender")
    if isinstance(d, dict):
        facts["defender"] = {
            "antivirus_enabled": ps_bool(d.get("AntivirusEnabled")),
            "real_time": ps_bool(d.get("RealTimeProtectionEnabled")),
            "signature_age_days": _int(d.get("AntivirusSignatureAge")),
            "tamper_protected": ps_bool(d.get("IsTamperProtected")),
        }
    elif data.get("defender_error"):
        facts["defender_error"] = str(data["defender_error"])[:200]
    products = data.get("products") or []
    for p in products if isinstance(products, list) else [products]:
        state = _int(p.get("productState")) if isinstance(p, dict) else None
        if state is None:
            continue
        facts["products"].append({"name": str(p.get("displayName") or "?"), "state": state,
                                  **decode_product_state(state)})
    return facts


SCREEN_LOCK_KEYS = {
    "machine_policy": r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System",
    "user_policy": r"HKCU\Software\Policies\Microsoft\Windows\Control Panel\Desktop",
    "user": r"HKCU\Control Panel\Desktop",
}


#: A screen saver runs only when one is chosen (SCRNSAVE.EXE), whatever the other values say.
SAVER_VALUES = ("ScreenSaveActive", "ScreenSaverIsSecure", "ScreenSaveTimeOut", "SCRNSAVE.EXE")


def screen_lock_values(registry: RegistryReader | None) -> dict[str, Any]:
    """The values that make Windows lock when idle: the machine inactivity limit and the
    screen saver (policy first, then the user's own setting)."""
    if registry is None:
        return {"error": "the registry is not available"}
    out: dict[str, Any] = {}
    wanted = {"machine_policy": ("InactivityTimeoutSecs",),
              "user_policy": SAVER_VALUES, "user": SAVER_VALUES}
    for scope, key in SCREEN_LOCK_KEYS.items():
        values: Mapping[str, Any] = registry.values(key) or {}
        out[scope] = {name: values[name] for name in wanted[scope] if name in values}
    return out


WINDOWS_VERSION_KEY = r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion"


def windows_version(registry: RegistryReader | None) -> dict[str, Any]:
    """Build, update revision and display version (``23H2``) from the registry."""
    values = registry.values(WINDOWS_VERSION_KEY) if registry is not None else None
    if not values:
        return {}
    return {"build": _int(values.get("CurrentBuildNumber") or values.get("CurrentBuild")),
            "ubr": _int(values.get("UBR")),
            "display_version": values.get("DisplayVersion") or values.get("ReleaseId"),
            "product": values.get("ProductName")}
