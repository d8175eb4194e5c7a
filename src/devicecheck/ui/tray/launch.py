"""Getting the tray on screen fast, and off it cleanly: ``run_app``.

``Startup`` shows the icon ("checking") before anything else is loaded and enters the
event loop, because a tray host embeds an icon only through the event loop. Once the icon
is embedded (``embed.EmbedWait``, or after a short wait) it loads the policy and builds
the ``TrayController`` around that icon; the first check, the Teams link and the hooks
follow from there.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from devicecheck.qtsupport.icons import state_icon
from devicecheck.qtsupport.main_thread_gc import install as gc_in_gui_thread
from devicecheck.qtsupport.quit_signals import install_quit_on_signals
from devicecheck.qtsupport.style import apply_app_style
from devicecheck.ui.model.states import STATE_WORDS, TrayState
from devicecheck.ui.tray.debug import debug_enabled
from devicecheck.ui.tray.embed import EmbedWait

if TYPE_CHECKING:
    from devicecheck.ui.tray.controller import TrayController
    from devicecheck.ui.tray.single_instance import SingleInstance

log = logging.getLogger(__name__)

POLL_MS = 10
EMBED_WAIT_MS = 1500


class Startup(QObject):
    def __init__(self, policy_file: str | Path | None, instance: SingleInstance) -> None:
        super().__init__()
        self.policy_file = policy_file
        self.instance = instance
        self.app: TrayController | None = None
        self.tray: QSystemTrayIcon | None = None
        self._embed: EmbedWait | None = None

    def begin(self) -> None:
        if QSystemTrayIcon.isSystemTrayAvailable():
            tray = QSystemTrayIcon(state_icon(TrayState.CHECKING))
            tray.setToolTip(f"DeviceCheck: {STATE_WORDS[TrayState.CHECKING]}")
            tray.show()
            self.tray = tray
            self._embed = EmbedWait(tray, self._build, poll_ms=POLL_MS,
                                    wait_ms=EMBED_WAIT_MS, parent=self)
            self._embed.start()
        else:
            QTimer.singleShot(0, self._build)  # the app waits for a tray itself

    def _build(self, _embedded: bool = False) -> None:
        from devicecheck.policy import load_policy
        from devicecheck.ui.tray.controller import TrayController

        loaded = load_policy(Path(self.policy_file) if self.policy_file else None)
        self.app = TrayController(loaded, policy_file=self.policy_file, reload_policy=True,
                                  tray=self.tray, isolate_checks=True, embed_wait_s=0)
        self.instance.messageReceived.connect(self.app.on_message)
        self.app.start()


def run_app(policy_file: str | Path | None = None) -> int:
    """``devicecheck`` with a display: the tray app. Exit code 0 also when another copy
    was already running (it was asked to open the pre-call check instead)."""
    from devicecheck.ui.tray.single_instance import SingleInstance

    logging.basicConfig(level=logging.INFO if debug_enabled() else logging.WARNING,
                        format="devicecheck: %(levelname)s %(name)s: %(message)s")
    # argv[0] names the X11 WM_CLASS: "devicecheck", not "__main__.py".
    existing = QApplication.instance()
    qt_app = existing if isinstance(existing, QApplication) else QApplication(["devicecheck"])
    qt_app.setApplicationName("DeviceCheck")
    qt_app.setDesktopFileName("devicecheck")
    apply_app_style(qt_app)  # the shared look, message boxes included (issue 19)
    qt_app.setQuitOnLastWindowClosed(False)  # the tray lives on when windows close
    gc_in_gui_thread(qt_app)  # never free Qt objects from a pool thread (see the module)
    instance = SingleInstance()
    if not instance.acquire("precall"):
        print("DeviceCheck is already running; it will open the pre-call check.",
              file=sys.stderr)
        return 0
    undo_signals = install_quit_on_signals(qt_app.quit)
    startup = Startup(policy_file, instance)
    startup.begin()
    try:
        code = qt_app.exec()
    finally:
        undo_signals()
    if startup.app is not None:
        startup.app.shutdown()
    instance.close()
    return int(code)
