"""``TeamsMonitor``: the Teams link as one QObject. It gathers the signals (local API,
processes, Windows capability use), folds them through the pure state machine, emits the
pinned events on ``teamsEvent(str, dict)``, records meeting ends in the audit log and runs
the cleaner after a meeting once that client has exited (``autoclean``).

Idle cost matters (it runs all day): with Teams closed it does one full process scan every
``idle_rescan_s`` and one refused loopback connection per backoff step (at most one a
minute); nothing else wakes up. Events and their ``detail`` are documented in
docs/teams-link.md.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from devicecheck.audit import AuditLog
from devicecheck.osinfo import OsName, current_os
from devicecheck.policy import Policy
from devicecheck.probes.registry import RegistryReader, default_registry
from devicecheck.teams import state as st
from devicecheck.teams.autoclean import CLEAN, OFFER, Action, CleanScheduler
from devicecheck.teams.capability import devices_in_use
from devicecheck.teams.localapi import TeamsApiClient
from devicecheck.teams.processes import AliveFn, FindFn, ProcessWatcher
from devicecheck.teams.token import TokenStore

log = logging.getLogger(__name__)

TEAMS_CONNECTED = "teams-connected"
TEAMS_DISCONNECTED = "teams-disconnected"
CLEANED = "cleaned"
CLEAN_REFUSED = "clean-refused"
#: Every event ``teamsEvent`` emits (pinned: the tray, pre-call, recording guard and
#: ``devicecheck watch`` rely on these names).
EVENTS: tuple[str, ...] = (TEAMS_CONNECTED, TEAMS_DISCONNECTED, *st.STATE_EVENTS,
                           CLEANED, CLEAN_REFUSED)
MEETING_ENDED_KIND = "meeting-ended"   # audit record: {"duration_s": int}, nothing else
BROWSER_CLIENT = "teams-web"           # a browser running is not Teams running

CleanFn = Callable[..., Any]
NamesFn = Callable[[str, OsName], frozenset[str]]


def _default_clean(policy: Policy, **kwargs: Any) -> Any:
    from devicecheck.cleaner import clean  # lazy: the watcher starts without it

    return clean(policy, **kwargs)


def _catalogue() -> tuple[tuple[str, ...], NamesFn]:
    from devicecheck.cleaner.catalogue import CLIENT_IDS, process_names

    return tuple(CLIENT_IDS), process_names


class TeamsMonitor(QObject):
    teamsEvent = Signal(str, dict)
    _cleanFinished = Signal(object, object)   # clients, CleanResult or the exception

    def __init__(self, policy: Policy, *, auto_clean: bool = True,
                 parent: QObject | None = None, cleaner: CleanFn | None = None,
                 process_names: NamesFn | None = None, client_ids: Sequence[str] | None = None,
                 os_name: OsName | None = None, registry: RegistryReader | None = None,
                 token_store: TokenStore | None = None, audit: AuditLog | None = None,
                 find: FindFn | None = None, alive: AliveFn | None = None,
                 clock: Callable[[], float] = time.monotonic, process_poll_ms: int = 2000,
                 idle_rescan_s: float = 10.0, busy_rescan_s: float = 60.0,
                 capability_poll_ms: int = 3000, min_backoff_ms: int = 1000,
                 max_backoff_ms: int = 60_000) -> None:
        super().__init__(parent)
        self.policy = policy
        self.os_name: OsName = os_name or current_os()
        self.auto_clean = auto_clean and policy.cleaner.auto_clean
        self._cleaner = cleaner or _default_clean
        self._audit = audit or AuditLog.for_policy(policy)
        self._clock = clock
        self.clients, names_fn = self._clients(client_ids, process_names)
        self.machine = st.MeetingStateMachine(policy.teams.meeting_end_grace_seconds)
        self.scheduler = CleanScheduler(self.clients)
        watch_names = {c: names_fn(c, self.os_name) for c in self.clients}
        kwargs: dict[str, Any] = {"idle_rescan_s": idle_rescan_s, "busy_rescan_s": busy_rescan_s}
        if find is not None:
            kwargs["find"] = find
        if alive is not None:
            kwargs["alive"] = alive
        self.watcher = ProcessWatcher(watch_names, self.os_name, **kwargs)
        self._win_names = {c: names_fn(c, "windows") for c in self.clients}
        self._registry = registry if registry is not None else (
            default_registry() if self.os_name == "windows" else None)
        self._started_at: datetime | None = None
        self._clean_thread: threading.Thread | None = None
        self._logged: set[str] = set()

        self.api: TeamsApiClient | None = None
        if policy.teams.use_local_api:
            self.api = TeamsApiClient(
                policy.teams.local_api_url, token_store=token_store,
                manufacturer=policy.organisation.name or "DeviceCheck",
                min_backoff_ms=min_backoff_ms, max_backoff_ms=max_backoff_ms, parent=self)
            self.api.connected.connect(self._on_api_connected)
            self.api.disconnected.connect(self._on_api_disconnected)
            self.api.meetingUpdate.connect(self._on_meeting_update)

        self._process_poll_ms = process_poll_ms
        self._idle_ms = int(idle_rescan_s * 1000)
        self._proc_timer = self._timer(self._poll_processes)
        self._cap_timer = self._timer(self._poll_capability, capability_poll_ms, single=False)
        self._grace_timer = self._timer(self._on_grace)
        self._grace_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._cleanFinished.connect(self._on_clean_finished)

    def _timer(self, slot: Callable[[], None], interval: int = 0,
               single: bool = True) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(single)
        timer.setInterval(interval)
        timer.timeout.connect(slot)
        return timer

    @staticmethod
    def _clients(client_ids: Sequence[str] | None,
                 names_fn: NamesFn | None) -> tuple[tuple[str, ...], NamesFn]:
        if names_fn is None or client_ids is None:
            try:
                catalogue_ids, catalogue_names = _catalogue()
            except ImportError as exc:
                log.warning("The cleaner catalogue is not available (%s): the Teams process "
                            "signal is off.", exc)
                catalogue_ids, catalogue_names = (), (lambda _c, _o: frozenset())
            names_fn = names_fn or catalogue_names
            client_ids = client_ids if client_ids is not None else catalogue_ids
        return tuple(c for c in client_ids if c != BROWSER_CLIENT), names_fn

    # -- read-only state ------------------------------------------------------------
    @property
    def in_meeting(self) -> bool:
        return self.machine.in_meeting

    @property
    def recording(self) -> bool:
        return self.machine.recording

    @property
    def meeting_started_at(self) -> datetime | None:
        return self._started_at

    @property
    def running_clients(self) -> frozenset[str]:
        return self.machine.running

    # -- life cycle -----------------------------------------------------------------
    def start(self) -> None:
        self._proc_timer.start(0)
        if self.api is not None:
            self.api.start()

    def stop(self, wait_s: float = 10.0) -> None:
        """Stop watching. A clean in progress is given ``wait_s`` to finish: deleting is
        safe to interrupt, but a finished clean also writes its audit record."""
        for timer in (self._proc_timer, self._cap_timer, self._grace_timer):
            timer.stop()
        if self.api is not None:
            self.api.stop()
        if self._clean_thread is not None:
            self._clean_thread.join(wait_s)

    # -- signals in -----------------------------------------------------------------
    def _poll_processes(self) -> None:
        now = self._clock()
        self._feed(self.machine.processes(self.watcher.poll(now), now))
        self._proc_timer.start(self._process_poll_ms if self.watcher.known else self._idle_ms)

    def _poll_capability(self) -> None:
        if self._registry is None:
            return
        try:
            using = devices_in_use(self._registry, self._win_names)
        except OSError as exc:
            self._once("capability", f"Could not read device use from the registry ({exc}).")
            using = {}
        self._feed(self.machine.capability(using, self._clock()))

    def _on_api_connected(self) -> None:
        has_token = self.api.has_token if self.api is not None else False
        self.teamsEvent.emit(TEAMS_CONNECTED, {"paired": has_token})
        self._feed(self.machine.api_connected(self._clock()))

    def _on_api_disconnected(self) -> None:
        self.teamsEvent.emit(TEAMS_DISCONNECTED, {})
        self._feed(self.machine.api_disconnected(self._clock()))

    def _on_meeting_update(self, in_meeting: bool | None, recording: bool | None) -> None:
        self._feed(self.machine.api_state(in_meeting, recording, self._clock()))

    def _on_grace(self) -> None:
        self._feed(self.machine.tick(self._clock()))

    # -- events out -----------------------------------------------------------------
    def _feed(self, events: Iterable[st.Event]) -> None:
        events = list(events)
        for ev in events:
            detail = dict(ev.detail)
            if ev.name == st.MEETING_STARTED:
                self._started_at = datetime.now(UTC)
            elif ev.name == st.MEETING_ENDED:
                self._started_at = None
                self._record_meeting_end(int(detail.get("duration_s", 0)))
            elif ev.name == st.TEAMS_STARTED and self.api is not None:
                self.api.retry_now()
            self.teamsEvent.emit(ev.name, detail)
        self._update_capability_timer()
        self._update_grace_timer()
        if self.auto_clean and events:
            self._act(self.scheduler.on_events(events, running=self.machine.running,
                                               in_meeting=self.machine.in_meeting))

    def _update_capability_timer(self) -> None:
        want = self._registry is not None and bool(self.machine.running)
        if want and not self._cap_timer.isActive():
            self._cap_timer.start()
            QTimer.singleShot(0, self._poll_capability)
        elif not want and self._cap_timer.isActive():
            self._cap_timer.stop()
            if self._registry is not None:
                self._feed(self.machine.capability((), self._clock()))

    def _update_grace_timer(self) -> None:
        deadline = self.machine.next_deadline()
        if deadline is None:
            self._grace_timer.stop()
        else:
            # +5 ms: a timer firing a hair early would find the grace not yet over.
            self._grace_timer.start(max(0, int((deadline - self._clock()) * 1000) + 5))

    def _record_meeting_end(self, duration_s: int) -> None:
        try:
            self._audit.record(MEETING_ENDED_KIND, duration_s=duration_s)
        except OSError as exc:
            self._once("audit", f"Could not write the audit log ({exc}).")

    def _once(self, key: str, message: str) -> None:
        if key not in self._logged:
            self._logged.add(key)
            log.warning(message)

    # -- clean-up -------------------------------------------------------------------
    def _refused_detail(self, clients: Iterable[str], reason: str) -> dict[str, Any]:
        return {"clients": sorted(clients), "reason": reason,
                "offer_quit_teams": self.policy.cleaner.offer_quit_teams,
                "clean_on_exit": True}

    def _act(self, actions: Iterable[Action]) -> None:
        for action in actions:
            if action.kind == OFFER:
                self.teamsEvent.emit(CLEAN_REFUSED, self._refused_detail(action.clients,
                                                                         "teams-running"))
            elif action.kind == CLEAN:
                self._start_clean(action.clients)

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
        self._cleanFinished.emit(clients, result)

    def _on_clean_finished(self, clients: tuple[str, ...], result: Any) -> None:
        if isinstance(result, BaseException):
            log.warning("The automatic clean-up failed (%s); it is tried again when Teams "
                        "next exits.", type(result).__name__)
            refused = list(clients)
            self.teamsEvent.emit(CLEAN_REFUSED, {"clients": sorted(clients), "reason": "error",
                                                 "error": type(result).__name__,
                                                 "clean_on_exit": True})
        else:
            refused = [c for c in getattr(result, "refused", []) if c in clients]
            done = [c for c in clients if c not in refused]
            if done:
                self.teamsEvent.emit(CLEANED, {
                    "clients": done, "removed_files": int(result.removed_files),
                    "removed_bytes": int(result.removed_bytes),
                    "failures": len(result.failures)})
            if refused:
                self.teamsEvent.emit(CLEAN_REFUSED, self._refused_detail(refused,
                                                                         "teams-running"))
        self._act(self.scheduler.on_clean_done(refused, running=self.machine.running,
                                               in_meeting=self.machine.in_meeting))
