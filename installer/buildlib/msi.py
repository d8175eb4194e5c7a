"""``build.py msi``: the Windows Installer package from a frozen payload.

On Linux, wixl (msitools) builds it, which is how the tests check the tables; on Windows,
WiX 3 (candle + light) builds it from the same ``installer/windows/devicecheck.wxs``.
The payload is harvested here rather than with heat, so both tool chains get the same,
deterministic component list.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
import uuid
from pathlib import Path
from xml.sax.saxutils import quoteattr

from buildlib.common import BUILD, DIST, INSTALLER, VERSION, BuildError, run
from buildlib.policyfile import load_policy_file
from devicecheck.policy.schema import LEAVES

WXS = INSTALLER / "windows" / "devicecheck.wxs"
#: Shipped for IT to assign as a Group Policy logoff script (session-end clean).
LOGOFF_SCRIPT = INSTALLER / "windows" / "devicecheck-logoff.cmd"
#: Component GUIDs are derived from this namespace and the install path: the same file in
#: the same place keeps its GUID across versions, as Windows Installer's rules require.
COMPONENT_NAMESPACE = uuid.UUID("0d6c4a8e-7b2f-4e59-9a31-5c8e2f7d1b46")
#: Public MSI properties -> policy keys; their defaults come from the baked-in policy.
PROPERTIES: dict[str, str] = {
    "ORGNAME": "organisation.name",
    "TENANTIDS": "organisation.tenant_ids",
    "DOMAINS": "organisation.domains",
    "ITCONTACT": "organisation.it_contact",
}
_DEFINE_NAMES = {"ORGNAME": "DefaultOrgName", "TENANTIDS": "DefaultTenantIds",
                 "DOMAINS": "DefaultDomains", "ITCONTACT": "DefaultItContact"}


def _ident(prefix: str, rel: str) -> str:
    return prefix + hashlib.sha1(rel.encode()).hexdigest()[:32].upper()


def harvest(payload: Path) -> str:
    """A WiX fragment: every file under ``payload`` in a component of group AppFiles."""
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             '<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">', "  <Fragment>",
             '    <DirectoryRef Id="INSTALLDIR">']
    components: list[str] = []

    def walk(folder: Path, depth: int) -> None:
        pad = "  " * depth
        for entry in sorted(folder.iterdir(), key=lambda p: (p.is_dir(), p.name)):
            rel = entry.relative_to(payload).as_posix()
            if entry.is_dir():
                lines.append(f'{pad}<Directory Id="{_ident("D", rel)}" Name={quoteattr(entry.name)}>')
                walk(entry, depth + 1)
                lines.append(f"{pad}</Directory>")
            elif entry.is_file():
                cid = _ident("C", rel)
                guid = str(uuid.uuid5(COMPONENT_NAMESPACE, rel.lower())).upper()
                source = quoteattr(f"$(var.SourceDir)/{rel}")
                lines.append(f'{pad}<Component Id="{cid}" Guid="{guid}" Win64="yes">')
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


def property_defaults(values: dict[str, object]) -> dict[str, str]:
    """Default of each public property: the baked-in policy's value, else the model's;
    lists as the ';'-separated text the registry reader accepts."""
    out: dict[str, str] = {}
    for prop, key in PROPERTIES.items():
        value = values.get(key, LEAVES[key].default)
        out[prop] = ";".join(value) if isinstance(value, tuple | list) else str(value)
    return out


def build_msi(*, payload: Path, policy: Path | None = None, out_dir: Path = DIST) -> Path:
    """Build ``dist/devicecheck-<version>-x64.msi`` from the Windows onedir ``payload``."""
    payload = payload.resolve()
    if not (payload / "devicecheck.exe").is_file() or not (payload / "devicecheck-tray.exe").is_file():
        raise BuildError(f"{payload} must hold devicecheck.exe and devicecheck-tray.exe "
                         "(a Windows freeze: python installer/build.py freeze)")
    policy_src, values = load_policy_file(policy)
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
    shutil.copyfile(WXS, work / "devicecheck.wxs")
    shutil.copyfile(LOGOFF_SCRIPT, work / LOGOFF_SCRIPT.name)
    defines = {"Version": VERSION, "SourceDir": "payload", "PolicyFile": "policy.toml",
               "LogoffScript": LOGOFF_SCRIPT.name}
    defines.update({_DEFINE_NAMES[p]: v for p, v in property_defaults(values).items()})
    out_dir.mkdir(parents=True, exist_ok=True)
    out = (out_dir / f"devicecheck-{VERSION}-x64.msi").resolve()
    sources = ["devicecheck.wxs", "payload.wxs"]
    if shutil.which("wixl"):
        wixl_defines = [arg for k, v in defines.items() for arg in ("-D", f"{k}={v}")]
        run(["wixl", "-a", "x64", *wixl_defines, "-o", out, *sources], cwd=work)
    elif shutil.which("candle") and shutil.which("light"):
        run(["candle", "-nologo", "-arch", "x64", *(f"-d{k}={v}" for k, v in defines.items()),
             *sources], cwd=work)
        run(["light", "-nologo", "-out", out, "devicecheck.wixobj", "payload.wixobj"], cwd=work)
    else:
        raise BuildError("neither wixl (Linux: apt-get install wixl) nor WiX 3 candle/light "
                         "(Windows: choco install wixtoolset) is on PATH")
    return out
