"""Reusable fixtures for end-to-end tests on a real X server.

* ``xvfb_display``: a private Xvfb (display number chosen by Xvfb itself via -displayfd,
  so parallel runs never collide); yields ``":N"``.
* ``xvfb_sized``: the same, with the screen size from indirect parametrisation
  (``@pytest.mark.parametrize("xvfb_sized", [(1024, 600)], indirect=True)``; default
  ``SCREEN``), for the screen-fit tests; ``start_xvfb(size)`` is the context manager.
* ``tray_host``: ``trayer`` (an XEmbed system tray) running on that display; yields it.
* ``x_env``: an environment for a subprocess of the app on the tray display: DISPLAY set,
  the offscreen platform removed, this checkout's ``src`` first on PYTHONPATH,
  ``DEVICECHECK_DEBUG_TRAY=1`` (the tray prints its geometry and windows it opens on
  stderr), and the per-test HOME/XDG folders from the shared conftest.
* ``screenshot``: ``screenshot(display, "step")`` saves
  ``test-artifacts/<test name>-step.png`` with ImageMagick ``import -window root``.

Each fixture skips with the missing tool's name when the machine lacks it (Debian
packages: xvfb, trayer, imagemagick, xdotool, x11-utils; see scripts/apt-packages.txt).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.e2e.pulse import PrivatePulse, PulseUnavailable
from tests.helpers.fake_meeting_window import A11ySession, A11yUnavailable

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SCREEN = (1280, 800)


def need(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} on PATH (Debian: xvfb trayer imagemagick "
                    "xdotool x11-utils; scripts/apt-packages.txt, test line)")


def xwininfo_tree(display: str) -> str:
    proc = subprocess.run(["xwininfo", "-root", "-tree"], capture_output=True, text=True,
                          env={**os.environ, "DISPLAY": display}, timeout=10, check=False)
    return proc.stdout


@contextmanager
def start_xvfb(size: tuple[int, int]) -> Iterator[str]:
    """A private Xvfb with one screen of ``size`` (24-bit); yields ``":N"``."""
    need("Xvfb")
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0",
                             f"{size[0]}x{size[1]}x24", "-nolisten", "tcp"],
                            pass_fds=(write_fd,), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    os.close(write_fd)
    try:
        with os.fdopen(read_fd) as pipe:
            number = pipe.readline().strip()
        if not number:
            pytest.skip("Xvfb did not start (no display number reported)")
        yield f":{number}"
    finally:
        xvfb.terminate()
        try:
            xvfb.wait(timeout=10)
        except subprocess.TimeoutExpired:
            xvfb.kill()


@pytest.fixture
def xvfb_display() -> Iterator[str]:
    with start_xvfb(SCREEN) as display:
        yield display


@pytest.fixture
def xvfb_sized(request: pytest.FixtureRequest) -> Iterator[str]:
    size = getattr(request, "param", SCREEN)
    with start_xvfb((int(size[0]), int(size[1]))) as display:
        yield display


@pytest.fixture
def tray_host(xvfb_display: str) -> Iterator[str]:
    """trayer docked top right, 32 px high; ready once its panel window is mapped."""
    need("trayer", "xwininfo")
    trayer = subprocess.Popen(["trayer", "--edge", "top", "--align", "right", "--widthtype",
                               "request", "--height", "32"],
                              env={**os.environ, "DISPLAY": xvfb_display},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not re.search(r'"panel": \("panel" "trayer"\)', xwininfo_tree(xvfb_display)):
            if trayer.poll() is not None or time.monotonic() > deadline:
                pytest.skip("trayer did not start on Xvfb")
            time.sleep(0.05)
        yield xvfb_display
    finally:
        trayer.terminate()
        try:
            trayer.wait(timeout=10)
        except subprocess.TimeoutExpired:
            trayer.kill()


def app_env(display: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env.update(DISPLAY=display, DEVICECHECK_DEBUG_TRAY="1",
               PYTHONPATH=os.pathsep.join(p for p in (str(ROOT / "src"),
                                                      env.get("PYTHONPATH")) if p))
    return env


@pytest.fixture
def x_env(tray_host: str) -> dict[str, str]:
    return app_env(tray_host)


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[[str, str], Path]:
    need("import")
    ARTIFACTS.mkdir(exist_ok=True)
    test = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")

    def shot(display: str, step: str) -> Path:
        path = ARTIFACTS / f"{test}-{step}.png"
        subprocess.run(["import", "-display", display, "-window", "root", str(path)],
                       check=True, timeout=30, capture_output=True)
        return path

    return shot


@pytest.fixture
def pulse() -> Iterator[PrivatePulse]:
    """A private PulseAudio for one test (skips where it cannot start)."""
    server = PrivatePulse()
    try:
        server.start()
    except PulseUnavailable as exc:
        pytest.skip(f"the audio server cannot start here: {exc}")
    yield server
    server.stop()


@pytest.fixture
def session() -> Iterator[A11ySession]:
    """A private accessibility bus for one test (skips without at-spi2-core)."""
    try:
        bus = A11ySession().start()
    except A11yUnavailable as exc:
        pytest.skip(str(exc))
    yield bus
    bus.stop()
