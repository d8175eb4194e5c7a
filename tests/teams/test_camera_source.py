"""CameraSource on a fake /proc tree (the layout of proc(5): ``<pid>/fd/<n>`` symlinks to
the open files, ``<pid>/task/<tid>/children`` listing child PIDs), and once on the real
/proc, where this test's process holds no camera."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from devicecheck.policy import Policy
from devicecheck.teams.sources import camera
from devicecheck.teams.sources.base import Reading, SourceContext
from devicecheck.teams.sources.camera import CameraSource


def fake_proc(root: Path, pid: int, fds: dict[int, str], children: tuple[int, ...] = ()) -> None:
    fd_dir = root / str(pid) / "fd"
    fd_dir.mkdir(parents=True)
    for n, target in fds.items():
        os.symlink(target, fd_dir / str(n))
    task = root / str(pid) / "task" / str(pid)
    task.mkdir(parents=True)
    (task / "children").write_text(" ".join(map(str, children)) + (" " if children else ""))


@pytest.fixture
def proc_root(tmp_path: Path) -> Path:
    root = tmp_path / "proc"
    (root / "self" / "fd").mkdir(parents=True)
    fake_proc(root, 100, {0: "/dev/null", 1: "pipe:[123]"}, children=(101,))
    fake_proc(root, 101, {0: "/dev/null"}, children=(102,))
    fake_proc(root, 102, {5: "socket:[9]"})
    return root


def make(root: Path, os_name: str = "linux") -> CameraSource:
    ctx = SourceContext(policy=Policy(), os_name=os_name,  # type: ignore[arg-type]
                        clients=("teams-for-linux",), process_names=lambda _c, _o: frozenset(),
                        clock=time.monotonic, options={"proc_root": str(root)})
    return CameraSource(ctx, lambda _r: None)


PIDS = {"teams-for-linux": frozenset({100})}


def test_no_camera_open_is_no_meeting(proc_root: Path) -> None:
    source = make(proc_root)
    assert source.unavailable() is None
    source.processes(PIDS)
    assert source.poll(0.0) == Reading()


def test_a_camera_held_by_a_descendant_counts(proc_root: Path) -> None:
    os.symlink("/dev/video0", proc_root / "102" / "fd" / "7")
    source = make(proc_root)
    source.processes(PIDS)
    assert source.poll(0.0) == Reading.of(["teams-for-linux"])
    # A client that is not running is never named, whatever its old PIDs held.
    source.processes({"teams-for-linux": frozenset()})
    assert source.poll(0.0) == Reading()


def test_unreadable_processes_are_a_note_not_a_crash(proc_root: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    real_scandir = os.scandir

    def scandir(path: Any) -> Any:
        if str(path).endswith("/101/fd"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)   # the os module camera.py uses
    source = make(proc_root)
    source.processes(PIDS)
    reading = source.poll(0.0)
    assert reading is not None and reading.meeting == frozenset()
    assert reading.notes == ("teams-for-linux: 1 process(es) could not be read (permission "
                             "denied): camera use unknown there",)


def test_an_exited_process_is_simply_skipped(proc_root: Path) -> None:
    source = make(proc_root)
    source.processes({"teams-for-linux": frozenset({100, 4242})})
    assert source.poll(0.0) == Reading()


def test_the_walk_is_bounded_and_survives_cycles() -> None:
    assert camera.tree([1], lambda p: [p + 1], limit=10) == list(range(1, 11))
    assert camera.tree([1], lambda p: [1, 2]) == [1, 2]


def test_unavailable_off_linux_or_without_proc(tmp_path: Path) -> None:
    assert "Linux" in (make(tmp_path, "macos").unavailable() or "")
    assert "not mounted" in (make(tmp_path / "nowhere").unavailable() or "")


def test_the_real_proc_of_this_process() -> None:
    source = make(Path("/proc"))
    if source.unavailable():
        pytest.skip(source.unavailable() or "")
    assert camera.open_videos(os.getpid()) == (set(), None)
    assert os.getpid() in camera.tree([os.getpid()], camera.proc_children)
    source.processes({"teams-for-linux": frozenset({os.getpid()})})
    assert source.poll(0.0) == Reading()
