"""The tray's windows: each module is imported when its window first opens (an idle tray
carries none of them), a window still on screen is raised instead of opened twice, the
report window is reused (it is refilled after every run), and every other window is
deleted (``deleteLater``) when it is closed or replaced, so a closed pre-call window and
its check rows do not stay in the tray's memory all day.

The host is any ``WindowHost`` (the controller is one): this module never imports the
controller (issue 28: no import cycle, type-only imports counted).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from html import escape
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Qt, QThreadPool, QUrl
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from devicecheck import __version__
from devicecheck.qtsupport.icons import app_icon
from devicecheck.ui.model.states import state_line
from devicecheck.ui.tray.debug import debug

if TYPE_CHECKING:  # the host's types only; the windows are imported when they open
    from devicecheck.audit import AuditLog
    from devicecheck.checks.base import Check, Context
    from devicecheck.cleaner.run import CleanResult
    from devicecheck.policy import LoadedPolicy
    from devicecheck.report import Report
    from devicecheck.ui.model.notifications import OutcomeFn
    from devicecheck.ui.model.states import TrayState, TrayVerdict
    from devicecheck.ui.tray.scheduler import CheckScheduler
    from devicecheck.ui.windows.clean_action import CleanFlow
    from devicecheck.ui.windows.report_window import ReportWindow

log = logging.getLogger(__name__)

REPORT, PRECALL, NOTICE, CLEAN, ABOUT = "report", "precall", "notice", "clean", "about"
PILOT = "pilot"     # "Test meeting detection…" ([teams] pilot_menu)
SCRIPT = "script"  # the opening script card the pre-call window hands over to


class WindowHost(Protocol):
    """What the windows need of the tray (``TrayController`` is one)."""

    @property
    def loaded(self) -> LoadedPolicy: ...
    @property
    def audit(self) -> AuditLog: ...
    @property
    def pool(self) -> QThreadPool: ...
    @property
    def open_url(self) -> Callable[[QUrl], object]: ...
    @property
    def scheduler(self) -> CheckScheduler: ...
    @property
    def report(self) -> Report | None: ...
    @property
    def state(self) -> TrayState: ...
    @property
    def verdict(self) -> TrayVerdict | None: ...
    @property
    def check_list(self) -> Sequence[Check] | None: ...
    @property
    def check_context(self) -> Context | None: ...

    def check_now(self) -> bool: ...
    def notify(self, title: str, message: str, level: str = "info", *,
               key: str | None = None) -> bool: ...
    def on_clean_done(self, result: CleanResult | None) -> None: ...


#: The menu's clean found Teams open: restart it through the Teams link, the outcome to
#: the callable given (``TeamsLink.restart_for_menu``; None: no link to restart Teams).
MenuRestart = Callable[["OutcomeFn | None"], "bool | None"]


class WindowManager(QObject):
    """Opens, raises, reuses and deletes the tray's windows for ``host`` (its Qt parent
    is ``parent``); ``restart`` is the clean flow's way to restart Teams."""

    def __init__(self, host: WindowHost, restart: MenuRestart,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._host = host
        self._restart = restart
        #: Open (or reusable) windows by role; the clean flow is a QObject, not a window.
        self.windows: dict[str, QWidget | QObject] = {}
        self.report_window: ReportWindow | None = None  # typed handle on windows["report"]

    def _show(self, key: str, window: QWidget) -> QWidget:
        old = self.windows.get(key)
        if old is not None and old is not window:
            old.deleteLater()  # replaced: nothing else holds it
        self.windows[key] = window
        if key != REPORT and isinstance(window, QDialog) and old is not window:
            window.finished.connect(lambda _code, k=key, w=window: self._closed(k, w))
        window.show()
        window.raise_()
        window.activateWindow()
        debug(f"{key}-shown")
        return window

    def _closed(self, key: str, window: QWidget) -> None:
        """A dialog other than the report closed: nothing reuses it, so delete it."""
        if self.windows.get(key) is window:
            del self.windows[key]
        window.deleteLater()

    def _existing(self, key: str) -> QWidget | None:
        window = self.windows.get(key)
        if isinstance(window, QWidget) and window.isVisible():
            window.raise_()
            window.activateWindow()
            return window
        return None

    def open_report(self) -> QWidget:
        host = self._host
        window = self.report_window
        if window is None:
            from devicecheck.ui.windows.report_window import ReportWindow

            window = ReportWindow(host.loaded, open_url=host.open_url)
            window.checkRequested.connect(host.check_now)
            # Its "Clear meeting data now…" is the menu's (restart-and-clean through the
            # Teams link when Teams is open), not a second dialog path (issue 27).
            window.clean_handler = self.open_clean
            window.setWindowIcon(app_icon())
            self.report_window = window
        window.set_report(host.report, host.loaded)
        window.set_checking(host.scheduler.running)
        return self._show(REPORT, window)

    def open_precall(self) -> QWidget:
        if (window := self._existing(PRECALL)) is not None:
            return window
        host = self._host
        try:
            from devicecheck.ui.windows.precall import PrecallWindow
        except ImportError as exc:
            log.info("pre-call window not available (%s): showing the report", exc)
            return self.open_report()
        precall = PrecallWindow(host.loaded, audit=host.audit, ctx=host.check_context,
                                checks=host.check_list)
        precall.setModal(False)
        precall.checks_page.clean_handler = self.open_clean  # the menu's clear (issue 27)
        # Kept (and deleted when closed) like the other windows once the call may start.
        precall.scriptShown.connect(lambda card: self._show(SCRIPT, card))
        return self._show(PRECALL, precall)

    def open_pilot(self) -> QWidget:
        """IT's guided test of meeting and recording detection (``devicecheck pilot``)."""
        if (window := self._existing(PILOT)) is not None:
            return window
        from devicecheck.ui.windows.pilot_window import PilotWindow

        window = PilotWindow(self._host.loaded.policy)
        window.setWindowIcon(app_icon())
        return self._show(PILOT, window)

    def open_notice(self) -> QWidget | None:
        if (window := self._existing(NOTICE)) is not None:
            return window
        host = self._host
        try:
            from devicecheck.notice import NoticeError, load_notice
            from devicecheck.ui.windows.notice_dialog import NoticeDialog
        except ImportError as exc:
            log.info("notice window not available (%s): showing the report", exc)
            return self.open_report()
        try:
            notice = load_notice(host.loaded.policy)
        except NoticeError as exc:
            # Only when DeviceCheck's own notice is missing (a broken install): say so
            # rather than fail silently from a menu click.
            log.warning("privacy notice cannot be shown: %s", exc)
            host.notify("The privacy notice cannot be shown",
                        "DeviceCheck's privacy notice is missing from this laptop. Do not "
                        f"start a call with a resident; contact "
                        f"{host.loaded.policy.organisation.it_contact}.", "critical")
            return None
        dialog = NoticeDialog(notice)
        dialog.setModal(False)
        return self._show(NOTICE, dialog)

    def open_clean(self) -> CleanFlow:
        from devicecheck.ui.windows.clean_action import CleanFlow

        host = self._host
        flow = self.windows.get(CLEAN)
        if not isinstance(flow, CleanFlow):
            flow = CleanFlow(host.loaded.policy, host.audit, pool=host.pool, parent=self,
                             restart=self._restart)
            flow.done.connect(host.on_clean_done)
            self.windows[CLEAN] = flow
        flow.policy = host.loaded.policy
        flow.start()
        debug("clean-started")
        return flow

    def show_about(self) -> QWidget:
        if (window := self._existing(ABOUT)) is not None:
            return window
        host = self._host
        org = host.loaded.policy.organisation
        # The status in the tray's words (``state_line``: the verdict's own line, with
        # the IT contact or the fix-by date); where the settings came from is IT's.
        text = (f"<b>DeviceCheck {__version__}</b><br>Checks that this laptop is fit for a "
                f"private video call with a resident.<br><br>"
                f"Now: {escape(state_line(host.state, host.verdict))}<br>"
                + (f"Organisation: {escape(org.name)}<br>" if org.name else "")
                + f"Help: {escape(org.it_contact)}<br><br>"
                f"<small>For IT: settings from {escape(', '.join(host.loaded.sources))}"
                "</small>")
        box = QMessageBox()  # top-level: a tray icon is no widget to parent it to
        box.setWindowTitle("About DeviceCheck")
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setText(text)
        box.setIconPixmap(app_icon().pixmap(64, 64))  # our icon, not a stock one
        # A plain "Close" (no stock icon on the button): QMessageBox's StandardButton
        # Close carries the style's icon on some desktops.
        close = box.addButton("&Close", QMessageBox.ButtonRole.RejectRole)
        close.setAccessibleName("Close")
        box.setDefaultButton(close)
        box.setEscapeButton(close)
        box.setModal(False)
        box.setAccessibleName("About DeviceCheck")
        from devicecheck.qtsupport.screen_fit import fit_to_screen  # not at tray start

        fit_to_screen(box)
        return self._show(ABOUT, box)

    def show_dialog(self, key: str, dialog: QDialog) -> QWidget:
        """Show a small dialog built elsewhere (the log folder's "could not be opened"),
        one per ``key``: a second one replaces the first; deleted once closed."""
        return self._show(key, dialog)

    def set_checking(self, checking: bool) -> None:
        window = self.report_window
        if window is not None:
            window.set_checking(checking)

    def show_report(self, report: Report) -> None:
        """A fresh report: refill the report window if it exists (open or not)."""
        window = self.report_window
        if window is not None:
            window.set_checking(False)
            window.set_report(report, self._host.loaded)

    def close_all(self) -> None:
        for window in list(self.windows.values()):
            if isinstance(window, QWidget):
                window.close()
