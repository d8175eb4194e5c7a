"""``devicecheck report`` for real (issue 27's acceptance): the installed command in its
own process on a private Xvfb, on a laptop with four faults, read as an officer reads it.

* **First screen**: at 1366×768, at 1366×768 with ``QT_SCALE_FACTOR=2`` and at 1024×600,
  the window opens showing the verdict and the failing checks' fault phrases without a
  key pressed: a screenshot of the screen goes to ``test-artifacts/report-first-screen-
  <screen>.png`` (with the window's layout beside it, ``.json``), and the phrases on
  screen are judged by geometry — a phrase is shown when the line naming it (the
  problem summary, or the problem's own first line) lies inside the scrolling body's
  viewport. No OCR is available on the test machine; the window's own trace
  (``ui/windows/report_trace.py``) gives the rectangles.
* **Keyboard**: Tab and the arrow keys reach every problem in turn (what a screen reader
  would read: the focused widget's accessible name, from the trace), and PgDn and Home
  scroll the body (the scroll position, from the trace).

The faults come from a policy that makes checks fail on any machine: a kernel minimum no
kernel meets, a machine marker that does not exist, an endpoint agent that is not
running, and a mistake in a setting a required check reads. Everything that depends on
the machine is switched off.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import ARTIFACTS, app_env, need
from tests.e2e.test_screen_fit_e2e import SCALING_VARS, inside
from tests.e2e.xhelpers import App, xdo

pytestmark = pytest.mark.e2e

POLICY = """
[organisation]
it_contact = "the IT service desk on 01362 000000"
linux_machine_marker = "/nonexistent/devicecheck-enrolled"

[os]
min_linux_kernel = "99.0"
# A mistake in a setting the required os-support check reads: policy-health fails.
min_windows_build = "soon"

[antivirus]
endpoint_agent_processes = ["devicecheck-no-such-agent"]

[severity]
"disk-encryption" = "off"
"firewall" = "off"
"screen-lock" = "off"
"recording-policy" = "off"
"recorders" = "off"
"meeting-data" = "off"
"""
FAULTS = 4
#: name -> (Xvfb screen size, QT_SCALE_FACTOR or None): issue 27's three sizes.
SCREENS: dict[str, tuple[tuple[int, int], str | None]] = {
    "1366x768": ((1366, 768), None),
    "1366x768-scale2": ((1366, 768), "2"),
    "1024x600": ((1024, 600), None),
}
TRACE = "devicecheck-tray: "


def start_report(display: str, policy: Path, scale: str | None) -> App:
    need("xdotool", "import")
    env = {k: v for k, v in app_env(display).items() if k not in SCALING_VARS}
    env["QT_QPA_PLATFORM"] = "xcb"
    if scale is not None:
        env["QT_SCALE_FACTOR"] = scale
    return App(env, "report", "--policy", str(policy))


def opened_layout(app: App) -> dict[str, Any]:
    """The window's layout once the first results are in (the real checks of a fresh
    process on a shared machine: allow for a slow start)."""
    while True:
        m = app.wait_new_line(r"report-layout (\{.*\})$", timeout=90)
        layout: dict[str, Any] = json.loads(m.group(1))
        if layout["problems"]:
            return layout


def shown_phrases(layout: dict[str, Any]) -> dict[str, str]:
    """Each fault phrase on the first screen, and where: "summary" (the line naming every
    problem lies in the viewport) or "item" (the problem's own first line does)."""
    viewport = layout["viewport"]
    summary = layout["summary"]
    in_summary = summary["visible"] and inside(summary["rect"], viewport)
    shown: dict[str, str] = {}
    for p in layout["problems"]:
        x, y, w, _h = p["rect"]
        if inside([x, y, w, p["line_height"]], viewport):
            shown[p["phrase"]] = "item"
        elif in_summary and p["phrase"] in summary["text"]:
            shown[p["phrase"]] = "summary"
    return shown


def finish(app: App, display: str, wid: str) -> int:
    """Escape closes the window; the command then ends with the verdict's exit code."""
    xdo(display, "windowfocus", "--sync", wid)
    xdo(display, "key", "Escape")
    try:
        return app.proc.wait(timeout=20)
    finally:
        app.stop()


def scrolled_to(app: App, settle: float = 0.5) -> dict[str, Any]:
    """The body's scroll position once the last key's scrolling has settled: the last of
    the scroll lines since the previous call (one key can scroll more than once)."""
    pattern = r"report-scroll (\{.*\})$"
    last = json.loads(app.wait_new_line(pattern).group(1))
    while True:
        try:
            last = json.loads(app.wait_new_line(pattern, timeout=settle).group(1))
        except AssertionError:
            return dict(last)


def report_window(display: str) -> str:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = xdo(display, "search", "--name", "^DeviceCheck report$").split()
        if found:
            return found[-1]
        time.sleep(0.1)
    raise AssertionError("the report window did not open")


@pytest.mark.parametrize(("screen", "xvfb_sized"),
                         [(name, size) for name, (size, _) in SCREENS.items()],
                         indirect=["xvfb_sized"], ids=list(SCREENS))
def test_the_first_screen_shows_the_verdict_and_the_faults(
        screen: str, xvfb_sized: str, tmp_path: Path, isolated_dirs: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY, encoding="utf-8")
    app = start_report(xvfb_sized, policy, SCREENS[screen][1])
    try:
        layout = opened_layout(app)
        wid = report_window(xvfb_sized)
        time.sleep(0.5)  # the last repaint reaches the X server
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / f"report-first-screen-{screen}.png"
        subprocess.run(["import", "-display", xvfb_sized, "-window", "root", str(shot)],
                       check=True, timeout=30, capture_output=True)
        shown = shown_phrases(layout)
        shot.with_suffix(".json").write_text(json.dumps({"layout": layout, "shown": shown},
                                                        indent=1, ensure_ascii=False))
        assert shot.stat().st_size > 1000
        rc = finish(app, xvfb_sized, wid)
    finally:
        app.stop()
    problems = layout["problems"]
    assert len(problems) == FAULTS, [p["phrase"] for p in problems]
    assert all(p["status"] == "Problem (blocks calls)" for p in problems)
    # The verdict: above the scrolling body, on the window, in the officer's words.
    banner = layout["banner"]
    assert banner["visible"] and inside(banner["rect"], layout["window"])
    assert banner["text"].startswith("No \u2014"), banner["text"]
    # Opened at the top with the focus on the first problem, which is in view.
    assert layout["scroll"]["value"] == 0
    assert layout["focus"].startswith(problems[0]["phrase"]), layout["focus"]
    assert shown.get(problems[0]["phrase"]) == "item", shown
    # Four faults: at least three on the first screen (issue 27); all four are, today.
    assert len(shown) >= FAULTS - 1, (shown, f"screenshot: {shot}")
    print(f"{screen}: {len(shown)} of {FAULTS} fault phrases on the first screen "
          f"({sum(v == 'item' for v in shown.values())} as their own item); "
          f"window {layout['window']}, viewport {layout['viewport']}")
    assert rc == 1  # not ready


@pytest.mark.parametrize("xvfb_sized", [SCREENS["1366x768-scale2"][0]], indirect=True)
def test_every_problem_is_read_by_keyboard_and_the_body_scrolls(
        xvfb_sized: str, tmp_path: Path, isolated_dirs: Path) -> None:
    """At 200 % on 1366×768 the four problems do not fit, so moving through them scrolls
    the body, and PgDn / Home have somewhere to go."""
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY, encoding="utf-8")
    app = start_report(xvfb_sized, policy, "2")
    try:
        layout = opened_layout(app)
        phrases = [p["phrase"] for p in layout["problems"]]
        assert len(phrases) == FAULTS and layout["scroll"]["max"] > 0
        wid = report_window(xvfb_sized)
        xdo(xvfb_sized, "windowfocus", "--sync", wid)
        read = [json.loads(app.wait_new_line(r"report-focus (\{.*\})$").group(1))]
        # Tab to the second problem, then Down through the rest: both ways of moving on.
        for key in ["Tab"] + ["Down"] * (FAULTS - 2):
            xdo(xvfb_sized, "key", key)
            read.append(json.loads(app.wait_new_line(r"report-focus (\{.*\})$").group(1)))
        # Each problem, in order, as a screen reader hears it: phrase, status, what to do.
        for heard, phrase in zip(read, phrases, strict=True):
            assert heard["name"].startswith(f"{phrase}. Problem (blocks calls)."), heard
            assert "What to do:" in heard["name"], heard
        # Following the focus down the problems scrolled the body.
        assert scrolled_to(app)["value"] > 0
        xdo(xvfb_sized, "key", "Home")
        assert scrolled_to(app)["value"] == 0
        xdo(xvfb_sized, "key", "Next")     # Page Down
        paged = scrolled_to(app)
        assert 0 < paged["value"] <= paged["max"]
        xdo(xvfb_sized, "key", "Home")
        assert scrolled_to(app)["value"] == 0
        rc = finish(app, xvfb_sized, wid)
    finally:
        app.stop()
    assert rc == 1
