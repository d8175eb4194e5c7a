"""The endpoint agent's processes on macOS and Linux: who runs them and from where.

A process *name* proves nothing: any local user can copy ``sleep`` to a file called
``falcon-sensor`` and run it (issue 29). The agent counts only when it runs as root and
from a folder vendors install into, which only root can write (``installed_path``). This
module gathers the rows (one psutil pass, injectable); ``checks.antivirus`` judges them.

Where agents install (vendors' own exclusion lists name these folders): on Linux under
``/opt`` (CrowdStrike ``/opt/CrowdStrike``, Microsoft Defender ``/opt/microsoft/mdatp``,
SentinelOne ``/opt/sentinelone``, Cyberhaven ``/opt/cyberhaven``) or the system's own
``/usr`` folders for distribution packages; on macOS under ``/Library`` (SentinelOne
``/Library/Sentinel/``, CrowdStrike ``/Library/CS``) or ``/Applications`` (SentinelOne
``/Applications/SentinelOne/``, Defender's app). Never ``/usr/local`` or ``/opt/homebrew``
(Homebrew's, writable without root) nor a home folder.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from devicecheck.osinfo import OsName
from devicecheck.probes.processes import fold_name

#: Folders an agent's executable may run from, per OS (prefixes, with the trailing /).
INSTALL_DIRS: dict[str, tuple[str, ...]] = {
    "linux": ("/opt/", "/usr/bin/", "/usr/sbin/", "/usr/lib/", "/usr/lib64/",
              "/usr/libexec/", "/bin/", "/sbin/", "/lib/", "/lib64/"),
    "macos": ("/Library/", "/Applications/", "/usr/bin/", "/usr/sbin/", "/usr/libexec/"),
}
#: Inside those, folders that are not the system's: Homebrew's on Apple silicon.
NOT_INSTALL_DIRS: dict[str, tuple[str, ...]] = {"linux": (), "macos": ("/opt/homebrew/",)}
ROOT_UID = 0


@dataclass(frozen=True)
class AgentProcess:
    """One running process whose name matched a policy agent name."""

    pid: int
    name: str                 # the policy name it matched
    real_uid: int | None      # None: could not be read
    exe: str | None           # the executable psutil reports (None: not readable to us)
    argv0: str | None = None  # argv[0], the fallback for a root process we may not inspect


#: ``table(names, os_name) -> rows``: the processes matching ``names`` (tests pass a list).
AgentTable = Callable[[Sequence[str], OsName], list[AgentProcess]]


def installed_path(path: str | None, os_name: OsName) -> bool:
    """Is ``path`` (absolute, as the kernel reports it) inside an install folder?"""
    if not path or not path.startswith("/"):
        return False
    # Linux marks a replaced executable "/opt/x/agent (deleted)": still where it ran from.
    clean = posixpath.normpath(path.removesuffix(" (deleted)"))
    if clean != path.removesuffix(" (deleted)").rstrip("/"):
        return False  # "..", "//" or "." parts: not a path the kernel gives
    folded = fold_name(clean, os_name)
    if any(folded.startswith(fold_name(p, os_name)) for p in NOT_INSTALL_DIRS.get(os_name, ())):
        return False
    return any(folded.startswith(fold_name(p, os_name)) for p in INSTALL_DIRS.get(os_name, ()))


def _matches(names: dict[str, str], info: dict[str, object], os_name: OsName) -> str | None:
    """The policy name this process answers to: its name, or the base name of its
    executable or argv[0] (wrappers show a generic name in one of them)."""
    cands = [str(info.get("name") or "")]
    cmdline = info.get("cmdline") or []
    for path in (info.get("exe") or "", cmdline[0] if isinstance(cmdline, list) and cmdline else ""):
        if path:
            cands.append(os.path.basename(str(path)))
    for cand in cands:
        hit = names.get(fold_name(cand, os_name))
        if hit is not None:
            return hit
    return None


def psutil_agents(names: Sequence[str], os_name: OsName) -> list[AgentProcess]:
    """Every process (any user's) matching ``names``, with its real uid and executable.
    A non-root run cannot read a root process's executable on Linux (/proc/<pid>/exe
    needs ptrace access), so argv[0] is kept as well."""
    import psutil

    wanted = {fold_name(n, os_name): n for n in names}
    rows: list[AgentProcess] = []
    if not wanted:
        return rows
    for proc in psutil.process_iter(attrs=["pid", "name", "exe", "cmdline", "uids"]):
        try:
            info = proc.info
            hit = _matches(wanted, info, os_name)
            if hit is None:
                continue
            uids = info.get("uids")
            cmdline = info.get("cmdline") or []
            rows.append(AgentProcess(
                pid=int(info["pid"]), name=hit,
                real_uid=getattr(uids, "real", None) if uids is not None else None,
                exe=info.get("exe") or None,
                argv0=str(cmdline[0]) if cmdline else None))
        except (psutil.Error, OSError, TypeError, ValueError):
            continue  # vanished or unreadable
    return rows


def agent_rows(names: Iterable[str], os_name: OsName,
               table: AgentTable | None = None) -> list[AgentProcess]:
    return (table or psutil_agents)(list(names), os_name)
