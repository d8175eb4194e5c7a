"""After a meeting: clear the meeting data (``[cleaner] after_meeting``), the clean-up half
of the Teams link, composed into ``TeamsMonitor``.

A client that is not running is cleaned at once; one still open is offered (tray: "clear
now?", Teams restarts for a few seconds), restarted when the officer is idle, or cleaned at
its next exit (``autoclean.py`` decides which; this module does it). Cleans and restarts run
off the GUI thread (deleting a large cache takes seconds; quitting Teams waits for it) and
report back through queued signals; the officer's idle time is read on a thread too.
The cleaner is the ``Cleaner`` port (``handoff.py``) and answers with a ``CleanOutcome``;
events go out as typed values (``events.py``) through ``emit``, which the monitor puts on
its ``teamsEvent`` signal.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable

from PySide6.QtCore import QObject, QTimer, Signal

from devicecheck.policy import Policy
from devicecheck.teams import state as st
from devicecheck.teams.autoclean import ASK, CLEAN, OFFER, RESTART, Action, CleanScheduler
from devicecheck.teams.events import (
    ERROR,
    MEETING_ON,
    TEAMS_RUNNING,
    AfterMeetingSetting,
    Cleaned,
    CleanRefused,
    RestartFacts,
    Restarting,
    TeamsEvent,
)
from devicecheck.teams.handoff import Cleaner, CleanOutcome

log = logging.getLogger(__name__)

IdleFn = Callable[[], float | None]


class AfterMeeting(QObject):
    _cleanFinished = Signal(object, object, bool)   # clients, CleanOutcome or exception, restart
    _idleRead = Signal(object)                       # seconds idle, or None (unknown)

    def __init__(self, policy: Policy, *, machine: st.MeetingStateMachine,
                 scheduler: CleanScheduler, emit: Callable[[TeamsEvent], None],
                 cleaner: Cleaner, idle: IdleFn, interactive: bool, idle_check_ms: int,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.policy = policy
        self.machine = machine
        self.scheduler = scheduler
        self._emit = emit
        self._cleaner, self._idle = cleaner, idle
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

    def _refused(self, clients: Iterable[str], reason: str, *, ask: bool | None = None,
                 idle_unknown: bool = False) -> CleanRefused:
        # The policy is echoed for ``watch`` readers; the tray reads its own.
        setting = AfterMeetingSetting(self.scheduler.mode, self.policy.cleaner.offer_quit_teams)
        return CleanRefused(tuple(sorted(clients)), reason, ask=ask,
                            idle_unknown=idle_unknown, setting=setting)

    def act(self, actions: Iterable[Action]) -> None:
        for action in actions:
            if action.kind == OFFER:
                self._emit(self._refused(action.clients, TEAMS_RUNNING))
            elif action.kind == ASK:
                self._emit(self._refused(action.clients, TEAMS_RUNNING, ask=self.interactive))
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
            self._emit(self._refused(waiting, TEAMS_RUNNING, ask=self.interactive,
                                     idle_unknown=True))
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
            self._emit(self._refused(wanted, MEETING_ON))
            return False
        if self.restarting or self.scheduler.busy:
            return False
        self.restarting = True
        self.scheduler.begin_restart(wanted)
        self._emit(Restarting(wanted, automatic))
        self._clean_thread = threading.Thread(
            target=self._run_restart, args=(wanted, automatic), name="devicecheck-restart",
            daemon=True)
        self._clean_thread.start()
        return True

    def _run_restart(self, clients: tuple[str, ...], automatic: bool) -> None:
        result: CleanOutcome | Exception
        try:
            result = self._cleaner.restart_and_clean(
                clients, meeting_on=lambda: self.machine.in_meeting, automatic=automatic)
        except Exception as exc:  # noqa: BLE001 - reported as an event, never a crash
            result = exc
        self._cleanFinished.emit(clients, result, True)

    def _start_clean(self, clients: tuple[str, ...]) -> None:
        # Off the GUI thread: deleting a large cache can take seconds.
        self._clean_thread = threading.Thread(target=self._run_clean, args=(clients,),
                                              name="devicecheck-autoclean", daemon=True)
        self._clean_thread.start()

    def _run_clean(self, clients: tuple[str, ...]) -> None:
        result: CleanOutcome | Exception
        try:
            result = self._cleaner.clean(clients)
        except Exception as exc:  # noqa: BLE001 - reported as an event, never a crash
            result = exc
        self._cleanFinished.emit(clients, result, False)

    def _on_clean_finished(self, clients: tuple[str, ...], result: CleanOutcome | Exception,
                           restart: bool) -> None:
        if restart:
            self.restarting = False
        if isinstance(result, BaseException):
            log.warning("The clean-up failed (%s); it is tried again when Teams next exits.",
                        type(result).__name__)
            refused = list(clients)
            self._emit(CleanRefused(tuple(sorted(clients)), ERROR,
                                    error=type(result).__name__))
        elif restart:
            refused = self._report_restart(clients, result)
        else:
            refused = [c for c in result.refused if c in clients]
            done = [c for c in clients if c not in refused]
            if done:
                self._emit(Cleaned(tuple(done), result.removed_files, result.removed_bytes,
                                   result.failures))
            if refused:
                self._emit(self._refused(refused, TEAMS_RUNNING))
        self.act(self.scheduler.on_clean_done(refused, running=self.machine.running,
                                               in_meeting=self.machine.in_meeting))

    def _report_restart(self, clients: tuple[str, ...], outcome: CleanOutcome) -> list[str]:
        """A restart-and-clean finished: one ``cleaned`` (with restarted/forced per client)
        or one ``clean-refused`` with the reason; returns the clients still waiting."""
        if outcome.refused_reason:
            self._emit(self._refused(clients, outcome.refused_reason))
            return list(clients)
        refused = [c for c in outcome.refused if c in clients]
        done = [c for c in clients if c not in refused]
        facts = RestartFacts(restarted={c: c in outcome.restarted for c in clients},
                             forced={c: c in outcome.forced for c in clients},
                             automatic=outcome.automatic, seconds=outcome.seconds)
        self._emit(Cleaned(tuple(done), outcome.removed_files, outcome.removed_bytes,
                           outcome.failures, facts))
        return refused
