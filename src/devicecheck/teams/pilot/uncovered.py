"""Meeting data the catalogue does not know: folders written during the pilot's meeting.

Before ``join`` and after ``leave`` the runner lists every file under each Teams client's
data roots (``list_files``: size and modification time only, never a link followed, with
a budget). Files new or changed in between that no catalogue entry covers (clear *or*
keep: ``cleaner/plan.py`` with every category, so the council's cleaner mode does not
hide a store) are meeting data DeviceCheck would leave behind. They are reported by the
*store*: the first folder on the way down from the client's root that holds no
catalogued entry, as a path relative to that root — never a file's name, and a folder
name that looks like an address is masked — so IT can report the gap without copying
anyone's data.
"""

from __future__ import annotations

import os
import re
import stat
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from devicecheck.osinfo import OsName

if TYPE_CHECKING:
    from devicecheck.cleaner.plan import RootPlan

Rel = tuple[str, ...]
#: (size, mtime in ns): what tells a file was written.
Signature = tuple[int, int]
MAX_ENTRIES = 200_000
MAX_SECONDS = 10.0
MASK = "…"
_ADDRESS = re.compile(r"@|\b\d{1,3}(?:\.\d{1,3}){3}\b|[0-9a-fA-F]{4}(?::[0-9a-fA-F]{0,4}){3,}")


@dataclass(frozen=True)
class RootKey:
    """One data root of a client, named as the catalogue names it (never by path)."""

    client: str
    label: str


@dataclass(frozen=True)
class Gap:
    client: str
    root: str
    folder: str
    files: int

    def as_dict(self) -> dict[str, object]:
        return {"client": self.client, "root": self.root, "folder": self.folder,
                "files": self.files}


def list_files(root: Path, *, max_entries: int = MAX_ENTRIES,
               max_seconds: float = MAX_SECONDS) -> tuple[dict[Rel, Signature], bool]:
    """Every regular file below ``root`` (relative parts -> signature), and whether the
    listing is complete. Links are never followed; unreadable folders are skipped."""
    files: dict[Rel, Signature] = {}
    end = time.monotonic() + max_seconds
    entries = 0
    stack: list[tuple[str, Rel]] = [(os.fspath(root), ())]
    while stack:
        path, rel = stack.pop()
        try:
            with os.scandir(path) as it:
                batch = list(it)
        except OSError:
            continue
        for entry in batch:
            entries += 1
            if entries > max_entries or time.monotonic() > end:
                return files, False
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISDIR(st.st_mode):
                stack.append((entry.path, (*rel, entry.name)))
            elif stat.S_ISREG(st.st_mode):
                files[(*rel, entry.name)] = (st.st_size, st.st_mtime_ns)
    return files, True


def written(before: Mapping[Rel, Signature], after: Mapping[Rel, Signature]) -> set[Rel]:
    """Files that are new, or changed in size or time, between the two listings."""
    return {rel for rel, sig in after.items() if before.get(rel) != sig}


def mask(part: str) -> str:
    """A folder name that carries an e-mail or IP address is not shown."""
    return MASK if _ADDRESS.search(part) else part


def stores(files: Iterable[Rel], covered: Iterable[Rel]) -> dict[str, int]:
    """The uncovered stores the ``files`` were written in -> how many files.

    A file is covered when it or a folder above it is a catalogue entry. Otherwise its
    store is the first folder on its way down that has no catalogue entry below it (a
    file lying loose in a folder that has catalogued stores is reported as that folder);
    a file straight in the root is ``.``. Only folders are returned, never file names."""
    cov = set(covered)
    above = {c[:i] for c in cov for i in range(len(c))}     # folders with entries below
    out: dict[str, int] = {}
    for rel in files:
        if any(rel[:i] in cov for i in range(1, len(rel) + 1)):
            continue
        folder = rel[:-1]
        for i in range(1, len(folder) + 1):
            if folder[:i] not in above:
                folder = folder[:i]
                break
        key = "/".join(mask(p) for p in folder) or "."
        out[key] = out.get(key, 0) + 1
    return out


def gaps(before: Mapping[RootKey, Mapping[Rel, Signature]],
         after: Mapping[RootKey, Mapping[Rel, Signature]],
         covered: Mapping[RootKey, Iterable[Rel]]) -> list[Gap]:
    """Per root, the uncovered stores written between the two listings (pure)."""
    out: list[Gap] = []
    for key in sorted(after, key=lambda k: (k.client, k.label)):
        changed = written(before.get(key, {}), after[key])
        for folder, count in sorted(stores(changed, covered.get(key, ())).items()):
            out.append(Gap(key.client, key.label, folder, count))
    return out


# -- gathering: the roots and what the catalogue covers in them ---------------------------

def roots(os_name: OsName, env: Mapping[str, str] | None = None,
          clients: Iterable[str] | None = None) -> dict[RootKey, Path]:
    """The clients' data roots that exist (browsers left out: a browser profile holds
    anything, and only Teams' own origins in it are catalogued)."""
    return {RootKey(rp.client_id, rp.label): rp.path for rp in _plan(os_name, env, clients)
            if not rp.report_only and not rp.refused}


def covered(os_name: OsName, env: Mapping[str, str] | None = None,
            clients: Iterable[str] | None = None) -> dict[RootKey, set[Rel]]:
    """Per root, every catalogue entry found (clear, keep or a link in its place)."""
    return {RootKey(rp.client_id, rp.label): {t.rel for t in rp.targets} | set(rp.links)
            for rp in _plan(os_name, env, clients) if not rp.report_only and not rp.refused}


def _plan(os_name: OsName, env: Mapping[str, str] | None,
          clients: Iterable[str] | None) -> list[RootPlan]:
    from devicecheck.cleaner.catalogue import CLIENTS
    from devicecheck.cleaner.plan import plan_clean
    from devicecheck.clients import CLIENT_IDS
    from devicecheck.policy import Policy

    policy = Policy()
    # Every category: the catalogue covers a store whatever the council's mode clears.
    policy = replace(policy, cleaner=replace(policy.cleaner, mode="personal-data",
                                             clear_cookies=True))
    ids = [c for c in (clients if clients is not None else CLIENT_IDS)
           if c in CLIENTS and any(not r.report_only for r in CLIENTS[c].roots.get(os_name, ()))]
    if not ids:
        return []
    plan = plan_clean(policy, client_ids=ids, os_name=os_name, env=env, count=False,
                      processes=lambda _names, _os: set())
    return list(plan.clients)
