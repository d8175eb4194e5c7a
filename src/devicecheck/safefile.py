"""Opening a file in a folder someone else may have arranged, without ever blocking and
without following a link (issue 29).

The officer can put anything at the path of one of our files: a link, a folder, a FIFO.
``open(2)`` on a FIFO blocks until a writer (for reading) or a reader (for writing)
turns up, which for a planted FIFO is never: ``check``, ``clean``, ``log`` and the tray's
main thread once hung there for good, the OS-log copy unsent and SIGTERM unheard (the
interpreter runs signal handlers only between bytecodes, not inside a blocked system
call). So every open here is ``O_NONBLOCK`` (a FIFO opens at once, or fails ``ENXIO``
for writing without a reader: fifo(7)) and ``O_NOFOLLOW``, and the descriptor is
``fstat``-ed before any read or write: anything but a regular file is refused with
``NotRegularFile``. ``O_NONBLOCK`` changes nothing for a regular file (open(2): reads and
writes of regular files ignore it), so the descriptor is returned as opened.

Windows has neither flag: a named pipe lives in ``\\\\.\\pipe\\``, never at a path in
a folder, and links are refused with ``lstat`` before the open.

``write_private`` is the one atomic private write (issue 28: the audit log, the
first-sighting store and the pairing token each had their own, with different
hardening): a fresh temporary file created exclusively (``O_EXCL``: a planted link or
FIFO at its name is removed first, and anything re-created there is refused, never
written through), mode 0600, ``fsync``-ed, then renamed over the target (``os.replace``
replaces a link itself, never its target), then the folder is ``fsync``-ed so the
rename itself survives a power cut. A crash before the rename leaves the old file whole.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat

NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
NONBLOCK = getattr(os, "O_NONBLOCK", 0)
CLOEXEC = getattr(os, "O_CLOEXEC", 0)
BINARY = getattr(os, "O_BINARY", 0)
#: ``O_DIRECTORY`` where the OS has it (POSIX), else 0: with it, ``open`` of anything but a
#: folder fails ``ENOTDIR`` (a FIFO planted as a folder is never opened).
DIRECTORY = getattr(os, "O_DIRECTORY", 0)
#: Flags every open in this module adds to the caller's.
SAFE_FLAGS = NOFOLLOW | NONBLOCK | CLOEXEC | BINARY


class NotRegularFile(OSError):
    """The path holds a FIFO, a folder, a socket or a device, not a regular file."""


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words (pure)."""
    for test, word in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISDIR, "a folder"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"),
                       (stat.S_ISBLK, "a device")):
        if test(mode):
            return word
    return "not a regular file"


def open_regular(path: str | os.PathLike[str], flags: int, mode: int = 0o600, *,
                 follow_links: bool = False) -> int:
    """``os.open(path, flags | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)`` that returns only
    a regular file's descriptor. Raises ``NotRegularFile`` for anything else (the
    descriptor closed), and OSError as ``os.open`` does (``ELOOP`` for a link).
    ``follow_links``: for a file IT names (the notice), which may be a link."""
    extra = SAFE_FLAGS & ~NOFOLLOW if follow_links else SAFE_FLAGS
    if not NOFOLLOW and not follow_links and os.path.islink(path):  # pragma: no cover - Windows
        raise OSError(errno.ELOOP, "is a link", os.fspath(path))
    try:
        fd = os.open(path, flags | extra, mode)
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            # A FIFO opened for writing with no reader (fifo(7)): not ours to write.
            raise NotRegularFile(errno.ENXIO, "not a regular file (a FIFO)",
                                 os.fspath(path)) from exc
        raise
    try:
        st = os.fstat(fd)
    except OSError:
        os.close(fd)
        raise
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise NotRegularFile(errno.EINVAL, f"not a regular file ({kind_of(st.st_mode)})",
                             os.fspath(path))
    return fd


def read_regular(path: str | os.PathLike[str], limit: int, *,
                 follow_links: bool = False) -> bytes:
    """At most ``limit`` + 1 bytes of a regular file (one more than allowed, so a
    caller can tell "too big"). Raises as ``open_regular``."""
    fd = open_regular(path, os.O_RDONLY, follow_links=follow_links)
    try:
        chunks: list[bytes] = []
        left = limit + 1
        while left > 0 and (chunk := os.read(fd, min(left, 1 << 20))):
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def fsync_folder(folder: str | os.PathLike[str]) -> bool:
    """Flush ``folder``'s entries to disk, so a rename in it survives a power cut.

    fsync(2): syncing a file "does not necessarily ensure that the entry in the directory
    containing the file has also reached disk. For that an explicit fsync() on a file
    descriptor for the directory is also needed." POSIX only: Windows cannot ``os.open`` a
    folder (NTFS journals its own renames). Best effort, so False when it could not be
    done (some file systems refuse ``fsync`` on a folder): the data is already in place."""
    if os.name != "posix":
        return False
    try:
        fd = os.open(folder, os.O_RDONLY | DIRECTORY | NONBLOCK | CLOEXEC)
    except OSError:
        return False
    try:
        os.fsync(fd)
    except OSError:
        return False
    finally:
        os.close(fd)
    return True


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:  # os.write may write less than asked (a signal, a full disk's last block)
        view = view[os.write(fd, view):]


def write_private(path: str | os.PathLike[str], data: bytes, *,
                  tmp: str | os.PathLike[str] | None = None) -> None:
    """Replace ``path`` by a file holding ``data``, readable by this account alone (0600
    on POSIX; on Windows the per-user folder's ACL does that job), all or nothing.

    ``tmp``: the temporary file's path, in the same folder (a rename is atomic only
    within one file system); default ``.<name>.<pid>.tmp`` beside ``path``. Whatever is at
    ``tmp`` (a crash's leftover, a planted link or FIFO) is unlinked, never opened. Raises
    OSError (``NotRegularFile``, ``EEXIST`` for a file re-created at ``tmp`` meanwhile);
    the temporary file is removed on any failure after it was created."""
    target = os.fspath(path)
    folder = os.path.dirname(target) or os.curdir
    tmp_path = os.fspath(tmp) if tmp is not None else \
        os.path.join(folder, f".{os.path.basename(target)}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp_path)   # unlink removes a link itself, never its target
    fd = open_regular(tmp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)   # the data on disk before the name points at it
        finally:
            os.close(fd)
        os.replace(tmp_path, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_path)
        raise
    fsync_folder(folder)


__all__ = ["NOFOLLOW", "NotRegularFile", "SAFE_FLAGS", "fsync_folder", "kind_of",
           "open_regular", "read_regular", "write_private"]
