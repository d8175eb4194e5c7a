"""The tray app: ``run_app`` and the controller ``DeviceCheckApp``.

Start-up is kept lean: the icon (state "checking") is shown first; the first check, the
Teams link, the pre-call / recording hooks and the network watcher start from the event
loop right after. Windows (report, pre-call, notice, clean) are imported when opened.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QThreadPool, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from devicecheck import __version__
from devicecheck.ui.app_teams import AppTeamsMixin
from devicecheck.ui.app_windows import AppWindowsMixin
from devicecheck.ui.icons import state_icon
from devicecheck.ui.launch import release_memory
from devicecheck.ui.main_thread_gc import install as gc_in_gui_thread
from devicecheck.ui.notifications import VERDICT_KEY, NotificationGate, verdict_message
from devicecheck.ui.scheduler import CheckScheduler
from devicecheck.ui.states import (
    TrayState,
    Verdict,
    derive_state,
    is_worse,
    tooltip_text,
    verdict_of,
)
from devicecheck.ui.tray_menu import MenuHandlers, TrayMenu

if TYPE_CHECKING:  # loaded after the icon is up (checks: in the worker thread)
    from devicecheck.audit import AuditLog
    from devicecheck.checks import Check, Context
    from devicecheck.policy import LoadedPolicy

log = logging.getLogger(__name__)

DEBUG_ENV = "DEVICECHECK_DEBUG_TRAY"
TRAY_POLL_MS = 250
GEOMETRY_POLL_MS = 20
LEVEL_ICONS = {"info": QSystemTrayIcon.MessageIcon.Information,
               "warning": QSystemTrayIcon.MessageIcon.Warning,
               "critical": QSystemTrayIcon.MessageIcon.Critical}


def debug(message: str) -> None:
    """One line on stderr for the e2e tests and the benchmark (``DEVICECHECK_DEBUG_TRAY=1``):
    the tray's real geometry, windows opening. Off by default."""
    if os.environ.get(DEBUG_ENV):
        print(f"devicecheck-tray: {message}", file=sys.stderr, flush=True)


class DeviceCheckApp(AppTeamsMixin, AppWindowsMixin, QObject):
    stateChanged = Signal(str)
    reportReady = Signal(object)

    def __init__(self, loaded: LoadedPolicy, *, policy_file: str | Path | None = None,
                 reload_policy: bool = False, audit: AuditLog | None = None,
                 checks: Sequence[Check] | None = None, ctx: Context | None = None,
                 pool: QThreadPool | None = None,
                 tray_available: Callable[[], bool] | None = None, tray_wait_s: float = 3.0,
                 embed_wait_s: float = 1.5,
                 autostart: Any = None, open_url: Callable[[QUrl], object] | None = None,
                 monitor_factory: Callable[[], Any] | None = None,
                 gate: NotificationGate | None = None,
                 quit_app: Callable[[], object] | None = None,
                 tray: QSystemTrayIcon | None = None, isolate_checks: bool = False,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        from devicecheck.audit import AuditLog

        self.loaded = loaded
        self.policy_file = Path(policy_file) if policy_file else None
        self._reload = reload_policy
        self.audit = audit or AuditLog.for_policy(loaded.policy)
        self._checks, self._ctx = checks, ctx
        self.pool = pool or QThreadPool.globalInstance()
        self._tray_available = tray_available or QSystemTrayIcon.isSystemTrayAvailable
        self._tray_wait_ms = int(tray_wait_s * 1000)
        self._embed_wait_ms = int(embed_wait_s * 1000)
        self._embed_waited_ms = 0
        self._autostart = autostart
        self.open_url = open_url or QDesktopServices.openUrl
        self._monitor_factory = monitor_factory
        self.gate = gate or NotificationGate()
        self._quit = quit_app or QApplication.quit
        self.monitor: Any = None
        self.hooks: dict[str, Any] = {}
        self.verdict: Verdict | None = None
        self.report: Any = None
        self.checked_at: datetime | None = None
        self.in_meeting = self.recording = False
        self.state = TrayState.CHECKING
        self.notifications: list[tuple[str, str, str]] = []
        self.windows: dict[str, Any] = {}
        self._last_audit: dict[str, object] | None = None
        self.tray: QSystemTrayIcon | None = None
        self._early_tray = tray  # already on screen (run_app shows it before loading much)
        self.fallback: Any = None
        self.scheduler = CheckScheduler(self._policy_for_run, ctx=ctx, checks=checks,
                                        pool=self.pool, isolated=isolate_checks,
                                        policy_file=self.policy_file, parent=self)
        self.scheduler.started.connect(self._on_checks_started)
        self.scheduler.finished.connect(self._on_report)
        self.scheduler.failed.connect(self._on_checks_failed)
        self.menu = TrayMenu(MenuHandlers(
            precall=self.open_precall, notice=self.open_notice, clean=self.open_clean,
            report=self.open_report, logs=self.open_logs, autostart=self.set_autostart,
            about=self.show_about, quit=self.quit))
        self.menu.aboutToShow.connect(self.refresh_menu)
        self._waited_ms = 0
        self._tray_timer = QTimer(self)
        self._tray_timer.setInterval(TRAY_POLL_MS)
        self._tray_timer.timeout.connect(self._poll_tray)
        self._geometry_timer = QTimer(self)
        self._geometry_timer.setInterval(GEOMETRY_POLL_MS)
        self._geometry_timer.timeout.connect(self._poll_geometry)
        self._started = False
        self._pending_message: tuple[str, str, str] | None = None
        self._hook_worker: Any = None

    # ----- start-up -------------------------------------------------------------------
    def start(self) -> None:
        """Show the icon (or wait for a tray), then start everything else."""
        if self._early_tray is not None or self._tray_available():
            self._show_tray()  # the rest starts once the tray host has embedded the icon
        else:
            self._tray_timer.start()
            QTimer.singleShot(0, self._after_shown)  # nothing to wait for: check meanwhile

    def _show_tray(self) -> None:
        tray = self._early_tray or QSystemTrayIcon(state_icon(self.state), self)
        tray.setParent(self)
        tray.setContextMenu(self.menu)
        tray.activated.connect(self._on_activated)
        tray.messageClicked.connect(self.open_report)
        self.tray = tray
        self._apply_state()
        tray.show()
        if self._pending_message is not None:
            title, message, level = self._pending_message
            self._pending_message = None
            tray.showMessage(title, message, LEVEL_ICONS.get(level, LEVEL_ICONS["info"]), 15_000)
        self._geometry_timer.start()

    def _poll_tray(self) -> None:
        self._waited_ms += TRAY_POLL_MS
        if self._tray_available():
            self._tray_timer.stop()
            self._show_tray()
        elif self._waited_ms >= self._tray_wait_ms:
            self._tray_timer.stop()
            self._show_fallback()

    def _show_fallback(self) -> None:
        from devicecheck.ui.fallback_window import FallbackWindow

        self.refresh_menu()
        self.fallback = FallbackWindow(self.menu.command_actions(), on_close=self._fallback_closed)
        self._apply_state()
        if self._pending_message is not None and not self._pending_message[0].startswith(
                ("Not ready", "Something", "DeviceCheck settings")):
            self.fallback.show_message(*self._pending_message[:2])
        self._pending_message = None
        self.fallback.show()
        debug("fallback-shown")

    def _fallback_closed(self) -> None:
        # Without a tray the window is the app: closing it quits when policy allows,
        # otherwise it comes back minimised so the checks keep running where it can be seen.
        if self.loaded.policy.tray.allow_quit:
            self.quit()
        elif self.fallback is not None:
            QTimer.singleShot(0, self.fallback.showMinimized)

    def _poll_geometry(self) -> None:
        if self.tray is None:
            return
        rect = self.tray.geometry()
        self._embed_waited_ms += GEOMETRY_POLL_MS
        embedded = rect.width() > 0 and rect.height() > 0
        if embedded or self._embed_waited_ms >= self._embed_wait_ms:
            # Start-up work (first check, Teams link, hooks) waits for the icon to be on
            # screen, so the officer sees DeviceCheck at once even on a slow laptop.
            self._geometry_timer.stop()
            if embedded and self._early_tray is None:  # else launch.Startup said it
                debug(f"geometry {rect.x()} {rect.y()} {rect.width()} {rect.height()}")
            QTimer.singleShot(0, self._after_shown)

    def _after_shown(self) -> None:
        if self._started:
            return
        self._started = True
        self.scheduler.start(self.loaded.policy.tray.check_interval_minutes)
        self.scheduler.run("start")
        self._clean_at_logon()
        self._start_monitor()
        self._import_hooks()
        try:
            self.audit.record("tray-start", version=__version__)
        except OSError as exc:
            log.warning("could not write the audit log: %s", exc)

    # ----- checks and state -------------------------------------------------------------
    def _policy_for_run(self) -> LoadedPolicy:
        """IT may push a new policy while the tray runs: re-read it before each run."""
        if self._reload:
            from devicecheck.policy import load_policy

            try:
                self.loaded = load_policy(self.policy_file)
            except Exception:
                log.exception("policy reload failed")
            self.scheduler.set_interval(self.loaded.policy.tray.check_interval_minutes)
        return self.loaded

    def check_now(self) -> bool:
        return self.scheduler.run("demand")

    def _on_checks_started(self, _trigger: str) -> None:
        self._apply_state()
        window = self.windows.get("report")
        if window is not None:
            window.set_checking(True)

    def _on_checks_failed(self, message: str) -> None:
        self._apply_state()
        window = self.windows.get("report")
        if window is not None:
            window.set_checking(False)

    def _on_report(self, report: Any, trigger: str) -> None:
        old, new = self.verdict, verdict_of(report)
        self.report, self.verdict, self.checked_at = report, new, datetime.now().astimezone()
        if is_worse(old, new):
            titles = {c.id: c.title for c in report.checks}
            title, message, level = verdict_message(new, titles)
            self.notify(title, message, level, key=f"{VERDICT_KEY}{title}\n{message}")
        elif old is not None and new.rank < old.rank:
            self.gate.forget(VERDICT_KEY)
        self._audit_report(report, trigger)
        self._apply_state()
        window = self.windows.get("report")
        if window is not None:
            window.set_checking(False)
            window.set_report(report, self.loaded)
        self.reportReady.emit(report)
        if trigger == "start" and sys.platform != "linux":
            # Windows and macOS report reachability natively. On Linux Qt's backend goes
            # through NetworkManager over D-Bus (QtDBus, about 4 MB resident): not cheap,
            # so there the interval and wake checks cover network changes.
            QTimer.singleShot(0, self.scheduler.watch_network)
        QTimer.singleShot(1000, self._release_memory)

    def _audit_report(self, report: Any, trigger: str) -> None:
        from devicecheck.assess import audit_summary

        if self.scheduler.isolated:
            return  # ``devicecheck check`` in the child process has recorded it
        summary = audit_summary(report)
        if summary == self._last_audit:
            return  # the same verdict every half hour is not worth a record
        self._last_audit = summary
        try:
            self.audit.record("report", trigger=trigger, **summary)
        except OSError as exc:
            log.warning("could not write the audit log: %s", exc)

    def _detail(self) -> str:
        if self.checked_at is None:
            return ""
        return f"checked {self.checked_at.strftime('%H:%M')}"

    def _apply_state(self) -> None:
        state = derive_state(self.verdict, in_meeting=self.in_meeting, recording=self.recording)
        titles = {c.id: c.title for c in self.report.checks} if self.report is not None else {}
        tip = tooltip_text(state, self.verdict, checked_at=self.checked_at,
                           checking=self.scheduler.running, titles=titles,
                           data_waiting=self.data_waiting)
        changed = state is not self.state
        self.state = state
        if self.tray is not None:
            self.tray.setIcon(state_icon(state))
            self.tray.setToolTip(tip)
        if self.fallback is not None:
            self.fallback.set_status(state, tip.split("\n", 1)[1] if "\n" in tip else "")
        if changed:
            debug(f"state {state.value}")
            self.stateChanged.emit(state.value)

    def _release_memory(self) -> None:
        # On the pool: ctypes drops the GIL for the call, so the GUI never waits for it.
        from devicecheck.ui.call_worker import CallWorker

        worker = CallWorker(release_memory)
        worker.setAutoDelete(False)
        self._trim_worker = worker  # kept until the pool has run it
        self.pool.start(worker)

    @property
    def tooltip(self) -> str:
        return self.tray.toolTip() if self.tray is not None else ""

    # ----- notifications ----------------------------------------------------------------
    def notify(self, title: str, message: str, level: str = "info", *,
               key: str | None = None) -> bool:
        """Show a desktop notification unless the gate holds it back (duplicate, or too
        many lately). ``key`` groups messages for the gate (default: title and message);
        verdicts use ``VERDICT_KEY`` so that a better verdict lets them through again.
        Returns whether it was shown."""
        if key is None:
            key = f"{title}\n{message}"
        if not self.gate.allow(key):
            log.info("notification held back (duplicate or rate limit)")
            return False
        self.notifications.append((title, message, level))
        if self.tray is not None and self.tray.isVisible():
            self.tray.showMessage(title, message, LEVEL_ICONS.get(level, LEVEL_ICONS["info"]),
                                  15_000)
        elif self.fallback is not None:
            if key.startswith(VERDICT_KEY):
                self.fallback.alert()  # its status line already says it: just surface it
            else:
                self.fallback.show_message(title, message)
        else:
            # Still waiting for a tray: say it as soon as there is somewhere to say it.
            self._pending_message = (title, message, level)
        debug(f"notified {level}")
        return True

    def on_message(self, message: str) -> None:
        """A second launch asked us for something (single instance)."""
        debug(f"message {message}")
        {"precall": self.open_precall, "report": self.open_report}.get(
            message, self.open_precall)()

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.open_report()

    def shutdown(self) -> None:
        self.scheduler.stop()
        self._tray_timer.stop()
        self._geometry_timer.stop()
        if self.monitor is not None:
            try:
                self.monitor.stop()
            except Exception:
                log.exception("Teams link did not stop cleanly")
        if self.tray is not None:
            self.tray.hide()


def run_app(policy_file: str | Path | None = None) -> int:
    """``devicecheck`` with a display: the tray app. Exit code 0 also when another copy
    was already running (it was asked to open the pre-call check instead)."""
    from devicecheck.ui.launch import Startup, quit_on_signals
    from devicecheck.ui.single_instance import SingleInstance

    logging.basicConfig(level=logging.INFO if os.environ.get(DEBUG_ENV) else logging.WARNING,
                        format="devicecheck: %(levelname)s %(name)s: %(message)s")
    # argv[0] names the X11 WM_CLASS: "devicecheck", not "__main__.py".
    qt_app = QApplication.instance() or QApplication(["devicecheck"])
    qt_app.setApplicationName("DeviceCheck")
    qt_app.setDesktopFileName("devicecheck")
    qt_app.setQuitOnLastWindowClosed(False)  # the tray lives on when windows close
    gc_in_gui_thread(qt_app)  # never free Qt objects from a pool thread (see the module)
    instance = SingleInstance()
    if not instance.acquire("precall"):
        print("DeviceCheck is already running; it will open the pre-call check.",
              file=sys.stderr)
        return 0
    quit_on_signals(qt_app)
    startup = Startup(policy_file, instance)
    startup.begin()
    code = qt_app.exec()
    if startup.app is not None:
        startup.app.shutdown()
    instance.close()
    return int(code)
