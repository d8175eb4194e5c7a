"""Which operating system family we run on, in the three words the rest of the code uses."""

from __future__ import annotations

import os
import sys
from typing import Literal

OsName = Literal["windows", "macos", "linux"]
ALL_OS: tuple[OsName, ...] = ("windows", "macos", "linux")


def current_os() -> OsName:
    """The OS family this process runs on. There is no switch to pretend otherwise: the
    old ``DEVICECHECK_FAKE_OS`` test switch shipped too, and ``=windows`` on Linux crashed
    the CLI in a Windows-only call (issue 29). Tests pass ``os_name`` to what they test."""
    if sys.platform.startswith("win"):
        return "windows"
    if sys.platform == "darwin":
        return "macos"
    return "linux"


def has_display() -> bool:
    """True when a GUI can be shown. Windows and macOS sessions always have one; on Linux
    we need an X11 or Wayland display, otherwise the CLI prints the report instead."""
    if current_os() != "linux":
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
