"""The tray's side of the Teams link: create the monitor, attach the pre-call and
recording hooks to it, and turn its events into tray state, a re-check after a clean, the
one "clear now?" prompt per meeting (Teams restarts for a few seconds) or "quit Teams to
clear" offer, and one notification after a restart-and-clean. Also the logon clean.

Events arrive on the monitor's ``teamsEvent(str, dict)`` (the pinned wire, which ``watch``
prints) and are read once here into typed values (``teams/events.py``); the hooks get that
value (``EventHook.on_event``), never the raw signal. The policy's clean-up settings come
from the tray's own policy, never back from the monitor's events. The host is any
``LinkHost`` (the controller is one); this module never imports the controller.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject

from devicecheck.teams.events import (
    TEAMS_RUNNING,
    Cleaned,
    CleanRefused,
    MeetingEnded,
    MeetingStarted,
    RecordingStarted,
    RecordingStopped,
    TeamsEvent,
    TeamsExited,
    parse,
)
from devicecheck.ui.model.notifications import (
    CLEAN_OFFER_KEY,
    OutcomeFn,
    OutcomeWatch,
    clean_refused_message,
    cleaned_message,
)
from devicecheck.ui.tray.debug import debug
from devicecheck.ui.tray.hooks import (
    EventHook,
    HookHost,
    Monitor,
    attach_hooks,
    import_hook_modules,
)

if TYPE_CHECKING:
    from devicecheck.logon import LogonResult
    from devicecheck.qtsupport.workers import WorkerKeeper
    from devicecheck.ui.model.notifications import NotificationGate
    from devicecheck.ui.tray.scheduler import CheckScheduler
    from devicecheck.ui.windows.clear_prompt import ClearPrompt

log = logging.getLogger(__name__)


def flags_after(event: TeamsEvent, in_meeting: bool, recording: bool) -> tuple[bool, bool]:
    """The meeting / recording flags after ``event``, when the monitor cannot say itself."""
    if isinstance(event, MeetingStarted):
        return True, recording
    if isinstance(event, MeetingEnded | TeamsExited):
        return False, False
    if isinstance(event, RecordingStarted | RecordingStopped):
        return in_meeting, isinstance(event, RecordingStarted)
    return in_meeting, recording


class LinkHost(HookHost, Protocol):
    """What the Teams link uses of the tray (``TrayController`` is one), besides what it
    hands on to the hooks (``HookHost``)."""

    @property
    def keeper(self) -> WorkerKeeper: ...
    @property
    def scheduler(self) -> CheckScheduler: ...
    @property
    def gate(self) -> NotificationGate: ...

    def apply_state(self) -> None: ...


class TeamsLink(QObject):
    """Owned by the controller (``host``, also its Qt ``parent``); ``monitor`` is None
    without a Teams link."""

    def __init__(self, host: LinkHost, factory: Callable[[], Monitor | None] | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._host = host
        self._factory = factory
        self.monitor: Monitor | None = None
        self.hooks: dict[str, EventHook] = {}
        self.in_meeting = self.recording = False
        self.clear_prompt: ClearPrompt | None = None
        #: The dialog the officer clicked Clear in shows the outcome: no balloon then.
        self.outcome = OutcomeWatch()
        self.logon_pending = False

    # ----- start-up ---------------------------------------------------------------------
    def start(self) -> None:
        """Create the monitor, then import the hooks on the pool; the monitor starts
        once every hook listens."""
        self._create_monitor()
        self._host.keeper.call(import_hook_modules, self._attach_hooks, self._attach_hooks)

    def _create_monitor(self) -> None:
        factory = self._factory
        if factory is None:
            try:
                from devicecheck.teams.monitor import TeamsMonitor
            except ImportError as exc:
                log.info("Teams link not available: %s", exc)
                return
            policy = self._host.loaded.policy
            # interactive: the tray can answer "clear now?" (headless watch cannot).
            factory = lambda: TeamsMonitor(policy, interactive=True)  # noqa: E731
        try:
            monitor = factory()
            if monitor is None:
                return
            monitor.teamsEvent.connect(self.on_teams_event)
        except Exception:
            log.exception("Teams link could not be created")
            return
        self.monitor = monitor

    def _attach_hooks(self, _result: object = None) -> None:
        self.hooks = attach_hooks(self._host)
        if self.monitor is not None:  # started once everyone listening is attached
            try:
                self.monitor.start()
            except Exception:
                log.exception("Teams link did not start")

    def clean_at_logon(self) -> None:
        """``[cleaner] clean_at_logon``: once at start-up (the tray starts at logon), clear
        before Teams starts and then start it — on the pool, since a clean takes seconds.
        Never quits a running Teams (``logon.py``)."""
        policy = self._host.loaded.policy
        if not policy.cleaner.clean_at_logon:
            return
        from devicecheck.logon import clean_at_logon

        self.logon_pending = True
        self._host.keeper.call(lambda: clean_at_logon(policy), self._on_logon_clean,
                               self._on_logon_failed)

    def _on_logon_failed(self, message: str) -> None:
        self.logon_pending = False
        log.warning("clean at logon failed: %s", message)

    def _on_logon_clean(self, outcome: LogonResult) -> None:
        self.logon_pending = False
        log.info("%s", outcome.message)
        debug("logon-clean")
        if outcome.cleaned:
            self._host.scheduler.run("cleaned")
        # Only a problem is worth a notification at every logon.
        if outcome.not_started or (outcome.clean is not None and outcome.clean.exit_code != 0):
            self._host.notify("Meeting data at logon", outcome.message, "warning")

    def stop(self) -> None:
        if self.monitor is not None:
            try:
                self.monitor.stop()
            except Exception:
                log.exception("Teams link did not stop cleanly")

    # ----- events -----------------------------------------------------------------------
    def on_teams_event(self, name: str, data: dict[str, Any]) -> None:
        """The monitor's pinned signal: the one place the tray reads an event's detail."""
        self.on_event(parse(name, data))

    def on_event(self, event: TeamsEvent) -> None:
        """One event of the link: tray state and prompts first, then every hook."""
        mon, host = self.monitor, self._host
        if mon is not None:
            self.in_meeting, self.recording = bool(mon.in_meeting), bool(mon.recording)
        else:
            self.in_meeting, self.recording = flags_after(event, self.in_meeting,
                                                          self.recording)
        debug(f"teams {event.name}")  # the event name only: end-to-end tests follow the link
        if isinstance(event, Cleaned):
            host.scheduler.run("cleaned")  # meeting-data has just changed
            message = cleaned_message(event)
            if not self.outcome.claim(event) and message is not None:
                host.notify(*message)
        elif isinstance(event, MeetingStarted):
            host.gate.forget(CLEAN_OFFER_KEY)  # a new meeting earns its own offer
            if self.clear_prompt is not None:
                self.clear_prompt.dismiss()   # never quit Teams once a call is on
        elif isinstance(event, CleanRefused):
            if event.ask is True and event.reason == TEAMS_RUNNING:
                self.ask_to_clear(event.clients)
            offer = clean_refused_message(
                event, offer_quit_teams=host.loaded.policy.cleaner.offer_quit_teams)
            if not self.outcome.claim(event) and offer is not None:
                host.notify(*offer, key=CLEAN_OFFER_KEY + offer[0])
        host.apply_state()
        for name, hook in list(self.hooks.items()):
            try:
                hook.on_event(event)
            except Exception:  # one hook failing must not keep the event from the others
                log.exception("%s failed on %s", name, event.name)

    def ask_to_clear(self, clients: Iterable[str] = ()) -> None:
        """Teams is still open after a meeting: ask once whether to restart it and clear."""
        from devicecheck.ui.windows.clear_prompt import ClearPrompt

        if self.clear_prompt is None:
            self.clear_prompt = ClearPrompt(self.clear_now, parent=self)
        self.clear_prompt.show(clients=tuple(clients), policy=self._host.loaded.policy)
        debug("clear-prompt-shown")

    def clear_now(self, show: OutcomeFn | None = None) -> bool:
        """Restart Teams and clear its meeting data (the monitor re-checks that no meeting is
        on); ``show`` gets the outcome instead of a balloon. False when there is no Teams
        link or it refused."""
        mon = self.monitor
        return mon is not None and self.outcome.run(mon.restart_and_clean, show)

    def restart_for_menu(self, show: OutcomeFn | None = None) -> bool | None:
        """The menu's clean found Teams open: restart it through the Teams link, ``show``
        getting the outcome (None: no link here, so the menu cannot restart Teams)."""
        mon = self.monitor
        if mon is None:
            return None
        return self.outcome.run(lambda: mon.restart_and_clean(mon.running_clients), show)

    @property
    def data_waiting(self) -> bool:
        return self.monitor is not None and bool(self.monitor.waiting_clients)

    @property
    def detection_line(self) -> str:
        """How meetings are being detected, for the menu ("" without a Teams link)."""
        return self.monitor.detection() if self.monitor is not None else ""
