"""The one atomic private write (issue 28): ``safefile.write_private``, used by the audit
log, the first-sighting store, the pairing token and the pilot report. A planted link or
FIFO is never written through or opened (and never blocks), the file is 0600, the data
and the folder are synced, and a crash before the rename leaves the old file whole."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from devicecheck import safefile
from tests.test_no_blocking_files import LIMIT_S, within

posix = pytest.mark.skipif(os.name != "posix", reason="POSIX links, FIFOs and modes")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An empty folder of the test's own (tmp_path also holds conftest's fake home)."""
    out = tmp_path / "data"
    out.mkdir()
    return out


def test_writes_the_data_and_replaces_the_old_file(folder: Path) -> None:
    target = folder / "state.json"
    target.write_bytes(b"old")
    safefile.write_private(target, b"new\n")
    assert target.read_bytes() == b"new\n"
    assert sorted(p.name for p in folder.iterdir()) == ["state.json"]  # no temp left


@posix
def test_the_file_is_private_whatever_the_old_file_allowed(tmp_path: Path) -> None:
    target = tmp_path / "token"
    target.write_bytes(b"old")
    target.chmod(0o644)
    safefile.write_private(target, b"secret")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.stat().st_nlink == 1


@posix
def test_a_link_at_the_target_is_replaced_never_written_through(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    target = tmp_path / "token"
    target.symlink_to(victim)
    safefile.write_private(target, b"secret")
    assert victim.read_bytes() == b"precious"
    assert not target.is_symlink() and target.read_bytes() == b"secret"


@posix
def test_a_link_at_the_temp_name_is_removed_never_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    target = tmp_path / "token"
    tmp = tmp_path / "token.tmp"
    tmp.symlink_to(victim)
    safefile.write_private(target, b"secret", tmp=tmp)
    assert victim.read_bytes() == b"precious" and target.read_bytes() == b"secret"
    assert not tmp.exists() and not tmp.is_symlink()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_a_fifo_at_the_temp_name_is_removed_without_blocking(tmp_path: Path) -> None:
    target = tmp_path / "dates.json"
    tmp = tmp_path / ".dates.json.tmp"
    os.mkfifo(tmp, 0o600)
    elapsed, _ = within(LIMIT_S, lambda: safefile.write_private(target, b"{}", tmp=tmp))
    assert target.read_bytes() == b"{}" and not tmp.exists()
    assert elapsed < LIMIT_S


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_a_fifo_planted_after_the_unlink_is_refused(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Someone racing the unlink (a FIFO or a link made between unlink and open): the
    exclusive create refuses it at once, and the old file stays."""
    target = tmp_path / "audit.jsonl"
    target.write_bytes(b"old\n")
    tmp = tmp_path / "audit.jsonl.tmp"
    real_unlink = os.unlink

    def unlink_then_plant(path: str) -> None:
        try:
            real_unlink(path)
        finally:
            if path == str(tmp):
                os.mkfifo(path, 0o600)

    monkeypatch.setattr(os, "unlink", unlink_then_plant)
    with pytest.raises(FileExistsError):
        within(LIMIT_S, lambda: safefile.write_private(target, b"new\n", tmp=tmp))
    monkeypatch.undo()
    assert target.read_bytes() == b"old\n"
    assert stat.S_ISFIFO(os.lstat(tmp).st_mode)  # not ours: left, never opened


@posix
def test_a_folder_at_the_target_is_refused_and_nothing_is_left(folder: Path) -> None:
    target = folder / "token"
    target.mkdir()
    with pytest.raises(OSError):
        safefile.write_private(target, b"secret")
    assert target.is_dir() and list(folder.iterdir()) == [target]


def test_a_failed_write_leaves_the_old_file_and_no_temp(folder: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    target = folder / "state.json"
    target.write_bytes(b"old")

    def disk_full(fd: int, data: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", disk_full)
    with pytest.raises(OSError) as caught:
        safefile.write_private(target, b"new")
    monkeypatch.undo()
    assert caught.value.errno == errno.ENOSPC
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in folder.iterdir()) == ["state.json"]


CRASH = """
import os, sys
from devicecheck import safefile
os.replace = lambda *a, **k: os._exit(9)   # killed between the write and the rename
safefile.write_private(sys.argv[1], b"new", tmp=sys.argv[2])
"""


def test_a_crash_between_write_and_rename_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "token"
    tmp = tmp_path / "token.tmp"
    target.write_bytes(b"old")
    done = subprocess.run([sys.executable, "-c", CRASH, str(target), str(tmp)],
                          timeout=60, check=False)
    assert done.returncode == 9
    assert target.read_bytes() == b"old"
    assert tmp.read_bytes() == b"new"   # the crash's leftover, synced but never named
    safefile.write_private(target, b"newer", tmp=tmp)   # the next write clears it
    assert target.read_bytes() == b"newer" and not tmp.exists()


@posix
def test_the_data_then_the_folder_are_synced(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """fsync(2): the folder needs its own fsync for the rename to reach the disk."""
    target = tmp_path / "state.json"
    synced: list[tuple[str, bool]] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        kind = "folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"
        synced.append((kind, target.exists()))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    safefile.write_private(target, b"x")
    assert synced == [("file", False), ("folder", True)]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_fsync_folder_never_opens_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "not-a-folder"
    os.mkfifo(fifo, 0o600)
    elapsed, ok = within(LIMIT_S, lambda: safefile.fsync_folder(fifo))
    assert ok is False and elapsed < LIMIT_S
    assert safefile.fsync_folder(tmp_path) is True
