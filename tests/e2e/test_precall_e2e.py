"""``devicecheck precall`` for real: the installed command in its own process on an X
server (Xvfb), driven by key presses from xdotool, with a screenshot of each step saved
under test-artifacts/ for people to look at. Every check passes, so the window opens on
the notice; once it is acknowledged the opening script card takes over, and the command
ends (exit 0) when the card is closed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import ARTIFACTS, app_env, need
from tests.e2e.xhelpers import xdo

pytestmark = pytest.mark.e2e

POLICY = """
[organisation]
it_contact = "the IT service desk on 01362 000000"

[notice]
acknowledge = "every-call"

# Only the checks that can judge this test machine: the others are other issues' work
# and depend on the machine, and this test is about the flow, not the verdicts.
[severity]
"work-device" = "off"
"disk-encryption" = "off"
"firewall" = "off"
"screen-lock" = "off"
"antivirus" = "off"
"recording-policy" = "off"
"recorders" = "off"
"""


def wait_title(display: str, words: str, timeout: float = 20.0, *, unless: str = "") -> str:
    """The window id once the pre-call window's title contains ``words`` (and not
    ``unless``)."""
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    while time.monotonic() < deadline:
        for wid in xdo(display, "search", "--name", "before your call").split():
            title = xdo(display, "getwindowname", wid)
            if words in title and not (unless and unless in title):
                return wid
            if not seen or seen[-1] != title:
                seen.append(title)
        time.sleep(0.1)
    raise AssertionError(f"no pre-call window titled with {words!r} in {timeout:g} s; "
                         f"titles seen: {seen}")


def wait_card(display: str, timeout: float = 20.0) -> str:
    """The opening script card once the call may start."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = xdo(display, "search", "--name", "call may start").split()
        if found:
            return found[-1]
        time.sleep(0.1)
    raise AssertionError("the opening script card did not open")


def screenshot(display: str, wid: str, name: str) -> Path:
    """The pre-call window alone (not the whole screen), so each step is easy to read."""
    ARTIFACTS.mkdir(exist_ok=True)
    out = ARTIFACTS / f"{name}.png"
    time.sleep(0.3)  # let the last repaint reach the X server
    subprocess.run(["import", "-window", wid, str(out)], timeout=20, check=True,
                   env={**os.environ, "DISPLAY": display})
    assert out.stat().st_size > 1000
    return out


def keys(display: str, *names: str) -> None:
    for name in names:
        xdo(display, "key", name)
        time.sleep(0.05)


def test_precall_flow_under_xvfb_by_keyboard(xvfb_display: str, tmp_path: Path,
                                             isolated_dirs: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY, encoding="utf-8")
    need("xdotool", "import")
    env = {**app_env(xvfb_display), "QT_QPA_PLATFORM": "xcb"}
    proc = subprocess.Popen([sys.executable, "-m", "devicecheck", "precall",
                             "--policy", str(policy)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # Real checks in a fresh process on a shared machine: allow for a slow start.
        # They all pass, so step 1 folds into one line and the flow opens on the notice.
        wid = wait_title(xvfb_display, "Step 2 of 2: Privacy notice", timeout=60)
        xdo(xvfb_display, "windowfocus", "--sync", wid)
        screenshot(xvfb_display, wid, "precall-1-notice")

        # The box can be ticked once the notice's end has been in view (issue 29): End in
        # the notice, which has the focus.
        keys(xvfb_display, "End")
        time.sleep(0.3)
        keys(xvfb_display, "alt+i")                      # tick "I have read" (mnemonic)
        time.sleep(1.0)  # a mnemonic clicks the box after Qt's 100 ms "pressed" animation
        screenshot(xvfb_display, wid, "precall-2-notice-ticked")
        keys(xvfb_display, "Return")                     # Continue to the call

        card = wait_card(xvfb_display)
        xdo(xvfb_display, "windowfocus", "--sync", card)
        keys(xvfb_display, "space", "Tab", "space")      # ticks: a help, not a gate
        screenshot(xvfb_display, card, "precall-3-opening-script")
        keys(xvfb_display, "Escape")                     # close the card: the app ends
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    audit = isolated_dirs / ".local/share/devicecheck/audit.jsonl"
    kinds = [line for line in audit.read_text(encoding="utf-8").splitlines()
             if '"kind": "notice-ack"' in line]
    assert len(kinds) == 1


def test_precall_not_ready_under_xvfb(xvfb_display: str, tmp_path: Path,
                                      isolated_dirs: Path) -> None:
    policy = tmp_path / "policy.toml"
    # No kernel is this new, so the required os-support check fails for certain.
    policy.write_text(POLICY + '\n[os]\nmin_linux_kernel = "99.0"\n', encoding="utf-8")
    need("xdotool", "import")
    env = {**app_env(xvfb_display), "QT_QPA_PLATFORM": "xcb"}
    proc = subprocess.Popen([sys.executable, "-m", "devicecheck", "precall",
                             "--policy", str(policy)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wid = wait_title(xvfb_display, "Step 1 of 2: Device checks \u2013 not ready", timeout=60)
        xdo(xvfb_display, "windowfocus", "--sync", wid)
        screenshot(xvfb_display, wid, "precall-not-ready")
        keys(xvfb_display, "Escape")
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 1, err
    audit = isolated_dirs / ".local/share/devicecheck/audit.jsonl"
    assert not audit.exists() or '"notice-ack"' not in audit.read_text(encoding="utf-8")
