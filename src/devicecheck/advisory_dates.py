"""When each advisory problem was first seen, so the "fix by" date stays put (issue 19).

``[checks] advisory_grace_days`` gives officers that many days to fix an advisory problem.
Counted from the report's own time, the date moved a day later every day; counted from
the first sighting it is a deadline. This module remembers, per check id, the DATE (no
time: the least personal data that does the job) a check was first seen as an advisory
problem, in the officer's DeviceCheck folder (``paths.user_data_dir()``, beside the audit
log), and forgets it once the check passes (or IT turns it off).

The file is the officer's to write, so it is read as untrusted input: at most
``MAX_BYTES``, opened without following links or blocking (``safefile``: a FIFO here
would otherwise hang the report), a regular file of this account only; anything else, or content that is not the
expected shape, means "start afresh" (today becomes the first sighting), never a crash.
It is written atomically (a fresh temp file, created exclusively, then ``os.replace``,
which replaces a link itself and never writes through it).

A deleted file restarts the count: the deadline is a reminder for the officer, not a
control (IT's record of how long a problem lasted is the audit log's "report" records).
"""

from __future__ import annotations

import errno
import json
import logging
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING

from devicecheck import paths, safefile
from devicecheck.checks.status import Status

if TYPE_CHECKING:
    from devicecheck.checks.base import CheckResult
    from devicecheck.report import Report

log = logging.getLogger(__name__)

FILE_NAME = "advisory-first-seen.json"
VERSION = 1
#: Far more than every check's entry needs (about 40 bytes each); a bigger file is not ours.
MAX_BYTES = 16 * 1024
#: At most this many entries are kept (the registry has a dozen checks; plug-ins add few).
MAX_ENTRIES = 100
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


def default_path() -> Path:
    return paths.user_data_dir() / FILE_NAME


def parse(text: str, today: date) -> dict[str, date] | None:
    """The entries of a first-seen file (pure), or None when it is not one (start
    afresh). An entry with a bad id or date, or a date after ``today`` (a wrong clock, or
    an edit that would push the deadline away), is dropped on its own."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # not JSON, or nested deep enough to overflow
        return None
    if not isinstance(data, dict) or data.get("version") != VERSION:
        return None
    seen = data.get("first_seen")
    if not isinstance(seen, dict):
        return None
    out: dict[str, date] = {}
    for key, value in list(seen.items())[:MAX_ENTRIES]:
        if not isinstance(key, str) or not _ID.match(key) or not isinstance(value, str):
            continue
        try:
            when = date.fromisoformat(value)
        except ValueError:
            continue
        if when <= today:
            out[key] = when
    return out


def render(entries: Mapping[str, date]) -> str:
    return json.dumps({"version": VERSION, "first_seen": {
        k: v.isoformat() for k, v in sorted(entries.items())}}, indent=1) + "\n"


def advisory_problems(results: Iterable[CheckResult]) -> set[str]:
    """Ids of the results the grace period is about: problems that do not block."""
    return {r.id for r in results if r.needs_attention}


def merge(old: Mapping[str, date], results: Iterable[CheckResult],
          today: date) -> dict[str, date]:
    """The entries after a run (pure): each advisory problem keeps its first sighting (or
    gets ``today``); a check that passed, was skipped, now blocks or is gone is forgotten.
    A check that could not be read this time keeps its date: unknown is not a fix."""
    results = list(results)
    current = advisory_problems(results)
    unreadable = {r.id for r in results if r.status is Status.UNKNOWN and r.id in old}
    keep = {k: v for k, v in old.items() if k in current or k in unreadable}
    for check_id in sorted(current):
        keep.setdefault(check_id, today)
    return dict(list(keep.items())[:MAX_ENTRIES])


class FirstSeenStore:
    """The first-seen file. Every method swallows file errors (logged without content):
    a missing date means the verdict counts from today, which is the safe side."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()

    def load(self, today: date) -> tuple[dict[str, date], bool]:
        """The entries, and whether the file was fine (missing counts as fine): a file
        that was not is rewritten on the next update."""
        try:
            text = self._read()
        except OSError as exc:
            if exc.errno == errno.ENOENT:
                return {}, True
            log.warning("advisory first-seen dates not readable (%s): starting afresh",
                        exc.strerror or type(exc).__name__)
            return {}, False
        entries = parse(text, today)
        if entries is None:
            log.warning("advisory first-seen dates not in the expected form: starting afresh")
            return {}, False
        return entries, True

    def _read(self) -> str:
        # Non-blocking, no links, regular files only (safefile): a FIFO here once hung.
        fd = safefile.open_regular(self.path, os.O_RDONLY)
        try:
            st = os.fstat(fd)
            if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
                raise OSError(errno.EPERM, "belongs to another account")
            if st.st_size > MAX_BYTES:
                raise OSError(errno.EFBIG, "too big")
            data = os.read(fd, MAX_BYTES + 1)
        finally:
            os.close(fd)
        if len(data) > MAX_BYTES:
            raise OSError(errno.EFBIG, "too big")
        return data.decode("utf-8", "replace")

    def save(self, entries: Mapping[str, date]) -> bool:
        folder = self.path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            if os.path.islink(folder):
                raise OSError(errno.ELOOP, "the folder is a link")
            # Its temp file (.<name>.<pid>.tmp): a crash's leftover or a planted link
            # there is removed, not followed.
            safefile.write_private(self.path, render(entries).encode("utf-8"))
        except OSError as exc:
            log.warning("advisory first-seen dates not saved (%s)",
                        exc.strerror or type(exc).__name__)
            return False
        return True

    def update(self, results: Iterable[CheckResult], today: date | None = None
               ) -> date | None:
        """Record this run's advisory problems; return the earliest first sighting among
        them (None when there are none). Writes only when something changed."""
        today = today or date.today()
        results = list(results)
        old, fine = self.load(today)
        new = merge(old, results, today)
        if new != old or not fine:
            self.save(new)
        current = advisory_problems(results)
        dates = [d for k, d in new.items() if k in current]
        return min(dates) if dates else None


def advisory_since(results: Iterable[CheckResult], store: FirstSeenStore | None = None,
                   today: date | None = None) -> datetime | None:
    """``verdict_words``' ``since``: the earliest first sighting of the current advisory
    problems, at local noon of that day (so adding whole days never crosses a date line
    through a clock change), or None when there are none."""
    first = (store or FirstSeenStore()).update(results, today)
    return datetime.combine(first, time(12)).astimezone() if first is not None else None


def with_first_seen(report: Report, store: FirstSeenStore | None = None) -> Report:
    """``report`` with ``advisory_since`` from the store (updated by this report)."""
    return replace(report, advisory_since=advisory_since(report.checks, store))


__all__ = ["FILE_NAME", "MAX_BYTES", "FirstSeenStore", "advisory_since", "default_path",
           "merge", "parse", "render", "with_first_seen"]
