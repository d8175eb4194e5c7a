"""The tray's menu actions and the windows they open, as a mixin of ``DeviceCheckApp``
(kept apart so each module stays readable). Windows are imported when first opened."""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QMessageBox

from devicecheck import __version__
from devicecheck.ui.icons import app_icon
from devicecheck.ui.states import STATE_WORDS

log = logging.getLogger(__name__)


def debug(message: str) -> None:
    from devicecheck.ui.app import debug as _debug

    _debug(message)


class AppWindowsMixin:
    """Needs from the host: loaded, audit, pool, state, report, scheduler, menu, fallback,
    windows, open_url, notify, shutdown, _quit, _autostart, _ctx, _checks, _detail."""

    # ----- menu actions -----------------------------------------------------------------
    def refresh_menu(self) -> None:
        tray = self.loaded.policy.tray
        visible = not tray.installer_autostart
        enabled = False
        if visible:
            try:
                enabled = self.autostart_backend().is_enabled()
            except OSError as exc:
                log.warning("autostart state unreadable: %s", exc)
        self.menu.refresh(self.state, self._detail(), allow_quit=tray.allow_quit,
                          autostart_visible=visible, autostart_enabled=enabled,
                          teams_line=self.detection_line, data_waiting=self.data_waiting)
        if self.fallback is not None:
            self.fallback.sync_visibility(self.menu.command_actions())
        debug("menu-refreshed")

    def autostart_backend(self) -> Any:
        if self._autostart is None:
            from devicecheck.ui.autostart import autostart_for

            self._autostart = autostart_for()
        return self._autostart

    def set_autostart(self, enabled: bool) -> None:
        if self.loaded.policy.tray.installer_autostart:
            return
        try:
            self.autostart_backend().set_enabled(enabled)
        except OSError as exc:
            log.warning("could not change autostart: %s", exc)
            self.notify("Could not change start at log-in", str(exc), "warning")

    def _show_window(self, key: str, window: Any) -> Any:
        self.windows[key] = window
        window.show()
        window.raise_()
        window.activateWindow()
        debug(f"{key}-shown")
        return window

    def _existing(self, key: str) -> Any:
        window = self.windows.get(key)
        if window is not None and window.isVisible():
            window.raise_()
            window.activateWindow()
            return window
        return None

    def open_report(self) -> Any:
        window = self.windows.get("report")
        if window is None:
            from devicecheck.ui.report_window import ReportWindow

            window = ReportWindow(self.loaded, open_url=self.open_url)
            window.checkRequested.connect(self.check_now)
            window.setWindowIcon(app_icon())
        window.set_report(self.report, self.loaded)
        window.set_checking(self.scheduler.running)
        return self._show_window("report", window)

    def open_precall(self) -> Any:
        if (window := self._existing("precall")) is not None:
            return window
        try:
            module = importlib.import_module("devicecheck.ui.precall")
        except ImportError as exc:
            log.info("pre-call window not available (%s): showing the report", exc)
            return self.open_report()
        window = module.PrecallWindow(self.loaded, audit=self.audit, ctx=self._ctx,
                                      checks=self._checks)
        window.setModal(False)
        return self._show_window("precall", window)

    def open_notice(self) -> Any:
        if (window := self._existing("notice")) is not None:
            return window
        try:
            from devicecheck.notice import NoticeError, load_notice
            from devicecheck.ui.notice_dialog import NoticeDialog
        except ImportError as exc:
            log.info("notice window not available (%s): showing the report", exc)
            return self.open_report()
        try:
            notice = load_notice(self.loaded.policy)
        except NoticeError as exc:
            # Only when DeviceCheck's own notice is missing (a broken install): say so
            # rather than fail silently from a menu click.
            log.warning("privacy notice cannot be shown: %s", exc)
            self.notify("The privacy notice cannot be shown",
                        "DeviceCheck's privacy notice is missing from this laptop. Do not "
                        f"start a call with a resident; contact "
                        f"{self.loaded.policy.organisation.it_contact}.", "critical")
            return None
        window = NoticeDialog(notice)
        window.setModal(False)
        return self._show_window("notice", window)

    def open_clean(self) -> Any:
        flow = self.windows.get("clean")
        if flow is None:
            from devicecheck.ui.clean_action import CleanFlow

            flow = CleanFlow(self.loaded.policy, self.audit, pool=self.pool, parent=self,
                             restart=self._restart_for_menu)
            flow.done.connect(self._on_clean_done)
            self.windows["clean"] = flow
        flow.policy = self.loaded.policy
        flow.start()
        debug("clean-started")
        return flow

    def _restart_for_menu(self) -> bool | None:
        """The menu's clean found Teams open: restart it through the Teams link (None:
        no link here, so the menu cannot restart Teams)."""
        mon = self.monitor
        if mon is None or not hasattr(mon, "restart_and_clean"):
            return None
        return bool(mon.restart_and_clean(mon.running_clients))

    def _on_clean_done(self, result: Any) -> None:
        if result is not None:
            self.scheduler.run("cleaned")

    def open_logs(self) -> Path:
        from devicecheck import paths

        folder = paths.user_data_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            log.warning("log folder not creatable: %s", exc)
        self.open_url(QUrl.fromLocalFile(str(folder)))
        debug("logs-opened")
        return folder

    def show_about(self) -> QMessageBox:
        if (window := self._existing("about")) is not None:
            return window
        org = self.loaded.policy.organisation
        text = (f"<b>DeviceCheck {__version__}</b><br>Checks that this laptop is fit for a "
                f"private video call with a resident.<br><br>"
                f"Status: {STATE_WORDS[self.state]}<br>"
                f"Policy: {', '.join(self.loaded.sources)}<br>"
                + (f"Organisation: {org.name}<br>" if org.name else "")
                + f"Help: {org.it_contact}")
        box = QMessageBox(QMessageBox.Icon.Information, "About DeviceCheck", text,
                          QMessageBox.StandardButton.Close)
        box.setIconPixmap(app_icon().pixmap(64, 64))
        box.setModal(False)
        box.setAccessibleName("About DeviceCheck")
        box.button(QMessageBox.StandardButton.Close).setAccessibleName("Close")
        return self._show_window("about", box)

    def quit(self) -> None:
        if not self.loaded.policy.tray.allow_quit:
            return
        self.shutdown()
        self._quit()

