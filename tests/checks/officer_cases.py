"""Facts that drive every check's judge down its branches, per OS, for the officer-words
walk (tests/ui/test_officer_words.py): each case is what a probe hands the judge in one
situation, shaped like the probes' own output (their tests' fixtures under tests/fixtures
hold the raw command output these shapes are parsed from). Pure data and a runner: no
probe runs, no Qt."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from devicecheck.checks.base import Check, Context, Verdict
from devicecheck.checks.registry import CHECKS
from devicecheck.osinfo import OsName
from devicecheck.policy import LoadedPolicy, Policy, PolicyError
from devicecheck.policy.model import Antivirus, Organisation, RecordingPolicy
from devicecheck.probes.runner import ProbeRunner
from tests.recording.helpers import NOW, TENANT, council_policy, fixture_text

Facts = Mapping[str, Any]


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _policy(**org: Any) -> Policy:
    base = council_policy()
    fields = {"name": "Test Council", "tenant_ids": (TENANT,), "domains": ("council.local",),
              "mdm_servers": ("mdm.council.example",), "it_contact": "the IT desk", **org}
    return Policy(organisation=Organisation(**fields), recording=base.recording,
                  antivirus=Antivirus(endpoint_agent_processes=("falcond",)))


COUNCIL = _policy()
NO_ALLOWLISTS = _policy(tenant_ids=(), domains=(), mdm_servers=())
NO_AGENT = Policy(organisation=COUNCIL.organisation)
#: A policy that wants a signature: an unsigned attestation then cannot be trusted.
SIGNED = Policy(organisation=COUNCIL.organisation,
                recording=RecordingPolicy(attestation_public_key="A" * 43 + "="))

_DSREG = {"AzureAdJoined": True, "DomainJoined": False, "WorkplaceJoined": False,
          "TenantId": TENANT}
_ENROLLED = {"enrolments": [{"provider": "MS DM Server", "state": 1, "tenant_id": TENANT}]}
_PROFILES = {"dep_enrolled": True, "mdm_enrolled": True, "user_approved": True,
             "mdm_server": "https://mdm.council.example/mdm/checkin"}
_LSBLK = {"chain": ["vda3", "vda"], "types": ["part", "disk"], "luks": False,
          "root_encrypted": False}
_FV = {"enabled": False, "in_progress": None, "percent": None, "deferred": False}
_GNOME = {"lock-enabled": True, "idle-delay": 300, "lock-delay": 0}
_CLIENT = {"id": "teams-new", "label": "native", "running": False, "files": 11,
           "bytes": 40_000, "links": 0, "complete": True,
           "oldest": _iso(NOW - timedelta(days=3)), "newest": _iso(NOW)}


def _clean(last_clean: datetime | None = None, meeting_end: datetime | None = None,
           running: bool = False, refused: bool = False, audit: str | None = None,
           files: int = 11) -> Facts:
    clients = [{**_CLIENT, "running": running, "files": files}] if files else []
    facts: dict[str, Any] = {
        "clients": clients, "browser": [{"id": "teams-web", "files": 3}],
        "refused_roots": [{"id": "teams-new", "label": "native", "path": "Partitions",
                           "reason": "is a link: not followed"}] if refused else [],
        "last_clean": _iso(last_clean) if last_clean else None,
        "last_meeting_end": _iso(meeting_end) if meeting_end else None,
        "meetings_waiting": 2 if meeting_end else 0,
        "oldest_waiting_meeting_end": _iso(meeting_end) if meeting_end else None,
        "scan": {"complete": True}}
    if audit:
        facts["audit"] = audit
    return facts


def _policy_health(errors: list[str], blocking: list[str] | None = None,
                   machine: bool = True, not_machine: str | None = None,
                   notice_problem: str = "") -> Facts:
    return {"sources": ["defaults", "file:/etc/xdg/devicecheck/policy.toml"], "errors": errors,
            "blocking_errors": errors if blocking is None else blocking,
            "machine_policy": machine, "not_machine_policy": not_machine,
            "notice_problem": notice_problem}


def _attestation(name: str | None, error: str | None = None) -> Facts:
    return {"path": "/etc/xdg/devicecheck/teams-recording-policy.json",
            "text": fixture_text(name) if name else None, "error": error, "signature": None}


#: check id -> [(os, policy, facts)]: every branch an officer can meet.
CASES: dict[str, list[tuple[OsName, Policy, Facts]]] = {
    "policy-health": [
        ("linux", COUNCIL, _policy_health([])),
        ("linux", COUNCIL, _policy_health(["file:/etc/x.toml: tray.check_interval_minutes: "
                                           "too big"], blocking=[])),
        ("linux", COUNCIL, _policy_health(["file:/etc/x.toml: screen_lock.max_idle_minutes: "
                                           "too big"])),
        ("linux", COUNCIL, _policy_health(["file:/etc/x.toml: ignored, not applied: mode 666"])),
        ("linux", COUNCIL, _policy_health([], machine=False)),
        ("linux", COUNCIL, _policy_health([], not_machine="/home/officer/p.toml")),
        ("linux", COUNCIL, _policy_health([], notice_problem="/home/officer/n.md: ignored, "
                                          "not shown: /home/officer/n.md is owned by uid "
                                          "1000, not root")),
    ],
    "os-support": [
        ("windows", COUNCIL, {"os": "windows", "build": 26100, "ubr": 2314,
                              "display_version": "24H2"}),
        ("windows", COUNCIL, {"os": "windows", "build": 10240}),
        ("windows", COUNCIL, {"os": "windows", "build": None}),
        ("macos", COUNCIL, {"os": "macos", "version": "15.1"}),
        ("macos", COUNCIL, {"os": "macos", "version": "10.15.7"}),
        ("macos", COUNCIL, {"os": "macos", "version": None}),
        ("linux", COUNCIL, {"os": "linux", "kernel": "6.1.0-18-amd64", "distribution": "Debian"}),
        ("linux", COUNCIL, {"os": "linux", "kernel": "3.10.0", "distribution": "Old"}),
        ("linux", COUNCIL, {"os": "linux", "kernel": "unknown", "distribution": None}),
    ],
    "work-device": [
        ("windows", COUNCIL, {"dsregcmd": {"values": _DSREG}, "mdm": _ENROLLED}),
        ("windows", COUNCIL, {"dsregcmd": {"values": _DSREG}, "mdm": {"enrolments": []}}),
        ("windows", COUNCIL, {"dsregcmd": {"values": {**_DSREG, "AzureAdJoined": False,
                                                      "WorkplaceJoined": True}}, "mdm": {}}),
        ("windows", COUNCIL, {"dsregcmd": {"values": {**_DSREG, "AzureAdJoined": False}},
                              "mdm": {}}),
        ("windows", COUNCIL, {"dsregcmd": {"values": {**_DSREG, "TenantId": "other"}},
                              "mdm": {}}),
        ("windows", NO_ALLOWLISTS, {"dsregcmd": {"values": _DSREG}, "mdm": {}}),
        ("windows", NO_ALLOWLISTS, {"dsregcmd": {"values": {"AzureAdJoined": False,
                                                            "DomainJoined": True}}, "mdm": {}}),
        ("windows", COUNCIL, {"dsregcmd": {"values": {"AzureAdJoined": False,
                                                      "DomainJoined": True,
                                                      "DomainName": "OTHER"}}, "mdm": {}}),
        ("windows", COUNCIL, {"dsregcmd": {"error": "dsregcmd timed out"}, "mdm": {}}),
        ("macos", COUNCIL, {"profiles": _PROFILES}),
        ("macos", COUNCIL, {"profiles": {**_PROFILES, "mdm_enrolled": False}}),
        ("macos", COUNCIL, {"profiles": {**_PROFILES, "mdm_server": "https://other.example/"}}),
        ("macos", COUNCIL, {"profiles": {**_PROFILES, "dep_enrolled": False,
                                         "user_approved": False}}),
        ("macos", NO_ALLOWLISTS, {"profiles": _PROFILES}),
        ("macos", COUNCIL, {"error": "profiles timed out"}),
        ("linux", COUNCIL, {"realm": {"realms": [{"name": "COUNCIL.LOCAL",
                                                  "domain-name": "council.local",
                                                  "configured": "kerberos-member"}]}}),
        ("linux", COUNCIL, {"realm": {"realms": [{"name": "OTHER.ORG",
                                                  "configured": "kerberos-member"}]}}),
        ("linux", NO_ALLOWLISTS, {"realm": {"realms": [{"name": "OTHER.ORG",
                                                        "configured": "kerberos-member"}]}}),
        ("linux", COUNCIL, {"realm": {"realms": []}, "intune": {"portal": True,
                                                                "registration": True}}),
        ("linux", COUNCIL, {"realm": {"error": "realm: D-Bus timeout", "installed": True}}),
        ("linux", COUNCIL, {"realm": {"realms": []}, "marker": {"configured": True,
                                                                "path": "/etc/council-id",
                                                                "valid": False,
                                                                "reason": "missing"}}),
        ("linux", COUNCIL, {"realm": {"realms": []}, "marker": {"configured": True,
                                                                "valid": True}}),
    ],
    "disk-encryption": [
        ("windows", COUNCIL, {"source": "wmi", "conversion": "encrypted", "protection_on": True}),
        ("windows", COUNCIL, {"source": "wmi", "conversion": "encrypted",
                              "protection_on": False}),
        ("windows", COUNCIL, {"source": "wmi", "conversion": "encrypting", "percent": 40.0}),
        ("windows", COUNCIL, {"source": "wmi", "conversion": "decrypting"}),
        ("windows", COUNCIL, {"source": "wmi", "conversion": "decrypted"}),
        ("windows", COUNCIL, {"source": "wmi", "conversion": "strange"}),
        ("windows", COUNCIL, {"source": "manage-bde", "manage_bde": {}, "protection_on": False,
                              "percent": 50.0}),
        ("windows", COUNCIL, {"source": "manage-bde-text", "manage_bde": {
            "Konvertierungsstatus": "x"}}),
        ("windows", COUNCIL, {"error": "PowerShell timed out"}),
        ("macos", COUNCIL, {"filevault": {**_FV, "enabled": True}}),
        ("macos", COUNCIL, {"filevault": _FV}),
        ("macos", COUNCIL, {"filevault": {**_FV, "in_progress": "encrypting", "percent": 12.0}}),
        ("macos", COUNCIL, {"filevault": {**_FV, "in_progress": "decrypting"}}),
        ("macos", COUNCIL, {"filevault": {**_FV, "deferred": True}}),
        ("macos", COUNCIL, {"error": "fdesetup timed out"}),
        ("linux", COUNCIL, {"lsblk": {**_LSBLK, "root_encrypted": True, "luks": True,
                                      "types": ["lvm", "crypt", "part", "disk"]}}),
        ("linux", COUNCIL, {"lsblk": _LSBLK}),
        ("linux", COUNCIL, {"error": "lsblk not found"}),
    ],
    "firewall": [
        ("windows", COUNCIL, {"profiles": {"Domain": True, "Private": True, "Public": True}}),
        ("windows", COUNCIL, {"profiles": {"Domain": True, "Private": False, "Public": True},
                              "overridden_by_policy": ["Public"]}),
        ("windows", COUNCIL, {"profiles": {"Domain": True, "Private": None, "Public": True}}),
        ("windows", COUNCIL, {"error": "PowerShell timed out"}),
        ("macos", COUNCIL, {"socketfilterfw": {"enabled": True, "state": 2}}),
        ("macos", COUNCIL, {"socketfilterfw": {"enabled": False, "state": 0}}),
        ("macos", COUNCIL, {"managed_enable_firewall": True}),
        ("macos", COUNCIL, {"socketfilterfw_error": "socketfilterfw missing"}),
        ("linux", COUNCIL, {"ufw": {"state": "active"}}),
        ("linux", COUNCIL, {"ufw": {"state": "inactive"}, "nftables": {"state": "absent"}}),
        ("linux", COUNCIL, {"ufw": {"state": "absent"}, "firewalld": {"state": "absent"}}),
        ("linux", COUNCIL, {"nftables": {"state": "needs-root", "reason": "nft needs root"}}),
    ],
    "screen-lock": [
        ("windows", COUNCIL, {"machine_policy": {"InactivityTimeoutSecs": 300}}),
        ("windows", COUNCIL, {"machine_policy": {"InactivityTimeoutSecs": 3600}}),
        ("windows", COUNCIL, {"user": {"ScreenSaveActive": "0"}}),
        ("windows", COUNCIL, {"mdm_enrolled": True}),
        ("windows", COUNCIL, {"error": "the user's hive could not be opened"}),
        ("macos", COUNCIL, {"signals": [], "lock": {"enabled": True, "delay_s": 0},
                            "screensaver_idle_s": 300, "display_sleep_min": 10}),
        ("macos", COUNCIL, {"signals": [], "lock": {"enabled": False}}),
        ("macos", COUNCIL, {"signals": ["sysadminctl: run as root"], "lock": None}),
        ("linux", COUNCIL, {"desktop": "GNOME", "family": "gnome", "gnome": _GNOME}),
        ("linux", COUNCIL, {"desktop": "GNOME", "family": "gnome",
                            "gnome": {**_GNOME, "idle-delay": 3600}}),
        ("linux", COUNCIL, {"desktop": "GNOME", "family": "gnome",
                            "gnome": {**_GNOME, "lock-enabled": False}}),
        ("linux", COUNCIL, {"desktop": "KDE", "family": "kde", "kde": {"files": []}}),
        ("linux", COUNCIL, {"desktop": "sway", "family": None}),
        ("linux", COUNCIL, {"desktop": None, "family": None}),
        ("linux", COUNCIL, {"desktop": "GNOME", "family": "gnome",
                            "gnome": {"error": "gsettings not found"}}),
    ],
    "antivirus": [
        ("windows", COUNCIL, {"defender": {"antivirus_enabled": True, "real_time": True,
                                           "signature_age_days": 1}}),
        ("windows", COUNCIL, {"defender": {"antivirus_enabled": True, "real_time": True,
                                           "signature_age_days": 4294967295}}),
        ("windows", COUNCIL, {"defender": {"antivirus_enabled": True, "real_time": True}}),
        ("windows", COUNCIL, {"defender": {"antivirus_enabled": True, "real_time": False}}),
        ("windows", COUNCIL, {"defender": {}, "products": [{"name": "Sophos", "enabled": False,
                                                            "up_to_date": True}]}),
        ("windows", COUNCIL, {"defender": {}, "products": [], "defender_error": "no WMI"}),
        ("windows", COUNCIL, {"error": "PowerShell timed out"}),
        ("linux", COUNCIL, {"agents": ["falcond"], "running": ["falcond"]}),
        ("linux", COUNCIL, {"agents": ["falcond"], "running": []}),
        ("macos", NO_AGENT, {"agents": []}),
    ],
    "recording-policy": [
        ("linux", COUNCIL, _attestation("fresh.json")),
        ("linux", COUNCIL, _attestation(None)),
        ("linux", COUNCIL, _attestation(None, "PermissionError: denied")),
        ("linux", COUNCIL, _attestation("stale.json")),
        ("linux", COUNCIL, _attestation("allows-recording.json")),
        ("linux", COUNCIL, _attestation("wrong-tenant.json")),
        ("linux", COUNCIL, _attestation("malformed-truncated.json")),
        ("linux", NO_ALLOWLISTS, _attestation("fresh.json")),
        ("linux", SIGNED, _attestation("fresh.json")),
    ],
    "recorders": [
        ("windows", COUNCIL, {"running": [], "game_bar": {"AllowGameDVR": 0}}),
        ("windows", COUNCIL, {"running": [{"pid": 4, "name": "obs64.exe"},
                                          {"pid": 5, "name": "ShareX.exe"}],
                              "game_bar": {"AllowGameDVR": 0}}),
        ("windows", COUNCIL, {"running": [], "game_bar": {}}),
        ("windows", COUNCIL, {"running": [], "game_bar": None}),
        ("linux", COUNCIL, {"running": [{"pid": 9, "name": "obs"}, {"pid": 10, "name": "OBS"}]}),
        ("macos", COUNCIL, {"running": []}),
    ],
    "meeting-data": [
        ("linux", COUNCIL, _clean(files=0)),
        ("linux", COUNCIL, _clean()),
        ("linux", COUNCIL, _clean(running=True)),
        ("linux", COUNCIL, _clean(meeting_end=NOW - timedelta(hours=2))),
        ("linux", COUNCIL, _clean(last_clean=NOW - timedelta(days=9))),
        ("linux", COUNCIL, _clean(last_clean=NOW - timedelta(hours=1))),
        ("linux", COUNCIL, _clean(refused=True, last_clean=NOW - timedelta(hours=1))),
        ("linux", COUNCIL, _clean(refused=True, files=0)),
        ("linux", COUNCIL, _clean(audit="not trusted (run as SYSTEM/root)")),
    ],
}


def load(check_id: str) -> Check:
    import importlib

    from devicecheck.checks.registry import spec

    entry = spec(check_id)
    module = importlib.import_module(f"devicecheck.checks.{entry.module}")
    cls: type[Check] = getattr(module, entry.cls)
    return cls()


def context(os_name: OsName, policy: Policy, errors: tuple[PolicyError, ...] = ()) -> Context:
    return Context(loaded=LoadedPolicy(policy, ("defaults", "file:test"), errors),
                   os_name=os_name, runner=ProbeRunner(), now=NOW)


def verdicts() -> Iterator[tuple[str, OsName, Verdict]]:
    """Every case judged by its check's own judge: (check id, os, verdict)."""
    assert set(CASES) == {c.id for c in CHECKS}, "every registered check has cases"
    for check_id, cases in CASES.items():
        check = load(check_id)
        for os_name, policy, facts in cases:
            yield check_id, os_name, check.judge(facts, context(os_name, policy))
