"""The real PyInstaller onedir, made by the documented build: it runs, answers the CLI,
carries its resources and only the Qt it uses, and fits the size budget."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from buildlib.freeze import BUDGET_BYTES, tree_size

from devicecheck import __version__

# The first test here waits for the documented build (PyInstaller freeze, xz, lintian):
# minutes on a loaded machine, far over the suite's 120 s default.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def onedir(documented_linux_build: dict[str, Any]) -> Path:
    return documented_linux_build["onedir"]


def run_frozen(onedir: Path, *args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
           "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CONFIG_DIRS": str(tmp_path / "etc"),
           "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    return subprocess.run([str(onedir / "devicecheck"), *args], capture_output=True, text=True,
                          timeout=60, env=env)


def test_frozen_binary_answers_version(onedir: Path, tmp_path: Path) -> None:
    proc = run_frozen(onedir, "--version", tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"devicecheck {__version__}"


def test_frozen_binary_runs_through_a_symlink(onedir: Path, tmp_path: Path) -> None:
    """/usr/bin/devicecheck is a symlink into /opt: the bootloader must still find its
    _internal folder next to the real program."""
    link = tmp_path / "bin" / "devicecheck"
    link.parent.mkdir()
    link.symlink_to(onedir / "devicecheck")
    proc = subprocess.run([str(link), "--version"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == f"devicecheck {__version__}"


def test_frozen_binary_runs_every_check_as_json(onedir: Path, tmp_path: Path) -> None:
    from devicecheck.checks import all_checks
    from devicecheck.checks.base import Unavailable

    proc = run_frozen(onedir, "check", "--json", tmp_path=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr  # ready or not: both are answers
    report = json.loads(proc.stdout)
    assert report["schema"] == 1
    in_source = all_checks()
    assert [c["id"] for c in report["checks"]] == [c.id for c in in_source]
    # A check module PyInstaller failed to bundle would stand in as "could not be loaded";
    # the frozen app loads exactly the checks the source tree loads.
    frozen_missing = {c["id"] for c in report["checks"]
                      if "could not be loaded" in c.get("summary", "")}
    assert frozen_missing == {c.id for c in in_source if isinstance(c, Unavailable)}


def test_frozen_binary_finds_bundled_resources(onedir: Path, tmp_path: Path) -> None:
    assert (onedir / "_internal" / "devicecheck" / "resources" / "notice").is_dir()
    proc = run_frozen(onedir, "notice", "--text", tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout) > 200


def test_frozen_binary_intune_format_is_one_flat_line(onedir: Path, tmp_path: Path) -> None:
    proc = run_frozen(onedir, "check", "--format", "intune", tmp_path=tmp_path)
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1
    flat = json.loads(lines[0])
    assert all(isinstance(v, str | int | bool) for v in flat.values())
    assert flat["SchemaVersion"] == 1


def test_onedir_within_budget_and_without_unused_qt(onedir: Path) -> None:
    size = tree_size(onedir)
    print(f"frozen onedir: {size / 2**20:.1f} MB unpacked")
    assert size <= BUDGET_BYTES
    names = {p.name for p in onedir.rglob("*")}
    for unwanted in ("libQt6Qml.so.6", "libQt6Quick.so.6", "libQt6WebEngineCore.so.6",
                     "libQt6Pdf.so.6", "libQt6Multimedia.so.6", "libQt63DCore.so.6",
                     "QtQml.abi3.so", "QtWebEngineCore.abi3.so"):
        assert unwanted not in names
    for wanted in ("QtCore.abi3.so", "QtGui.abi3.so", "QtWidgets.abi3.so", "QtNetwork.abi3.so",
                   "QtWebSockets.abi3.so", "libqxcb.so", "libqoffscreen.so"):
        assert wanted in names


def test_bundled_qt_resolves_every_library(onedir: Path) -> None:
    """The xcb platform plugin and the widgets module find all their libraries: those in
    the bundle, and the system ones the package's Depends: name."""
    qt = onedir / "_internal" / "PySide6"
    for lib in (qt / "Qt" / "plugins" / "platforms" / "libqxcb.so", qt / "QtWidgets.abi3.so"):
        env = {"LD_LIBRARY_PATH": f"{onedir / '_internal'}:{qt / 'Qt' / 'lib'}"}
        out = subprocess.run(["ldd", str(lib)], capture_output=True, text=True, env=env,
                             timeout=30).stdout
        assert "not found" not in out, out


def test_frozen_tray_starts_on_a_real_x_display(onedir: Path, tmp_path: Path) -> None:
    """With a display and no command the frozen app is the tray: under Xvfb it keeps
    running (the bundled xcb plugin, Qt widgets and SVG icons all load) with no traceback."""
    if shutil.which("xvfb-run") is None:
        pytest.fail("xvfb-run missing: scripts/setup.sh test installs xvfb")
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
           "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CONFIG_DIRS": str(tmp_path / "etc"),
           "XDG_RUNTIME_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    proc = subprocess.Popen(["xvfb-run", "-a", str(onedir / "devicecheck")], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
        still_running = proc.poll() is None
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert still_running, out + err
    assert "Traceback" not in err and "could not load the Qt platform plugin" not in err, err
