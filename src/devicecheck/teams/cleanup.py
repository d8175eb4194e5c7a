"""After a meeting: clear the meeting data (``[cleaner] after_meeting``), the clean-up half
of the Teams link, composed into ``TeamsMonitor``.

A client that is not running is cleaned at once; one still open is offered (tray: "clear
now?", Teams restarts for a few seconds), restarted when the officer is idle, or cleaned at
its next exit (``autoclean.py`` decides which; this module does it). Cleans and restarts run
off the GUI thread (deleting a large cache takes seconds; quitting Teams waits for it) and
report back through queued signals; the officer's idle time is read on a thread too.
Events go out through the monitor's ``teamsEvent`` (``emit``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from devicecheck.audit import AuditLog
from devicecheck.policy import Policy
from devicecheck.teams import state as st
from devicecheck.teams.autoclean import ASK, CLEAN, OFFER, RESTART, Action, CleanScheduler

log = logging.getLogger(__name__)

CLEANED = "cleaned"
CLEAN_REFUSED = "clean-refused"
RESTARTING = "teams-restarting"        # a restart-to-clean began (Teams closes briefly)

CleanFn = Callable[..., Any]
RestartFn = Callable[..., Any]
IdleFn = Callable[[], float | None]


class AfterMeeting(QObject):
    _cleanFinished = Signal(object, object, bool)   # clients, result or exception, restart
    _idleRead = Signal(object)                       # seconds idle, or None (unknown)

    def __init__(self, policy: Policy, *, machine: st.MeetingStateMachine,
                 scheduler: CleanScheduler, audit: AuditLog, emit: Callable[[str, dict[str, Any]], None],
                 cleaner: CleanFn, restarter: RestartFn, idle: IdleFn, interactive: bool,
                 idle_check_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.policy = policy
        self.machine = machine
        self.scheduler = scheduler
        self._audit = audit
        self._emit = emit
        self._cleaner, self._restarter, self._idle = cleaner, restarter, idle
        self.interactive = interactive
        self.restarting = False
        self._clean_thread: threading.Thread | None = None
        self._reading_idle = False
        self.idle_timer = QTimer(self)
        self.idle_timer.setInterval(idle_check_ms)
        self.idle_timer.timeout.connect(self.check_idle)
        self._cleanFinished.connect(self._on_clean_finished)
        self._idleRead.connect(self._on_idle)

    def stop(self, wait_s: float) -> None:
        """No more idle checks; a clean in progress is given ``wait_s`` to finish (deleting
        is safe to interrupt, but a finished clean also writes its audit record)."""
        self.idle_timer.stop()
        if self._clean_thread is not None:
            self._clean_thread.join(wait_s)

    def _refused_detail(self, clients: Iterable[str], reason: str, **extra: Any) -> dict[str, Any]:
        mode = self.scheduler.mode
        return {"clients": sorted(clients), "reason": reason,
                "offer_quit_teams": self.policy.cleaner.offer_quit_teams,
                "after_meeting": mode, "offer_restart": mode != "wait-for-exit",
                "clean_on_exit": True, **extra}

    def act(self, actions: Iterable[Action]) -> None:
        for action in actions:
            if action.kind == OFFER:
                self._emit(CLEAN_REFUSED, self._refused_detail(action.clients,
                                                                         "teams-running"))
            elif action.kind == ASK:
                self._emit(CLEAN_REFUSED, self._refused_detail(
                    action.clients, "teams-running", ask=self.interactive))
            elif action.kind == RESTART:
                self.idle_timer.start()
                QTimer.singleShot(0, self.check_idle)
            elif action.kind == CLEAN:
                self._start_clean(action.clients)

    def check_idle(self) -> None:
        """restart-when-idle: restart and clean once the officer has been idle long enough
        and no meeting is on; when idle cannot be read, ask instead. Idle is read on a
        thread (GNOME's idle monitor is a D-Bus call with a timeout; never on the GUI
        thread)."""
        if not self.scheduler.waiting_for_idle():
            self.idle_timer.stop()
            return
        if self.machine.in_meeting or self.restarting or self.scheduler.busy \
                or self._reading_idle:
            return
        self._reading_idle = True
        threading.Thread(target=self._read_idle, name="devicecheck-idle", daemon=True).start()

    def _read_idle(self) -> None:
        try:
            idle = self._idle()
        except Exception:  # noqa: BLE001 - unreadable idle means "ask"
            idle = None
        self._idleRead.emit(idle)

    def _on_idle(self, idle: float | None) -> None:
        self._reading_idle = False
        waiting = self.scheduler.waiting_for_idle()
        if not waiting or self.machine.in_meeting or self.restarting or self.scheduler.busy:
            return   # things changed while idle was read: the next check decides
        if idle is None:
            self.idle_timer.stop()
            self.scheduler.idle_unreadable()
            self._emit(CLEAN_REFUSED, self._refused_detail(
                waiting, "teams-running", ask=self.interactive, idle_unknown=True))
            return
        if idle >= self.policy.cleaner.idle_minutes * 60:
            self.idle_timer.stop()
            self.restart_and_clean(waiting, automatic=True)

    def restart_and_clean(self, clients: Iterable[str] | None = None, *,
                          automatic: bool = False) -> bool:
        """Quit the running client(s), clean, start them again (off the GUI thread).
        Refused (False, with a ``clean-refused`` event) while a meeting is on or a clean
        runs. ``clients``: default, every client whose data waits."""
        wanted = tuple(sorted(set(clients) if clients is not None else self.scheduler.pending))
        if not wanted:
            wanted = tuple(sorted(self.scheduler.pending or self.machine.running))
        if self.machine.in_meeting:
            self._emit(CLEAN_REFUSED, self._refused_detail(wanted, "meeting-on"))
            return False
        if self.restarting or self.scheduler.busy:
            return False
        self.restarting = True
        self.scheduler.begin_restart(wanted)
        self._emit(RESTARTING, {"clients": list(wanted), "automatic": automatic})
        self._clean_thread = threading.Thread(
            target=self._run_restart, args=(wanted, automatic), name="devicecheck-restart",
            daemon=True)
        self._clean_thread.start()
        return True

    def _run_restart(self, clients: tuple[str, ...], automatic: bool) -> None:
        try:
            result: Any = self._restarter(
                self.policy, client_ids=list(clients), audit=self._audit,
                meeting_on=lambda: self.machine.in_meeting, automatic=automatic)
        except Exception as exc:  # noqa: BLE001 - reported as an event, never a crash
            result = exc
        self._cleanFinished.emit(clients, result, True)

    def _start_clean(self, clients: tuple[str, ...]) -> None:
        # Off the GUI thread: deleting a large cache can take seconds.
        self._clean_thread = threading.Thread(target=self._run_clean, args=(clients,),
                                              name="devicecheck-autoclean", daemon=True)
        self._clean_thread.start()

    def _run_clean(self, clients: tuple[str, ...]) -> None:
        try:
            result: Any = self._cleaner(self.policy, client_ids=list(clients), audit=self._audit)
        except Exception as exc:  # noqa: BLE001 - reported as an event, never a crash
            result = exc
        self._cleanFinished.emit(clients, result, False)

    def _on_clean_finished(self, clients: tuple[str, ...], result: Any, restart: bool) -> None:
        if restart:
            self.restarting = False
        if isinstance(result, BaseException):
            log.warning("The clean-up failed (%s); it is tried again when Teams next exits.",
                        type(result).__name__)
            refused = list(clients)
            self._emit(CLEAN_REFUSED, {"clients": sorted(clients), "reason": "error",
                                                 "error": type(result).__name__,
                                                 "clean_on_exit": True})
        elif restart:
            refused = self._report_restart(clients, result)
        else:
            refused = [c for c in getattr(result, "refused", []) if c in clients]
            done = [c for c in clients if c not in refused]
            if done:
                self._emit(CLEANED, {
                    "clients": done, "removed_files": int(result.removed_files),
                    "removed_bytes": int(result.removed_bytes),
                    "failures": len(result.failures)})
            if refused:
                self._emit(CLEAN_REFUSED, self._refused_detail(refused,
                                                                         "teams-running"))
        self.act(self.scheduler.on_clean_done(refused, running=self.machine.running,
                                               in_meeting=self.machine.in_meeting))

    def _report_restart(self, clients: tuple[str, ...], result: Any) -> list[str]:
        """A restart-and-clean finished: one ``cleaned`` (with restarted/forced per client)
        or one ``clean-refused`` with the reason; returns the clients still waiting."""
        reason = getattr(result, "refused_reason", None)
        per_client = dict(getattr(result, "clients", {}) or {})
        if reason:
            self._emit(CLEAN_REFUSED, self._refused_detail(clients, reason))
            return list(clients)
        cleaned = getattr(result, "clean", None)
        refused = [c for c in getattr(cleaned, "refused", []) if c in clients]
        done = [c for c in clients if c not in refused]
        self._emit(CLEANED, {
            "clients": done, "removed_files": int(getattr(cleaned, "removed_files", 0)),
            "removed_bytes": int(getattr(cleaned, "removed_bytes", 0)),
            "failures": len(getattr(cleaned, "failures", []) or []),
            "restarted": {c: bool(per_client.get(c, {}).get("restarted")) for c in clients},
            "forced": {c: bool(per_client.get(c, {}).get("forced")) for c in clients},
            "automatic": bool(getattr(result, "automatic", False)),
            "seconds": round(float(getattr(result, "seconds", 0.0)), 2)})
        return refused
