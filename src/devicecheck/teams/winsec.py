"""Who owns a file, and who besides the officer may write a folder, on Windows (issue 29).

The log source reads Teams' log only from a folder no other user can write, and only the
files the officer owns: another user's file could start a fake meeting (so a clean is
refused and the data stays) or end a real one (so Teams is restarted mid-call).

Two parts:
- pure: ``others_can_write(owner, aces, me)`` judges a folder's owner and DACL, given as
  ``Ace`` tuples (type, flags, mask, SID string); tests pass made-up lists;
- ctypes (advapi32, Windows only): ``current_user_sid()`` (the process token's user),
  ``handle_owner_sid(fd)`` (``GetSecurityInfo`` on the open file, so the file judged is
  the file read) and ``folder_security(path)`` (``GetFileSecurityW``: owner and DACL).
  Documented at learn.microsoft.com: GetSecurityInfo, GetFileSecurityW,
  GetSecurityDescriptorOwner/Dacl, GetAclInformation, GetAce, ConvertSidToStringSidW,
  GetTokenInformation (TokenUser); the ACE layout is ACCESS_ALLOWED_ACE (header, mask,
  then the SID).

Who may write without counting as "others": the officer, SYSTEM, Administrators and
TrustedInstaller (IT and the OS are trusted, as in the threat model), and app-container
package and capability SIDs (``S-1-15-2-*``, ``S-1-15-3-*``): Teams' own package writes
its logs through them, and Windows grants an app container only what the user's own
entries also grant, so they let no other user in. An ACE that applies only to children
(``INHERIT_ONLY_ACE``) does not let anyone write the folder itself. Deny entries are not
weighed (a folder is judged by what it allows: the safe side).
"""

from __future__ import annotations

import errno
import sys
from collections.abc import Iterable
from typing import Any, NamedTuple

SYSTEM = "S-1-5-18"
ADMINISTRATORS = "S-1-5-32-544"
TRUSTED_INSTALLER = "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464"
OWNER_RIGHTS = "S-1-3-4"
TRUSTED = frozenset({SYSTEM, ADMINISTRATORS, TRUSTED_INSTALLER})
APP_CONTAINER_PREFIXES = ("S-1-15-2-", "S-1-15-3-")

ACCESS_ALLOWED_ACE_TYPE = 0x0
ACCESS_ALLOWED_CALLBACK_ACE_TYPE = 0x9
ALLOWED_TYPES = frozenset({ACCESS_ALLOWED_ACE_TYPE, ACCESS_ALLOWED_CALLBACK_ACE_TYPE})
#: Object ACEs (types 5, 0xB) keep their SID after optional GUIDs: not parsed, so an allow
#: of that kind counts as "someone else may write" (they are not used on NTFS files).
ALLOWED_OBJECT_TYPES = frozenset({0x5, 0xB})
INHERIT_ONLY_ACE = 0x08

FILE_ADD_FILE = 0x0002
FILE_ADD_SUBDIRECTORY = 0x0004
FILE_DELETE_CHILD = 0x0040
DELETE = 0x00010000
WRITE_DAC = 0x00040000
WRITE_OWNER = 0x00080000
GENERIC_ALL = 0x10000000
GENERIC_WRITE = 0x40000000
#: Rights that let someone put, replace or remove a file in the folder, or take it over.
WRITE_RIGHTS = (FILE_ADD_FILE | FILE_ADD_SUBDIRECTORY | FILE_DELETE_CHILD | DELETE | WRITE_DAC
                | WRITE_OWNER | GENERIC_ALL | GENERIC_WRITE)


class Ace(NamedTuple):
    type: int
    flags: int
    mask: int
    sid: str | None          # None: not read (an object ACE)


def trusted_writer(sid: str, me: str) -> bool:
    return sid == me or sid in TRUSTED or sid.startswith(APP_CONTAINER_PREFIXES)


def others_can_write(owner: str | None, aces: Iterable[Ace] | None, me: str) -> str | None:
    """Why users other than ``me`` (and the trusted ones) can write the folder, or None.
    ``aces`` None is a NULL DACL: everyone has full access."""
    if owner is None:
        return "its owner cannot be read"
    if owner != me and owner not in TRUSTED:
        return "it belongs to another user"
    if aces is None:
        return "it has no access list (everyone may write)"
    for ace in aces:
        if ace.flags & INHERIT_ONLY_ACE or not ace.mask & WRITE_RIGHTS:
            continue
        if ace.type in ALLOWED_OBJECT_TYPES:
            return "an object access entry lets someone write to it"
        if ace.type not in ALLOWED_TYPES:
            continue
        if ace.sid is None:
            return "an access entry lets someone unnamed write to it"
        if ace.sid == OWNER_RIGHTS or trusted_writer(ace.sid, me):
            continue             # OWNER RIGHTS: the owner, checked above
        return "its access list lets other users write to it"
    return None


# -- ctypes (Windows only) ------------------------------------------------------------
SE_FILE_OBJECT = 1
OWNER_SECURITY_INFORMATION = 0x1
DACL_SECURITY_INFORMATION = 0x4
TOKEN_QUERY = 0x0008
TOKEN_USER = 1
ACL_SIZE_INFORMATION = 2
ERROR_INSUFFICIENT_BUFFER = 122


def _api() -> Any:
    """advapi32 and kernel32 with their prototypes (imported on Windows only)."""
    if sys.platform != "win32":
        raise OSError(errno.ENOSYS, "Windows security descriptors exist on Windows only")
    import ctypes
    from ctypes import wintypes

    advapi = ctypes.WinDLL("advapi32", use_last_error=True)
    kernel = ctypes.WinDLL("kernel32", use_last_error=True)
    p = ctypes.c_void_p
    advapi.GetSecurityInfo.argtypes = [wintypes.HANDLE, ctypes.c_int, wintypes.DWORD,
                                       ctypes.POINTER(p), ctypes.POINTER(p),
                                       ctypes.POINTER(p), ctypes.POINTER(p), ctypes.POINTER(p)]
    advapi.GetSecurityInfo.restype = wintypes.DWORD
    advapi.GetFileSecurityW.argtypes = [wintypes.LPCWSTR, wintypes.DWORD, p, wintypes.DWORD,
                                        ctypes.POINTER(wintypes.DWORD)]
    advapi.GetFileSecurityW.restype = wintypes.BOOL
    advapi.GetSecurityDescriptorOwner.argtypes = [p, ctypes.POINTER(p),
                                                  ctypes.POINTER(wintypes.BOOL)]
    advapi.GetSecurityDescriptorOwner.restype = wintypes.BOOL
    advapi.GetSecurityDescriptorDacl.argtypes = [p, ctypes.POINTER(wintypes.BOOL),
                                                 ctypes.POINTER(p),
                                                 ctypes.POINTER(wintypes.BOOL)]
    advapi.GetSecurityDescriptorDacl.restype = wintypes.BOOL
    advapi.GetAclInformation.argtypes = [p, p, wintypes.DWORD, ctypes.c_int]
    advapi.GetAclInformation.restype = wintypes.BOOL
    advapi.GetAce.argtypes = [p, wintypes.DWORD, ctypes.POINTER(p)]
    advapi.GetAce.restype = wintypes.BOOL
    advapi.ConvertSidToStringSidW.argtypes = [p, ctypes.POINTER(wintypes.LPWSTR)]
    advapi.ConvertSidToStringSidW.restype = wintypes.BOOL
    advapi.OpenProcessToken.argtypes = [wintypes.HANDLE, wintypes.DWORD,
                                        ctypes.POINTER(wintypes.HANDLE)]
    advapi.OpenProcessToken.restype = wintypes.BOOL
    advapi.GetTokenInformation.argtypes = [wintypes.HANDLE, ctypes.c_int, p, wintypes.DWORD,
                                           ctypes.POINTER(wintypes.DWORD)]
    advapi.GetTokenInformation.restype = wintypes.BOOL
    kernel.GetCurrentProcess.restype = wintypes.HANDLE
    kernel.CloseHandle.argtypes = [wintypes.HANDLE]
    kernel.LocalFree.argtypes = [p]
    kernel.LocalFree.restype = p
    return ctypes, wintypes, advapi, kernel


def _sid_string(api: Any, sid: int | None) -> str | None:
    ctypes, wintypes, advapi, kernel = api
    if not sid:
        return None
    out = wintypes.LPWSTR()
    if not advapi.ConvertSidToStringSidW(sid, ctypes.byref(out)):
        return None
    try:
        return str(out.value)
    finally:
        kernel.LocalFree(ctypes.cast(out, ctypes.c_void_p))


def current_user_sid() -> str | None:
    """The SID of the user this process runs as (its token's TokenUser), or None."""
    api = _api()
    ctypes, wintypes, advapi, kernel = api
    token = wintypes.HANDLE()
    if not advapi.OpenProcessToken(kernel.GetCurrentProcess(), TOKEN_QUERY,
                                   ctypes.byref(token)):
        return None
    try:
        need = wintypes.DWORD()
        advapi.GetTokenInformation(token, TOKEN_USER, None, 0, ctypes.byref(need))
        buf = ctypes.create_string_buffer(need.value or 256)
        if not advapi.GetTokenInformation(token, TOKEN_USER, buf, len(buf),
                                          ctypes.byref(need)):
            return None
        # TOKEN_USER = SID_AND_ATTRIBUTES { PSID Sid; DWORD Attributes }: the SID pointer first.
        sid = ctypes.cast(buf, ctypes.POINTER(ctypes.c_void_p))[0]
        return _sid_string(api, sid)
    finally:
        kernel.CloseHandle(token)


def handle_owner_sid(fd: int) -> str | None:
    """The owner SID of the file open as ``fd`` (``GetSecurityInfo`` on its handle)."""
    if sys.platform != "win32":
        return None
    import msvcrt

    api = _api()
    ctypes, _wintypes, advapi, kernel = api
    handle = msvcrt.get_osfhandle(fd)
    owner, sd = ctypes.c_void_p(), ctypes.c_void_p()
    if advapi.GetSecurityInfo(handle, SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION,
                              ctypes.byref(owner), None, None, None, ctypes.byref(sd)) != 0:
        return None
    try:
        return _sid_string(api, owner.value)
    finally:
        kernel.LocalFree(sd)


def folder_security(path: str) -> tuple[str | None, list[Ace] | None]:
    """A folder's owner SID and its DACL's entries (None: a NULL DACL). Raises OSError when
    the security descriptor cannot be read."""
    api = _api()
    ctypes, wintypes, advapi, _kernel = api
    info = OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION
    need = wintypes.DWORD()
    advapi.GetFileSecurityW(path, info, None, 0, ctypes.byref(need))
    if not need.value:
        raise OSError(ctypes.get_last_error(), "GetFileSecurityW failed")
    buf = ctypes.create_string_buffer(need.value)
    if not advapi.GetFileSecurityW(path, info, buf, need.value, ctypes.byref(need)):
        raise OSError(ctypes.get_last_error(), "GetFileSecurityW failed")
    owner, defaulted = ctypes.c_void_p(), wintypes.BOOL()
    if not advapi.GetSecurityDescriptorOwner(buf, ctypes.byref(owner), ctypes.byref(defaulted)):
        raise OSError(ctypes.get_last_error(), "GetSecurityDescriptorOwner failed")
    present, dacl = wintypes.BOOL(), ctypes.c_void_p()
    if not advapi.GetSecurityDescriptorDacl(buf, ctypes.byref(present), ctypes.byref(dacl),
                                            ctypes.byref(defaulted)):
        raise OSError(ctypes.get_last_error(), "GetSecurityDescriptorDacl failed")
    owner_sid = _sid_string(api, owner.value)
    if not present.value or not dacl.value:
        return owner_sid, None
    size = (wintypes.DWORD * 3)()            # ACL_SIZE_INFORMATION: AceCount first
    if not advapi.GetAclInformation(dacl, size, ctypes.sizeof(size), ACL_SIZE_INFORMATION):
        raise OSError(ctypes.get_last_error(), "GetAclInformation failed")
    aces: list[Ace] = []
    for i in range(size[0]):
        ace = ctypes.c_void_p()
        if not advapi.GetAce(dacl, i, ctypes.byref(ace)) or not ace.value:
            raise OSError(ctypes.get_last_error(), "GetAce failed")
        raw = ctypes.cast(ace, ctypes.POINTER(ctypes.c_ubyte))
        ace_type, flags = raw[0], raw[1]
        # ACCESS_ALLOWED_ACE: ACE_HEADER (4 bytes), ACCESS_MASK (4), then the SID.
        mask = ctypes.cast(ace.value + 4, ctypes.POINTER(wintypes.DWORD))[0]
        sid = (_sid_string(api, ace.value + 8)
               if ace_type in ALLOWED_TYPES or ace_type == 0x1 else None)
        aces.append(Ace(ace_type, flags, int(mask), sid))
    return owner_sid, aces


__all__ = ["Ace", "current_user_sid", "folder_security", "handle_owner_sid",
           "others_can_write"]
