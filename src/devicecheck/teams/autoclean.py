"""When to clean after a meeting: pure bookkeeping, no Qt, no I/O.

After ``meeting-ended`` the meeting's clients are *pending*. A pending client is cleaned as
soon as it is not running and no meeting is on (Microsoft's own advice: quit Teams before
clearing its data). New Teams closes to the tray and runs all day, so a client still
running when the meeting ends is handled as policy ``[cleaner] after_meeting`` says:

- ``ask``: one ``ASK`` per meeting (the tray asks the officer to let DeviceCheck restart
  Teams and clear; "later" waits for the next meeting's end, or Teams' next exit);
- ``restart-when-idle``: one ``RESTART`` per meeting (the monitor restarts and cleans once
  the officer is idle and no meeting is on; when idle cannot be read it asks instead);
- ``wait-for-exit``: one ``OFFER`` (the tray may suggest quitting Teams) and a clean at the
  client's next exit.

A client the cleaner refused (it started again in between) waits for its next exit, so a
disagreement between our process view and the cleaner's can never loop; a restart that
failed waits for the next meeting's end or exit, for the same reason.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from devicecheck.teams.events import MeetingEnded, TeamsExited
from devicecheck.teams.state import Event

CLEAN = "clean"
OFFER = "offer"
ASK = "ask"
RESTART = "restart"

MODES = ("ask", "restart-when-idle", "wait-for-exit")


@dataclass(frozen=True)
class Action:
    kind: str                   # CLEAN, OFFER, ASK or RESTART
    clients: tuple[str, ...]


class CleanScheduler:
    def __init__(self, watched: Collection[str], mode: str = "wait-for-exit") -> None:
        if mode not in MODES:
            raise ValueError(f"unknown after_meeting mode {mode!r}")
        self.watched = tuple(watched)
        self.mode = mode
        self.pending: set[str] = set()
        self.blocked: set[str] = set()   # refused by the cleaner: wait for the next exit
        self.offered: set[str] = set()   # asked once already for this meeting's data
        self.idle_wait: set[str] = set()  # restart-when-idle: waiting for the officer's idle
        self.busy = False                # a clean (or a restart-and-clean) is running

    def on_events(self, events: Iterable[Event], *, running: Collection[str],
                  in_meeting: bool) -> list[Action]:
        for ev in events:
            if isinstance(ev, MeetingEnded):
                clients = [c for c in ev.clients if c in self.watched]
                # No client seen (not catalogued, or the API alone): every watched one.
                new = set(clients or self.watched)
                self.offered -= new   # a new meeting's data deserves a new offer
                self.pending |= new
            elif isinstance(ev, TeamsExited):
                self.blocked.discard(ev.client)
                self.idle_wait.discard(ev.client)
        return self.evaluate(running=running, in_meeting=in_meeting)

    def _waiting_kind(self) -> str:
        return {"ask": ASK, "restart-when-idle": RESTART}.get(self.mode, OFFER)

    def evaluate(self, *, running: Collection[str], in_meeting: bool) -> list[Action]:
        if in_meeting or self.busy or not self.pending:
            return []
        actions: list[Action] = []
        ready = sorted(self.pending - set(running) - self.blocked)
        if ready:
            self.pending -= set(ready)
            self.idle_wait -= set(ready)
            self.busy = True
            actions.append(Action(CLEAN, tuple(ready)))
        waiting = sorted((self.pending & set(running)) - self.offered)
        if waiting:
            self.offered |= set(waiting)
            kind = self._waiting_kind()
            if kind == RESTART:
                self.idle_wait |= set(waiting)
            actions.append(Action(kind, tuple(waiting)))
        return actions

    def waiting_for_idle(self) -> tuple[str, ...]:
        return tuple(sorted(self.idle_wait & self.pending))

    def idle_unreadable(self) -> None:
        """Idle cannot be read on this laptop: this meeting's data is asked about instead."""
        self.idle_wait.clear()

    def begin_restart(self, clients: Iterable[str]) -> None:
        """A restart-and-clean starts for ``clients``: nothing else cleans meanwhile."""
        self.busy = True
        self.pending -= set(clients)
        self.idle_wait -= set(clients)

    def on_clean_done(self, refused: Iterable[str], *, running: Collection[str],
                      in_meeting: bool) -> list[Action]:
        """The cleaner finished; ``refused`` clients were running after all (or their
        restart did not happen): they wait for their next exit."""
        self.busy = False
        again = set(refused) & set(self.watched)
        self.pending |= again
        self.blocked |= again
        self.offered |= again
        return self.evaluate(running=running, in_meeting=in_meeting)
