from __future__ import annotations

from types import MappingProxyType

from devicecheck.checks.base import CheckResult, Remediation, Status
from devicecheck.policy import LoadedPolicy, Policy, Severity
from devicecheck.report import Device, Overall, Report, intune_setting_name


def result(cid: str, status: Status, severity: Severity = Severity.REQUIRED) -> CheckResult:
    return CheckResult(cid, cid.title(), status, severity, f"{cid} summary", {},
                       Remediation("Do this.", "ms-settings:x"))


def report(*results: CheckResult) -> Report:
    return Report(Device("host", "linux", "6.1"), LoadedPolicy(), list(results))


def test_overall_rules() -> None:
    assert report(result("a", Status.PASS)).overall is Overall.READY
    assert report(result("a", Status.UNKNOWN)).overall is Overall.NOT_READY  # unknown never passes
    assert report(result("a", Status.FAIL)).overall is Overall.NOT_READY
    assert report(result("a", Status.WARN)).overall is Overall.READY
    adv = report(result("a", Status.FAIL, Severity.ADVISORY), result("b", Status.SKIP, Severity.OFF))
    assert adv.overall is Overall.READY and [c.id for c in adv.attention] == ["a"]


def test_text_names_blockers_and_contact() -> None:
    policy = Policy(severity=MappingProxyType({}))
    rep = Report(Device("host", "linux", "6.1"), LoadedPolicy(policy=policy),
                 [result("firewall", Status.FAIL), result("os", Status.PASS)])
    text = rep.to_text()
    assert "[x]  Problem" in text and "[ok] OK" in text
    rows = [line for line in text.splitlines() if line.startswith("[")]
    # The phrases line up whatever the symbol's length.
    assert len({line.index("Firewall") if "Firewall" in line else line.index("Os")
                for line in rows}) == 1
    assert "What to do: Do this. [ms-settings:x]" in text
    # The verdict line comes first, then the problems by fault phrase.
    first, second = text.splitlines()[:2]
    assert first == "No \u2014 don't take calls on this laptop. Contact your council's IT service desk."
    assert second == "  - Firewall off"
    assert "Firewall on" not in text  # the pass phrase never names the fault


def test_intune_names() -> None:
    assert intune_setting_name("work-device") == "WorkDevice"
    flat = report(result("disk-encryption", Status.PASS)).to_intune()
    assert flat["DiskEncryption"] == "pass" and flat["Ready"] is True


def test_text_says_which_recording_safeguards_are_in_force() -> None:
    layers = [{"layer": "policy-attestation", "in_force": True, "why": "checked"},
              {"layer": "recording-software", "in_force": True, "why": "looked for"},
              {"layer": "live-watch", "in_force": False, "why": "no accessibility bus"}]
    rec = CheckResult("recorders", "No recording software", Status.PASS, Severity.REQUIRED,
                      "None running.", evidence={"layers": layers})
    text = report(rec).to_text()
    assert ("Recording safeguards in force: policy-attestation, recording-software; "
            "not in force: live-watch (no accessibility bus).") in text
