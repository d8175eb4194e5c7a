"""QIcons for tray states and check statuses, loaded from the bundled SVGs once."""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QIcon

from devicecheck.resource_files import resource_path
from devicecheck.ui.model.states import ICON_FILES, TrayState

#: Per-check status -> icon file (same shapes as the tray, plus unknown and skipped).
STATUS_ICON_FILES: dict[str, str] = {
    "pass": "ready.svg", "warn": "attention.svg", "fail": "not-ready.svg",
    "unknown": "unknown.svg", "skip": "skipped.svg",
}


@cache
def icon_file(name: str) -> QIcon:
    # QIcon(path) renders SVG through the svg icon engine at whatever size the panel asks.
    return QIcon(str(resource_path("icons", name)))


def state_icon(state: TrayState) -> QIcon:
    return icon_file(ICON_FILES[state])


def status_icon(status: str) -> QIcon:
    return icon_file(STATUS_ICON_FILES.get(status, "unknown.svg"))


def recording_alert_icon() -> QIcon:
    """The recording alert's own mark: red, never the amber "attention" triangle."""
    return icon_file("recording-alert.svg")


def app_icon() -> QIcon:
    return icon_file("devicecheck.svg")
