"""``disk-encryption``: the system disk is encrypted (BitLocker, FileVault, LUKS).

A lost laptop must not expose case files: protection on is a pass; encryption still
running (or FileVault deferred to next sign-in) is a warning, since it will finish on
its own; suspended BitLocker, decryption and no encryption are failures.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from devicecheck.checks.base import Context, PerOsCheck, Remediation, Status, Verdict
from devicecheck.checks.remedies import could_not_read, remedy
from devicecheck.checks.shared import windows_facts
from devicecheck.probes import linux, macos, windows

WAIT = {
    "windows": "Encryption is under way: keep the laptop on and plugged in until it finishes.",
    "macos": "FileVault is being turned on: sign out and back in if asked, and keep the Mac "
             "plugged in until it finishes.",
    "linux": "Encryption is under way: keep the laptop on until it finishes.",
}
#: IT's side of the wait (manage-bde -status, fdesetup status: see the registry's sources).
WAIT_IT = {"windows": "'manage-bde -status C:' shows the encryption progress.",
           "macos": "'fdesetup status' shows the encryption progress."}
#: A suspended volume: resume its key protectors (manage-bde -protectors -enable, or the
#: BitLocker module's Resume-BitLocker; learn.microsoft.com windows-commands/manage-bde).
RESUME = {"windows": "Turn BitLocker protection back on: Control Panel > BitLocker Drive "
                     "Encryption > Resume protection."}
RESUME_IT = "'manage-bde -protectors -enable C:' or 'Resume-BitLocker -MountPoint C:'."


def bde_state(bde: Mapping[str, Any], protected: bool | None, percent: Any) -> str | None:
    """BitLocker's state from manage-bde. ``protected`` is its language-independent exit
    code (``-protectionaserrorlevel``); the labels (English only: German prints
    "Konvertierungsstatus", "Schutzstatus") refine an unprotected volume, and failing
    them the bare percentage does (100 % encrypted but unprotected = suspended)."""
    if protected is True:
        return "on"
    conv = str(bde.get("Conversion Status", "")).lower()
    prot = str(bde.get("Protection Status", "")).lower()
    if conv and prot:
        if "decrypt" in conv:
            return "off" if "fully" in conv else "decrypting"
        if "encryption in progress" in conv or "paused" in conv:
            return "encrypting"
        if "encrypted" in conv:
            on = "protection on" in prot and protected is not False
            return "on" if on else "suspended"
        return "off"
    if protected is False:
        if percent == 100.0:
            return "suspended"
        if percent == 0.0:
            return "off"
        return "unprotected"
    return None


class DiskEncryption(PerOsCheck):
    id = "disk-encryption"
    timeout_s = 12.0  # the shared PowerShell run (manage-bde inside it) has 10 s

    def gather_windows(self, ctx: Context) -> Mapping[str, Any]:
        return windows.bitlocker_status(windows_facts(ctx))

    def gather_macos(self, ctx: Context) -> Mapping[str, Any]:
        return macos.filevault(ctx.runner)

    def gather_linux(self, ctx: Context) -> Mapping[str, Any]:
        return linux.root_device(ctx.runner)

    def judge_windows(self, facts: Mapping[str, Any], ctx: Context) -> Verdict:
        fix, wait = remedy(self, ctx), remedy(self, ctx, WAIT, contact=False, it=WAIT_IT)
        evidence: dict[str, Any] = {k: v for k, v in facts.items() if k != "manage_bde"}
        source = facts.get("source")
        vol = facts.get("volume", "C:")
        if source == "wmi":
            conv, on = facts.get("conversion"), facts.get("protection_on")
            state = {"encrypted": "on" if on else "suspended", "encrypting": "encrypting",
                     "encryption-paused": "encrypting", "decrypting": "decrypting",
                     "decryption-paused": "decrypting", "decrypted": "off"}.get(str(conv), "?")
        elif source == "shell":
            # The undocumented shell value says protected or not, nothing finer.
            state = str(facts.get("shell_state"))
        elif source in ("manage-bde", "manage-bde-text"):
            bde = facts.get("manage_bde") or {}
            evidence.update(conversion=bde.get("Conversion Status"),
                            protection=bde.get("Protection Status"),
                            percent=facts.get("percent"))
            found = bde_state(bde, facts.get("protection_on") if source == "manage-bde" else None,
                              facts.get("percent"))
            if found is None:
                return Verdict(Status.UNKNOWN, "Could not read BitLocker's state (manage-bde "
                               "printed labels we do not know).", evidence, could_not_read(ctx, fix))
            state = found
        else:
            return Verdict(Status.UNKNOWN, "Could not read BitLocker's state: "
                           f"{facts.get('error', 'no answer')}.", evidence, could_not_read(ctx, fix))
        evidence["state"] = state
        if state == "unprotected":
            pct = facts.get("percent")
            shown = f" ({pct:g}% encrypted)" if isinstance(pct, int | float) else ""
            return Verdict(Status.FAIL, f"BitLocker does not protect the system drive {vol}"
                           f"{shown}.", evidence, fix)
        if state not in ("on", "off", "encrypting", "decrypting", "suspended"):
            return Verdict(Status.UNKNOWN, "BitLocker reported a state we do not know.",
                           evidence, could_not_read(ctx, fix))
        if state == "on":
            return Verdict(Status.PASS, f"BitLocker protects the system drive {vol}.", evidence)
        if state == "encrypting":
            pct = facts.get("percent") or evidence.get("percent")
            done = f" ({pct:g}% done)" if isinstance(pct, int | float) else ""
            return Verdict(Status.WARN, f"BitLocker is still encrypting {vol}{done}.", evidence, wait)
        if state == "suspended":
            return Verdict(Status.FAIL, f"BitLocker protection on {vol} is suspended: the disk "
                           "is encrypted but not protected.", evidence,
                           remedy(self, ctx, RESUME, it=RESUME_IT))
        if state == "decrypting":
            return Verdict(Status.FAIL, f"BitLocker is being turned off on {vol}.", evidence, fix)
        return Verdict(Status.FAIL, f"The system drive {vol} is not encrypted.", evidence, fix)

    def judge_macos(self, facts: Mapping[str, Any], ctx: Context) -> Verdict:
        fix, wait = remedy(self, ctx), remedy(self, ctx, WAIT, contact=False, it=WAIT_IT)
        fv = facts.get("filevault")
        if not fv:
            return Verdict(Status.UNKNOWN, "Could not read FileVault's state: "
                           f"{facts.get('error', 'no answer')}.", dict(facts), could_not_read(ctx, fix))
        evidence = dict(fv)
        if fv["in_progress"] == "decrypting":
            return Verdict(Status.FAIL, "FileVault is being turned off.", evidence, fix)
        if fv["in_progress"] == "encrypting":
            pct = f" ({fv['percent']:g}% done)" if fv["percent"] is not None else ""
            return Verdict(Status.WARN, f"FileVault is still encrypting the disk{pct}.",
                           evidence, wait)
        if fv["enabled"]:
            return Verdict(Status.PASS, "FileVault is on.", evidence)
        if fv["deferred"]:
            return Verdict(Status.WARN, "FileVault will be turned on at the next sign-out "
                           "(deferred enablement).", evidence, wait)
        return Verdict(Status.FAIL, "FileVault is off: the disk is not encrypted.", evidence, fix)

    def judge_linux(self, facts: Mapping[str, Any], ctx: Context) -> Verdict:
        fix = remedy(self, ctx)
        info = facts.get("lsblk")
        if not info:
            return Verdict(Status.UNKNOWN, "Could not tell which disk holds the system: "
                           f"{facts.get('error', 'no answer')}.", dict(facts),
                           # Nothing says the disk is unencrypted: IT looks, the officer
                           # is not told to set anything up again.
                           Remediation("DeviceCheck could not tell whether the disk is "
                                       "encrypted. Contact "
                                       f"{ctx.policy.organisation.it_contact}.",
                                       it_detail=fix.it_detail))
        evidence = {"chain": info["chain"], "types": info["types"], "luks": info["luks"]}
        chain = " < ".join(info["chain"])
        if info["root_encrypted"]:
            lvm = " (LVM on LUKS)" if "lvm" in info["types"] else ""
            return Verdict(Status.PASS, f"The system disk is encrypted{lvm}: {chain}.", evidence)
        return Verdict(Status.FAIL, f"No encryption found under the system disk ({chain}).",
                       evidence, fix)
