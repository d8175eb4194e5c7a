"""Linux camera use by a Teams client (``camera``): a client process holding ``/dev/video*``.

Video4Linux cameras are character devices ``/dev/video<N>``; an app using one keeps it
open, so ``/proc/<pid>/fd/*`` of that process links to it (proc_pid_fd(5): each entry is
a symbolic link to the open file). Polled every 5 s while a client runs, over the
client's PIDs and their descendants (Electron opens devices in helper processes; bounded
so a runaway tree stays cheap). Reading another user's ``/proc/<pid>/fd`` is refused
(EACCES): that is a note, not a crash. Under PipeWire a camera may be opened by the
PipeWire daemon on the app's behalf (the camera portal): then no Teams process holds the
device and this source sees nothing (the audio source still does).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from devicecheck.teams.sources.base import Reading, SignalSource

VIDEO_PREFIX = "/dev/video"
MAX_PROCESSES = 256          # per client, descendants included

#: pid -> its children's pids.
ChildrenFn = Callable[[int], Iterable[int]]


def proc_children(pid: int, root: Path = Path("/proc")) -> list[int]:
    """Direct children, from ``/proc/<pid>/task/*/children``: cheap (only this tree is
    read). proc_tid_children(5): Linux 3.5+, present when the kernel has
    CONFIG_PROC_CHILDREN (Debian's does), and a child can be missed while a sibling exits
    during the read: the next poll sees it. Without the file: psutil's full scan."""
    out: list[int] = []
    try:
        tasks = list((root / str(pid) / "task").iterdir())
    except OSError:
        return out
    readable = False
    for task in tasks:
        try:
            out.extend(int(p) for p in (task / "children").read_text().split())
            readable = True
        except (OSError, ValueError):
            continue
    if not readable and tasks and root == Path("/proc"):
        import psutil

        try:
            return [c.pid for c in psutil.Process(pid).children()]
        except (psutil.Error, OSError):
            return []
    return out


def open_videos(pid: int, root: Path = Path("/proc")) -> tuple[set[str], str | None]:
    """The ``/dev/video*`` devices ``pid`` holds open, and a problem (None: read fine)."""
    found: set[str] = set()
    fd_dir = root / str(pid) / "fd"
    try:
        entries = list(os.scandir(fd_dir))
    except PermissionError:
        return found, "permission denied"
    except OSError:
        return found, None          # the process exited: nothing open
    for entry in entries:
        try:
            target = os.readlink(entry.path)
        except OSError:
            continue                # the fd closed meanwhile
        if target.startswith(VIDEO_PREFIX):
            found.add(target)
    return found, None


def tree(pids: Iterable[int], children: ChildrenFn, limit: int = MAX_PROCESSES) -> list[int]:
    """``pids`` and their descendants, breadth first, at most ``limit``."""
    seen: list[int] = []
    queue = list(pids)
    known: set[int] = set()
    while queue and len(seen) < limit:
        pid = queue.pop(0)
        if pid in known:
            continue
        known.add(pid)
        seen.append(pid)
        queue.extend(children(pid))
    return seen


class CameraSource(SignalSource):
    name = "camera"
    poll_ms = 5000
    needs_running = True
    describes = "camera use"

    def __init__(self, ctx: Any, emit: Any) -> None:
        super().__init__(ctx, emit)
        self.root = Path(ctx.option("proc_root", "/proc"))
        self._children: ChildrenFn = ctx.option(
            "camera_children", lambda pid: proc_children(pid, self.root))

    def unavailable(self) -> str | None:
        if self.ctx.os_name != "linux":
            return "camera use is read from /proc on Linux only"
        if not (self.root / "self" / "fd").is_dir():
            return f"{self.root} is not mounted"
        return None

    def poll(self, now: float) -> Reading | None:
        return self.read(self.pids)

    def read(self, pids: Mapping[str, frozenset[int]]) -> Reading:
        meeting: list[str] = []
        notes: list[str] = []
        for client, client_pids in sorted(pids.items()):
            if not client_pids:
                continue
            denied = 0
            using = False
            for pid in tree(sorted(client_pids), self._children):
                devices, problem = open_videos(pid, self.root)
                if problem:
                    denied += 1
                if devices:
                    using = True
                    break
            if using:
                meeting.append(client)
            elif denied:
                notes.append(f"{client}: {denied} process(es) could not be read "
                             "(permission denied): camera use unknown there")
        return Reading.of(meeting, notes=notes)
