"""Issue 19's screen-fit acceptance: every officer window, in its fullest state, is at most
90 % of the screen's available area, lies wholly on the screen with every button on it
(none squeezed below its text), and scrolls inside when its content is long, but not when
the window had room to show it all. Measured on a real X server (a private
Xvfb, the xcb platform) at the screens issues 19 and 27 name:

* 1366×768 at 100 % (the common council laptop; issue 27 asks for every window's
  screenshot at the three sizes),
* 1024×600 at 100 % (a netbook), and
* 1366×768 with ``QT_SCALE_FACTOR=2`` (200 % scaling: 683×384 logical pixels).

The report is measured twice: ``report`` in its fullest state (IT's details open) and
``report-first`` as it opens, the officer's first screen.

Each window is opened by ``tests/helpers/screen_fit_driver.py`` in its own process (the
real classes with long, realistic content), which prints the geometry as JSON and saves
a screenshot: ``test-artifacts/screen-fit-<screen>-<window>.png``, with the measurement
beside it (``.json``).

No window manager runs (none is among the test packages in scripts/apt-packages.txt), so
the available area is the whole screen and a frame is the bare window; TOLERANCE_PX
leaves room for a frame's rounding all the same.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import ARTIFACTS, ROOT, app_env, need
from tests.helpers.screen_fit_windows import BUILDERS

pytestmark = pytest.mark.e2e

#: The largest share of the available area a window may take (screen_fit.SHARE).
SHARE = 0.9
TOLERANCE_PX = 2
#: name -> (Xvfb screen size, QT_SCALE_FACTOR or None)
SCREENS: dict[str, tuple[tuple[int, int], str | None]] = {
    "1366x768": ((1366, 768), None),
    "1024x600": ((1024, 600), None),
    "1366x768-scale2": ((1366, 768), "2"),
}
#: Windows whose fullest content is longer than either screen: their body must scroll.
MUST_SCROLL = frozenset({"precall-checks", "precall-notice", "report", "notice-dialog"})
#: Variables that would change Qt's scaling behind the test's back.
SCALING_VARS = ("QT_SCALE_FACTOR", "QT_SCREEN_SCALE_FACTORS", "QT_AUTO_SCREEN_SCALE_FACTOR",
                "QT_ENABLE_HIGHDPI_SCALING", "QT_FONT_DPI", "QT_SCALE_FACTOR_ROUNDING_POLICY")

Rect = tuple[int, int, int, int]


def inside(r: Rect | list[int], area: Rect | list[int]) -> bool:
    x, y, w, h = r
    ax, ay, aw, ah = area
    return ax <= x and ay <= y and x + w <= ax + aw and y + h <= ay + ah


def run_driver(display: str, window: str, scale: str | None, shot: Path) -> dict[str, Any]:
    env = {k: v for k, v in app_env(display).items() if k not in SCALING_VARS}
    env["QT_QPA_PLATFORM"] = "xcb"
    if scale is not None:
        env["QT_SCALE_FACTOR"] = scale
    proc = subprocess.run([sys.executable, "-m", "tests.helpers.screen_fit_driver", window,
                           "--shot", str(shot)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=180, check=False)
    assert proc.returncode == 0, (f"driver failed for {window} ({proc.returncode}):\n"
                                  f"{proc.stderr[-3000:]}")
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    assert lines, f"driver printed no measurement for {window}:\n{proc.stderr[-3000:]}"
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def problems(m: dict[str, Any], *, must_scroll: bool) -> list[str]:
    """Everything that does not fit, in words (empty when the window fits)."""
    out: list[str] = []
    screen, avail = m["screen"]["geometry"], m["screen"]["available"]
    frame = m["window"]["frame"]
    max_w, max_h = avail[2] * SHARE + TOLERANCE_PX, avail[3] * SHARE + TOLERANCE_PX
    if frame[2] > max_w or frame[3] > max_h:
        out.append(f"window {frame[2]}x{frame[3]} is more than 90 % of the available "
                   f"{avail[2]}x{avail[3]} (at most {int(max_w)}x{int(max_h)})")
    if not inside(frame, screen):
        out.append(f"window {frame} is not wholly on the screen {screen}")
    x_geo, dpr = m["window"].get("x_geometry"), m["screen"]["dpr"]
    physical = [0, 0, round(screen[2] * dpr), round(screen[3] * dpr)]
    if x_geo is not None and not inside(x_geo, physical):
        out.append(f"the X server has the window at {x_geo}, off the screen {physical}")
    areas = m["scroll_areas"]
    for a in areas:
        if a.get("scroll_area") is None and not inside(a["viewport"], screen):
            out.append(f"scroll area {a['accessible'] or a['class']!r} viewport "
                       f"{a['viewport']} is not on the screen")
    for b in m["buttons"]:
        if b["scroll_area"] is not None:
            continue  # reached by scrolling; its area's viewport is checked above
        if not inside(b["rect"], screen):
            out.append(f"button {b['name']!r} at {b['rect']} is off the screen {screen}")
        if b["rect"][3] + TOLERANCE_PX < b["min_hint"][1]:
            out.append(f"button {b['name']!r} is squeezed to {b['rect'][3]} px high "
                       f"(needs {b['min_hint'][1]})")
    for a in areas:
        # The body hides content the window had room to show: it was sized too small
        # (scrolling is for content longer than the screen, not a way to open small).
        if (a.get("name") == "scrollBody" and a.get("scroll_area") is None and a["v_max"] > 0
                and frame[3] + a["v_max"] + TOLERANCE_PX < max_h):
            out.append(f"the body scrolls by {a['v_max']} px while the window ({frame[3]} px "
                       f"high) could grow to {int(max_h)} px and show it all")
    if must_scroll and not any(a["v_max"] > 0 for a in areas):
        out.append("the long content does not scroll inside the window (no scroll area "
                   "with content taller than its viewport)")
    return out


def summary(m: dict[str, Any]) -> str:
    avail, frame = m["screen"]["available"], m["window"]["frame"]
    return (f"{m['name']}: window {frame[2]}x{frame[3]} at ({frame[0]},{frame[1]}) in "
            f"available {avail[2]}x{avail[3]} (dpr {m['screen']['dpr']:g}); "
            f"{len(m['buttons'])} buttons; scroll areas "
            + ", ".join(f"{a['accessible'] or a['class']}:{a['v_max']}"
                        for a in m["scroll_areas"]))


@pytest.fixture
def screen(request: pytest.FixtureRequest) -> tuple[str, tuple[int, int], str | None]:
    name: str = request.param
    size, scale = SCREENS[name]
    return name, size, scale


@pytest.mark.parametrize("window", sorted(BUILDERS))
@pytest.mark.parametrize(("screen", "xvfb_sized"),
                         [(name, size) for name, (size, _) in SCREENS.items()],
                         indirect=True, ids=list(SCREENS))
def test_window_fits_the_screen(window: str, screen: tuple[str, tuple[int, int], str | None],
                                xvfb_sized: str, isolated_dirs: Path) -> None:
    need("import")
    name, _size, scale = screen
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"screen-fit-{name}-{window}.png"
    m = run_driver(xvfb_sized, window, scale, shot)
    assert m["name"] == window
    shot.with_suffix(".json").write_text(json.dumps(m, indent=1), encoding="utf-8")
    assert shot.is_file() and shot.stat().st_size > 1000, "no screenshot was saved"
    if scale is not None:
        assert m["screen"]["dpr"] == float(scale), "QT_SCALE_FACTOR did not reach the app"
    found = problems(m, must_scroll=window in MUST_SCROLL)
    # The measurement goes to the log either way, for the people reading the artifacts.
    print(summary(m))
    assert not found, f"{summary(m)}\n  " + "\n  ".join(found) + f"\n  screenshot: {shot}"


def test_problems_reads_a_fitting_and_a_too_big_window() -> None:
    """The judge itself, on hand-made measurements (no X server needed)."""
    fits = {"name": "w", "screen": {"geometry": [0, 0, 1024, 600],
                                    "available": [0, 0, 1024, 600], "dpr": 1.0},
            "window": {"frame": [51, 30, 921, 540], "x_geometry": [51, 30, 921, 540]},
            "buttons": [{"name": "Close", "rect": [900, 530, 60, 32], "min_hint": [60, 30],
                         "scroll_area": None},
                        {"name": "Open settings", "rect": [500, 2000, 90, 32],
                         "min_hint": [90, 30], "scroll_area": 0}],
            "scroll_areas": [{"class": "QScrollArea", "accessible": "Checks",
                              "viewport": [60, 60, 900, 400], "v_max": 1500}]}
    assert problems(fits, must_scroll=True) == []
    too_big = json.loads(json.dumps(fits))
    too_big["window"]["frame"] = [0, 0, 1680, 1120]
    too_big["buttons"][0]["rect"] = [1500, 1080, 60, 32]
    too_big["buttons"][0]["min_hint"] = [60, 40]
    too_big["scroll_areas"][0]["v_max"] = 0
    found = problems(too_big, must_scroll=True)
    small = json.loads(json.dumps(fits))
    small["window"]["frame"] = [300, 150, 400, 280]
    small["scroll_areas"][0].update(name="scrollBody", scroll_area=None, v_max=68)
    assert any("could grow" in p for p in problems(small, must_scroll=False))
    assert any("more than 90 %" in p for p in found)
    assert any("not wholly on the screen" in p for p in found)
    assert any("'Close'" in p and "off the screen" in p for p in found)
    assert any("squeezed" in p for p in found)
    assert any("does not scroll" in p for p in found)
    assert not any("Open settings" in p for p in found)  # in the scroll body: reachable


def test_every_window_has_a_builder() -> None:
    """The windows issue 19 names are all measured (a renamed builder must not silently
    drop one)."""
    assert {"precall-checks", "precall-notice", "precall-script", "report", "report-first",
            "notice-dialog",
            "recording-alert", "clear-prompt", "clean-ask", "clean-blocked", "clean-result",
            "fallback", "about"} <= set(BUILDERS)
