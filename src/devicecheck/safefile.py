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
"""

from __future__ import annotations

import errno
import os
import stat

NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
NONBLOCK = getattr(os, "O_NONBLOCK", 0)
CLOEXEC = getattr(os, "O_CLOEXEC", 0)
BINARY = getattr(os, "O_BINARY", 0)
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


__all__ = ["NotRegularFile", "SAFE_FLAGS", "kind_of", "open_regular", "read_regular"]
