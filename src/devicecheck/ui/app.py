"""The tray app's entry points, under the names ``cli.py``, the tests and the benchmark
use: ``run_app`` (``ui/tray/launch.py``) and ``DeviceCheckApp``, the tray controller
(``ui/tray/controller.py``).

The controller is imported only when asked for: ``devicecheck`` with a display imports
this module first, and the tray icon must be on screen before the controller and its
policy, audit and Teams-link imports load (``benchmarks/tray_startup.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from devicecheck.ui.tray.launch import run_app

if TYPE_CHECKING:
    from devicecheck.ui.tray.controller import DeviceCheckApp, TrayController


def __getattr__(name: str) -> Any:
    if name in ("DeviceCheckApp", "TrayController"):
        from devicecheck.ui.tray import controller

        return getattr(controller, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["DeviceCheckApp", "TrayController", "run_app"]
