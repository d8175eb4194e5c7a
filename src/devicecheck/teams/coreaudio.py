"""Windows Core Audio capture sessions: which Teams client is capturing the microphone now.

Why this and not only the ConsentStore (``teams/capability.py``): on Windows build 26220
``LastUsedTimeStop`` was seen non-zero while the microphone was in use, and HASS.Agent
moved its microphone sensor to Core Audio sessions (hass-agent/HASS.Agent PR #476,
``MediaActivityProvider.cs``: every active capture endpoint, its sessions, the session's
process id and ``AudioSessionStateActive``; the registry only as the fallback). The
ConsentStore also stays "in use" after a crash or a suspend (shared/reference/teams.md,
"Field reports, second half of 2026").

The calls (Microsoft Learn, "IAudioSessionManager2", "IAudioSessionControl2",
``audiopolicy.h``, ``mmdeviceapi.h``): ``IMMDeviceEnumerator.EnumAudioEndpoints(eCapture,
DEVICE_STATE_ACTIVE)``; per endpoint ``IMMDevice.Activate(IAudioSessionManager2)``,
``GetSessionEnumerator``, ``GetCount``/``GetSession``; per session ``GetState``
(``AudioSessionStateActive`` = 1) and, through ``IAudioSessionControl2``,
``GetProcessId``. ``ComtypesCapture`` declares just these interfaces (the vtable order and
GUIDs as in the SDK headers; pycaw's ``pycaw/api`` declares the same ones).

Whose session is it: new Teams' audio may be captured by ``ms-teams.exe`` itself (TEAMS2HA
``wasapi_monitor.rs`` matches the Teams image) or, for web content, by a WebView2 process
(``msedgewebview2.exe``; Chromium captures audio in its audio-service utility process, a
child of the WebView2 browser process, itself a child of ``ms-teams.exe``). So a session
counts for a client when its process is one of the client's, or is ``msedgewebview2.exe``
with one of the client's processes among its ancestors (``judge``, pure). A session of any
other process (a browser, a recorder, a device test in Settings) is only noted.

One caveat, said where it matters (``docs/teams-link.md``): some Teams builds release the
capture session while the officer is muted (TEAMS2HA ``wasapi_monitor.rs``; 26183.x keeps
it), so "no active session" is not "no meeting" — other sources hold the meeting then.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

WEBVIEW = "msedgewebview2.exe"
#: How far up the process tree a WebView2 process may sit below its Teams client
#: (ms-teams.exe -> WebView2 browser -> audio utility is two levels).
MAX_ANCESTRY = 6

# Core Audio constants (mmdeviceapi.h, audiosessiontypes.h).
E_CAPTURE = 1
DEVICE_STATE_ACTIVE = 0x1
AUDIO_SESSION_STATE_INACTIVE = 0
AUDIO_SESSION_STATE_ACTIVE = 1
AUDIO_SESSION_STATE_EXPIRED = 2


@dataclass(frozen=True)
class CaptureSession:
    """One capture session on one active capture endpoint."""

    pid: int
    state: int

    @property
    def active(self) -> bool:
        return self.state == AUDIO_SESSION_STATE_ACTIVE


#: pid -> (process name, parent pid), or None when the process is gone.
ProcessLookup = Callable[[int], tuple[str, int] | None]


@dataclass(frozen=True)
class CaptureView:
    """What the capture sessions say about the Teams clients: ``active`` (an active capture
    session now), ``idle`` (a session, none active), ``notes`` (other processes
    capturing, by process name only)."""

    active: frozenset[str]
    idle: frozenset[str]
    notes: tuple[str, ...] = ()


class CaptureUnavailable(OSError):
    """Core Audio could not be read (``str(exc)`` says why)."""


class CaptureReader(Protocol):
    def sessions(self) -> list[CaptureSession]:
        """Every session on every active capture endpoint; raises ``CaptureUnavailable``."""


def _client_of(pid: int, client_pids: Mapping[str, frozenset[int]],
               lookup: ProcessLookup) -> str | None:
    for client, pids in client_pids.items():
        if pid in pids:
            return client
    info = lookup(pid)
    if info is None or info[0].lower() != WEBVIEW:
        return None
    seen = {pid}
    parent = info[1]
    for _ in range(MAX_ANCESTRY):
        if parent <= 0 or parent in seen:
            return None
        seen.add(parent)
        for client, pids in client_pids.items():
            if parent in pids:
                return client
        up = lookup(parent)
        if up is None:
            return None
        parent = up[1]
    return None


def judge(sessions: Iterable[CaptureSession], client_pids: Mapping[str, frozenset[int]],
          lookup: ProcessLookup) -> CaptureView:
    """Sessions + the process tree -> which clients capture now (pure given ``lookup``)."""
    active: set[str] = set()
    idle: set[str] = set()
    others: set[str] = set()
    for session in sessions:
        if session.pid <= 0:
            continue          # the system sounds session has no process
        client = _client_of(session.pid, client_pids, lookup)
        if client is None:
            if session.active:
                info = lookup(session.pid)
                others.add(info[0] if info else f"process {session.pid}")
            continue
        (active if session.active else idle).add(client)
    notes = tuple(f"{name} is capturing audio (not a Teams client)" for name in sorted(others))
    return CaptureView(frozenset(active), frozenset(idle - active), notes)


def psutil_lookup(pid: int) -> tuple[str, int] | None:
    """The real process tree (psutil: name and parent pid of one process)."""
    import psutil

    try:
        proc = psutil.Process(pid)
        return str(proc.name()), int(proc.ppid())
    except (psutil.Error, OSError):
        return None


class ComtypesCapture:
    """Core Audio through comtypes (Windows only: built on first use)."""

    def __init__(self) -> None:
        from ctypes import POINTER, c_int, c_uint, c_ulong, c_void_p

        import comtypes  # type: ignore[import-not-found]
        import comtypes.client  # type: ignore[import-not-found]
        from comtypes import COMMETHOD, GUID, HRESULT, IUnknown

        def unused(name: str) -> Any:
            # A vtable slot we never call: declared so the ones after it line up.
            return COMMETHOD([], HRESULT, name)

        class IAudioSessionControl(IUnknown):  # type: ignore[misc]
            _iid_ = GUID("{F4B1A599-7266-4319-A8CA-E70ACB11E8CD}")
            _methods_ = [
                COMMETHOD([], HRESULT, "GetState", (["out"], POINTER(c_int), "state")),
                *(unused(n) for n in ("GetDisplayName", "SetDisplayName", "GetIconPath",
                                      "SetIconPath", "GetGroupingParam", "SetGroupingParam",
                                      "RegisterAudioSessionNotification",
                                      "UnregisterAudioSessionNotification")),
            ]

        class IAudioSessionControl2(IAudioSessionControl):
            _iid_ = GUID("{BFB7FF88-7239-4FC9-8FA2-07C950BE9C6D}")
            _methods_ = [
                unused("GetSessionIdentifier"), unused("GetSessionInstanceIdentifier"),
                COMMETHOD([], HRESULT, "GetProcessId", (["out"], POINTER(c_ulong), "pid")),
            ]

        class IAudioSessionEnumerator(IUnknown):  # type: ignore[misc]
            _iid_ = GUID("{E2F5BB11-0570-40CA-ACDD-3AA01277DEE8}")
            _methods_ = [
                COMMETHOD([], HRESULT, "GetCount", (["out"], POINTER(c_int), "count")),
                COMMETHOD([], HRESULT, "GetSession", (["in"], c_int, "index"),
                          (["out"], POINTER(POINTER(IAudioSessionControl)), "session")),
            ]

        class IAudioSessionManager2(IUnknown):  # type: ignore[misc]
            _iid_ = GUID("{77AA99A0-1BD6-484F-8BC7-2C654C9A9B6F}")
            _methods_ = [
                unused("GetAudioSessionControl"), unused("GetSimpleAudioVolume"),
                COMMETHOD([], HRESULT, "GetSessionEnumerator",
                          (["out"], POINTER(POINTER(IAudioSessionEnumerator)), "sessions")),
            ]

        class IMMDevice(IUnknown):  # type: ignore[misc]
            _iid_ = GUID("{D666063F-1587-4E43-81F1-B948E807363F}")
            _methods_ = [
                COMMETHOD([], HRESULT, "Activate", (["in"], POINTER(GUID), "iid"),
                          (["in"], c_ulong, "clsctx"), (["in"], c_void_p, "params"),
                          (["out"], POINTER(POINTER(IUnknown)), "interface")),
            ]

        class IMMDeviceCollection(IUnknown):  # type: ignore[misc]
            _iid_ = GUID("{0BD7A1BE-7A1A-44DB-8397-CC5392387B5E}")
            _methods_ = [
                COMMETHOD([], HRESULT, "GetCount", (["out"], POINTER(c_uint), "count")),
                COMMETHOD([], HRESULT, "Item", (["in"], c_uint, "index"),
                          (["out"], POINTER(POINTER(IMMDevice)), "device")),
            ]

        class IMMDeviceEnumerator(IUnknown):  # type: ignore[misc]
            _iid_ = GUID("{A95664D2-9614-4F35-A746-DE8DB63617E6}")
            _methods_ = [
                COMMETHOD([], HRESULT, "EnumAudioEndpoints", (["in"], c_int, "flow"),
                          (["in"], c_ulong, "mask"),
                          (["out"], POINTER(POINTER(IMMDeviceCollection)), "devices")),
            ]

        self._comtypes = comtypes
        self._control2 = IAudioSessionControl2
        self._manager2 = IAudioSessionManager2
        self._enumerator = comtypes.client.CreateObject(
            GUID("{BCDE0395-E52F-467C-8E3D-C4579291692E}"),    # CLSID_MMDeviceEnumerator
            interface=IMMDeviceEnumerator)

    def sessions(self) -> list[CaptureSession]:
        try:
            return self._sessions()
        except (OSError, self._comtypes.COMError) as exc:
            raise CaptureUnavailable(f"Core Audio could not be read ({type(exc).__name__})"
                                     ) from exc

    def _sessions(self) -> list[CaptureSession]:
        found: list[CaptureSession] = []
        devices = self._enumerator.EnumAudioEndpoints(E_CAPTURE, DEVICE_STATE_ACTIVE)
        for d in range(devices.GetCount()):
            device = devices.Item(d)
            unknown = device.Activate(self._manager2._iid_, self._comtypes.CLSCTX_ALL, None)
            listing = unknown.QueryInterface(self._manager2).GetSessionEnumerator()
            for i in range(listing.GetCount()):
                try:
                    control = listing.GetSession(i).QueryInterface(self._control2)
                    found.append(CaptureSession(int(control.GetProcessId()),
                                                int(control.GetState())))
                except self._comtypes.COMError:
                    continue    # a session that expired between the count and the read
        return found
