from __future__ import annotations

import json
from types import MappingProxyType

from devicecheck.checks.base import CheckResult, Remediation, Status
from devicecheck.checks.registry import intune_setting_name
from devicecheck.policy import LoadedPolicy, Policy, PolicyError, Severity
from devicecheck.report import Device, Overall, Report


def result(cid: str, status: Status, severity: Severity = Severity.REQUIRED) -> CheckResult:
    return CheckResult(cid, cid.title(), status, severity, f"{cid} summary", {},
                       Remediation("Do this.", "ms-settings:x", it_detail="Run fix-it.ps1."))


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
    # One status word a state, as in every window (issue 27): the symbol, the word, the
    # phrase; a required failure says it blocks calls.
    assert "  [x] Problem (blocks calls): Firewall off" in text
    assert "  [ok] OK: Os: OK" in text
    assert "      What to do: Do this." in text
    # The verdict line comes first, then when and where; the problems before the rest.
    lines = text.splitlines()
    assert lines[0] == "No \u2014 don't take calls on this laptop. Contact your council's IT service desk."
    assert lines[1].startswith("Checked ") and " on host" in lines[1]
    assert lines.index("Problems, worst first:") < lines.index("1 other check OK:")
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
    assert "Recording safeguards" not in report(rec).to_text()  # IT's words: behind --it
    text = report(rec).to_text(it=True)
    assert ("Recording safeguards in force: policy-attestation, recording-software; "
            "not in force: live-watch (no accessibility bus).") in text


def test_text_keeps_it_detail_behind_the_for_it_heading() -> None:
    loaded = LoadedPolicy(errors=(PolicyError("file:/etc/x.toml", "too big",
                                              "tray.check_interval_minutes"),))
    rep = Report(Device("host", "linux", "6.1"), loaded,
                 [result("firewall", Status.FAIL),
                  result("meeting-data", Status.WARN, Severity.ADVISORY),
                  result("disk-encryption", Status.PASS)])
    assert "For IT:" not in rep.to_text()  # IT's part only when asked for (check --it)
    officer, it = rep.to_text(it=True).split("For IT:", 1)
    # The officer's part: phrases, the status words and plain "What to do" only.
    assert "[x] Problem (blocks calls): Firewall off" in officer
    assert "[!] Fix soon: Meeting data not cleared yet" in officer
    assert "What to do: Do this." in officer
    for technical in ("summary", "fix-it.ps1", "ms-settings:", "tray.check_interval_minutes",
                      "firewall (", "Policy sources"):
        assert technical not in officer, technical
    # IT's part: every check's evidence summary, IT's detail and link, the policy errors.
    assert "firewall (fail, required): firewall summary" in it
    assert "disk-encryption (pass, required): disk-encryption summary" in it
    assert "IT detail: Run fix-it.ps1." in it and "Settings link: ms-settings:x" in it
    assert "tray.check_interval_minutes" in it and "Policy sources:" in it
    # A pass needs no fix: its IT detail is not repeated.
    assert it.count("IT detail:") == 2


def test_json_remediation_it_detail_is_additive() -> None:
    bare = CheckResult("firewall", "Firewall", Status.FAIL, Severity.REQUIRED, "off", {},
                       Remediation("Turn it on.", None))
    doc = json.loads(report(result("disk-encryption", Status.FAIL), bare).to_json())
    first, second = (c["remediation"] for c in doc["checks"])
    assert first == {"text": "Do this.", "link": "ms-settings:x", "it_detail": "Run fix-it.ps1."}
    assert second == {"text": "Turn it on.", "link": None}  # absent when IT has nothing
