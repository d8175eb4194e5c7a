"""Which of a Teams client's files the Restart Manager is asked about (``winrestart.py``):
a bounded list of the files a running client always holds open, under its catalogued
Windows data folders. Registering a file changes nothing in it; it only lets
``RmGetList`` name the processes that hold it.
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
import stat
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from devicecheck.cleaner.winrestart import MAX_LOCK_FILES
from devicecheck.clients import CLIENTS

PER_PATTERN = 8            # newest first: rotated logs must not crowd out the locks

#: Per client, below each of its catalogued Windows roots: files a running client keeps
#: open (its entry's ``windows_held_files``, ``devicecheck/clients.py``). Chromium/WebView2
#: holds ``lockfile`` in its user-data folder for its whole life (chrome_constants'
#: kLockFileName on Windows, as Chromium-based importers read it), the
#: LevelDB ``LOCK`` of Local Storage and each IndexedDB origin, and its SQLite stores;
#: new Teams writes its current ``Logs\\MSTeams_*.log`` itself (shared/reference/teams.md).
#: Registering a file changes nothing in it: sign-in stores (Cookies) are listed because
#: they are held, not to be cleared.
LOCK_PATTERNS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {c.id: c.windows_held_files for c in CLIENTS.values() if c.windows_held_files})


def _matches(base: str, pattern: str) -> list[os.DirEntry[str]]:
    """Regular files below ``base`` matching ``pattern`` (``/``-separated); never through
    or onto a link or reparse point."""
    parts = [p for p in pattern.split("/") if p]
    level = [base]
    for i, part in enumerate(parts):
        nxt: list[str] = []
        found: list[os.DirEntry[str]] = []
        for folder in level:
            try:
                with os.scandir(folder) as it:
                    entries = [e for e in it if fnmatch.fnmatchcase(e.name, part)]
            except OSError:
                continue
            for e in entries:
                try:
                    st = e.stat(follow_symlinks=False)
                except OSError:
                    continue
                if stat.S_ISLNK(st.st_mode) or getattr(st, "st_file_attributes", 0) & 0x400:
                    continue   # FILE_ATTRIBUTE_REPARSE_POINT
                if i == len(parts) - 1:
                    if stat.S_ISREG(st.st_mode):
                        found.append(e)
                elif stat.S_ISDIR(st.st_mode):
                    nxt.append(e.path)
        if i == len(parts) - 1:
            return found
        level = nxt
    return []


def lock_files(client_id: str, env: Mapping[str, str], home: Any,
               cap: int = MAX_LOCK_FILES) -> list[str]:
    """Full paths of the client's held files under its catalogued Windows roots: at most
    ``cap``, locks first, then stores, then the newest logs."""
    from devicecheck.cleaner.catalogue import CLIENTS as CATALOGUE
    from devicecheck.cleaner.plan import resolve_base

    spec = CATALOGUE.get(client_id)
    out: list[str] = []
    for root_spec in spec.roots.get("windows", ()) if spec else ():
        root = os.fspath(resolve_base(root_spec.base, env, home).joinpath(*root_spec.parts))
        for pattern in LOCK_PATTERNS.get(client_id, ()):
            hits = _matches(root, pattern)
            with contextlib.suppress(OSError):
                hits.sort(key=lambda e: e.stat(follow_symlinks=False).st_mtime, reverse=True)
            for e in hits[:PER_PATTERN]:
                if len(out) >= cap:
                    return out
                out.append(e.path)
    return out
