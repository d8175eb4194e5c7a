"""When to clean after a meeting: pure bookkeeping, no Qt, no I/O.

After ``meeting-ended`` the meeting's clients are *pending*. A pending client is cleaned as
soon as it is not running and no meeting is on (Microsoft's own advice: quit Teams before
clearing its data; DeviceCheck never closes Teams itself). If it is still running when the
meeting ends, the scheduler asks once for an *offer* (the tray may offer to quit Teams and
clean, when policy allows) and otherwise waits for that client's next exit. A client the
cleaner refused (it started again in between) waits for its next exit too, so a
disagreement between our process view and the cleaner's can never loop.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from devicecheck.teams.state import MEETING_ENDED, TEAMS_EXITED, Event

CLEAN = "clean"
OFFER = "offer"


@dataclass(frozen=True)
class Action:
    kind: str                   # CLEAN or OFFER
    clients: tuple[str, ...]


class CleanScheduler:
    def __init__(self, watched: Collection[str]) -> None:
        self.watched = tuple(watched)
        self.pending: set[str] = set()
        self.blocked: set[str] = set()   # refused by the cleaner: wait for the next exit
        self.offered: set[str] = set()   # asked once already for this meeting's data
        self.busy = False                # a clean is running

    def on_events(self, events: Iterable[Event], *, running: Collection[str],
                  in_meeting: bool) -> list[Action]:
        for ev in events:
            if ev.name == MEETING_ENDED:
                clients = [c for c in ev.detail.get("clients", ()) if c in self.watched]
                # No client seen (not catalogued, or the API alone): every watched one.
                new = set(clients or self.watched)
                self.offered -= new   # a new meeting's data deserves a new offer
                self.pending |= new
            elif ev.name == TEAMS_EXITED:
                self.blocked.discard(str(ev.detail.get("client", "")))
        return self.evaluate(running=running, in_meeting=in_meeting)

    def evaluate(self, *, running: Collection[str], in_meeting: bool) -> list[Action]:
        if in_meeting or self.busy or not self.pending:
            return []
        actions: list[Action] = []
        ready = sorted(self.pending - set(running) - self.blocked)
        if ready:
            self.pending -= set(ready)
            self.busy = True
            actions.append(Action(CLEAN, tuple(ready)))
        waiting = sorted((self.pending & set(running)) - self.offered)
        if waiting:
            self.offered |= set(waiting)
            actions.append(Action(OFFER, tuple(waiting)))
        return actions

    def on_clean_done(self, refused: Iterable[str], *, running: Collection[str],
                      in_meeting: bool) -> list[Action]:
        """The cleaner finished; ``refused`` clients were running after all."""
        self.busy = False
        again = set(refused) & set(self.watched)
        self.pending |= again
        self.blocked |= again
        return self.evaluate(running=running, in_meeting=in_meeting)
