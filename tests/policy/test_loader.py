"""Policy precedence across every layer, and each value's recorded source."""

from __future__ import annotations

import os
import plistlib
from pathlib import Path

import pytest

from devicecheck.policy import Severity, load_policy
from devicecheck.probes.registry import DictRegistry

REG = r"HKLM\SOFTWARE\Policies\DeviceCheck"


def write_machine_policy(text: str) -> Path:
    etc = Path(os.environ["XDG_CONFIG_DIRS"].split(os.pathsep)[0]) / "devicecheck"
    etc.mkdir(parents=True, exist_ok=True)
    path = etc / "policy.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o644)
    return path


def test_defaults_only_are_strict() -> None:
    loaded = load_policy(os_name="linux")
    assert loaded.sources == ("defaults",)
    assert loaded.errors == ()
    assert not loaded.machine_policy_present
    pol = loaded.policy
    assert pol.severity_of("work-device") is Severity.REQUIRED
    assert pol.organisation.tenant_ids == ()  # no tenant allowed until IT says so
    assert pol.teams.local_api_url == "ws://127.0.0.1:8124"
    assert pol.cleaner.clear_cookies is False


@pytest.mark.skipif(os.geteuid() != 0, reason="machine policy must be root-owned; tests run as root in CI")
def test_machine_file_over_defaults_and_sources_named() -> None:
    path = write_machine_policy('[organisation]\nname = "Breckland"\n[teams]\nmeeting_end_grace_seconds = 10\n')
    loaded = load_policy(os_name="linux")
    assert loaded.errors == ()
    assert loaded.sources == ("defaults", f"file:{path}")
    assert loaded.policy.organisation.name == "Breckland"
    assert loaded.policy.teams.meeting_end_grace_seconds == 10
    assert loaded.origin("organisation.name") == f"file:{path}"
    assert loaded.origin("organisation.it_contact") == "defaults"


def test_policy_option_replaces_machine_file(tmp_path: Path) -> None:
    write_machine_policy('[organisation]\nname = "Machine"\ndomains = ["a.local"]\n')
    trial = tmp_path / "trial.toml"
    trial.write_text('[organisation]\nname = "Trial"\n')
    loaded = load_policy(trial, os_name="linux")
    assert loaded.policy.organisation.name == "Trial"
    assert loaded.policy.organisation.domains == ()  # machine file not read at all
    assert loaded.sources == ("defaults", f"file:{trial}")


def test_missing_policy_option_file_is_an_error(tmp_path: Path) -> None:
    loaded = load_policy(tmp_path / "nope.toml", os_name="linux")
    assert [e.message for e in loaded.errors] == ["no such file"]


def test_windows_registry_over_file(tmp_path: Path) -> None:
    trial = tmp_path / "p.toml"
    trial.write_text('[organisation]\nname = "File"\nit_contact = "file desk"\n'
                     '[severity]\nantivirus = "advisory"\n')
    reg = DictRegistry({
        REG + r"\Organisation": {"Name": "Registry", "tenant_ids": "96fa76d0-1111-2222-3333-eb60cc224444;"
                                 "11111111-2222-3333-4444-555555555555"},
        REG + r"\Cleaner": {"clear_cookies": 1},
        REG + r"\Severity": {"antivirus": "off"},
    })
    loaded = load_policy(trial, os_name="windows", registry=reg)
    assert loaded.errors == ()
    pol = loaded.policy
    assert pol.organisation.name == "Registry"
    assert pol.organisation.it_contact == "file desk"  # untouched by the registry layer
    assert pol.organisation.tenant_ids == ("96fa76d0-1111-2222-3333-eb60cc224444",
                                           "11111111-2222-3333-4444-555555555555")
    assert pol.cleaner.clear_cookies is True
    assert pol.severity_of("antivirus") is Severity.OFF
    assert loaded.origin("organisation.name") == rf"registry:{REG}"
    assert loaded.sources[-1] == rf"registry:{REG}"


def test_registry_ignored_off_windows(tmp_path: Path) -> None:
    reg = DictRegistry({REG + r"\Organisation": {"name": "Registry"}})
    assert load_policy(os_name="linux", registry=reg).policy.organisation.name == ""


def test_macos_managed_prefs_win_over_file(tmp_path: Path) -> None:
    trial = tmp_path / "p.toml"
    trial.write_text('[organisation]\nname = "File"\n[notice]\nacknowledge = "daily"\n')
    prefs = tmp_path / "uk.gov.devicecheck.plist"
    prefs.write_bytes(plistlib.dumps({
        "PayloadUUID": "ignored", "organisation": {"name": "Profile", "mdm_servers": ["mdm.example.gov.uk"]},
    }))
    loaded = load_policy(trial, os_name="macos", managed_prefs=prefs)
    assert loaded.errors == ()
    assert loaded.policy.organisation.name == "Profile"
    assert loaded.policy.organisation.mdm_servers == ("mdm.example.gov.uk",)
    assert loaded.policy.notice.acknowledge == "daily"
    assert loaded.sources == ("defaults", f"file:{trial}", f"managed-prefs:{prefs}")


def test_all_layers_in_order(tmp_path: Path) -> None:
    """Each layer overrides only what it sets; the last one that sets a key wins."""
    trial = tmp_path / "p.toml"
    trial.write_text('[tray]\ncheck_interval_minutes = 10\nallow_quit = false\n')
    reg = DictRegistry({REG + r"\tray": {"check_interval_minutes": 20}})
    prefs = tmp_path / "m.plist"
    prefs.write_bytes(plistlib.dumps({"tray": {"check_interval_minutes": 40}}))
    win = load_policy(trial, os_name="windows", registry=reg, managed_prefs=prefs)
    assert (win.policy.tray.check_interval_minutes, win.policy.tray.allow_quit) == (20, False)
    mac = load_policy(trial, os_name="macos", registry=reg, managed_prefs=prefs)
    assert (mac.policy.tray.check_interval_minutes, mac.policy.tray.allow_quit) == (40, False)
