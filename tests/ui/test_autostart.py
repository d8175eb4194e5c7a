"""Per-user autostart: XDG entry, HKCU Run (fake registry writer), LaunchAgent plist."""

from __future__ import annotations

import plistlib
import shutil
import subprocess
from pathlib import Path

import pytest

from devicecheck.qtsupport.self_command import self_command
from devicecheck.ui.tray.autostart import (
    RUN_KEY,
    RUN_VALUE,
    LaunchAgentAutostart,
    RunKeyAutostart,
    XdgAutostart,
    autostart_for,
)


class FakeRunKey:
    def __init__(self) -> None:
        self.values: dict[tuple[str, str], str] = {}

    def get(self, key: str, name: str) -> str | None:
        return self.values.get((key, name))

    def set(self, key: str, name: str, value: str) -> None:
        self.values[(key, name)] = value

    def delete(self, key: str, name: str) -> None:
        self.values.pop((key, name), None)


def test_xdg_entry_written_from_the_packaged_template(isolated_dirs: Path) -> None:
    backend = autostart_for("linux")
    assert isinstance(backend, XdgAutostart)
    assert backend.path == isolated_dirs / ".config" / "autostart" / "devicecheck.desktop"
    assert not backend.is_enabled()
    backend.set_enabled(True)
    text = backend.path.read_text()
    assert backend.is_enabled()
    assert "Name=DeviceCheck" in text and "TryExec" not in text
    exec_lines = [ln for ln in text.splitlines() if ln.startswith("Exec=")]
    assert len(exec_lines) == 1 and exec_lines[0].endswith(" -m devicecheck")
    if shutil.which("desktop-file-validate"):
        proc = subprocess.run(["desktop-file-validate", str(backend.path)],
                              capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    backend.set_enabled(False)
    assert not backend.path.exists() and not backend.is_enabled()


def test_xdg_exec_quotes_paths_with_spaces(tmp_path: Path) -> None:
    backend = XdgAutostart(tmp_path, None, ["/opt/Device Check/bin/python", "-m", "devicecheck"])
    backend.set_enabled(True)
    assert 'Exec="/opt/Device Check/bin/python" -m devicecheck' in backend.path.read_text()


def test_xdg_entry_switched_off_by_the_desktop_counts_as_off(tmp_path: Path) -> None:
    backend = XdgAutostart(tmp_path)
    backend.set_enabled(True)
    backend.path.write_text(backend.path.read_text() + "Hidden=true\n")
    assert not backend.is_enabled()


def test_run_key_with_a_fake_registry() -> None:
    reg = FakeRunKey()
    backend = RunKeyAutostart(reg, [r"C:\Program Files\DeviceCheck\devicecheck.exe"])
    assert not backend.is_enabled()
    backend.set_enabled(True)
    assert reg.values[(RUN_KEY, RUN_VALUE)] == r'"C:\Program Files\DeviceCheck\devicecheck.exe"'
    assert backend.is_enabled()
    backend.set_enabled(False)
    assert reg.values == {} and not backend.is_enabled()


def test_autostart_for_windows_uses_the_given_writer() -> None:
    reg = FakeRunKey()
    backend = autostart_for("windows", writer=reg)
    backend.set_enabled(True)
    assert reg.get(RUN_KEY, RUN_VALUE)


def test_launch_agent_plist(isolated_dirs: Path) -> None:
    backend = autostart_for("macos", home=isolated_dirs)
    assert isinstance(backend, LaunchAgentAutostart)
    backend.set_enabled(True)
    data = plistlib.loads(backend.path.read_bytes())
    assert backend.path.parent == isolated_dirs / "Library" / "LaunchAgents"
    assert data["RunAtLoad"] is True and data["ProgramArguments"] == self_command()
    assert data["Label"] == backend.path.stem
    assert backend.is_enabled()
    backend.set_enabled(False)
    assert not backend.is_enabled()


def test_launch_agent_unreadable_plist_is_off(tmp_path: Path) -> None:
    backend = LaunchAgentAutostart(tmp_path)
    backend.path.parent.mkdir(parents=True)
    backend.path.write_text("not a plist")
    assert not backend.is_enabled()


@pytest.mark.parametrize("frozen", [True, False])
def test_launch_command(monkeypatch: pytest.MonkeyPatch, frozen: bool) -> None:
    import sys

    monkeypatch.setattr(sys, "frozen", frozen, raising=False)
    cmd = self_command()
    assert cmd[0] == sys.executable
    assert cmd[1:] == ([] if frozen else ["-m", "devicecheck"])


@pytest.mark.parametrize("kind", ["xdg", "launch-agent"])
def test_a_fifo_at_the_entry_never_blocks_and_is_replaced(tmp_path: Path, kind: str) -> None:
    """Issue 29 #5: a FIFO planted at the autostart entry used to hang the tray's main thread
    in open() when the officer toggled autostart (no reader ever comes). Now it is read as
    'off' at once and replaced by a regular file when switched on."""
    import os
    import threading

    backend: XdgAutostart | LaunchAgentAutostart = (
        XdgAutostart(tmp_path, command=["devicecheck"]) if kind == "xdg"
        else LaunchAgentAutostart(tmp_path, command=["devicecheck"]))
    backend.path.parent.mkdir(parents=True)
    os.mkfifo(backend.path)
    results: list[bool] = []

    def toggle() -> None:
        results.append(backend.is_enabled())
        backend.set_enabled(True)
        results.append(backend.is_enabled())

    worker = threading.Thread(target=toggle, daemon=True)
    worker.start()
    worker.join(5)
    assert not worker.is_alive(), "autostart blocked on a FIFO"
    assert results == [False, True]
    assert backend.path.is_file() and not backend.path.is_symlink()
    assert backend.path.stat().st_mode & 0o077 == 0
