"""The audit log: append-only JSON Lines in the user data dir.

Records hold the least personal data that does the job: time, kind, the local account
name and counts/ids/versions; never meeting titles, attendee names or cache file names.
Robustness: each record is one ``write`` of a whole line; a torn last line (the process
killed mid-write) is skipped on read and fenced off by a newline on the next append.
The file rotates by size and records older than the policy's retention are removed.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from devicecheck import paths

ROTATIONS = 3  # audit.jsonl.1 .. .3 are kept besides the live file

#: Keys a record may never carry, whatever a caller passes: personal data about residents.
FORBIDDEN_KEYS = frozenset({"title", "meeting_title", "subject", "attendees", "attendee",
                            "names", "email", "emails", "files", "file_names", "token"})


def _now() -> datetime:
    return datetime.now(UTC)


def _account() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


@dataclass
class AuditLog:
    path: Path
    max_bytes: int = 1_048_576
    retention_days: int = 90
    _pruned: bool = field(default=False, init=False, repr=False)

    @classmethod
    def default(cls, max_bytes: int = 1_048_576, retention_days: int = 90) -> AuditLog:
        return cls(paths.audit_log_path(), max_bytes, retention_days)

    @classmethod
    def for_policy(cls, policy: Any) -> AuditLog:
        return cls.default(policy.audit.max_bytes, policy.audit.retention_days)

    def record(self, kind: str, **fields: Any) -> dict[str, Any]:
        """Append one record; return it. Forbidden keys raise: a bug, not data to keep."""
        bad = FORBIDDEN_KEYS & set(fields)
        if bad:
            raise ValueError(f"audit records may not carry {sorted(bad)}")
        rec = {"time": _now().isoformat(timespec="seconds").replace("+00:00", "Z"),
               "kind": kind, "account": _account(), **fields}
        line = (json.dumps(rec, ensure_ascii=False, sort_keys=False, default=str) + "\n").encode()
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not self._pruned:
            # Once per process is enough: the log is small and records age slowly.
            self._pruned = True
            self.enforce_retention()
        with self._locked():
            self._rotate_if_needed(len(line))
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                if _ends_torn(fd):
                    line = b"\n" + line
                os.write(fd, line)
            finally:
                os.close(fd)
        return rec

    def read(self, since: datetime | None = None) -> Iterator[dict[str, Any]]:
        """Every intact record, oldest first, across rotated files; torn lines skipped."""
        for file in self._files_oldest_first():
            for rec in _read_file(file):
                if since is None or _parse_time(rec) >= since:
                    yield rec

    def enforce_retention(self, now: datetime | None = None) -> int:
        """Drop records older than the retention; return how many were removed."""
        cutoff = (now or _now()) - timedelta(days=self.retention_days)
        removed = 0
        with self._locked():
            for file in self._files_oldest_first():
                recs = list(_read_file(file))
                keep = [r for r in recs if _parse_time(r) >= cutoff]
                removed += len(recs) - len(keep)
                if not keep:
                    file.unlink(missing_ok=True)
                elif len(keep) != len(recs) or _has_torn(file):
                    tmp = file.with_suffix(file.suffix + ".tmp")
                    tmp.write_text("".join(json.dumps(r, ensure_ascii=False, default=str) + "\n"
                                           for r in keep), encoding="utf-8")
                    os.chmod(tmp, 0o600)
                    os.replace(tmp, file)
        return removed

    # -- internals -------------------------------------------------------------------
    def _rotated(self, n: int) -> Path:
        return self.path.with_name(f"{self.path.name}.{n}")

    def _files_oldest_first(self) -> list[Path]:
        files = [self._rotated(n) for n in range(ROTATIONS, 0, -1)] + [self.path]
        return [f for f in files if f.exists()]

    def _rotate_if_needed(self, incoming: int) -> None:
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return
        if size + incoming <= self.max_bytes:
            return
        self._rotated(ROTATIONS).unlink(missing_ok=True)
        for n in range(ROTATIONS - 1, 0, -1):
            if self._rotated(n).exists():
                os.replace(self._rotated(n), self._rotated(n + 1))
        os.replace(self.path, self._rotated(1))

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Serialise writers (tray, watcher and CLI may write at once)."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        lock_path = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.name == "posix":
                import fcntl
                fcntl.flock(fd, fcntl.LOCK_EX)
            else:  # pragma: no cover - Windows
                import msvcrt
                msvcrt.locking(fd, msvcrt.LK_LOCK, 1)  # type: ignore[attr-defined]
            yield
        finally:
            os.close(fd)


def _ends_torn(fd: int) -> bool:
    size = os.fstat(fd).st_size
    if size == 0:
        return False
    if hasattr(os, "pread"):
        return os.pread(fd, 1, size - 1) != b"\n"
    os.lseek(fd, size - 1, os.SEEK_SET)  # Windows has no pread
    return os.read(fd, 1) != b"\n"


def _has_torn(file: Path) -> bool:
    data = file.read_bytes()
    return bool(data) and not data.endswith(b"\n")


def _read_file(file: Path) -> Iterator[dict[str, Any]]:
    try:
        data = file.read_bytes()
    except OSError:
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
