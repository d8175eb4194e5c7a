"""The MSI built here with wixl from a staged payload: its tables hold the per-machine
install, the Run key, the policy values from the public properties (written only when set,
remembered across upgrades), the Start-menu shortcut, the fixed upgrade code that lets an
X.Y.Z.B rebuild replace the installed build, the Application log event source and the
policy folder's ACL. ``msi_model`` says what Windows Installer does with those rows."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from buildlib.msi import (
    EVENT_SOURCE_KEY,
    FORMAT_CHECKS,
    PRODUCT_KEY,
    PROPERTIES,
    harvest,
    launch_condition,
    organisation_fragment,
    organisation_include,
    write_defines,
)

from devicecheck import __version__
from devicecheck.policy.schema import LEAVES
from devicecheck.policy.sources import file_layer

from . import msi_model
from .conftest import INSTALLER, REPO, require_tools

UPGRADE_CODE = "{6F0B2C1E-4D3A-4B8E-9C51-2A7D3E5F9B10}"
POLICY_ROOT = r"SOFTWARE\Policies\DeviceCheck"


def table(msi: Path, name: str) -> list[dict[str, str]]:
    """Rows of an MSI table via ``msiinfo export`` (header, types, key line, rows)."""
    out = subprocess.run(["msiinfo", "export", str(msi), name], capture_output=True, text=True,
                         check=True, timeout=60).stdout.splitlines()
    columns = out[0].split("\t")
    return [dict(zip(columns, line.rstrip("\r").split("\t"), strict=False))
            for line in out[3:] if line]


def tables(msi: Path, *names: str) -> dict[str, list[dict[str, str]]]:
    return {n: table(msi, n) for n in names}


def build(payload: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    require_tools("wixl", "msiinfo", "msiextract", "msibuild")
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


def built(proc: subprocess.CompletedProcess[str]) -> Path:
    assert proc.returncode == 0, proc.stderr
    return Path(proc.stdout.strip().splitlines()[-1])


def test_per_machine_with_fixed_upgrade_code_and_major_upgrade(msi: Path) -> None:
    props = {r["Property"]: r["Value"] for r in table(msi, "Property")}
    assert props["ALLUSERS"] == "1"
    assert props["UpgradeCode"] == UPGRADE_CODE
    assert props["ProductVersion"] == __version__
    upgrades = table(msi, "Upgrade")
    assert {r["UpgradeCode"] for r in upgrades} == {UPGRADE_CODE}
    assert {r["ActionProperty"] for r in upgrades} == {"WIX_UPGRADE_DETECTED",
                                                      "WIX_DOWNGRADE_DETECTED"}
    seq = {r["Action"]: int(r["Sequence"]) for r in table(msi, "InstallExecuteSequence")}
    # The old product is gone before the new one writes anything (afterInstallValidate).
    assert seq["InstallValidate"] < seq["RemoveExistingProducts"] < seq["InstallInitialize"]
    dirs = {r["Directory"]: r for r in table(msi, "Directory")}
    assert dirs["INSTALLDIR"]["Directory_Parent"] == "ProgramFiles64Folder"
    # Intune's registry detection rule reads the package version from the product's key.
    rows = table(msi, "Registry")
    assert [r["Value"] for r in rows if (r["Key"], r["Name"]) == (PRODUCT_KEY, "Version")] \
        == ["[ProductVersion]"]


def test_fourth_part_rebuilds_upgrade_in_place(windows_payload: Path) -> None:
    """Two builds of one release with different fourth parts: different ProductVersions and
    ProductCodes, one UpgradeCode, and each finds the other as a product to replace (no
    second entry in Programs and Features); a later release is never replaced."""
    first = built(build(windows_payload, "--version", f"{__version__}.1"))
    first_props = {r["Property"]: r["Value"] for r in table(first, "Property")}
    first_copy = first.with_name("first.msi")
    first.replace(first_copy)
    second = built(build(windows_payload, "--version", f"{__version__}.2"))
    assert second.name == f"devicecheck-{__version__}.2-x64.msi"
    props = {r["Property"]: r["Value"] for r in table(second, "Property")}
    assert (first_props["ProductVersion"], props["ProductVersion"]) == (f"{__version__}.1",
                                                                        f"{__version__}.2")
    assert first_props["ProductCode"] != props["ProductCode"]
    assert first_props["UpgradeCode"] == props["UpgradeCode"] == UPGRADE_CODE
    rows = {r["ActionProperty"]: r for r in table(second, "Upgrade")}
    upgrade, downgrade = rows["WIX_UPGRADE_DETECTED"], rows["WIX_DOWNGRADE_DETECTED"]
    assert upgrade["VersionMax"] == f"{__version__}.2" and int(upgrade["Attributes"]) & 0x200
    # Installed X.Y.Z.1, installing X.Y.Z.2: found by the upgrade row, not the downgrade row.
    assert msi_model.upgrade_row_matches(upgrade, f"{__version__}.1")
    assert not msi_model.upgrade_row_matches(downgrade, f"{__version__}.1")
    # The same holds without the inclusive bit only if the versions differ in three fields:
    # that is issue 21's side-by-side install, which the bit prevents.
    assert not msi_model.upgrade_row_matches({**upgrade, "Attributes": "1"}, f"{__version__}.1")
    # A later release installed: the downgrade row finds it, so this build refuses.
    major, minor, patch = (int(x) for x in __version__.split("."))
    later = f"{major}.{minor}.{patch + 1}"
    assert msi_model.upgrade_row_matches(downgrade, later)
    assert not msi_model.upgrade_row_matches(upgrade, later)
    conditions = {r["Condition"] for r in table(second, "LaunchCondition")}
    assert "NOT WIX_DOWNGRADE_DETECTED" in conditions
    first_copy.unlink()


@pytest.mark.parametrize("bad", ["0.1", "1.2.3.4.5", "0.1.0.x", "0.1.0.70000", "9.9.9.1"])
def test_bad_versions_are_refused(windows_payload: Path, bad: str) -> None:
    proc = build(windows_payload, "--version", bad)
    assert proc.returncode == 1 and "--version" in proc.stderr


def test_run_key_and_policy_values(msi: Path) -> None:
    rows = table(msi, "Registry")
    assert all(r["Root"] == "2" for r in rows)  # 2 = HKEY_LOCAL_MACHINE
    run = [r for r in rows if r["Key"] == r"SOFTWARE\Microsoft\Windows\CurrentVersion\Run"]
    assert len(run) == 1 and run[0]["Name"] == "DeviceCheck"
    assert run[0]["Value"] == '"[INSTALLDIR]devicecheck-tray.exe"'
    policy = {(r["Key"], r["Name"]): r for r in rows if r["Key"].startswith(POLICY_ROOT)}
    components = {r["Component"]: r for r in table(msi, "Component")}
    for prop, key in PROPERTIES.items():
        section, name = key.split(".")
        row = policy[(f"{POLICY_ROOT}\\{section}", name)]
        assert row["Value"] == f"[{prop}]"
        # Written only when the property is set: an empty string would override the file.
        assert components[row["Component_"]]["Condition"] == prop
    assert policy[(f"{POLICY_ROOT}\\tray", "installer_autostart")]["Value"] == "#1"
    # Every value written is one the policy reader knows, under its section subkey.
    for key, name in policy:
        section = key[len(POLICY_ROOT) + 1:]
        assert f"{section}.{name}" in LEAVES


def test_empty_values_write_nothing_and_baked_values_stay_in_the_file(
        windows_payload: Path, tmp_path: Path) -> None:
    """Issue 21 (3, 4): no property has a default, so an install without them installs none
    of the organisation components; a policy baked in with --policy is not copied into the
    registry, where it would beat a council file delivered later."""
    it_policy = tmp_path / "council.toml"
    it_policy.write_text('[organisation]\nname = "Testshire"\nit_contact = ""\n'
                         'tenant_ids = ["11111111-2222-3333-4444-555555555555"]\n')
    msi = built(build(windows_payload, "--policy", str(it_policy)))
    props = {r["Property"] for r in table(msi, "Property")}
    assert not props & set(PROPERTIES)
    assert "Testshire" not in "".join(r["Value"] for r in table(msi, "Registry"))
    components = {r["Component"]: r for r in table(msi, "Component")}
    rows = table(msi, "Registry")
    written = [r for r in rows if components[r["Component_"]]["Condition"] and
               msi_model.evaluate(components[r["Component_"]]["Condition"], {})]
    assert written == []
    org_rows = [r for r in rows if r["Key"] == f"{POLICY_ROOT}\\organisation"]
    assert len(org_rows) == len(PROPERTIES)
    assert all(not msi_model.evaluate(components[r["Component_"]]["Condition"], {"ITCONTACT": ""})
               for r in org_rows)


def test_start_menu_shortcuts(msi: Path) -> None:
    """The app, and issue 27's two ways in without the tray icon: the report and the
    pre-call window, each the windowed program with its command; ASCII names (the
    database has a neutral code page)."""
    rows = {r["Name"]: r for r in table(msi, "Shortcut")}
    assert set(rows) == {"DeviceCheck", "DeviceCheck - report",
                         "DeviceCheck - before your call"}
    commands = {name: r["Arguments"] for name, r in rows.items()}
    assert commands == {"DeviceCheck": "", "DeviceCheck - report": "report",
                        "DeviceCheck - before your call": "precall"}
    for name, r in rows.items():
        assert r["Directory_"] == "ProgramMenuFolder", name
        assert r["Target"] == "[INSTALLDIR]devicecheck-tray.exe", name
        assert r["WkDir"] == "INSTALLDIR", name
        assert name.isascii() and r["Description"].isascii(), name
    # Installed with the app, in the one feature, each component with its registry key path.
    features = {r["Component_"] for r in table(msi, "FeatureComponents")}
    assert {rows[n]["Component_"] for n in rows} <= features
    components = {r["Component"]: r for r in table(msi, "Component")}
    assert rows["DeviceCheck - report"]["Component_"] == "StartMenuEntries"
    assert components["StartMenuEntries"]["KeyPath"] in {r["Registry"] for r in
                                                         table(msi, "Registry")}


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


WELSH = "Cyngor Sir Ynys Môn"


def test_unicode_policy_reaches_the_msi_intact(windows_payload: Path, tmp_path: Path) -> None:
    """Welsh and accented names and an en dash: the build succeeds (issue 21, 2: wixl used
    to stop on -D text), and the file in the package is byte for byte IT's, read back by the
    app's own reader."""
    it_policy = tmp_path / "council.toml"
    it_policy.write_text(f'[organisation]\nname = "{WELSH}"\n'
                         'it_contact = "Desg Gwasanaeth TG – Ynys Môn, café 2"\n'
                         'domains = ["ynysmon.gov.uk"]\n', encoding="utf-8")
    msi = built(build(windows_payload, "--policy", str(it_policy)))
    files = {r["FileName"].split("|")[-1]: r for r in table(msi, "File")}
    assert files["policy.toml"]["FileSize"] == str(len(it_policy.read_bytes()))
    extracted = tmp_path / "x"
    subprocess.run(["msiextract", "-C", str(extracted), str(msi)], check=True,
                   capture_output=True, timeout=60)
    (policy_file,) = extracted.rglob("policy.toml")
    assert policy_file.read_bytes() == it_policy.read_bytes()
    layer = file_layer(policy_file, machine=False)
    assert layer is not None and not layer.errors
    assert layer.values["organisation.name"] == WELSH
    assert layer.values["organisation.it_contact"] == "Desg Gwasanaeth TG – Ynys Môn, café 2"


def test_remember_property_rows(msi: Path) -> None:
    t = tables(msi, "AppSearch", "RegLocator", "CustomAction", "Registry", "Component",
               "InstallExecuteSequence", "InstallUISequence")
    search = {r["Property"]: r["Signature_"] for r in t["AppSearch"]}
    locators = {r["Signature_"]: r for r in t["RegLocator"]}
    stored = {r["Name"]: r for r in t["Registry"] if r["Key"] == PRODUCT_KEY}
    for prop in PROPERTIES:
        loc = locators[search[prop]]
        # 2 = HKLM; type 18 = raw value (2) from the 64-bit view (16).
        assert (loc["Root"], loc["Key"], loc["Name"], loc["Type"]) == ("2", PRODUCT_KEY,
                                                                       prop, "18")
        # Stored by the same component that writes the policy value, under the same condition.
        assert stored[prop]["Value"] == f"[{prop}]"
    for sequence in ("InstallExecuteSequence", "InstallUISequence"):
        seq = {r["Action"]: int(r["Sequence"]) for r in t[sequence]}
        for prop in PROPERTIES:
            assert seq[f"SaveCmdLine{prop}"] < seq["AppSearch"] < seq[f"SetFromCmdLine{prop}"] \
                < seq["LaunchConditions"]


def test_command_line_values_survive_upgrade_and_repair(msi: Path) -> None:
    """The tables, run through the model: a first install with a command line, an upgrade
    (or repair) without one, and an upgrade that gives a new value."""
    t = tables(msi, "AppSearch", "RegLocator", "CustomAction", "Registry", "Component",
               "InstallExecuteSequence", "InstallUISequence")
    components = {r["Component"]: r for r in t["Component"]}

    def install(command_line: dict[str, str], registry: dict[tuple[str, str], str],
                ui: bool) -> dict[tuple[str, str], str]:
        props = dict(command_line)
        if ui:  # a full UI install runs the UI sequence first, then the execute sequence
            msi_model.run_to_launch_conditions(t, "InstallUISequence", props, registry)
        msi_model.run_to_launch_conditions(t, "InstallExecuteSequence", props, registry)
        # RemoveExistingProducts takes the old product's values away; then the new writes.
        after: dict[tuple[str, str], str] = {}
        for row in t["Registry"]:
            cond = components[row["Component_"]]["Condition"]
            if row["Key"].endswith("organisation") or row["Key"] == PRODUCT_KEY and \
                    row["Name"] in PROPERTIES:
                if msi_model.evaluate(cond, props):
                    after[(row["Key"], row["Name"])] = msi_model.formatted(row["Value"], props)
        return after

    org = f"{POLICY_ROOT}\\organisation"
    tenants = "11111111-2222-3333-4444-555555555555"
    for ui in (False, True):
        first = install({"TENANTIDS": tenants, "ORGNAME": WELSH}, {}, ui)
        assert first[(org, "tenant_ids")] == tenants and first[(org, "name")] == WELSH
        assert (org, "domains") not in first and (org, "it_contact") not in first
        upgraded = install({}, first, ui)
        assert upgraded == first
        changed = install({"ORGNAME": "Cyngor Gwynedd"}, upgraded, ui)
        assert changed[(org, "name")] == "Cyngor Gwynedd"
        assert changed[(org, "tenant_ids")] == tenants


@pytest.mark.parametrize(("prop", "value", "accepted"), [
    ("TENANTIDS", "11111111-2222-3333-4444-555555555555", True),
    ("TENANTIDS", "11111111-2222-3333-4444-555555555555;66666666-7777-8888-9999-000000000000",
     True),
    ("TENANTIDS", "11111111-2222-3333-4444-555555555555,66666666-7777-8888-9999-000000000000",
     False),
    ("TENANTIDS", "{11111111-2222-3333-4444-555555555555}", False),
    ("TENANTIDS", "", True),
    ("DOMAINS", "corp.example.gov.uk;example.gov.uk", True),
    ("DOMAINS", "corp.example.gov.uk,example.gov.uk", False),
])
def test_install_refuses_malformed_lists(msi: Path, prop: str, value: str,
                                         accepted: bool) -> None:
    rows = {r["Condition"]: r["Description"] for r in table(msi, "LaunchCondition")}
    condition = launch_condition(prop, FORMAT_CHECKS[prop])
    assert rows[condition].startswith(f"{prop}:")
    assert msi_model.evaluate(condition, {prop: value}) is accepted
    # The examples the message gives IT are themselves accepted.
    example = rows[condition].split(f"for example {prop}=")[1]
    assert msi_model.evaluate(condition, {prop: example})


def test_event_log_source_is_registered_and_removed(msi: Path) -> None:
    """Issue 22: the Application log source DeviceCheck, owned by the MSI."""
    rows = [r for r in table(msi, "Registry") if r["Key"] == EVENT_SOURCE_KEY]
    values = {r["Name"]: r["Value"] for r in rows}
    # '#%' = REG_EXPAND_SZ, '#' = REG_DWORD (Registry table, Value column).
    assert values["EventMessageFile"] == \
        r"#%%SystemRoot%\Microsoft.NET\Framework64\v4.0.30319\EventLogMessages.dll"
    assert values["TypesSupported"] == "#7"
    assert values["-"] == ""  # '-' with no value: the key goes when the component does
    assert {r["Component_"] for r in rows} == {"EventLogSource"}
    features = {r["Component_"] for r in table(msi, "FeatureComponents")}
    assert "EventLogSource" in features


def test_policy_folder_acl(msi: Path) -> None:
    """Issue 17: only SYSTEM and Administrators may write to %ProgramData%\\DeviceCheck."""
    (lock,) = table(msi, "MsiLockPermissionsEx")
    assert (lock["LockObject"], lock["Table"]) == ("POLICYDIR", "CreateFolder")
    assert {(r["Directory_"], r["Component_"]) for r in table(msi, "CreateFolder")} >= \
        {("POLICYDIR", "PolicyFile")}
    sddl = lock["SDDLText"]
    owner, dacl = re.fullmatch(r"O:(\w+)G:\w+D:(P\w*)((?:\([^)]*\))+)", sddl).group(1, 3)  # type: ignore[union-attr]
    assert owner == "BA"
    assert sddl.split("D:")[1].startswith("P")  # protected: nothing inherited from ProgramData
    aces = re.findall(r"\(([^)]*)\)", dacl)
    rights = {ace.split(";")[5]: ace.split(";")[2] for ace in aces}
    assert all(ace.split(";")[0] == "A" and "OICI" in ace.split(";")[1] for ace in aces)
    assert rights == {"SY": "FA", "BA": "FA", "BU": "0x1200a9"}
    write_bits = 0x2 | 0x4 | 0x10 | 0x40 | 0x100 | 0x10000 | 0x40000 | 0x80000
    assert not int(rights["BU"], 16) & write_bits


def test_wix3_source_has_the_rows_wixl_gets_afterwards(tmp_path: Path) -> None:
    """The WiX 3 path cannot run here; its preprocessed source (wixl -E) holds the
    elements whose rows the wixl build adds with msibuild."""
    require_tools("wixl")
    (tmp_path / "defines.wxi").write_text(write_defines(__version__, "wix3"), encoding="utf-8")
    (tmp_path / "organisation.wxi").write_text(organisation_include(), encoding="utf-8")
    source = (INSTALLER / "windows" / "devicecheck.wxs").read_text(encoding="utf-8")
    (tmp_path / "devicecheck.wxs").write_text(source, encoding="utf-8")
    proc = subprocess.run(["wixl", "-E", "devicecheck.wxs"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert 'AllowSameVersionUpgrades="yes"' in out and 'Schedule="afterInstallValidate"' in out
    assert re.search(r'<PermissionEx Sddl="O:BAG:SYD:PAI\(', out)
    assert f'<RemoveRegistryKey Root="HKLM" Key="{EVENT_SOURCE_KEY}" Action="removeOnUninstall"' \
        in out
    assert 'Type="expandable"' in out
    fragment = organisation_fragment("wix3")
    for prop in PROPERTIES:
        assert f'<Property Id="{prop}" Secure="yes">' in out
        assert f"<Condition>{prop}</Condition>" in fragment
    assert "<Condition>" not in organisation_fragment("wixl")


def test_harvest_is_deterministic_with_stable_component_guids(windows_payload: Path) -> None:
    first, second = harvest(windows_payload), harvest(windows_payload)
    assert first == second
    guids = re.findall(r'Guid="([0-9A-F-]+)"', first)
    assert len(guids) == 4 and len(set(guids)) == 4
    assert all(uuid.UUID(g) for g in guids)


def test_payload_without_windows_programs_is_refused(staged_payload: Path) -> None:
    proc = build(staged_payload)
    assert proc.returncode == 1 and "devicecheck.exe" in proc.stderr
