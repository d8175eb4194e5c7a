"""When a desktop notification may be shown: pure logic, no Qt, clock injected.

Officers ignore a tray app that nags, so a notification must earn its place:

* de-duplicated: the same message (key) is not repeated within ``dedup_s``;
* rate-limited: at most ``burst`` notifications per ``window_s``, and never two within
  ``min_gap_s`` of each other.

"Only on a change for the worse" is decided by the caller with ``states.is_worse``; this
gate then decides whether the message may actually go out now.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from devicecheck.teams.events import (
    ERROR,
    FORCED_CACHES_ONLY,
    MEETING_ON,
    QUIT_FAILED,
    TEAMS_RUNNING,
    Cleaned,
    CleanRefused,
    TeamsEvent,
    ends_restart,
)
from devicecheck.ui.model.states import STATE_WORDS, TrayState, TrayVerdict
from devicecheck.verdict_words import SETTINGS_PROBLEM, problem_list


@dataclass
class NotificationGate:
    dedup_s: float = 4 * 3600.0
    burst: int = 3
    window_s: float = 600.0
    min_gap_s: float = 20.0
    clock: Callable[[], float] = time.monotonic
    _last_by_key: dict[str, float] = field(default_factory=dict, init=False, repr=False)
    _sent: deque[float] = field(default_factory=deque, init=False, repr=False)
    suppressed: int = field(default=0, init=False)

    def allow(self, key: str) -> bool:
        """True (and remembered) when a notification with ``key`` may be shown now."""
        now = self.clock()
        last = self._last_by_key.get(key)
        if last is not None and now - last < self.dedup_s:
            self.suppressed += 1
            return False
        while self._sent and now - self._sent[0] >= self.window_s:
            self._sent.popleft()
        if len(self._sent) >= self.burst or (self._sent and now - self._sent[-1] < self.min_gap_s):
            self.suppressed += 1
            return False
        self._sent.append(now)
        self._last_by_key[key] = now
        return True

    def forget(self, key_prefix: str) -> None:
        """Let messages starting with ``key_prefix`` through again (the problem went away,
        so its return is news)."""
        for key in [k for k in self._last_by_key if k.startswith(key_prefix)]:
            del self._last_by_key[key]


#: Gate key prefix of verdict notifications: forgotten when the verdict gets better (the
#: problem's return is news), and shown by the no-tray window in its status line.
VERDICT_KEY = "verdict:"


def verdict_message(verdict: TrayVerdict, titles: dict[str, str] | None = None
                    ) -> tuple[str, str, str]:
    """(title, message, level) for a verdict that got worse: the verdict line, the
    problems by fault phrase (worst first, at most three named), and that a click shows
    what to do. ``titles`` is no longer used (problems are named by fault phrase)."""
    del titles
    names = problem_list(verdict.problem_phrases())
    # The short verdict words as the title (the headline's "Contact …" is in the window).
    if verdict.state is TrayState.POLICY_ERROR:
        return (STATE_WORDS[TrayState.NOT_READY],
                f"{SETTINGS_PROBLEM}. Click to see who to contact.", "critical")
    if verdict.state is TrayState.NOT_READY:
        return (STATE_WORDS[verdict.state], f"{names}. Click to see what to do.", "critical")
    return (verdict.line, f"To fix: {names}. Click to see what to do.", "warning")


#: Gate key prefix of the "quit Teams to clear" offer; forgotten at each meeting start so
#: that every meeting gets its one offer (the Teams link sends it once per meeting).
CLEAN_OFFER_KEY = "clean-offer:"


def clean_refused_message(event: CleanRefused, *,
                          offer_quit_teams: bool) -> tuple[str, str, str] | None:
    """(title, message, level) for the Teams link's ``clean-refused`` event, or None when
    there is nothing to tell (the restart prompt itself asks, see ``ui/clear_prompt.py``).

    - Teams still open, ``wait-for-exit`` (or no one to ask): suggest quitting Teams, when
      the policy offers it (``offer_quit_teams``: the tray's own ``[cleaner]`` setting,
      not read back from the event); the watcher then clears.
    - A restart was refused because a meeting is on, or Teams would not close: say so.
    - The clean failed: say it will be tried again."""
    reason = event.reason
    if reason == TEAMS_RUNNING:
        if event.ask is True or not offer_quit_teams:
            return None
        return ("Quit Teams to clear this meeting's data",
                "Teams is still open, so the meeting's names, e-mail and IP addresses are "
                "still on this laptop. Quit Teams when you have finished: DeviceCheck then "
                "clears them by itself.", "info")
    if reason == MEETING_ON:
        return ("Meeting data not cleared yet",
                "A call is on, so Teams was left alone. DeviceCheck asks again after this "
                "call.", "info")
    if reason == QUIT_FAILED:
        return ("Meeting data not cleared",
                "Teams did not close, so its meeting data is still on this laptop. Quit Teams "
                "yourself when you can: DeviceCheck then clears it.", "warning")
    if reason == FORCED_CACHES_ONLY:
        return ("Meeting data not cleared",
                "Teams had to be stopped by force, so DeviceCheck did not delete its files "
                "(the council's setting keeps Teams' stores, and a forced stop may leave them "
                "half-written). Teams is opening again.", "warning")
    if reason == ERROR:
        return ("Meeting data not cleared",
                "Clearing the meeting data failed. DeviceCheck tries again when Teams next "
                "closes; if this keeps happening, contact IT.", "warning")
    return None


def cleaned_message(event: Cleaned) -> tuple[str, str, str] | None:
    """One notification after a restart-and-clean (a plain clean after Teams exited says
    nothing: it is what the officer expects). Counts only, never file names."""
    restart = event.restart
    if restart is None:
        return None
    again = ("Teams is opening again." if any(restart.restarted.values())
             else "Start Teams again when you need it.")
    if restart.automatic:
        title = "Meeting data cleared while you were away"
    else:
        title = "Meeting data cleared"
    if event.failures:
        return (title, f"Some of it could not be removed. {again} If this keeps "
                "happening, contact IT.", "warning")
    return (title, f"The last meeting's data has been deleted from this laptop. {again}",
            "info")


#: What a dialog that waits for a restart-and-clean is told: the event (``Cleaned`` or
#: ``CleanRefused``, ``teams/events.py``: ``ends_restart`` says which end one). It returns
#: whether it showed the outcome (False: the officer closed it meanwhile).
OutcomeFn = Callable[[TeamsEvent], bool]


class OutcomeWatch:
    """No balloon after an action the officer just took (issue 19): when they clicked
    Clear in a dialog that shows the result, the Teams link hands the event that ends the
    restart-and-clean to that dialog (``claim``) instead of notifying. If the officer
    closed the dialog before the end, it declines the event: the balloon is the only word
    left, so it goes out as before."""

    def __init__(self) -> None:
        self._show: OutcomeFn | None = None

    @property
    def waiting(self) -> bool:
        return self._show is not None

    def run(self, start: Callable[[], object], show: OutcomeFn | None = None) -> bool:
        """Start a restart-and-clean with ``start`` (True when it began) and route its
        outcome to ``show``. A refusal the link reports at once (a call is on) reaches
        ``show`` during ``start``; one it does not report leaves nothing waiting."""
        self._show = show
        started = False
        try:
            started = bool(start())
        finally:
            if not started and self._show is show:
                self._show = None
        return started

    def claim(self, event: TeamsEvent) -> bool:
        """Give the event to the waiting dialog; True when it showed it (no balloon)."""
        show = self._show
        if show is None or not ends_restart(event):
            return False
        self._show = None
        return bool(show(event))
