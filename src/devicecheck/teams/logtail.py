"""Follow the newest ``MSTeams_*.log`` in one folder: plain Python I/O, no Qt.

Teams' log can be 100 MB by the afternoon and it runs all day, so the follower never reads
a file whole: on the first look it reads a bounded tail (to recover a call already in
progress), then only what was appended, at most ``max_read`` bytes a poll.

It copes with what a live log does:
- rotation: a file with a later name appears (Teams starts a new file per start and also
  mid-run, mid-call): the rest of the old file is read, then the new one from its start
  (its tail if it is already large); the caller keeps its call state across files;
- truncation or replacement (the size shrank, or the name now holds another file): the
  file is read again from its start;
- a partial last line: buffered until its newline arrives (Teams writes lines in pieces);
- invalid UTF-8: decoded with replacement characters; a line longer than ``max_line`` is
  dropped (no call line is that long);
- a missing or unreadable folder, a file that is a link or not a regular file: skipped and
  said in ``problem``, never followed and never a crash.

Files are opened read-only, one poll at a time, and closed again: a handle held open on
Windows would stop Teams rotating or deleting its own logs. ``O_NOFOLLOW`` (where it
exists) and an ``fstat`` after opening make sure a link swapped in is not followed.
Nothing here logs or returns a log line: only the parsed ``LogEvent``s leave.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from devicecheck.teams.teamslog import LogEvent, parse_line

PREFIX, SUFFIX = "MSTeams_", ".log"
TAIL_BYTES = 1 << 20           # first look: the last 1 MiB
MAX_READ = 4 << 20             # per poll at most (Teams writes far less in 2 s)
MAX_LINE = 64 << 10            # a longer "line" is not a call line: dropped

_FLAGS = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
          | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))

Opener = Callable[[str], int]


def _open_readonly(path: str) -> int:
    return os.open(path, _FLAGS)


def is_log_name(name: str) -> bool:
    return name.startswith(PREFIX) and name.endswith(SUFFIX) and len(name) > len(PREFIX + SUFFIX)


def name_order(name: str) -> tuple[tuple[int, int | str], ...]:
    """Names sort by the start time and sequence number in them, numbers as numbers
    (``...00.100.log`` after ``...00.99.log``)."""
    return tuple((0, int(part)) if part.isdigit() else (1, part)
                 for part in re.split(r"(\d+)", name) if part)


def iter_lines(read: Callable[[int], bytes], max_line: int = MAX_LINE,
               chunk: int = 1 << 20) -> Iterator[bytes]:
    """The lines of a stream (without their newline), read a chunk at a time: memory stays
    bounded whatever the file holds. A line longer than ``max_line`` is dropped."""
    buf = b""
    skipping = False
    while True:
        data = read(chunk)
        if not data:
            break
        parts = (buf + data).split(b"\n")
        buf = parts.pop()
        for part in parts:
            if skipping:
                skipping = False
            elif len(part) <= max_line:
                yield part
        if len(buf) > max_line:
            buf, skipping = b"", True
    if buf and not skipping:
        yield buf


@dataclass
class FollowedFile:
    name: str                          # folder-relative; never logged by us
    ident: tuple[int, int] | None = None
    offset: int = 0


class LogFollower:
    """The newest Teams log of ``folder``; ``poll()`` returns the call events appended since
    the previous poll (on the first poll: those in the file's tail)."""

    def __init__(self, folder: Path | str, *, tail_bytes: int = TAIL_BYTES,
                 max_read: int = MAX_READ, max_line: int = MAX_LINE,
                 opener: Opener = _open_readonly) -> None:
        self.folder = Path(folder)
        self.tail_bytes = tail_bytes
        self.max_read = max_read
        self.max_line = max_line
        self._open = opener
        self.current: FollowedFile | None = None
        self.problem: str | None = None
        self.bytes_read = 0            # for tests and benchmarks: proof of the bound
        self.files_seen = 0
        self._buf = b""
        self._skip_to_newline = False

    # -- which file -----------------------------------------------------------------
    def newest(self) -> str | None:
        """The newest log's name (names sort by start time and sequence number). Links and
        anything but regular files are ignored. Sets ``problem`` when the folder cannot be
        read."""
        try:
            with os.scandir(self.folder) as it:
                names = [e.name for e in it
                         if is_log_name(e.name) and e.is_file(follow_symlinks=False)]
        except FileNotFoundError:
            self.problem = "Teams' log folder does not exist (yet)"
            return None
        except NotADirectoryError:
            self.problem = "Teams' log folder is not a folder"
            return None
        except OSError as exc:
            self.problem = f"Teams' log folder cannot be read ({type(exc).__name__})"
            return None
        if not names:
            self.problem = "no Teams log file yet"
            return None
        self.problem = None
        return max(names, key=name_order)

    # -- reading --------------------------------------------------------------------
    def poll(self) -> list[LogEvent]:
        newest = self.newest()
        if self.current is None:
            if newest is None:
                return []
            self._switch(newest, first=True)
            return self._read()
        events: list[LogEvent] = []
        if newest is not None and name_order(newest) > name_order(self.current.name):
            events += self._read()          # the end of the old file first
            self._switch(newest, first=False)
        return events + self._read()

    def _switch(self, name: str, *, first: bool) -> None:
        """Follow ``name`` from now on: from its start when it is new and small, else from
        its last ``tail_bytes`` (the first look, or a large file we were late to see)."""
        self.files_seen += 1
        self._buf = b""
        self._skip_to_newline = False
        self.current = FollowedFile(name)
        try:
            st = os.lstat(self.folder / name)
        except OSError:
            return
        if first or st.st_size > self.tail_bytes:
            if st.st_size > self.tail_bytes:
                # The first byte read is skipped through its newline: if it ends a line,
                # the tail starts exactly on the next one and nothing in it is lost.
                self.current.offset = st.st_size - self.tail_bytes
                self._skip_to_newline = True

    def _read(self) -> list[LogEvent]:
        cur = self.current
        if cur is None:
            return []
        path = os.fspath(self.folder / cur.name)
        try:
            lst = os.lstat(path)
            if not stat.S_ISREG(lst.st_mode):
                self.problem = "Teams' log is not a regular file (not followed)"
                return []
            fd = self._open(path)
        except FileNotFoundError:
            return []                       # rotated away: the next poll finds the new one
        except OSError as exc:
            self.problem = f"Teams' log cannot be read ({type(exc).__name__})"
            return []
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or (st.st_dev, st.st_ino) != (lst.st_dev,
                                                                        lst.st_ino):
                self.problem = "Teams' log changed while opening it (not followed)"
                return []
            ident = (st.st_dev, st.st_ino)
            if (cur.ident is not None and ident != cur.ident) or st.st_size < cur.offset:
                # Truncated, or another file under the same name: read it from the start.
                cur.offset = 0
                self._buf = b""
                self._skip_to_newline = False
            cur.ident = ident
            want = min(st.st_size - cur.offset, self.max_read)
            if want <= 0:
                return []
            os.lseek(fd, cur.offset, os.SEEK_SET)
            chunks: list[bytes] = []
            got = 0
            while got < want:
                chunk = os.read(fd, min(want - got, 1 << 20))
                if not chunk:
                    break
                chunks.append(chunk)
                got += len(chunk)
        except OSError as exc:
            self.problem = f"Teams' log cannot be read ({type(exc).__name__})"
            return []
        finally:
            os.close(fd)
        cur.offset += got
        self.bytes_read += got
        return self._lines(b"".join(chunks))

    def _lines(self, data: bytes) -> list[LogEvent]:
        if self._skip_to_newline:
            cut = data.find(b"\n")
            if cut < 0:
                return []                    # still inside an over-long or partial line
            data = data[cut + 1:]
            self._skip_to_newline = False
        data = self._buf + data
        lines = data.split(b"\n")
        self._buf = lines.pop()              # b"" when data ended with a newline
        if len(self._buf) > self.max_line:
            self._buf = b""
            self._skip_to_newline = True
        events: list[LogEvent] = []
        for raw in lines:
            if len(raw) > self.max_line or b"Call" not in raw:
                continue                     # cheap: most lines never get decoded
            ev = parse_line(raw.decode("utf-8", errors="replace"))
            if ev is not None:
                events.append(ev)
        return events


__all__ = ["MAX_LINE", "MAX_READ", "TAIL_BYTES", "LogFollower", "is_log_name", "iter_lines",
           "name_order"]
