"""``os-support``: the OS family and version meet the policy's minimum."""

from __future__ import annotations

import platform
import re
from collections.abc import Mapping
from typing import Any

from devicecheck.checks.base import Check, Context, Remediation, Status, Verdict
from devicecheck.probes import macos, windows
from devicecheck.probes.linux import read_os_release

LINKS = {"windows": "ms-settings:windowsupdate",
         "macos": "x-apple.systempreferences:com.apple.Software-Update-Settings.extension"}


def version_tuple(text: str) -> tuple[int, ...]:
    """``"6.1.0-18-amd64"`` -> ``(6, 1, 0)``; ``"14.4.1"`` -> ``(14, 4, 1)``."""
    m = re.match(r"\s*(\d+(?:\.\d+)*)", text)
    if not m:
        raise ValueError(f"no version number in {text!r}")
    return tuple(int(p) for p in m.group(1).split("."))


class OsSupport(Check):
    id = "os-support"
    title = "Operating system is supported"
    timeout_s = 5.0

    def gather(self, ctx: Context) -> Mapping[str, Any]:
        if ctx.os_name == "windows":
            # The registry gives the build, update revision and 23H2-style name; the
            # interpreter's own answer is the fallback when the key cannot be read.
            facts: dict[str, Any] = {"os": "windows", **windows.windows_version(ctx.registry)}
            if not isinstance(facts.get("build"), int):
                import sys
                getver = getattr(sys, "getwindowsversion", None)
                facts["build"] = getver().build if getver else None
            facts.setdefault("release", platform.release())
            return facts
        if ctx.os_name == "macos":
            # sw_vers first: platform.mac_ver() says 10.16 to Pythons built for old SDKs.
            return {"os": "macos",
                    "version": macos.product_version(ctx.runner) or platform.mac_ver()[0] or None}
        return {"os": "linux", "kernel": platform.release(),
                "distribution": read_os_release(ctx.root).get("PRETTY_NAME")}

    def judge(self, facts: Mapping[str, Any], ctx: Context) -> Verdict:
        pol = ctx.policy.os
        evidence = dict(facts)
        upgrade = {
            "windows": "Install the latest Windows updates from Settings > Windows Update.",
            "macos": "Install the latest macOS update from System Settings > General > Software Update.",
            "linux": "Install your distribution's updates, including a newer kernel.",
        }[ctx.os_name]
        remedy = Remediation(self.with_contact(upgrade, ctx), LINKS.get(ctx.os_name))
        try:
            if ctx.os_name == "windows":
                build = facts.get("build")
                if not isinstance(build, int):
                    return Verdict(Status.UNKNOWN, "Could not read the Windows build number.", evidence)
                evidence["minimum"] = pol.min_windows_build
                ok, minimum = build >= pol.min_windows_build, f"build {pol.min_windows_build}"
                name = f"Windows {facts['display_version']} " if facts.get("display_version") else "Windows "
                ubr = f".{facts['ubr']}" if isinstance(facts.get("ubr"), int) else ""
                shown = f"{name}(build {build}{ubr})"
            elif ctx.os_name == "macos":
                version = facts.get("version")
                if not version:
                    return Verdict(Status.UNKNOWN, "Could not read the macOS version.", evidence)
                evidence["minimum"] = pol.min_macos_version
                ok = version_tuple(version) >= version_tuple(pol.min_macos_version)
                shown, minimum = f"macOS {version}", pol.min_macos_version
            else:
                kernel = str(facts.get("kernel") or "")
                evidence["minimum"] = pol.min_linux_kernel
                ok = version_tuple(kernel) >= version_tuple(pol.min_linux_kernel)
                distro = facts.get("distribution") or "Linux"
                shown, minimum = f"{distro} (kernel {kernel})", f"kernel {pol.min_linux_kernel}"
        except ValueError as exc:
            return Verdict(Status.UNKNOWN, f"Could not read the OS version: {exc}", evidence)
        if ok:
            return Verdict(Status.PASS, f"{shown} is supported.", evidence)
        return Verdict(Status.FAIL, f"{shown} is older than the council's minimum ({minimum}).",
                       evidence, remedy)
