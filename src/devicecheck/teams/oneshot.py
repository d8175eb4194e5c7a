"""Is a meeting on right now, from what a command can read at once (no Qt event loop, no
history): the ``clean --restart`` command's answer to the restart flow's "is a meeting
on?" port (``cleaner/restart.py``, ``MeetingCheck``).

It lives in the Teams link, not in the cleaner, because it reads the link's signal
sources: the cleaner is given the question as a callable and never imports ``teams/``
(issue 28: the two packages imported each other).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from devicecheck.cleaner.control import RESTARTABLE, ClientControl, control_for
from devicecheck.osinfo import OsName, current_os
from devicecheck.policy import Policy


def _restartable(policy: Policy) -> list[str]:
    return [c for c in policy.cleaner.clients if c in RESTARTABLE]


def meeting_in_progress(policy: Policy, *, control: ClientControl | None = None,
                        os_name: OsName | None = None,
                        sources: Sequence[str] | None = None) -> bool | None:
    """Is a meeting on, from what a command can read at once (no Qt event loop, no
    history)? True: some source sees one. False: no restartable client runs (no desktop
    meeting to interrupt), or at least one source answered and none sees one. None: a
    client runs but no source could answer on this laptop.

    It takes one ``snapshot()`` of each enabled signal source (the same one-shot read
    ``watch --signals`` uses), except the retired local API (it needs Qt networking and
    a pairing). On Windows, a microphone or camera held open by a Teams client counts as a
    meeting even when the capability source would not trust it yet (it trusts a device
    only after seeing it idle, which one read cannot): closing Teams mid-call is the worse
    mistake. Limit: a source that only learns from new log lines sees nothing in one read.
    """
    os_name = os_name or current_os()
    control = control or control_for(os_name)
    pids = {cid: frozenset(p.pid for p in control.find(cid))
            for cid in _restartable(policy)}
    pids = {c: p for c, p in pids.items() if p}
    if not pids:
        return False
    answered = False
    if os_name == "windows":
        opened = _windows_devices_open(tuple(pids))
        if opened:
            return True
        answered = opened is not None
    from devicecheck.teams import sources as registry

    names = list(sources) if sources is not None else [
        n for n in registry.enabled(policy) if n != "api"]
    for name in names:
        seen = _snapshot(policy, name, os_name, pids)
        if seen is None:
            continue
        answered = True
        if seen:
            return True
    return False if answered else None


def _windows_devices_open(clients: Sequence[str]) -> bool | None:
    try:
        from devicecheck.cleaner.catalogue import process_names
        from devicecheck.probes.registry import default_registry
        from devicecheck.teams.capability import devices_in_use

        reader = default_registry()
        if reader is None:
            return None
        using = devices_in_use(reader, {c: process_names(c, "windows") for c in clients})
    except Exception:  # noqa: BLE001 - unreadable means "cannot tell", never "no meeting"
        return None
    return any(using.get(c) for c in clients)


def _snapshot(policy: Policy, name: str, os_name: OsName,
              pids: Mapping[str, frozenset[int]]) -> bool | None:
    """One source's one-shot answer: True/False, or None when it cannot run or failed."""
    try:
        from devicecheck.cleaner.catalogue import process_names
        from devicecheck.teams import sources as registry
        from devicecheck.teams.sources.base import SourceContext

        cls = registry.load(name)
        ctx = SourceContext(policy=policy, os_name=os_name, clients=tuple(pids),
                            process_names=process_names, clock=time.monotonic,
                            registry=_registry_for(os_name))
        source = cls(ctx, lambda _reading: None)
        if source.unavailable():
            return None
        # snapshot() is the sources' one-shot read (``watch --signals``): it reads once
        # and starts nothing that outlives it, so start() is not called (it would begin
        # listening, e.g. a ``pactl subscribe`` child). A source's own warnings (no audio
        # server...) become "cannot tell" here instead of lines on the officer's terminal.
        source.processes(pids)
        with _quiet(logging.getLogger("devicecheck.teams")):
            snap = source.snapshot()
    except Exception:  # noqa: BLE001 - a source that fails says nothing, never "no meeting"
        return None
    if snap.get("problem"):
        return None
    return bool(snap.get("meeting"))


@contextlib.contextmanager
def _quiet(logger: logging.Logger) -> Iterator[None]:
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _registry_for(os_name: OsName) -> Any:
    if os_name != "windows":
        return None
    try:
        from devicecheck.probes.registry import default_registry

        return default_registry()
    except Exception:  # noqa: BLE001 - no registry: sources that need it say unavailable
        return None
