from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devicecheck.audit import AuditLog
from devicecheck.cleaner.delete import Outcome, _delete_by_path
from devicecheck.cleaner.history import last_clean
from devicecheck.cleaner.plan import plan_clean
from devicecheck.cleaner.run import clean
from devicecheck.policy import Policy
from devicecheck.probes.processes import pid_alive
from tests.cleaner.helpers import (
    CLEARED,
    KEPT,
    TFL_PART,
    make_outside,
    make_tfl,
    no_processes,
    running_as,
    snapshot,
    tfl_root,
)
from tests.probes.other_user import other_users_process


def _env(home: Path) -> dict[str, str]:
    return {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}


def test_clean_removes_targets_keeps_kept_and_second_clean_finds_nothing(
        home: Path, audit: AuditLog) -> None:
    root = make_tfl(tfl_root(home))
    kept = {rel: (root / rel).read_bytes() for rel in KEPT}
    size = sum((root / r).stat().st_size for r in CLEARED)
    result = clean(Policy(), env=_env(home), home=home, os_name="linux", audit=audit,
                   processes=no_processes)
    assert result.exit_code == 0 and not result.failures
    assert (result.removed_files, result.removed_bytes) == (len(CLEARED), size)
    assert all(not (root / r).exists() for r in CLEARED)
    assert {rel: (root / rel).read_bytes() for rel in KEPT} == kept
    assert (root / TFL_PART).is_dir()  # profile folders stay; only their contents go
    again = clean(Policy(), env=_env(home), home=home, os_name="linux", audit=audit,
                  processes=no_processes)
    assert again.nothing_to_do and again.removed_files == 0 and again.exit_code == 0
    assert {rel: (root / rel).read_bytes() for rel in KEPT} == kept


def test_one_audit_record_per_clean_without_file_names(home: Path, audit: AuditLog) -> None:
    root = make_tfl(tfl_root(home))
    (root / TFL_PART / "IndexedDB" / "alice@example.org.ldb").write_bytes(b"x")
    result = clean(Policy(), env=_env(home), home=home, os_name="linux", audit=audit,
                   processes=no_processes)
    [rec] = [r for r in audit.read() if r["kind"] == "clean"]
    assert rec["clients"] == ["teams-for-linux"] and rec["refused"] == []
    assert rec["removed_files"] == result.removed_files == len(CLEARED) + 1
    assert rec["removed_bytes"] == result.removed_bytes and rec["duration_ms"] >= 0
    text = json.dumps(rec)
    assert "alice" not in text and "IndexedDB" not in text and str(home) not in text
    assert last_clean(audit, ["teams-for-linux"]) is not None
    assert last_clean(audit, ["teams-new"]) is None


def test_dry_run_deletes_nothing_and_writes_no_audit(home: Path, audit: AuditLog) -> None:
    make_tfl(tfl_root(home))
    before = snapshot(home)
    result = clean(Policy(), env=_env(home), home=home, os_name="linux", audit=audit,
                   dry_run=True, processes=no_processes)
    assert snapshot(home) == before and result.dry_run
    assert result.to_dict()["clients"][0]["targets"][0]["files"] >= 1
    assert list(audit.read()) == []


@pytest.fixture
def other_users_teams() -> Iterator[subprocess.Popen[bytes]]:
    with other_users_process("teams-for-linux") as proc:
        yield proc


@pytest.fixture
def fake_teams(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    with running_as("teams-for-linux", tmp_path / "bin") as proc:
        yield proc


def test_refuses_while_the_client_runs_and_never_kills_it(
        home: Path, audit: AuditLog, fake_teams: subprocess.Popen[bytes]) -> None:
    root = make_tfl(tfl_root(home))
    before = snapshot(root)
    result = clean(Policy(), env=_env(home), home=home, os_name="linux", audit=audit)
    assert result.refused == ["teams-for-linux"] and result.exit_code == 3
    assert "Teams for Linux is running (teams-for-linux)" in result.failures[0]["reason"]
    assert snapshot(root) == before
    assert fake_teams.poll() is None and pid_alive(fake_teams.pid, "teams-for-linux")
    data = result.to_dict()
    assert data["clients"][0]["running"] is True
    assert {t["action"] for t in data["clients"][0]["targets"]} == {"refused", "keep"}
    [rec] = list(audit.read())
    assert rec["refused"] == ["teams-for-linux"] and rec["removed_files"] == 0
    assert last_clean(audit, ["teams-for-linux"]) is None  # a refused clean is no clean


def test_path_walker_removes_links_as_links(home: Path, tmp_path: Path) -> None:
    """The Windows walker (path-based) runs here too: links are removed, never entered."""
    root = make_tfl(tfl_root(home))
    outside = make_outside(tmp_path / "elsewhere")
    os.symlink(outside, root / TFL_PART / "IndexedDB" / "junction-like")
    before = snapshot(outside)
    plan = plan_clean(Policy(), env=_env(home), home=home, os_name="linux",
                      processes=no_processes)
    [rp] = plan.clients
    total = Outcome()
    for t in rp.deletable:
        _delete_by_path(rp, t, total)
    assert snapshot(outside) == before
    assert total.links == 1 and total.files == len(CLEARED) and not total.failures


def test_failure_paths_name_the_data_folder_once(home: Path, audit: AuditLog) -> None:
    """Issue 17 #10: failure paths read ``…/Partitions/teams-4-linux/Partitions/teams-4-linux
    /IndexedDB``: the deleter's path already holds the target's components."""
    root = make_tfl(tfl_root(home))
    plan = plan_clean(Policy(), env=_env(home), home=home, os_name="linux",
                      processes=no_processes)
    idb = root / TFL_PART / "IndexedDB"
    idb.rename(root / "moved-away")   # a new folder under the same name: a new inode
    idb.mkdir()
    result = clean(Policy(), env=_env(home), home=home, os_name="linux", audit=audit,
                   plan=plan, processes=no_processes)
    [failure] = result.failures
    assert failure["path"] == f"{root}/{TFL_PART}/IndexedDB"
    assert "changed since the plan" in failure["reason"] and result.exit_code == 1


def test_a_folder_swapped_while_its_real_path_is_read_is_refused_not_a_traceback(
        home: Path, tmp_path: Path, audit: AuditLog, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 17 #8: ``realpath`` lstat()s a link, then readlink()s it; swapped in between
    for a folder, readlink fails with EINVAL and the clean died with a traceback."""
    real_config = home / "dotfiles" / "config"
    make_tfl(real_config / "teams-for-linux")
    (home / ".config").rmdir()
    os.symlink(real_config, home / ".config")   # a dotfiles manager's link, inside home
    real_readlink = os.readlink

    def swapping_readlink(path: Any, *a: Any, **kw: Any) -> Any:
        if os.fspath(path) == str(home / ".config") and os.path.islink(path):
            os.unlink(path)          # the race: the link becomes a folder right now
            os.mkdir(path)
        return real_readlink(path, *a, **kw)

    monkeypatch.setattr(os, "readlink", swapping_readlink)
    result = clean(Policy(), env=_env(home), home=home, os_name="linux", audit=audit,
                   processes=no_processes)
    monkeypatch.undo()
    assert result.exit_code == 1 and result.removed_files == 0
    [failure] = result.failures
    assert "changed while it was checked" in failure["reason"]
    assert (real_config / "teams-for-linux" / TFL_PART / "IndexedDB").is_dir()


def test_another_users_teams_does_not_make_the_clean_refuse(
        home: Path, audit: AuditLog, other_users_teams: subprocess.Popen[bytes]) -> None:
    """Issue 17 #9: any user's process named ``teams-for-linux`` made the officer's clean
    refuse. The default process finder (no ``processes=``) counts only this user's."""
    root = make_tfl(tfl_root(home))
    result = clean(Policy(), env=_env(home), home=home, os_name="linux", audit=audit)
    assert result.refused == [] and result.exit_code == 0
    assert not (root / TFL_PART / "IndexedDB").exists()
    assert other_users_teams.poll() is None  # never touched either
