"""The real tray app (``python -m devicecheck``) on Xvfb with the trayer tray host.

How the icon is found: with ``DEVICECHECK_DEBUG_TRAY=1`` the app prints
``devicecheck-tray: geometry X Y W H`` once the tray host has embedded the icon; the test
then confirms with ``xwininfo -root -tree`` that a window of the app of that size sits
inside trayer's panel at that place, and that the screenshot has an icon drawn there.
Menus and windows are driven with xdotool; screenshots go to test-artifacts/.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.conftest import SCREEN, app_env, xwininfo_tree
from tests.e2e.xhelpers import App, visible_windows, wait_window, window_geometry, xdo

pytestmark = pytest.mark.e2e

POLICY = """
[organisation]
name = "Test Council"
it_contact = "the IT service desk on 01362 000000"

[teams]
use_local_api = false

[severity]
"work-device" = "off"
"""


def unique_colours(png: Path, x: int, y: int, w: int, h: int) -> int:
    proc = subprocess.run(["convert", str(png), "-crop", f"{w}x{h}+{x}+{y}", "+repage",
                           "-format", "%k", "info:"], capture_output=True, text=True,
                          check=True, timeout=30)
    return int(proc.stdout.strip())


def test_tray_icon_menu_report_and_second_launch(x_env: dict[str, str], tmp_path: Path,
                                                 screenshot: Callable[[str, str], Path]) -> None:
    display = x_env["DISPLAY"]
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY)
    app = App(x_env, "--policy", str(policy))
    try:
        m = app.wait_line(r"devicecheck-tray: geometry (\d+) (\d+) (\d+) (\d+)")
        x, y, w, h = map(int, m.groups())
        assert 16 <= w <= 64 and 16 <= h <= 64
        assert x > SCREEN[0] - 200 and y < 40  # trayer docks top right
        tree = xwininfo_tree(display)
        panel = tree[tree.index('"panel": ("panel" "trayer")'):]
        assert re.search(rf'"DeviceCheck": \("devicecheck" "DeviceCheck"\)\s+{w}x{h}\+0\+0\s+\+{x}\+{y}',
                         panel), tree
        app.wait_line(r"devicecheck-tray: state (ready|attention|not-ready|policy-error)")
        time.sleep(0.3)  # let the icon repaint after the state change
        shot = screenshot(display, "1-tray")
        assert unique_colours(shot, x, y, w, h) > 8, "no icon drawn in the tray"

        cx, cy = x + w // 2, y + h // 2
        # The "not ready" notification is up (Qt draws its own balloon for XEmbed trays):
        # clicking it opens the report.
        app.wait_line(r"devicecheck-tray: notified critical")
        deadline = time.monotonic() + 10
        while not (balloons := [wid for wid in visible_windows(display, "^DeviceCheck$")
                                if 200 < window_geometry(display, wid)[2] < 800
                                and window_geometry(display, wid)[3] < 300]):
            assert time.monotonic() < deadline, "no notification balloon"
            time.sleep(0.1)
        bx, by, bw, bh = window_geometry(display, balloons[0])
        xdo(display, "mousemove", str(bx + bw // 3), str(by + bh // 2), "click", "1")
        app.wait_line(r"devicecheck-tray: report-shown")
        report = wait_window(display, "^DeviceCheck report$")
        rx, ry, rw, rh = window_geometry(display, report)
        assert rw > 300 and rh > 200
        time.sleep(0.4)
        screenshot(display, "2-report-from-notification")
        xdo(display, "windowactivate", "--sync", report)
        xdo(display, "key", "Escape")
        deadline = time.monotonic() + 5
        while report in visible_windows(display, "^DeviceCheck report$"):
            assert time.monotonic() < deadline, "Escape did not close the report"
            time.sleep(0.1)

        before = set(visible_windows(display, "."))
        xdo(display, "mousemove", str(cx), str(cy), "click", "3")
        app.wait_line(r"devicecheck-tray: menu-refreshed")
        time.sleep(0.4)
        menus = [wid for wid in set(visible_windows(display, ".")) - before
                 if window_geometry(display, wid)[3] > 150]
        screenshot(display, "3-menu")
        assert menus, "the tray menu did not appear"
        xdo(display, "key", "a")  # mnemonic of "&About DeviceCheck"
        app.wait_line(r"devicecheck-tray: about-shown")
        about = wait_window(display, "^About DeviceCheck$")
        time.sleep(0.3)
        screenshot(display, "4-about")
        xdo(display, "windowactivate", "--sync", about)
        xdo(display, "key", "Escape")

        xdo(display, "mousemove", str(cx), str(cy), "click", "1")  # left click: the report
        wait_window(display, "^DeviceCheck report$")

        second = subprocess.run([sys.executable, "-m", "devicecheck", "--policy", str(policy)],
                                env=x_env, capture_output=True, text=True, timeout=60, check=False)
        assert second.returncode == 0, second.stderr
        assert "already running" in second.stderr
        app.wait_line(r"devicecheck-tray: message precall")
        app.wait_line(r"devicecheck-tray: precall-shown")
        wait_window(display, "before your call")
        time.sleep(0.8)
        screenshot(display, "5-precall-from-second-launch")
    finally:
        code = app.stop()
    assert code == 0  # SIGTERM ends the event loop cleanly


def test_no_tray_shows_the_status_window(xvfb_display: str, tmp_path: Path,
                                         screenshot: Callable[[str, str], Path]) -> None:
    env = app_env(xvfb_display)
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY)
    app = App(env, "--policy", str(policy))
    try:
        app.wait_line(r"devicecheck-tray: fallback-shown", timeout=30)
        wid = wait_window(xvfb_display, "^DeviceCheck$")
        _, _, w, h = window_geometry(xvfb_display, wid)
        assert w > 200 and h > 100
        app.wait_line(r"devicecheck-tray: state (ready|attention|not-ready|policy-error)")
        time.sleep(0.5)
        screenshot(xvfb_display, "fallback")
    finally:
        assert app.stop() == 0
