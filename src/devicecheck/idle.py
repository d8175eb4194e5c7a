"""How long the officer has been idle (no keyboard or pointer input), from the OS.

``[cleaner] after_meeting = "restart-when-idle"`` restarts Teams only once the officer has
been idle for ``idle_minutes``. A wrong, too-large figure would restart Teams under an
officer who is typing, so every back-end returns ``None`` when it cannot read the OS's own
counter (never 0 or any other guess), and the monitor then asks instead.

Back-ends, one small interface (``IdleReader``: env -> seconds or None), tried in order:

- Linux, X11: the MIT-SCREEN-SAVER extension's ``XScreenSaverQueryInfo`` through ctypes
  (``libXss.so.1``, Debian package libxss1), only when ``DISPLAY`` is set and the session is
  not Wayland: under Wayland the XWayland counter is reset only by input to X11 windows
  (slgobinath/safeeyes#286), so it grows while the officer types into native windows.
- Linux, GNOME (X11 or Wayland): Mutter's idle monitor on the session bus,
  ``org.gnome.Mutter.IdleMonitor.GetIdletime`` on ``/org/gnome/Mutter/IdleMonitor/Core``
  (milliseconds: mutter's ``meta_idle_monitor_get_idletime`` "Returns: The current idle
  time, in milliseconds"), called with ``gdbus`` (no Qt here: this module is imported by the
  Teams link's monitor and must stay light).
- Windows: ``GetLastInputInfo`` (tick count of the last input in this session, a 32-bit
  DWORD) against ``GetTickCount64`` (Microsoft Learn, winuser.h ``LASTINPUTINFO`` /
  ``GetLastInputInfo``).
- macOS: ``ioreg -c IOHIDSystem -d 4``, key ``HIDIdleTime`` in nanoseconds (IOKit's
  IOHIDSystem; the figure macOS itself uses for sleep).
"""

from __future__ import annotations

import ctypes
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence

IdleReader = Callable[[Mapping[str, str]], float | None]
#: Runs an argument list with a timeout and returns its stdout, or None when it could not run
#: or failed. Injected by tests.
Runner = Callable[[Sequence[str], float], str | None]

TIMEOUT_S = 2.0
#: A Windows idle figure above this is taken as a tick-count anomaly, not idleness:
#: Microsoft notes the last-input tick "is not guaranteed to be incremental" (SendInput
#: supplies its own), which modulo 2**32 would read as weeks of idleness.
_MAX_WINDOWS_IDLE_MS = 2**31


def _run(args: Sequence[str], timeout: float) -> str | None:
    # Argument list, timeout, no shell; ``gdbus`` from the system folders, not PATH: a
    # look-alike printing a huge idle time would restart Teams under a typing officer.
    from devicecheck.probes.runner import ProbeRunner

    result = ProbeRunner().run(args, timeout=timeout)
    return result.stdout if result.ok else None


# --- Linux: X11 MIT-SCREEN-SAVER ------------------------------------------------------------

class XScreenSaverInfo(ctypes.Structure):
    """The layout of ``XScreenSaverInfo`` in libXScrnSaver's ``X11/extensions/scrnsaver.h``:
    Window window; int state; int kind; unsigned long til_or_since; unsigned long idle
    (ms since the last input); unsigned long eventMask."""

    _fields_ = [("window", ctypes.c_ulong), ("state", ctypes.c_int), ("kind", ctypes.c_int),
                ("til_or_since", ctypes.c_ulong), ("idle", ctypes.c_ulong),
                ("eventMask", ctypes.c_ulong)]


def _wayland(env: Mapping[str, str]) -> bool:
    return bool(env.get("WAYLAND_DISPLAY")) or env.get("XDG_SESSION_TYPE") == "wayland"


def x11_idle(env: Mapping[str, str], *,
             loader: Callable[[str], ctypes.CDLL] = ctypes.CDLL) -> float | None:
    """Seconds since the last X input on ``$DISPLAY``, or None (no display, a Wayland
    session, libXss missing, or the server lacks the extension)."""
    display = env.get("DISPLAY")
    if not display or _wayland(env):
        return None
    try:
        xlib = loader("libX11.so.6")
        xss = loader("libXss.so.1")
    except OSError:
        return None
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    xlib.XDefaultRootWindow.restype = ctypes.c_ulong
    xlib.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
    xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    xss.XScreenSaverQueryExtension.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int),
                                               ctypes.POINTER(ctypes.c_int)]
    xss.XScreenSaverQueryInfo.argtypes = [ctypes.c_void_p, ctypes.c_ulong,
                                          ctypes.POINTER(XScreenSaverInfo)]
    dpy = xlib.XOpenDisplay(display.encode())
    if not dpy:
        return None
    try:
        event_base, error_base = ctypes.c_int(), ctypes.c_int()
        # Without the extension XScreenSaverQueryInfo would raise an X error, which Xlib's
        # default handler turns into exit(): ask first.
        if not xss.XScreenSaverQueryExtension(dpy, ctypes.byref(event_base),
                                              ctypes.byref(error_base)):
            return None
        info = XScreenSaverInfo()
        if not xss.XScreenSaverQueryInfo(dpy, xlib.XDefaultRootWindow(dpy), ctypes.byref(info)):
            return None
        return float(info.idle) / 1000.0
    finally:
        xlib.XCloseDisplay(dpy)


# --- Linux: GNOME Mutter idle monitor --------------------------------------------------------

MUTTER_CALL = ("gdbus", "call", "--session", "--dest", "org.gnome.Mutter.IdleMonitor",
               "--object-path", "/org/gnome/Mutter/IdleMonitor/Core",
               "--method", "org.gnome.Mutter.IdleMonitor.GetIdletime")
_GVARIANT_UINT64 = re.compile(r"^\(\s*(?:uint64\s+)?(\d+)\s*,?\s*\)$")


def parse_gdbus_uint64(text: str) -> int | None:
    """``gdbus call`` prints the reply tuple in GVariant text form: ``(uint64 8123,)``."""
    m = _GVARIANT_UINT64.match(text.strip())
    return int(m.group(1)) if m else None


def mutter_idle(env: Mapping[str, str], *, run: Runner = _run) -> float | None:
    """Seconds idle from GNOME Shell's idle monitor, or None when there is no session bus,
    no gdbus, or no Mutter on the bus."""
    if not env.get("DBUS_SESSION_BUS_ADDRESS") and not env.get("XDG_RUNTIME_DIR"):
        return None
    out = run(MUTTER_CALL, TIMEOUT_S)
    ms = parse_gdbus_uint64(out) if out is not None else None
    return ms / 1000.0 if ms is not None else None


# --- Windows -----------------------------------------------------------------------------------

class LASTINPUTINFO(ctypes.Structure):
    _fields_ = [("cbSize", ctypes.c_uint), ("dwTime", ctypes.c_uint32)]


def windows_idle_from_ticks(last_input_tick: int, now_tick64: int) -> float | None:
    """Pure: the last-input tick is a 32-bit tick count, so compare modulo 2**32 (right across
    the 49.7-day wrap); an implausibly large gap is an anomaly, not idleness."""
    gap = (now_tick64 - last_input_tick) & 0xFFFFFFFF
    return None if gap >= _MAX_WINDOWS_IDLE_MS else gap / 1000.0


def windows_idle(env: Mapping[str, str], *,
                 last_input: Callable[[], int | None] | None = None,
                 tick_count: Callable[[], int] | None = None) -> float | None:
    """``GetLastInputInfo`` + ``GetTickCount64``; both injectable for tests off Windows."""
    if last_input is None or tick_count is None:
        if sys.platform != "win32":
            return None
        user32 = ctypes.WinDLL("user32")  # type: ignore[attr-defined,unused-ignore]
        kernel32 = ctypes.WinDLL("kernel32")  # type: ignore[attr-defined,unused-ignore]
        kernel32.GetTickCount64.restype = ctypes.c_uint64

        def _last() -> int | None:
            info = LASTINPUTINFO(cbSize=ctypes.sizeof(LASTINPUTINFO))
            return int(info.dwTime) if user32.GetLastInputInfo(ctypes.byref(info)) else None

        last_input = last_input or _last
        tick_count = tick_count or (lambda: int(kernel32.GetTickCount64()))
    try:
        last = last_input()
        now = tick_count()
    except OSError:
        return None
    return None if last is None else windows_idle_from_ticks(last, now)


# --- macOS ---------------------------------------------------------------------------------------

IOREG_CALL = ("/usr/sbin/ioreg", "-c", "IOHIDSystem", "-d", "4")
_HID_IDLE = re.compile(r'"HIDIdleTime"\s*=\s*(\d+)')


def parse_ioreg_idle(text: str) -> float | None:
    """Seconds from ``ioreg`` output. Several IOHIDSystem entries may be listed; the smallest
    counter is the most recent input, and the smaller figure is the safe one here."""
    values = [int(v) for v in _HID_IDLE.findall(text)]
    return min(values) / 1e9 if values else None


def macos_idle(env: Mapping[str, str], *, run: Runner = _run) -> float | None:
    out = run(IOREG_CALL, TIMEOUT_S)
    return parse_ioreg_idle(out) if out is not None else None


# --- one entry point -----------------------------------------------------------------------------

BACKENDS: dict[str, tuple[IdleReader, ...]] = {
    "linux": (x11_idle, mutter_idle),
    "windows": (windows_idle,),
    "macos": (macos_idle,),
}


def _os_name() -> str:
    if sys.platform == "win32":
        return "windows"
    if sys.platform == "darwin":
        return "macos"
    return "linux"


def idle_seconds(os_name: str | None = None, *, env: Mapping[str, str] | None = None,
                 backends: Mapping[str, Sequence[IdleReader]] | None = None) -> float | None:
    """Seconds since the officer's last input, or None when no back-end can read it (the
    caller then falls back to asking). The first back-end with a figure wins."""
    env = os.environ if env is None else env
    table = BACKENDS if backends is None else backends
    for reader in table.get(os_name or _os_name(), ()):
        try:
            value = reader(env)
        except Exception:  # noqa: BLE001 - an OS quirk must read as "unknown", never crash
            value = None
        if value is not None and value >= 0:
            return float(value)
    return None
