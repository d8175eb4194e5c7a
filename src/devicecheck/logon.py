"""``[cleaner] clean_at_logon``: clear meeting data at logon, before Teams starts, then start
Teams ourselves.

New Teams starts at logon and never quits on its own (shared/reference/teams.md, "Teams
stays open"), so data left by the last session can wait for days. With ``clean_at_logon``
IT switches Teams' own autostart off (docs/it-deployment.md, "Meeting data at session end
and logon") and the tray, which every OS starts at logon, calls ``clean_at_logon`` once at
start-up: no Teams client runs yet, so the clean can delete everything, and then the Teams
clients IT looks after are started through ``cleaner.control`` (new Teams on Windows through
its app id, ``explorer.exe shell:AppsFolder\\<app id>``; on macOS ``open -b <bundle id>``;
teams-for-linux from PATH). Which client starts how, and when it counts as installed, is
its entry's ``logon_start`` in ``devicecheck/clients.py``.

If a Teams client already runs (its own autostart won, or the officer was quicker), nothing
is quit and nothing cleaned here: the result says so, and the tray's after-meeting restart
flow takes over. No Qt: this runs before the tray's windows exist and is tested headless.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devicecheck.clients import CLIENTS, RESTARTABLE, Place
from devicecheck.osinfo import OsName, current_os

if TYPE_CHECKING:
    from devicecheck.cleaner.control import ClientControl, LaunchSpec
    from devicecheck.cleaner.run import CleanResult
    from devicecheck.policy.model import Policy

#: ``cleaner(policy, client_ids) -> CleanResult``; the real one is ``cleaner.clean``.
Cleaner = Callable[["Policy", Sequence[str]], "CleanResult"]
#: Where a client is installed, or None: injectable so tests need no real Teams.
Locator = Callable[[str, OsName, Mapping[str, str]], "LaunchSpec | None"]
#: Where a ``root`` install folder is looked for (the tests' seam: /Applications is macOS').
FS_ROOT = Path("/")


@dataclass(frozen=True)
class LogonResult:
    """What the logon step did, for the tray's log and the officer's notification."""

    enabled: bool
    running: tuple[str, ...] = ()          # clients already running: nothing was done
    cleaned: bool = False                  # a clean ran (see ``clean`` for what it did)
    clean: CleanResult | None = None
    started: tuple[str, ...] = ()          # clients started after the clean
    not_started: tuple[str, ...] = ()      # installed, but starting it failed
    problems: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        """One plain sentence (no file names, no meeting details)."""
        if not self.enabled:
            return "Clearing meeting data at logon is switched off."
        if self.running:
            return ("Teams was already running at logon, so meeting data was not cleared "
                    "then: DeviceCheck never closes Teams at logon.")
        ok = self.clean is not None and self.clean.exit_code == 0
        done = ("Meeting data was cleared at logon" if ok else
                "Some meeting data could not be cleared at logon")
        if self.started:
            return done + ", then Teams was started."
        if self.not_started:
            return done + ", but Teams could not be started: start it from the Start menu " \
                "or Applications."
        return done + "."


def _launch_spec(client_id: str, os_name: OsName, env: Mapping[str, str]) -> LaunchSpec | None:
    """How to start an installed client that is not running (no process to copy a command
    line from), or None when it is not installed here."""
    from devicecheck.cleaner.control import LaunchSpec

    client = CLIENTS.get(client_id)
    start = client.logon_start.get(os_name) if client is not None else None
    # Classic Teams is retired and has no stable launcher to start it by; teams-web is a
    # browser, never started by us: neither has a logon start.
    if client is None or start is None:
        return None
    method = client.restart.get(os_name)
    if start.installed:
        if not any(_installed(place, env) for place in start.installed):
            return None
        if method == "appsfolder" and client.windows_app_id:
            return LaunchSpec(client_id, app_id=client.windows_app_id, via="appsfolder")
        if method == "bundle" and client.mac_bundle:
            return LaunchSpec(client_id, app_id=client.mac_bundle, via="bundle")
        return None
    path = env.get("PATH", "")
    for name in start.programs:
        found = shutil.which(name, path=path)
        if found:
            return LaunchSpec(client_id, argv=(found,), executable=found)
    return None


def _installed(place: Place, env: Mapping[str, str]) -> bool:
    """Whether an install folder of ``LogonStart.installed`` exists (%LOCALAPPDATA% only as
    the environment sets it: without it nothing is installed for this user)."""
    if place.base == "root":
        return FS_ROOT.joinpath(*place.parts).is_dir()
    if place.base == "localappdata":
        local = env.get("LOCALAPPDATA")
        return local is not None and local != "" and Path(local, *place.parts).is_dir()
    raise ValueError(f"a logon start looks for installs under root or localappdata, not "
                     f"{place.base!r}")


def _default_cleaner(policy: Policy, client_ids: Sequence[str]) -> CleanResult:
    from devicecheck.cleaner.run import clean

    return clean(policy, client_ids=list(client_ids))


def clean_at_logon(policy: Policy, *, control: ClientControl | None = None,
                   cleaner: Cleaner | None = None, os_name: OsName | None = None,
                   env: Mapping[str, str] | None = None,
                   locate: Locator | None = None) -> LogonResult:
    """Clean before Teams starts, then start the Teams clients IT configured.

    Call it once when the tray starts, off the GUI thread (the clean can take seconds):
    ``result = clean_at_logon(loaded.policy)``, then show ``result.message`` if the
    policy switched it on. Never quits a running client."""
    if not policy.cleaner.clean_at_logon:
        return LogonResult(enabled=False)
    from devicecheck.cleaner.control import control_for

    os_name = os_name or current_os()
    env = os.environ if env is None else env
    control = control or control_for(os_name)
    ids = [c for c in policy.cleaner.clients if c in RESTARTABLE]
    running = tuple(c for c in ids if control.find(c))
    if running:
        return LogonResult(enabled=True, running=running)
    result = (cleaner or _default_cleaner)(policy, policy.cleaner.clients)
    started: list[str] = []
    not_started: list[str] = []
    problems: list[str] = [str(f.get("reason", "")) for f in result.failures]
    for cid in ids:
        if cid in result.refused:
            continue  # it started while we cleaned: it runs, nothing to start
        spec = (locate or _launch_spec)(cid, os_name, env)
        if spec is None:
            continue  # not installed here: nothing to start, nothing wrong
        (started if control.relaunch(spec) else not_started).append(cid)
    if not_started:
        problems.append("could not start " + ", ".join(not_started))
    return LogonResult(enabled=True, cleaned=True, clean=result, started=tuple(started),
                       not_started=tuple(not_started), problems=tuple(p for p in problems if p))


def describe(result: LogonResult) -> dict[str, Any]:
    """Counts and ids only, for the tray's log or an audit record."""
    return {"enabled": result.enabled, "running": list(result.running),
            "cleaned": result.cleaned, "started": list(result.started),
            "not_started": list(result.not_started),
            "exit_code": result.clean.exit_code if result.clean is not None else None}
