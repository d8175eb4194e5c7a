"""Windows: quit a Teams client through the Restart Manager (``rstrtmgr.dll``), the API
installers use to free files in use, instead of ``taskkill``.

Why: ``taskkill /PID`` only posts WM_CLOSE, and new Teams hides to the tray on a close, so
every Windows clean used to end in ``taskkill /F /T`` (TerminateProcess). A killed Teams
may leave its stores (sign-in, settings) half-written. The Restart Manager asks a GUI
application to end the way a logoff does: WM_QUERYENDSESSION with ``ENDSESSION_CLOSEAPP``,
then WM_ENDSESSION, then WM_CLOSE for one that is still there ("Guidelines for
Applications", https://learn.microsoft.com/windows/win32/rstmgr/guidelines-for-applications).

The flow for one client (``quit_gracefully``):

1. session L: ``RmStartSession`` -> ``RmRegisterResources`` with a bounded list of the
   client's own lock files and databases (``winlockfiles.lock_files``) -> ``RmGetList``: which
   processes hold them, found by the open file, not by name -> ``RmEndSession``.
   A holder outside the client's process tree (an indexer, a backup agent) is counted
   and **never** shut down.
2. session S: ``RmRegisterResources`` with only the client's main processes (by
   ``RM_UNIQUE_PROCESS``: PID *and* start time, so a reused PID is never hit). ``RmShutdown``
   refreshes its list from the registered resources before it acts (RmShutdown remarks),
   so registering files there could sweep in a program that opened one a moment later;
   registering processes cannot. ``RmGetList`` on S must list nothing else, or we stop.
3. ``RmShutdown(S, 0)``: no ``RmForceShutdown`` (that would terminate a client that does
   not answer: the very thing we avoid), no ``RmShutdownOnlyRegistered`` (we start Teams
   again ourselves when it did not register for restart). Bounded by the policy's quit
   timeout: a call still running then is cancelled with ``RmCancelCurrentTask``.
4. after the clean: ``RmRestart(S)`` when every main said ``bRestartable`` (it registered
   with RegisterApplicationRestart); otherwise, or when it fails, DeviceCheck's own
   relaunch (``control.py``).
5. ``RmEndSession`` for every session started, always (``RmQuit.end``).

Any failure falls back to the close request and, last, to ``taskkill /F /T``; the result
and the audit record say which (``quit_method``: restart-manager, close, forced).

Bindings (restartmanager.h, checked against Microsoft's reference pages,
https://learn.microsoft.com/windows/win32/api/restartmanager/): ``CCH_RM_SESSION_KEY`` 32
(``sizeof(GUID) * 2``), ``CCH_RM_MAX_APP_NAME`` 255, ``CCH_RM_MAX_SVC_NAME`` 63;
``RM_UNIQUE_PROCESS`` = {DWORD dwProcessId; FILETIME ProcessStartTime} (12 bytes);
``RM_PROCESS_INFO`` = {RM_UNIQUE_PROCESS Process; WCHAR strAppName[256]; WCHAR
strServiceShortName[64]; RM_APP_TYPE ApplicationType; ULONG AppStatus; DWORD TSSessionId;
BOOL bRestartable} (668 bytes). WCHAR is declared as a 16-bit integer, not ``c_wchar``
(4 bytes off Windows), so the layout is the same where the tests run.
Everything goes through an injected ``dll`` object: tests pass a fake whose functions
record their arguments and fill the out-structures.
"""

from __future__ import annotations

import contextlib
import ctypes
import struct
import threading
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from devicecheck.cleaner.client_processes import ClientProcess

# -- restartmanager.h / winerror.h -------------------------------------------------------
CCH_RM_SESSION_KEY = 32
CCH_RM_MAX_APP_NAME = 255
CCH_RM_MAX_SVC_NAME = 63
RM_FORCE_SHUTDOWN = 0x1             # RmForceShutdown: never passed (see step 3)
RM_SHUTDOWN_ONLY_REGISTERED = 0x10  # RmShutdownOnlyRegistered: never passed
RM_UNKNOWN_APP, RM_MAIN_WINDOW, RM_OTHER_WINDOW, RM_SERVICE, RM_EXPLORER, RM_CONSOLE = range(6)
RM_CRITICAL = 1000

ERROR_SUCCESS = 0
ERROR_ACCESS_DENIED = 5             # RmGetList: a registered path is a folder
ERROR_INVALID_HANDLE = 6
ERROR_SEM_TIMEOUT = 121
ERROR_BAD_ARGUMENTS = 160
ERROR_MORE_DATA = 234               # RmGetList: the array is too small; see pnProcInfoNeeded
ERROR_FAIL_NOACTION_REBOOT = 350
ERROR_FAIL_SHUTDOWN = 351
ERROR_FAIL_RESTART = 352
ERROR_MAX_SESSIONS_REACHED = 353
ERROR_REQUEST_OUT_OF_SEQUENCE = 776
ERROR_CANCELLED = 1223
ERROR_NAMES: Mapping[int, str] = {
    ERROR_ACCESS_DENIED: "ERROR_ACCESS_DENIED", ERROR_INVALID_HANDLE: "ERROR_INVALID_HANDLE",
    ERROR_SEM_TIMEOUT: "ERROR_SEM_TIMEOUT", ERROR_BAD_ARGUMENTS: "ERROR_BAD_ARGUMENTS",
    ERROR_MORE_DATA: "ERROR_MORE_DATA", ERROR_FAIL_NOACTION_REBOOT: "ERROR_FAIL_NOACTION_REBOOT",
    ERROR_FAIL_SHUTDOWN: "ERROR_FAIL_SHUTDOWN", ERROR_FAIL_RESTART: "ERROR_FAIL_RESTART",
    ERROR_MAX_SESSIONS_REACHED: "ERROR_MAX_SESSIONS_REACHED",
    ERROR_REQUEST_OUT_OF_SEQUENCE: "ERROR_REQUEST_OUT_OF_SEQUENCE",
    ERROR_CANCELLED: "ERROR_CANCELLED"}

PROCESS_QUERY_LIMITED_INFORMATION = 0x1000   # enough for GetProcessTimes

#: At most this many files go to RmRegisterResources (each call is "a relatively
#: expensive write operation", RmRegisterResources remarks): the locks and databases a
#: running client always holds are enough to find its processes (``winlockfiles.py``).
MAX_LOCK_FILES = 64
GETLIST_TRIES = 4          # RmGetList again when processes appear between two calls
CANCEL_WAIT_S = 5.0        # after RmCancelCurrentTask, how long the shutdown may take to stop

DWORD = UINT = ULONG = ctypes.c_uint32
BOOL = ctypes.c_int32
WCHAR16 = ctypes.c_uint16


class FILETIME(ctypes.Structure):
    _fields_ = [("dwLowDateTime", DWORD), ("dwHighDateTime", DWORD)]


class RM_UNIQUE_PROCESS(ctypes.Structure):  # the Windows names, as in restartmanager.h
    _fields_ = [("dwProcessId", DWORD), ("ProcessStartTime", FILETIME)]


class RM_PROCESS_INFO(ctypes.Structure):
    _fields_ = [("Process", RM_UNIQUE_PROCESS),
                ("strAppName", WCHAR16 * (CCH_RM_MAX_APP_NAME + 1)),
                ("strServiceShortName", WCHAR16 * (CCH_RM_MAX_SVC_NAME + 1)),
                ("ApplicationType", ctypes.c_int32),   # RM_APP_TYPE (an enum: int)
                ("AppStatus", ULONG),
                ("TSSessionId", DWORD),
                ("bRestartable", BOOL)]


def filetime(value: int) -> FILETIME:
    return FILETIME(value & 0xFFFFFFFF, (value >> 32) & 0xFFFFFFFF)


def from_filetime(ft: FILETIME) -> int:
    return (int(ft.dwHighDateTime) << 32) | int(ft.dwLowDateTime)


def wide_text(buf: Any) -> str:
    """A NUL-terminated UTF-16 buffer (an array of 16-bit units) as text."""
    units = [int(u) & 0xFFFF for u in buf]
    end = units.index(0) if 0 in units else len(units)
    return struct.pack(f"<{end}H", *units[:end]).decode("utf-16-le", "replace")


class RmError(OSError):
    """A Restart Manager call failed; ``code`` is its Win32 error."""

    def __init__(self, call: str, code: int) -> None:
        super().__init__(code, f"{call}: {ERROR_NAMES.get(code, 'error')} ({code})")
        self.call, self.code = call, code

    @property
    def token(self) -> str:
        """A short id for the audit record ("rmshutdown-351")."""
        return f"{self.call.lower()}-{self.code}"


@dataclass(frozen=True)
class RmProcess:
    """One ``RM_PROCESS_INFO``, as Python values."""

    pid: int
    start_time: int            # FILETIME: 100 ns units since 1601, as RM reports it
    app_name: str = ""
    service: str = ""
    app_type: int = RM_UNKNOWN_APP
    status: int = 0
    session_id: int = 0
    restartable: bool = False

    @classmethod
    def from_info(cls, info: RM_PROCESS_INFO) -> RmProcess:
        return cls(pid=int(info.Process.dwProcessId),
                   start_time=from_filetime(info.Process.ProcessStartTime),
                   app_name=wide_text(info.strAppName), service=wide_text(info.strServiceShortName),
                   app_type=int(info.ApplicationType), status=int(info.AppStatus),
                   session_id=int(info.TSSessionId), restartable=bool(info.bRestartable))


class RestartManager:
    """The rstrtmgr functions with Python arguments. ``dll`` is ``WinDLL("rstrtmgr")`` or a
    fake; ``kernel32`` (optional) gives a process's exact start time."""

    def __init__(self, dll: Any, kernel32: Any = None) -> None:
        self._dll = dll
        self._k32 = kernel32

    def start_session(self) -> int:
        handle = DWORD(0)
        key = (WCHAR16 * (CCH_RM_SESSION_KEY + 1))()
        rc = int(self._dll.RmStartSession(ctypes.pointer(handle), DWORD(0), key))
        if rc != ERROR_SUCCESS:
            raise RmError("RmStartSession", rc)
        return int(handle.value)

    def register(self, session: int, files: Sequence[str] = (),
                 processes: Sequence[tuple[int, int]] = ()) -> None:
        """Register full file paths and/or (pid, start time) pairs."""
        names = (ctypes.c_wchar_p * len(files))(*files) if files else None
        apps = None
        if processes:
            apps = (RM_UNIQUE_PROCESS * len(processes))()
            for slot, (pid, started) in zip(apps, processes, strict=True):
                slot.dwProcessId = pid
                slot.ProcessStartTime = filetime(started)
        rc = int(self._dll.RmRegisterResources(DWORD(session), UINT(len(files)), names,
                                               UINT(len(processes)), apps, UINT(0), None))
        if rc != ERROR_SUCCESS:
            raise RmError("RmRegisterResources", rc)

    def get_list(self, session: int) -> list[RmProcess]:
        """Every process using the session's resources (ERROR_MORE_DATA handled)."""
        needed, count, reasons = UINT(0), UINT(0), DWORD(0)
        size, arr = 0, None
        for _ in range(GETLIST_TRIES):
            needed.value, count.value = 0, size
            rc = int(self._dll.RmGetList(DWORD(session), ctypes.pointer(needed),
                                         ctypes.pointer(count), arr, ctypes.pointer(reasons)))
            if rc == ERROR_SUCCESS:
                n = min(int(count.value), size)
                return [RmProcess.from_info(arr[i]) for i in range(n)] if arr is not None else []
            if rc != ERROR_MORE_DATA:
                raise RmError("RmGetList", rc)
            size = int(needed.value) + 2    # a little room: one may start meanwhile
            arr = (RM_PROCESS_INFO * size)()
        raise RmError("RmGetList", ERROR_MORE_DATA)

    def shutdown(self, session: int, flags: int = 0) -> int:
        return int(self._dll.RmShutdown(DWORD(session), ULONG(flags), None))

    def restart(self, session: int) -> int:
        return int(self._dll.RmRestart(DWORD(session), DWORD(0), None))

    def cancel(self, session: int) -> int:
        return int(self._dll.RmCancelCurrentTask(DWORD(session)))

    def end_session(self, session: int) -> int:
        return int(self._dll.RmEndSession(DWORD(session)))

    def start_time(self, pid: int) -> int | None:
        """The process's creation FILETIME (GetProcessTimes), None when unreadable. psutil's
        float seconds are not exact enough for RM_UNIQUE_PROCESS."""
        if self._k32 is None:
            return None
        handle = self._k32.OpenProcess(DWORD(PROCESS_QUERY_LIMITED_INFORMATION), BOOL(0),
                                       DWORD(pid))
        if not handle:
            return None
        try:
            times = [FILETIME() for _ in range(4)]  # creation, exit, kernel, user
            ok = self._k32.GetProcessTimes(handle, *(ctypes.pointer(t) for t in times))
            return from_filetime(times[0]) if ok else None
        finally:
            self._k32.CloseHandle(handle)


def load() -> RestartManager | None:
    """The real Restart Manager on Windows; None elsewhere or when it cannot load."""
    windll = getattr(ctypes, "WinDLL", None)
    if windll is None:
        return None
    try:
        rm = windll("rstrtmgr", use_last_error=True)
        k32 = windll("kernel32", use_last_error=True)
    except OSError:
        return None
    p = ctypes.POINTER
    protos: dict[str, list[Any]] = {
        "RmStartSession": [p(DWORD), DWORD, p(WCHAR16)],
        "RmRegisterResources": [DWORD, UINT, p(ctypes.c_wchar_p), UINT, p(RM_UNIQUE_PROCESS),
                                UINT, p(ctypes.c_wchar_p)],
        "RmGetList": [DWORD, p(UINT), p(UINT), p(RM_PROCESS_INFO), p(DWORD)],
        "RmShutdown": [DWORD, ULONG, ctypes.c_void_p],
        "RmRestart": [DWORD, DWORD, ctypes.c_void_p],
        "RmCancelCurrentTask": [DWORD],
        "RmEndSession": [DWORD],
    }
    for name, args in protos.items():
        fn = getattr(rm, name)
        fn.argtypes, fn.restype = args, DWORD
    k32.OpenProcess.argtypes, k32.OpenProcess.restype = [DWORD, BOOL, DWORD], ctypes.c_void_p
    k32.GetProcessTimes.argtypes = [ctypes.c_void_p] + [p(FILETIME)] * 4
    k32.GetProcessTimes.restype = BOOL
    k32.CloseHandle.argtypes, k32.CloseHandle.restype = [ctypes.c_void_p], BOOL
    return RestartManager(rm, k32)


# -- the flow ------------------------------------------------------------------------------
@dataclass
class RmQuit:
    """What ``quit_gracefully`` did for one client. ``method`` is "restart-manager" when
    RmShutdown ended the client's mains, None when the caller must fall back (``fallback``
    says why). ``end()`` ends the shutdown session; call it always."""

    rm: RestartManager
    method: str | None = None
    fallback: str | None = None          # a token: "rmshutdown-351", "foreign-process"...
    holders: int = 0                     # the client's processes holding its files
    other_holders: int = 0               # other processes holding them: never shut down
    other_apps: tuple[str, ...] = ()     # their names, for IT's detail only
    restartable: bool = False
    waited_s: float = 0.0                # time spent in RmShutdown (waiting for Teams)
    session: int | None = None
    sessions: list[int] = field(default_factory=list)

    def detail(self) -> dict[str, Any]:
        return {"rm_holders": self.holders, "rm_other_holders": self.other_holders,
                "rm_fallback": self.fallback}

    def restart(self) -> bool:
        """RmRestart, when the client was shut down by us and registered for restart."""
        if self.method != "restart-manager" or self.session is None or not self.restartable:
            return False
        try:
            return self.rm.restart(self.session) == ERROR_SUCCESS
        except OSError:
            return False

    def end(self) -> None:
        while self.sessions:
            with contextlib.suppress(OSError):
                self.rm.end_session(self.sessions.pop())
        self.session = None

    def _start(self) -> int:
        s = self.rm.start_session()
        self.sessions.append(s)
        return s

    def _close(self, session: int) -> None:
        if session in self.sessions:
            self.sessions.remove(session)
            with contextlib.suppress(OSError):
                self.rm.end_session(session)


def quit_gracefully(rm: RestartManager, *, files: Sequence[str], mains: Sequence[ClientProcess],
                    family: Collection[int], timeout: float,
                    clock: Callable[[], float] = time.monotonic) -> RmQuit:
    """Steps 1-3 of the module docstring for one client. Never raises; never shuts down a
    process outside ``mains``."""
    q = RmQuit(rm)
    try:
        holders: list[RmProcess] = []
        if files:
            look = q._start()
            rm.register(look, files=list(files)[:MAX_LOCK_FILES])
            holders = rm.get_list(look)
            q._close(look)
        own = [h for h in holders if h.pid in family]
        others = [h for h in holders if h.pid not in family]
        q.holders, q.other_holders = len(own), len(others)
        q.other_apps = tuple(sorted({h.app_name for h in others if h.app_name}))
        known = {h.pid: h.start_time for h in holders}
        wanted: list[tuple[int, int]] = []
        for p in mains:
            started = known.get(p.pid) or rm.start_time(p.pid)
            if not started:
                q.fallback = "no-start-time"
                return q
            wanted.append((p.pid, started))
        if not wanted:
            q.fallback = "no-main-process"
            return q
        q.session = q._start()
        rm.register(q.session, processes=wanted)
        listed = rm.get_list(q.session)
        if {h.pid for h in listed} - {pid for pid, _ in wanted}:
            q.fallback = "foreign-process"   # RM would act on something we did not ask for
            return q
        q.restartable = bool(listed) and all(h.restartable for h in listed)
        t0 = clock()
        code, timed_out = _bounded_shutdown(rm, q.session, timeout)
        q.waited_s = clock() - t0
        if code == ERROR_SUCCESS:
            q.method = "restart-manager"
        else:
            q.fallback = "rmshutdown-timeout" if timed_out else f"rmshutdown-{code}"
    except RmError as exc:
        q.fallback = exc.token
    except OSError:
        q.fallback = "rm-error"
    return q


def _bounded_shutdown(rm: RestartManager, session: int,
                      timeout: float) -> tuple[int | None, bool]:
    """RmShutdown on a worker thread, cancelled after ``timeout`` (RmCancelCurrentTask):
    (its code or None when it never came back, whether the timeout was reached)."""
    box: list[int] = []

    def run() -> None:
        try:
            box.append(rm.shutdown(session, 0))
        except OSError as exc:
            box.append(exc.errno or -1)

    worker = threading.Thread(target=run, name="devicecheck-rmshutdown", daemon=True)
    worker.start()
    worker.join(max(0.0, timeout))
    timed_out = worker.is_alive()
    if timed_out:
        with contextlib.suppress(OSError):
            rm.cancel(session)
        worker.join(CANCEL_WAIT_S)
    return (box[0] if box else None), timed_out
