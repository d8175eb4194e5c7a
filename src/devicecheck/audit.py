"""The audit log: append-only JSON Lines in the user data dir, and a copy of every record
in the operating system's log (``oslog``), which is the one IT relies on.

Records hold the least personal data that does the job: time, kind, the local account
name and counts/ids/versions; never meeting titles, attendee names or cache file names.
Robustness: each record is one ``write`` of a whole line; a torn last line (the process
killed mid-write) is skipped on read and fenced off by a newline on the next append.
The file rotates by size and records older than the policy's retention are removed.

Hardening (issue 17): the folder must be the user's own real folder, every file in it is
opened without following links (``O_NOFOLLOW``; temp files also ``O_EXCL``), the account
name comes from the OS, never from ``LOGNAME``/``USER``, and each kind is rate-limited so
a flood of one kind cannot rotate every earlier record out.

No open may block (issue 29): a FIFO planted as ``audit.jsonl`` once hung ``check``,
``clean``, ``log`` and the tray's main thread in ``open(2)``, before the OS-log copy was
sent. Every file is opened through ``safefile`` (``O_NONBLOCK``, regular files only),
and the writers' lock is waited for ``LOCK_WAIT_S`` at most.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import stat
import sys
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from devicecheck import oslog, paths, safefile

log = logging.getLogger(__name__)

ROTATIONS = 3  # audit.jsonl.1 .. .3 are kept besides the live file
#: How long a writer waits for another's lock. Real writers hold it for milliseconds (one
#: line, or a rewrite of at most ``max_bytes``); a process holding it for good must not
#: hang the CLI or the tray, and the OS-log copy is sent either way.
LOCK_WAIT_S = 2.0

#: Keys a record may never carry, whatever a caller passes: personal data about residents.
FORBIDDEN_KEYS = frozenset({"title", "meeting_title", "subject", "attendees", "attendee",
                            "names", "email", "emails", "files", "file_names", "token"})


class AuditPathError(OSError):
    """The audit folder or a file in it is not safe to write (a link, someone else's).
    An OSError, so every caller's "could not write the audit log" path reports it."""


def _now() -> datetime:
    return datetime.now(UTC)


# -- the account -----------------------------------------------------------------------
def _printable(text: str) -> str:
    """Text safe to keep and print: undecodable bytes and control characters replaced."""
    fixed = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return "".join("?" if unicodedata.category(c) in ("Cc", "Cs") else c for c in fixed)


def _os_account() -> str:
    """The account this process runs as, from the OS: environment variables are the
    caller's to set (a non-UTF-8 or multi-line LOGNAME once crashed a clean after it had
    deleted, losing the record, and forged a line in ``devicecheck log``)."""
    if sys.platform == "win32":  # pragma: no cover - Windows only
        import ctypes
        from ctypes import wintypes

        size = wintypes.DWORD(257)  # UNLEN + 1
        buf = ctypes.create_unicode_buffer(size.value)
        advapi32 = ctypes.WinDLL("advapi32", use_last_error=True)
        if advapi32.GetUserNameW(buf, ctypes.byref(size)):
            return str(buf.value)
        return "unknown"
    import pwd

    uid = os.getuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid-{uid}"  # no passwd entry (a container): the number is still the truth


def _account() -> str:
    try:
        name = _printable(_os_account()).strip()
    except OSError:
        return "unknown"
    return name[:104] or "unknown"


def _clean(value: Any) -> Any:
    """Every string in a record made encodable and printable (keys too)."""
    if isinstance(value, str):
        return _printable(value)
    if isinstance(value, Mapping):
        return {_printable(str(k)): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_clean(v) for v in value]
    return value


# -- rate limit ------------------------------------------------------------------------
class RateLimiter:
    """A token bucket per (log file, kind): ``burst`` records at once, then one every
    ``refill_s``. People make a handful of records an hour; a faulty or hostile signal
    (10,000 frames/s once wrote 25,000 ``meeting-ended`` records and rotated out every
    earlier record) is cut to a trickle. Dropped records are counted and the next record
    of that kind that passes carries ``suppressed``: the flood itself stays on record."""

    def __init__(self, burst: int = 20, refill_s: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.burst, self.refill_s, self._clock = burst, refill_s, clock
        self._buckets: dict[tuple[str, str], tuple[float, float, int]] = {}
        self._lock = threading.Lock()

    def admit(self, path: str, kind: str) -> tuple[bool, int]:
        """(may this record be written, how many of its kind were dropped before it)."""
        now = self._clock()
        with self._lock:
            tokens, last, dropped = self._buckets.get((path, kind), (float(self.burst), now, 0))
            tokens = min(float(self.burst), tokens + (now - last) / self.refill_s)
            if tokens < 1.0:
                self._buckets[(path, kind)] = (tokens, now, dropped + 1)
                return False, 0
            self._buckets[(path, kind)] = (tokens - 1.0, now, 0)
            return True, dropped


#: Shared by every AuditLog of the process: the tray, its monitor and its cleaner each
#: build their own AuditLog, but the flood must be counted once.
SHARED_LIMITER = RateLimiter()


def _shared_limiter() -> RateLimiter | None:
    return SHARED_LIMITER


@dataclass
class AuditLog:
    path: Path
    max_bytes: int = 1_048_576
    retention_days: int = 90
    #: Where the OS-log copy goes; None: local file only (policy ``[audit] os_log = false``).
    os_log: oslog.OsLogWriter | None = None
    #: None: no rate limit (tests of the file format that write thousands of records).
    limiter: RateLimiter | None = field(default_factory=_shared_limiter)
    #: Why the last OS-log write failed, or None when it worked (or was not tried).
    os_log_error: str | None = field(default=None, init=False)
    #: Whether the last ``record`` call was dropped by the rate limit.
    last_suppressed: bool = field(default=False, init=False)
    _pruned: bool = field(default=False, init=False, repr=False)

    @classmethod
    def default(cls, max_bytes: int = 1_048_576, retention_days: int = 90, *,
                os_log: bool = True) -> AuditLog:
        return cls(paths.audit_log_path(), max_bytes, retention_days,
                   os_log=oslog.system_writer() if os_log else None)

    @classmethod
    def for_policy(cls, policy: Any) -> AuditLog:
        return cls.default(policy.audit.max_bytes, policy.audit.retention_days,
                           os_log=oslog.enabled(policy))

    def record(self, kind: str, **fields: Any) -> dict[str, Any]:
        """Append one record and copy it to the OS log; return it. Forbidden keys raise:
        a bug, not data to keep. A record dropped by the rate limit is returned unwritten
        (``last_suppressed``). The OS-log copy never raises; the local file may (OSError)."""
        bad = FORBIDDEN_KEYS & set(fields)
        if bad:
            raise ValueError(f"audit records may not carry {sorted(bad)}")
        rec: dict[str, Any] = _clean(
            {"time": _now().isoformat(timespec="seconds").replace("+00:00", "Z"),
             "kind": kind, "account": _account(), **fields})
        self.last_suppressed = False
        if self.limiter is not None:
            admitted, dropped = self.limiter.admit(str(self.path), rec["kind"])
            if not admitted:
                self.last_suppressed = True
                return rec
            if dropped:
                rec["suppressed"] = dropped
        try:
            self._append(rec)
        finally:
            # The OS log gets the record even when the local file is refused or full.
            self._copy_to_os_log(rec)
        return rec

    def _append(self, rec: Mapping[str, Any]) -> None:
        line = (json.dumps(rec, ensure_ascii=False, sort_keys=False, default=str) + "\n").encode()
        self._ensure_folder()
        if not self._pruned:
            # Once per process is enough: the log is small and records age slowly.
            self._pruned = True
            self.enforce_retention()
        with self._locked():
            self._rotate_if_needed(len(line))
            fd = self._open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT)
            try:
                if _ends_torn(fd):
                    line = b"\n" + line
                os.write(fd, line)
            finally:
                os.close(fd)

    def _copy_to_os_log(self, rec: Mapping[str, Any]) -> None:
        if self.os_log is None:
            return
        try:
            self.os_log.write(oslog.to_event(rec))
        except oslog.OsLogUnavailable as exc:
            if self.os_log_error is None:
                log.info("the OS log is unavailable: %s", exc)
            self.os_log_error = str(exc)
        except Exception as exc:  # noqa: BLE001 - a back-end bug must not lose the record
            self.os_log_error = f"{type(exc).__name__}: {exc}"
            log.warning("the OS log writer failed: %s", self.os_log_error)
        else:
            self.os_log_error = None

    def read(self, since: datetime | None = None) -> Iterator[dict[str, Any]]:
        """Every intact record, oldest first, across rotated files; torn lines skipped."""
        for file in self._files_oldest_first():
            for rec in _read_file(file):
                if since is None or _parse_time(rec) >= since:
                    yield rec

    def unreadable(self) -> list[str]:
        """Why each of the log's files that is there cannot be read (a link, a FIFO, a
        folder...): ``read`` skips them, ``devicecheck log`` says so."""
        out: list[str] = []
        for file in self._files_oldest_first():
            try:
                os.close(safefile.open_regular(file, os.O_RDONLY))
            except OSError as exc:
                why = "a link" if exc.errno == errno.ELOOP else (exc.strerror or str(exc))
                out.append(f"{file}: {why}")
        return out

    def enforce_retention(self, now: datetime | None = None) -> int:
        """Drop records older than the retention; return how many were removed."""
        cutoff = (now or _now()) - timedelta(days=self.retention_days)
        removed = 0
        with self._locked():
            for file in self._files_oldest_first():
                if _read_bytes(file) is None:
                    continue  # a link or a non-file: left alone here, refused on append
                recs = list(_read_file(file))
                keep = [r for r in recs if _parse_time(r) >= cutoff]
                removed += len(recs) - len(keep)
                if not keep:
                    file.unlink(missing_ok=True)
                elif len(keep) != len(recs) or _has_torn(file):
                    self._rewrite(file, keep)
        return removed

    # -- internals -------------------------------------------------------------------
    def _ensure_folder(self) -> None:
        """Create the folder (0700) or check the existing one: a real folder, not a link,
        owned by this account. One too open is tightened: it is ours."""
        folder = self.path.parent
        folder.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=0o700)
        st = os.lstat(folder)
        if stat.S_ISLNK(st.st_mode) or _is_reparse(st):
            raise AuditPathError(errno.ELOOP, f"refusing to write the audit log: its folder "
                                 f"{folder} is a link (it must be a real folder)")
        if not stat.S_ISDIR(st.st_mode):
            raise AuditPathError(errno.ENOTDIR, f"refusing to write the audit log: {folder} "
                                 "is not a folder")
        if hasattr(os, "geteuid"):
            if st.st_uid != os.geteuid():
                raise AuditPathError(errno.EPERM, f"refusing to write the audit log: its folder "
                                     f"{folder} belongs to another account (uid {st.st_uid})")
            if st.st_mode & 0o022:
                os.chmod(folder, 0o700)

    def _open(self, file: Path, flags: int, *, exclusive: bool = False) -> int:
        """Open a file in the audit folder without following a link or blocking (a FIFO);
        refuse anything but our own regular file with one name."""
        extra = os.O_EXCL | os.O_CREAT if exclusive else 0
        try:
            fd = safefile.open_regular(file, flags | extra, 0o600)
        except OSError as exc:
            if (refused := _refusal(file, exc, exclusive=exclusive)) is None:
                raise
            raise refused from exc
        st = os.fstat(fd)
        problem = None
        if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
            problem = f"belongs to another account (uid {st.st_uid})"
        elif st.st_nlink > 1:
            problem = "has other hard links"
        if problem:
            os.close(fd)
            raise AuditPathError(errno.EPERM, f"refusing to write the audit log: {file} {problem}")
        return fd

    def _rewrite(self, file: Path, keep: list[dict[str, Any]]) -> None:
        tmp = file.with_name(file.name + ".tmp")
        data = "".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in keep)
        # A leftover temp file (a crash) or a planted link is removed, never written
        # through: unlink removes the link itself, and O_EXCL refuses anything re-created.
        try:
            safefile.write_private(file, data.encode(), tmp=tmp)
        except OSError as exc:
            if (refused := _refusal(tmp, exc, exclusive=True)) is None:
                raise
            raise refused from exc

    def _rotated(self, n: int) -> Path:
        return self.path.with_name(f"{self.path.name}.{n}")

    def _files_oldest_first(self) -> list[Path]:
        files = [self._rotated(n) for n in range(ROTATIONS, 0, -1)] + [self.path]
        return [f for f in files if os.path.lexists(f)]

    def _rotate_if_needed(self, incoming: int) -> None:
        try:
            size = os.lstat(self.path).st_size
        except FileNotFoundError:
            return
        if size + incoming <= self.max_bytes:
            return
        self._rotated(ROTATIONS).unlink(missing_ok=True)
        for n in range(ROTATIONS - 1, 0, -1):
            if os.path.lexists(self._rotated(n)):
                os.replace(self._rotated(n), self._rotated(n + 1))
        os.replace(self.path, self._rotated(1))  # renames a link itself, never its target

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Serialise writers (tray, watcher and CLI may write at once)."""
        self._ensure_folder()
        lock_path = self.path.with_name(self.path.name + ".lock")
        fd = self._open(lock_path, os.O_RDWR | os.O_CREAT)
        try:
            _lock_within(fd, LOCK_WAIT_S)
            yield
        finally:
            os.close(fd)


def _refusal(file: Path, exc: OSError, *, exclusive: bool) -> AuditPathError | None:
    """The refusal, in words, when a failed open of ``file`` met a FIFO, a folder, a link
    or a file re-created under an exclusive create; None for other errors (raised as
    they came)."""
    if isinstance(exc, safefile.NotRegularFile):
        return AuditPathError(errno.EPERM, f"refusing to write the audit log: {file} is "
                              f"{exc.strerror}")
    if exc.errno == errno.ELOOP or (exc.errno == errno.EEXIST and exclusive):
        return AuditPathError(exc.errno, f"refusing to write the audit log: {file} is a "
                              "link or already exists")
    return None


def _lock_within(fd: int, seconds: float) -> None:
    """``flock(LOCK_EX)`` waited for ``seconds`` at most (TimeoutError, an OSError, after).
    Windows: ``msvcrt.locking``, which itself gives up after about 10 s."""
    if sys.platform == "win32":  # pragma: no cover - Windows
        import msvcrt
        msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
        return
    import fcntl

    deadline = time.monotonic() + seconds
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise TimeoutError(errno.ETIMEDOUT, "the audit log is held by another process "
                                   f"(waited {seconds:g} s)") from None
            time.sleep(0.01)


def _is_reparse(st: os.stat_result) -> bool:
    # Windows junctions and symlinks are reparse points (0x400); stat has no such field elsewhere.
    return bool(getattr(st, "st_file_attributes", 0) & 0x400)


def _ends_torn(fd: int) -> bool:
    size = os.fstat(fd).st_size
    if size == 0:
        return False
    if sys.platform != "win32":
        return os.pread(fd, 1, size - 1) != b"\n"
    os.lseek(fd, size - 1, os.SEEK_SET)  # Windows has no pread
    return os.read(fd, 1) != b"\n"


def _read_bytes(file: Path) -> bytes | None:
    """A file's bytes, or None for a link, a non-file (a FIFO is never waited on) or an
    unreadable one."""
    try:
        fd = safefile.open_regular(file, os.O_RDONLY)
    except OSError:
        return None
    try:
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _has_torn(file: Path) -> bool:
    data = _read_bytes(file)
    return data is not None and bool(data) and not data.endswith(b"\n")


def _read_file(file: Path) -> Iterator[dict[str, Any]]:
    data = _read_bytes(file)
    if data is None:
        return
    for raw in data.split(b"\n"):
        if not raw.strip():
            continue
        try:
            rec = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue  # a torn or damaged line: skip it, keep the rest
        if isinstance(rec, dict) and "time" in rec and "kind" in rec:
            yield rec


def _parse_time(rec: Mapping[str, Any]) -> datetime:
    try:
        t = datetime.fromisoformat(str(rec["time"]).replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return t if t.tzinfo else t.replace(tzinfo=UTC)
