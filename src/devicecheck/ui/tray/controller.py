"""The tray controller: ``TrayController`` (also known as ``DeviceCheckApp``) composes

- the icon and the menu (``menu.TrayMenu`` from the menu's entry list), or the no-tray
  window when the desktop has no tray;
- ``window_manager.WindowManager``: every window, imported when it first opens;
- ``teams_link.TeamsLink``: the Teams monitor, its hooks and what its events mean here;
- ``scheduler.CheckScheduler``: when the checks run;
- one ``qtsupport.workers.WorkerKeeper`` for everything it runs on the thread pool.

Each part is written against a Protocol of what it uses of the tray (``hooks.HookHost``,
``teams_link.LinkHost``, ``window_manager.WindowHost``; the log folder is given plain
values), never against this class: no tray module imports this one (issue 28).

Start-up is kept lean: the icon (state "checking") is shown first; the first check, the
Teams link, the pre-call / recording hooks and the network watcher start from the event
loop once the icon is embedded.
"""

from __future__ import annotations

import logging
import sys
from collections import deque
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThreadPool, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QWidget

from devicecheck import __version__
from devicecheck.qtsupport.icons import state_icon
from devicecheck.qtsupport.workers import WorkerKeeper
from devicecheck.ui.model.notifications import VERDICT_KEY, NotificationGate, verdict_message
from devicecheck.ui.model.states import (
    TrayState,
    TrayVerdict,
    derive_state,
    is_worse,
    state_line,
    tooltip_text,
    verdict_of,
)
from devicecheck.ui.tray.debug import debug
from devicecheck.ui.tray.embed import EmbedWait
from devicecheck.ui.tray.hooks import EventHook, Monitor
from devicecheck.ui.tray.memory import release_memory
from devicecheck.ui.tray.menu import TrayMenu, entry_for_message
from devicecheck.ui.tray.report_audit import ReportAudit
from devicecheck.ui.tray.scheduler import CheckScheduler
from devicecheck.ui.tray.teams_link import TeamsLink
from devicecheck.ui.tray.window_manager import WindowManager

if TYPE_CHECKING:  # loaded after the icon is up (checks: in the worker thread)
    from devicecheck.audit import AuditLog
    from devicecheck.checks.base import Check, Context
    from devicecheck.cleaner.run import CleanResult
    from devicecheck.policy import LoadedPolicy
    from devicecheck.report import Report
    from devicecheck.ui.tray.autostart import Autostart
    from devicecheck.ui.windows.clean_action import CleanFlow
    from devicecheck.ui.windows.fallback_window import FallbackWindow

log = logging.getLogger(__name__)

TRAY_POLL_MS = 250
GEOMETRY_POLL_MS = 20
#: Notifications remembered (tests and the no-tray window read the latest ones).
NOTIFICATIONS_KEPT = 50
LEVEL_ICONS = {"info": QSystemTrayIcon.MessageIcon.Information,
               "warning": QSystemTrayIcon.MessageIcon.Warning,
               "critical": QSystemTrayIcon.MessageIcon.Critical}


class TrayController(QObject):
    stateChanged = Signal(str)
    reportReady = Signal(object)

    def __init__(self, loaded: LoadedPolicy, *, policy_file: str | Path | None = None,
                 reload_policy: bool = False, audit: AuditLog | None = None,
                 checks: Sequence[Check] | None = None, ctx: Context | None = None,
                 pool: QThreadPool | None = None,
                 tray_available: Callable[[], bool] | None = None, tray_wait_s: float = 3.0,
                 embed_wait_s: float = 1.5,
                 autostart: Autostart | None = None,
                 open_url: Callable[[QUrl], object] | None = None,
                 monitor_factory: Callable[[], Monitor | None] | None = None,
                 gate: NotificationGate | None = None,
                 quit_app: Callable[[], object] | None = None,
                 tray: QSystemTrayIcon | None = None, isolate_checks: bool = False,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        from devicecheck.audit import AuditLog

        self.loaded = loaded
        self.policy_file = Path(policy_file) if policy_file else None
        self._reload = reload_policy
        self.audit: AuditLog = audit or AuditLog.for_policy(loaded.policy)
        self.check_list, self.check_context = checks, ctx
        self.pool = pool or QThreadPool.globalInstance()
        self.keeper = WorkerKeeper(self.pool)
        self._tray_available = tray_available or QSystemTrayIcon.isSystemTrayAvailable
        self._tray_wait_ms = int(tray_wait_s * 1000)
        self._embed_wait_ms = int(embed_wait_s * 1000)
        self._autostart = autostart
        self.open_url: Callable[[QUrl], object] = open_url or QDesktopServices.openUrl
        self.gate = gate or NotificationGate()
        self._quit = quit_app or QApplication.quit
        self.verdict: TrayVerdict | None = None
        self.report: Report | None = None
        self.checked_at: datetime | None = None
        self.state = TrayState.CHECKING
        self.notifications: deque[tuple[str, str, str]] = deque(maxlen=NOTIFICATIONS_KEPT)
        self.tray: QSystemTrayIcon | None = None
        self._early_tray = tray  # already on screen (run_app shows it before loading much)
        self.fallback: FallbackWindow | None = None
        self.scheduler = CheckScheduler(self._policy_for_run, ctx=ctx, checks=checks,
                                        pool=self.pool, isolated=isolate_checks,
                                        policy_file=self.policy_file, parent=self)
        self.scheduler.started.connect(self._on_checks_started)
        self.scheduler.finished.connect(self._on_report)
        self.scheduler.failed.connect(self._on_checks_failed)
        self.report_audit = ReportAudit(lambda: self.audit, lambda: self.scheduler.isolated)
        self.teams = TeamsLink(self, monitor_factory, parent=self)
        self.window_manager = WindowManager(self, self.teams.restart_for_menu, parent=self)
        wm = self.window_manager
        self.menu = TrayMenu({
            "precall": wm.open_precall, "notice": wm.open_notice, "clean": wm.open_clean,
            "report": wm.open_report, "logs": self.open_logs, "autostart": self.set_autostart,
            "about": wm.show_about, "quit": self.quit, "pilot": wm.open_pilot})
        self.menu.aboutToShow.connect(self.refresh_menu)
        self._waited_ms = 0
        self._tray_timer = QTimer(self)
        self._tray_timer.setInterval(TRAY_POLL_MS)
        self._tray_timer.timeout.connect(self._poll_tray)
        self._embed: EmbedWait | None = None
        self._started = False
        self._pending_message: tuple[str, str, str] | None = None
        #: The pending message is a verdict (the fallback window's status line says it).
        self._pending_is_verdict = False

    # ----- what the parts share -----------------------------------------------------------
    @property
    def monitor(self) -> Monitor | None:
        return self.teams.monitor

    @property
    def hooks(self) -> dict[str, EventHook]:
        return self.teams.hooks

    @property
    def in_meeting(self) -> bool:
        return self.teams.in_meeting

    @property
    def recording(self) -> bool:
        return self.teams.recording

    @property
    def windows(self) -> dict[str, QWidget | QObject]:
        return self.window_manager.windows

    @property
    def data_waiting(self) -> bool:
        return self.teams.data_waiting

    @property
    def detection_line(self) -> str:
        return self.teams.detection_line

    @property
    def tooltip(self) -> str:
        return self.tray.toolTip() if self.tray is not None else ""

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
        self.apply_state()
        tray.show()
        if self._pending_message is not None:
            title, message, level = self._pending_message
            self._pending_message = None
            tray.showMessage(title, message, LEVEL_ICONS.get(level, LEVEL_ICONS["info"]), 15_000)
        if self._early_tray is not None:
            # launch.Startup already waited for this icon to embed (and said so).
            QTimer.singleShot(0, self._after_shown)
            return
        self._embed = EmbedWait(tray, self._on_embedded, poll_ms=GEOMETRY_POLL_MS,
                                wait_ms=self._embed_wait_ms, parent=self)
        self._embed.start()

    def _on_embedded(self, _embedded: bool) -> None:
        QTimer.singleShot(0, self._after_shown)

    def _poll_tray(self) -> None:
        self._waited_ms += TRAY_POLL_MS
        if self._tray_available():
            self._tray_timer.stop()
            self._show_tray()
        elif self._waited_ms >= self._tray_wait_ms:
            self._tray_timer.stop()
            self._show_fallback()

    def _show_fallback(self) -> None:
        from devicecheck.ui.windows.fallback_window import FallbackWindow

        self.refresh_menu()
        self.fallback = FallbackWindow(self.menu.command_actions(), on_close=self._fallback_closed)
        self.apply_state()
        if self._pending_message is not None and not self._pending_is_verdict:
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

    def _after_shown(self) -> None:
        if self._started:
            return
        self._started = True
        self.scheduler.start(self.loaded.policy.tray.check_interval_minutes)
        self.scheduler.run("start")
        self.teams.clean_at_logon()
        self.teams.start()
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
        self.apply_state()
        self.window_manager.set_checking(True)

    def _on_checks_failed(self, _message: str) -> None:
        self.apply_state()
        self.window_manager.set_checking(False)

    def _on_report(self, report: Report, trigger: str) -> None:
        from devicecheck.advisory_dates import with_first_seen

        report = with_first_seen(report)  # the fix-by date counts from the first sighting
        old, new = self.verdict, verdict_of(report)
        self.report, self.verdict, self.checked_at = report, new, datetime.now().astimezone()
        if is_worse(old, new):
            titles = {c.id: c.title for c in report.checks}
            title, message, level = verdict_message(new, titles)
            self.notify(title, message, level, key=f"{VERDICT_KEY}{title}\n{message}")
        elif old is not None and new.rank < old.rank:
            self.gate.forget(VERDICT_KEY)
        self.report_audit.record(report, trigger)
        self.apply_state()
        self.window_manager.show_report(report)
        self.reportReady.emit(report)
        if trigger == "start" and sys.platform != "linux":
            # Windows and macOS report reachability natively. On Linux Qt's backend goes
            # through NetworkManager over D-Bus (QtDBus, about 4 MB resident): not cheap,
            # so there the interval and wake checks cover network changes.
            QTimer.singleShot(0, self.scheduler.watch_network)
        QTimer.singleShot(1000, self._release_memory)

    def _detail(self) -> str:
        if self.checked_at is None:
            return ""
        return f"checked {self.checked_at.strftime('%H:%M')}"

    def apply_state(self) -> None:
        """Icon, tooltip and the no-tray window from the verdict and the Teams link."""
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
            self.fallback.set_status(state, tip.split("\n", 1)[1] if "\n" in tip else "",
                                     line=state_line(state, self.verdict))
        if changed:
            debug(f"state {state.value}")
            self.stateChanged.emit(state.value)

    def _release_memory(self) -> None:
        # On the pool: ctypes drops the GIL for the call, so the GUI never waits for it.
        self.keeper.call(release_memory)

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
            self._pending_is_verdict = key.startswith(VERDICT_KEY)
        debug(f"notified {level}")
        return True

    # ----- menu actions -----------------------------------------------------------------
    def on_message(self, message: str) -> None:
        """A second launch asked us for something (single instance): the menu entry
        that answers to ``message``."""
        debug(f"message {message}")
        self.menu.entries[entry_for_message(message).key].trigger()

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.open_report()

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
                          teams_line=self.detection_line, data_waiting=self.data_waiting,
                          line=state_line(self.state, self.verdict),
                          pilot_visible=self.loaded.policy.teams.pilot_menu)
        if self.fallback is not None:
            self.fallback.sync_visibility(self.menu.command_actions())
        debug("menu-refreshed")

    def autostart_backend(self) -> Autostart:
        if self._autostart is None:
            from devicecheck.ui.tray.autostart import autostart_for

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

    def open_report(self) -> QWidget:
        return self.window_manager.open_report()

    def open_precall(self) -> QWidget:
        return self.window_manager.open_precall()

    def open_notice(self) -> QWidget | None:
        return self.window_manager.open_notice()

    def open_clean(self) -> CleanFlow:
        return self.window_manager.open_clean()

    def show_about(self) -> QWidget:
        return self.window_manager.show_about()

    def on_clean_done(self, result: CleanResult | None) -> None:
        if result is not None:
            self.scheduler.run("cleaned")

    def ask_to_clear(self) -> None:
        self.teams.ask_to_clear()

    def clear_now(self) -> bool:
        return self.teams.clear_now()

    def open_logs(self) -> Path:
        from devicecheck.ui.tray.log_folder import open_log_folder

        return open_log_folder(self.open_url, self.loaded.policy.organisation.it_contact,
                               self.window_manager.show_dialog)

    def quit(self) -> None:
        if not self.loaded.policy.tray.allow_quit:
            return
        self.shutdown()
        self._quit()

    def shutdown(self) -> None:
        self.scheduler.stop()
        self._tray_timer.stop()
        if self._embed is not None:
            self._embed.stop()
        self.teams.stop()
        if self.tray is not None:
            self.tray.hide()


#: The name the tests, the benchmark and older docs use.
DeviceCheckApp = TrayController
