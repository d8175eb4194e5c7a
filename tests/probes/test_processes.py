"""``find_processes(own_user=True)``: another local user's program named like Teams does not
count (issue 17 #9: it made the officer's ``clean`` refuse)."""

from __future__ import annotations

import collections
import os
import subprocess
from collections.abc import Iterator

import pytest

from devicecheck.probes.processes import (
    Owner,
    current_owner,
    find_processes,
    owned_by,
    pid_alive,
)
from devicecheck.teams.processes import ProcessWatcher
from tests.probes.other_user import other_users_process

# psutil's Process.uids() is a namedtuple (real, effective, saved): psutil docs.
Uids = collections.namedtuple("Uids", "real effective saved")


def test_posix_owner_is_the_real_uid() -> None:
    me = Owner(uid=1000)
    assert owned_by({"pid": 1, "uids": Uids(1000, 1000, 1000)}, me)
    assert not owned_by({"pid": 1, "uids": Uids(1001, 1000, 1000)}, me)
    assert not owned_by({"pid": 1, "uids": None}, me)   # unreadable: not ours


def test_windows_owner_is_the_account_and_the_session() -> None:
    me = Owner(username="COUNCIL\\officer", session=2)
    sessions = {10: 2, 11: 3}.get
    assert owned_by({"pid": 10, "username": "COUNCIL\\officer"}, me, sessions)
    assert not owned_by({"pid": 11, "username": "COUNCIL\\officer"}, me, sessions)  # RDP twin
    assert not owned_by({"pid": 10, "username": "COUNCIL\\other"}, me, sessions)
    assert not owned_by({"pid": 10, "username": None}, me, sessions)  # access denied
    assert owned_by({"pid": 12, "username": "COUNCIL\\officer"},
                    Owner(username="COUNCIL\\officer"), sessions)  # our session unknown


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX uids")
def test_current_owner_is_this_process() -> None:
    assert current_owner() == Owner(uid=os.getuid())


@pytest.fixture
def other_users_teams() -> Iterator[subprocess.Popen[bytes]]:
    with other_users_process("teams-for-linux") as proc:
        yield proc


def test_another_users_process_is_seen_only_without_own_user(
        other_users_teams: subprocess.Popen[bytes]) -> None:
    pid = other_users_teams.pid
    assert any(p.pid == pid for p in find_processes(["teams-for-linux"], os_name="linux"))
    assert not any(p.pid == pid for p in find_processes(["teams-for-linux"], os_name="linux",
                                                        own_user=True))
    assert pid_alive(pid, "teams-for-linux", os_name="linux")
    assert not pid_alive(pid, "teams-for-linux", os_name="linux", own_user=True)


def test_the_teams_watcher_ignores_another_users_teams(
        other_users_teams: subprocess.Popen[bytes]) -> None:
    watcher = ProcessWatcher({"teams-for-linux": frozenset({"teams-for-linux"})}, "linux")
    watcher.poll(0.0)
    assert watcher.scans == 1 and other_users_teams.pid not in watcher.known
