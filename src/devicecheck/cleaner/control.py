"""Quit a Teams client, wait until it is gone, and start it again: one interface
(``ClientControl``), one class per OS, for the restart-to-clean flow (``restart.py``).

Why each step is done the way it is (facts from shared/reference/teams.md, "Teams stays
open", unless cited here):

- **Linux** (teams-for-linux, classic ``teams``): both are Electron. Electron's main
  process installs a SIGTERM handler that starts a graceful shutdown and then restores the
  default handler ("We need to handle SIGTERM, because that is how many POSIX-based distros
  ask processes to quit gracefully", electron/electron
  ``shell/browser/electron_browser_main_parts_posix.cc``). So the quit request is one
  SIGTERM to the *main* process (the top-most process of that name; its renderer, GPU and
  zygote children carry the same name and go with it), and force is SIGKILL to all.
- **Windows**: ``taskkill /PID n`` without ``/F`` posts WM_CLOSE to the process's windows,
  as the window's close button does; ``/F`` uses TerminateProcess, ``/T`` takes the
  children (msedgewebview2.exe) too (serverfault.com/questions/151196, superuser.com
  /questions/959364; Microsoft's taskkill reference). New Teams closes to the tray on a
  window close by default, so a close request alone rarely ends it. So the quit goes
  first through the **Restart Manager** (``winrestart.py``): the processes holding the
  client's files are found by the open files, and its main processes are asked to end as
  at a logoff (WM_QUERYENDSESSION/WM_ENDSESSION), without force. Only when that fails
  does the taskkill close request follow, and ``taskkill /F /T`` after the timeout last.
  ``begin_quit`` says which it was (``QuitRequest.method``).
  New Teams starts again through its app id (``explorer.exe shell:AppsFolder\\<app id>``);
  classic Teams from its remembered executable and arguments.
- **macOS**: the quit Apple Event (``osascript -e 'quit app id "<bundle id>"'``), as the
  app's Quit menu item does; force is SIGTERM then SIGKILL; start again with
  ``open -b <bundle id>``.

Which client is started again how, and its ids, are the client's entry in
``devicecheck/clients.py`` (``restart``: ``appsfolder``, ``bundle`` or ``exec`` per OS).

Everything outside this process goes through an injectable seam (``client_processes.py``:
process table, runner, spawner, signal sender, liveness test), so the Windows and macOS
argument lists are tested on Linux with fixtures, and Linux is tested for real with a
stand-in client.
"""

from __future__ import annotations

import ntpath
import os
import posixpath
import signal
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devicecheck.cleaner.client_processes import (
    AliveFn,
    ClientProcess,
    ProcessTable,
    Runner,
    SignalFn,
    Spawner,
    _send_signal,
    launch_env,
    match_client,
    psutil_alive,
    psutil_cwd,
    psutil_table,
    run_command,
    spawn_detached,
)
from devicecheck.clients import CLIENTS, FLATPAK_IDS, MAC_BUNDLES, RESTARTABLE, process_names
from devicecheck.clients import restart_method as _restart_method
from devicecheck.osinfo import OsName, current_os

if TYPE_CHECKING:
    from devicecheck.cleaner.winrestart import RestartManager

#: ``RESTARTABLE`` (clients DeviceCheck may quit and start again: never a browser, where
#: other sites and the officer's own tabs live), ``MAC_BUNDLES`` and ``FLATPAK_IDS`` come
#: from the clients' entries (``devicecheck/clients.py``), re-exported here for the flow.

RUN_TIMEOUT_S = 10.0      # taskkill, explorer.exe, open: each returns at once or hangs
POLL_S = 0.05             # how often wait_gone / wait_started look again
TERM_GRACE_S = 2.0        # macOS force: SIGTERM, then SIGKILL after this long
if sys.platform == "win32":
    # Windows has no SIGKILL. There os.kill with any other signal is TerminateProcess, the
    # same unconditional stop (Python docs, os.kill); the POSIX classes that send it are
    # never chosen on Windows (WindowsControl forces with taskkill /F).
    HARD_KILL = signal.SIGTERM
else:
    HARD_KILL = signal.SIGKILL


@dataclass(frozen=True)
class LaunchSpec:
    """How to start a client again. ``argv`` (program first) for a remembered command
    line; ``app_id`` for a Windows app id or a macOS bundle id (argv is then built by the
    OS class). Never holds anything of ours: only what the client was started with."""

    client_id: str
    argv: tuple[str, ...] = ()
    cwd: str | None = None
    app_id: str | None = None
    via: str = "exec"         # exec | appsfolder | bundle | flatpak | snap
    #: The program file to run with ``argv`` (argv[0] kept as the client had it; a
    #: relative argv[0] found on a PATH is not looked up again).
    executable: str | None = None


@dataclass
class QuitRequest:
    """What asking one client to quit started (``ClientControl.begin_quit``).

    ``method``: "restart-manager" (Windows Restart Manager shut it down) or "close" (the
    client's own close/quit request: SIGTERM, the quit Apple Event, taskkill without /F);
    ``restart.py`` makes it "forced" when the force step was needed. ``restart()`` starts
    the client again through the same mechanism when it can (RmRestart), ``end()`` lets
    go of what the request holds (the Restart Manager session): always call it."""

    method: str = "close"
    detail: dict[str, Any] = field(default_factory=dict)
    waited_s: float = 0.0       # time spent waiting for the client inside the request

    def restart(self) -> bool:
        return False

    def end(self) -> None:
        return None


class ClientControl:
    """Find, quit, force, wait for and start again one OS's Teams clients."""

    os_name: OsName = "linux"

    def __init__(self, *, table: ProcessTable | None = None, runner: Runner | None = None,
                 spawner: Spawner | None = None, alive: AliveFn | None = None,
                 send_signal: SignalFn | None = None, cwd_of: Callable[[int], str] | None = None,
                 accept: Callable[[ClientProcess], bool] | None = None,
                 env: Mapping[str, str] | None = None,
                 exists: Callable[[str], bool] | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._table = table or psutil_table
        self._run = runner or run_command
        self._spawn = spawner or spawn_detached
        self._alive = alive or psutil_alive
        self._signal = send_signal or _send_signal
        self._cwd_of = cwd_of or psutil_cwd
        #: Narrows what ``find`` sees (tests and the benchmark: only their stand-in).
        self._accept = accept
        self._env = env
        self._exists = exists or (lambda path: Path(path).exists())
        self._clock = clock
        self._sleep = sleep

    # -- the interface -------------------------------------------------------------
    def find(self, client_id: str) -> list[ClientProcess]:
        """The client's running processes (mains first); empty when it does not run."""
        names = process_names(client_id, self.os_name)
        if client_id not in RESTARTABLE or not names:
            return []
        rows = [r for r in self._table() if self._accept is None or self._accept(r)]
        found = [p for p in match_client(rows, client_id, names, self.os_name) if self._alive(p)]
        mains = [replace(p, cwd=self._cwd_of(p.pid)) for p in found if p.main]
        return mains + [p for p in found if not p.main]

    def launch_spec(self, client_id: str, procs: Sequence[ClientProcess]) -> LaunchSpec | None:
        """How to start the client again, taken from its main process before it quits."""
        main = next((p for p in procs if p.main), None)
        if main is None:
            return None
        argv = main.cmdline or ((main.exe,) if main.exe else ())
        if not argv:
            return None
        # The running file, when it is still there (an update may have replaced it:
        # then argv[0] is what is left).
        executable = main.exe if main.exe and self._exists(main.exe) else None
        isabs = ntpath.isabs if self.os_name == "windows" else posixpath.isabs
        if executable is None and not (isabs(argv[0]) and self._exists(argv[0])):
            return None
        return LaunchSpec(client_id, tuple(argv), cwd=main.cwd or None, executable=executable)

    def request_quit(self, procs: Sequence[ClientProcess]) -> None:
        raise NotImplementedError

    def begin_quit(self, client_id: str, procs: Sequence[ClientProcess],
                   timeout: float) -> QuitRequest:
        """Ask the client to quit (the close request here; Windows tries the Restart
        Manager first). ``timeout`` bounds a request that itself waits."""
        self.request_quit(procs)
        return QuitRequest("close")

    def force(self, procs: Sequence[ClientProcess]) -> None:
        raise NotImplementedError

    def relaunch_argv(self, spec: LaunchSpec) -> list[str]:
        return list(spec.argv)

    def relaunch(self, spec: LaunchSpec) -> bool:
        """Start the client again the way it was started; True when it could be started."""
        argv = self.relaunch_argv(spec)
        if not argv:
            return False
        executable = spec.executable if spec.via == "exec" else None
        return self._spawn(argv, spec.cwd, launch_env(self._env), executable)

    def wait_gone(self, procs: Sequence[ClientProcess], timeout: float) -> bool:
        """Wait until every one of ``procs`` has ended (True) or ``timeout`` passed."""
        deadline = self._clock() + max(0.0, timeout)
        left = list(procs)
        while True:
            left = [p for p in left if self._alive(p)]
            if not left:
                return True
            if self._clock() >= deadline:
                return False
            self._sleep(POLL_S)

    def wait_started(self, client_id: str, timeout: float,
                     old: Iterable[ClientProcess] = ()) -> bool:
        """Wait until a new main process of the client shows up (True) or ``timeout``."""
        before = {(p.pid, p.create_time) for p in old}
        deadline = self._clock() + max(0.0, timeout)
        while True:
            if any(p.main and (p.pid, p.create_time) not in before
                   for p in self.find(client_id)):
                return True
            if self._clock() >= deadline:
                return False
            self._sleep(POLL_S)

    # -- shared by the POSIX classes ---------------------------------------------------
    def _signal_all(self, procs: Iterable[ClientProcess], sig: int) -> None:
        for p in procs:
            if self._alive(p):  # never signal a PID that now belongs to someone else
                self._signal(p.pid, sig)


class LinuxControl(ClientControl):
    os_name: OsName = "linux"

    def request_quit(self, procs: Sequence[ClientProcess]) -> None:
        # Only the main process: Electron's children follow it; signalling a renderer
        # first would look like a crash to the main process.
        self._signal_all([p for p in procs if p.main], signal.SIGTERM)

    def force(self, procs: Sequence[ClientProcess]) -> None:
        mains = [p for p in procs if p.main]
        self._signal_all(mains, HARD_KILL)
        self._signal_all([p for p in procs if not p.main], HARD_KILL)

    def launch_spec(self, client_id: str, procs: Sequence[ClientProcess]) -> LaunchSpec | None:
        spec = super().launch_spec(client_id, procs)
        main = next((p for p in procs if p.main), None)
        if main is None:
            return spec
        where = main.exe or (main.cmdline[0] if main.cmdline else "")
        # A sandboxed package must start through its manager: the paths inside the sandbox
        # (/app/... for flatpak) do not exist outside it, and a snap's own binary bypasses
        # its confinement. Their inner arguments are the wrapper's, so none are kept.
        if where.startswith("/app/") and client_id in FLATPAK_IDS:
            return LaunchSpec(client_id, ("flatpak", "run", FLATPAK_IDS[client_id]),
                              cwd=main.cwd or None, via="flatpak")
        if where.startswith("/snap/"):
            snap = where.split("/")[2] if len(where.split("/")) > 2 else ""
            if snap:
                return LaunchSpec(client_id, ("snap", "run", snap), cwd=main.cwd or None,
                                  via="snap")
        return spec

    def relaunch_argv(self, spec: LaunchSpec) -> list[str]:
        argv = list(spec.argv)
        if spec.via in ("flatpak", "snap"):
            # Absolute paths: the officer's PATH is not ours to trust for these two.
            tool = {"flatpak": "/usr/bin/flatpak", "snap": "/usr/bin/snap"}[spec.via]
            argv[0] = tool if self._exists(tool) else argv[0]
        return argv


class WindowsControl(ClientControl):
    os_name: OsName = "windows"

    def __init__(self, *, restart_manager: Callable[[], RestartManager | None] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: Gives the Restart Manager (None: not on Windows, or it cannot load).
        self._rm_loader = restart_manager

    def begin_quit(self, client_id: str, procs: Sequence[ClientProcess],
                   timeout: float) -> QuitRequest:
        """The Restart Manager first (``winrestart.quit_gracefully``); when it cannot end
        the client's main processes, the taskkill close request, and the caller's force
        step after the timeout, as before."""
        from devicecheck.cleaner import winrestart

        rm = (self._rm_loader or winrestart.load)()
        if rm is None:
            self.request_quit(procs)
            return QuitRequest("close", {"rm_fallback": "rm-unavailable"})
        from devicecheck.cleaner.plan import default_home
        from devicecheck.cleaner.winlockfiles import lock_files

        env = dict(self._env if self._env is not None else os.environ)
        files = lock_files(client_id, env, default_home("windows", env))
        q = winrestart.quit_gracefully(rm, files=files, mains=[p for p in procs if p.main],
                                       family=self._family(procs), timeout=timeout,
                                       clock=self._clock)
        if q.method is None:
            self.request_quit(procs)
        return _RmRequest(q)

    def _family(self, procs: Sequence[ClientProcess]) -> set[int]:
        """The client's PIDs and their descendants (its msedgewebview2.exe children hold
        the WebView2 stores). A child must be younger than its parent: Windows keeps a dead
        parent's PID in ``ppid``, and that PID may since belong to someone else."""
        born = {p.pid: p.create_time for p in procs}
        rows = [r for r in self._table() if r.pid not in born]
        grew = True
        while grew:
            grew = False
            for r in rows:
                if (r.pid not in born and r.ppid in born
                        and (not r.create_time or r.create_time >= born[r.ppid])):
                    born[r.pid] = r.create_time
                    grew = True
        return set(born)

    def _system(self, *parts: str) -> str:
        if sys.platform == "win32":  # pragma: no cover - Windows only
            # The Windows folder as the OS reports it (GetSystemDirectoryW's parent), not
            # the SystemRoot variable: the user's environment could point taskkill at a
            # look-alike (issue 29; probes.runner).
            from devicecheck.probes.runner import windows_system_directory

            system = windows_system_directory()
            return ntpath.join(ntpath.dirname(system) if system else r"C:\Windows", *parts)
        # Off Windows (tests) there is no system to ask: the test's environment says.
        env = self._env if self._env is not None else os.environ
        root = env.get("SystemRoot") or env.get("SYSTEMROOT") or r"C:\Windows"
        return ntpath.join(root, *parts)

    def request_quit(self, procs: Sequence[ClientProcess]) -> None:
        taskkill = self._system("System32", "taskkill.exe")
        for p in procs:
            if p.main and self._alive(p):
                self._run([taskkill, "/PID", str(p.pid)], RUN_TIMEOUT_S)

    def force(self, procs: Sequence[ClientProcess]) -> None:
        taskkill = self._system("System32", "taskkill.exe")
        # Mains first with /T (their WebView2 children go too), then any orphan left.
        for p in sorted(procs, key=lambda q: not q.main):
            if self._alive(p):
                self._run([taskkill, "/F", "/T", "/PID", str(p.pid)], RUN_TIMEOUT_S)

    def launch_spec(self, client_id: str, procs: Sequence[ClientProcess]) -> LaunchSpec | None:
        app_id = CLIENTS[client_id].windows_app_id if client_id in CLIENTS else None
        if _restart_method(client_id, "windows") == "appsfolder" and app_id:
            # A packaged app cannot be started from its exe path; its app id starts it
            # the way the Start menu does.
            main = next((p for p in procs if p.main), None)
            return LaunchSpec(client_id, app_id=app_id, via="appsfolder",
                              cwd=main.cwd if main and main.cwd else None)
        return super().launch_spec(client_id, procs)

    def relaunch_argv(self, spec: LaunchSpec) -> list[str]:
        if spec.via == "appsfolder" and spec.app_id:
            return [self._system("explorer.exe"), f"shell:AppsFolder\\{spec.app_id}"]
        return list(spec.argv)


class _RmRequest(QuitRequest):
    """A quit through the Restart Manager (or its fall-back close), holding its session."""

    def __init__(self, q: Any) -> None:
        super().__init__(q.method or "close", q.detail(), q.waited_s)
        self._q = q

    def restart(self) -> bool:
        return bool(self._q.restart())

    def end(self) -> None:
        self._q.end()


class MacControl(ClientControl):
    os_name: OsName = "macos"

    def request_quit(self, procs: Sequence[ClientProcess]) -> None:
        for cid in sorted({p.client_id for p in procs if p.main}):
            bundle = MAC_BUNDLES.get(cid)
            if bundle:
                # The quit Apple Event waits for the app's reply: bounded by the timeout.
                self._run(["/usr/bin/osascript", "-e", f'quit app id "{bundle}"'],
                          RUN_TIMEOUT_S)

    def force(self, procs: Sequence[ClientProcess]) -> None:
        self._signal_all([p for p in procs if p.main], signal.SIGTERM)
        if not self.wait_gone(procs, TERM_GRACE_S):
            self._signal_all(procs, HARD_KILL)

    def launch_spec(self, client_id: str, procs: Sequence[ClientProcess]) -> LaunchSpec | None:
        bundle = MAC_BUNDLES.get(client_id)
        if bundle is None or _restart_method(client_id, "macos") != "bundle":
            return super().launch_spec(client_id, procs)
        return LaunchSpec(client_id, app_id=bundle, via="bundle")

    def relaunch_argv(self, spec: LaunchSpec) -> list[str]:
        if spec.via == "bundle" and spec.app_id:
            return ["/usr/bin/open", "-b", spec.app_id]
        return list(spec.argv)


_CLASSES: Mapping[str, type[ClientControl]] = {
    "linux": LinuxControl, "windows": WindowsControl, "macos": MacControl}


def control_for(os_name: OsName | None = None, **kwargs: object) -> ClientControl:
    """The ``ClientControl`` of this (or the named) OS."""
    cls = _CLASSES[os_name or current_os()]
    return cls(**kwargs)  # type: ignore[arg-type]


#: The flow per OS, and the process seams it uses (re-exported from client_processes).
__all__ = ["FLATPAK_IDS", "MAC_BUNDLES", "RESTARTABLE", "AliveFn",
           "ClientControl", "ClientProcess", "LaunchSpec", "LinuxControl", "MacControl",
           "ProcessTable", "QuitRequest", "Runner", "SignalFn", "Spawner", "WindowsControl",
           "control_for",
           "launch_env", "match_client", "psutil_alive", "psutil_cwd", "psutil_table",
           "run_command", "spawn_detached"]
