"""``os-support``: the OS family and version meet the policy's minimum."""

from __future__ import annotations

import platform
import re
from collections.abc import Mapping
from typing import Any

from devicecheck.checks.base import Context, PerOsCheck, Status, Verdict
from devicecheck.checks.remedies import remedy, try_again
from devicecheck.probes import macos, windows
from devicecheck.probes.linux import read_os_release


def version_tuple(text: str) -> tuple[int, ...]:
    """``"6.1.0-18-amd64"`` -> ``(6, 1, 0)``; ``"14.4.1"`` -> ``(14, 4, 1)``."""
    m = re.match(r"\s*(\d+(?:\.\d+)*)", text)
    if not m:
        raise ValueError(f"no version number in {text!r}")
    return tuple(int(p) for p in m.group(1).split("."))


class OsSupport(PerOsCheck):
    id = "os-support"
    timeout_s = 5.0

    def gather_windows(self, ctx: Context) -> Mapping[str, Any]:
        # The registry gives the build, update revision and 23H2-style name; the
        # interpreter's own answer is the fallback when the key cannot be read.
        facts: dict[str, Any] = {"os": "windows", **windows.windows_version(ctx.registry)}
        if not isinstance(facts.get("build"), int):
            import sys
            getver = getattr(sys, "getwindowsversion", None)
            facts["build"] = getver().build if getver else None
        facts.setdefault("release", platform.release())
        return facts

    def gather_macos(self, ctx: Context) -> Mapping[str, Any]:
        # sw_vers first: platform.mac_ver() says 10.16 to Pythons built for old SDKs.
        return {"os": "macos",
                "version": macos.product_version(ctx.runner) or platform.mac_ver()[0] or None}

    def gather_linux(self, ctx: Context) -> Mapping[str, Any]:
        return {"os": "linux", "kernel": platform.release(),
                "distribution": read_os_release(ctx.root).get("PRETTY_NAME")}

    def judge_windows(self, facts: Mapping[str, Any], ctx: Context) -> Verdict:
        evidence = dict(facts)
        build = facts.get("build")
        if not isinstance(build, int):
            return Verdict(Status.UNKNOWN, "Could not read the Windows build number.", evidence,
                           try_again(ctx, "Neither HKLM\\SOFTWARE\\Microsoft\\Windows "
                                          "NT\\CurrentVersion nor sys.getwindowsversion() "
                                          "gave a build."))
        minimum = ctx.policy.os.min_windows_build
        evidence["minimum"] = minimum
        name = f"Windows {facts['display_version']} " if facts.get("display_version") else "Windows "
        ubr = f".{facts['ubr']}" if isinstance(facts.get("ubr"), int) else ""
        return self._verdict(build >= minimum, f"{name}(build {build}{ubr})",
                             f"build {minimum}", evidence, ctx)

    def judge_macos(self, facts: Mapping[str, Any], ctx: Context) -> Verdict:
        version = facts.get("version")
        if not version:
            return Verdict(Status.UNKNOWN, "Could not read the macOS version.", dict(facts),
                           try_again(ctx, "sw_vers -productVersion gave no version."))
        minimum = ctx.policy.os.min_macos_version
        return self._compare(str(version), minimum, f"macOS {version}", minimum, facts, ctx)

    def judge_linux(self, facts: Mapping[str, Any], ctx: Context) -> Verdict:
        kernel = str(facts.get("kernel") or "")
        minimum = ctx.policy.os.min_linux_kernel
        distro = facts.get("distribution") or "Linux"
        return self._compare(kernel, minimum, f"{distro} (kernel {kernel})", f"kernel {minimum}",
                             facts, ctx)

    def _compare(self, version: str, minimum: str, shown: str, shown_minimum: str,
                 facts: Mapping[str, Any], ctx: Context) -> Verdict:
        """A dotted version against the policy's minimum (macOS and Linux alike)."""
        evidence = {**facts, "minimum": minimum}
        try:
            ok = version_tuple(version) >= version_tuple(minimum)
        except ValueError as exc:
            return Verdict(Status.UNKNOWN, f"Could not read the OS version: {exc}", evidence,
                           try_again(ctx, str(exc)))
        return self._verdict(ok, shown, shown_minimum, evidence, ctx)

    def _verdict(self, ok: bool, shown: str, minimum: str, evidence: dict[str, Any],
                 ctx: Context) -> Verdict:
        if ok:
            return Verdict(Status.PASS, f"{shown} is supported.", evidence)
        return Verdict(Status.FAIL, f"{shown} is older than the council's minimum ({minimum}).",
                       evidence, remedy(self, ctx))
