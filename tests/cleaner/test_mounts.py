"""Mount points inside a Teams tree are never crossed, bind mounts included (issue 17 #1:
a same-device bind mount of an outside folder was emptied, 1000 of 1000 files).

Bind mounts need CAP_SYS_ADMIN (CI runs as root). Each clean runs in a child process in
its own mount namespace (``unshare -m --propagation private``), so the mount exists only
for that child and vanishes with it: nothing can leak onto the machine even if a test
fails half-way. Where mounting is not allowed the tests skip and say why.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from devicecheck.audit import AuditLog
from devicecheck.cleaner import mounts
from devicecheck.cleaner.delete import NO_MOUNT_ID
from devicecheck.cleaner.run import clean
from devicecheck.policy import Policy
from tests.cleaner.helpers import TFL_PART, make_tfl, no_processes, snapshot, tfl_root, write

ROOT = Path(__file__).resolve().parents[2]
OUTSIDE_FILES = 1000

#: Runs inside the private mount namespace: bind-mount, clean (and measure), report JSON.
CHILD = r"""
import json, subprocess, sys
from pathlib import Path
from devicecheck.audit import AuditLog
from devicecheck.cleaner import mounts
from devicecheck.cleaner.plan import plan_clean
from devicecheck.cleaner.run import clean
from devicecheck.policy import Policy

source, point, home, mechanism = sys.argv[1:5]
if mechanism == "fdinfo":
    mounts._STATX = None
subprocess.run(["mount", "--bind", source, point], check=True, timeout=30)
env = {"HOME": home, "XDG_CONFIG_HOME": home + "/.config"}
none = lambda names, os_name: set()
plan = plan_clean(Policy(), env=env, home=Path(home), os_name="linux", processes=none)
counted = sum(t.files for rp in plan.clients for t in rp.targets if t.action == "delete")
result = clean(Policy(), env=env, home=Path(home), os_name="linux", processes=none,
               audit=AuditLog(Path(home) / "audit.jsonl"))
print(json.dumps({"result": result.to_dict(), "exit": result.exit_code, "counted": counted}))
"""


def _mount_refusal() -> str | None:
    """Why bind mounts cannot be tested here, or None when they can."""
    if not sys.platform.startswith("linux"):
        return "bind mounts are a Linux feature"
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        return "util-linux unshare/mount not installed"
    probe = subprocess.run(["unshare", "-m", "--propagation", "private", "mount", "-t",
                            "tmpfs", "tmpfs", "/mnt"], capture_output=True, text=True,
                           timeout=30, check=False)
    if probe.returncode:
        return f"cannot mount in a private mount namespace here ({probe.stderr.strip()})"
    return None


NO_MOUNT = _mount_refusal()
needs_mount = pytest.mark.skipif(NO_MOUNT is not None, reason=NO_MOUNT or "")


def _outside(base: Path) -> Path:
    for i in range(OUTSIDE_FILES):
        write(base / f"d{i % 10}" / f"resident-{i}.txt", f"case file {i}\n".encode())
    return base


def _clean_with_bind(source: Path, point: Path, home: Path, mechanism: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run(["unshare", "-m", "--propagation", "private", sys.executable, "-c",
                           CHILD, str(source), str(point), str(home), mechanism],
                          capture_output=True, text=True, timeout=120, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    data: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return data


@needs_mount
@pytest.mark.parametrize("mechanism", ["statx", "fdinfo"])
@pytest.mark.parametrize("where", ["inside-target", "target", "profile", "intermediate"])
def test_bind_mount_of_an_outside_folder_is_never_crossed(
        where: str, mechanism: str, home: Path, tmp_path: Path) -> None:
    root = make_tfl(tfl_root(home))
    if where in ("intermediate", "profile"):
        # The outside folder looks like a Partitions (or profile) folder holding targets,
        # so the plan finds targets through the mount; 1000 files hide in one of them.
        tree = make_tfl(tmp_path / "outside-tree")
        outside = tree / ("Partitions" if where == "intermediate" else TFL_PART)
        _outside(tree / TFL_PART / "IndexedDB" / "cases")
    else:
        outside = _outside(tmp_path / "outside")
    if where == "inside-target":
        point = root / TFL_PART / "Cache" / "bind"
    elif where == "target":
        point = root / TFL_PART / "IndexedDB"
        shutil.rmtree(point)
    elif where == "profile":   # the profile folder itself
        point = root / TFL_PART
    else:                      # a folder the walk steps through: Partitions
        point = root / "Partitions"
    point.mkdir(parents=True, exist_ok=True)
    before = snapshot(outside)
    data = _clean_with_bind(outside, point, home, mechanism)
    assert snapshot(outside) == before  # every outside file intact, byte for byte
    assert sum(1 for p in outside.rglob("*") if p.is_file()) >= OUTSIDE_FILES
    result = data["result"]
    assert result["skipped"].get("mount point", 0) >= 1, result
    assert data["exit"] == 1
    assert any("mounted here" in f["reason"] for f in result["failures"])
    if where == "inside-target":
        assert data["counted"] < OUTSIDE_FILES  # measuring did not count the bind mount
        assert result["removed_files"] >= 10      # the rest of the tree was still cleaned


@needs_mount
def test_a_data_folder_that_is_a_bind_mount_is_refused(home: Path, tmp_path: Path) -> None:
    root = tfl_root(home)
    root.mkdir(parents=True)
    outside = make_tfl(tmp_path / "outside-teams")
    before = snapshot(outside)
    data = _clean_with_bind(outside, root, home, "statx")
    assert snapshot(outside) == before
    assert data["exit"] == 1 and data["result"]["removed_files"] == 0
    assert any("mounted on the data folder" in f["reason"] for f in data["result"]["failures"])


def test_fdinfo_parser() -> None:
    # proc_pid_fdinfo(5): "pos", "flags", "mnt_id" (since Linux 3.15), "ino" lines.
    text = "pos:\t0\nflags:\t02100000\nmnt_id:\t29\nino:\t1835010\n"
    assert mounts.parse_fdinfo(text) == 29
    assert mounts.parse_fdinfo("pos:\t0\nflags:\t02\n") is None
    assert mounts.parse_fdinfo("mnt_id:\tx\n") is None
    assert mounts.parse_fdinfo("mnt_id:\t" + "9" * 40 + "\n") is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux mount ids")
def test_statx_and_fdinfo_agree(tmp_path: Path) -> None:
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        by_statx = mounts._statx_mnt_id(fd)
        by_fdinfo = mounts._fdinfo_mnt_id(fd)
    finally:
        os.close(fd)
    assert by_fdinfo is not None
    if mounts._STATX is not None and by_statx is not None:
        assert by_statx == by_fdinfo
    assert mounts.mount_key_at(tmp_path) == ("mnt", by_fdinfo)
    assert mounts.mount_key_at(tmp_path / "missing") is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux mount ids")
def test_when_no_mount_id_can_be_read_nothing_is_deleted(
        home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_tfl(tfl_root(home))
    before = snapshot(root)
    monkeypatch.setattr(mounts, "_STATX", None)
    monkeypatch.setattr(mounts, "FDINFO", str(tmp_path / "no-proc"))
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
    result = clean(Policy(), env=env, home=home, os_name="linux", processes=no_processes,
                   audit=AuditLog(tmp_path / "audit.jsonl"))
    assert snapshot(root) == before  # unknown is never "go ahead"
    assert result.exit_code == 1 and result.removed_files == 0
    assert any(f["reason"] == NO_MOUNT_ID for f in result.failures)
