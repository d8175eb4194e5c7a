"""Builders for fake Teams data trees and a byte-for-byte snapshot of files that must
survive every clean."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

TFL_PART = Path("Partitions") / "teams-4-linux"

#: Folders the default policy clears in a teams-for-linux root (relative to the root).
CLEARED = (
    f"{TFL_PART}/IndexedDB/https_teams.microsoft.com_0.indexeddb.leveldb/000003.log",
    f"{TFL_PART}/Local Storage/leveldb/000005.ldb",
    f"{TFL_PART}/Session Storage/000004.log",
    f"{TFL_PART}/WebStorage/1/CacheStorage/index.txt",
    f"{TFL_PART}/Service Worker/ScriptCache/index",
    f"{TFL_PART}/Cache/Cache_Data/data_0",
    f"{TFL_PART}/Code Cache/js/index",
    f"{TFL_PART}/GPUCache/data_1",
    f"{TFL_PART}/blob_storage/4c1e/blob",
    f"{TFL_PART}/databases/Databases.db",
    f"{TFL_PART}/History",
    f"{TFL_PART}/History-journal",
    "logs/main.log",
)
CACHES = ("Service Worker", "Cache", "Code Cache", "GPUCache")
KEPT = (
    "config.json",
    "Backgrounds/Uploads/my-office.png",
    f"{TFL_PART}/Preferences",
    f"{TFL_PART}/Network/Cookies",
    f"{TFL_PART}/Cookies",
)


def write(path: Path, data: bytes = b"meeting data: alice@example.org 10.0.0.7\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def tfl_root(home: Path) -> Path:
    return home / ".config" / "teams-for-linux"


def make_tfl(root: Path) -> Path:
    """A teams-for-linux data folder with personal data, caches, cookies and kept files."""
    for rel in CLEARED + KEPT:
        write(root / rel, f"content of {rel}\n".encode())
    return root


def make_outside(base: Path) -> Path:
    """Files outside any Teams root that no clean may touch (a Documents folder)."""
    docs = base / "Documents"
    write(docs / "resident-letter.docx", b"Dear resident,\n" * 50)
    write(docs / "nested" / "minutes.txt", b"minutes\n")
    os.chmod(docs / "nested" / "minutes.txt", 0o444)
    return docs


def snapshot(base: Path) -> dict[str, tuple[str, int, int]]:
    """{relative path: (sha256, mode, nlink-independent size)} of every file below base."""
    out: dict[str, tuple[str, int, int]] = {}
    for dirpath, dirnames, filenames in os.walk(base):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st = p.lstat()
            rel = os.fsdecode(p.relative_to(base))
            if stat.S_ISREG(st.st_mode):
                out[rel] = (hashlib.sha256(p.read_bytes()).hexdigest(), st.st_mode, st.st_size)
            else:
                out[rel] = ("", st.st_mode, 0)
    return out


def no_processes(names: frozenset[str], os_name: str) -> set[str]:
    return set()


@contextlib.contextmanager
def running_as(name: str, bindir: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A real process called ``name`` (a copy of sleep), visible to psutil while inside."""
    from devicecheck.probes.processes import find_processes

    exe = bindir / name
    bindir.mkdir(parents=True, exist_ok=True)
    shutil.copy(shutil.which("sleep") or "/bin/sleep", exe)
    proc = subprocess.Popen([str(exe), "60"])
    try:
        deadline = time.monotonic() + 5
        while not find_processes([name], os_name="linux"):
            assert time.monotonic() < deadline, "child process not visible"
            time.sleep(0.02)
        yield proc
    finally:
        proc.kill()
        proc.wait()
