"""A fake ``rstrtmgr.dll`` (and the three kernel32 calls) for the Restart Manager tests.

Its functions take exactly what ctypes would hand the real DLL (``c_uint32`` values,
``ctypes.pointer`` out-parameters, arrays of ``c_wchar_p`` / ``RM_UNIQUE_PROCESS`` /
``RM_PROCESS_INFO``), read the inputs out of them and write the outputs into them, so the
marshalling in ``winrestart.RestartManager`` is exercised for real. A small model of the
machine decides the answers: which processes exist (pid -> start time, name, type) and
which files each one holds open.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from devicecheck.cleaner import winrestart as w


@dataclass
class Proc:
    pid: int
    start: int                      # FILETIME value
    name: str = "Microsoft Teams"
    app_type: int = w.RM_MAIN_WINDOW
    restartable: bool = False
    holds: set[str] = field(default_factory=set)   # full paths held open


@dataclass
class Session:
    handle: int
    key: str
    files: list[str] = field(default_factory=list)
    apps: list[tuple[int, int]] = field(default_factory=list)
    ended: bool = False
    shut_down: bool = False


class FakeRstrtmgr:
    """Records every call as (name, python arguments)."""

    def __init__(self, procs: list[Proc], *, shutdown_code: int = w.ERROR_SUCCESS,
                 on_shutdown: Callable[[list[int]], None] | None = None,
                 start_code: int = w.ERROR_SUCCESS, block_shutdown: bool = False,
                 restart_code: int = w.ERROR_SUCCESS) -> None:
        self.procs = {p.pid: p for p in procs}
        self.calls: list[tuple[str, Any]] = []
        self.sessions: dict[int, Session] = {}
        self.shutdown_code = shutdown_code
        self.on_shutdown = on_shutdown
        self.start_code = start_code
        self.restart_code = restart_code
        self.block_shutdown = block_shutdown
        self.cancelled = threading.Event()
        self.grow: list[Proc] = []      # holders that appear after the first RmGetList
        self._next = 41

    # -- what a session sees --------------------------------------------------------
    def affected(self, s: Session) -> list[Proc]:
        out = [p for p in self.procs.values() if any(f in p.holds for f in s.files)]
        for pid, start in s.apps:
            p = self.procs.get(pid)
            if p is not None and p.start == start and p not in out:
                out.append(p)
        return out

    def open_sessions(self) -> list[int]:
        return [h for h, s in self.sessions.items() if not s.ended]

    # -- the DLL's functions --------------------------------------------------------
    def RmStartSession(self, handle: Any, flags: Any, key: Any) -> int:
        assert isinstance(handle, ctypes._Pointer) and flags.value == 0
        assert len(key) == w.CCH_RM_SESSION_KEY + 1
        self.calls.append(("RmStartSession", flags.value))
        if self.start_code:
            return self.start_code
        self._next += 1
        text = f"{self._next:032x}"
        for i, ch in enumerate(text):
            key[i] = ord(ch)
        key[len(text)] = 0
        handle.contents.value = self._next
        self.sessions[self._next] = Session(self._next, text)
        return 0

    def RmRegisterResources(self, session: Any, n_files: Any, files: Any, n_apps: Any,
                            apps: Any, n_svc: Any, svcs: Any) -> int:
        s = self.sessions[session.value]
        names = [files[i] for i in range(n_files.value)] if n_files.value else []
        uniq = [(apps[i].dwProcessId, w.from_filetime(apps[i].ProcessStartTime))
                for i in range(n_apps.value)] if n_apps.value else []
        assert n_svc.value == 0 and svcs is None
        assert (files is None) == (n_files.value == 0) and (apps is None) == (n_apps.value == 0)
        self.calls.append(("RmRegisterResources", (session.value, names, uniq)))
        s.files += names
        s.apps += uniq
        return 0

    def RmGetList(self, session: Any, needed: Any, count: Any, arr: Any,
                  reasons: Any) -> int:
        s = self.sessions[session.value]
        have = count.contents.value
        self.calls.append(("RmGetList", (session.value, have)))
        found = self.affected(s)
        if self.grow and have:          # more holders show up between the two calls
            for p in self.grow:
                self.procs[p.pid] = p
            self.grow = []
            found = self.affected(s)
        needed.contents.value = len(found)
        reasons.contents.value = 0
        if have < len(found) or (found and arr is None):
            count.contents.value = 0
            return w.ERROR_MORE_DATA
        for slot, p in zip(arr if found else (), found, strict=False):
            slot.Process.dwProcessId = p.pid
            slot.Process.ProcessStartTime = w.filetime(p.start)
            units = p.name.encode("utf-16-le")
            for i in range(len(units) // 2):
                slot.strAppName[i] = int.from_bytes(units[2 * i:2 * i + 2], "little")
            slot.ApplicationType = p.app_type
            slot.AppStatus = 1
            slot.TSSessionId = 1
            slot.bRestartable = int(p.restartable)
        count.contents.value = len(found)
        return 0

    def RmShutdown(self, session: Any, flags: Any, callback: Any) -> int:
        s = self.sessions[session.value]
        pids = [p.pid for p in self.affected(s)]
        self.calls.append(("RmShutdown", (session.value, flags.value, pids)))
        if self.block_shutdown:
            self.cancelled.wait(10)
            return w.ERROR_CANCELLED
        if self.shutdown_code == 0:
            s.shut_down = True
            for pid in pids:
                self.procs.pop(pid, None)
            if self.on_shutdown:
                self.on_shutdown(pids)
        return self.shutdown_code

    def RmRestart(self, session: Any, flags: Any, callback: Any) -> int:
        self.calls.append(("RmRestart", (session.value, flags.value)))
        if not self.sessions[session.value].shut_down:
            return w.ERROR_REQUEST_OUT_OF_SEQUENCE
        return self.restart_code

    def RmCancelCurrentTask(self, session: Any) -> int:
        self.calls.append(("RmCancelCurrentTask", session.value))
        self.cancelled.set()
        return 0

    def RmEndSession(self, session: Any) -> int:
        self.calls.append(("RmEndSession", session.value))
        self.sessions[session.value].ended = True
        return 0

    def names(self) -> list[str]:
        return [c[0] for c in self.calls]


class FakeKernel32:
    """OpenProcess / GetProcessTimes / CloseHandle over the same process model."""

    def __init__(self, rm: FakeRstrtmgr) -> None:
        self.rm = rm
        self.opened: list[int] = []
        self.closed: list[int] = []

    def OpenProcess(self, access: Any, inherit: Any, pid: Any) -> int:
        assert access.value == w.PROCESS_QUERY_LIMITED_INFORMATION and inherit.value == 0
        if pid.value not in self.rm.procs:
            return 0
        self.opened.append(pid.value)
        return 0x500 + pid.value

    def GetProcessTimes(self, handle: int, *times: Any) -> int:
        assert len(times) == 4
        times[0].contents.dwLowDateTime = self.rm.procs[handle - 0x500].start & 0xFFFFFFFF
        times[0].contents.dwHighDateTime = self.rm.procs[handle - 0x500].start >> 32
        return 1

    def CloseHandle(self, handle: int) -> int:
        self.closed.append(handle)
        return 1


#: A FILETIME for 2026-07-26 09:00 UTC-ish: above 2**32, so both halves matter.
T0 = 134_000_000_000_000_000


def make(procs: list[Proc], **kwargs: Any) -> tuple[w.RestartManager, FakeRstrtmgr, FakeKernel32]:
    dll = FakeRstrtmgr(procs, **kwargs)
    k32 = FakeKernel32(dll)
    return w.RestartManager(dll, k32), dll, k32
