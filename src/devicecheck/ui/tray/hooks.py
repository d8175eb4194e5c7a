"""The tray's Teams hooks: modules with ``attach(host)`` that the tray imports on the
thread pool at start-up and attaches to itself, and the Protocols they are written against:
``Monitor`` (what the tray uses of the Teams link), ``HookHost`` (what a hook uses of the
tray) and ``EventHook`` (what the tray uses of a hook: the Teams link's events, each read
once by ``TeamsLink`` into its typed value, ``teams/events.py``; no hook connects to the
monitor's raw signal). A leaf of the tray: it names the hooks, never imports the controller
or the tray's other parts (issue 28: no import cycle, type-only imports counted).

Attached at every start-up, so each hook is kept light: the windows it may open (pre-call,
recording alert) and the notice code are imported only when needed."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance

    from devicecheck.audit import AuditLog
    from devicecheck.policy import LoadedPolicy
    from devicecheck.teams.events import TeamsEvent

log = logging.getLogger(__name__)

#: Attached at every start-up, in this order.
HOOK_MODULES = ("devicecheck.ui.tray.meeting_prompt", "devicecheck.ui.tray.recording_guard")


class Monitor(Protocol):
    """What the tray uses of ``devicecheck.teams.monitor.TeamsMonitor`` (the tests' fake
    offers the same: ``tests/ui/test_contracts.py``)."""

    @property
    def teamsEvent(self) -> SignalInstance: ...
    @property
    def in_meeting(self) -> bool: ...
    @property
    def recording(self) -> bool: ...
    @property
    def running_clients(self) -> frozenset[str]: ...
    @property
    def waiting_clients(self) -> frozenset[str]: ...

    def detection(self) -> str: ...
    def restart_and_clean(self, clients: Iterable[str] | None = None, *,
                          automatic: bool = False) -> bool: ...
    def start(self) -> None: ...
    def stop(self, wait_s: float = 10.0) -> None: ...


class HookHost(Protocol):
    """What a hook may use of the tray (``TrayController`` is one)."""

    @property
    def monitor(self) -> Monitor | None: ...
    @property
    def loaded(self) -> LoadedPolicy: ...
    @property
    def audit(self) -> AuditLog: ...

    def notify(self, title: str, message: str, level: str = "info", *,
               key: str | None = None) -> bool: ...

    def open_precall(self) -> object: ...


class EventHook(Protocol):
    """What ``attach(host)`` returns: the tray hands it every event of the Teams link as a
    typed value, in the order the link sent them, after the tray's own handling."""

    def on_event(self, event: TeamsEvent) -> None: ...


def import_hook_modules() -> list[str]:
    """Runs on the thread pool: defining Qt classes off the GUI thread is fine; the
    widgets themselves are only made later, in the GUI thread."""
    loaded = []
    for name in HOOK_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            continue  # attach_hooks logs it
        loaded.append(name)
    return loaded


def attach_hooks(host: HookHost) -> dict[str, EventHook]:
    """Attach every hook that imports (already imported on the pool: cheap here); a hook
    with nothing to watch (no Teams link) returns None and is left out."""
    hooks: dict[str, EventHook] = {}
    for name in HOOK_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            log.info("%s not available: %s", name, exc)
            continue
        try:
            hook = module.attach(host)
        except Exception:
            log.exception("%s.attach failed", name)
            continue
        if hook is not None:
            hooks[name] = hook
    return hooks
