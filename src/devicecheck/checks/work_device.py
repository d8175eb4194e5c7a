"""``work-device``: is this laptop enrolled as a council device?

The notice allows calls only from council-issued devices, so the question is "does the
council manage this machine", answered from the OS's own join/enrolment state and the
policy's allowlists (tenant ids, domains, MDM hosts). The rules per OS are in
``docs/work-device.md``. Evidence lists every signal seen, as short phrases.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from devicecheck.checks.base import Context, PerOsCheck, Remediation, Status, Verdict
from devicecheck.checks.remedies import remedy
from devicecheck.probes import linux, macos, windows


def _norm(values: Sequence[str]) -> set[str]:
    return {v.strip().lower() for v in values if v.strip()}


class WorkDevice(PerOsCheck):
    id = "work-device"
    timeout_s = 12.0  # dsregcmd and realm (D-Bus activation) can be slow on a cold start

    def gather_windows(self, ctx: Context) -> Mapping[str, Any]:
        return {"dsregcmd": windows.dsregcmd_status(ctx.runner),
                "mdm": windows.mdm_enrolments(ctx.registry),
                "env_domain": ctx.env.get("USERDNSDOMAIN")}

    def gather_macos(self, ctx: Context) -> Mapping[str, Any]:
        return macos.enrolment(ctx.runner)

    def gather_linux(self, ctx: Context) -> Mapping[str, Any]:
        return {"realm": linux.realm_list(ctx.runner),
                "sssd": linux.sssd_domains(ctx.root),
                "intune": linux.intune_evidence(ctx.root, ctx.home),
                "marker": linux.machine_marker(ctx.root, ctx.policy.organisation.linux_machine_marker)}

    @staticmethod
    def _settings(ctx: Context, key: str) -> Remediation:
        """The policy lacks what the laptop is compared with: IT's settings to fix, not the
        officer's laptop (the key is IT's detail)."""
        return Remediation("IT needs to fix a settings problem. Contact "
                           f"{ctx.policy.organisation.it_contact}.",
                           it_detail=f"Set {key} in the DeviceCheck policy.")

    # ------------------------------------------------------------ Windows

    def judge_windows(self, facts: Mapping[str, Any], ctx: Context) -> Verdict:
        fix = remedy(self, ctx)
        org = ctx.policy.organisation
        tenants = _norm(org.tenant_ids)
        signals: list[str] = []
        ds = facts.get("dsregcmd") or {}
        values: Mapping[str, Any] = ds.get("values") or {}
        if ds.get("error"):
            signals.append(f"dsregcmd: {ds['error']}")
        shown = {True: "YES", False: "NO"}
        for key in ("AzureAdJoined", "DomainJoined", "WorkplaceJoined"):
            if key in values:
                signals.append(f"dsregcmd {key}: {shown.get(values[key], values[key])}")
        tenant = str(values.get("TenantId") or "").lower() or None
        if tenant:
            signals.append(f"dsregcmd TenantId: {tenant}")
        mdm = facts.get("mdm") or {}
        enrolled = [e for e in mdm.get("enrolments", []) if e.get("state") == 1]
        for e in mdm.get("enrolments", []):
            signals.append(f"Intune enrolment ({e.get('provider')}): state {e.get('state')}"
                           + (f", tenant {e['tenant_id']}" if e.get("tenant_id") else ""))
        if mdm.get("error"):
            signals.append(f"registry: {mdm['error']}")
        evidence: dict[str, Any] = {"signals": signals, "tenant_id": tenant,
                                    "allowed_tenants": sorted(tenants)}
        if not values:
            return Verdict(Status.UNKNOWN, "Could not read this laptop's join state "
                           f"({ds.get('error', 'no output')}).", evidence, fix)
        aad, dom = values.get("AzureAdJoined") is True, values.get("DomainJoined") is True
        if not aad and not dom:
            if values.get("WorkplaceJoined") is True:
                return Verdict(Status.FAIL, "This is a personal device: it only has a work "
                               "account added (Entra registered), it is not a council device. "
                               "Video calls must use a council-issued laptop.", evidence, fix)
            return Verdict(Status.FAIL, "This laptop is not joined to the council and not "
                           "enrolled in its device management.", evidence, fix)
        kind = "Entra and domain joined (hybrid)" if aad and dom else \
            "Entra joined" if aad else "domain joined"
        evidence["join"] = kind
        mdm_tenants = {str(e["tenant_id"]).lower() for e in enrolled if e.get("tenant_id")}
        if aad:
            if not tenants:
                return Verdict(Status.UNKNOWN, f"This laptop is {kind}, but the council policy "
                               "names no tenant to compare it with.", evidence,
                               self._settings(ctx, "organisation.tenant_ids"))
            if tenant not in tenants:
                return Verdict(Status.FAIL, f"This laptop is {kind} to another organisation's "
                               "tenant, not the council's.", evidence, fix)
        else:
            domain = str(values.get("DomainName") or facts.get("env_domain") or "").lower()
            evidence["domain"] = domain or None
            domains = _norm(org.domains)
            # dsregcmd prints the NetBIOS name (COUNCIL) where policy has council.local.
            names = domains | {d.split(".")[0] for d in domains}
            if not (domain and domain in names) and not (mdm_tenants & tenants):
                if not domains and not tenants:
                    return Verdict(Status.UNKNOWN, "This laptop is domain joined, but the council "
                                   "policy names no domain to compare it with.", evidence,
                                   self._settings(ctx, "organisation.domains or "
                                                  "organisation.tenant_ids"))
                return Verdict(Status.FAIL, "This laptop is joined to a domain the council "
                               "policy does not list.", evidence, fix)
        if mdm_tenants - tenants and tenants:
            return Verdict(Status.FAIL, "This laptop is enrolled in another organisation's "
                           "device management.", evidence, fix)
        if enrolled:
            return Verdict(Status.PASS, f"Council work device: {kind} and enrolled in Intune.",
                           evidence)
        if aad and not dom:
            return Verdict(Status.WARN, f"This laptop is {kind} to the council but not enrolled "
                           "in Intune device management.", evidence, fix)
        return Verdict(Status.PASS, f"Council work device: {kind} (managed by Group Policy).",
                       evidence)

    # ------------------------------------------------------------ macOS

    def judge_macos(self, facts: Mapping[str, Any], ctx: Context) -> Verdict:
        fix = remedy(self, ctx)
        allowed = _norm(ctx.policy.organisation.mdm_servers)
        if "profiles" not in facts:
            return Verdict(Status.UNKNOWN, "Could not read the device-management enrolment "
                           f"({facts.get('error', 'no output')}).",
                           {"signals": [f"profiles: {facts.get('error')}"]}, fix)
        p = facts["profiles"]
        host = macos.mdm_host(p.get("mdm_server"))
        signals = [f"Enrolled via DEP: {'Yes' if p['dep_enrolled'] else 'No'}",
                   f"MDM enrollment: {'Yes' if p['mdm_enrolled'] else 'No'}"
                   + (" (User Approved)" if p["user_approved"] else "")]
        if host:
            signals.append(f"MDM server: {host}")
        evidence = {"signals": signals, "mdm_host": host, "allowed_mdm_servers": sorted(allowed)}
        if not p["mdm_enrolled"]:
            return Verdict(Status.FAIL, "This Mac is not enrolled in the council's device "
                           "management.", evidence, fix)
        if not allowed:
            return Verdict(Status.UNKNOWN, "This Mac is enrolled in device management, but the "
                           "council policy names no MDM server to compare it with.", evidence,
                           self._settings(ctx, "organisation.mdm_servers"))
        if host not in allowed:
            return Verdict(Status.FAIL, "This Mac is managed by another organisation's MDM "
                           "server, not the council's.", evidence, fix)
        if not (p["dep_enrolled"] or p["user_approved"]):
            return Verdict(Status.WARN, "This Mac is enrolled with the council but the "
                           "enrolment is not user-approved, so some settings cannot be managed.",
                           evidence, fix)
        how = "automated enrolment" if p["dep_enrolled"] else "user-approved enrolment"
        return Verdict(Status.PASS, f"Council work device: enrolled with the council ({how}).",
                       evidence)

    # ------------------------------------------------------------ Linux

    def judge_linux(self, facts: Mapping[str, Any], ctx: Context) -> Verdict:
        fix = remedy(self, ctx)
        domains = _norm(ctx.policy.organisation.domains)
        signals: list[str] = []
        unreadable: list[str] = []
        joined: list[str] = []
        realm = facts.get("realm") or {}
        for r in realm.get("realms", []):
            configured = r.get("configured", "no")
            signals.append(f"realm {r['name']}: configured {configured}")
            if configured and configured != "no":
                joined.append(r.get("domain-name") or r["name"])
        if realm.get("error"):
            signals.append(f"realm: {realm['error']}")
            if realm.get("installed"):
                unreadable.append(str(realm["error"]))
        elif "realms" in realm and not realm["realms"]:
            signals.append("realm: no realm configured")
        sssd = facts.get("sssd") or {}
        if sssd.get("domains"):
            signals.append(f"sssd domains: {', '.join(sssd['domains'])}")
            joined += [d for d in sssd["domains"] if d.lower() not in _norm(joined)]
        elif sssd.get("error"):
            signals.append(f"sssd: {sssd['error']}")
            unreadable.append(str(sssd["error"]))
        intune = facts.get("intune") or {}
        intune_seen = [k for k in ("portal", "broker", "registration") if intune.get(k)]
        signals.append("Intune for Linux: " + (", ".join(intune_seen) if intune_seen else "not found"))
        marker = facts.get("marker") or {}
        if marker.get("configured"):
            signals.append(f"machine marker {marker.get('path')}: "
                           + ("valid" if marker.get("valid") else str(marker.get("reason"))))
        evidence = {"signals": signals, "joined_domains": joined, "allowed_domains": sorted(domains)}
        if marker.get("valid"):
            return Verdict(Status.PASS, "Council work device: the council's machine marker is "
                           "in place.", evidence)
        allowed_join = [d for d in joined if d.lower() in domains]
        if allowed_join:
            return Verdict(Status.PASS, f"Council work device: joined to {allowed_join[0]}.",
                           evidence)
        if joined and not domains:
            return Verdict(Status.UNKNOWN, "This laptop is joined to a domain, but the council "
                           "policy names no domain to compare it with.", evidence,
                           self._settings(ctx, "organisation.domains"))
        if joined:
            return Verdict(Status.FAIL, "This laptop is joined to a domain the council policy "
                           "does not list.", evidence, fix)
        if intune.get("portal") and intune.get("registration"):
            return Verdict(Status.WARN, "Intune for Linux appears to be set up, but that cannot "
                           "be confirmed on the laptop itself; IT should add the council's "
                           "machine marker.", evidence, fix)
        if unreadable:
            return Verdict(Status.UNKNOWN, "Could not tell whether this laptop is enrolled: "
                           + "; ".join(unreadable) + ".", evidence, fix)
        return Verdict(Status.FAIL, "This laptop is not joined to the council and not enrolled "
                       "in its device management.", evidence, fix)
