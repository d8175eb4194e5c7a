"""The tray and the Teams link, as a mixin of ``DeviceCheckApp`` (kept apart so each
module stays readable): create the link, attach the pre-call and recording hooks to it,
and turn its events into tray state, a re-check after a clean, the one "clear now?"
prompt per meeting (Teams restarts for a few seconds) or "quit Teams to clear" offer, and
one notification after a restart-and-clean."""

from __future__ import annotations

import importlib
import logging
from typing import Any

from devicecheck.ui.app_windows import debug
from devicecheck.ui.launch import import_hook_modules
from devicecheck.ui.notifications import CLEAN_OFFER_KEY, clean_refused_message, cleaned_message

log = logging.getLogger(__name__)

#: Attached at every start-up, so kept light (they import their windows when needed).
HOOK_MODULES = ("devicecheck.ui.meeting_prompt", "devicecheck.ui.recording_guard")


class AppTeamsMixin:
    """Needs from the host: loaded, pool, monitor, hooks, scheduler, gate, in_meeting,
    recording, notify, _apply_state, _monitor_factory, _hook_worker, _clear_prompt."""

    _clear_prompt: Any = None
    _logon_worker: Any = None

    def _start_monitor(self) -> None:
        factory = self._monitor_factory
        if factory is None:
            try:
                module = importlib.import_module("devicecheck.teams.monitor")
            except ImportError as exc:
                log.info("Teams link not available: %s", exc)
                return
            policy = self.loaded.policy
            # interactive: the tray can answer "clear now?" (headless watch cannot).
            factory = lambda: module.TeamsMonitor(policy, interactive=True)  # noqa: E731
        try:
            monitor = factory()
            if monitor is None:
                return
            monitor.teamsEvent.connect(self.on_teams_event)
        except Exception:
            log.exception("Teams link could not be created")
            return
        self.monitor = monitor

    def _clean_at_logon(self) -> None:
        """``[cleaner] clean_at_logon``: once at start-up (the tray starts at logon), clear
        before Teams starts and then start it — on the pool, since a clean takes seconds.
        Never quits a running Teams (``logon.py``)."""
        policy = self.loaded.policy
        if not policy.cleaner.clean_at_logon:
            return
        from devicecheck.logon import clean_at_logon
        from devicecheck.ui.call_worker import CallWorker

        worker = CallWorker(lambda: clean_at_logon(policy))
        worker.setAutoDelete(False)
        worker.signals.done.connect(self._on_logon_clean)
        worker.signals.failed.connect(
            lambda message: log.warning("clean at logon failed: %s", message))
        self._logon_worker = worker
        self.pool.start(worker)

    def _on_logon_clean(self, result: Any) -> None:
        self._logon_worker = None
        log.info("%s", result.message)
        debug("logon-clean")
        if result.cleaned:
            self.scheduler.run("cleaned")
        # Only a problem is worth a notification at every logon.
        if result.not_started or (result.clean is not None and result.clean.exit_code != 0):
            self.notify("Meeting data at logon", result.message, "warning")

    def _import_hooks(self) -> None:
        """Import the pre-call and recording modules on the thread pool (about 0.1 s of
        imports that would otherwise freeze the GUI), then attach them here."""
        from devicecheck.ui.call_worker import CallWorker

        worker = CallWorker(import_hook_modules)
        worker.setAutoDelete(False)
        worker.signals.done.connect(self._attach_hooks)
        worker.signals.failed.connect(self._attach_hooks)
        self._hook_worker = worker
        self.pool.start(worker)

    def _attach_hooks(self, _result: object = None) -> None:
        self._hook_worker = None
        for name in HOOK_MODULES:
            try:
                module = importlib.import_module(name)  # already imported: cheap
            except ImportError as exc:
                log.info("%s not available: %s", name, exc)
                continue
            try:
                self.hooks[name] = module.attach(self)
            except Exception:
                log.exception("%s.attach failed", name)
        if self.monitor is not None:  # started once everyone listening is attached
            try:
                self.monitor.start()
            except Exception:
                log.exception("Teams link did not start")

    def on_teams_event(self, name: str, data: dict[str, Any]) -> None:
        mon = self.monitor
        meeting = {"meeting-started": True, "meeting-ended": False, "teams-exited": False}
        recording = {"recording-started": True, "recording-stopped": False,
                     "meeting-ended": False, "teams-exited": False}
        self.in_meeting = bool(getattr(mon, "in_meeting", meeting.get(name, self.in_meeting)))
        self.recording = bool(getattr(mon, "recording", recording.get(name, self.recording)))
        debug(f"teams {name}")  # the event name only: end-to-end tests follow the link
        if name == "cleaned":
            self.scheduler.run("cleaned")  # meeting-data has just changed
            message = cleaned_message(data)
            if message is not None:
                self.notify(*message)
        elif name == "meeting-started":
            self.gate.forget(CLEAN_OFFER_KEY)  # a new meeting earns its own offer
            if self._clear_prompt is not None:
                self._clear_prompt.dismiss()   # never quit Teams once a call is on
        elif name == "clean-refused":
            if data.get("ask") is True and data.get("reason") == "teams-running":
                self.ask_to_clear()
            offer = clean_refused_message(data)
            if offer is not None:
                self.notify(*offer, key=CLEAN_OFFER_KEY + offer[0])
        self._apply_state()

    def ask_to_clear(self) -> None:
        """Teams is still open after a meeting: ask once whether to restart it and clear."""
        from devicecheck.ui.clear_prompt import ClearPrompt

        if self._clear_prompt is None:
            self._clear_prompt = ClearPrompt(self.clear_now, parent=self)
        self._clear_prompt.show()
        debug("clear-prompt-shown")

    def clear_now(self) -> bool:
        """Restart Teams and clear its meeting data (the monitor re-checks that no meeting is
        on). False when there is no Teams link or it refused."""
        mon = self.monitor
        if mon is None or not hasattr(mon, "restart_and_clean"):
            return False
        return bool(mon.restart_and_clean())

    @property
    def data_waiting(self) -> bool:
        return bool(getattr(self.monitor, "waiting_clients", ()))

    @property
    def detection_line(self) -> str:
        """How meetings are being detected, for the menu ("" without a Teams link)."""
        mon = self.monitor
        return str(mon.detection()) if mon is not None and hasattr(mon, "detection") else ""
