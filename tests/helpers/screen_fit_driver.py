"""Opens one officer window in its fullest state on a real X server and says where it is.

Run by tests/e2e/test_screen_fit_e2e.py in a subprocess, one window per process (so a
window that hangs or crashes spoils only its own measurement)::

    python -m tests.helpers.screen_fit_driver WINDOW [--shot PNG]
    python -m tests.helpers.screen_fit_driver --list

``DISPLAY`` names the X server, ``QT_QPA_PLATFORM=xcb`` and ``QT_SCALE_FACTOR`` come from
the caller, as do HOME and the XDG folders (the test's isolated ones: the acknowledgement
and audit files the windows write must not reach the real home). The driver builds the
window (``screen_fit_windows.BUILDERS``: the fullest state of each), shows it, waits
until it is exposed and its geometry has settled, saves a screenshot of the whole screen with ImageMagick's
``import`` when ``--shot`` is given, prints one JSON object on stdout and exits:

``screen``: the screen's geometry, available geometry (logical pixels) and device pixel
ratio; ``window``: title, geometry and frame geometry (logical) and ``x_geometry`` (the
X server's own idea in device pixels, from ``xwininfo``); ``buttons``: every visible
QAbstractButton (QCheckBox included) with its global rect, accessible name and, when it
sits in a scroll area, that area's index and the part of it the viewport shows;
``scroll_areas``: every visible scroll area (QScrollArea, text browsers, trees) with its
viewport's global rect and scroll ranges.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QApplication,
    QHeaderView,
    QWidget,
)

from tests.helpers.screen_fit_windows import BUILDERS, Scene


# -- measuring --------------------------------------------------------------------------------
def rect(r: QRect) -> list[int]:
    return [r.x(), r.y(), r.width(), r.height()]


def global_rect(w: QWidget) -> QRect:
    return QRect(w.mapToGlobal(QPoint(0, 0)), w.size())


def _scroll_owner(w: QWidget, areas: Sequence[QAbstractScrollArea]) -> int | None:
    """The index of the innermost scroll area whose viewport holds ``w`` (None: none)."""
    viewports = [a.viewport() for a in areas]  # held, so each keeps its one wrapper
    parent = w.parentWidget()
    while parent is not None:
        for i, viewport in enumerate(viewports):
            if viewport is parent:
                return i
        parent = parent.parentWidget()
    return None


XWININFO = re.compile(r"Absolute upper-left X:\s+(-?\d+).*?Absolute upper-left Y:\s+(-?\d+)"
                      r".*?Width:\s+(\d+).*?Height:\s+(\d+)", re.S)


def x_geometry(window: QWidget) -> list[int] | None:
    """The window as the X server has it (device pixels), or None without xwininfo."""
    try:
        out = subprocess.run(["xwininfo", "-id", str(int(window.winId()))], capture_output=True,
                             text=True, timeout=10, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = XWININFO.search(out)
    return [int(g) for g in m.groups()] if m else None


def measure(window: QWidget) -> dict[str, Any]:
    # Not window.screen() (see qtsupport.screen_fit.available_area).
    screen = (QGuiApplication.screenAt(window.geometry().center())
              or QGuiApplication.primaryScreen())
    # A tree's header is a scroll area too, but never a body that scrolls.
    areas = [a for a in window.findChildren(QAbstractScrollArea)
             if a.isVisible() and not isinstance(a, QHeaderView)]
    buttons = []
    for b in window.findChildren(QAbstractButton):
        if not b.isVisible():
            continue
        g = global_rect(b)
        owner = _scroll_owner(b, areas)
        # Squeezed below what its text needs (a window too small for its layout): on
        # screen but unreadable.
        hint = b.minimumSizeHint()
        entry: dict[str, Any] = {"name": b.accessibleName() or b.text().replace("&", ""),
                                 "class": type(b).__name__, "rect": rect(g),
                                 "min_hint": [hint.width(), hint.height()],
                                 "enabled": b.isEnabled(), "scroll_area": owner}
        if owner is not None:
            shown = g.intersected(global_rect(areas[owner].viewport()))
            entry["shown"] = rect(shown) if not shown.isEmpty() else None
        buttons.append(entry)
    scrolls = []
    for area in areas:
        v, h = area.verticalScrollBar(), area.horizontalScrollBar()
        scrolls.append({"class": type(area).__name__, "name": area.objectName(),
                        "accessible": area.accessibleName(),
                        # Inside another area's viewport (a text browser in the scroll
                        # body): reached by scrolling that one, so it may start off-screen.
                        "scroll_area": _scroll_owner(area, areas),
                        "viewport": rect(global_rect(area.viewport())),
                        "v_max": v.maximum(), "v_page": v.pageStep(),
                        "h_max": h.maximum(), "h_page": h.pageStep()})
    return {
        "screen": {"geometry": rect(screen.geometry()),
                   "available": rect(screen.availableGeometry()),
                   "dpr": screen.devicePixelRatio(), "name": screen.name()},
        "window": {"title": window.windowTitle(), "class": type(window).__name__,
                   "geometry": rect(window.geometry()),
                   "frame": rect(window.frameGeometry()),
                   "minimum": [window.minimumWidth(), window.minimumHeight()],
                   "x_geometry": x_geometry(window)},
        "buttons": buttons,
        "scroll_areas": scrolls,
    }


def settle(scene: Scene, window: QWidget, timeout: float = 20.0) -> None:
    """Wait until the window is exposed and its geometry has not moved for half a second
    (without a window manager Qt applies move and resize at once, but the first layout pass
    and any deferred fit happen from the event loop)."""
    from PySide6.QtTest import QTest

    if not window.isVisible():
        window.show()
    if not QTest.qWaitForWindowExposed(window, int(timeout * 1000)):
        raise SystemExit("screen_fit_driver: the window was never exposed")
    last, since = None, time.monotonic()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        scene.events()
        now = (rect(window.frameGeometry()), [rect(global_rect(b)) for b in
                                              window.findChildren(QAbstractButton)])
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= 0.5:
            return
        time.sleep(0.05)


def screenshot(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["import", "-window", "root", str(path)], check=True, timeout=30,
                   capture_output=True)


def _isolate() -> Path:
    """As tests/conftest.py's isolated_dirs does in-process: audit copies go to an
    in-memory OS log (never the developer's journal) and the machine policy folder is an
    empty temp folder. HOME and XDG come from the caller's environment."""
    from devicecheck import oslog, paths

    tmp = Path(tempfile.mkdtemp(prefix="screen-fit-"))
    (tmp / "etc-devicecheck").mkdir()
    oslog.writer_factory = oslog.MemoryWriter
    paths.SYSTEM_CONFIG_DIR_OVERRIDE = tmp / "etc-devicecheck"
    paths.TRUSTED_OWNER_UIDS = frozenset({0, os.getuid()})
    return tmp


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="screen_fit_driver")
    parser.add_argument("window", nargs="?", choices=sorted(BUILDERS))
    parser.add_argument("--shot", type=Path, help="save a screenshot of the screen here")
    parser.add_argument("--list", action="store_true", help="list the window names")
    args = parser.parse_args(argv)
    if args.list or args.window is None:
        print("\n".join(BUILDERS))
        return 0
    tmp = _isolate()
    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    app.setApplicationName("DeviceCheck")
    from devicecheck.qtsupport.main_thread_gc import install as gc_in_gui_thread

    gc_in_gui_thread(app)  # the checks run on pool threads, as in the app
    scene = Scene(app, tmp)
    window = BUILDERS[args.window](scene)
    settle(scene, window)
    result = measure(window)
    result["name"] = args.window
    if args.shot is not None:
        screenshot(args.shot)
        result["screenshot"] = str(args.shot)
    print(json.dumps(result))
    sys.stdout.flush()
    # Leave at once: closing the windows would start their own flows (a pre-call window
    # emits "completed", the tray would tidy up) that this measurement does not need.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
