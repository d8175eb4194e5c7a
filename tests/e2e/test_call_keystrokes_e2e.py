"""Keystrokes per call (issue 19, pinned acceptance): the real tray app on Xvfb, a laptop
where every check that can be judged passes and ``acknowledge = "every-call"``. From the
click on the tray icon to the app saying the call may start, every key sent with xdotool
is counted: at most 4, and the audit holds exactly one notice acknowledgement.

The path an officer takes: right-click the icon (a click, not a key), R (the menu's
"&Run pre-call check…"), the checks pass and fold into one line above the notice, End
(the built-in notice is longer than the window, and the box can be ticked only once its
end has been in view: issue 29), Alt+I ("&I have read the privacy notice"), Enter
("Continue to the call", the default button). A notice that fits needs no End. The app's own words for the end are the debug line
``devicecheck-tray: call-may-start`` and the opening script card's title.

Focus: Xvfb runs no window manager, so the window the app raises is given the input
focus with ``xdotool windowfocus`` (a desktop's window manager does that itself when the
app activates its window); that is not a key press and is not counted.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.test_precall_e2e import POLICY as PRECALL_POLICY
from tests.e2e.xhelpers import App, visible_windows, wait_window, window_geometry, xdo

pytestmark = pytest.mark.e2e

#: The pre-call e2e policy (machine-dependent checks off, "every-call") without the
#: Teams local API, so no pairing prompt appears on the test display.
POLICY = PRECALL_POLICY + "\n[teams]\nuse_local_api = false\n"
MOST_KEYS = 4


class Keyboard:
    """xdotool key presses on one display, counted (a chord such as Alt+I is one press
    of a key with a modifier held, as xdotool sends it; ``presses`` counts it once and
    ``keys`` counts every key that goes down)."""

    def __init__(self, display: str) -> None:
        self.display = display
        self.sent: list[str] = []

    def press(self, name: str) -> None:
        xdo(self.display, "key", name)
        self.sent.append(name)
        time.sleep(0.05)

    @property
    def presses(self) -> int:
        return len(self.sent)

    @property
    def keys(self) -> int:
        return sum(len(name.split("+")) for name in self.sent)


def focus(display: str, name: str, timeout: float = 30.0) -> str:
    wid = wait_window(display, name, timeout=timeout)
    xdo(display, "windowfocus", "--sync", wid)
    return wid


def title_of_any(display: str, words: str, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for wid in visible_windows(display, "DeviceCheck"):
            if words in xdo(display, "getwindowname", wid):
                return wid
        time.sleep(0.1)
    raise AssertionError(f"no window titled with {words!r} in {timeout:g} s")


def test_ready_laptop_tray_click_to_call_may_start_in_at_most_four_keys(
        x_env: dict[str, str], tmp_path: Path,
        screenshot: Callable[[str, str], Path]) -> None:
    display = x_env["DISPLAY"]
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY, encoding="utf-8")
    home = Path(x_env["HOME"])
    app = App(x_env, "--policy", str(policy))
    board = Keyboard(display)
    try:
        m = app.wait_line(r"devicecheck-tray: geometry (\d+) (\d+) (\d+) (\d+)", timeout=60)
        x, y, w, h = map(int, m.groups())
        state = app.wait_line(r"devicecheck-tray: state (\S+)", timeout=60).group(1)
        assert state == "ready", "\n".join(app.lines)
        screenshot(display, "0-tray-ready")

        before = set(visible_windows(display, "."))
        xdo(display, "mousemove", str(x + w // 2), str(y + h // 2), "click", "3")
        app.wait_line(r"devicecheck-tray: menu-refreshed")
        deadline = time.monotonic() + 10
        while not [wid for wid in set(visible_windows(display, ".")) - before
                   if window_geometry(display, wid)[3] > 150]:
            assert time.monotonic() < deadline, "the tray menu did not appear"
            time.sleep(0.1)
        time.sleep(0.3)
        screenshot(display, "1-menu")
        board.press("r")                                  # "&Run pre-call check…"
        app.wait_line(r"devicecheck-tray: precall-shown")

        # The checks pass: step 1 folds into one line and the flow opens on the notice.
        title_of_any(display, "Step 2 of 2: Privacy notice")
        focus(display, "before your call")
        time.sleep(0.3)
        screenshot(display, "2-notice")
        board.press("End")                                # read to the end of the notice
        app.wait_line(r"devicecheck-tray: notice-end-seen")
        board.press("alt+i")                              # "&I have read the notice"
        time.sleep(1.0)  # a mnemonic clicks the box after Qt's 100 ms "pressed" animation
        screenshot(display, "3-notice-ticked")
        board.press("Return")                             # "Continue to the call"

        app.wait_line(r"devicecheck-tray: call-may-start")
        card = title_of_any(display, "call may start", timeout=20)
        app.wait_line(r"devicecheck-tray: script-shown")
        time.sleep(0.4)
        screenshot(display, "4-call-may-start")
        count, keys = board.presses, board.keys
        assert count <= MOST_KEYS, board.sent
        # The card is for use while the call opens: it closes by keyboard (not counted).
        xdo(display, "windowfocus", "--sync", card)
        xdo(display, "key", "Escape")
        deadline = time.monotonic() + 10
        while card in visible_windows(display, "call may start"):
            assert time.monotonic() < deadline, "Escape did not close the opening script"
            time.sleep(0.1)
    finally:
        code = app.stop()
    assert code == 0
    audit = home / ".local/share/devicecheck/audit.jsonl"
    records = [json.loads(line) for line in audit.read_text(encoding="utf-8").splitlines()]
    assert [r["kind"] for r in records].count("notice-ack") == 1
    # For the record (pytest -s shows it): the figure the issue pins.
    print(f"keystrokes tray click -> call may start: {count} presses ({keys} keys): "
          f"{board.sent}")
