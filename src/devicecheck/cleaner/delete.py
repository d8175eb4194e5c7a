"""Delete one planned target without ever following a link or leaving its root.

POSIX: an fd-relative walk. The root is opened with O_NOFOLLOW|O_DIRECTORY and its
(st_dev, st_ino) compared with the plan's lstat; each component down to the target is
opened the same way relative to its parent's fd and checked against the plan's chain, so a
folder swapped for a link (or anything else) between plan and delete is refused. Inside a
target every sub-folder is lstat'ed, opened with O_NOFOLLOW relative to its parent and
fstat'ed: a different inode (swapped mid-walk) is skipped and reported; a folder on another
mount (a different mount id from ``mounts.mount_key``, which also tells a same-device bind
mount apart, or a different st_dev) is never crossed. Links are unlinked as links. Everything below a target
is removed with ``unlink``/``rmdir`` on ``dir_fd``, so no path is ever re-resolved.

Windows (``_delete_by_path``): Python has no ``dir_fd`` there, so the walk is by path but
a reparse point (symlink, junction, mount point) is removed *as a link* and never entered;
read-only files are made writable and retried; files in use are reported, not forced. It
cannot run in this project's CI and is documented in docs/cleaner.md.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from devicecheck.cleaner.mounts import MountKey, mount_key
from devicecheck.cleaner.plan import Ident, RootPlan, Target, display, ident_of
from devicecheck.safefile import CLOEXEC, DIRECTORY, NOFOLLOW

DIR_FLAGS = os.O_RDONLY | DIRECTORY | NOFOLLOW | CLOEXEC
MAX_FAILURES = 50          # detailed failures kept per target; the rest are only counted
SHARING_VIOLATION = 32     # ERROR_SHARING_VIOLATION: the file is open in another program
MOUNT_POINT = "another file system is mounted here; not crossed"
NO_MOUNT_ID = ("mount points cannot be told apart on this system (no statx mount id, "
               "/proc not readable); not cleaned")


@dataclass
class Outcome:
    files: int = 0
    bytes: int = 0
    links: int = 0             # links removed as links (never followed)
    dirs: int = 0
    failures: list[dict[str, str]] = field(default_factory=list)
    failure_count: int = 0
    skipped: dict[str, int] = field(default_factory=dict)   # reason -> count

    def fail(self, rel: tuple[str, ...], reason: str, skip: str | None = None) -> None:
        self.failure_count += 1
        if skip:
            self.skipped[skip] = self.skipped.get(skip, 0) + 1
        if len(self.failures) < MAX_FAILURES:
            self.failures.append({"path": display("/".join(rel)), "reason": reason})

    def to_dict(self) -> dict[str, Any]:
        return {"files": self.files, "bytes": self.bytes, "links": self.links,
                "failures": self.failure_count, "skipped": dict(self.skipped)}


def _why(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _ident(st: os.stat_result) -> Ident:
    return ident_of(st)


def delete_target(rp: RootPlan, target: Target) -> Outcome:
    """Remove ``target`` (which must be a DELETE target of a non-refused root)."""
    out = Outcome()
    try:
        if os.name == "nt" or not NOFOLLOW or \
                os.unlink not in os.supports_dir_fd:
            _delete_by_path(rp, target, out)  # pragma: no cover - Windows
        else:
            _delete_by_fd(rp, target, out)
    except OSError as exc:
        # A race we did not foresee (a folder swapped, a file system gone): never a
        # traceback in the middle of a clean, a failure naming where it happened.
        out.fail(target.rel, f"changed during the clean ({_why(exc)}); not cleaned",
                 "changed during clean")
    return out


def root_changed(rp: RootPlan) -> str | None:
    """Why a planned root may no longer be cleaned (swapped, now a link, gone), or None."""
    try:
        if os.name == "nt":  # pragma: no cover - Windows
            st = os.lstat(rp.path)
            if stat.S_ISLNK(st.st_mode) or _attrs(st) & stat.FILE_ATTRIBUTE_REPARSE_POINT:
                raise OSError(errno.ELOOP, "is a link")
        else:
            fd = os.open(rp.path, DIR_FLAGS)
            try:
                st = os.fstat(fd)
            finally:
                os.close(fd)
    except FileNotFoundError:
        return "data folder disappeared since the plan; nothing cleaned"
    except OSError as exc:
        return f"data folder changed since the plan ({_why(exc)}); not cleaned"
    if rp.ident is None or _ident(st) != rp.ident:
        return "data folder changed since the plan (swapped); not cleaned"
    return None


# -- POSIX ---------------------------------------------------------------------------------
def _delete_by_fd(rp: RootPlan, target: Target, out: Outcome) -> None:
    rel = target.rel
    fds: list[int] = []
    try:
        try:
            fd = os.open(rp.path, DIR_FLAGS)
        except OSError as exc:
            out.fail((), f"data folder could not be opened safely ({_why(exc)}); not cleaned",
                     "changed since plan")
            return
        fds.append(fd)
        if rp.ident is None or _ident(os.fstat(fd)) != rp.ident:
            out.fail((), "data folder changed since the plan; not cleaned", "changed since plan")
            return
        root_mnt = mount_key(fd)
        if root_mnt is None:
            out.fail((), NO_MOUNT_ID)
            return
        for i, name in enumerate(rel[:-1]):
            try:
                fd = os.open(name, DIR_FLAGS, dir_fd=fds[-1])
            except OSError:
                out.fail(rel[:i + 1], "folder changed since the plan (now a link?); not entered",
                         "changed since plan")
                return
            fds.append(fd)
            if _ident(os.fstat(fd)) != target.chain[i]:
                out.fail(rel[:i + 1], "folder changed since the plan; not entered",
                         "changed since plan")
                return
            if mount_key(fd) != root_mnt:
                out.fail(rel[:i + 1], MOUNT_POINT, "mount point")
                return
        pfd, name = fds[-1], rel[-1]
        try:
            st = os.stat(name, dir_fd=pfd, follow_symlinks=False)
        except FileNotFoundError:
            return  # already gone: nothing to do
        except OSError as exc:
            out.fail(rel, f"could not be read: {_why(exc)}", "unreadable folder")
            return
        if _ident(st) != target.chain[-1]:
            out.fail(rel, "changed since the plan (swapped?); not touched", "changed since plan")
            return
        if stat.S_ISDIR(st.st_mode):
            _remove_tree(pfd, name, st, os.fstat(pfd).st_dev, rel, out, root_mnt)
        else:
            _unlink(pfd, name, st, rel, out)
    finally:
        for fd in reversed(fds):
            os.close(fd)


def _make_writable(dir_fd: int) -> bool:
    """A read-only folder blocks unlinking its entries: give the owner write access."""
    if sys.platform == "win32":  # pragma: no cover - the fd walk is POSIX only (delete_target)
        return False
    try:
        mode = os.fstat(dir_fd).st_mode
        os.fchmod(dir_fd, stat.S_IMODE(mode) | stat.S_IRWXU)
        return True
    except OSError:
        return False


def _retry_writable(op: Callable[[], None], dir_fd: int) -> None:
    try:
        op()
    except PermissionError:
        if not _make_writable(dir_fd):
            raise
        op()


def _unlink(dir_fd: int, name: str, st: os.stat_result, rel: tuple[str, ...],
            out: Outcome) -> None:
    try:
        _retry_writable(lambda: os.unlink(name, dir_fd=dir_fd), dir_fd)
    except FileNotFoundError:
        return
    except IsADirectoryError:
        out.fail(rel, "became a folder during the clean; skipped", "changed during clean")
        return
    except OSError as exc:
        out.fail(rel, f"could not delete: {_why(exc)}")
        return
    if stat.S_ISLNK(st.st_mode):
        out.links += 1
    else:
        out.files += 1
        out.bytes += st.st_size


def _open_dir(dir_fd: int, name: str, dev: int, rel: tuple[str, ...], out: Outcome,
              expect: os.stat_result | None = None,
              mnt: MountKey | None = None) -> tuple[int, os.stat_result] | None:
    """Open sub-folder ``name`` of ``dir_fd`` safely, or record why not and return None.
    ``mnt``: the root's mount key; a folder on any other mount is not entered (a bind
    mount keeps ``st_dev``, so both are compared)."""
    try:
        before = expect or os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        fd = os.open(name, DIR_FLAGS, dir_fd=dir_fd)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            out.fail(rel, "became a link or file during the clean; not followed",
                     "changed during clean")
        else:
            out.fail(rel, f"folder could not be opened: {_why(exc)}", "unreadable folder")
        return None
    st = os.fstat(fd)
    if _ident(st) != _ident(before):
        os.close(fd)
        out.fail(rel, "folder swapped during the clean; not entered", "changed during clean")
        return None
    if st.st_dev != dev or (mnt is not None and mount_key(fd) != mnt):
        os.close(fd)
        out.fail(rel, MOUNT_POINT, "mount point")
        return None
    return fd, st


def _remove_tree(parent_fd: int, name: str, st: os.stat_result, parent_dev: int,
                 rel: tuple[str, ...], out: Outcome, mnt: MountKey | None) -> None:
    opened = _open_dir(parent_fd, name, parent_dev, rel, out, expect=st, mnt=mnt)
    if opened is None:
        return
    fd, st = opened
    lstat, unlink, s_isdir, s_islnk = os.stat, os.unlink, stat.S_ISDIR, stat.S_ISLNK
    # One frame per level: (fd, remaining entry names, name in parent, rel, failures before).
    # Listings are read whole and the scandir handle closed, so a level costs one fd.
    stack: list[tuple[int, list[os.DirEntry[str]], str, tuple[str, ...], int]] = []
    try:
        stack.append((fd, _listing(fd, rel, out), name, rel, out.failure_count))
        while stack:
            fd, entries, dname, drel, before = stack[-1]
            dev = os.fstat(fd).st_dev if entries else 0
            pushed = False
            # The hot loop: one lstat and one unlink a file, no per-file allocations beyond
            # what os.* needs; failures drop to the slow, reporting path.
            while entries:
                name = entries.pop().name
                try:
                    est = lstat(name, dir_fd=fd, follow_symlinks=False)
                except FileNotFoundError:
                    continue
                except OSError as exc:
                    out.fail((*drel, name), f"could not be read: {_why(exc)}", "unreadable")
                    continue
                if s_isdir(est.st_mode):
                    erel = (*drel, name)
                    child = _open_dir(fd, name, dev, erel, out, expect=est, mnt=mnt)
                    if child is not None:
                        cfd = child[0]
                        stack.append((cfd, _listing(cfd, erel, out), name, erel,
                                      out.failure_count))
                        pushed = True
                        break
                    continue
                try:
                    unlink(name, dir_fd=fd)
                except OSError:
                    _unlink(fd, name, est, (*drel, name), out)  # retries, reports
                    continue
                if s_islnk(est.st_mode):
                    out.links += 1
                else:
                    out.files += 1
                    out.bytes += est.st_size
            if pushed:
                continue
            stack.pop()
            os.close(fd)
            pfd = stack[-1][0] if stack else parent_fd
            try:
                _retry_writable(lambda: os.rmdir(dname, dir_fd=pfd), pfd)  # noqa: B023
                out.dirs += 1
            except FileNotFoundError:
                pass
            except OSError as exc:
                if out.failure_count == before:  # else the inner failure already says why
                    out.fail(drel, f"folder not removed: {_why(exc)}")
    finally:
        for frame in stack:
            os.close(frame[0])


def _listing(fd: int, rel: tuple[str, ...], out: Outcome) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(fd) as it:
            entries = list(it)
    except OSError as exc:
        out.fail(rel, f"folder could not be listed: {_why(exc)}", "unreadable folder")
        return []
    entries.reverse()  # popped from the end: delete in directory order, as rm does
    return entries


# -- Windows (and any OS without dir_fd) ---------------------------------------------------
def _attrs(st: os.stat_result) -> int:
    return int(getattr(st, "st_file_attributes", 0))


def _is_link(entry: os.DirEntry[str], st: os.stat_result) -> bool:
    junction = getattr(entry, "is_junction", None)  # Python 3.12+
    return entry.is_symlink() or bool(_attrs(st) & stat.FILE_ATTRIBUTE_REPARSE_POINT) \
        or bool(junction and junction())


def _delete_by_path(rp: RootPlan, target: Target, out: Outcome) -> None:
    rel = target.rel
    try:
        rst = os.lstat(rp.path)
        st = os.lstat(target.path)
    except FileNotFoundError:
        return
    if rp.ident is None or _ident(rst) != rp.ident or stat.S_ISLNK(rst.st_mode) \
            or _attrs(rst) & stat.FILE_ATTRIBUTE_REPARSE_POINT:
        out.fail((), "data folder changed since the plan; not cleaned", "changed since plan")
        return
    if _ident(st) != target.chain[-1]:
        out.fail(rel, "changed since the plan (swapped?); not touched", "changed since plan")
        return
    if stat.S_ISLNK(st.st_mode) or _attrs(st) & stat.FILE_ATTRIBUTE_REPARSE_POINT:
        _remove_path(os.fspath(target.path), st, True, rel, out)
    elif stat.S_ISDIR(st.st_mode):
        _remove_tree_by_path(os.fspath(target.path), rel, out)
    else:
        _remove_path(os.fspath(target.path), st, False, rel, out)


def _remove_path(path: str, st: os.stat_result, link: bool, rel: tuple[str, ...],
                 out: Outcome) -> None:
    """Unlink a file, or remove a link/junction itself (rmdir for directory links)."""
    def op() -> None:
        if link and (stat.S_ISDIR(st.st_mode) or _attrs(st) & stat.FILE_ATTRIBUTE_DIRECTORY):
            os.rmdir(path)  # a directory junction/symlink: removes the link, not the target
        else:
            os.unlink(path)

    try:
        try:
            op()
        except PermissionError:
            if not _attrs(st) & stat.FILE_ATTRIBUTE_READONLY:
                raise
            os.chmod(path, stat.S_IWRITE)  # read-only attribute blocks delete on Windows
            op()
    except FileNotFoundError:
        return
    except OSError as exc:
        if getattr(exc, "winerror", None) == SHARING_VIOLATION:
            out.fail(rel, "in use by another program; not forced", "in use")
        else:
            out.fail(rel, f"could not delete: {_why(exc)}")
        return
    if link:
        out.links += 1
    else:
        out.files += 1
        out.bytes += st.st_size


def _remove_tree_by_path(top: str, rel: tuple[str, ...], out: Outcome) -> None:
    stack: list[tuple[str, tuple[str, ...], list[os.DirEntry[str]], int]] = []

    def push(path: str, prel: tuple[str, ...]) -> None:
        try:
            with os.scandir(path) as it:
                stack.append((path, prel, list(it), out.failure_count))
        except OSError as exc:
            out.fail(prel, f"folder could not be listed: {_why(exc)}", "unreadable folder")

    push(top, rel)
    while stack:
        path, prel, entries, before = stack[-1]
        pushed = False
        while entries:
            e = entries.pop()
            erel = (*prel, e.name)
            try:
                est = e.stat(follow_symlinks=False)
            except OSError:
                continue
            if _is_link(e, est):
                _remove_path(e.path, est, True, erel, out)   # never entered
            elif e.is_dir(follow_symlinks=False):
                push(e.path, erel)
                pushed = True
                break
            else:
                _remove_path(e.path, est, False, erel, out)
        if pushed:
            continue
        stack.pop()
        try:
            os.rmdir(path)
            out.dirs += 1
        except FileNotFoundError:
            pass
        except OSError as exc:
            if out.failure_count == before:
                out.fail(prel, f"folder not removed: {_why(exc)}")
