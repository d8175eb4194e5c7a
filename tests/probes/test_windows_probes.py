"""Windows probes with a fake runner and a dict registry: which commands they run, the
fallback order, and what they keep from the registry."""

from __future__ import annotations

from devicecheck.probes import windows
from devicecheck.probes.registry import DictRegistry
from tests.probes.fakes import FakeRunner, failed, fixture, registry


def test_powershell_is_asked_for_json_without_profile() -> None:
    runner = FakeRunner({"Get-NetFirewallProfile": fixture("windows/firewall_all_on.json")})
    facts = windows.firewall_profiles(runner)
    assert facts == {"profiles": {"Domain": True, "Private": True, "Public": True}}
    (argv,) = runner.calls
    assert argv[:4] == ("powershell.exe", "-NoProfile", "-NonInteractive", "-Command")
    assert "ConvertTo-Json" in argv[4]


def test_enrolments_keep_intune_only_and_no_upn() -> None:
    facts = windows.mdm_enrolments(registry("windows/registry_intune_enrolled.json"))
    assert facts == {"enrolments": [{"provider": "MS DM Server", "state": 1,
                                     "tenant_id": "96fa76d0-1111-2222-3333-eb60cc224444"}]}
    assert windows.mdm_enrolments(registry("windows/registry_not_enrolled.json")) == {"enrolments": []}
    assert windows.mdm_enrolments(None) == {"error": "the registry is not available"}
    assert windows.mdm_enrolments(DictRegistry({})) == {"enrolments": []}


def test_bitlocker_wmi_needs_no_fallback() -> None:
    runner = FakeRunner({"Win32_EncryptableVolume": fixture("windows/bitlocker_wmi_on.json")})
    facts = windows.bitlocker_status(runner)
    assert facts["source"] == "wmi" and facts["protection_on"] is True
    assert facts["conversion"] == "encrypted" and len(runner.calls) == 1


def test_bitlocker_falls_back_to_shell_then_manage_bde() -> None:
    runner = FakeRunner({"Win32_EncryptableVolume": fixture("windows/bitlocker_nonadmin_shell_on.json")})
    facts = windows.bitlocker_status(runner)
    assert facts["source"] == "shell" and facts["shell_state"] == "on"
    assert "needs administrator" in facts["signals"][0]
    runner = FakeRunner({"Win32_EncryptableVolume": failed(1, "no powershell"),
                         "manage-bde -status C:": fixture("windows/manage_bde_suspended.txt")})
    facts = windows.bitlocker_status(runner)
    assert facts["source"] == "manage-bde"
    assert facts["manage_bde"]["Protection Status"] == "Protection Off"
    assert [c[0] for c in runner.calls] == ["powershell.exe", "manage-bde"]


def test_screen_lock_values_read_three_scopes() -> None:
    facts = windows.screen_lock_values(registry("windows/registry_screen_lock_policy.json"))
    assert facts["user_policy"]["ScreenSaveTimeOut"] == "300"
    assert facts["user"]["ScreenSaveTimeOut"] == "900"
    assert "WallPaper" not in facts["user"]  # only the values that matter
    assert facts["machine_policy"] == {}


def test_windows_version() -> None:
    assert windows.windows_version(registry("windows/registry_version_23h2.json")) == \
        {"build": 22631, "ubr": 4460, "display_version": "23H2", "product": "Windows 10 Enterprise"}
    assert windows.windows_version(None) == {}
