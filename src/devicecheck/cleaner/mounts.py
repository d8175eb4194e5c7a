"""Which mount an open folder belongs to, so the cleaner never crosses a mount point.

``st_dev`` is not enough: a bind mount of an outside folder (Linux ``mount --bind``) has
the same device number as the tree it sits in, and the adversarial run of issue 17 saw
1000 of 1000 files outside a Teams tree emptied through one. Each OS has a better key:

- **Linux**: the mount id. First ``statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID)`` (glibc
  2.28+ wraps it, Linux 5.8+ fills ``stx_mnt_id``; statx(2)); else the ``mnt_id:`` line of
  ``/proc/self/fdinfo/<fd>`` (Linux 3.15+, proc_pid_fdinfo(5): "the ID of the mount
  containing this file"). Both are per descriptor, so no path is resolved again (a
  path-based ``/proc/self/mountinfo`` lookup would race with the swaps the cleaner
  defends against). ``struct statx`` layout: ``stx_mask`` at offset 0, ``stx_mnt_id`` the
  u64 right after ``stx_dev_minor`` at offset 144 (linux/stat.h; musl and systemd's
  compatibility header place it the same).
- **macOS**: ``fstatfs`` ``f_fsid`` plus ``f_mntonname`` (the folder the file system is
  mounted on), Apple's 64-bit-inode ``struct statfs`` (as golang.org/x/sys/unix
  ``ztypes_darwin_*.go`` ``Statfs_t`` spells it out).
- **Windows** needs none of this: the path walker never enters a reparse point, and volume
  mount points and junctions are reparse points (see ``delete.py``).
- Any other POSIX: ``st_dev`` only.

``None`` means the mount could not be told: the caller must then refuse, never guess.
"""

from __future__ import annotations

import ctypes
import os
import struct
import sys
from collections.abc import Callable

from devicecheck.safefile import CLOEXEC, DIRECTORY, NOFOLLOW

MountKey = tuple[object, ...]

STATX_MNT_ID = 0x1000      # linux/stat.h
AT_EMPTY_PATH = 0x1000     # linux/fcntl.h: operate on dirfd itself
STATX_BUF = 256            # sizeof(struct statx)
STX_MNT_ID_OFFSET = 144
_O_PATH = getattr(os, "O_PATH", 0)
PATH_FLAGS = (_O_PATH or os.O_RDONLY) | NOFOLLOW | CLOEXEC | DIRECTORY

StatxFn = Callable[..., int]


def _load_statx() -> StatxFn | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        fn = getattr(ctypes.CDLL(None, use_errno=True), "statx", None)
    except (OSError, AttributeError):  # pragma: no cover - no libc handle
        return None
    if fn is None:
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_uint, ctypes.c_void_p]
    fn.restype = ctypes.c_int
    statx: StatxFn = fn
    return statx


#: The libc wrapper, or None (glibc < 2.28, musl without it, not Linux). Tests set it to
#: None to exercise the fdinfo fallback.
_STATX: StatxFn | None = _load_statx()
#: Where fdinfo lives; tests point it at a missing folder to exercise "unknown".
FDINFO = "/proc/self/fdinfo"


def parse_fdinfo(text: str) -> int | None:
    """The ``mnt_id`` of a ``/proc/<pid>/fdinfo/<fd>`` text, or None (pure)."""
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "mnt_id":
            value = value.strip()
            return int(value) if value.isdigit() and len(value) < 20 else None
    return None


def _statx_mnt_id(fd: int) -> int | None:
    fn = _STATX
    if fn is None:
        return None
    buf = ctypes.create_string_buffer(STATX_BUF)
    if fn(fd, b"", AT_EMPTY_PATH, STATX_MNT_ID, buf) != 0:
        return None
    mask = struct.unpack_from("=I", buf.raw, 0)[0]
    if not mask & STATX_MNT_ID:
        return None  # kernel older than 5.8: the field is not filled
    return int(struct.unpack_from("=Q", buf.raw, STX_MNT_ID_OFFSET)[0])


def _fdinfo_mnt_id(fd: int) -> int | None:
    try:
        with open(os.path.join(FDINFO, str(fd)), encoding="ascii", errors="replace") as f:
            return parse_fdinfo(f.read(4096))
    except OSError:
        return None


class _DarwinStatfs(ctypes.Structure):
    _fields_ = [("f_bsize", ctypes.c_uint32), ("f_iosize", ctypes.c_int32),
                ("f_blocks", ctypes.c_uint64), ("f_bfree", ctypes.c_uint64),
                ("f_bavail", ctypes.c_uint64), ("f_files", ctypes.c_uint64),
                ("f_ffree", ctypes.c_uint64), ("f_fsid", ctypes.c_int32 * 2),
                ("f_owner", ctypes.c_uint32), ("f_type", ctypes.c_uint32),
                ("f_flags", ctypes.c_uint32), ("f_fssubtype", ctypes.c_uint32),
                ("f_fstypename", ctypes.c_char * 16), ("f_mntonname", ctypes.c_char * 1024),
                ("f_mntfromname", ctypes.c_char * 1024), ("f_flags_ext", ctypes.c_uint32),
                ("f_reserved", ctypes.c_uint32 * 7)]


def _darwin_key(fd: int) -> MountKey | None:  # pragma: no cover - macOS only
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        try:
            fn = libc["fstatfs$INODE64"]   # x86_64: the 64-bit-inode variant
        except AttributeError:
            fn = libc["fstatfs"]           # arm64 has only the 64-bit-inode ABI
    except (OSError, AttributeError):
        return None
    buf = _DarwinStatfs()
    if fn(fd, ctypes.byref(buf)) != 0:
        return None
    return ("fs", buf.f_fsid[0], buf.f_fsid[1], bytes(buf.f_mntonname))


def mount_key(fd: int) -> MountKey | None:
    """The identity of the mount holding open file ``fd``; None when it cannot be told."""
    if sys.platform.startswith("linux"):
        mid = _statx_mnt_id(fd)
        if mid is None:
            mid = _fdinfo_mnt_id(fd)
        return None if mid is None else ("mnt", mid)
    if sys.platform == "darwin":  # pragma: no cover - macOS only
        return _darwin_key(fd)
    try:  # pragma: no cover - other POSIX
        return ("dev", os.fstat(fd).st_dev)
    except OSError:  # pragma: no cover
        return None


def mount_key_at(path: str | os.PathLike[str], dir_fd: int | None = None) -> MountKey | None:
    """``mount_key`` of the folder at ``path`` (never following a link at its end; O_PATH
    on Linux, so no read permission is needed). None when it cannot be opened or told."""
    flags = PATH_FLAGS if sys.platform.startswith("linux") else \
        os.O_RDONLY | NOFOLLOW | DIRECTORY
    try:
        fd = os.open(path, flags, dir_fd=dir_fd)
    except OSError:
        return None
    try:
        return mount_key(fd)
    finally:
        os.close(fd)
