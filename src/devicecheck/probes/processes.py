"""Which processes are running, by name: one cheap psutil pass shared by the cleaner
(refuse while Teams runs), the recorder check and the Teams watcher.

Names are matched against the process name, the executable's base name and argv[0]'s
base name, because Electron/snap/flatpak wrappers often show a generic name (``electron``,
``bwrap``) in one of them only. Matching ignores case on Windows and macOS, whose file
systems do too.

``own_user=True`` counts only this user's processes: another local user can name any
program ``teams-for-linux``, and must not make the officer's ``clean`` refuse (issue 17
#9) or the Teams watcher think a meeting client runs. POSIX: the real uid (as
``cleaner/control.py`` does). Windows: the same account (``username()``) *and* the same
Remote Desktop session, from ``ProcessIdToSessionId`` (kernel32; psutil has no session
id, giampaolo/psutil#697), since one account may be signed in twice. When our own
identity cannot be read, every process counts: refusing a clean is safe, deleting while
our own Teams runs is not.

``by_executable=True`` (issue 29 #8) is for code that *acts on* a process or *trusts* it:
the restart-and-clean quits and relaunches it, the Teams watcher believes what it says,
the local API hands it the pairing token. There a process is who its executable says:
the base name of the file it runs (psutil ``exe()``, ``/proc/<pid>/exe`` on Linux, the
resolved file, so a link named like Teams shows its target), and only when that cannot
be read, the process name (the kernel's ``comm``, set by ``exec`` from the file's name).
Never argv[0], which a program sets to anything (``exec -a teams-for-linux sleep``
once got an officer's ``sleep`` quit and relaunched by ``clean --restart``). Wrappers
such as Flatpak and Snap still match: their client process runs the client's own binary
(``/app/teams-for-linux/teams-for-linux``, ``/snap/teams-for-linux/<rev>/...``)."""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import psutil

from devicecheck.osinfo import OsName, current_os


@dataclass(frozen=True)
class ProcInfo:
    pid: int
    name: str            # the policy/catalogue name that matched
    cmdline: tuple[str, ...] = ()


@dataclass(frozen=True)
class Owner:
    """Whose processes count: a uid (POSIX), or an account and session (Windows)."""

    uid: int | None = None
    username: str | None = None
    session: int | None = None


def _session_of(pid: int) -> int | None:  # pragma: no cover - Windows only
    if sys.platform != "win32":
        return None
    sid = ctypes.c_ulong(0)
    try:
        ok = ctypes.windll.kernel32.ProcessIdToSessionId(
            ctypes.c_ulong(pid), ctypes.byref(sid))
    except (OSError, AttributeError):
        return None
    return int(sid.value) if ok else None


def current_owner() -> Owner | None:
    """This process's owner, or None when it cannot be told (then nothing is filtered)."""
    if hasattr(os, "getuid"):
        return Owner(uid=os.getuid())
    with contextlib.suppress(psutil.Error, OSError):  # pragma: no cover - Windows
        return Owner(username=psutil.Process().username(), session=_session_of(os.getpid()))
    return None  # pragma: no cover


def owned_by(info: dict[str, object], owner: Owner,
             session_of: Callable[[int], int | None] = _session_of) -> bool:
    """Is the process described by psutil ``info`` (attrs ``uids`` or ``username``) the
    owner's? A process whose owner cannot be read is not (other users' processes are the
    ones that hide it; our own are always readable)."""
    if owner.uid is not None:
        uids = info.get("uids")
        return uids is not None and getattr(uids, "real", None) == owner.uid
    if owner.username is None or info.get("username") != owner.username:
        return False
    pid = info.get("pid")
    return owner.session is None or (isinstance(pid, int) and session_of(pid) == owner.session)


def fold_name(name: str, os_name: OsName) -> str:
    """A process or path name as the OS compares it: Windows and macOS file systems ignore
    case, Linux does not."""
    return name if os_name == "linux" else name.lower()


def executable_name(name: str, exe: str) -> str:
    """Who a process is, for acting on it or trusting it (pure): its executable's base
    name, or its process name only when the executable cannot be read. Never argv[0]."""
    if exe:
        return os.path.basename(exe.replace("\\", "/"))
    return name


def _candidates(proc: psutil.Process, by_executable: bool = False) -> Iterator[str]:
    info = proc.info  # filled by process_iter(attrs=...)
    if by_executable:
        yield executable_name(info.get("name") or "", info.get("exe") or "")
        return
    if info.get("name"):
        yield info["name"]
    for path in (info.get("exe") or "", (info.get("cmdline") or [""])[0] or ""):
        if path:
            yield os.path.basename(path.replace("\\", "/"))


def find_processes(names: Iterable[str], *, os_name: OsName | None = None,
                   with_cmdline: bool = False, own_user: bool = False,
                   by_executable: bool = False) -> list[ProcInfo]:
    """Running processes whose name matches one of ``names`` (one entry per PID); with
    ``own_user`` only this user's (and, on Windows, this session's); with
    ``by_executable`` only by the file they run (``executable_name``), never argv[0]."""
    os_name = os_name or current_os()
    wanted = {fold_name(n, os_name): n for n in names}
    if not wanted:
        return []
    owner = current_owner() if own_user else None
    attrs = ["pid", "name", "exe", "cmdline"]
    if owner is not None:
        attrs.append("uids" if owner.uid is not None else "username")
    found: list[ProcInfo] = []
    for proc in psutil.process_iter(attrs=attrs):
        try:
            if owner is not None and not owned_by(proc.info, owner):
                continue
            for cand in _candidates(proc, by_executable):
                hit = wanted.get(fold_name(cand, os_name))
                if hit is not None:
                    cmd = tuple(proc.info.get("cmdline") or ()) if with_cmdline else ()
                    found.append(ProcInfo(proc.info["pid"], hit, cmd))
                    break
        except (psutil.Error, OSError, TypeError):
            continue  # vanished or unreadable: not ours to judge
    return found


def pid_alive(pid: int, name: str, *, os_name: OsName | None = None,
              own_user: bool = False) -> bool:
    """Is ``pid`` still running *and* still the named program (PIDs get reused), by its
    executable (``executable_name``)? With ``own_user``, also still this user's (a reused
    PID may be another user's program)."""
    os_name = os_name or current_os()
    try:
        proc = psutil.Process(pid)
        owner = current_owner() if own_user else None
        if owner is not None:
            key = "uids" if owner.uid is not None else "username"
            if not owned_by({"pid": pid, **proc.as_dict(attrs=[key])}, owner):
                return False
        try:
            exe = proc.exe()
        except (psutil.Error, OSError):
            exe = ""
        seen = executable_name(proc.name(), exe)
        return fold_name(name, os_name) == fold_name(seen, os_name) and proc.is_running() \
            and proc.status() != psutil.STATUS_ZOMBIE
    except (psutil.Error, OSError):
        return False
