"""Which processes are running, by name: one cheap psutil pass shared by the cleaner
(refuse while Teams runs), the recorder check and the Teams watcher.

Names are matched against the process name, the executable's base name and argv[0]'s
base name, because Electron/snap/flatpak wrappers often show a generic name (``electron``,
``bwrap``) in one of them only. Matching ignores case on Windows and macOS, whose file
systems do too."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import psutil

from devicecheck.osinfo import OsName, current_os


@dataclass(frozen=True)
class ProcInfo:
    pid: int
    name: str            # the policy/catalogue name that matched
    cmdline: tuple[str, ...] = ()


def _fold(name: str, os_name: OsName) -> str:
    return name if os_name == "linux" else name.lower()


def _candidates(proc: psutil.Process) -> Iterator[str]:
    info = proc.info  # filled by process_iter(attrs=...)
    if info.get("name"):
        yield info["name"]
    for path in (info.get("exe") or "", (info.get("cmdline") or [""])[0] or ""):
        if path:
            yield os.path.basename(path.replace("\\", "/"))


def find_processes(names: Iterable[str], *, os_name: OsName | None = None,
                   with_cmdline: bool = False) -> list[ProcInfo]:
    """Running processes whose name matches one of ``names`` (one entry per PID)."""
    os_name = os_name or current_os()
    wanted = {_fold(n, os_name): n for n in names}
    if not wanted:
        return []
    found: list[ProcInfo] = []
    for proc in psutil.process_iter(attrs=["pid", "name", "exe", "cmdline"]):
        try:
            for cand in _candidates(proc):
                hit = wanted.get(_fold(cand, os_name))
                if hit is not None:
                    cmd = tuple(proc.info.get("cmdline") or ()) if with_cmdline else ()
                    found.append(ProcInfo(proc.info["pid"], hit, cmd))
                    break
        except (psutil.Error, OSError, TypeError):
            continue  # vanished or unreadable: not ours to judge
    return found


def pid_alive(pid: int, name: str, *, os_name: OsName | None = None) -> bool:
    """Is ``pid`` still running *and* still the named program (PIDs get reused)?"""
    os_name = os_name or current_os()
    try:
        proc = psutil.Process(pid)
        names = {proc.name()}
        try:
            names.add(os.path.basename(proc.exe()))
        except (psutil.Error, OSError):
            pass
        return _fold(name, os_name) in {_fold(n, os_name) for n in names} and proc.is_running() \
            and proc.status() != psutil.STATUS_ZOMBIE
    except (psutil.Error, OSError):
        return False
