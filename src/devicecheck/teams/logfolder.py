"""Which of new Teams' main logs in one folder is being written now, found at a bounded
cost, and whether the folder and the file can be trusted at all (issue 29, issue 26).

Which file. Only the main family, ``MSTeams_<date>_<time>[.<n>].log``: the folder also
holds ``MSTeamsBackgroundEcs_*``, ``MSTeamsUpdate_*`` and ``MSTeamsNM_SlimCore_*`` logs,
often written more recently (shared/reference/teams.md, "Field reports, second half of
2026"). Of that family, the one written last (modification time; the name breaks a tie):
names carry the local start time, which goes back an hour when the clocks do, and a
high name proves nothing about who wrote the file.

Whose file. Only the officer's: on POSIX a file owned by our uid, on Windows by our SID
(checked on the opened handle by the reader, ``Trust.owned``). A folder others can write
is refused outright (POSIX: group or other write permission, unless it is sticky and
ours; Windows: an access entry letting a non-admin other write, ``teams/winsec.py``): in
such a folder another user could plant or remove logs.

At what cost. The folder is listed again only when its identity, modification or change
time moved (a file was created, renamed or removed), or when the last listing could have
raced a change inside the same clock tick; otherwise a poll costs one ``stat`` of the
folder and one ``lstat`` of each of a few candidates. A listing runs at most ``budget_s``
per poll and goes on where it stopped at the next poll (a folder of a million files never
holds the GUI thread, or SIGTERM, for long), and stops for good after ``max_entries``.
"""

from __future__ import annotations

import os
import re
import stat
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

PREFIX, SUFFIX = "MSTeams_", ".log"
MAIN_LOG = re.compile(r"MSTeams_\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}(?:\.\d+)?\.log")
#: Candidates kept between listings (newest by modification time).
KEEP = 8
#: Work per poll on a listing, then it goes on at the next poll.
BUDGET_S = 0.02
#: A listing stops after this many entries (its cost is bounded whatever the folder holds).
MAX_ENTRIES = 2_000_000
#: A listing started this close to the folder's last change may have missed part of it
#: (a change within the same timestamp tick): list again.
RACY_S = 2.0


def is_log_name(name: str) -> bool:
    """A main-family log name (not BackgroundEcs, Update, SlimCore or anything else)."""
    return MAIN_LOG.fullmatch(name) is not None


def name_order(name: str) -> tuple[tuple[int, int | str], ...]:
    """Names sort by the start time and sequence number in them, numbers as numbers
    (``...00.100.log`` after ``...00.99.log``): only a tie-break after the mtime."""
    return tuple((0, int(part)) if part.isdigit() else (1, part)
                 for part in re.split(r"(\d+)", name) if part)


# -- trust ----------------------------------------------------------------------------
class Trust(Protocol):
    def folder_problem(self, path: str, st: os.stat_result) -> str | None:
        """Why this folder must not be read (others can write it), or None."""

    def listed_owner_ok(self, st: os.stat_result) -> bool:
        """From a listing's ``lstat``: could this file be ours? (POSIX: the uid; Windows
        cannot tell there and says True: the reader checks the handle.)"""

    def owned(self, fd: int, st: os.stat_result) -> bool | None:
        """Is the open file the officer's? None: cannot tell (it is then not read)."""


@dataclass
class PosixTrust:
    uid: int = field(default_factory=os.geteuid if hasattr(os, "geteuid") else lambda: -1)

    def folder_problem(self, path: str, st: os.stat_result) -> str | None:
        return posix_folder_problem(st, self.uid)

    def listed_owner_ok(self, st: os.stat_result) -> bool:
        return st.st_uid == self.uid

    def owned(self, fd: int, st: os.stat_result) -> bool | None:
        return st.st_uid == self.uid


def posix_folder_problem(st: os.stat_result, uid: int) -> str | None:
    """Pure: why a folder with this ``stat`` is not safe to read logs from, or None."""
    if not stat.S_ISDIR(st.st_mode):
        return "Teams' log folder is not a folder"
    if st.st_uid not in (uid, 0):
        return "Teams' log folder belongs to another user (not read)"
    if st.st_mode & 0o022 and not (st.st_mode & stat.S_ISVTX and st.st_uid == uid):
        return "other users can write to Teams' log folder (not read)"
    return None


@dataclass
class WindowsTrust:
    """The Windows owner and DACL look-ups (``teams/winsec.py``) behind callables, so tests
    run the logic with fakes."""

    me: Callable[[], str | None]
    handle_owner: Callable[[int], str | None]
    folder_security: Callable[[str], tuple[str | None, list[object] | None]]
    _sid: str | None = None

    @classmethod
    def real(cls) -> WindowsTrust:
        from devicecheck.teams import winsec

        return cls(winsec.current_user_sid, winsec.handle_owner_sid,
                   winsec.folder_security)  # type: ignore[arg-type]

    def sid(self) -> str | None:
        if self._sid is None:
            self._sid = self.me()
        return self._sid

    def folder_problem(self, path: str, st: os.stat_result) -> str | None:
        from devicecheck.teams.winsec import others_can_write

        if not stat.S_ISDIR(st.st_mode):
            return "Teams' log folder is not a folder"
        me = self.sid()
        if me is None:
            return "this user's account id cannot be read (Teams' log not read)"
        try:
            owner, aces = self.folder_security(path)
        except OSError as exc:
            return f"Teams' log folder's permissions cannot be read ({type(exc).__name__})"
        why = others_can_write(owner, aces, me)  # type: ignore[arg-type]
        return f"Teams' log folder is not read: {why}" if why else None

    def listed_owner_ok(self, st: os.stat_result) -> bool:
        return True

    def owned(self, fd: int, st: os.stat_result) -> bool | None:
        me = self.sid()
        owner = self.handle_owner(fd)
        if me is None or owner is None:
            return None
        return owner == me


def default_trust() -> Trust:
    return WindowsTrust.real() if os.name == "nt" else PosixTrust()


def folder_problem(path: Path | str, trust: Trust | None = None) -> str | None:
    """Why ``path`` must not be read as a Teams log folder (None: it may; a missing folder
    is None too: nothing in it can mislead). For ``policy-health``."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"Teams' log folder cannot be read ({type(exc).__name__})"
    return (trust or default_trust()).folder_problem(os.fspath(path), st)


# -- which file -----------------------------------------------------------------------
@dataclass
class _Listing:
    it: Iterator[os.DirEntry[str]]
    started: float                   # wall clock, for the racy check
    seen: int = 0
    counted: int = 0                 # of ``seen``, already added to ``entries_seen``
    found: dict[str, int] = field(default_factory=dict)   # name -> mtime_ns


class LogFolder:
    """The main-family log being written now in ``folder`` (``newest()``)."""

    def __init__(self, folder: Path | str, *, trust: Trust | None = None,
                 budget_s: float = BUDGET_S, max_entries: int = MAX_ENTRIES,
                 keep: int = KEEP, clock: Callable[[], float] = time.monotonic,
                 wall: Callable[[], float] = time.time) -> None:
        self.folder = Path(folder)
        self.trust = trust or default_trust()
        self.budget_s = budget_s
        self.max_entries = max_entries
        self.keep = keep
        self._clock, self._wall = clock, wall
        self.problem: str | None = None
        #: The folder could be used at the last look (exists, readable, not refused).
        self.ok = False
        self.candidates: dict[str, int] = {}     # name -> mtime_ns, refreshed each poll
        self._key: tuple[int, ...] | None = None
        self._listing: _Listing | None = None
        self._relist = True
        self.listings = 0                # completed listings (tests, benchmarks)
        self.entries_seen = 0            # entries looked at, all listings (benchmarks)
        self.capped = False

    def close(self) -> None:
        if self._listing is not None:
            close = getattr(self._listing.it, "close", None)
            if close is not None:
                close()
            self._listing = None

    def _folder_key(self) -> tuple[int, ...] | None:
        try:
            st = os.stat(self.folder)
        except FileNotFoundError:
            self.problem = "Teams' log folder does not exist (yet)"
            return None
        except OSError as exc:
            self.problem = f"Teams' log folder cannot be read ({type(exc).__name__})"
            return None
        problem = self.trust.folder_problem(os.fspath(self.folder), st)
        if problem is not None:
            self.problem = problem
            return None
        return (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_ctime_ns)

    def newest(self, exclude: frozenset[str] | set[str] = frozenset()) -> str | None:
        """The main-family file written last (of those not in ``exclude``), or None with
        ``problem`` saying why. Cheap when the folder has not changed."""
        key = self._folder_key()
        self.ok = key is not None
        if key is None:
            self.close()
            self.candidates.clear()
            self._key = None
            self._relist = True
            return None
        if key != self._key:
            self._key = key
            self._relist = True
        if self._listing is None and self._relist:
            self._start_listing()
        self.problem = None
        if self._listing is not None:
            self._go_on(key)
        self._refresh()
        names = [n for n in self.candidates if n not in exclude]
        if not names:
            if self.problem is None:
                self.problem = ("no Teams log file yet" if self._listing is None
                                else "Teams' log folder is still being listed")
            return None
        return max(names, key=lambda n: (self.candidates[n], name_order(n)))

    def _start_listing(self) -> None:
        self._relist = False
        try:
            it = os.scandir(self.folder)
        except NotADirectoryError:
            self.problem = "Teams' log folder is not a folder"
            return
        except OSError as exc:
            self.problem = f"Teams' log folder cannot be read ({type(exc).__name__})"
            return
        self._listing = _Listing(it, self._wall())

    def _go_on(self, key: tuple[int, ...]) -> None:
        """List on for at most ``budget_s``; when done, the newest few become candidates."""
        listing = self._listing
        assert listing is not None
        deadline = self._clock() + self.budget_s
        finished = False
        try:
            while True:
                for _ in range(256):
                    entry = next(listing.it, None)
                    if entry is None:
                        finished = True
                        break
                    listing.seen += 1
                    name = entry.name
                    if name.startswith(PREFIX) and MAIN_LOG.fullmatch(name):
                        self._consider(listing, entry)
                if finished or listing.seen >= self.max_entries or self._clock() >= deadline:
                    break
        except OSError as exc:
            self.problem = f"Teams' log folder cannot be read ({type(exc).__name__})"
            finished = True
        self.entries_seen += listing.seen - listing.counted
        listing.counted = listing.seen
        self.capped = not finished and listing.seen >= self.max_entries
        if not (finished or self.capped):
            return
        self.close()
        self.listings += 1
        self.candidates = dict(listing.found)
        # A change within the listing's own clock tick would leave the key unchanged.
        if key[2] / 1e9 >= listing.started - RACY_S:
            self._relist = True
        if self.capped:
            self.problem = (f"Teams' log folder holds too many files: only the first "
                            f"{self.max_entries} were looked at")

    def _consider(self, listing: _Listing, entry: os.DirEntry[str]) -> None:
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            return
        if not stat.S_ISREG(st.st_mode) or not self.trust.listed_owner_ok(st):
            return
        found = listing.found
        found[entry.name] = st.st_mtime_ns
        if len(found) > 2 * self.keep:      # keep the newest few: memory stays bounded
            ranked = sorted(found, key=lambda n: (found[n], name_order(n)), reverse=True)
            listing.found = {n: found[n] for n in ranked[:self.keep]}

    def _refresh(self) -> None:
        """The candidates' modification times now (the one being written moves on); a
        removed, replaced-by-a-link or foreign one is dropped at once."""
        for name in list(self.candidates):
            try:
                st = os.lstat(self.folder / name)
            except OSError:
                del self.candidates[name]
                continue
            if not stat.S_ISREG(st.st_mode) or not self.trust.listed_owner_ok(st):
                del self.candidates[name]
            else:
                self.candidates[name] = st.st_mtime_ns

    def forget(self, name: str) -> None:
        self.candidates.pop(name, None)


__all__ = ["MAIN_LOG", "LogFolder", "PosixTrust", "Trust", "WindowsTrust", "default_trust",
           "folder_problem", "is_log_name", "name_order", "posix_folder_problem"]
