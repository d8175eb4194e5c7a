"""This DeviceCheck as a command line (no Qt): what the tray runs its checks with and
what autostart entries start."""

from __future__ import annotations

import sys


def self_command() -> list[str]:
    """The frozen executable, or this Python with ``-m devicecheck`` (a venv or a system
    install alike)."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "devicecheck"]
