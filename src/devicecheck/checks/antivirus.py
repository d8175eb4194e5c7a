"""``antivirus``: real-time protection on, with fresh signatures.

Windows: Microsoft Defender (``Get-MpComputerStatus``), or another product registered
with Security Center when Defender has stepped aside for it. macOS and Linux have no
common anti-virus interface, so the check is skipped unless the policy names the council's
endpoint agent; then one of the named processes must be running.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from devicecheck.checks.base import Context, PerOsCheck, Status, Verdict
from devicecheck.checks.remedies import could_not_read, remedy
from devicecheck.checks.shared import windows_facts
from devicecheck.probes import windows
from devicecheck.probes.processes import find_processes

#: Defender reports this (uint32 -1) when signatures were never updated.
NEVER_UPDATED = 4294967295


class AntivirusCheck(PerOsCheck):
    id = "antivirus"
    timeout_s = 12.0

    def gather_windows(self, ctx: Context) -> Mapping[str, Any]:
        return windows.antivirus_status(windows_facts(ctx))

    def gather_agent(self, ctx: Context) -> Mapping[str, Any]:
        """macOS and Linux: the endpoint agent's processes, when the policy names any."""
        names = ctx.policy.antivirus.endpoint_agent_processes
        if not names:
            return {"agents": []}
        found = find_processes(names, os_name=ctx.os_name)
        return {"agents": list(names), "running": sorted({p.name for p in found})}

    def judge_agent(self, facts: Mapping[str, Any], ctx: Context) -> Verdict:
        agents = list(facts.get("agents") or [])
        if not agents:
            return Verdict(Status.SKIP, "No endpoint agent is required on "
                           f"{ 'macOS' if ctx.os_name == 'macos' else 'Linux'} by the "
                           "council policy.", {"agents": []})
        running = list(facts.get("running") or [])
        evidence = {"agents": agents, "running": running}
        if running:
            return Verdict(Status.PASS, f"The council's security agent is running "
                           f"({', '.join(running)}).", evidence)
        return Verdict(Status.FAIL, "The council's security agent is not running "
                       f"(looked for {', '.join(agents)}).", evidence, remedy(self, ctx))

    gather_macos = gather_linux = gather_agent
    judge_macos = judge_linux = judge_agent

    def judge_windows(self, facts: Mapping[str, Any], ctx: Context) -> Verdict:
        fix = remedy(self, ctx)
        max_days = ctx.policy.antivirus.max_signature_age_days
        evidence: dict[str, Any] = {**facts, "max_signature_age_days": max_days}
        if facts.get("error"):
            return Verdict(Status.UNKNOWN, f"Could not read the anti-virus state: {facts['error']}.",
                           evidence, could_not_read(ctx, fix))
        d = facts.get("defender") or {}
        if d.get("antivirus_enabled") and d.get("real_time"):
            age = d.get("signature_age_days")
            if age is None:
                return Verdict(Status.UNKNOWN, "Microsoft Defender is on, but its signature age "
                               "could not be read.", evidence, could_not_read(ctx, fix))
            if age == NEVER_UPDATED or age >= max_days:
                shown = "have never been updated" if age == NEVER_UPDATED else f"are {age} days old"
                return Verdict(Status.FAIL, f"Microsoft Defender's signatures {shown}; the "
                               f"council allows less than {max_days}.", evidence, fix)
            return Verdict(Status.PASS, f"Microsoft Defender real-time protection is on; "
                           f"signatures are {age} day(s) old.", evidence)
        others = [p for p in facts.get("products", [])
                  if "defender" not in str(p.get("name", "")).lower()]
        good = [p for p in others if p.get("enabled") and p.get("up_to_date")]
        if good:
            return Verdict(Status.PASS, f"{good[0]['name']} is on and up to date "
                           "(Windows Security Center).", evidence)
        if others:
            p = others[0]
            why = "is off" if not p.get("enabled") else "has out-of-date signatures"
            return Verdict(Status.FAIL, f"{p['name']} {why}.", evidence, fix)
        if d:
            off = "real-time protection is off" if d.get("antivirus_enabled") else "it is off"
            return Verdict(Status.FAIL, f"Microsoft Defender is installed but {off}.",
                           evidence, fix)
        why = f": {facts['defender_error']}" if facts.get("defender_error") else ""
        return Verdict(Status.UNKNOWN, "Could not read Microsoft Defender or Windows Security "
                       f"Center{why}.", evidence, could_not_read(ctx, fix))
