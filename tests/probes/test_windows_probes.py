"""Windows probes with a fake runner and a dict registry: which commands they run, the
fallback order, and what they keep from the registry."""

from __future__ import annotations

import pytest

from devicecheck.probes import windows
from devicecheck.probes.registry import DictRegistry, UserHiveRegistry
from tests.probes.fakes import FakeRunner, failed, fixture, ok, registry


def test_powershell_is_asked_for_json_without_profile() -> None:
    runner = FakeRunner({"Get-NetFirewallProfile": fixture("windows/firewall_all_on.json")})
    facts = windows.firewall_profiles(windows.powershell_facts(runner))
    assert facts["profiles"] == {"Domain": True, "Private": True, "Public": True}
    assert facts["store"] == "ActiveStore" and "overridden_by_policy" not in facts
    (argv,) = runner.calls
    assert argv[:4] == ("powershell.exe", "-NoProfile", "-NonInteractive", "-Command")
    script = argv[4]
    assert "ConvertTo-Json" in script and "-PolicyStore ActiveStore" in script
    # One script gathers every PowerShell fact, manage-bde with its exit code inside it.
    for word in ("Get-NetFirewallProfile", "Win32_EncryptableVolume", "Get-MpComputerStatus",
                 "-protectionaserrorlevel", "$LASTEXITCODE"):
        assert word in script


def test_enrolments_keep_intune_only_and_no_upn() -> None:
    facts = windows.mdm_enrolments(registry("windows/registry_intune_enrolled.json"))
    assert facts == {"enrolments": [{"provider": "MS DM Server", "state": 1,
                                     "tenant_id": "96fa76d0-1111-2222-3333-eb60cc224444"}]}
    assert windows.mdm_enrolments(registry("windows/registry_not_enrolled.json")) == {"enrolments": []}
    assert windows.mdm_enrolments(None) == {"error": "the registry is not available"}
    assert windows.mdm_enrolments(DictRegistry({})) == {"enrolments": []}


def _bitlocker(answers: dict[str, object]) -> dict[str, object]:
    return windows.bitlocker_status(windows.powershell_facts(FakeRunner(answers)))  # type: ignore[arg-type]


def test_bitlocker_wmi_needs_no_fallback() -> None:
    facts = _bitlocker({"Win32_EncryptableVolume": fixture("windows/bitlocker_wmi_on.json")})
    assert facts["source"] == "wmi" and facts["protection_on"] is True
    assert facts["conversion"] == "encrypted"


def test_bitlocker_order_wmi_then_exit_code_then_shell_then_text() -> None:
    unread = fixture("windows/bitlocker_nonadmin_unreadable.json")
    shell_on = fixture("windows/bitlocker_nonadmin_shell_on.json")
    # manage-bde's exit code beats the shell property...
    german = fixture("windows/manage_bde_german_on.txt")
    facts = _bitlocker({"Win32_EncryptableVolume": shell_on, "manage-bde": ok(german)})
    assert facts["source"] == "manage-bde" and facts["protection_on"] is True
    # ...the shell property beats manage-bde text without an exit code...
    facts = _bitlocker({"Win32_EncryptableVolume": shell_on, "manage-bde": failed(
        -2147024891, stdout="ERROR: An attempt to access a required resource was denied.")})
    assert facts["source"] == "shell" and facts["shell_state"] == "on"
    signals = facts["signals"]
    assert isinstance(signals, list) and "needs administrator" in signals[0]
    # ...and English text is the last resort.
    facts = _bitlocker({"Win32_EncryptableVolume": unread,
                        "manage-bde": fixture("windows/manage_bde_suspended.txt")})
    assert facts["source"] == "manage-bde-text"
    assert facts["manage_bde"]["Protection Status"] == "Protection Off"  # type: ignore[index]
    assert _bitlocker({"Win32_EncryptableVolume": failed(1, "no powershell")})["error"]


@pytest.mark.parametrize(("value", "state"), [(1, "on"), (3, "on"), (5, "on"), (2, "off"),
                                              (0, None), (4, None), (6, None)])
def test_shell_property_values(value: int, state: str | None) -> None:
    facts = _bitlocker({"Win32_EncryptableVolume":
                        f'{{"DriveLetter":"C:","cim":null,"cim_error":"Access denied","shell":{value}}}'})
    assert facts.get("shell_state") == state
    if state is None:
        assert "error" in facts


def test_screen_lock_values_read_four_scopes() -> None:
    facts = windows.screen_lock_values(registry("windows/registry_screen_lock_policy.json"))
    assert facts["user_policy"]["ScreenSaveTimeOut"] == "300"
    assert facts["user"]["ScreenSaveTimeOut"] == "900"
    assert "WallPaper" not in facts["user"]  # only the values that matter
    assert facts["machine_policy"] == {}
    assert facts["mdm_device_lock"] is None and facts["mdm_enrolled"] is False
    facts = windows.screen_lock_values(registry("windows/registry_intune_devicelock.json"))
    assert facts["mdm_device_lock"] == {"MaxInactivityTimeDeviceLock": 5,
                                        "DevicePasswordEnabled": 0}
    assert facts["mdm_enrolled"] is True


def test_user_hive_registry_reads_hkcu_from_hkey_users() -> None:
    sid = "S-1-5-21-1111111111-2222222222-3333333333-1001"
    base = DictRegistry({f"HKU\\{sid}\\Control Panel\\Desktop": {"ScreenSaveTimeOut": "60"},
                         "HKCU\\Control Panel\\Desktop": {"ScreenSaveTimeOut": "9999"},
                         "HKLM\\SOFTWARE\\X": {"v": 1}})
    hive = UserHiveRegistry(base, sid)
    assert hive.values("HKCU\\Control Panel\\Desktop") == {"ScreenSaveTimeOut": "60"}
    assert hive.values("HKLM\\SOFTWARE\\X") == {"v": 1}
    assert hive.subkeys("HKCU\\Control Panel") == ["Desktop"]


def test_windows_version() -> None:
    assert windows.windows_version(registry("windows/registry_version_23h2.json")) == \
        {"build": 22631, "ubr": 4460, "display_version": "23H2", "product": "Windows 10 Enterprise"}
    assert windows.windows_version(None) == {}
