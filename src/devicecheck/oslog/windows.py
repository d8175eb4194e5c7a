"""Windows: the Application event log, source ``DeviceCheck``.

Writer: ``RegisterEventSourceW`` / ``ReportEventW`` / ``DeregisterEventSource`` from
advapi32 through ctypes (https://learn.microsoft.com/windows/win32/api/winbase/
nf-winbase-reporteventw). pywin32 wraps the same three calls, but it adds about 10 MB of
DLLs to the frozen app and its own PyInstaller hooks for three function calls, so ctypes.

The source is registered by the MSI (an officer cannot register or remove it; writing to
``HKLM\\SYSTEM\\CurrentControlSet\\Services\\EventLog`` needs an administrator). It names
.NET Framework's ``EventLogMessages.dll`` as its message file: that DLL holds the message
``%1`` for every id from 0 to 65535, so Event Viewer shows our first insertion string as
the event's text whatever its id, and we need no message DLL of our own. Each event
carries two insertion strings: [0] the readable text (a line, then ``key=value`` lines),
[1] the allowed fields as one JSON object, which SIEM queries parse
(``EventData``'s second ``Data`` element; see docs/siem.md).
"""

from __future__ import annotations

import ctypes
import errno
import sys
from collections.abc import Sequence
from typing import Any, Protocol

from devicecheck.oslog.events import SOURCE, OsLogEvent, OsLogUnavailable
from devicecheck.probes.registry import RegistryReader, default_registry

SOURCE_KEY = rf"HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\{SOURCE}"
EVENTLOG_ERROR_TYPE, EVENTLOG_WARNING_TYPE, EVENTLOG_INFORMATION_TYPE = 0x1, 0x2, 0x4
EVENT_TYPES = {"info": EVENTLOG_INFORMATION_TYPE, "warning": EVENTLOG_WARNING_TYPE}
MAX_STRING = 31_839  # ReportEventW: each insertion string is limited to 31,839 characters


class EventLogApi(Protocol):
    """The three advapi32 calls (tests inject a recorder)."""

    def register(self, source: str) -> Any:
        """A handle, or raise OSError."""

    def report(self, handle: Any, event_type: int, category: int, event_id: int,
               strings: Sequence[str]) -> None:
        """Write one event, or raise OSError."""

    def deregister(self, handle: Any) -> None: ...


def _last_error() -> OSError:
    """The calling thread's last Windows error (``GetLastError``) as an OSError."""
    if sys.platform == "win32":  # pragma: no cover - Windows
        return ctypes.WinError(ctypes.get_last_error())
    return OSError(errno.ENOSYS, "not Windows")


class CtypesEventLogApi:  # pragma: no cover - exercised on Windows only
    # advapi32's function pointers, set in __init__ (declared here: elsewhere than on
    # Windows mypy sees __init__ stop before them).
    _register: Any
    _report: Any
    _deregister: Any

    def __init__(self) -> None:
        from ctypes import wintypes

        if sys.platform != "win32":   # WindowsWriter says "unavailable"
            raise OSError(errno.ENOSYS, "the Windows Event Log exists on Windows only")
        lib = ctypes.WinDLL("advapi32", use_last_error=True)
        self._register = lib.RegisterEventSourceW
        self._register.argtypes = [wintypes.LPCWSTR, wintypes.LPCWSTR]
        self._register.restype = wintypes.HANDLE
        self._report = lib.ReportEventW
        self._report.argtypes = [wintypes.HANDLE, wintypes.WORD, wintypes.WORD, wintypes.DWORD,
                                 ctypes.c_void_p, wintypes.WORD, wintypes.DWORD,
                                 ctypes.POINTER(wintypes.LPCWSTR), ctypes.c_void_p]
        self._report.restype = wintypes.BOOL
        self._deregister = lib.DeregisterEventSource
        self._deregister.argtypes = [wintypes.HANDLE]
        self._deregister.restype = wintypes.BOOL

    def register(self, source: str) -> Any:
        handle = self._register(None, source)
        if not handle:
            raise _last_error()
        return handle

    def report(self, handle: Any, event_type: int, category: int, event_id: int,
               strings: Sequence[str]) -> None:
        from ctypes import wintypes

        arr = (wintypes.LPCWSTR * len(strings))(*strings)
        # lpUserSid NULL: Windows would record any SID we passed without checking it, so
        # the account is a field instead (docs/siem.md says what that means for trust).
        if not self._report(handle, event_type, category, event_id, None, len(strings), 0,
                            arr, None):
            raise _last_error()

    def deregister(self, handle: Any) -> None:
        self._deregister(handle)


def insertion_strings(event: OsLogEvent) -> list[str]:
    """What ReportEventW receives for ``event`` (pure)."""
    return [event.text()[:MAX_STRING], event.record_json[:MAX_STRING]]


class WindowsWriter:
    target = "the Windows Application log (source DeviceCheck)"

    def __init__(self, api: EventLogApi | None = None,
                 registry: RegistryReader | None = None) -> None:
        self._api = api
        self._registry = registry

    def _get_api(self) -> EventLogApi:
        if self._api is None:
            try:
                self._api = CtypesEventLogApi()
            except (OSError, AttributeError) as exc:
                raise OsLogUnavailable(f"advapi32 is not available ({exc})") from exc
        return self._api

    def write(self, event: OsLogEvent) -> None:
        api = self._get_api()
        try:
            handle = api.register(SOURCE)
        except OSError as exc:
            raise OsLogUnavailable(f"cannot open the event source: {exc}") from exc
        try:
            api.report(handle, EVENT_TYPES[event.level], 0, event.event_id,
                       insertion_strings(event))
        except OSError as exc:
            raise OsLogUnavailable(f"ReportEventW failed: {exc}") from exc
        finally:
            api.deregister(handle)

    def probe(self) -> str | None:
        # RegisterEventSourceW succeeds even for an unregistered source (the events then
        # show "the description cannot be found"), so the probe asks the registry.
        registry = self._registry or default_registry()
        if registry is None:
            return "the Windows registry cannot be read here"
        if registry.values(SOURCE_KEY) is None:
            return "the DeviceCheck event source is not registered (reinstall the MSI)"
        return None
