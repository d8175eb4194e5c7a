"""The Teams local API client's flood guard (issue 17): the limits, and the per-second
frame count that trips it.

A peer may send frames, or pings, faster than we handle them. Qt answers each ping itself
with a pong and queues it for writing (no signal says a ping came: Qt forum "How to
respond to pings sent by the server"); a peer that pings and never reads grew the watcher
to 2.8 GB (the same failure curl fixed in PR 21911 by not queueing pongs when the send
buffer is full). So the client's watchdog aborts the connection when more than
``MAX_QUEUED_BYTES`` wait to be written, and more than ``MAX_FRAMES_PER_SECOND`` frames in
a second abort it too; either way the next attempt waits at least ``FLOOD_BACKOFF_MS``.
``FrameRate`` is pure (the clock is passed in); ``FloodGuard`` adds the watchdog timer and
says once per connection that the connection must go.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

MAX_QUEUED_BYTES = 1_048_576  # unsent bytes (queued pongs) before the connection is dropped
MAX_FRAMES_PER_SECOND = 200   # Teams sends a few frames per state change
FLOOD_BACKOFF_MS = 30_000     # after a flood, wait at least this long
WATCHDOG_MS = 250             # how often the queued bytes are looked at


class FrameRate:
    """Frames counted in one-second windows; ``count()`` is False past the limit."""

    def __init__(self, clock: Callable[[], float], limit: int = MAX_FRAMES_PER_SECOND) -> None:
        self._clock = clock
        self.limit = limit
        self._window = 0.0
        self._in_window = 0

    def reset(self) -> None:
        """A new connection starts a fresh window."""
        self._window, self._in_window = self._clock(), 0

    def count(self) -> bool:
        now = self._clock()
        if now - self._window >= 1.0:
            self._window, self._in_window = now, 0
        self._in_window += 1
        return self._in_window <= self.limit


class FloodGuard(QObject):
    """One connection's guard: ``start()`` when it opens, ``stop()`` when it closes,
    ``frame()`` for every frame (False: drop it). ``trip(reason)`` is called at most once
    per connection, when frames come too fast or ``queued()`` bytes pile up."""

    def __init__(self, parent: QObject, clock: Callable[[], float], *,
                 queued: Callable[[], int], trip: Callable[[str], None]) -> None:
        super().__init__(parent)
        self._frames = FrameRate(clock)
        self._queued = queued
        self._trip = trip
        #: This connection was dropped for flooding (the client's backoff is already long).
        self.flooded = False
        self._watchdog = QTimer(self)
        self._watchdog.setInterval(WATCHDOG_MS)
        self._watchdog.timeout.connect(self._check_queue)

    def start(self) -> None:
        self.flooded = False
        self._frames.reset()
        self._watchdog.start()

    def stop(self) -> None:
        self._watchdog.stop()

    def frame(self) -> bool:
        if self._frames.count():
            return True
        self._flood(f"more than {self._frames.limit} frames in a second")
        return False

    def _check_queue(self) -> None:
        if self._queued() > MAX_QUEUED_BYTES:
            self._flood("more than 1 MiB of replies queued (a ping flood?)")

    def _flood(self, what: str) -> None:
        if not self.flooded:
            self.flooded = True
            self._trip(what)


__all__ = ["FLOOD_BACKOFF_MS", "MAX_FRAMES_PER_SECOND", "MAX_QUEUED_BYTES", "WATCHDOG_MS",
           "FloodGuard", "FrameRate"]
