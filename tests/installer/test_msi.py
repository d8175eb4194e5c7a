"""The MSI built here with wixl from a staged payload: its tables hold the per-machine
install, the Run key, the policy values from the public properties, the Start-menu
shortcut and the fixed upgrade code."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from buildlib.msi import PROPERTIES, harvest, property_defaults

from devicecheck import __version__
from devicecheck.policy.schema import LEAVES

from .conftest import INSTALLER, REPO, require_tools

UPGRADE_CODE = "{6F0B2C1E-4D3A-4B8E-9C51-2A7D3E5F9B10}"
POLICY_ROOT = r"SOFTWARE\Policies\DeviceCheck"


def table(msi: Path, name: str) -> list[dict[str, str]]:
    """Rows of an MSI table via ``msiinfo export`` (header, types, key line, rows)."""
    out = subprocess.run(["msiinfo", "export", str(msi), name], capture_output=True, text=True,
                         check=True, timeout=60).stdout.splitlines()
    columns = out[0].split("\t")
    return [dict(zip(columns, line.split("\t"), strict=False)) for line in out[3:] if line]


def build(payload: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    require_tools("wixl", "msiinfo", "msiextract")
    return subprocess.run([sys.executable, str(INSTALLER / "build.py"), "msi", "--payload",
                           str(payload), *extra], cwd=REPO, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture
def msi(windows_payload: Path) -> Path:
    proc = build(windows_payload)
    assert proc.returncode == 0, proc.stderr
    out = Path(proc.stdout.strip().splitlines()[-1])
    assert out == REPO / "dist" / f"devicecheck-{__version__}-x64.msi"
    return out


def test_per_machine_with_fixed_upgrade_code_and_major_upgrade(msi: Path) -> None:
    props = {r["Property"]: r["Value"] for r in table(msi, "Property")}
    assert props["ALLUSERS"] == "1"
    assert props["UpgradeCode"] == UPGRADE_CODE
    assert props["ProductVersion"] == __version__
    upgrades = table(msi, "Upgrade")
    assert {r["UpgradeCode"] for r in upgrades} == {UPGRADE_CODE}
    assert {r["ActionProperty"] for r in upgrades} == {"WIX_UPGRADE_DETECTED",
                                                      "WIX_DOWNGRADE_DETECTED"}
    actions = {r["Action"] for r in table(msi, "InstallExecuteSequence")}
    assert "RemoveExistingProducts" in actions
    dirs = {r["Directory"]: r for r in table(msi, "Directory")}
    assert dirs["INSTALLDIR"]["Directory_Parent"] == "ProgramFiles64Folder"


def test_run_key_and_policy_values(msi: Path) -> None:
    rows = table(msi, "Registry")
    assert all(r["Root"] == "2" for r in rows)  # 2 = HKEY_LOCAL_MACHINE
    run = [r for r in rows if r["Key"] == r"SOFTWARE\Microsoft\Windows\CurrentVersion\Run"]
    assert len(run) == 1 and run[0]["Name"] == "DeviceCheck"
    assert run[0]["Value"] == '"[INSTALLDIR]devicecheck-tray.exe"'
    policy = {(r["Key"], r["Name"]): r["Value"] for r in rows if r["Key"].startswith(POLICY_ROOT)}
    for prop, key in PROPERTIES.items():
        section, name = key.split(".")
        assert policy[(f"{POLICY_ROOT}\\{section}", name)] == f"[{prop}]"
    assert policy[(f"{POLICY_ROOT}\\tray", "installer_autostart")] == "#1"
    # Every value written is one the policy reader knows, under its section subkey.
    for key, name in policy:
        section = key[len(POLICY_ROOT) + 1:]
        assert f"{section}.{name}" in LEAVES


def test_start_menu_shortcut(msi: Path) -> None:
    (shortcut,) = table(msi, "Shortcut")
    assert shortcut["Directory_"] == "ProgramMenuFolder"
    assert shortcut["Name"] == "DeviceCheck"
    assert shortcut["Target"] == "[INSTALLDIR]devicecheck-tray.exe"


def test_payload_and_policy_file_are_in_the_package(msi: Path) -> None:
    listing = subprocess.run(["msiextract", "-l", str(msi)], capture_output=True, text=True,
                             check=True, timeout=60).stdout.split()
    for f in ("devicecheck.exe", "devicecheck-tray.exe", "_internal/python311.dll",
              "_internal/PySide6/Qt6Core.dll", "policy.toml"):
        assert any(line.endswith(f) for line in listing), (f, listing)
    files = {r["FileName"].split("|")[-1] for r in table(msi, "File")}
    assert "policy.toml" in files
    comps = {r["Component"]: r for r in table(msi, "Component")}
    assert comps["PolicyFile"]["Directory_"] == "POLICYDIR"


def test_public_property_defaults_come_from_baked_policy(windows_payload: Path,
                                                         tmp_path: Path) -> None:
    it_policy = tmp_path / "council.toml"
    it_policy.write_text('[organisation]\nname = "Testshire"\ntenant_ids = ['
                         '"11111111-2222-3333-4444-555555555555", '
                         '"66666666-7777-8888-9999-000000000000"]\nit_contact = "ext 4000"\n')
    proc = build(windows_payload, "--policy", str(it_policy))
    assert proc.returncode == 0, proc.stderr
    props = {r["Property"]: r["Value"] for r in table(Path(proc.stdout.strip()), "Property")}
    assert props["ORGNAME"] == "Testshire"
    assert props["TENANTIDS"] == ("11111111-2222-3333-4444-555555555555;"
                                  "66666666-7777-8888-9999-000000000000")
    assert props["ITCONTACT"] == "ext 4000"
    assert "DOMAINS" not in props  # empty: no Property row, value written empty (= default)
    extracted = tmp_path / "x"
    subprocess.run(["msiextract", "-C", str(extracted), proc.stdout.strip()], check=True,
                   capture_output=True, timeout=60)
    (policy_file,) = extracted.rglob("policy.toml")
    assert policy_file.read_text() == it_policy.read_text()


def test_property_defaults_without_policy_are_model_defaults() -> None:
    defaults = property_defaults({})
    assert defaults["ITCONTACT"] == LEAVES["organisation.it_contact"].default
    assert defaults["TENANTIDS"] == ""


def test_harvest_is_deterministic_with_stable_component_guids(windows_payload: Path) -> None:
    first, second = harvest(windows_payload), harvest(windows_payload)
    assert first == second
    guids = re.findall(r'Guid="([0-9A-F-]+)"', first)
    assert len(guids) == 4 and len(set(guids)) == 4
    assert all(uuid.UUID(g) for g in guids)


def test_payload_without_windows_programs_is_refused(staged_payload: Path) -> None:
    proc = build(staged_payload)
    assert proc.returncode == 1 and "devicecheck.exe" in proc.stderr
