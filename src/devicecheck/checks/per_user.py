"""Whose settings, files and processes a per-user check judges.

Run by the officer, that is the officer: their HKCU, their profile and environment, all
processes. Run as SYSTEM (Intune's discovery script) or root, it is the console user, read
only from what the OS and administrators control (``probes.session``): their hive under
``HKEY_USERS\\<SID>``, their profile folder with the OS's default layout (no environment
variable, since the officer could set one), and only processes they own. Nobody at the
console: the engine reports the check as ``skip`` with that reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import psutil

from devicecheck.checks.base import Context, Status, Verdict
from devicecheck.probes.processes import ProcInfo
from devicecheck.probes.registry import RegistryReader, UserHiveRegistry


def judging_console_user(ctx: Context) -> bool:
    return ctx.service and ctx.console is not None


def no_console_user(ctx: Context) -> Verdict:
    who = "SYSTEM" if ctx.os_name == "windows" else "root"
    return Verdict(Status.SKIP, f"Nobody is signed in at the console, so this per-user check "
                   f"was not run (DeviceCheck runs as {who}).",
                   {"per_user": True, "run_as": who, "console_user": None})


def judged_for(ctx: Context, verdict: Verdict) -> Verdict:
    """Name the console user a SYSTEM/root run judged, in the summary and the evidence."""
    if not judging_console_user(ctx) or ctx.console is None:
        return verdict
    who = "SYSTEM" if ctx.os_name == "windows" else "root"
    evidence = {**dict(verdict.evidence), "judged_user": ctx.console.name, "run_as": who}
    return Verdict(verdict.status, f"{verdict.summary} (judged for {ctx.console.name}, "
                   "signed in at the console)", evidence, verdict.remediation)


def user_home(ctx: Context) -> Path:
    return ctx.console.home if judging_console_user(ctx) and ctx.console else ctx.home


def user_env(ctx: Context) -> Mapping[str, str]:
    """The environment used to find the user's folders. As SYSTEM/root only the profile
    folder is given, so APPDATA, LOCALAPPDATA and XDG_CONFIG_HOME fall back to the OS's
    defaults below it (cleaner.plan.resolve_base) instead of anything the officer set."""
    if not judging_console_user(ctx) or ctx.console is None:
        return ctx.env
    key = "USERPROFILE" if ctx.os_name == "windows" else "HOME"
    return {key: str(ctx.console.home)}


def user_registry(ctx: Context) -> RegistryReader | None:
    if ctx.registry is None or not judging_console_user(ctx) or ctx.console is None:
        return ctx.registry
    if not ctx.console.sid:
        return None  # no hive to read: the check says it could not read the settings
    return UserHiveRegistry(ctx.registry, ctx.console.sid)


OwnerOf = Callable[[int], Any]


def _owner(pid: int) -> Any:
    proc = psutil.Process(pid)
    try:
        return proc.uids().real
    except AttributeError:  # Windows: no uids(); the account name instead
        return proc.username().lower()


def only_console_user(ctx: Context, procs: list[ProcInfo], *,
                      owner_of: OwnerOf = _owner) -> list[ProcInfo]:
    """Keep the console user's processes (a SYSTEM/root run); others' are not theirs."""
    if not judging_console_user(ctx) or ctx.console is None:
        return procs
    want: Any = ctx.console.uid if ctx.console.uid is not None else ctx.console.name.lower()
    kept = []
    for p in procs:
        try:
            if owner_of(p.pid) == want:
                kept.append(p)
        except (psutil.Error, OSError):
            continue  # gone or unreadable: not evidence about this user
    return kept
