"""The tray's meeting hook: when Teams reports a meeting starting and no acknowledgement
is in force, prompt the officer (a notification and the pre-call window).

Attached at every tray start-up, so it stays light: the notice and acknowledgement
modules are imported when a meeting starts, and the pre-call window by the tray when it
opens it (resident memory of an idle tray is a target; see benchmarks/tray_startup.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from devicecheck.teams.events import MeetingEnded, MeetingStarted, TeamsEvent

if TYPE_CHECKING:
    from devicecheck.policy import Policy
    from devicecheck.ui.tray.hooks import HookHost


class MeetingPrompt(QObject):
    """Prompts for the pre-call flow when Teams reports a meeting starting with no
    acknowledgement in force.

    Under "every-call" one acknowledgement covers one call: the call that starts after it,
    or the call in progress when the officer completes the flow after being prompted.
    When that call ends, the acknowledgement is used up."""

    def __init__(self, app: HookHost) -> None:
        super().__init__(app if isinstance(app, QObject) else None)
        self._app = app
        # The acknowledgement a call already used, as (time, how many there were): times
        # have one-second resolution, so two records can share one.
        self._used_ack: tuple[str, int] | None = None

    def _latest(self) -> tuple[Policy, bool, tuple[str, int] | None]:
        from devicecheck.acknowledgement import ack_count, ack_in_force, last_ack
        from devicecheck.notice import NoticeError, load_notice

        policy = self._app.loaded.policy
        try:
            notice = load_notice(policy)
            in_force = ack_in_force(policy, notice, self._app.audit)
            key = (str((last_ack(self._app.audit, notice) or {}).get("time")),
                   ack_count(self._app.audit, notice))
        except (OSError, NoticeError):
            return policy, False, None
        return policy, in_force, key

    def on_event(self, event: TeamsEvent) -> None:
        """An event of the Teams link, handed on by the tray (``EventHook``)."""
        if isinstance(event, MeetingEnded):
            self._used_ack = self._latest()[2]
            return
        if not isinstance(event, MeetingStarted):
            return
        policy, in_force, key = self._latest()
        if in_force and policy.notice.acknowledge == "every-call":
            if key == self._used_ack:
                in_force = False
            else:
                self._used_ack = key
        if in_force:
            return
        self._app.notify("Privacy notice not acknowledged",
                         "A call has started without the pre-call check. Please go through "
                         "it now: device checks, privacy notice and the opening script.",
                         "warning")
        self._app.open_precall()


def attach(app: HookHost) -> MeetingPrompt | None:
    """Called by the tray at start-up: watch for meetings starting (the tray hands the
    Teams link's events to ``on_event``); None without a Teams link."""
    if app.monitor is None:
        return None
    return MeetingPrompt(app)


__all__ = ["MeetingPrompt", "attach"]
