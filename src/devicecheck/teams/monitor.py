"""``TeamsMonitor``: the Teams link as one QObject. It runs the signal sources
(``teams/sources/``: Teams' log, microphone/camera and audio-capture use, the optional
local API), folds their readings and the process signal through the pure state machine,
emits the pinned events on ``teamsEvent(str, dict)``, records meeting ends in the audit log
and clears meeting data after a meeting (``autoclean``): at once when Teams has exited, or
through a short Teams restart (``[cleaner] after_meeting``: ask, restart-when-idle).

Idle cost matters (it runs all day): with Teams closed it does one full process scan every
``idle_rescan_s`` and nothing else (sources that need a running client sleep; the opt-in
API makes one refused loopback connection per backoff step). Events and their ``detail``
are documented in docs/teams-link.md.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from devicecheck.audit import AuditLog
from devicecheck.clients import BROWSER_CLIENTS, CLIENT_IDS, process_names
from devicecheck.osinfo import OsName, current_os
from devicecheck.policy import Policy
from devicecheck.probes.registry import RegistryReader, default_registry
from devicecheck.teams import sources as registry_of_sources
from devicecheck.teams import state as st
from devicecheck.teams.autoclean import CleanScheduler
from devicecheck.teams.cleanup import AfterMeeting, IdleFn
from devicecheck.teams.detection import detection_summary
from devicecheck.teams.events import (
    CLEAN_REFUSED,
    CLEANED,
    RESTARTING,
    MeetingEnded,
    MeetingStarted,
    TeamsEvent,
)
from devicecheck.teams.handoff import Cleaner, MeetingDataCleaner
from devicecheck.teams.processes import AliveFn, FindFn, ProcessWatcher
from devicecheck.teams.sources.base import (
    CLEAR,
    MEETING,
    RECORDING,
    Reading,
    SignalSource,
    SourceContext,
)
from devicecheck.teams.sources.base import reading_dict as _reading_dict

log = logging.getLogger(__name__)

TEAMS_CONNECTED = "teams-connected"
TEAMS_DISCONNECTED = "teams-disconnected"
SIGNALS = "signals"                    # which sources are live (at start and on a change)
#: Every event ``teamsEvent`` emits (pinned: the tray, pre-call, recording guard and
#: ``devicecheck watch`` rely on these names; new ones are additive).
EVENTS: tuple[str, ...] = (TEAMS_CONNECTED, TEAMS_DISCONNECTED, *st.STATE_EVENTS,
                           CLEANED, CLEAN_REFUSED, SIGNALS, RESTARTING)
MEETING_ENDED_KIND = "meeting-ended"   # audit record: {"duration_s": int, "sources"}
IDLE_CHECK_MS = 30_000                 # restart-when-idle: how often idle is read

NamesFn = Callable[[str, OsName], frozenset[str]]
SourceSpec = registry_of_sources.SourceSpec


def _default_idle() -> float | None:
    from devicecheck.idle import idle_seconds  # lazy: only restart-when-idle reads it

    return idle_seconds()


class TeamsMonitor(QObject):
    teamsEvent = Signal(str, dict)

    def __init__(self, policy: Policy, *, auto_clean: bool = True,
                 parent: QObject | None = None, cleaner: Cleaner | None = None,
                 idle: IdleFn | None = None,
                 process_names: NamesFn | None = None, client_ids: Sequence[str] | None = None,
                 os_name: OsName | None = None, registry: RegistryReader | None = None,
                 token_store: Any = None, audit: AuditLog | None = None,
                 find: FindFn | None = None, alive: AliveFn | None = None,
                 clock: Callable[[], float] = time.monotonic, process_poll_ms: int = 2000,
                 idle_rescan_s: float = 10.0, busy_rescan_s: float = 60.0,
                 capability_poll_ms: int = 3000, min_backoff_ms: int = 1000,
                 max_backoff_ms: int = 60_000, sources: Sequence[SourceSpec] | None = None,
                 source_options: Mapping[str, Any] | None = None,
                 env: Mapping[str, str] | None = None, idle_check_ms: int = IDLE_CHECK_MS,
                 interactive: bool = False) -> None:
        super().__init__(parent)
        self.policy = policy
        self.os_name: OsName = os_name or current_os()
        self.auto_clean = auto_clean and policy.cleaner.auto_clean
        #: Someone can answer an "ask" prompt (the tray); headless ``watch`` cannot.
        self.interactive = interactive
        self._audit = audit or AuditLog.for_policy(policy)
        self._clock = clock
        self.clients, names_fn = self._clients(client_ids, process_names)
        self.machine = st.MeetingStateMachine(policy.teams.meeting_end_grace_seconds)
        self.scheduler = CleanScheduler(self.clients, mode=self._after_meeting_mode())
        watch_names = {c: names_fn(c, self.os_name) for c in self.clients}
        kwargs: dict[str, Any] = {"idle_rescan_s": idle_rescan_s, "busy_rescan_s": busy_rescan_s}
        if find is not None:
            kwargs["find"] = find
        if alive is not None:
            kwargs["alive"] = alive
        self.watcher = ProcessWatcher(watch_names, self.os_name, **kwargs)
        if registry is None and self.os_name == "windows":
            registry = default_registry()
        self._started_at: datetime | None = None
        self._logged: set[str] = set()
        self.after_meeting = AfterMeeting(
            policy, machine=self.machine, scheduler=self.scheduler, emit=self._send,
            cleaner=cleaner or MeetingDataCleaner(policy, self._audit),
            idle=idle or _default_idle, interactive=interactive, idle_check_ms=idle_check_ms,
            parent=self)

        options = {"token_store": token_store, "min_backoff_ms": min_backoff_ms,
                   "max_backoff_ms": max_backoff_ms, "capability_poll_ms": capability_poll_ms,
                   "parent": self, **(source_options or {})}
        self._ctx = SourceContext(policy=policy, os_name=self.os_name, clients=self.clients,
                                  process_names=names_fn, clock=clock, registry=registry,
                                  env=env, options=options, announce=self.teamsEvent.emit)
        self.sources: dict[str, SignalSource] = {}
        self.unavailable: dict[str, str] = {}
        #: What each unavailable source would have said (None: it could not be loaded).
        self._unavailable_says: dict[str, frozenset[str] | None] = {}
        self._poll_timers: dict[str, QTimer] = {}
        self._active: set[str] = set()
        self._build_sources(sources)

        self._process_poll_ms = process_poll_ms
        self._idle_ms = int(idle_rescan_s * 1000)
        self._proc_timer = self._timer(self._poll_processes)
        self._grace_timer = self._timer(self._on_grace)
        self._grace_timer.setTimerType(Qt.TimerType.PreciseTimer)

    def _after_meeting_mode(self) -> str:
        cleaner = self.policy.cleaner
        return "wait-for-exit" if not cleaner.offer_quit_teams else cleaner.after_meeting

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
        # The clients' entries are pure data and always ship: no fallback for their absence.
        names_fn = names_fn or process_names
        client_ids = client_ids if client_ids is not None else CLIENT_IDS
        # A browser running is not Teams running.
        return tuple(c for c in client_ids if c not in BROWSER_CLIENTS), names_fn

    # -- sources --------------------------------------------------------------------
    def _build_sources(self, specs: Sequence[SourceSpec] | None) -> None:
        for spec in specs if specs is not None else registry_of_sources.enabled(self.policy):
            built = registry_of_sources.build(spec, self._ctx, self._emitter)
            if built.source is None:
                self.unavailable[built.name] = built.unavailable or ""
                self._unavailable_says[built.name] = built.says
                if built.error is not None:
                    log.warning("Meeting source %s could not be loaded (%s).", built.name,
                                built.error)
                else:
                    log.info("Meeting source %s is not used on this laptop: %s.", built.name,
                             built.unavailable)
                continue
            cls, source = type(built.source), built.source
            self.sources[cls.name] = source
            if cls.poll_ms is not None:
                interval = int(self._ctx.option(f"{cls.name}_poll_ms", cls.poll_ms))
                self._poll_timers[cls.name] = self._timer(
                    functools.partial(self._poll_source, cls.name), interval, single=False)

    def _emitter(self, name: str) -> Callable[[Reading], None]:
        return lambda reading: self._on_reading(name, reading)

    def live_sources(self) -> list[str]:
        return list(self.sources)

    def detection(self) -> str:
        """One sentence for the officer: how meetings are being detected. A source that
        runs but cannot read what it watches right now (no audio server answering) does
        not count as detecting."""
        working = [n for n, src in self.sources.items()
                   if not src.problem and MEETING in src.says()]
        return detection_summary(working, self.unavailable)

    def signals_detail(self) -> dict[str, Any]:
        return {"live": self.live_sources(), "unavailable": dict(self.unavailable),
                "summary": self.detection()}

    def snapshot(self) -> list[dict[str, Any]]:
        """What every source can see right now (``watch --signals``), without an event loop:
        one process scan, then each live source's ``snapshot``."""
        now = self._clock()
        self.watcher.poll(now)
        pids = self._pids()
        out: list[dict[str, Any]] = []
        for name, source in self.sources.items():
            source.processes(pids)
            try:
                sees: dict[str, Any] = source.snapshot()
            except Exception as exc:  # noqa: BLE001 - reported, not raised
                sees = {"problem": f"{type(exc).__name__}: {exc}"}
            out.append({"source": name, "live": True, "describes": source.describes,
                        "kinds": sorted(source.says()), "needs_running": source.needs_running,
                        "sees": sees})
        for name, reason in self.unavailable.items():
            out.append({"source": name, "live": False, "reason": reason})
        return out

    def _pids(self) -> dict[str, frozenset[int]]:
        pids: dict[str, set[int]] = {}
        for pid, known in self.watcher.known.items():
            pids.setdefault(known.client, set()).add(pid)
        return {c: frozenset(p) for c, p in pids.items()}

    def _set_active(self, running: bool) -> None:
        """Start the sources that need a running client when one runs; stop them after."""
        for name, source in self.sources.items():
            want = running or not source.needs_running
            # Issue 18: a source that looks only in meetings (the window's recording
            # indicator) runs only while one is on; _feed calls here on meeting-started/
            # -ended. Issue 26: unless it sees meetings itself (``only_in_meetings``).
            if source.only_in_meetings() and not self.machine.in_meeting:
                want = False
            if want and name not in self._active:
                self._active.add(name)
                try:
                    source.start()
                except Exception as exc:  # noqa: BLE001
                    self._once(f"start-{name}", f"Meeting source {name} did not start "
                               f"({type(exc).__name__}).")
                    continue
                self._tell_meeting(source)
                timer = self._poll_timers.get(name)
                if timer is not None:
                    timer.start()
                    QTimer.singleShot(0, functools.partial(self._poll_source, name))
            elif not want and name in self._active:
                self._active.discard(name)
                timer = self._poll_timers.get(name)
                if timer is not None:
                    timer.stop()
                try:
                    source.stop()
                except Exception:
                    log.debug("source %s stop failed", name, exc_info=True)
                self._feed(self.machine.reading(name, CLEAR, self._clock()))

    def _tell_meeting(self, source: SignalSource) -> None:
        try:
            source.meeting_changed(self.machine.in_meeting)
        except Exception:  # a source's bookkeeping never stops the link
            log.debug("source %s meeting_changed failed", source.name, exc_info=True)

    def _poll_source(self, name: str) -> None:
        source = self.sources.get(name)
        if source is None or name not in self._active:
            return
        try:
            reading = source.poll(self._clock())
        except Exception as exc:  # noqa: BLE001 - a failing poll is logged once, not fatal
            self._once(f"poll-{name}", f"Meeting source {name} failed ({type(exc).__name__}).")
            return
        if reading is not None:
            source.last = reading
            self._on_reading(name, reading)

    def _on_reading(self, name: str, reading: Reading) -> None:
        previous = self.machine.readings.get(name)
        if previous == reading:
            return  # nothing new: no fold, no events (polls repeat themselves)
        if reading.notes and (previous is None or previous.notes != reading.notes):
            log.info("Meeting source %s: %s", name, "; ".join(reading.notes))
        self._feed(self.machine.reading(name, reading, self._clock()))

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

    @property
    def waiting_clients(self) -> frozenset[str]:
        """Clients whose meeting data waits to be cleared (the tray says so)."""
        return frozenset(self.scheduler.pending)

    def recording_status(self) -> dict[str, Any]:
        """Issue 18: is this meeting being recorded, as far as we can see? ``status`` is
        "recording", "not-recording", "unknown" (with ``reason``: the window cannot be
        read, or no source can see recording here) or "no-meeting". Never "not-recording"
        when no recording source is looking."""
        if not self.machine.in_meeting:
            return {"status": "no-meeting", "reason": None}
        if self.machine.recording:
            return {"status": "recording", "reason": None}
        looking = [(n, s) for n, s in self.sources.items()
                   if "recording" in s.says() and n in self._active]
        if any(s.unknown_reason is None for _n, s in looking):
            return {"status": "not-recording", "reason": None}
        reasons = [s.unknown_reason or "" for _n, s in looking]
        # A recording source that cannot run here (or could not be loaded: it may have
        # been one) is part of why nothing can tell.
        reasons += [f"{n}: {why}" for n, why in self.unavailable.items()
                    if (says := self._unavailable_says.get(n)) is None or RECORDING in says]
        return {"status": "unknown",
                "reason": "; ".join(reasons) or "no source can see recording here"}

    @property
    def recording_known(self) -> bool:
        return bool(self.recording_status()["status"] != "unknown")

    def readings(self) -> dict[str, dict[str, Any]]:
        return {name: _reading_dict(r) for name, r in self.machine.readings.items()}

    # -- life cycle -----------------------------------------------------------------
    def start(self) -> None:
        self.teamsEvent.emit(SIGNALS, self.signals_detail())
        self._set_active(False)   # the sources that run without a client (the API)
        self._proc_timer.start(0)

    def stop(self, wait_s: float = 10.0) -> None:
        """Stop watching. A clean in progress is given ``wait_s`` to finish: deleting is
        safe to interrupt, but a finished clean also writes its audit record."""
        for timer in (self._proc_timer, self._grace_timer, *self._poll_timers.values()):
            timer.stop()
        for name, source in self.sources.items():
            if name in self._active:
                try:
                    source.stop()
                except Exception:
                    log.debug("source %s stop failed", name, exc_info=True)
        self._active.clear()
        self.after_meeting.stop(wait_s)

    # -- signals in -----------------------------------------------------------------
    def _poll_processes(self) -> None:
        now = self._clock()
        running = self.watcher.poll(now)
        pids = self._pids()
        for source in self.sources.values():
            source.processes(pids)
        self._feed(self.machine.processes(running, now))
        self._set_active(bool(running))
        self._proc_timer.start(self._process_poll_ms if self.watcher.known else self._idle_ms)

    def _on_grace(self) -> None:
        self._feed(self.machine.tick(self._clock()))

    # -- events out -----------------------------------------------------------------
    def _feed(self, events: Iterable[st.Event]) -> None:
        events = list(events)
        for ev in events:
            if isinstance(ev, MeetingStarted):
                self._started_at = datetime.now(UTC)
            elif isinstance(ev, MeetingEnded):
                self._started_at = None
                self._record_meeting_end(ev.duration_s, list(ev.sources))
            self._send(ev)
        if any(isinstance(ev, MeetingStarted | MeetingEnded) for ev in events):
            for name in sorted(self._active):
                self._tell_meeting(self.sources[name])      # issue 26: look for recording
            self._set_active(bool(self.machine.running))   # issue 18: needs_meeting sources
        self._update_grace_timer()
        if self.auto_clean and events:
            self.after_meeting.act(self.scheduler.on_events(
                events, running=self.machine.running, in_meeting=self.machine.in_meeting))

    def _send(self, event: TeamsEvent) -> None:
        """A typed event (the state machine's or the clean-up's) onto the wire: its pinned
        name and detail (``teams/events.py`` writes each shape once)."""
        self.teamsEvent.emit(event.name, event.to_detail())

    def _update_grace_timer(self) -> None:
        deadline = self.machine.next_deadline()
        if deadline is None:
            self._grace_timer.stop()
        else:
            # +5 ms: a timer firing a hair early would find the grace not yet over.
            self._grace_timer.start(max(0, int((deadline - self._clock()) * 1000) + 5))

    def _record_meeting_end(self, duration_s: int, sources: list[str]) -> None:
        try:
            self._audit.record(MEETING_ENDED_KIND, duration_s=duration_s, sources=sources)
        except OSError as exc:
            self._once("audit", f"Could not write the audit log ({exc}).")

    def _once(self, key: str, message: str) -> None:
        if key not in self._logged:
            self._logged.add(key)
            log.warning(message)

    # -- clean-up (teams/cleanup.py) ------------------------------------------------------
    @property
    def restarting(self) -> bool:
        return self.after_meeting.restarting

    def restart_and_clean(self, clients: Iterable[str] | None = None, *,
                          automatic: bool = False) -> bool:
        """Quit the running client(s), clean, start them again (off the GUI thread);
        refused while a meeting is on (``AfterMeeting.restart_and_clean``)."""
        return self.after_meeting.restart_and_clean(clients, automatic=automatic)
