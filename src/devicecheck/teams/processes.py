"""The process signal: which catalogued Teams clients run, cheaply.

A full process scan (``find_processes``) reads every process; doing that every couple of
seconds for hours would cost more than the rest of the watcher. So the watcher remembers
the PIDs it found and only checks those (``pid_alive``: one process, name re-checked since
PIDs get reused). It rescans everything at a low rate: every ``idle_rescan_s`` while no
Teams PID is known (to notice Teams starting), every ``busy_rescan_s`` otherwise (to notice
a second client or a new main process).

Only the officer's own processes count (``own_user``): another local user's Teams, or a
program merely named like it, says nothing about the officer's meetings. And only by the
file they run (``by_executable``): a program whose argv[0] says ``teams-for-linux`` is not
Teams (issue 29 #8).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from devicecheck.osinfo import OsName
from devicecheck.probes.processes import ProcInfo, find_processes, pid_alive

FindFn = Callable[..., list[ProcInfo]]
AliveFn = Callable[..., bool]


@dataclass(frozen=True)
class _Known:
    client: str
    name: str


class ProcessWatcher:
    def __init__(self, clients: Mapping[str, frozenset[str]], os_name: OsName, *,
                 find: FindFn = find_processes, alive: AliveFn = pid_alive,
                 idle_rescan_s: float = 10.0, busy_rescan_s: float = 60.0) -> None:
        # Only clients with process names can be watched (e.g. no Windows names on Linux).
        self.clients = {c: frozenset(n) for c, n in clients.items() if n}
        self.os_name = os_name
        self._find, self._alive = find, alive
        self.idle_rescan_s, self.busy_rescan_s = idle_rescan_s, busy_rescan_s
        self.known: dict[int, _Known] = {}
        self._last_scan: float | None = None
        self.scans = 0   # for tests and the benchmark: how often we read every process

    def _by_name(self) -> dict[str, str]:
        fold = (lambda s: s) if self.os_name == "linux" else str.lower
        return {fold(n): c for c, names in self.clients.items() for n in names}

    def rescan_due(self, now: float) -> bool:
        if self._last_scan is None:
            return True
        every = self.busy_rescan_s if self.known else self.idle_rescan_s
        return now - self._last_scan >= every

    def poll(self, now: float) -> frozenset[str]:
        """The clients running now (rescanning only when due)."""
        for pid, k in list(self.known.items()):
            if not self._alive(pid, k.name, os_name=self.os_name, own_user=True):
                del self.known[pid]
        if self.clients and self.rescan_due(now):
            self._scan(now)
        return self.running()

    def _scan(self, now: float) -> None:
        self._last_scan = now
        self.scans += 1
        names = [n for ns in self.clients.values() for n in ns]
        by_name = self._by_name()
        fold = (lambda s: s) if self.os_name == "linux" else str.lower
        found: dict[int, _Known] = {}
        for info in self._find(names, os_name=self.os_name, own_user=True, by_executable=True):
            client = by_name.get(fold(info.name))
            if client is not None:
                found[info.pid] = _Known(client, info.name)
        self.known = found

    def running(self) -> frozenset[str]:
        return frozenset(k.client for k in self.known.values())

    def pids(self) -> Iterable[int]:
        return tuple(self.known)
