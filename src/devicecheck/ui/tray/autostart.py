"""Per-user autostart: XDG autostart entry (Linux), HKCU Run value (Windows), LaunchAgent
(macOS). No Qt. The Windows registry is behind ``RunKeyWriter`` so tests use a fake.

When the installer already starts DeviceCheck for every user (policy
``tray.installer_autostart``), the tray hides the toggle: a per-user entry on top would
start a second copy (which the single-instance guard would then turn away).
"""

from __future__ import annotations

import plistlib
import shlex
from pathlib import Path
from typing import Any, Protocol

from devicecheck.osinfo import OsName, current_os
from devicecheck.paths import MACOS_BUNDLE_ID
from devicecheck.qtsupport.self_command import self_command
from devicecheck.safefile import read_regular, write_private

RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
RUN_VALUE = "DeviceCheck"
DESKTOP_NAME = "devicecheck.desktop"
MAX_ENTRY_BYTES = 64 * 1024     # a desktop entry is a few hundred bytes



class Autostart(Protocol):
    description: str

    def is_enabled(self) -> bool: ...
    def set_enabled(self, enabled: bool) -> None: ...


def _desktop_exec(argv: list[str]) -> str:
    # Desktop entry Exec quoting: arguments with reserved characters in double quotes,
    # with ", `, $ and \ escaped (freedesktop spec, "The Exec key").
    out = []
    for arg in argv:
        if arg and not any(c in arg for c in ' \t\n"\'\\><~|&;$*?#()`'):
            out.append(arg)
        else:
            escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg)
            out.append(f'"{escaped}"')
    return " ".join(out)


class XdgAutostart:
    """``~/.config/autostart/devicecheck.desktop`` (XDG_CONFIG_HOME honoured)."""

    description = "XDG autostart entry"

    def __init__(self, config_home: Path, template: Path | None = None,
                 command: list[str] | None = None) -> None:
        self.path = config_home / "autostart" / DESKTOP_NAME
        self._template = template
        self._command = command or self_command()

    def is_enabled(self) -> bool:
        if not self.path.is_file():
            return False
        try:
            # Non-blocking and regular files only: a FIFO planted here must not hang the
            # tray's main thread (issue 29 #5). A linked entry is still read (desktops do).
            text = read_regular(self.path, MAX_ENTRY_BYTES, follow_links=True).decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return False
        # Desktops honour these two switches for "off" without deleting the file.
        lowered = text.replace(" ", "").lower()
        return "hidden=true" not in lowered and "x-gnome-autostart-enabled=false" not in lowered

    def set_enabled(self, enabled: bool) -> None:
        if not enabled:
            self.path.unlink(missing_ok=True)
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Replaced, never written through: whatever sits at the path (a FIFO that would
        # block the open for good, a link to another file) is swapped for our entry.
        write_private(self.path, self.entry_text().encode("utf-8"))

    def entry_text(self) -> str:
        lines = []
        if self._template is not None and self._template.is_file():
            lines = self._template.read_text(encoding="utf-8").splitlines()
        if not lines:
            lines = ["[Desktop Entry]", "Type=Application", "Name=DeviceCheck",
                     "Icon=devicecheck", "Terminal=false", "X-GNOME-Autostart-enabled=true"]
        # Our own command, not the packaged one: this copy may live in a venv.
        exec_line = f"Exec={_desktop_exec(self._command)}"
        lines = [ln for ln in lines if not ln.startswith(("Exec=", "TryExec="))]
        lines.insert(lines.index("[Desktop Entry]") + 1 if "[Desktop Entry]" in lines else 0,
                     exec_line)
        return "\n".join(lines) + "\n"


class RunKeyWriter(Protocol):
    """HKCU\\...\\Run access; the real one uses winreg, tests use a dict."""

    def get(self, key: str, name: str) -> str | None: ...
    def set(self, key: str, name: str, value: str) -> None: ...
    def delete(self, key: str, name: str) -> None: ...


def _winreg() -> Any:
    # Typed as Any: typeshed only declares winreg's contents when checking for Windows
    # (as in probes/registry.py).
    import importlib

    return importlib.import_module("winreg")


class WinregRunKeyWriter:  # pragma: no cover - Windows only
    def get(self, key: str, name: str) -> str | None:
        winreg = _winreg()

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, key) as k:
                value, _kind = winreg.QueryValueEx(k, name)
        except OSError:
            return None
        return str(value)

    def set(self, key: str, name: str, value: str) -> None:
        winreg = _winreg()

        with winreg.CreateKeyEx(winreg.HKEY_CURRENT_USER, key, 0, winreg.KEY_SET_VALUE) as k:
            winreg.SetValueEx(k, name, 0, winreg.REG_SZ, value)

    def delete(self, key: str, name: str) -> None:
        winreg = _winreg()

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, key, 0, winreg.KEY_SET_VALUE) as k:
                winreg.DeleteValue(k, name)
        except FileNotFoundError:
            pass


def _windows_command_line(argv: list[str]) -> str:
    return " ".join(f'"{a}"' if (" " in a or not a) else a for a in argv)


class RunKeyAutostart:
    description = r"HKCU\Software\Microsoft\Windows\CurrentVersion\Run"

    def __init__(self, writer: RunKeyWriter, command: list[str] | None = None) -> None:
        self._writer = writer
        self._command = command or self_command()

    def is_enabled(self) -> bool:
        return bool(self._writer.get(RUN_KEY, RUN_VALUE))

    def set_enabled(self, enabled: bool) -> None:
        if enabled:
            self._writer.set(RUN_KEY, RUN_VALUE, _windows_command_line(self._command))
        else:
            self._writer.delete(RUN_KEY, RUN_VALUE)


class LaunchAgentAutostart:
    """``~/Library/LaunchAgents/<bundle id>.plist`` with RunAtLoad."""

    description = "LaunchAgent"

    def __init__(self, home: Path, command: list[str] | None = None) -> None:
        self.path = home / "Library" / "LaunchAgents" / f"{MACOS_BUNDLE_ID}.plist"
        self._command = command or self_command()

    def is_enabled(self) -> bool:
        try:
            data = plistlib.loads(read_regular(self.path, MAX_ENTRY_BYTES, follow_links=True))
        except (OSError, plistlib.InvalidFileException, ValueError):
            return False
        return bool(data.get("RunAtLoad")) and not data.get("Disabled", False)

    def set_enabled(self, enabled: bool) -> None:
        if not enabled:
            self.path.unlink(missing_ok=True)
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        plist = {"Label": MACOS_BUNDLE_ID, "ProgramArguments": list(self._command),
                 "RunAtLoad": True, "ProcessType": "Interactive",
                 "LimitLoadToSessionType": "Aqua"}
        write_private(self.path, plistlib.dumps(plist))


def autostart_for(os_name: OsName | None = None, *, home: Path | None = None,
                  config_home: Path | None = None,
                  writer: RunKeyWriter | None = None) -> Autostart:
    import os

    os_name = os_name or current_os()
    home = home or Path.home()
    if os_name == "windows":
        return RunKeyAutostart(writer or WinregRunKeyWriter())
    if os_name == "macos":
        return LaunchAgentAutostart(home)
    if config_home is None:
        env = os.environ.get("XDG_CONFIG_HOME")
        config_home = Path(env) if env else home / ".config"
    from devicecheck.resource_files import resource_path

    return XdgAutostart(config_home, resource_path("desktop", DESKTOP_NAME))


def describe(argv: list[str]) -> str:
    """The command as a person would type it (for the docs and the About box)."""
    return shlex.join(argv)
