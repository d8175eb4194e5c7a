"""``antivirus``: real-time protection on, with fresh signatures.

Windows: Microsoft Defender (``Get-MpComputerStatus``), or another product registered
with Security Center when Defender has stepped aside for it. macOS and Linux have no
common anti-virus interface, so the check is skipped unless the policy names the council's
endpoint agent; then one of the named processes must be running *as root* and *from a
folder the agent installs into* (probes.agents). A name alone proves nothing: another
local user, or the officer, can run any program under the agent's name (issue 29). The
real uid is what counts, so a setuid program started by a user under the agent's name
(effective uid root, real uid the user's) does not pass either.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from devicecheck.checks.base import Context, PerOsCheck, Status, Verdict
from devicecheck.checks.remedies import could_not_read, remedy
from devicecheck.checks.shared import windows_facts
from devicecheck.osinfo import OsName
from devicecheck.probes import windows
from devicecheck.probes.agents import ROOT_UID, AgentProcess, AgentTable, agent_rows, installed_path

#: Defender reports this (uint32 -1) when signatures were never updated.
NEVER_UPDATED = 4294967295


def classify_agent(row: AgentProcess, os_name: OsName) -> tuple[str, str | None]:
    """One matching process -> ("counts" | "other-account" | "elsewhere" | "unconfirmed",
    the install path when it counts). Pure: the check's evidence and verdict come from it."""
    if row.real_uid is None:
        return "unconfirmed", None
    if row.real_uid != ROOT_UID:
        return "other-account", None
    path = row.exe
    if path is None and row.argv0 and row.argv0.startswith("/"):
        # Linux hides a root process's executable from an unprivileged run; its argv[0]
        # is readable and was set by whoever started it as root, not by a user.
        path = row.argv0
    if path is None:
        return "unconfirmed", None
    return ("counts", path) if installed_path(path, os_name) else ("elsewhere", None)


_WHY = {"other-account": "runs as another account, not as the system",
        "elsewhere": "runs from outside the folders the agent is installed in",
        "unconfirmed": "DeviceCheck could not read who runs it or from where"}


class AntivirusCheck(PerOsCheck):
    id = "antivirus"
    timeout_s = 12.0

    def __init__(self, agents: AgentTable | None = None) -> None:
        #: The process table for the macOS/Linux agent rule (tests pass a fake list).
        self._agents = agents

    def gather_windows(self, ctx: Context) -> Mapping[str, Any]:
        return windows.antivirus_status(windows_facts(ctx))

    def gather_agent(self, ctx: Context) -> Mapping[str, Any]:
        """macOS and Linux: the endpoint agent's processes, when the policy names any:
        each with whether it counts (root, installed folder) and why not. No user names
        and no paths outside the install folders: evidence holds no personal data."""
        names = ctx.policy.antivirus.endpoint_agent_processes
        if not names:
            return {"agents": []}
        seen: list[dict[str, Any]] = []
        for row in agent_rows(names, ctx.os_name, self._agents):
            state, path = classify_agent(row, ctx.os_name)
            entry: dict[str, Any] = {"name": row.name, "pid": row.pid, "state": state}
            if path is not None:
                entry["path"] = path
            seen.append(entry)
        seen.sort(key=lambda e: (e["name"], e["pid"]))
        return {"agents": list(names), "seen": seen,
                "running": sorted({e["name"] for e in seen if e["state"] == "counts"})}

    def judge_agent(self, facts: Mapping[str, Any], ctx: Context) -> Verdict:
        agents = list(facts.get("agents") or [])
        if not agents:
            return Verdict(Status.SKIP, "No endpoint agent is required on "
                           f"{ 'macOS' if ctx.os_name == 'macos' else 'Linux'} by the "
                           "council policy.", {"agents": []})
        running = list(facts.get("running") or [])
        seen = list(facts.get("seen") or [])
        evidence = {"agents": agents, "running": running, "seen": seen}
        if running:
            return Verdict(Status.PASS, f"The council's security agent is running "
                           f"({', '.join(running)}).", evidence)
        fix = remedy(self, ctx)
        states = {e.get("state") for e in seen}
        if "unconfirmed" in states:
            names = sorted({str(e.get("name")) for e in seen if e.get("state") == "unconfirmed"})
            return Verdict(Status.UNKNOWN, f"A program named {', '.join(names)} is running, but "
                           "DeviceCheck could not confirm it is the council's security agent.",
                           evidence, could_not_read(ctx, fix))
        if seen:
            first = seen[0]
            return Verdict(Status.FAIL, "The council's security agent is not running: a "
                           f"program named {first.get('name')} {_WHY.get(str(first.get('state')), 'does not count')}.",
                           evidence, fix)
        return Verdict(Status.FAIL, "The council's security agent is not running "
                       f"(looked for {', '.join(agents)}).", evidence, fix)

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
