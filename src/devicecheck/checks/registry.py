"""The check registry: one entry per check, the only place a check is listed.

Everything else derives from ``CHECKS``: the report order and the modules
``checks.all_checks()`` imports, the policy model's ``CHECK_IDS`` and default severities
(so ``[severity]`` keys, ``policy show``, ``docs/policy.md``, the ADMX/ADML templates and
the macOS profile follow), the Intune compliance rules (setting name, the title and
description Company Portal shows), each check's title, and the remediation text and
settings deep link per OS that ``checks.remedies.remedy`` hands out.

This module is plain data with no imports from the rest of the package: the tray's first
words come from it before its icon. The policy model never imports it: it reads the check
ids and default severities through ``policy_values`` (named in ``devicecheck/
contributors.py``, ``policy/contributions.py``). Adding a check = its module, one entry
here, its tests, and ``python installer/build.py generate``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

#: OS family keys of ``remedy``/``links`` ("any" = every OS without its own text).
RemedyKey = Literal["windows", "macos", "linux", "any"]


def intune_setting_name(check_id: str) -> str:
    """``work-device`` -> ``WorkDevice``: Intune setting names are plain identifiers."""
    return "".join(part.capitalize() for part in check_id.split("-"))


@dataclass(frozen=True)
class CheckSpec:
    """One check as the rest of the product sees it."""

    id: str
    #: Module under ``devicecheck.checks`` and the ``Check`` subclass in it.
    module: str
    cls: str
    #: What a pass means, in the officer's words (the check's title in every view).
    title: str
    #: What a failure means (Company Portal's title for a non-compliant setting).
    fault: str
    #: What the officer should do, as Company Portal says it (no app open, no placeholders).
    portal: str
    #: Short officer phrases (issue 19): what is wrong when the check fails ("Disk not
    #: encrypted"), what is true when it passes ("Disk encrypted"), and the topic for "could
    #: not be checked" ("Disk encryption"). Every officer list names a problem by its
    #: fault phrase, never by the title (a title states the requirement, so it reads as the
    #: opposite of the fault).
    fault_phrase: str = ""
    pass_phrase: str = ""
    topic: str = ""
    #: Policy settings this check reads ("section" or "section.name"). A policy error in
    #: one of them, while the check is required, blocks the officer (policy-health): the
    #: check would otherwise be judged against values IT did not write.
    settings: tuple[str, ...] = ()
    #: Default ``[severity]``: the policy model's value for this check.
    severity: Literal["required", "advisory"] = "required"
    #: In-app remediation per OS family; the check may add the IT contact.
    remedy: Mapping[str, str] = field(default_factory=dict)
    #: Settings deep link per OS family, where the OS has one (Linux has no portable URI).
    links: Mapping[str, str] = field(default_factory=dict)
    #: IT's side of ``remedy`` per OS family (commands, setting keys, policy names): shown
    #: only behind the IT door as ``Remediation.it_detail`` (issue 19), never to officers.
    it_remedy: Mapping[str, str] = field(default_factory=dict)

    @property
    def intune_setting(self) -> str:
        return intune_setting_name(self.id)


def _m(**values: str) -> Mapping[str, str]:
    return MappingProxyType(values)


#: Every check, in the order officers read them.
CHECKS: tuple[CheckSpec, ...] = (
    CheckSpec(
        "policy-health", "policy_health", "PolicyHealth", "Council policy is in force",
        "DeviceCheck has no valid council policy",
        "Restart the laptop so it picks up the council's settings. If this stays, contact "
        "the IT service desk.",
        fault_phrase="IT needs to fix a settings problem", pass_phrase="Council settings in force",
        topic="Council settings"),
    CheckSpec(
        "os-support", "os_support", "OsSupport", "Operating system is supported",
        "This laptop's operating system is out of date",
        "Install the waiting updates (Settings > Windows Update), restart, then open "
        "DeviceCheck again.",
        fault_phrase="Operating system out of date", pass_phrase="Operating system up to date",
        topic="Operating system",
        settings=("os",),
        remedy=_m(windows="Install the latest Windows updates from Settings > Windows Update.",
                  macos="Install the latest macOS update from System Settings > General > "
                        "Software Update.",
                  linux="Install your distribution's updates, including a newer kernel."),
        links=_m(windows="ms-settings:windowsupdate",
                 macos="x-apple.systempreferences:com.apple.Software-Update-Settings.extension")),
    CheckSpec(
        "work-device", "work_device", "WorkDevice", "This is a council work device",
        "This is not recognised as a council laptop",
        "Use your council laptop for calls with residents. If this is your council laptop, "
        "contact the IT service desk.",
        fault_phrase="Not a council-managed laptop", pass_phrase="Council-managed laptop",
        topic="Council laptop",
        settings=("organisation.tenant_ids", "organisation.domains",
                  "organisation.mdm_servers", "organisation.linux_machine_marker"),
        remedy=_m(windows="Use a council-issued laptop for video calls. If this is one, IT "
                          "needs to join it to the council (Settings > Accounts > Access work "
                          "or school).",
                  macos="Use a council-issued Mac for video calls. If this is one, IT needs "
                        "to enrol it in the council's device management (System Settings > "
                        "Privacy & Security > Profiles).",
                  linux="Use a council-issued laptop for video calls. If this is one, IT "
                        "needs to enrol it in the council's device management."),
        links=_m(windows="ms-settings:workplace",
                 macos="x-apple.systempreferences:com.apple.Profiles-Settings.extension"),
        # dsregcmd /status, profiles status -type enrollment and realm list are what the
        # check itself reads (probes.windows, probes.macos, probes.linux cite them).
        it_remedy=_m(windows="Join the laptop to the council's Entra ID tenant or domain and "
                             "enrol it in Intune; 'dsregcmd /status' shows the join state. "
                             "Policy: organisation.tenant_ids, organisation.domains.",
                     macos="Enrol the Mac in the council's MDM; 'profiles status -type "
                           "enrollment' shows the state. Policy: organisation.mdm_servers.",
                     linux="Join the laptop to the council's domain ('realm join'), or deploy "
                           "the council's machine marker (organisation.linux_machine_marker).")),
    CheckSpec(
        "disk-encryption", "disk_encryption", "DiskEncryption", "The disk is encrypted",
        "The laptop's disk is not encrypted",
        "Do not hold calls on this laptop until IT has turned on disk encryption "
        "(BitLocker). Contact the IT service desk.",
        fault_phrase="Disk not encrypted", pass_phrase="Disk encrypted",
        topic="Disk encryption",
        remedy=_m(windows="Turn on BitLocker device encryption (Settings > Privacy & security "
                          "> Device encryption) and keep the laptop plugged in until it "
                          "finishes.",
                  macos="Turn on FileVault in System Settings > Privacy & Security > "
                        "FileVault, and keep the Mac plugged in until it finishes.",
                  linux="IT needs to set the laptop up again with disk encryption."),
        links=_m(windows="ms-settings:deviceencryption",
                 macos="x-apple.systempreferences:com.apple.settings.PrivacySecurity."
                       "extension?FileVault"),
        # manage-bde -status/-on (learn.microsoft.com windows-commands/manage-bde),
        # fdesetup status/enable (fdesetup(8)); lsblk is what probes.linux reads.
        it_remedy=_m(windows="Turn on BitLocker for the system drive (Intune disk encryption "
                             "policy, or 'manage-bde -on C:'); 'manage-bde -status C:' shows "
                             "the state.",
                     macos="Turn on FileVault (an MDM FileVault payload, or 'sudo fdesetup "
                           "enable'); 'fdesetup status' shows the state.",
                     linux="Reinstall with the root file system on LUKS (dm-crypt); "
                           "'lsblk -o NAME,TYPE,FSTYPE' shows the chain DeviceCheck read.")),
    CheckSpec(
        "firewall", "firewall", "Firewall", "The firewall is on", "The firewall is off",
        "Turn the firewall back on (Windows Security > Firewall & network protection) or "
        "contact the IT service desk.",
        fault_phrase="Firewall off", pass_phrase="Firewall on",
        topic="Firewall",
        remedy=_m(windows="Turn the firewall on for every network type in Windows Security > "
                          "Firewall & network protection.",
                  macos="Turn the firewall on in System Settings > Network > Firewall.",
                  linux="Turn the firewall on in your desktop's security or firewall "
                        "settings, or ask IT to."),
        links=_m(windows="windowsdefender://network/",
                 macos="x-apple.systempreferences:com.apple.Network-Settings.extension?Firewall"),
        # Set-NetFirewallProfile (NetSecurity module); socketfilterfw --setglobalstate and
        # the com.apple.security.firewall payload's EnableFirewall; ufw enable / firewalld.
        it_remedy=_m(windows="Enable the Domain, Private and Public profiles by Group Policy or "
                             "Intune, or 'Set-NetFirewallProfile -Profile Domain,Private,Public "
                             "-Enabled True'.",
                     macos="Deploy a firewall payload with EnableFirewall, or run "
                           "'/usr/libexec/ApplicationFirewall/socketfilterfw --setglobalstate "
                           "on'.",
                     linux="Install and enable ufw ('sudo ufw enable') or firewalld ('sudo systemctl "
                           "enable --now firewalld'), or load an nftables input filter.")),
    CheckSpec(
        "screen-lock", "screen_lock", "ScreenLockCheck", "The screen locks when idle",
        "The screen does not lock soon enough when idle",
        "Set the screen to lock after a few idle minutes (Settings > Accounts > Sign-in "
        "options), or restart to pick up the council's setting.",
        # {m}: the policy's screen_lock.max_idle_minutes, filled in by the check.
        remedy=_m(windows="Set the screen to lock after {m} minutes or less: Settings > "
                          "Personalisation > Lock screen > Screen saver, tick 'On resume, "
                          "display logon screen'.",
                  macos="Set the screen to lock after {m} minutes or less: System Settings > "
                        "Lock Screen, and require a password immediately after the screen "
                        "saver starts.",
                  linux="Set the screen to lock after {m} minutes or less in your desktop's "
                        "Privacy / Screen Lock settings, with automatic screen lock on."),
        links=_m(windows="ms-settings:lockscreen",
                 macos="x-apple.systempreferences:com.apple.Lock-Screen-Settings.extension"),
        # What checks.screen_lock reads (probes.windows, probes.macos, probes.linux).
        it_remedy=_m(windows="Enforce a lock within {m} minutes: Group Policy 'Interactive "
                             "logon: Machine inactivity limit', or Intune DeviceLock "
                             "MaxInactivityTimeDeviceLock. Policy: "
                             "screen_lock.max_idle_minutes.",
                     macos="Enforce a lock within {m} minutes with a configuration profile "
                           "(askForPassword, askForPasswordDelay, idle time). Policy: "
                           "screen_lock.max_idle_minutes.",
                     linux="GNOME: org.gnome.desktop.screensaver lock-enabled and "
                           "org.gnome.desktop.session idle-delay; KDE: kscreenlockerrc "
                           "Autolock and Timeout. Policy: screen_lock.max_idle_minutes."),
        fault_phrase="Screen does not lock soon enough", pass_phrase="Screen locks when idle",
        topic="Screen lock",
        settings=("screen_lock",)),
    CheckSpec(
        "antivirus", "antivirus", "AntivirusCheck", "Anti-virus protection is on",
        "Anti-virus is off or out of date",
        "Open Windows Security and update virus protection, then restart. If it stays, "
        "contact the IT service desk.",
        fault_phrase="Anti-virus off or out of date", pass_phrase="Anti-virus on",
        topic="Anti-virus",
        settings=("antivirus",),
        remedy=_m(windows="Open Windows Security > Virus & threat protection: turn real-time "
                          "protection on and select Check for updates.",
                  any="The council's security agent is not running; restart the laptop."),
        links=_m(windows="windowsdefender://threat/"),
        # Get-MpComputerStatus is what probes.windows reads; Update-MpSignature updates.
        it_remedy=_m(windows="'Get-MpComputerStatus' shows AntivirusEnabled, "
                             "RealTimeProtectionEnabled and AntivirusSignatureAge; "
                             "'Update-MpSignature' updates signatures. Policy: "
                             "antivirus.max_signature_age_days.",
                     any="Start or reinstall the council's endpoint agent. Policy: "
                         "antivirus.endpoint_agent_processes lists its process names.")),
    CheckSpec(
        "recording-policy", "recording_policy", "RecordingPolicyCheck",
        "Teams recording is switched off",
        "The council has not confirmed that Teams recording is off",
        "Nothing for you to do: IT must confirm the Teams recording policy. Contact the IT "
        "service desk before holding calls.",
        fault_phrase="Teams recording not confirmed off", pass_phrase="Teams recording off",
        topic="Teams recording setting",
        settings=("recording.attestation_max_age_days",
                  "recording.attestation_public_key")),
    CheckSpec(
        "recorders", "recorders", "Recorders", "No recording software is running",
        "Recording software is running on this laptop",
        "Close any screen or sound recording program before your call. Calls with residents "
        "must not be recorded.",
        fault_phrase="Recording software running", pass_phrase="No recording software running",
        topic="Recording software",
        settings=("recording.recorder_processes",
                  "recording.extra_recorder_processes")),
    CheckSpec(
        "meeting-data", "meeting_data", "MeetingData", "Meeting data cleared after calls",
        "Teams meeting data has not been cleared",
        "Quit Teams after your call and open DeviceCheck: it clears the names and addresses "
        "Teams keeps on the laptop.",
        fault_phrase="Meeting data not cleared yet", pass_phrase="Meeting data cleared",
        topic="Meeting data",
        settings=("cleaner.max_age_hours",),
        severity="advisory"),
)


def spec(check_id: str) -> CheckSpec:
    """The registry entry for ``check_id`` (KeyError for an unknown id)."""
    for entry in CHECKS:
        if entry.id == check_id:
            return entry
    raise KeyError(check_id)


def policy_values() -> dict[str, str]:
    """The policy's check ids, each with its default severity (``policy/contributions.py``)."""
    return {c.id: c.severity for c in CHECKS}


__all__ = ["CHECKS", "CheckSpec", "intune_setting_name", "policy_values", "spec"]
