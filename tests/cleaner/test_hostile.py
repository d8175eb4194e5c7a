"""Hostile trees: the cleaner must never delete or change anything outside its targets
(BleachBit lost users tens of GB by following links), and must say what it skipped."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from devicecheck.audit import AuditLog
from devicecheck.cleaner.delete import Outcome, _open_dir
from devicecheck.cleaner.plan import display, plan_clean
from devicecheck.cleaner.run import clean
from devicecheck.policy import Policy
from devicecheck.policy.model import CleanerPolicy
from tests.cleaner.helpers import (
    TFL_PART,
    make_outside,
    make_tfl,
    no_processes,
    snapshot,
    tfl_root,
    write,
)

NOBODY = 65534


def _clean(home: Path, audit: AuditLog, **kw: Any) -> Any:
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
    return clean(Policy(), env=env, home=home, os_name="linux", audit=audit,
                 processes=no_processes, **kw)


def _left(root: Path) -> set[str]:
    return {os.fsdecode(p.relative_to(root)) for p in root.rglob("*") if not p.is_dir()}


def test_links_inside_targets_are_removed_as_links_never_followed(
        home: Path, outside: Path, audit: AuditLog) -> None:
    root = make_tfl(tfl_root(home))
    docs = make_outside(home)  # the officer's own Documents, inside the profile
    before_out, before_docs = snapshot(outside), snapshot(docs)
    idb = root / TFL_PART / "IndexedDB"
    os.symlink(outside, idb / "abs-dir-link")
    os.symlink(outside / "resident-letter.docx", idb / "abs-file-link")
    os.symlink(os.path.relpath(docs, idb), idb / "rel-dir-link")
    os.symlink("../../../../../Documents/resident-letter.docx", idb / "rel-file-link")
    os.symlink("/", idb / "slash")
    os.symlink(docs, root / TFL_PART / "Cache" / "docs")
    os.symlink(docs, root / "logs" / "Documents")
    os.symlink(outside, root / TFL_PART / "GPUCache-link-target-name")  # not catalogued
    result = _clean(home, audit)
    assert snapshot(outside) == before_out and snapshot(docs) == before_docs
    assert result.removed_links == 7 and result.exit_code == 0
    assert not (idb).exists() and (root / TFL_PART / "GPUCache-link-target-name").is_symlink()
    assert result.to_dict()["removed_links"] == 7


@pytest.mark.parametrize("where", [
    "Partitions",                      # the folder holding the profiles
    f"{TFL_PART}",                     # a profile folder
    f"{TFL_PART}/IndexedDB",           # a catalogued target (a folder)
    f"{TFL_PART}/History",             # a catalogued target (a file)
    "logs",                            # a target right under the root
    f"{TFL_PART}/Network",             # a folder a pattern steps through (Network/Cookies)
])
def test_a_link_where_data_should_be_is_reported_never_followed_nor_removed(
        where: str, home: Path, tmp_path: Path, audit: AuditLog) -> None:
    """Issue 17 #6: with such a link, clean exited 0 and meeting-data said "no data". The
    data the link points to is still on the laptop: clean exits 1 naming the link, and
    leaves it (removing it would hide the data from every later check)."""
    root = make_tfl(tfl_root(home))
    decoy = make_tfl(tmp_path / "elsewhere-teams")   # the same names, outside the profile
    before = snapshot(decoy)
    victim = root / where
    if victim.is_dir():
        shutil.rmtree(victim)
    else:
        victim.unlink()
    os.symlink(decoy / where, victim)
    policy = Policy(cleaner=CleanerPolicy(clear_cookies=where.endswith("Network")))
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
    dry = clean(policy, env=env, home=home, os_name="linux", audit=audit,
                processes=no_processes, dry_run=True)
    result = clean(policy, env=env, home=home, os_name="linux", audit=audit,
                   processes=no_processes)
    assert snapshot(decoy) == before
    assert victim.is_symlink()  # reported, not unlinked
    assert dry.exit_code == 1 and result.exit_code == 1
    [failure] = [f for f in result.failures if "link" in f["reason"]]
    assert failure["path"] == f"{root}/{where}"
    assert failure["reason"].startswith("is a link: not followed")
    assert result.removed_files > 0  # the rest of the tree was still cleaned


def test_root_symlink_is_refused(home: Path, tmp_path: Path, audit: AuditLog) -> None:
    real = make_tfl(tmp_path / "real-teams")
    before = snapshot(real)
    (home / ".config").mkdir(exist_ok=True)
    os.symlink(real, tfl_root(home))
    result = _clean(home, audit)
    assert snapshot(real) == before
    assert result.exit_code == 1 and result.removed_files == 0
    assert "link" in result.failures[0]["reason"]


@pytest.mark.parametrize("swap", ["target", "intermediate", "root"])
def test_folder_swapped_for_a_link_between_plan_and_delete(
        swap: str, home: Path, outside: Path, audit: AuditLog) -> None:
    root = make_tfl(tfl_root(home))
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
    plan = plan_clean(Policy(), env=env, home=home, os_name="linux", processes=no_processes)
    # a look-alike tree outside, with the same names the plan expects
    decoy = outside / "decoy"
    make_tfl(decoy)
    before = snapshot(outside)
    victim = {"target": root / TFL_PART / "IndexedDB", "intermediate": root / TFL_PART,
              "root": root}[swap]
    shutil.rmtree(victim)
    twin = {"target": decoy / TFL_PART / "IndexedDB", "intermediate": decoy / TFL_PART,
            "root": decoy}[swap]
    os.symlink(twin, victim)
    result = _clean(home, audit, plan=plan)
    assert snapshot(outside) == before
    assert result.skipped.get("changed since plan", 0) >= 1
    assert result.exit_code == 1 and any("changed" in f["reason"] for f in result.failures)


def test_hard_links_to_outside_files_leave_them_intact(
        home: Path, outside: Path, audit: AuditLog) -> None:
    root = make_tfl(tfl_root(home))
    letter = outside / "resident-letter.docx"
    os.link(letter, root / TFL_PART / "Cache" / "hardlink")
    before = snapshot(outside)
    result = _clean(home, audit)
    assert snapshot(outside) == before and letter.stat().st_nlink == 1
    assert result.exit_code == 0 and not (root / TFL_PART / "Cache").exists()


def test_names_with_newlines_dashes_and_bad_bytes(home: Path, audit: AuditLog) -> None:
    root = make_tfl(tfl_root(home))
    cache = os.fsencode(root / TFL_PART / "Cache")
    for name in (b"line\nbreak", b"-rf", b"--no-preserve-root", b"caf\xe9-\xff\xfe", b" ", b"\t"):
        fd = os.open(cache + b"/" + name, os.O_CREAT | os.O_WRONLY, 0o600)
        os.write(fd, b"x")
        os.close(fd)
    os.mkdir(cache + b"/-dir\n\xff")
    write(Path(os.fsdecode(cache + b"/-dir\n\xff/inner")))
    result = _clean(home, audit)
    assert result.exit_code == 0 and not (root / TFL_PART / "Cache").exists()
    json.dumps(result.to_dict())  # serialisable whatever the names
    assert display("a\nb\udcff") == "a\\nb\\udcff"


def test_very_deep_tree_is_removed(home: Path, outside: Path, audit: AuditLog) -> None:
    root = make_tfl(tfl_root(home))
    deep = root / TFL_PART / "IndexedDB"
    fd = os.open(deep, os.O_RDONLY)
    for _ in range(120):  # built fd-relative: the full path exceeds what paths allow
        os.mkdir("d" * 40, dir_fd=fd)
        nfd = os.open("d" * 40, os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = nfd
    os.close(os.open("leaf", os.O_CREAT | os.O_WRONLY, dir_fd=fd))
    os.symlink(outside, "escape", dir_fd=fd)
    os.close(fd)
    before = snapshot(outside)
    result = _clean(home, audit)
    assert snapshot(outside) == before
    assert result.exit_code == 0 and not deep.exists() and result.removed_links == 1


def test_subfolder_swapped_during_the_walk_is_not_entered(tmp_path: Path, outside: Path) -> None:
    base = tmp_path / "t"
    write(base / "sub" / "f")
    fd = os.open(base, os.O_RDONLY)
    try:
        stale = os.stat("sub", dir_fd=fd, follow_symlinks=False)
        shutil.rmtree(base / "sub")
        os.symlink(outside, base / "sub")
        out = Outcome()
        assert _open_dir(fd, "sub", stale.st_dev, ("sub",), out, expect=stale) is None
        assert out.skipped == {"changed during clean": 1}
        os.unlink(base / "sub")
        os.mkdir(base / "sub")
        fresh = os.stat("sub", dir_fd=fd, follow_symlinks=False)
        out = Outcome()
        assert _open_dir(fd, "sub", fresh.st_dev + 1, ("sub",), out, expect=fresh) is None
        assert out.skipped == {"mount point": 1}
    finally:
        os.close(fd)


def test_mount_point_inside_a_target_is_not_crossed(home: Path, audit: AuditLog) -> None:
    root = make_tfl(tfl_root(home))
    mnt = root / TFL_PART / "Cache" / "mnt"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(mnt)], capture_output=True,
                      check=False).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        write(mnt / "on-another-fs")
        result = _clean(home, audit)
        assert (mnt / "on-another-fs").exists()
        assert result.skipped == {"mount point": 1} and result.exit_code == 1
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


# -- permissions: root ignores them, so run those cleans as an unprivileged user ----------
@pytest.fixture
def shared_base() -> Iterator[Path]:
    base = Path(tempfile.mkdtemp(prefix="dc-perm-"))
    os.chmod(base, 0o755)
    try:
        yield base
    finally:
        for p in base.rglob("*"):
            if p.is_dir() and not p.is_symlink():
                os.chmod(p, 0o755)
        shutil.rmtree(base)


def _as_unprivileged(fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    if os.geteuid() != 0:
        return fn()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 0
        try:
            os.close(r)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            data = fn()
        except BaseException as exc:  # noqa: BLE001 - report anything to the parent
            data, code = {"error": repr(exc)}, 1
        os.write(w, json.dumps(data).encode())
        os._exit(code)
    os.close(w)
    chunks = []
    while chunk := os.read(r, 65536):
        chunks.append(chunk)
    os.close(r)
    os.waitpid(pid, 0)
    result: dict[str, Any] = json.loads(b"".join(chunks))
    assert "error" not in result, result
    return result


def _chown_tree(base: Path) -> None:
    if os.geteuid() == 0:
        for p in [base, *base.rglob("*")]:
            os.lchown(p, NOBODY, NOBODY)


def test_unreadable_folders_and_read_only_files(shared_base: Path) -> None:
    home = shared_base / "home"
    root = make_tfl(tfl_root(home))
    outside = make_outside(shared_base / "elsewhere")
    (shared_base / "audit").mkdir()
    locked = root / TFL_PART / "IndexedDB" / "locked"
    write(locked / "secret.ldb")
    ro_dir = root / TFL_PART / "Cache" / "ro"
    write(ro_dir / "ro-file")
    os.symlink(outside, ro_dir / "link")
    _chown_tree(shared_base)
    os.chmod(ro_dir / "ro-file", 0o444)
    os.chmod(ro_dir, 0o555)
    os.chmod(locked, 0o000)
    before = snapshot(outside)
    audit = AuditLog(shared_base / "audit" / "audit.jsonl")
    data = _as_unprivileged(lambda: _clean(home, audit).to_dict() | {
        "exit": _clean(home, audit).exit_code})
    assert snapshot(outside) == before
    os.chmod(locked, 0o755)
    assert (locked / "secret.ldb").exists()  # unreadable: reported, not forced
    assert not (root / TFL_PART / "Cache").exists()  # read-only folder and file: removed
    assert data["exit"] == 1
    assert data["skipped"] == {"unreadable folder": 1}
    [failure] = data["failures"]
    assert failure["path"] == f"{root}/{TFL_PART}/IndexedDB/locked"  # the prefix once
    assert "opened" in failure["reason"]
