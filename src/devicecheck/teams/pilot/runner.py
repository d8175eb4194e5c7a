"""The pilot's runner: every signal source, live, through six steps (QtCore, no widgets).

It does not use ``TeamsMonitor``: the monitor folds readings into one meeting state and
cleans afterwards, while the pilot must see each source on its own and never cleans. So
the runner builds every registered source itself (``sources.load``; the retired API only
where the policy switches it on, since it asks the officer to pair), starts them all at
once — the recording source included, in every step: outside a meeting is exactly where
a false "recording" would show — and notes what each says (``steps.Bookkeeper``).

Alongside:
- a process watch (1 s) tells the sources which client PIDs run, as the monitor does;
- a learner thread looks at the Teams window's interface names every ``learn_s``
  (``controls.interface_names``) with a back-end of its own, so a slow tree never holds
  up the loop that times the sources; a look that spans a step change is dropped;
- before ``join`` and after ``leave`` the clients' data roots are listed
  (``uncovered.list_files``) for the folders written during the meeting.

Each step starts by printing ``[pilot] step NAME`` on stderr (``announce``) so a script can
drive a test call; it ends on ``next_step()`` (Enter, a button) or after ``auto_s``.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from devicecheck.clients import BROWSER_CLIENTS, CLIENT_IDS
from devicecheck.clients import process_names as catalogue_names
from devicecheck.osinfo import OsName, current_os
from devicecheck.policy import Policy
from devicecheck.teams import sources as registry
from devicecheck.teams.a11y.base import Backend, TreeUnavailable
from devicecheck.teams.pilot import learn as learning
from devicecheck.teams.pilot import uncovered
from devicecheck.teams.pilot.controls import interface_names
from devicecheck.teams.pilot.render import build_report
from devicecheck.teams.pilot.steps import (
    INSTRUCTIONS,
    MEETING,
    RECORDING,
    STEPS,
    Bookkeeper,
    SourceInfo,
    verdict,
)
from devicecheck.teams.processes import AliveFn, FindFn, ProcessWatcher
from devicecheck.teams.sources.base import Reading, SignalSource, SourceContext

log = logging.getLogger(__name__)

PROCESS_POLL_MS = 1000
LEARN_S = 2.0
LEARN_DEADLINE_S = 1.5


def reading_values(source: SignalSource, reading: Reading) -> tuple[bool | None, bool | None]:
    """A reading as (meeting, recording): True / False, or None where the source cannot
    tell now (it lost its view: a stale reading, an audio server that does not answer,
    a window it cannot read) or does not look at that kind at all."""
    lost = reading.stale or bool(source.problem)
    meeting: bool | None = None
    recording: bool | None = None
    if MEETING in source.kinds and not lost:
        meeting = bool(reading.meeting)
    if RECORDING in source.kinds and not lost:
        recording = True if reading.recording else (
            None if source.unknown_reason else False)
    return meeting, recording


class Learner:
    """Looks at the Teams window's interface names from a thread of its own."""

    def __init__(self, backend: Backend, os_name: OsName, every_s: float,
                 deadline_s: float, clock: Callable[[], float]) -> None:
        self.backend, self.os_name = backend, os_name
        self.every_s, self.deadline_s, self.clock = every_s, deadline_s, clock
        self.lock = threading.Lock()
        self.step: str | None = None
        self.pids: frozenset[int] = frozenset()
        self.snapshots: list[learning.Snapshot] = []
        self.unreadable: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="devicecheck-pilot-learn",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """No join: a look in progress (up to its deadline) must not hold up the tray's
        window; it finds the step gone and is dropped, and the thread ends by itself."""
        self._stop.set()

    def set_state(self, step: str | None, pids: frozenset[int]) -> None:
        with self.lock:
            self.step, self.pids = step, pids

    def _run(self) -> None:
        if self.os_name == "windows":   # UI Automation is COM: each thread joins it
            try:
                import comtypes  # type: ignore[import-not-found]

                comtypes.CoInitializeEx()
            except Exception:  # without COM the look fails and says why
                log.debug("COM not initialised in the learner thread", exc_info=True)
        try:
            while not self._stop.wait(self.every_s):
                self.look_once()
        finally:
            self.backend.close()

    def look_once(self) -> None:
        with self.lock:
            step, pids = self.step, self.pids
        if step is None or not pids:
            return
        try:
            windows = self.backend.windows(pids, self.deadline_s)
            controls, complete = interface_names(windows, deadline_s=self.deadline_s,
                                                 clock=self.clock)
        except TreeUnavailable as exc:
            self.unreadable = str(exc)
            return
        except Exception as exc:  # noqa: BLE001 - a failed look is one look lost
            self.unreadable = type(exc).__name__
            return
        with self.lock:
            if self.step == step:        # a look across a step change belongs to neither
                self.snapshots.append(learning.Snapshot(step, controls, complete))

    def results(self) -> list[learning.Snapshot]:
        with self.lock:
            return list(self.snapshots)


def announce_stderr(step: str, instruction: str) -> None:
    import sys

    print(f"[pilot] step {step}", file=sys.stderr, flush=True)
    print(f"        {instruction}", file=sys.stderr, flush=True)


class PilotRunner(QObject):
    """``start()``, then ``next_step()`` per step (or ``auto_s``); ``finished(report)``."""

    stepStarted = Signal(str, str)      # step name, what IT is asked to do
    finished = Signal(dict)             # the report (render.build_report)

    def __init__(self, policy: Policy, *, auto_s: float | None = None,
                 os_name: OsName | None = None, env: Mapping[str, str] | None = None,
                 find: FindFn | None = None, alive: AliveFn | None = None, clock: Callable[[], float] = time.monotonic,
                 sources: Sequence[str | type[SignalSource]] | None = None,
                 source_options: Mapping[str, Any] | None = None,
                 client_ids: Sequence[str] | None = None,
                 announce: Callable[[str, str], None] = announce_stderr,
                 learn_backend: Backend | None = None, learn_s: float = LEARN_S,
                 process_poll_ms: int = PROCESS_POLL_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.policy, self.auto_s, self.env = policy, auto_s, env
        self.os_name: OsName = os_name or current_os()
        self._clock, self._announce = clock, announce
        ids = client_ids if client_ids is not None else CLIENT_IDS
        self.clients = tuple(c for c in ids if c not in BROWSER_CLIENTS)
        names = {c: catalogue_names(c, self.os_name) for c in self.clients}
        kwargs: dict[str, Any] = {"idle_rescan_s": 1.0, "busy_rescan_s": 5.0}
        if find is not None:
            kwargs["find"] = find
        if alive is not None:
            kwargs["alive"] = alive
        self.watcher = ProcessWatcher(names, self.os_name, **kwargs)
        self.started_at = datetime.now(UTC)
        self._ctx = SourceContext(
            policy=policy, os_name=self.os_name, clients=self.clients,
            process_names=catalogue_names, clock=clock, registry=self._registry(), env=env,
            options={"parent": self, **(source_options or {})})
        self.sources: dict[str, SignalSource] = {}
        self.infos: list[SourceInfo] = []
        self._timers: list[QTimer] = []
        self._build(sources)
        self.book = Bookkeeper(self.infos)
        self._step_timer = QTimer(self)
        self._step_timer.setSingleShot(True)
        self._step_timer.timeout.connect(self.next_step)
        self._proc_timer = self._every(process_poll_ms, self._poll_processes)
        self.learner = self._learner(learn_backend, learn_s)
        self._before: dict[uncovered.RootKey, dict[uncovered.Rel, uncovered.Signature]] = {}
        self._after: dict[uncovered.RootKey, dict[uncovered.Rel, uncovered.Signature]] = {}
        self._listed_whole = True
        self.running_seen: set[str] = set()      # clients seen running during the pilot
        self.report: dict[str, Any] | None = None

    # -- building -------------------------------------------------------------------
    def _registry(self) -> Any:
        if self.os_name != "windows":
            return None
        from devicecheck.probes.registry import default_registry

        return default_registry()

    def _build(self, specs: Sequence[str | type[SignalSource]] | None) -> None:
        for spec in specs if specs is not None else registry.runnable(self.policy):
            built = registry.build(spec, self._ctx,
                                   lambda name: functools.partial(self._on_reading, name))
            if built.error is not None:
                self.infos.append(SourceInfo(built.name, frozenset(),
                                             f"could not be loaded ({built.error})"))
                continue
            self.infos.append(SourceInfo(built.name, built.says or frozenset(),
                                         built.unavailable))
            source = built.source
            if source is not None:
                self.sources[built.name] = source
                if source.poll_ms is not None:
                    self._timers.append(self._every(
                        source.poll_ms, functools.partial(self._poll_source, built.name)))

    def _learner(self, backend: Backend | None, every_s: float) -> Learner | None:
        if backend is None and "window" in self.sources:
            from devicecheck.teams.a11y import backend_for

            backend = backend_for(self.os_name, self.env)
        if backend is None or backend.unavailable():
            return None
        return Learner(backend, self.os_name, every_s, LEARN_DEADLINE_S, self._clock)

    def _every(self, ms: int, slot: Callable[[], None]) -> QTimer:
        timer = QTimer(self)
        timer.setInterval(ms)
        timer.timeout.connect(slot)
        return timer

    # -- life cycle -----------------------------------------------------------------
    @property
    def step(self) -> str | None:
        return self.book.current

    def start(self) -> None:
        self._poll_processes()
        for name, source in self.sources.items():
            try:
                source.start()
            except Exception as exc:  # noqa: BLE001
                log.warning("Pilot: source %s did not start (%s).", name, type(exc).__name__)
        for source in self.sources.values():
            if source.needs_meeting:
                # Forced to look as in a meeting, in every step: outside a meeting is
                # where a false "recording" would show (the window source).
                source.meeting_changed(True)
        self._proc_timer.start()
        for timer in self._timers:
            timer.start()
        for name in self.sources:
            QTimer.singleShot(0, functools.partial(self._poll_source, name))
        if self.learner is not None:
            self.learner.start()
        self._begin(STEPS[0])

    def next_step(self) -> None:
        current = self.step
        if current is None:
            return
        if current == "leave":
            self._after = self._list_roots()
        index = STEPS.index(current)
        if index + 1 < len(STEPS):
            self._begin(STEPS[index + 1])
        else:
            self.finish()

    def _begin(self, step: str) -> None:
        if step == "join":
            self._before = self._list_roots()
        self.book.begin(step, self._clock())
        self._update_learner()
        self._announce(step, INSTRUCTIONS[step])
        self.stepStarted.emit(step, INSTRUCTIONS[step])
        if self.auto_s is not None:
            self._step_timer.start(int(self.auto_s * 1000))

    def finish(self, *, stopped_early: bool = False) -> dict[str, Any]:
        """End the pilot (after the last step, or early), stop everything, judge."""
        if self.report is not None:
            return self.report
        self.book.end(self._clock())
        self.stop()
        self.report = self._judge(stopped_early)
        self.finished.emit(self.report)
        return self.report

    def stop(self) -> None:
        self._step_timer.stop()
        self._proc_timer.stop()
        for timer in self._timers:
            timer.stop()
        for name, source in self.sources.items():
            try:
                source.stop()
            except Exception:
                log.debug("source %s stop failed", name, exc_info=True)
        if self.learner is not None:
            self.learner.set_state(None, frozenset())
            self.learner.stop()

    # -- inputs ---------------------------------------------------------------------
    def _pids(self) -> dict[str, frozenset[int]]:
        pids: dict[str, set[int]] = {}
        for pid, known in self.watcher.known.items():
            pids.setdefault(known.client, set()).add(pid)
        return {c: frozenset(p) for c, p in pids.items()}

    def _poll_processes(self) -> None:
        self.running_seen |= self.watcher.poll(self._clock())
        pids = self._pids()
        for source in self.sources.values():
            try:
                source.processes(pids)
            except Exception:
                log.debug("processes() failed", exc_info=True)
        self._update_learner()

    def _update_learner(self) -> None:
        if self.learner is not None:
            self.learner.set_state(self.step, frozenset(self.watcher.pids()))

    def _poll_source(self, name: str) -> None:
        source = self.sources.get(name)
        if source is None or self.report is not None:
            return
        try:
            reading = source.poll(self._clock())
        except Exception as exc:  # noqa: BLE001 - a failing poll: cannot tell
            log.info("Pilot: source %s failed (%s).", name, type(exc).__name__)
            self.book.observe(name, None, None, self._clock())
            return
        if reading is not None:
            source.last = reading
            self._on_reading(name, reading)

    def _on_reading(self, name: str, reading: Reading) -> None:
        source = self.sources.get(name)
        if source is None or self.report is not None:
            return
        meeting, recording = reading_values(source, reading)
        self.book.observe(name, meeting, recording, self._clock())

    # -- data folders ---------------------------------------------------------------
    def _list_roots(self) -> dict[uncovered.RootKey, dict[uncovered.Rel, uncovered.Signature]]:
        out = {}
        try:
            found = uncovered.roots(self.os_name, self.env, self.clients)
        except Exception:  # no listing: nothing to compare (the report says so)
            log.info("Pilot: the data folders could not be listed.", exc_info=True)
            self._listed_whole = False
            return {}
        for key, path in found.items():
            files, whole = uncovered.list_files(path)
            out[key] = files
            self._listed_whole &= whole
        return out

    # -- judging --------------------------------------------------------------------
    def _judge(self, stopped_early: bool) -> dict[str, Any]:
        results = self.book.results()
        learned = learning.learn(self.learner.results() if self.learner else [])
        if self.learner is None and "window" in self.sources:
            learned = learning.Learned(notes=("the Teams window cannot be read here",))
        elif self.learner is not None and not self.learner.results() \
                and self.learner.unreadable:
            learned = learning.Learned(notes=(f"the Teams window could not be read: "
                                              f"{self.learner.unreadable}",))
        calls = getattr(self.policy.teams, learning.CALL_CONTROL_FIELD, None)
        lines = learning.policy_lines(learned, self.policy.recording.indicator_names,
                                      None if calls is None else tuple(calls))
        gaps: list[uncovered.Gap] = []
        if self._after:
            covered = uncovered.covered(self.os_name, self.env, self.clients)
            gaps = uncovered.gaps(self._before, self._after, covered)
        return build_report(
            os_name=self.os_name, auto_s=self.auto_s,
            started=self.started_at.isoformat(timespec="seconds").replace("+00:00", "Z"),
            sources=self.infos, results=results, verdict=verdict(results, self.infos),
            learned=learned, policy_lines=lines, gaps=gaps,
            gaps_complete=self._listed_whole,
            off_in_policy=tuple(self.policy.teams.disabled_sources),
            clients_seen=sorted(self.running_seen),
            stopped_early=stopped_early)
