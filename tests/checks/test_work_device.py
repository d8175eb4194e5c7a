"""``work-device`` from probe to verdict on each OS: Windows and macOS through fake
runners/registries returning fixtures, Linux through fake commands on PATH and fake
files under a temporary root (see ``tests/probes/linuxfakes.py``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from devicecheck.checks.base import Status
from devicecheck.checks.engine import run_checks, run_one
from devicecheck.checks.work_device import WorkDevice
from devicecheck.policy import Severity
from devicecheck.probes import linux
from tests.probes.fakes import FakeRunner, failed, fixture, make_ctx, make_policy, registry
from tests.probes.linuxfakes import FakeLinux, running_as_root

TENANT = "96fa76d0-1111-2222-3333-eb60cc224444"
COUNCIL = make_policy(organisation={"tenant_ids": (TENANT,), "domains": ("council.local",),
                                    "mdm_servers": ("mdm.example.gov.uk",),
                                    "it_contact": "the IT desk on 01234 567890"})


def windows(dsreg: str, reg: str = "registry_not_enrolled.json", loaded=COUNCIL):
    runner = FakeRunner({"dsregcmd /status": fixture(f"windows/dsregcmd_{dsreg}.txt")})
    ctx = make_ctx("windows", runner=runner, registry=registry(f"windows/{reg}"), loaded=loaded)
    return run_one(WorkDevice(), ctx)


@pytest.mark.parametrize(("dsreg", "reg", "status", "words"), [
    ("entra_joined", "registry_intune_enrolled.json", Status.PASS, "Entra joined and enrolled in Intune"),
    ("entra_joined_variant_crlf", "registry_intune_enrolled_new_channel.json", Status.PASS, "Intune"),
    ("hybrid", "registry_intune_enrolled.json", Status.PASS, "hybrid"),
    ("hybrid", "registry_not_enrolled.json", Status.PASS, "Group Policy"),
    ("domain_only", "registry_not_enrolled.json", Status.PASS, "domain joined"),
    ("entra_joined", "registry_not_enrolled.json", Status.WARN, "not enrolled in Intune"),
    ("entra_joined", "registry_intune_failed.json", Status.WARN, "not enrolled in Intune"),
    ("entra_joined", "registry_intune_other_tenant.json", Status.FAIL, "another organisation"),
    ("wrong_tenant", "registry_intune_enrolled.json", Status.FAIL, "another organisation's tenant"),
    ("not_joined", "registry_not_enrolled.json", Status.FAIL, "not joined"),
    ("not_joined", "registry_intune_enrolled.json", Status.FAIL, "not joined"),
])
def test_windows_states(dsreg: str, reg: str, status: Status, words: str) -> None:
    v = windows(dsreg, reg)
    assert v.status is status, v.summary
    assert words in v.summary
    assert v.evidence["signals"], "evidence names each signal seen"
    if status is not Status.PASS:
        assert v.remediation and v.remediation.link == "ms-settings:workplace"
        assert "01234 567890" in v.remediation.text


def test_windows_registered_only_says_personal_device_plainly() -> None:
    v = windows("registered_personal", "registry_intune_enrolled.json")
    assert v.status is Status.FAIL
    assert v.summary.startswith("This is a personal device")
    assert "dsregcmd WorkplaceJoined: YES" in v.evidence["signals"]


def test_windows_evidence_names_signals_and_keeps_no_upn() -> None:
    v = windows("entra_joined", "registry_intune_enrolled.json")
    signals = v.evidence["signals"]
    assert "dsregcmd AzureAdJoined: YES" in signals and "dsregcmd DomainJoined: NO" in signals
    assert f"dsregcmd TenantId: {TENANT}" in signals
    assert any(s.startswith("Intune enrolment (MS DM Server): state 1") for s in signals)
    assert "j.smith" not in repr(v.evidence)  # the UPN is personal data


def test_windows_domain_join_to_unlisted_domain_fails() -> None:
    other = make_policy(organisation={"tenant_ids": (TENANT,), "domains": ("elsewhere.org",)})
    assert windows("domain_only", loaded=other).status is Status.FAIL


def test_windows_no_allowlist_is_unknown_never_pass() -> None:
    v = windows("entra_joined", "registry_intune_enrolled.json", loaded=make_policy())
    assert v.status is Status.UNKNOWN and "names no tenant" in v.summary


def test_windows_dsregcmd_missing_is_unknown() -> None:
    ctx = make_ctx("windows", runner=FakeRunner({"dsregcmd": failed(1, "Access is denied.")}),
                   registry=registry("windows/registry_not_enrolled.json"), loaded=COUNCIL)
    v = run_one(WorkDevice(), ctx)
    assert v.status is Status.UNKNOWN and "dsregcmd exited with code 1" in v.summary


def test_windows_full_path_to_check_result() -> None:
    runner = FakeRunner({"dsregcmd /status": fixture("windows/dsregcmd_registered_personal.txt")})
    ctx = make_ctx("windows", runner=runner, registry=registry("windows/registry_not_enrolled.json"),
                   loaded=COUNCIL)
    (result,) = run_checks([WorkDevice()], ctx)
    assert result.id == "work-device" and result.severity is Severity.REQUIRED
    assert result.status is Status.FAIL and result.blocking
    assert runner.calls == [("dsregcmd", "/status")]


# ---------------------------------------------------------------- macOS

@pytest.mark.parametrize(("name", "status", "words"), [
    ("dep_user_approved", Status.PASS, "automated enrolment"),
    ("user_approved", Status.PASS, "user-approved"),
    ("reordered_crlf", Status.PASS, "automated"),
    ("mdm_not_user_approved", Status.WARN, "not user-approved"),
    ("other_server", Status.FAIL, "another organisation"),
    ("not_enrolled", Status.FAIL, "not enrolled"),
])
def test_macos_states(name: str, status: Status, words: str) -> None:
    runner = FakeRunner({"profiles status -type enrollment": fixture(f"macos/profiles_{name}.txt")})
    v = run_one(WorkDevice(), make_ctx("macos", runner=runner, loaded=COUNCIL))
    assert v.status is status and words in v.summary
    assert any(s.startswith("MDM enrollment:") for s in v.evidence["signals"])
    if status is not Status.PASS:
        assert v.remediation and v.remediation.link and \
            v.remediation.link.startswith("x-apple.systempreferences:")


def test_macos_profiles_failing_is_unknown() -> None:
    v = run_one(WorkDevice(), make_ctx("macos", runner=FakeRunner({}), loaded=COUNCIL))
    assert v.status is Status.UNKNOWN and "profiles is not installed" in v.summary


# ---------------------------------------------------------------- Linux

def linux_verdict(fake: FakeLinux, loaded=COUNCIL):
    return run_one(WorkDevice(), fake.ctx(loaded))


def test_linux_realm_joined_to_council_passes(tmp_path: Path) -> None:
    fake = FakeLinux(tmp_path).command("realm", stdout=fixture("linux/realm_list_joined.txt"))
    v = linux_verdict(fake)
    assert v.status is Status.PASS and "council.local" in v.summary
    assert "realm council.local: configured kerberos-member" in v.evidence["signals"]


def test_linux_realm_joined_elsewhere_fails(tmp_path: Path) -> None:
    fake = FakeLinux(tmp_path).command("realm", stdout=fixture("linux/realm_list_other_domain.txt"))
    v = linux_verdict(fake)
    assert v.status is Status.FAIL and "does not list" in v.summary


def test_linux_discovered_but_not_configured_is_not_joined(tmp_path: Path) -> None:
    fake = FakeLinux(tmp_path).command(
        "realm", stdout=fixture("linux/realm_list_discovered_not_configured_crlf.txt"))
    assert linux_verdict(fake).status is Status.FAIL


def test_linux_sssd_domain_counts_when_readable(tmp_path: Path) -> None:
    fake = FakeLinux(tmp_path).file("etc/sssd/sssd.conf", fixture("linux/sssd.conf"))
    v = linux_verdict(fake)
    assert v.status is Status.PASS and "sssd domains: council.local" in v.evidence["signals"]


def test_linux_machine_marker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests may run as an ordinary user: the file we make is owned by us, so "root" = us.
    monkeypatch.setattr(linux, "MARKER_OWNER_UID", os.getuid())
    marker = "/etc/council/enrolled"
    loaded = make_policy(organisation={"linux_machine_marker": marker})
    fake = FakeLinux(tmp_path).file("etc/council/enrolled", "asset 4711\n", mode=0o644)
    v = run_one(WorkDevice(), fake.ctx(loaded))
    assert v.status is Status.PASS and "machine marker" in v.summary
    (tmp_path / "root/etc/council/enrolled").chmod(0o666)
    v = run_one(WorkDevice(), fake.ctx(loaded))
    assert v.status is Status.FAIL
    assert f"machine marker {marker}: writable by other users" in v.evidence["signals"]


def test_linux_marker_must_be_owned_by_root_and_not_a_symlink(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(linux, "MARKER_OWNER_UID", os.getuid() + 1)  # someone else owns it
    loaded = make_policy(organisation={"linux_machine_marker": "/etc/council/enrolled"})
    fake = FakeLinux(tmp_path).file("etc/council/enrolled", "x")
    v = run_one(WorkDevice(), fake.ctx(loaded))
    assert v.status is Status.FAIL and "not owned by root" in " ".join(v.evidence["signals"])
    monkeypatch.setattr(linux, "MARKER_OWNER_UID", os.getuid())
    target = tmp_path / "root/etc/council/enrolled"
    target.rename(tmp_path / "root/etc/real")
    target.symlink_to(tmp_path / "root/etc/real")
    v = run_one(WorkDevice(), fake.ctx(loaded))
    assert v.status is Status.FAIL and "not a regular file" in " ".join(v.evidence["signals"])


def test_linux_intune_evidence_alone_is_a_warning(tmp_path: Path) -> None:
    fake = (FakeLinux(tmp_path).file("opt/microsoft/intune/bin/intune-portal", "", mode=0o755)
            .home_file(".config/intune/registration.toml", "x"))
    v = linux_verdict(fake)
    assert v.status is Status.WARN
    assert "Intune for Linux: portal, registration" in v.evidence["signals"]


def test_linux_nothing_is_fail(tmp_path: Path) -> None:
    v = linux_verdict(FakeLinux(tmp_path).command("realm", stdout=""))
    assert v.status is Status.FAIL and "realm: no realm configured" in v.evidence["signals"]
    assert "Intune for Linux: not found" in v.evidence["signals"]
    assert v.remediation and "01234 567890" in v.remediation.text


def test_linux_unreadable_sssd_is_unknown(tmp_path: Path) -> None:
    fake = FakeLinux(tmp_path)
    (fake.root / "etc/sssd/sssd.conf").mkdir(parents=True)  # exists, cannot be read as text
    v = linux_verdict(fake)
    assert v.status is Status.UNKNOWN and "sssd.conf unreadable" in v.summary


@pytest.mark.skipif(running_as_root(), reason="root reads a mode-000 file anyway")
def test_linux_root_only_sssd_is_unknown_with_that_reason(tmp_path: Path) -> None:
    fake = FakeLinux(tmp_path).file("etc/sssd/sssd.conf", fixture("linux/sssd.conf"), mode=0o600)
    (fake.root / "etc/sssd/sssd.conf").chmod(0)
    v = linux_verdict(fake)
    assert v.status is Status.UNKNOWN and "readable by root only" in v.summary


def test_linux_realm_timeout_is_unknown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(linux, "COMMAND_TIMEOUT_S", 0.3)
    fake = FakeLinux(tmp_path).command("realm", stdout="", sleep=5)
    v = linux_verdict(fake)
    assert v.status is Status.UNKNOWN and "did not answer" in v.summary
