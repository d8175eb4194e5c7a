"""Follow the main ``MSTeams_*.log`` being written now in one folder: plain Python I/O, no Qt.

Which file, and whether the folder may be read at all, is ``teams/logfolder.py``'s: the
main family only, the file written last (not the highest name), only in a folder no other
user can write, at a bounded cost per poll. Here: reading it.

Teams' log can be 100 MB by the afternoon and it runs all day, so the follower never reads
a file whole: on the first look it reads a bounded tail (to recover a call already in
progress), then only what was appended, at most ``max_read`` bytes a poll. When it is
further behind than that (a 500 MB backlog took 187 s to cross at 4 MiB a poll; issue 29)
it reads the end first: the events after the unread backlog wait in ``pending`` (the log
source folds them into a provisional view, so a call going active now counts at once)
while the backlog is read in order; when it is done, ``poll()`` returns the backlog's
events and then the pending ones, so callers always get events in file order. More than
``max_pending`` waiting events, or an end that itself falls behind, give the rest of the
backlog up (counted in ``skipped``).

It copes with what a live log does:
- rotation: another main log becomes the one written (Teams starts a new file per start
  and also mid-run, mid-call): the rest of the old file is read, then the new one from its
  start; the caller keeps its call state across files. A file left is never gone back to;
- deletion: a followed file that is removed, replaced by a link or not the officer's any
  more is left at once, and the file written now is looked at afresh (a first look);
- truncation or replacement (the size shrank, or the name now holds another file): the
  file is read again from its start;
- a partial last line: buffered until its newline arrives (Teams writes lines in pieces);
- invalid UTF-8: decoded with replacement characters; a line longer than ``max_line`` is
  dropped (no call line is that long);
- a file whose in-line times are UTC with a local offset (new Teams 26225.x): told from
  its first line and its name (``teamslog.utc_quirk``), its events' times corrected;
- a missing or unreadable folder, a file that is a link, not a regular file or not the
  officer's: skipped and said in ``problem``, never followed and never a crash.

Files are opened read-only, one poll at a time, and closed again: a handle held open on
Windows would stop Teams rotating or deleting its own logs. ``O_NOFOLLOW`` (where it
exists) and an ``fstat`` after opening make sure a link swapped in is not followed, and
the owner is checked on the open file. Nothing here logs or returns a log line: only the
parsed ``LogEvent``s leave.
"""

from __future__ import annotations

import dataclasses
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from devicecheck.safefile import BINARY, CLOEXEC, NOFOLLOW, NONBLOCK
from devicecheck.teams.logfolder import LogFolder, Trust, default_trust, is_log_name, name_order
from devicecheck.teams.teamslog import (
    LogEvent,
    as_utc_wall,
    name_time,
    parse_line,
    timestamp,
    utc_quirk,
)

TAIL_BYTES = 1 << 20           # first look: the last 1 MiB
MAX_READ = 4 << 20             # per poll at most (Teams writes far less in 2 s)
MAX_LINE = 64 << 10            # a longer "line" is not a call line: dropped
MAX_PENDING = 4096             # events waiting beyond an unread backlog
HEAD_BYTES = 4096              # a file's start: its first timestamp (the UTC quirk)
MAX_REMEMBERED = 64            # files left or refused, remembered by name

_FLAGS = os.O_RDONLY | NOFOLLOW | BINARY | NONBLOCK | CLOEXEC

Opener = Callable[[str], int]


def _open_readonly(path: str) -> int:
    return os.open(path, _FLAGS)


def _pread(fd: int, offset: int, size: int) -> bytes:
    chunks: list[bytes] = []
    got = 0
    pread = getattr(os, "pread", None)
    if pread is None:
        os.lseek(fd, offset, os.SEEK_SET)
    while got < size:
        n = min(size - got, 1 << 20)
        chunk = pread(fd, n, offset + got) if pread is not None else os.read(fd, n)
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def iter_lines(read: Callable[[int], bytes], max_line: int = MAX_LINE,
               chunk: int = 1 << 20) -> Iterator[bytes]:
    """The lines of a stream (without their newline), read a chunk at a time: memory stays
    bounded whatever the file holds. A line longer than ``max_line`` is dropped."""
    lines = Lines(max_line)
    while True:
        data = read(chunk)
        if not data:
            break
        yield from lines.feed(data)
    if lines.buf and not lines.skip:
        yield lines.buf


class Lines:
    """Splits consecutive chunks of one stream into lines: a partial last line waits for the
    next chunk, an over-long one is dropped, and ``skip`` drops everything up to the next
    newline (a tail that starts mid-line)."""

    def __init__(self, max_line: int, skip: bool = False) -> None:
        self.max_line = max_line
        self.buf = b""
        self.skip = skip

    def feed(self, data: bytes) -> list[bytes]:
        if self.skip:
            cut = data.find(b"\n")
            if cut < 0:
                return []                    # still inside an over-long or partial line
            data = data[cut + 1:]
            self.skip = False
        lines = (self.buf + data).split(b"\n")
        self.buf = lines.pop()               # b"" when data ended with a newline
        if len(self.buf) > self.max_line:
            self.buf, self.skip = b"", True
        return [raw for raw in lines if len(raw) <= self.max_line]


@dataclass
class FollowedFile:
    name: str                          # folder-relative; never logged by us
    ident: tuple[int, int] | None = None
    offset: int = 0                    # the next byte to read (of the backlog, in a gap)
    quirk: bool | None = None          # in-line times are UTC (None: not told yet)
    head_seen: bool = False
    #: The gap: [offset, late_start) is unread backlog, [late_start, late_end) was read.
    late_start: int | None = None
    late_end: int = 0


class _Lost(Exception):
    """The followed file is gone, a link, or not the officer's: leave it."""


def _remember(seen: dict[str, None], name: str) -> None:
    seen.pop(name, None)
    seen[name] = None
    while len(seen) > MAX_REMEMBERED:
        seen.pop(next(iter(seen)))


class LogFollower:
    """The main Teams log being written in ``folder``; ``poll()`` returns the call events
    appended since the previous poll (on the first poll: those in the file's tail)."""

    def __init__(self, folder: Path | str, *, tail_bytes: int = TAIL_BYTES,
                 max_read: int = MAX_READ, max_line: int = MAX_LINE,
                 max_pending: int = MAX_PENDING, opener: Opener = _open_readonly,
                 trust: Trust | None = None, listing: LogFolder | None = None) -> None:
        self.folder = Path(folder)
        self.tail_bytes = tail_bytes
        self.max_read = max_read
        self.max_line = max_line
        self.max_pending = max_pending
        self._open = opener
        self.trust = trust or default_trust()
        self.listing = listing or LogFolder(self.folder, trust=self.trust)
        self.current: FollowedFile | None = None
        self.problem: str | None = None
        self.pending: list[LogEvent] = []  # read beyond an unread backlog: provisional
        self.fresh_from: int | None = None  # this poll's events from here: a first look
        self.bytes_read = 0            # for tests and benchmarks: proof of the bound
        self.files_seen = 0
        self.head_bytes_read = 0       # first lines read for the UTC quirk (once a file)
        self.skipped = 0               # backlog bytes given up
        self._main = Lines(max_line)
        self._late = Lines(max_line)
        self._first = True             # the next file is a first look
        self._left: dict[str, None] = {}
        self._refused: dict[str, None] = {}
        self._read_problem: str | None = None

    @property
    def behind(self) -> int:
        """Bytes of backlog not read yet (0 unless reading the end first)."""
        cur = self.current
        return 0 if cur is None or cur.late_start is None else cur.late_start - cur.offset

    def newest(self) -> str | None:
        """The main log written last (links, other users' files and files already left are
        ignored). Sets ``problem`` when the folder cannot be used."""
        name = self.listing.newest(self._left.keys() | self._refused.keys())
        self.problem = self.listing.problem
        return name

    def close(self) -> None:
        self.listing.close()

    # -- reading --------------------------------------------------------------------
    def poll(self) -> list[LogEvent]:
        self.fresh_from = None
        self._read_problem = None
        events: list[LogEvent] = []
        newest = self.newest()
        if self.current is not None and newest != self.current.name:
            # Another file is written now (rotation), or this one is no longer a candidate
            # (removed, a link, not ours, the folder refused): its rest first, if any.
            if self.listing.ok:
                events += self._read()
            events += self._leave()
        elif self.current is not None:
            events += self._read()
        for _ in range(2):                   # a file lost at once: the one written now
            if self.current is not None or newest is None or not self.listing.ok:
                break
            if self._switch(newest) and self.fresh_from is None:
                self.fresh_from = len(events)
            events += self._read()
            newest = self.newest() if self.current is None and self._first else None
        self.problem = self._read_problem or self.problem
        return events

    def _leave(self) -> list[LogEvent]:
        """Stop following the current file; the events still pending are returned."""
        cur = self.current
        if cur is None:
            return []
        flushed, self.pending = self.pending, []
        _remember(self._left, cur.name)
        self.listing.forget(cur.name)
        self.current = None
        return flushed

    def _switch(self, name: str) -> bool:
        """Follow ``name`` from now on: from its start (rotation), or its last
        ``tail_bytes`` on a first look (True)."""
        first, self._first = self._first, False
        self.files_seen += 1
        self._main = Lines(self.max_line)
        self._late = Lines(self.max_line)
        self.current = FollowedFile(name)
        if first:
            try:
                size = os.lstat(self.folder / name).st_size
            except OSError:
                return first
            tail = min(self.tail_bytes, self.max_read)
            if size > tail:
                # The first byte read is skipped through its newline: if it ends a line,
                # the tail starts exactly on the next one and nothing in it is lost.
                self.current.offset = size - tail
                self._main.skip = True
        return first

    def _opened(self, name: str) -> tuple[int, os.stat_result]:
        path = os.fspath(self.folder / name)
        try:
            lst = os.lstat(path)
        except FileNotFoundError:
            raise _Lost from None
        if not stat.S_ISREG(lst.st_mode):
            self._read_problem = "Teams' log is not a regular file (not followed)"
            raise _Lost
        fd = self._open(path)
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or (st.st_dev, st.st_ino) != (lst.st_dev,
                                                                        lst.st_ino):
                self._read_problem = "Teams' log changed while opening it (not followed)"
                raise _Lost
            owned = self.trust.owned(fd, st)
            if owned is not True:
                self._read_problem = ("Teams' log file is not this user's (not read)" if
                                      owned is False else
                                      "Teams' log file's owner cannot be read (not read)")
                _remember(self._refused, name)
                raise _Lost
        except BaseException:
            os.close(fd)
            raise
        return fd, st

    def _read(self) -> list[LogEvent]:
        cur = self.current
        if cur is None:
            return []
        try:
            fd, st = self._opened(cur.name)
        except _Lost:
            self._first = True               # where we are is unknown: look afresh
            return self._leave()
        except OSError as exc:
            self._read_problem = f"Teams' log cannot be read ({type(exc).__name__})"
            return []
        events: list[LogEvent] = []
        try:
            events += self._read_open(cur, fd, st)
        except OSError as exc:
            self._read_problem = f"Teams' log cannot be read ({type(exc).__name__})"
        finally:
            os.close(fd)
        return events

    def _read_open(self, cur: FollowedFile, fd: int, st: os.stat_result) -> list[LogEvent]:
        events: list[LogEvent] = []
        ident = (st.st_dev, st.st_ino)
        if (cur.ident is not None and ident != cur.ident) or st.st_size < cur.offset or (
                cur.late_start is not None and st.st_size < cur.late_end):
            # Truncated, or another file under the same name: read it from the start.
            events += self.pending
            self.pending = []
            cur.offset, cur.late_start, cur.quirk, cur.head_seen = 0, None, None, False
            self._main, self._late = Lines(self.max_line), Lines(self.max_line)
        cur.ident = ident
        if not cur.head_seen:
            self._look_at_head(cur, fd)
        size = st.st_size
        if cur.late_start is not None and size - cur.late_end > self.max_read:
            events += self._give_up_backlog(cur)    # even the end falls behind
        if cur.late_start is None and size - cur.offset > self.max_read:
            if self._read_end_first(cur, fd, size):
                return events
        if cur.late_start is None:
            data = _pread(fd, cur.offset, min(size - cur.offset, self.max_read))
            cur.offset += len(data)
            self.bytes_read += len(data)
            return events + self._events(self._main.feed(data), cur)
        # In a gap: new lines at the end first, then the backlog with the rest of the budget.
        grow = _pread(fd, cur.late_end, size - cur.late_end)
        cur.late_end += len(grow)
        self.pending += self._events(self._late.feed(grow), cur)
        data = _pread(fd, cur.offset, min(cur.late_start - cur.offset,
                                          self.max_read - len(grow)))
        cur.offset += len(data)
        self.bytes_read += len(grow) + len(data)
        events += self._events(self._main.feed(data), cur)
        if cur.offset >= cur.late_start:
            events += self.pending               # the backlog is read: all in order again
            self.pending = []
            cur.offset, cur.late_start = cur.late_end, None
            self._main = self._late
        elif len(self.pending) > self.max_pending:
            events += self._give_up_backlog(cur)
        return events

    def _read_end_first(self, cur: FollowedFile, fd: int, size: int) -> bool:
        """Far behind: read the last lines now, the backlog before them later."""
        start = max(cur.offset, size - min(self.tail_bytes, self.max_read))
        data = _pread(fd, start, size - start)
        self.bytes_read += len(data)
        cut = data.find(b"\n")
        if cut < 0:
            return False                         # one long partial line: read on in order
        cur.late_start, cur.late_end = start + cut + 1, start + len(data)
        self._late = Lines(self.max_line)
        self.pending += self._events(self._late.feed(data[cut + 1:]), cur)
        return True

    def _give_up_backlog(self, cur: FollowedFile) -> list[LogEvent]:
        assert cur.late_start is not None
        self.skipped += cur.late_start - cur.offset
        events, self.pending = self.pending, []
        cur.offset, cur.late_start = cur.late_end, None
        self._main = self._late
        return events

    def _look_at_head(self, cur: FollowedFile, fd: int) -> None:
        """Tell the UTC quirk from the file's first timestamped line and its name."""
        head = _pread(fd, 0, HEAD_BYTES)
        self.head_bytes_read += len(head)
        if b"\n" not in head:
            cur.head_seen = len(head) >= HEAD_BYTES  # else: not one whole line yet
            return
        cur.head_seen = True
        for raw in head.split(b"\n")[:-1]:
            first = timestamp(raw.decode("utf-8", errors="replace"))
            if first is not None:
                cur.quirk = utc_quirk(name_time(cur.name), first)
                return

    def _events(self, lines: list[bytes], cur: FollowedFile) -> list[LogEvent]:
        events: list[LogEvent] = []
        for raw in lines:
            if b"Call" not in raw:
                continue                         # cheap: most lines never get decoded
            ev = parse_line(raw.decode("utf-8", errors="replace"))
            if ev is None:
                continue
            if cur.quirk and ev.timestamp is not None:
                ev = dataclasses.replace(ev, timestamp=as_utc_wall(ev.timestamp))
            events.append(ev)
        return events


__all__ = ["MAX_LINE", "MAX_PENDING", "MAX_READ", "TAIL_BYTES", "LogFollower", "is_log_name",
           "iter_lines", "name_order"]
