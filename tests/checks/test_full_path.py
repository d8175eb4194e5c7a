"""All work-device checks together through the engine, from fake probes to CheckResults:
a council Windows laptop and a council Mac in good order come out ready; a personal
Windows laptop is blocked with the plain personal-device summary."""

from __future__ import annotations

from pathlib import Path

from devicecheck.checks.antivirus import AntivirusCheck
from devicecheck.checks.base import Check, Status
from devicecheck.checks.disk_encryption import DiskEncryption
from devicecheck.checks.engine import run_checks
from devicecheck.checks.firewall import Firewall
from devicecheck.checks.os_support import OsSupport
from devicecheck.checks.screen_lock import ScreenLockCheck
from devicecheck.checks.work_device import WorkDevice
from tests.probes.fakes import FakeRunner, fixture, make_ctx, make_policy, ok, registry

TENANT = "96fa76d0-1111-2222-3333-eb60cc224444"
COUNCIL = make_policy(organisation={"tenant_ids": (TENANT,), "mdm_servers": ("mdm.example.gov.uk",)})
FIXTURES = Path(__file__).parents[1] / "fixtures"


def checks() -> list[Check]:
    return [OsSupport(), WorkDevice(), DiskEncryption(), Firewall(), ScreenLockCheck(),
            AntivirusCheck()]


def windows_runner(dsreg: str) -> FakeRunner:
    return FakeRunner({
        "dsregcmd /status": fixture(f"windows/dsregcmd_{dsreg}.txt"),
        "Win32_EncryptableVolume": fixture("windows/bitlocker_wmi_on.json"),
        "Get-NetFirewallProfile": fixture("windows/firewall_all_on.json"),
        "Get-MpComputerStatus": fixture("windows/defender_ok.json"),
    })


def test_council_windows_laptop_is_ready() -> None:
    reg = registry("windows/registry_intune_enrolled.json", "windows/registry_screen_lock_policy.json",
                   "windows/registry_version_23h2.json")
    ctx = make_ctx("windows", runner=windows_runner("entra_joined"), registry=reg, loaded=COUNCIL)
    results = run_checks(checks(), ctx)
    assert [r.id for r in results] == ["os-support", "work-device", "disk-encryption", "firewall",
                                       "screen-lock", "antivirus"]
    assert {r.id: r.status for r in results} == {r.id: Status.PASS for r in results}
    assert not any(r.blocking for r in results)


def test_personal_windows_laptop_is_blocked() -> None:
    reg = registry("windows/registry_not_enrolled.json", "windows/registry_screen_lock_policy.json",
                   "windows/registry_version_23h2.json")
    ctx = make_ctx("windows", runner=windows_runner("registered_personal"), registry=reg,
                   loaded=COUNCIL)
    by_id = {r.id: r for r in run_checks(checks(), ctx)}
    wd = by_id["work-device"]
    assert wd.status is Status.FAIL and wd.blocking and "personal device" in wd.summary
    assert wd.to_dict()["remediation"]["link"] == "ms-settings:workplace"


def test_council_mac_is_ready(tmp_path: Path) -> None:
    runner = FakeRunner({
        "profiles status -type enrollment": fixture("macos/profiles_dep_user_approved.txt"),
        "fdesetup status": fixture("macos/fdesetup_on.txt"),
        "/usr/libexec/ApplicationFirewall/socketfilterfw --getglobalstate":
            fixture("macos/socketfilterfw_on.txt"),
        "sysadminctl -screenLock status": ok("", fixture("macos/sysadminctl_immediate.txt")),
        "defaults -currentHost read com.apple.screensaver idleTime": "300\n",
        "pmset -g": fixture("macos/pmset_g.txt"),
        "sw_vers -productVersion": fixture("macos/sw_vers_14.txt"),
    })
    results = run_checks(checks(), make_ctx("macos", runner=runner, loaded=COUNCIL, root=tmp_path))
    statuses = {r.id: r.status for r in results}
    assert statuses.pop("antivirus") is Status.SKIP  # no endpoint agent named by policy
    assert set(statuses.values()) == {Status.PASS}, statuses
