"""Officer-facing remediation shared by the work-device checks: one text per OS and the
deep link that opens the right settings page, where the OS has one."""

from __future__ import annotations

from collections.abc import Mapping

from devicecheck.checks.base import Check, Context, Remediation

#: Deep links by check id and OS. Linux desktops have no portable settings URI.
LINKS: Mapping[str, Mapping[str, str]] = {
    "work-device": {"windows": "ms-settings:workplace",
                    "macos": "x-apple.systempreferences:com.apple.Profiles-Settings.extension"},
    "disk-encryption": {
        "windows": "ms-settings:deviceencryption",
        "macos": "x-apple.systempreferences:com.apple.settings.PrivacySecurity.extension?FileVault"},
    "firewall": {"windows": "windowsdefender://network/",
                 "macos": "x-apple.systempreferences:com.apple.Network-Settings.extension?Firewall"},
    "screen-lock": {"windows": "ms-settings:lockscreen",
                    "macos": "x-apple.systempreferences:com.apple.Lock-Screen-Settings.extension"},
    "antivirus": {"windows": "windowsdefender://threat/"},
}


def remedy(check: Check, ctx: Context, texts: Mapping[str, str], *,
           contact: bool = True) -> Remediation:
    """The remediation for ``ctx.os_name``; ``contact`` adds the IT contact for problems
    the officer cannot fix alone."""
    text = texts.get(ctx.os_name) or texts.get("any") or "Ask IT to check this laptop."
    if contact:
        text = check.with_contact(text, ctx)
    return Remediation(text, LINKS.get(check.id, {}).get(ctx.os_name))
