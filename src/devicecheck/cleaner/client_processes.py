"""Teams client processes on the real machine: the seams ``control.py`` injects — list
this user's processes, tell a client's processes from the rest, signal them, run a
command, start a program detached. Split from ``control.py``, which holds the quit /
force / relaunch flow per OS; everything here is replaceable in tests.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from devicecheck.osinfo import OsName
from devicecheck.probes.processes import executable_name


@dataclass(frozen=True)
class ClientProcess:
    """One running process of a client (``main``: top-most, i.e. its parent is not one of
    the client's own processes: the one a quit request goes to)."""

    pid: int
    name: str
    exe: str = ""
    cmdline: tuple[str, ...] = ()
    cwd: str = ""
    ppid: int = 0
    create_time: float = 0.0
    client_id: str = ""
    main: bool = False


#: ``runner(argv, timeout) -> exit code`` (-1 when it could not run or timed out).
Runner = Callable[[Sequence[str], float], int]
#: ``spawner(argv, cwd, env, executable) -> started?``: start a detached process, never
#: through a shell.
Spawner = Callable[[Sequence[str], "str | None", Mapping[str, str], "str | None"], bool]
#: ``table() -> rows``: this user's processes (pid, name, exe, cmdline, ppid, create_time).
ProcessTable = Callable[[], Iterable[ClientProcess]]
AliveFn = Callable[[ClientProcess], bool]
SignalFn = Callable[[int, int], None]


# -- defaults (the real machine) ---------------------------------------------------------
def run_command(argv: Sequence[str], timeout: float) -> int:
    try:
        done = subprocess.run(  # noqa: S603 - argument list, no shell
            list(argv), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, timeout=timeout, check=False)
    except (OSError, subprocess.SubprocessError):
        return -1
    return done.returncode


def launch_env(base: Mapping[str, str] | None = None, *,
               frozen: bool | None = None) -> dict[str, str]:
    """Our environment minus what is ours: DEVICECHECK_* switches, and in a PyInstaller
    build its loader state. PyInstaller points LD_LIBRARY_PATH at its bundle and keeps the
    original in LD_LIBRARY_PATH_ORIG; a child that inherits it loads our libraries instead
    of the system's (PyInstaller "runtime information: LD_LIBRARY_PATH / LIBPATH
    considerations"; lbryio/lbry-sdk#2842, microsoft/apm#1534)."""
    env = dict(os.environ if base is None else base)
    frozen = bool(getattr(sys, "frozen", False)) if frozen is None else frozen
    for key in [k for k in env if k.startswith(("DEVICECHECK_", "_PYI_", "_MEI"))]:
        del env[key]
    if frozen:
        for var in ("LD_LIBRARY_PATH", "LIBPATH"):
            orig = env.pop(f"{var}_ORIG", None)
            if orig is not None:
                env[var] = orig
            else:
                env.pop(var, None)
    return env


def spawn_detached(argv: Sequence[str], cwd: str | None, env: Mapping[str, str],
                   executable: str | None = None) -> bool:
    """Start ``argv`` so that it outlives us: its own session (POSIX) or a detached
    process group (Windows), no inherited stdio or descriptors. A reaper thread collects
    its exit status if it ends while we run, so a quit Teams never lingers as a zombie that
    the process check would count as running."""
    kwargs: dict[str, object] = {}
    if os.name == "nt":
        kwargs["creationflags"] = (getattr(subprocess, "DETACHED_PROCESS", 0x8)
                                   | getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0x200))
    else:
        kwargs["start_new_session"] = True
    if cwd and not os.path.isdir(cwd):
        cwd = None
    try:
        proc = subprocess.Popen(  # noqa: S603 - argument list, no shell
            list(argv), executable=executable, cwd=cwd or os.path.expanduser("~"), env=dict(env),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            close_fds=True, **kwargs)  # type: ignore[call-overload]
    except (OSError, ValueError, subprocess.SubprocessError):
        return False
    threading.Thread(target=proc.wait, name="devicecheck-reap", daemon=True).start()
    return True


def psutil_table() -> list[ClientProcess]:
    """This user's processes, one cheap psutil pass (cwd is read later, for mains only)."""
    import psutil

    mine_uid = os.getuid() if hasattr(os, "getuid") else None
    mine_user: str | None = None
    if mine_uid is None:
        with contextlib.suppress(psutil.Error, OSError):
            mine_user = psutil.Process().username()
    attrs = ["pid", "name", "exe", "cmdline", "ppid", "create_time",
             "uids" if mine_uid is not None else "username"]
    rows: list[ClientProcess] = []
    for proc in psutil.process_iter(attrs=attrs):
        info = proc.info
        try:
            if mine_uid is not None:
                uids = info.get("uids")
                if uids is None or uids.real != mine_uid:
                    continue
            elif mine_user is not None and info.get("username") != mine_user:
                continue
            rows.append(ClientProcess(pid=int(info["pid"]), name=info.get("name") or "",
                                      exe=info.get("exe") or "",
                                      cmdline=tuple(info.get("cmdline") or ()),
                                      ppid=int(info.get("ppid") or 0),
                                      create_time=float(info.get("create_time") or 0.0)))
        except (TypeError, ValueError, AttributeError):
            continue
    return rows


def psutil_alive(proc: ClientProcess) -> bool:
    """Still running, and still the same process (a PID is reused; a zombie has ended)."""
    import psutil

    try:
        p = psutil.Process(proc.pid)
        if proc.create_time and abs(p.create_time() - proc.create_time) > 0.05:
            return False
        return bool(p.status() != psutil.STATUS_ZOMBIE)
    except (psutil.Error, OSError):
        return False


def psutil_cwd(pid: int) -> str:
    import psutil

    try:
        return str(psutil.Process(pid).cwd())
    except (psutil.Error, OSError):
        return ""


def _send_signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, sig)


# -- pure helpers ------------------------------------------------------------------------
def _fold(name: str, os_name: OsName) -> str:
    return name if os_name == "linux" else name.lower()


def match_client(rows: Iterable[ClientProcess], client_id: str, names: frozenset[str],
                 os_name: OsName) -> list[ClientProcess]:
    """The rows that are ``client_id``'s processes, with ``main`` set on the top-most ones.
    By the file each runs (``probes.processes.executable_name``), never by argv[0]: these
    are the processes a restart quits and starts again (issue 29 #8)."""
    wanted = {_fold(n, os_name) for n in names}
    hits = [r for r in rows if _fold(executable_name(r.name, r.exe), os_name) in wanted]
    pids = {r.pid for r in hits}
    return [replace(r, client_id=client_id, main=r.ppid not in pids) for r in hits]
