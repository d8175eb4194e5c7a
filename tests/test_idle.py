"""``idle``: pure parsers with fixtures, injected OS functions, and one real reading on a
private Xvfb (the MIT-SCREEN-SAVER counter, reset by an xdotool pointer move)."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest

from devicecheck import idle
from tests.e2e.conftest import need, xvfb_display  # noqa: F401 - the shared Xvfb fixture

FIXTURES = Path(__file__).parent / "fixtures"


# --- macOS -------------------------------------------------------------------------------------

def test_ioreg_idle_is_nanoseconds_to_seconds() -> None:
    # Layout as `ioreg -c IOHIDSystem -d 4` prints it (property lines prefixed "|"); the
    # "HIDIdleTime" = <ns> line is the one the cited tools (dssw.co.uk, IOKit samples) read.
    text = (FIXTURES / "macos" / "ioreg-iohidsystem.txt").read_text()
    assert idle.parse_ioreg_idle(text) == pytest.approx(754.102416667)


def test_ioreg_takes_the_smallest_counter_and_none_without_one() -> None:
    two = '"HIDIdleTime" = 9000000000\n  |   "HIDIdleTime" = 2500000000\n'
    assert idle.parse_ioreg_idle(two) == pytest.approx(2.5)
    assert idle.parse_ioreg_idle('"IOClass" = "IOHIDSystem"') is None
    assert idle.parse_ioreg_idle("") is None


def test_macos_reader_runs_ioreg_with_a_timeout_and_none_when_it_fails() -> None:
    calls: list[tuple[tuple[str, ...], float]] = []

    def run(args: Sequence[str], timeout: float) -> str | None:
        calls.append((tuple(args), timeout))
        return '"HIDIdleTime" = 61000000000'

    assert idle.macos_idle({}, run=run) == pytest.approx(61.0)
    assert calls == [(("/usr/sbin/ioreg", "-c", "IOHIDSystem", "-d", "4"), idle.TIMEOUT_S)]
    assert idle.macos_idle({}, run=lambda a, t: None) is None


# --- Windows -----------------------------------------------------------------------------------

def test_windows_idle_from_injected_functions() -> None:
    v = idle.windows_idle({}, last_input=lambda: 1_000_000, tick_count=lambda: 1_090_500)
    assert v == pytest.approx(90.5)


def test_windows_tick_wrap_and_anomalies() -> None:
    # GetTickCount64 past 2**32 while the DWORD last-input tick has wrapped.
    assert idle.windows_idle_from_ticks(100, 2**32 + 5_100) == pytest.approx(5.0)
    # A last-input tick "in the future" (Microsoft: not guaranteed incremental) is no figure.
    assert idle.windows_idle_from_ticks(2_000, 1_000) is None
    # GetLastInputInfo failed.
    assert idle.windows_idle({}, last_input=lambda: None, tick_count=lambda: 5) is None


def test_windows_reader_off_windows_is_unknown() -> None:
    assert idle.windows_idle({}) is None


# --- Linux: Mutter -------------------------------------------------------------------------------

def test_gdbus_reply_parsing() -> None:
    assert idle.parse_gdbus_uint64("(uint64 81234,)\n") == 81234
    assert idle.parse_gdbus_uint64("(81234,)") == 81234
    assert idle.parse_gdbus_uint64("Error: GDBus.Error:org.freedesktop.DBus.Error."
                                   "ServiceUnknown: The name is not activatable") is None


def test_mutter_reader_calls_gdbus_on_the_session_bus() -> None:
    seen: list[tuple[str, ...]] = []

    def run(args: Sequence[str], timeout: float) -> str | None:
        seen.append(tuple(args))
        return "(uint64 125000,)\n"

    env = {"DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1000/bus"}
    assert idle.mutter_idle(env, run=run) == pytest.approx(125.0)
    assert seen[0][:3] == ("gdbus", "call", "--session")
    assert "org.gnome.Mutter.IdleMonitor.GetIdletime" in seen[0]
    assert idle.mutter_idle(env, run=lambda a, t: None) is None
    assert idle.mutter_idle({}, run=run) is None  # no session bus at all


# --- Linux: X11 ------------------------------------------------------------------------------------

def test_x11_reader_needs_a_display_and_refuses_wayland() -> None:
    def loader(name: str) -> object:
        raise AssertionError("must not load Xlib without an X session")

    assert idle.x11_idle({}, loader=loader) is None  # type: ignore[arg-type]
    # XWayland's counter ignores input to native Wayland windows (safeeyes#286).
    assert idle.x11_idle({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"},
                         loader=loader) is None  # type: ignore[arg-type]
    assert idle.x11_idle({"DISPLAY": ":0", "XDG_SESSION_TYPE": "wayland"},
                         loader=loader) is None  # type: ignore[arg-type]


def test_x11_reader_without_libxss_is_unknown() -> None:
    def loader(name: str) -> object:
        raise OSError(f"{name}: cannot open shared object file")

    assert idle.x11_idle({"DISPLAY": ":0"}, loader=loader) is None  # type: ignore[arg-type]


def test_x11_unreachable_display_is_unknown() -> None:
    assert idle.x11_idle({"DISPLAY": ":9999"}) is None


def _settle(display: str, at_least_s: float, timeout: float = 30.0) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = idle.x11_idle({"DISPLAY": display})
        assert value is not None
        if value >= at_least_s:
            return value
        time.sleep(0.1)
    raise AssertionError(f"idle never reached {at_least_s} s")


@pytest.fixture
def held_display(xvfb_display: str) -> Iterator[str]:  # noqa: F811
    """Xvfb without -noreset regenerates itself (and zeroes the idle counter) whenever its
    last client disconnects, as every x11_idle() call does; a desktop always has clients,
    so hold one connection open for the test, as a desktop session would."""
    xlib = ctypes.CDLL("libX11.so.6")
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    dpy = xlib.XOpenDisplay(xvfb_display.encode())
    assert dpy, "could not connect to the test Xvfb"
    yield xvfb_display
    xlib.XCloseDisplay(dpy)


def test_real_x11_idle_resets_when_the_pointer_moves(held_display: str) -> None:
    need("xdotool")
    before = _settle(held_display, 1.5)
    subprocess.run(["xdotool", "mousemove", "17", "23"], check=True, timeout=20,
                   env={**os.environ, "DISPLAY": held_display})
    after = idle.x11_idle({"DISPLAY": held_display})
    assert after is not None and after < before
    # Through the one entry point, with only the X11 back-end.
    via_entry = idle.idle_seconds("linux", env={"DISPLAY": held_display},
                                  backends={"linux": (idle.x11_idle,)})
    assert via_entry is not None and via_entry < before


# --- entry point ------------------------------------------------------------------------------------

def test_first_backend_with_a_figure_wins_and_errors_read_as_unknown() -> None:
    def broken(env: Mapping[str, str]) -> float | None:
        raise RuntimeError("OS quirk")

    order: list[str] = []

    def none(env: Mapping[str, str]) -> float | None:
        order.append("none")
        return None

    def seven(env: Mapping[str, str]) -> float | None:
        order.append("seven")
        return 7.0

    assert idle.idle_seconds("linux", env={}, backends={"linux": (broken, none, seven)}) == 7.0
    assert order == ["none", "seven"]
    assert idle.idle_seconds("linux", env={}, backends={"linux": (broken, none)}) is None
    assert idle.idle_seconds("plan9", env={}) is None


def test_default_table_covers_every_os() -> None:
    assert set(idle.BACKENDS) == {"linux", "windows", "macos"}
    assert idle.BACKENDS["linux"] == (idle.x11_idle, idle.mutter_idle)


def test_idle_module_imports_no_qt() -> None:
    code = ("import sys, devicecheck.idle; "
            "assert not [m for m in sys.modules if m.startswith('PySide6')], 'Qt imported'")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
