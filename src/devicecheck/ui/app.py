"""The tray app's entry points, under the names ``cli.py``, the tests and the benchmark
use: ``run_app`` (``ui/tray/launch.py``) and ``DeviceCheckApp``, the tray controller
(``ui/tray/controller.py``)."""

from __future__ import annotations

from devicecheck.ui.tray.controller import DeviceCheckApp, TrayController
from devicecheck.ui.tray.launch import run_app

__all__ = ["DeviceCheckApp", "TrayController", "run_app"]
