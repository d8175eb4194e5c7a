"""Run external commands for probes: argument lists only (never a shell), always a
timeout, output decoded leniently, and "not installed" told apart from "failed".

Programs are found in the system's own folders (``SYSTEM_DIRS``), never through the
caller's PATH. PATH is the officer's to set: a script called ``realm`` or ``lsblk`` put
first in it and printing a healthy answer would otherwise make the checks say READY on a
laptop that is not joined or not encrypted (issue 29). The system folders are writable by
root/Administrators only, so what runs there is the system's tool. The child's own PATH is
the same fixed list, so a tool that starts another tool (``runuser ... env gsettings``)
cannot be steered either. Tests pass ``system_dirs`` to the constructor; there is no
environment switch for it.
"""

from __future__ import annotations

import ntpath
import os
import stat
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

#: Where the probes' programs live: folders only root can write. Linux: the usual order
#: of a root PATH; ``/sbin`` and ``/bin`` are symlinks into ``/usr`` on merged-/usr systems
#: (Debian 12) and real folders on older ones.
LINUX_SYSTEM_DIRS: tuple[str, ...] = ("/usr/sbin", "/usr/bin", "/sbin", "/bin")
#: macOS: the default PATH's system part (``/etc/paths``), minus ``/usr/local/bin``,
#: which an administrator-group user (and Homebrew) can write.
MACOS_SYSTEM_DIRS: tuple[str, ...] = ("/usr/bin", "/usr/sbin", "/bin", "/sbin")
#: Windows: under the system folder (``GetSystemDirectoryW``), PowerShell 5.1 and WMI's.
WINDOWS_SUBDIRS: tuple[str, ...] = ("", "WindowsPowerShell\\v1.0", "wbem")
#: Windows runs a bare program name with one of these suffixes. A fixed list, not the
#: user's PATHEXT: that, too, is the officer's environment.
WINDOWS_SUFFIXES: tuple[str, ...] = (".exe", ".com")


def windows_system_directory() -> str | None:  # pragma: no cover - Windows only
    """``%SystemRoot%\\System32`` as the OS reports it (``GetSystemDirectoryW``), not
    from the ``SystemRoot`` variable, which a user's environment can redefine."""
    if sys.platform != "win32":
        return None
    import ctypes

    try:
        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        buf = ctypes.create_unicode_buffer(520)
        size = kernel32.GetSystemDirectoryW(buf, len(buf))
    except (AttributeError, OSError):
        return None
    return buf.value if 0 < size < len(buf) else None


def default_system_dirs(platform: str | None = None) -> tuple[str, ...]:
    """The fixed program folders for this OS (``platform`` as ``sys.platform``)."""
    platform = sys.platform if platform is None else platform
    if platform.startswith("win"):
        system = windows_system_directory()
        if not system:
            # Nothing is found, so every probe says unknown: never a pass.
            return ()
        return tuple(ntpath.join(system, sub) if sub else system for sub in WINDOWS_SUBDIRS)
    if platform == "darwin":
        return MACOS_SYSTEM_DIRS
    return LINUX_SYSTEM_DIRS


def find_program(name: str, dirs: Sequence[str], *, windows: bool | None = None) -> str | None:
    """The absolute path of ``name`` in the first of ``dirs`` that holds it as an
    executable file, or None. Only these folders: not PATH and, unlike Windows'
    ``shutil.which`` before Python 3.12, not the current folder either."""
    windows = sys.platform.startswith("win") if windows is None else windows
    if not name or "/" in name or (windows and "\\" in name) or name in (".", ".."):
        return None
    names = [name]
    if windows and not os.path.splitext(name)[1]:
        names = [name + suffix for suffix in WINDOWS_SUFFIXES]
    for folder in dirs:
        if not os.path.isabs(folder):
            continue
        for candidate in names:
            path = os.path.join(folder, candidate)
            try:
                st = os.stat(path)
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode) and (windows or os.access(path, os.X_OK)):
                return path
    return None


class Outcome(StrEnum):
    OK = "ok"                  # ran and exited 0
    FAILED = "failed"          # ran and exited non-zero
    NOT_FOUND = "not-found"    # no such program
    TIMEOUT = "timeout"        # killed after the timeout
    ERROR = "error"            # could not start for another reason (permissions, ...)


@dataclass(frozen=True)
class CommandResult:
    argv: tuple[str, ...]
    outcome: Outcome
    returncode: int | None
    stdout: str
    stderr: str
    duration_s: float

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK

    def describe(self) -> str:
        """A short reason for evidence and ``unknown`` summaries (no output bodies)."""
        prog = self.argv[0] if self.argv else "?"
        if self.outcome is Outcome.NOT_FOUND:
            # A bare name was looked for in the system folders only (ProbeRunner).
            where = "" if os.path.isabs(prog) else " in the system folders"
            return f"{prog} is not installed{where}"
        if self.outcome is Outcome.TIMEOUT:
            return f"{prog} did not answer within {self.duration_s:.1f} s"
        if self.outcome is Outcome.ERROR:
            return f"{prog} could not be started: {self.stderr.strip()[:200]}"
        if self.outcome is Outcome.FAILED:
            tail = self.stderr.strip().splitlines()[-1:] or [""]
            return f"{prog} exited with code {self.returncode}" + (f": {tail[0][:200]}" if tail[0] else "")
        return f"{prog} ran"


class ProbeRunner:
    """Runs commands. Probes take a runner as a parameter so tests substitute a fake.

    ``argv[0]`` is a bare program name, looked for in ``system_dirs`` only (default: this
    OS's fixed list), or an absolute path the code itself names. ``system_dirs`` is the
    tests' seam: a folder of stand-in scripts instead of the system's."""

    def __init__(self, env: Mapping[str, str] | None = None, *,
                 system_dirs: Sequence[str | os.PathLike[str]] | None = None) -> None:
        self._env = env
        self._dirs = tuple(os.fspath(d) for d in system_dirs) if system_dirs is not None \
            else default_system_dirs()

    @property
    def system_dirs(self) -> tuple[str, ...]:
        return self._dirs

    def which(self, name: str) -> str | None:
        """Where ``name`` would run from: an absolute path as given, a bare name from the
        system folders; None for anything else (a relative path would be the current
        folder's)."""
        if os.path.isabs(name):
            return name
        return find_program(name, self._dirs)

    def run(self, argv: Sequence[str], *, timeout: float = 5.0, parse_locale: bool = True,
            input_text: str | None = None) -> CommandResult:
        argv = tuple(argv)
        program = self.which(argv[0]) if argv else None
        if program is None:
            return CommandResult(argv, Outcome.NOT_FOUND, None, "", "", 0.0)
        env = dict(self._env if self._env is not None else os.environ)
        # A tool that starts another by name finds it in the same folders.
        env["PATH"] = os.pathsep.join(self._dirs)
        if os.path.basename(program).lower() == "powershell.exe":
            # Cmdlets load from modules found through PSModulePath, whose default puts the
            # user's Documents\WindowsPowerShell\Modules first: a module there could
            # define its own Get-NetFirewallProfile. Given a PSModulePath that holds
            # $PSHOME\Modules, Windows PowerShell adds only the all-users Program Files
            # folder (admin-only) before it (Microsoft Learn, about_PSModulePath,
            # "Windows PowerShell startup").
            env["PSModulePath"] = os.path.join(os.path.dirname(program), "Modules")
        if parse_locale:
            # We parse the output, so it must not be translated.
            env["LC_ALL"] = "C"
            env["LANG"] = "C"
        flags = 0x08000000 if sys.platform.startswith("win") else 0  # CREATE_NO_WINDOW
        start = time.monotonic()
        try:
            proc = subprocess.run(  # noqa: S603 - argument list, no shell
                (program, *argv[1:]), input=input_text, capture_output=True, timeout=timeout, env=env,
                stdin=None if input_text is not None else subprocess.DEVNULL,
                creationflags=flags, check=False,
            )
        except FileNotFoundError:
            return CommandResult(argv, Outcome.NOT_FOUND, None, "", "", time.monotonic() - start)
        except subprocess.TimeoutExpired as exc:
            return CommandResult(argv, Outcome.TIMEOUT, None, _text(exc.stdout), _text(exc.stderr),
                                 time.monotonic() - start)
        except OSError as exc:
            return CommandResult(argv, Outcome.ERROR, None, "", str(exc), time.monotonic() - start)
        outcome = Outcome.OK if proc.returncode == 0 else Outcome.FAILED
        return CommandResult(argv, outcome, proc.returncode, _text(proc.stdout), _text(proc.stderr),
                             time.monotonic() - start)


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    if isinstance(data, str):
        return data
    # Windows tools may print UTF-16 or the OEM code page; never crash on bytes.
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", errors="replace")
    return data.decode("utf-8", errors="replace")
