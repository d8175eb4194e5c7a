"""Windows probes and their pure parsers.

Probes take the command runner and the registry reader as parameters, so tests on Linux
drive them with fakes that return the fixtures. A full check run starts at most two
processes: one PowerShell (``FACTS_SCRIPT``: firewall, BitLocker, Defender, one JSON
document) and ``dsregcmd``; everything else is read in-process from the registry.
PowerShell is asked for JSON (``ConvertTo-Json``) because its text output is localised;
``dsregcmd`` and ``manage-bde`` have no JSON mode and are parsed from text. Both programs
come from the system folder (``GetSystemDirectoryW``: System32 and its PowerShell and wbem
folders), never through the user's PATH, and PowerShell loads modules from its own folder
(probes.runner).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from devicecheck.probes import ParseError
from devicecheck.probes.commands import Runner, run_parsed
from devicecheck.probes.registry import RegistryReader
from devicecheck.probes.runner import CommandResult

#: PowerShell starts slowly (about 1 s warm, more on a cold laptop) and the one script
#: does the work of three, so it gets the longest timeout; dsregcmd on a cold laptop
#: (device-state refresh) also needs well over the 3 s native commands get.
POWERSHELL_TIMEOUT_S = 10.0
DSREGCMD_TIMEOUT_S = 10.0
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


_VOLUME = re.compile(r"^\s*Volume\s+\"?([A-Za-z]:)", re.IGNORECASE)
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


def dsregcmd_status(runner: Runner) -> dict[str, Any]:
    return run_parsed(runner, ["dsregcmd", "/status"], parse_dsregcmd,
                      timeout=DSREGCMD_TIMEOUT_S).fact("values")


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


# -- the one PowerShell run ------------------------------------------------------------
#
# Starting powershell.exe costs 0.3-2 s on a cold, scanned laptop, so every fact that
# needs PowerShell (firewall, BitLocker, Defender) comes from ONE script per check run,
# which prints ONE JSON document. Each section catches its own errors, so one failing
# cmdlet never hides the others. The checks share the result through Context.memo.
# manage-bde runs inside the script (a native tool, no second PowerShell) and only when
# WMI could not answer. The JSON is made pure ASCII (\uXXXX escapes) at the end because
# PowerShell writes stdout in the console's OEM code page, which would garble a German
# "verschlüsselt" on its way to us.
FACTS_MARKER = "devicecheck-windows-facts"
FACTS_SCRIPT = r"""
# devicecheck-windows-facts v1
$out = [ordered]@{ schema = 1 }
$fw = [ordered]@{ active = $null; active_error = $null; local = $null }
try {
  # ActiveStore = what is enforced (local settings merged with GPO / Intune policy).
  $fw.active = @(Get-NetFirewallProfile -PolicyStore ActiveStore -ErrorAction Stop | Select-Object Name, Enabled)
} catch { $fw.active_error = $_.Exception.Message }
try { $fw.local = @(Get-NetFirewallProfile -ErrorAction Stop | Select-Object Name, Enabled) } catch { }
$out.firewall = $fw
$bl = [ordered]@{ DriveLetter = $env:SystemDrive; cim = $null; cim_error = $null; bde = $null; shell = $null }
try {
  $v = Get-CimInstance -Namespace 'root\CIMV2\Security\MicrosoftVolumeEncryption' `
       -ClassName Win32_EncryptableVolume -Filter "DriveLetter='$($env:SystemDrive)'" -ErrorAction Stop
  $p = Invoke-CimMethod -InputObject $v -MethodName GetProtectionStatus -ErrorAction Stop
  $c = Invoke-CimMethod -InputObject $v -MethodName GetConversionStatus -ErrorAction Stop
  $bl.cim = [ordered]@{ ProtectionStatus = $p.ProtectionStatus;
    ConversionStatus = $c.ConversionStatus; EncryptionPercentage = $c.EncryptionPercentage }
} catch { $bl.cim_error = $_.Exception.Message }
if ($null -eq $bl.cim -or $bl.cim.ProtectionStatus -eq 2) {
  try {
    $text = (& manage-bde.exe -status $env:SystemDrive -protectionaserrorlevel) | Out-String
    $bl.bde = [ordered]@{ exit = $LASTEXITCODE; text = $text }
  } catch { $bl.bde = [ordered]@{ exit = $null; text = ''; error = $_.Exception.Message } }
}
try {
  $bl.shell = (New-Object -ComObject Shell.Application).NameSpace($env:SystemDrive + '\').Self.ExtendedProperty('System.Volume.BitLockerProtection')
} catch { }
$out.bitlocker = $bl
$av = [ordered]@{ defender = $null; defender_error = $null; products = @() }
try {
  $av.defender = Get-MpComputerStatus -ErrorAction Stop | Select-Object AMServiceEnabled, `
    AntivirusEnabled, RealTimeProtectionEnabled, AntivirusSignatureAge, IsTamperProtected
} catch { $av.defender_error = $_.Exception.Message }
try {
  $av.products = @(Get-CimInstance -Namespace root\SecurityCenter2 -ClassName AntiVirusProduct `
    -ErrorAction Stop | Select-Object displayName, productState)
} catch { }
$out.defender = $av
$json = [pscustomobject]$out | ConvertTo-Json -Compress -Depth 5
[regex]::Replace($json, '[^\x00-\x7F]', { param($m) '\u{0:x4}' -f [int][char]$m.Value })
"""


def powershell_facts(runner: Runner) -> dict[str, Any]:
    """Run FACTS_SCRIPT once: ``{"firewall": …, "bitlocker": …, "defender": …}``, or
    ``{"error": reason}`` when PowerShell did not answer with the document."""
    res = powershell(runner, FACTS_SCRIPT)
    if not res.ok:
        return {"error": res.describe()}
    try:
        (doc,) = parse_ps_json(res.stdout)[:1]
    except (ParseError, ValueError) as exc:
        return {"error": f"{res.argv[0]} output unreadable: {exc}"}
    if not any(isinstance(doc.get(k), dict) for k in ("firewall", "bitlocker", "defender")):
        return {"error": "PowerShell answered without the expected sections"}
    return doc


def _section(facts: Mapping[str, Any], name: str) -> tuple[dict[str, Any] | None, str | None]:
    if facts.get("error"):
        return None, f"PowerShell: {facts['error']}"
    section = facts.get(name)
    if not isinstance(section, dict):
        return None, f"PowerShell gave no {name} section"
    return section, None


#: ``System.Volume.BitLockerProtection`` (readable without admin) is undocumented; the
#: public code that reads it treats 1, 3 and 5 as protected and every other value as not
#: (seknox/trasa workstation/hygiene/bitlocker-status/Program.cs, Rectify11/Installer
#: BitlockerHelper.cs). We follow them: 1/3/5 on, 2 off, anything else is no answer.
SHELL_PROTECTED = frozenset({1, 3, 5})
SHELL_OFF = frozenset({2})
#: Win32_EncryptableVolume.GetConversionStatus (learn.microsoft.com, secprov/
#: getconversionstatus-win32-encryptablevolume).
CONVERSION = {0: "decrypted", 1: "encrypted", 2: "encrypting", 3: "decrypting",
              4: "encryption-paused", 5: "decryption-paused"}


def bitlocker_status(facts: Mapping[str, Any]) -> dict[str, Any]:
    """System volume's BitLocker state from the PowerShell document, language-independent
    sources first:

    1. WMI ``Win32_EncryptableVolume.GetProtectionStatus()`` (needs admin, so it answers
       when Intune runs us as SYSTEM): 0 off, 1 on, 2 unknown (learn.microsoft.com,
       secprov/getprotectionstatus-win32-encryptablevolume).
    2. ``manage-bde -status C: -protectionaserrorlevel``: exit code 0 = protected,
       1 = unprotected (learn.microsoft.com, windows-commands/manage-bde-status); its
       localised text only adds detail (conversion, percentage) where we know the labels.
    3. The shell property ``System.Volume.BitLockerProtection`` (works unelevated).
    4. manage-bde's text alone (English labels), when its exit code said nothing.
    """
    out: dict[str, Any] = {"signals": []}
    data, err = _section(facts, "bitlocker")
    if data is None:
        return {**out, "error": err}
    drive = str(data.get("DriveLetter") or "C:").upper()
    out["volume"] = drive
    cim = data.get("cim")
    protection = _int(cim.get("ProtectionStatus")) if isinstance(cim, dict) else None
    if isinstance(cim, dict) and protection in (0, 1):
        out.update(source="wmi", protection_on=protection == 1,
                   conversion=CONVERSION.get(_int(cim.get("ConversionStatus")) or -1, "unknown"),
                   percent=cim.get("EncryptionPercentage"))
        return out
    if protection == 2:
        out["signals"].append("WMI: protection status unknown (volume locked?)")
    elif data.get("cim_error"):
        out["signals"].append("WMI Win32_EncryptableVolume unreadable (needs administrator)")
    raw_bde = data.get("bde")
    bde: dict[str, Any] = raw_bde if isinstance(raw_bde, dict) else {}
    volume: dict[str, Any] | None = None
    text = str(bde.get("text") or "")
    if text.strip():
        try:
            volumes = parse_manage_bde(text)
            volume = volumes.get(drive) or next(iter(volumes.values()))
        except ParseError as exc:
            out["signals"].append(f"manage-bde text unreadable: {exc}")
    exit_code = _int(bde.get("exit"))
    if volume is not None and exit_code in (0, 1):
        out.update(source="manage-bde", protection_on=exit_code == 0, manage_bde=volume,
                   percent=bde_percent(volume))
        return out
    if bde:
        out["signals"].append("manage-bde: no answer" + (f" (exit code {exit_code})"
                                                         if exit_code is not None else ""))
    shell = _int(data.get("shell"))
    if shell in SHELL_PROTECTED or shell in SHELL_OFF:
        out.update(source="shell", shell_state="on" if shell in SHELL_PROTECTED else "off",
                   shell_value=shell)
        return out
    if shell is not None:
        out["signals"].append(f"shell BitLockerProtection value {shell} is not known")
    if volume is not None:
        out.update(source="manage-bde-text", manage_bde=volume, percent=bde_percent(volume))
        return out
    return {**out, "error": "no BitLocker source answered (WMI and manage-bde need "
            "administrator rights)"}


def bde_percent(volume: Mapping[str, Any]) -> float | None:
    """The encrypted percentage whatever the label's language: the only value manage-bde
    prints as a bare ``NN.N%`` (``parse_manage_bde`` turned it into a float)."""
    numbers = [v for v in volume.values() if isinstance(v, float)]
    return numbers[0] if len(numbers) == 1 else None


def _profiles(items: Any) -> dict[str, bool | None] | None:
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list) or not items:
        return None
    return {str(i.get("Name")): ps_bool(i.get("Enabled")) for i in items if isinstance(i, dict)}


def firewall_profiles(facts: Mapping[str, Any]) -> dict[str, Any]:
    """Per-profile state from the ActiveStore: "To view enforced settings, view the
    firewall settings from the ActiveStore policy store source" (learn.microsoft.com,
    Get-NetFirewallSetting; Get-NetFirewallProfile takes the same ``-PolicyStore``).
    Without it the cmdlet reads the local (persistent) store, which Group Policy or
    Intune may override. The local store is kept as evidence of what policy changed."""
    data, err = _section(facts, "firewall")
    if data is None:
        return {"error": err}
    active, local = _profiles(data.get("active")), _profiles(data.get("local"))
    if active is None:
        reason = str(data.get("active_error") or "no profiles in the active store")[:200]
        return {"error": f"the enforced (active store) firewall state is unreadable: {reason}",
                **({"local_profiles": local} if local else {})}
    out: dict[str, Any] = {"profiles": active, "store": "ActiveStore"}
    if local:
        out["local_profiles"] = local
        changed = sorted(p for p in active if p in local and local[p] != active[p])
        if changed:
            out["overridden_by_policy"] = changed
    return out


def antivirus_status(facts: Mapping[str, Any]) -> dict[str, Any]:
    data, err = _section(facts, "defender")
    if data is None:
        return {"error": err}
    out: dict[str, Any] = {"products": []}
    d = data.get("defender")
    if isinstance(d, dict):
        out["defender"] = {
            "antivirus_enabled": ps_bool(d.get("AntivirusEnabled")),
            "real_time": ps_bool(d.get("RealTimeProtectionEnabled")),
            "signature_age_days": _int(d.get("AntivirusSignatureAge")),
            "tamper_protected": ps_bool(d.get("IsTamperProtected")),
        }
    elif data.get("defender_error"):
        out["defender_error"] = str(data["defender_error"])[:200]
    products = data.get("products") or []
    for p in products if isinstance(products, list) else [products]:
        state = _int(p.get("productState")) if isinstance(p, dict) else None
        if state is None:
            continue
        out["products"].append({"name": str(p.get("displayName") or "?"), "state": state,
                                **decode_product_state(state)})
    return out


SCREEN_LOCK_KEYS = {
    "machine_policy": r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System",
    # Intune's Policy CSP DeviceLock area, as applied by the MDM client: values of
    # ./Device/Vendor/MSFT/Policy/Config/DeviceLock/* land here (the WMI bridge mirrors
    # them as MDM_Policy_Result01_DeviceLock02.MaxInactivityTimeDeviceLock).
    "mdm_device_lock": r"HKLM\SOFTWARE\Microsoft\PolicyManager\current\device\DeviceLock",
    "user_policy": r"HKCU\Software\Policies\Microsoft\Windows\Control Panel\Desktop",
    "user": r"HKCU\Control Panel\Desktop",
}


#: A screen saver runs only when one is chosen (SCRNSAVE.EXE), whatever the other values say.
SAVER_VALUES = ("ScreenSaveActive", "ScreenSaverIsSecure", "ScreenSaveTimeOut", "SCRNSAVE.EXE")
#: Policy CSP DeviceLock/MaxInactivityTimeDeviceLock is in *minutes* (0 = no timeout) and
#: takes effect only while DeviceLock/DevicePasswordEnabled is 0 ("enabled"): Microsoft's
#: DeviceLock CSP and Policy CSP - DeviceLock pages (MicrosoftDocs/windows-itpro-docs,
#: windows/client-management/mdm/devicelock-csp.md, policy-csp-devicelock.md); Fleet's
#: issue fleetdm/fleet#40847 corrects a tooltip that said seconds.
DEVICE_LOCK_VALUES = ("MaxInactivityTimeDeviceLock", "DevicePasswordEnabled")


def screen_lock_values(registry: RegistryReader | None) -> dict[str, Any]:
    """The values that make Windows lock when idle: the machine inactivity limit, Intune's
    DeviceLock limit, and the screen saver (policy first, then the user's own setting).
    ``registry`` is the user's view: for the console user of a SYSTEM run, a
    ``UserHiveRegistry`` that reads their ``HKEY_USERS\\<SID>`` hive as HKCU.
    ``mdm_device_lock`` is None when that key is absent (or unreadable)."""
    if registry is None:
        return {"error": "the registry is not available"}
    out: dict[str, Any] = {}
    wanted = {"machine_policy": ("InactivityTimeoutSecs",), "mdm_device_lock": DEVICE_LOCK_VALUES,
              "user_policy": SAVER_VALUES, "user": SAVER_VALUES}
    for scope, key in SCREEN_LOCK_KEYS.items():
        raw = registry.values(key)
        if scope == "mdm_device_lock" and raw is None:
            out[scope] = None
            continue
        values: Mapping[str, Any] = raw or {}
        out[scope] = {name: values[name] for name in wanted[scope] if name in values}
    enrolled = mdm_enrolments(registry)
    out["mdm_enrolled"] = any(e.get("state") == 1 for e in enrolled.get("enrolments", []))
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
