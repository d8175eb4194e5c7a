"""``build.py msi``: the Windows Installer package from a frozen payload.

On Linux, wixl (msitools) builds it, which is how the tests check the tables; on Windows,
WiX 3 (candle + light) builds it from the same ``installer/windows/devicecheck.wxs``.
The payload is harvested here rather than with heat, so both tool chains get the same,
deterministic component list.

What the build writes next to the source, in ``build/msi``:

- ``defines.wxi``: the preprocessor variables, as a UTF-8 include file rather than ``-D``
  options (wixl converts ``-D`` text from the locale and stops on non-ASCII;
  candle and wixl both read an include file as XML).
- ``organisation.wxi`` / ``organisation.wxs``: the public properties from ``PROPERTIES``:
  each with the remember-property pattern (RegistrySearch, two set-property custom actions
  round AppSearch), an install-time format check and a component that writes the value
  only when it is not empty.
- ``payload.wxs``: the harvested app.

wixl 0.101 has no component conditions, PermissionEx, RemoveRegistryKey,
AllowSameVersionUpgrades, expandable registry strings or Secure properties; after a wixl
build ``WIXL_FIXUPS`` writes those rows into the MSI with msibuild, so the tables the tests
read are the tables WiX 3 makes from the same source.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from buildlib.common import BUILD, DIST, INSTALLER, BuildError, run
from buildlib.policyfile import load_policy_file
from buildlib.version import package_version

WXS = INSTALLER / "windows" / "devicecheck.wxs"
#: Shipped for IT to assign as a Group Policy logoff script (session-end clean).
LOGOFF_SCRIPT = INSTALLER / "windows" / "devicecheck-logoff.cmd"
#: Component GUIDs are derived from this namespace and the install path: the same file in
#: the same place keeps its GUID across versions, as Windows Installer's rules require.
COMPONENT_NAMESPACE = uuid.UUID("0d6c4a8e-7b2f-4e59-9a31-5c8e2f7d1b46")
#: Public MSI properties -> policy keys (HKLM\SOFTWARE\Policies\DeviceCheck\<section>, <name>).
PROPERTIES: dict[str, str] = {
    "ORGNAME": "organisation.name",
    "TENANTIDS": "organisation.tenant_ids",
    "DOMAINS": "organisation.domains",
    "ITCONTACT": "organisation.it_contact",
}
POLICY_KEY = r"SOFTWARE\Policies\DeviceCheck"
#: The product's own key: command-line values are remembered here (value name = property).
PRODUCT_KEY = r"SOFTWARE\DeviceCheck"
EVENT_SOURCE_KEY = r"SYSTEM\CurrentControlSet\Services\EventLog\Application\DeviceCheck"
EVENT_MESSAGE_FILE = r"%SystemRoot%\Microsoft.NET\Framework64\v4.0.30319\EventLogMessages.dll"
#: Owner Administrators; protected (no inheritance from %ProgramData%, whose ACL lets users
#: create files); SYSTEM and Administrators full control, Users read and execute
#: (0x1200a9 = FILE_GENERIC_READ | FILE_GENERIC_EXECUTE), for the folder and what it holds.
POLICY_DIR_SDDL = "O:BAG:SYD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;BU)"
#: AppSearch is action 50 in both sequences (WiX 3 and wixl): the remember pattern saves
#: each command-line value just before it and puts it back just after it.
_SAVE_SEQUENCE, _RESTORE_SEQUENCE = 41, 51
#: WiX 3 MajorUpgrade AllowSameVersionUpgrades="yes" sets msidbUpgradeAttributesVersionMaxInclusive.
UPGRADE_VERSION_MAX_INCLUSIVE = 0x200


@dataclass(frozen=True)
class FormatCheck:
    """What an install refuses for one property: an MSI condition has no pattern matching,
    only "contains" (><), so it catches the usual slips; the app's own validator still
    judges the value when it reads it."""

    forbidden: tuple[str, ...]
    message: str


#: Install-time checks (LaunchCondition rows, both tool chains). No [ ] or { } in the
#: messages: the Description column is formatted text, where they mean something.
FORMAT_CHECKS: dict[str, FormatCheck] = {
    "TENANTIDS": FormatCheck((",", "{", "}"), "TENANTIDS: separate tenant ids with ';', write "
                             "them without curly brackets, for example "
                             "TENANTIDS=11111111-2222-3333-4444-555555555555;"
                             "66666666-7777-8888-9999-000000000000"),
    "DOMAINS": FormatCheck((",",), "DOMAINS: separate domains with ';', for example "
                           "DOMAINS=corp.example.gov.uk;example.gov.uk"),
}


def _ident(prefix: str, rel: str) -> str:
    return prefix + hashlib.sha1(rel.encode()).hexdigest()[:32].upper()


def _guid(name: str) -> str:
    return str(uuid.uuid5(COMPONENT_NAMESPACE, name)).upper()


def harvest(payload: Path) -> str:
    """A WiX fragment: every file under ``payload`` in a component of group AppFiles."""
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             '<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">',
             "  <?include defines.wxi ?>",  # each source is preprocessed on its own
             "  <Fragment>", '    <DirectoryRef Id="INSTALLDIR">']
    components: list[str] = []

    def walk(folder: Path, depth: int) -> None:
        pad = "  " * depth
        for entry in sorted(folder.iterdir(), key=lambda p: (p.is_dir(), p.name)):
            rel = entry.relative_to(payload).as_posix()
            if not rel.isascii():
                # wixl writes no database codepage, so Windows would read a non-ASCII name
                # in the File or Directory table in the machine's ANSI code page.
                raise BuildError(f"{payload}: {rel!r} is not an ASCII file name")
            if entry.is_dir():
                lines.append(f'{pad}<Directory Id="{_ident("D", rel)}" Name={quoteattr(entry.name)}>')
                walk(entry, depth + 1)
                lines.append(f"{pad}</Directory>")
            elif entry.is_file():
                cid = _ident("C", rel)
                source = quoteattr(f"$(var.SourceDir)/{rel}")
                lines.append(f'{pad}<Component Id="{cid}" Guid="{_guid(rel.lower())}" Win64="yes">')
                lines.append(f'{pad}  <File Id="{_ident("F", rel)}" Name={quoteattr(entry.name)} '
                             f'Source={source} KeyPath="yes" />')
                lines.append(f"{pad}</Component>")
                components.append(cid)

    walk(payload, 3)
    lines += ["    </DirectoryRef>", "  </Fragment>", "  <Fragment>",
              '    <ComponentGroup Id="AppFiles">',
              *(f'      <ComponentRef Id="{c}" />' for c in components),
              "    </ComponentGroup>", "  </Fragment>", "</Wix>", ""]
    return "\n".join(lines)


def component_id(prop: str) -> str:
    """The component that writes (and remembers) one public property."""
    return f"Org{prop}"


def component_condition(prop: str) -> str:
    """Install the property's values only when it is set: an empty registry string would
    override the council's policy.toml (the registry wins) with nothing."""
    return prop


def launch_condition(prop: str, check: FormatCheck) -> str:
    """True when the property is unset or holds none of the forbidden characters."""
    contains = " OR ".join(f'{prop} >< "{ch}"' for ch in check.forbidden)
    return f"NOT {prop} OR NOT ({contains})"


def write_defines(version: str, toolset: str) -> str:
    """``defines.wxi``: every preprocessor variable the source uses."""
    values = {"Version": version, "SourceDir": "payload", "PolicyFile": "policy.toml",
              "LogoffScript": LOGOFF_SCRIPT.name, "Toolset": toolset,
              "PolicyDirSddl": POLICY_DIR_SDDL, "EventSourceKey": EVENT_SOURCE_KEY,
              "EventMessageFile": EVENT_MESSAGE_FILE}
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             "<!-- Written by installer/buildlib/msi.py for one build. -->", "<Include>"]
    for name, value in values.items():
        if '"' in value or "?>" in value:
            raise BuildError(f"{name} cannot be passed to the MSI compiler: {value!r}")
        lines.append(f'  <?define {name} = "{value}" ?>')
    return "\n".join([*lines, "</Include>", ""])


def organisation_include() -> str:
    """``organisation.wxi`` (inside Product): the properties, the remember pattern, checks.

    Remember-property pattern (Rob Mensching, "The WiX toolset's 'Remember Property'
    pattern"): AppSearch reads the value stored at the last install into the property;
    a value given on this command line was saved before AppSearch and is put back after
    it, so it wins. The custom actions run in both sequences (wixl ignores
    Execute="firstSequence", and running twice is harmless: the second pass saves the value
    the first settled on)."""
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           "<!-- Written by installer/buildlib/msi.py from PROPERTIES and FORMAT_CHECKS. -->",
           "<Include>"]
    sequence: list[str] = []
    for i, prop in enumerate(PROPERTIES):
        out += [f'  <Property Id="{prop}" Secure="yes">',
                f'    <RegistrySearch Id="Remembered{prop}" Root="HKLM" Key="{PRODUCT_KEY}" '
                f'Name="{prop}" Type="raw" Win64="yes" />',
                "  </Property>",
                f'  <CustomAction Id="SaveCmdLine{prop}" Property="CMDLINE_{prop}" '
                f'Value="[{prop}]" />',
                f'  <CustomAction Id="SetFromCmdLine{prop}" Property="{prop}" '
                f'Value="[CMDLINE_{prop}]" />']
        sequence += [f'    <Custom Action="SaveCmdLine{prop}" Sequence="{_SAVE_SEQUENCE + i}" />',
                     f'    <Custom Action="SetFromCmdLine{prop}" '
                     f'Sequence="{_RESTORE_SEQUENCE + i}">CMDLINE_{prop}</Custom>']
    for table in ("InstallUISequence", "InstallExecuteSequence"):
        out += [f"  <{table}>", *sequence, f"  </{table}>"]
    for prop, check in FORMAT_CHECKS.items():
        out.append(f"  <Condition Message={quoteattr(check.message)}>"
                   f"{escape(launch_condition(prop, check))}</Condition>")
    return "\n".join([*out, "</Include>", ""])


def organisation_fragment(toolset: str) -> str:
    """``organisation.wxs``: one component per property, in component group OrganisationValues."""
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           "<!-- Written by installer/buildlib/msi.py from PROPERTIES. -->",
           '<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">', "  <Fragment>",
           '    <DirectoryRef Id="TARGETDIR">']
    for prop, key in PROPERTIES.items():
        section, name = key.split(".")
        out.append(f'      <Component Id="{component_id(prop)}" Guid="{_guid("registry:" + prop)}" '
                   'Win64="yes">')
        if toolset == "wix3":  # wixl: WIXL_FIXUPS writes the same Component.Condition
            out.append(f"        <Condition>{component_condition(prop)}</Condition>")
        out += [f'        <RegistryValue Root="HKLM" Key="{POLICY_KEY}\\{section}" Name="{name}" '
                f'Type="string" Value="[{prop}]" />',
                f'        <RegistryValue Root="HKLM" Key="{PRODUCT_KEY}" Name="{prop}" '
                f'Type="string" Value="[{prop}]" KeyPath="yes" />',
                "      </Component>"]
    out += ["    </DirectoryRef>", "  </Fragment>", "  <Fragment>",
            '    <ComponentGroup Id="OrganisationValues">',
            *(f'      <ComponentRef Id="{component_id(p)}" />' for p in PROPERTIES),
            "    </ComponentGroup>", "  </Fragment>", "</Wix>", ""]
    return "\n".join(out)


def _msi_rows(msi: Path, table: str) -> list[dict[str, str]]:
    out = run(["msiinfo", "export", msi, table], timeout=60).splitlines()
    columns = out[0].split("\t")
    return [dict(zip(columns, line.rstrip("\r").split("\t"), strict=False)) for line in out[3:]
            if line]


def wixl_fixups(msi: Path, work: Path) -> list[str]:
    """Write into a wixl-built MSI what its WiX 3 build gets from the same source; return the
    SQL run (for the build log and the tests)."""
    props = {r["Property"]: r["Value"] for r in _msi_rows(msi, "Property")}
    secure = [p for p in props.get("SecureCustomProperties", "").split(";") if p]
    secure += [p for p in PROPERTIES if p not in secure]
    upgrade = next((r for r in _msi_rows(msi, "Upgrade")
                    if r["ActionProperty"] == "WIX_UPGRADE_DETECTED"), None)
    if upgrade is None:
        raise BuildError("wixl wrote no major-upgrade row; the MSI would install side by side")
    # Attributes is part of the Upgrade table's primary key, so the row is replaced, not
    # updated; empty (null) columns are left out of the INSERT.
    upgrade["Attributes"] = str(int(upgrade["Attributes"]) | UPGRADE_VERSION_MAX_INCLUSIVE)
    filled = {k: v for k, v in upgrade.items() if v}
    upgrade_values = ", ".join(v if k == "Attributes" else f"'{v}'" for k, v in filled.items())
    queries = [
        # Component conditions: only non-empty values are written.
        *(f"UPDATE `Component` SET `Condition` = '{component_condition(p)}' "
          f"WHERE `Component` = '{component_id(p)}'" for p in PROPERTIES),
        # Secure="yes": the values reach the elevated server side of a managed install.
        f"UPDATE `Property` SET `Value` = '{';'.join(secure)}' "
        "WHERE `Property` = 'SecureCustomProperties'",
        # AllowSameVersionUpgrades="yes": an X.Y.Z.B rebuild replaces X.Y.Z.A in place.
        "DELETE FROM `Upgrade` WHERE `ActionProperty` = 'WIX_UPGRADE_DETECTED'",
        f"INSERT INTO `Upgrade` ({', '.join(f'`{k}`' for k in filled)}) VALUES ({upgrade_values})",
        # Type="expandable": '#%' stores REG_EXPAND_SZ (Registry table, Value column).
        f"UPDATE `Registry` SET `Value` = '#%{EVENT_MESSAGE_FILE}' "
        "WHERE `Name` = 'EventMessageFile'",
        # RemoveRegistryKey Action="removeOnUninstall": Name '-' with no Value deletes the
        # key and everything under it when the component is removed.
        "INSERT INTO `Registry` (`Registry`, `Root`, `Key`, `Name`, `Component_`) "
        f"VALUES ('RemoveEventSourceKey', 2, '{EVENT_SOURCE_KEY}', '-', 'EventLogSource')",
    ]
    for query in queries:
        run(["msibuild", msi, "-q", query], timeout=60)
    # PermissionEx: the MsiLockPermissionsEx table (columns as Microsoft documents them).
    idt = work / "MsiLockPermissionsEx.idt"
    idt.write_text("MsiLockPermissionsEx\tLockObject\tTable\tSDDLText\tCondition\r\n"
                   "s72\ts72\ts32\tl0\tS255\r\n"
                   "MsiLockPermissionsEx\tMsiLockPermissionsEx\r\n"
                   f"PolicyDirAcl\tPOLICYDIR\tCreateFolder\t{POLICY_DIR_SDDL}\t\r\n",
                   encoding="ascii", newline="")
    run(["msibuild", msi, "-i", idt], cwd=work, timeout=60)
    return [*queries, f"import {idt.name}"]


def build_msi(*, payload: Path, policy: Path | None = None, version: str | None = None,
              out_dir: Path = DIST) -> Path:
    """Build ``dist/devicecheck-<version>-x64.msi`` from the Windows onedir ``payload``."""
    version = package_version(version)
    payload = payload.resolve()
    if not (payload / "devicecheck.exe").is_file() or not (payload / "devicecheck-tray.exe").is_file():
        raise BuildError(f"{payload} must hold devicecheck.exe and devicecheck-tray.exe "
                         "(a Windows freeze: python installer/build.py freeze)")
    # Validated by the app's own reader; baked values stay in the file (see the .wxs).
    policy_src, _ = load_policy_file(policy)
    if shutil.which("wixl"):
        toolset = "wixl"
    elif shutil.which("candle") and shutil.which("light"):
        toolset = "wix3"
    else:
        raise BuildError("neither wixl (Linux: apt-get install wixl msitools) nor WiX 3 "
                         "candle/light (Windows: choco install wixtoolset) is on PATH")
    work = BUILD / "msi"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    # wixl wants paths relative to its working folder, so everything it reads sits in work/.
    shutil.copyfile(policy_src, work / "policy.toml")
    if sys.platform == "win32":
        shutil.copytree(payload, work / "payload")  # symlinks need extra rights on Windows
    else:
        (work / "payload").symlink_to(payload, target_is_directory=True)
    (work / "payload.wxs").write_text(harvest(payload), encoding="utf-8")
    (work / "defines.wxi").write_text(write_defines(version, toolset), encoding="utf-8")
    (work / "organisation.wxi").write_text(organisation_include(), encoding="utf-8")
    (work / "organisation.wxs").write_text(organisation_fragment(toolset), encoding="utf-8")
    shutil.copyfile(WXS, work / "devicecheck.wxs")
    shutil.copyfile(LOGOFF_SCRIPT, work / LOGOFF_SCRIPT.name)
    out_dir.mkdir(parents=True, exist_ok=True)
    out = (out_dir / f"devicecheck-{version}-x64.msi").resolve()
    sources = ["devicecheck.wxs", "organisation.wxs", "payload.wxs"]
    if toolset == "wixl":
        run(["wixl", "-a", "x64", "-o", out, *sources], cwd=work)
        try:
            wixl_fixups(out, work)
        except (BuildError, subprocess.SubprocessError):
            out.unlink(missing_ok=True)  # half-fixed tables must never be shipped
            raise
    else:
        run(["candle", "-nologo", "-arch", "x64", *sources], cwd=work)
        run(["light", "-nologo", "-out", out, *(Path(s).with_suffix(".wixobj").name
                                                for s in sources)], cwd=work)
    return out
