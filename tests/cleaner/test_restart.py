"""``cleaner/restart.py``: the restart-to-clean flow with a real stand-in client (Linux),
and its refusals, audit record and JSON shape."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from devicecheck.audit import AuditLog
from devicecheck.cleaner import restart as restart_mod
from devicecheck.cleaner.control import ClientProcess, LinuxControl
from devicecheck.cleaner.restart import (
    FORCED_CACHES_ONLY,
    MEETING_ON,
    QUIT_FAILED,
    RESTART_CLEAN_KIND,
    restart_and_clean,
)
from devicecheck.policy import Policy
from tests.helpers import teams_standin
from tests.helpers.teams_standin import StandIn

TFL = "teams-for-linux"
PART = Path("Partitions") / "teams-4-linux"
INDEXEDDB = PART / "IndexedDB"
CACHE = PART / "Cache"


def _policy(mode: str = "personal-data", timeout: int = 1) -> Policy:
    p = Policy()
    return replace(p, cleaner=replace(p.cleaner, mode=mode, quit_timeout_seconds=timeout))


def _records(audit: AuditLog, kind: str) -> list[dict[str, Any]]:
    return [r for r in audit.read() if r["kind"] == kind]


@pytest.fixture
def root(home: Path) -> Path:
    return home / ".config" / TFL


def _run(s: StandIn, policy: Policy, audit: AuditLog, env: dict[str, str], home: Path,
         **kwargs: Any) -> restart_mod.RestartResult:
    return restart_and_clean(policy, client_ids=[TFL], audit=audit, control=s.control(),
                             env=env, home=home, os_name="linux", **kwargs)


def test_normal_restart_clears_the_data_and_starts_the_client_again(
        root: Path, tmp_path: Path, audit: AuditLog, env: dict[str, str], home: Path) -> None:
    with teams_standin.running(root, tmp_path / "ready", children=2) as s:
        assert (root / INDEXEDDB).exists()
        result = _run(s, _policy(), audit, env, home)
        assert result.refused_reason is None and result.clean is not None
        assert result.clients[TFL]["restarted"] and not result.clients[TFL]["forced"]
        assert result.clients[TFL]["relaunch_ok"] and result.clients[TFL]["quit_s"] < 30
        assert result.clean.removed_files > 0 and result.clean.refused == []
        assert not (root / INDEXEDDB).exists() and not (root / CACHE).exists()
        assert (root / "config.json").exists()                   # settings kept
        # (It names itself before it writes its start line: wait for the line.)
        teams_standin.wait_for(lambda: len(s.starts()) == 2, what="the relaunch's start line")
        first, second = s.starts()
        assert second["argv"] == first["argv"] and second["pid"] != first["pid"]
        teams_standin.wait_for(lambda: len(s.control().find(TFL)) == 3,
                               what="the relaunched client and its children")
        assert not (root / INDEXEDDB).exists()                    # and the data stayed gone
        assert 0 <= result.own_seconds <= result.seconds
    [rec] = _records(audit, RESTART_CLEAN_KIND)
    assert rec["restarted"] == [TFL] and rec["forced"] == [] and rec["cleaned"] is True
    # SIGTERM is the client's own quit ("close"); our relaunch started it again.
    assert rec["quit_method"] == "close" and rec["relaunch_methods"] == [f"{TFL}:relaunch"]
    assert rec["refused"] is None and rec["removed_files"] == result.clean.removed_files
    assert set(rec["quit_ms"]) == {TFL} and rec["duration_ms"] >= rec["own_ms"] >= 0
    assert str(tmp_path) not in json.dumps(rec) and "IndexedDB" not in json.dumps(rec)
    assert len(_records(audit, "clean")) == 1                    # clean() wrote its own


def test_a_meeting_on_means_nothing_is_quit(
        root: Path, tmp_path: Path, audit: AuditLog, env: dict[str, str], home: Path) -> None:
    with teams_standin.running(root, tmp_path / "ready") as s:
        result = _run(s, _policy(), audit, env, home, meeting_on=lambda: True)
        assert result.refused_reason == MEETING_ON and result.clean is None
        assert s.proc.poll() is None and (root / INDEXEDDB).exists()
        assert result.exit_code == 3
    [rec] = _records(audit, RESTART_CLEAN_KIND)
    assert rec["refused"] == MEETING_ON and rec["cleaned"] is False
    assert _records(audit, "clean") == []


def test_a_meeting_that_starts_before_the_quit_is_not_interrupted(
        root: Path, tmp_path: Path, audit: AuditLog, env: dict[str, str], home: Path) -> None:
    answers = iter([False, True])
    with teams_standin.running(root, tmp_path / "ready") as s:
        result = _run(s, _policy(), audit, env, home, meeting_on=lambda: next(answers))
        assert result.refused_reason == MEETING_ON
        assert s.proc.poll() is None and (root / INDEXEDDB).exists()


@pytest.mark.parametrize(("mode", "deleted"), [("caches-only", False), ("personal-data", True)])
def test_a_client_ignoring_sigterm_is_forced(
        mode: str, deleted: bool, root: Path, tmp_path: Path, audit: AuditLog,
        env: dict[str, str], home: Path) -> None:
    with teams_standin.running(root, tmp_path / "ready", ignore_term=True, children=1) as s:
        result = _run(s, _policy(mode), audit, env, home)
        assert result.clients[TFL]["forced"] and result.clients[TFL]["restarted"]
        assert result.quit_method == "forced" == result.clients[TFL]["quit_method"]
        assert result.clients[TFL]["quit_s"] >= 1.0             # waited the policy's timeout
        assert (not (root / CACHE).exists()) is deleted
        if deleted:
            assert result.refused_reason is None and result.clean is not None
            assert not (root / INDEXEDDB).exists()
        else:
            # caches-only would keep stores a forced end may have left half-written.
            assert result.refused_reason == FORCED_CACHES_ONLY and result.clean is None
            assert (root / INDEXEDDB).exists() and result.exit_code == 1
            text = result.to_dict()["failures"][0]["reason"]
            assert "forced" in text and "caches-only" in text
        teams_standin.wait_for(lambda: len(s.starts()) == 2, what="the relaunch")
    [rec] = _records(audit, RESTART_CLEAN_KIND)
    assert rec["forced"] == [TFL] and rec["cleaned"] is deleted


def test_session_end_quits_without_starting_again(
        root: Path, tmp_path: Path, audit: AuditLog, env: dict[str, str], home: Path) -> None:
    with teams_standin.running(root, tmp_path / "ready") as s:
        result = _run(s, _policy(), audit, env, home, relaunch=False)
        assert result.refused_reason is None and not (root / INDEXEDDB).exists()
        assert s.control().find(TFL) == [] and len(s.starts()) == 1
        assert result.clients[TFL]["restarted"] is False and result.exit_code == 0


def test_not_running_just_cleans(root: Path, tmp_path: Path, audit: AuditLog,
                                 env: dict[str, str], home: Path) -> None:
    seeder = teams_standin.start(root, tmp_path / "ready").proc   # seeds the data folder
    seeder.terminate()
    assert seeder.wait(timeout=30) == 0
    control = teams_standin.control_for_tag("nothing-has-this-tag")
    result = restart_and_clean(_policy(), client_ids=[TFL], audit=audit, control=control,
                               env=env, home=home, os_name="linux")
    assert result.refused_reason is None and result.clients == {}
    assert result.clean is not None and result.clean.removed_files > 0
    data = result.to_dict()
    assert data["clients"][0]["restarted"] is False and data["clients"][0]["forced"] is False


class StuckControl(LinuxControl):
    """A client that survives even SIGKILL (a process stuck in the kernel)."""

    def __init__(self) -> None:
        super().__init__(table=lambda: [ClientProcess(4242, TFL, "/opt/t/teams-for-linux",
                                                      ("/opt/t/teams-for-linux",))],
                         alive=lambda p: True, send_signal=self._record, cwd_of=lambda pid: "",
                         exists=lambda path: True)
        self.sent: list[int] = []
        self.spawned = 0

    def _record(self, pid: int, sig: int) -> None:
        self.sent.append(sig)

    def wait_gone(self, procs: Sequence[ClientProcess], timeout: float) -> bool:
        return False

    def relaunch(self, spec: Any) -> bool:
        self.spawned += 1
        return True


def test_a_client_that_cannot_be_stopped_is_not_cleaned_or_started(
        root: Path, audit: AuditLog, env: dict[str, str], home: Path) -> None:
    cleaned: list[bool] = []
    control = StuckControl()
    result = restart_and_clean(_policy(), client_ids=[TFL], audit=audit, control=control,
                               cleaner=lambda *a, **k: cleaned.append(True),  # type: ignore[arg-type]
                               env=env, home=home, os_name="linux")
    assert result.refused_reason == QUIT_FAILED and result.exit_code == 3
    assert cleaned == [] and control.spawned == 0 and len(control.sent) == 2  # TERM, KILL
    assert result.clients[TFL]["forced"] and not result.clients[TFL]["stopped"]
    assert "could not be stopped" in (result.reason_text() or "")


def test_to_dict_adds_restart_fields_to_the_clean_json(
        root: Path, tmp_path: Path, audit: AuditLog, env: dict[str, str], home: Path) -> None:
    with teams_standin.running(root, tmp_path / "ready") as s:
        data = _run(s, _policy(), audit, env, home).to_dict()
    assert {"clients", "removed_files", "removed_bytes", "failures"} <= set(data)
    [entry] = data["clients"]
    assert {"id", "root", "running", "targets", "restarted", "forced"} <= set(entry)
    assert entry["restarted"] is True and entry["forced"] is False
    assert set(data["restart"][TFL]) >= {"restarted", "forced", "quit_s", "relaunch_ok"}
    assert data["refused_reason"] is None and data["meeting"] == "off"
    json.dumps(data)
