"""New Teams' own log (``log``): calls going active and ending, by call id.

Polled every 2 s while a Teams client runs. One ``LogFollower`` (``teams/logtail.py``) and
one ``CallTracker`` (``teams/teamslog.py``) per folder; a folder's client is in a meeting
while its tracker has open calls. Folders: each client's ``log_folders`` on this OS
(``devicecheck/clients.py``), attributed to that client:
- Windows: ``%LOCALAPPDATA%\\Packages\\<new Teams' package>\\LocalCache\\Microsoft\\MSTeams\\Logs``
  (jimmyeao/TEAMS2HA ``Utils/TeamsLogWatcher.cs`` and ``log_watcher.rs`` read it there);
- macOS: ``~/Library/Group Containers/<Teams' group>/Library/Application Support/Logs``
  (shared/reference/teams.md; unverified that its lines match Windows');
  both new Teams' (``teams-new``);
- every folder in ``[teams] log_folders`` on any OS, attributed to any client (IT says
  which folder, not which client).

Only the officer's own main-family log is read, and never in a folder other users can
write (``teams/logfolder.py``, issue 29): another user's file could fake a meeting (a
clean refused, the data kept) or end one (Teams restarted mid-call). A refused folder is
said in ``watch --signals`` and in our log, and ``policy-health`` warns about it.

Bounded (issue 29): the tracker keeps at most 64 open calls by id; finding the file being
written costs a ``stat`` per poll unless the folder changed; a backlog is read end first,
so a call going active now counts at the next poll while the backlog's events are still
being read (``_view``).

Teams exiting or crashing writes no end line: ``stop()`` (no client runs any more) drops
the open calls, and so does a client whose processes were all replaced between two polls
(a restart the process signal missed). On the first look at a file the tail is read to
recover a call already in progress, but only lines written since the client's oldest
running process started: the newest file may still be the previous run's, ending in a
call that crashed.

Nothing from the log leaves this module but counts: no line, no call id, no name.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from devicecheck.clients import CLIENTS
from devicecheck.teams.logtail import LogFollower
from devicecheck.teams.sources.base import ANY_CLIENT, Reading, SignalSource
from devicecheck.teams.teamslog import CallTracker, LogEvent

log = logging.getLogger(__name__)

NEW_TEAMS = "teams-new"
#: New Teams' log folders under their base folders (from its client entry).
WINDOWS_PARTS = CLIENTS[NEW_TEAMS].log_folders["windows"][0].parts
MACOS_PARTS = CLIENTS[NEW_TEAMS].log_folders["macos"][0].parts
#: Log lines up to this long before the oldest process's start still count (clock slack).
START_SLACK = timedelta(seconds=2)

StartedFn = Callable[[int], float | None]


def process_started(pid: int) -> float | None:
    """When process ``pid`` started (epoch seconds), None if it cannot be told."""
    try:
        import psutil

        return float(psutil.Process(pid).create_time())
    except Exception:  # noqa: BLE001 - gone, denied, or psutil missing: unknown
        return None


def default_folders(os_name: str, env: Mapping[str, str], home: Path | None = None
                    ) -> list[tuple[Path, str]]:
    """The clients' log folders on this OS, each with its client (resolved as the cleaner
    resolves its roots)."""
    from devicecheck.cleaner.plan import default_home, resolve_base

    places = [(place, cid) for cid, client in CLIENTS.items()
              for os_key, folders in client.log_folders.items() if os_key == os_name
              for place in folders]
    if not places:
        return []
    home = home or default_home(os_name, env)  # type: ignore[arg-type]
    return [(resolve_base(place.base, env, home).joinpath(*place.parts), cid)
            for place, cid in places]


@dataclass(frozen=True)
class Folder:
    path: Path
    client: str
    #: How ``watch --signals`` names it: never the path (it holds the officer's user name).
    label: str


@dataclass
class Watched:
    folder: Folder
    follower: LogFollower
    tracker: CallTracker = field(default_factory=CallTracker)
    pids: frozenset[int] = frozenset()


class LogSource(SignalSource):
    name = "log"
    poll_ms = 2000
    needs_running = True
    describes = "Teams' own log"

    def __init__(self, ctx: Any, emit: Any) -> None:
        super().__init__(ctx, emit)
        self._started: StartedFn = ctx.option("process_started", process_started)
        self.folders = self._folders()
        self.watched: list[Watched] = []
        self._reported: set[str] = set()

    def _folders(self) -> list[Folder]:
        """The per-OS folder (tests replace it with ``options["log_folders"]``: folders, or
        ``(folder, client)`` pairs), then the policy's extra folders."""
        injected: Sequence[Any] | None = self.ctx.option("log_folders")
        if injected is not None:
            found = [(Path(f[0]), str(f[1])) if isinstance(f, tuple) else (Path(f), NEW_TEAMS)
                     for f in injected]
            out = [Folder(f, c, f"folder {i + 1}") for i, (f, c) in enumerate(found)]
        else:
            env = self.ctx.env if self.ctx.env is not None else os.environ
            out = [Folder(f, c, "new Teams' Logs folder")
                   for f, c in default_folders(self.ctx.os_name, env)]
        out += [Folder(Path(f).expanduser(), ANY_CLIENT, f"[teams] log_folders {i + 1}")
                for i, f in enumerate(self.ctx.policy.teams.log_folders)]
        unique: dict[Path, Folder] = {}
        for f in out:
            unique.setdefault(f.path, f)
        return list(unique.values())

    def unavailable(self) -> str | None:
        if not self.folders:
            return "new Teams' log exists only on Windows and macOS"
        return None

    # -- life cycle -----------------------------------------------------------------
    def start(self) -> None:
        self.watched = [Watched(f, LogFollower(f.path)) for f in self.folders]
        for w in self.watched:
            w.pids = self._pids_of(w.folder.client)

    def stop(self) -> None:
        # Teams exited (or crashed): it wrote no end lines for the calls it had open.
        for w in self.watched:
            w.tracker.reset()
            w.follower.close()
        self.watched = []

    def processes(self, pids: Mapping[str, frozenset[int]]) -> None:
        super().processes(pids)
        for w in self.watched:
            now = self._pids_of(w.folder.client)
            if w.pids and now and not (w.pids & now) and w.tracker.open:
                # Every process was replaced between two polls: Teams restarted.
                log.info("Teams restarted: the calls open in its log are dropped.")
                w.tracker.reset()
            w.pids = now

    def _pids_of(self, client: str) -> frozenset[int]:
        if client == ANY_CLIENT:
            return frozenset(p for ps in self.pids.values() for p in ps)
        return frozenset(self.pids.get(client, frozenset()))

    # -- reading --------------------------------------------------------------------
    def _not_before(self, w: Watched) -> datetime | None:
        starts = [t for t in (self._started(p) for p in sorted(w.pids)) if t is not None]
        if not starts:
            return None
        return datetime.fromtimestamp(min(starts), UTC) - START_SLACK

    def _look(self, w: Watched) -> None:
        events = w.follower.poll()
        cut = w.follower.fresh_from
        if cut is not None:
            # A first look at a file (Teams' log on start, or after the followed file went):
            # only the calls of the client run going on now.
            events = events[:cut] + self._recent(events[cut:], self._not_before(w))
        w.tracker.feed_all(events)
        problem = w.follower.problem
        if problem and problem not in self._reported:
            self._reported.add(problem)
            log.info("Meeting source log: %s.", problem)

    @staticmethod
    def _recent(events: list[LogEvent], not_before: datetime | None) -> list[LogEvent]:
        """Of a first look's tail, the events of the client run that is going on now."""
        if not_before is None:
            return events
        return [e for e in events if e.timestamp is not None and e.timestamp >= not_before]

    def poll(self, now: float) -> Reading | None:
        if not self.watched:
            return None
        for w in self.watched:
            self._look(w)
        return self.reading()

    @staticmethod
    def _view(w: Watched) -> CallTracker:
        """The calls open now: the tracker, plus the events read beyond a backlog that is
        still being read (provisional; they are folded for good once it is)."""
        if not w.follower.pending:
            return w.tracker
        view = w.tracker.copy()
        view.feed_all(w.follower.pending)
        return view

    def reading(self) -> Reading:
        return Reading.of(sorted({w.folder.client for w in self.watched
                                  if self._view(w).open}))

    def snapshot(self) -> dict[str, Any]:
        """Which file each folder's follower reads and how many calls are open: a one-off
        look at the tail when the source is not running (``watch --signals``)."""
        running = bool(self.watched)
        if not running:
            self.start()
            for w in self.watched:
                self._look(w)
        try:
            out: dict[str, Any] = {"meeting": sorted(self.reading().meeting), "folders": [
                {"folder": w.folder.label, "client": w.folder.client,
                 "file": w.follower.current.name if w.follower.current else None,
                 "open_calls": self._view(w).count,
                 **({"problem": w.follower.problem} if w.follower.problem else {})}
                for w in self.watched]}
        finally:
            if not running:
                self.stop()
        return out
