"""Windows: may anyone but administrators change this machine policy file or its folder?

The file's owner and DACL are read as an SDDL string (``GetNamedSecurityInfoW`` then
``ConvertSecurityDescriptorToStringSecurityDescriptorW``, both documented on Microsoft
Learn) and judged by a pure function, so the judgement is tested here with realistic
strings; the two ctypes calls are the only Windows-only part. SDDL ACE syntax
(``type;flags;rights;object_guid;inherit_guid;sid``), the SID aliases (BA, SY, WD, BU, AU)
and the access-mask bits are from Microsoft Learn "ACE strings", "SID strings" and
"File security and access rights".
"""

from __future__ import annotations

import re
from pathlib import Path

#: Who may write a machine policy: administrators, SYSTEM and TrustedInstaller.
TRUSTED_SIDS = frozenset({
    "BA", "S-1-5-32-544", "SY", "S-1-5-18",
    "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464",  # TrustedInstaller
})
# Letters that write: file/generic all and write, write DAC/owner, delete, and the
# directory-service letters whose bits mean write on files (DC 0x2 write data / add file,
# LC 0x4 append / add subfolder, DT 0x40 delete child). CC (0x1) is read data on a file.
_WRITE_RIGHTS = {"FA", "FW", "GA", "GW", "WD", "WO", "SD", "DC", "LC", "DT"}
# FILE_WRITE_DATA/ADD_FILE, FILE_APPEND_DATA/ADD_SUBDIRECTORY, FILE_DELETE_CHILD, DELETE,
# WRITE_DAC, WRITE_OWNER, GENERIC_ALL, GENERIC_WRITE.
_WRITE_MASK = 0x2 | 0x4 | 0x40 | 0x10000 | 0x40000 | 0x80000 | 0x10000000 | 0x40000000
_OWNER = re.compile(r"O:([A-Z]{2}|S-1(?:-\d+)+)")
_DACL = re.compile(r"D:[A-Z]*((?:\([^)]*\))*)")
_ACE = re.compile(r"\(([^)]*)\)")


def _writes(rights: str) -> bool:
    if rights.lower().startswith("0x"):
        try:
            return bool(int(rights, 16) & _WRITE_MASK)
        except ValueError:
            return True   # unreadable: assume the worst
    return any(rights[i:i + 2] in _WRITE_RIGHTS for i in range(0, len(rights), 2))


def sddl_problem(sddl: str) -> str | None:
    """Why this security descriptor lets a non-administrator change the object, or None."""
    owner = _OWNER.search(sddl)
    if owner is None:
        return "its owner cannot be read"
    if owner.group(1) not in TRUSTED_SIDS:
        return f"it is owned by {owner.group(1)}, not administrators"
    dacl = _DACL.search(sddl)
    if dacl is None:
        # No DACL at all means everyone has full access (Microsoft Learn, "Null DACLs").
        return "it has no access control list (everyone may write)"
    for ace in _ACE.findall(dacl.group(1)):
        parts = ace.split(";")
        if len(parts) < 6:
            return "its access control list cannot be read"
        kind, flags, rights, sid = parts[0], parts[1], parts[2], parts[5]
        if kind not in ("A", "OA") or "IO" in (flags[i:i + 2] for i in range(0, len(flags), 2)):
            continue   # deny entries, and inherit-only entries that do not apply here
        if sid not in TRUSTED_SIDS and _writes(rights):
            return f"{sid} may write it"
    return None


def read_sddl(path: Path) -> str:
    """The owner and DACL of ``path`` as SDDL; raises OSError when they cannot be read."""
    import ctypes

    windll = getattr(ctypes, "windll")  # noqa: B009 - Windows-only attribute
    advapi32 = windll.advapi32
    owner_and_dacl, se_file_object, sddl_revision_1 = 0x1 | 0x4, 1, 1
    descriptor = ctypes.c_void_p()
    err = advapi32.GetNamedSecurityInfoW(str(path), se_file_object, owner_and_dacl, None,
                                         None, None, None, ctypes.byref(descriptor))
    if err:
        raise OSError(err, "GetNamedSecurityInfoW failed")
    text = ctypes.c_wchar_p()
    try:
        if not advapi32.ConvertSecurityDescriptorToStringSecurityDescriptorW(
                descriptor, sddl_revision_1, owner_and_dacl, ctypes.byref(text), None):
            raise OSError(getattr(ctypes, "get_last_error")(),  # noqa: B009
                          "cannot convert the security descriptor")
        return text.value or ""
    finally:
        windll.kernel32.LocalFree(descriptor)
        if text:
            windll.kernel32.LocalFree(text)


def windows_acl_problem(path: Path) -> str | None:
    """Why a non-administrator could change ``path`` or its folder, or None."""
    for target in (path, path.parent):
        try:
            why = sddl_problem(read_sddl(target))
        except OSError as exc:
            return f"the permissions of {target} cannot be read ({exc})"
        if why:
            return f"{target}: {why}"
    return None
