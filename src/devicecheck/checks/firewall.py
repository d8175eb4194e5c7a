"""``firewall``: the OS firewall is on.

Windows: every profile (Domain, Private, Public) enabled in the *active* store (what Group
Policy and Intune enforce), since a laptop moves between networks. macOS: global state 1 or 2, or a configuration profile's ``EnableFirewall``.
Linux: nftables with input filtering, ufw, or firewalld active; when the only tools
present need root to answer, the result is ``unknown`` with that reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from devicecheck.checks.base import Context, PerOsCheck, Status, Verdict
from devicecheck.checks.remedies import could_not_read, remedy
from devicecheck.checks.shared import windows_facts
from devicecheck.probes import linux, macos, windows

PROFILES = ("Domain", "Private", "Public")


class Firewall(PerOsCheck):
    id = "firewall"
    timeout_s = 12.0  # the shared PowerShell run has 10 s

    def gather_windows(self, ctx: Context) -> Mapping[str, Any]:
        return windows.firewall_profiles(windows_facts(ctx))

    def gather_macos(self, ctx: Context) -> Mapping[str, Any]:
        user = ctx.console.name if ctx.service and ctx.console else ctx.account
        return macos.firewall(ctx.runner, ctx.root, user)

    def gather_linux(self, ctx: Context) -> Mapping[str, Any]:
        return linux.firewall(ctx.runner, ctx.root)

    def judge_windows(self, facts: Mapping[str, Any], ctx: Context) -> Verdict:
        fix = remedy(self, ctx)
        profiles: Mapping[str, bool | None] = facts.get("profiles") or {}
        evidence: dict[str, Any] = {"profiles": dict(profiles), "store": facts.get("store")}
        if facts.get("local_profiles"):
            evidence["local_profiles"] = dict(facts["local_profiles"])
        overridden = list(facts.get("overridden_by_policy") or ())
        if overridden:
            evidence["overridden_by_policy"] = overridden
        policy_note = (f" (Group Policy or Intune sets {', '.join(overridden)}; the "
                       "laptop's own setting differs)") if overridden else ""
        if not profiles:
            return Verdict(Status.UNKNOWN, "Could not read the firewall profiles: "
                           f"{facts.get('error', 'no answer')}.", dict(facts), could_not_read(ctx, fix))
        off = [p for p in PROFILES if profiles.get(p) is False]
        unread = [p for p in PROFILES if profiles.get(p) is None]
        if off:
            return Verdict(Status.FAIL, f"The firewall is off for {', '.join(off)} networks"
                           f"{policy_note}.", evidence, fix)
        if unread:
            return Verdict(Status.UNKNOWN, "Could not read the firewall state for "
                           f"{', '.join(unread)} networks.", evidence, could_not_read(ctx, fix))
        return Verdict(Status.PASS, f"The firewall is on for all networks{policy_note}.",
                       evidence)

    def judge_macos(self, facts: Mapping[str, Any], ctx: Context) -> Verdict:
        fix = remedy(self, ctx)
        evidence = dict(facts)
        sf = facts.get("socketfilterfw")
        managed = facts.get("managed_enable_firewall")
        if sf and sf["enabled"]:
            extra = " and blocks all incoming connections" if sf["state"] == 2 else ""
            return Verdict(Status.PASS, f"The firewall is on{extra}.", evidence)
        if managed is True:
            return Verdict(Status.PASS, "The firewall is turned on by the council's "
                           "configuration profile.", evidence)
        if sf:
            return Verdict(Status.FAIL, "The firewall is off.", evidence, fix)
        return Verdict(Status.UNKNOWN, "Could not read the firewall state: "
                       f"{facts.get('socketfilterfw_error', 'no answer')}.", evidence, could_not_read(ctx, fix))

    def judge_linux(self, facts: Mapping[str, Any], ctx: Context) -> Verdict:
        fix = remedy(self, ctx)
        evidence = {name: dict(v) for name, v in facts.items()}
        states = {name: v.get("state") for name, v in facts.items()}
        active = [n for n, s in states.items() if s == "active"]
        if active:
            return Verdict(Status.PASS, f"The firewall is on ({', '.join(active)}).", evidence)
        unclear = [f"{n}: {facts[n].get('reason')}" for n, s in states.items()
                   if s in ("needs-root", "error")]
        if unclear:
            return Verdict(Status.UNKNOWN, "Could not tell whether the firewall is on: "
                           + "; ".join(unclear) + ".", evidence, could_not_read(ctx, fix))
        if all(s == "absent" for s in states.values()):
            return Verdict(Status.FAIL, "No firewall is installed (nftables, ufw or firewalld).",
                           evidence, fix)
        return Verdict(Status.FAIL, "The firewall is off.", evidence, fix)
