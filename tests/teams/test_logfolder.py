"""New Teams' log folder (issue 29): which file is followed (the main family, written
last), whose (the officer's own), in which folder (none others can write), and at what
cost (listing only on change, spread over polls, capped). Lines follow the published
format (tests/fixtures/teams-log/README.md); ids are made up."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from devicecheck.teams.logtail import LogFollower
from devicecheck.teams.teamslog import ACTIVE, ENDED
from tests.teams.test_teamslog import A, B, hfp_active, hfp_ended, kinds, write


# -- issue 29 item 4: a listing's cost -------------------------------------------------------
def test_the_folder_is_listed_again_only_when_it_changed(tmp_path: Path) -> None:
    from devicecheck.teams.logfolder import LogFolder

    tmp_path = tmp_path / "Logs"          # the conftest puts its own folders in tmp_path
    tmp_path.mkdir()
    for i in range(3000):
        (tmp_path / f"other-{i}.txt").touch()
    write(tmp_path / "MSTeams_2026-07-30_09-00-00.00.log", "")
    # The listing starts "later" than the folder's change: not racy.
    folder = LogFolder(tmp_path, wall=lambda: time.time() + 60)
    assert folder.newest() == "MSTeams_2026-07-30_09-00-00.00.log"
    assert folder.listings == 1 and folder.entries_seen == 3001
    for _ in range(5):
        folder.newest()
    assert folder.listings == 1 and folder.entries_seen == 3001   # idle: no listing
    write(tmp_path / "MSTeams_2026-07-30_09-00-00.01.log", "x\n")
    assert folder.newest() == "MSTeams_2026-07-30_09-00-00.01.log"
    assert folder.listings == 2


def test_a_listing_is_spread_over_polls_and_capped(tmp_path: Path) -> None:
    from devicecheck.teams.logfolder import LogFolder

    for i in range(2000):
        (tmp_path / f"other-{i}.txt").touch()
    write(tmp_path / "MSTeams_2026-07-30_09-00-00.00.log", "")
    ticks = iter(range(10**6))
    folder = LogFolder(tmp_path, budget_s=0.5, clock=lambda: float(next(ticks)),
                       wall=lambda: time.time() + 60)
    polls = 0
    while folder.listings == 0:
        polls += 1
        before = folder.entries_seen
        name = folder.newest()
        assert folder.entries_seen - before <= 256    # one batch a poll at this budget
        if folder.listings == 0:
            assert name is None and folder.problem == "Teams' log folder is still being listed"
    assert polls >= 2001 // 256 and name == "MSTeams_2026-07-30_09-00-00.00.log"
    capped = LogFolder(tmp_path, max_entries=512)
    capped.newest()
    assert capped.listings == 1 and capped.entries_seen <= 512 + 256
    assert capped.capped and capped.problem is not None and "too many files" in capped.problem


# -- issue 29 item 3: whose file, which file, which folder ---------------------------------
def test_the_file_written_last_is_followed_whatever_its_name(tmp_path: Path) -> None:
    # The clocks going back: the file started after the change has the lower name.
    before = tmp_path / "MSTeams_2026-10-25_01-50-00.00.log"
    after = tmp_path / "MSTeams_2026-10-25_01-10-00.00.log"
    write(before, hfp_active(A) + "\n")
    now = time.time()
    os.utime(before, (now - 120, now - 120))
    f = LogFollower(tmp_path)
    f.poll()
    assert f.current is not None and f.current.name == before.name
    write(after, hfp_ended(A) + "\n")
    assert kinds(f.poll()) == [(ENDED, A)]
    assert f.current is not None and f.current.name == after.name


def test_a_deleted_file_is_left_at_once(tmp_path: Path) -> None:
    real = tmp_path / "MSTeams_2026-07-30_09-00-00.00.log"
    write(real, hfp_active(A) + "\n")
    now = time.time()
    os.utime(real, (now - 60, now - 60))
    planted = tmp_path / "MSTeams_2099-01-01_00-00-00.00.log"
    write(planted, hfp_active(B) + "\n")
    f = LogFollower(tmp_path)
    f.poll()
    assert f.current is not None and f.current.name == planted.name
    planted.unlink()
    write(real, hfp_ended(A) + "\n", "a")
    events = f.poll()                                  # the very next poll
    assert f.current is not None and f.current.name == real.name
    assert (ENDED, A) in kinds(events)


@pytest.mark.skipif(not hasattr(os, "chown") or os.geteuid() != 0,
                    reason="making another user's file needs root")
def test_another_users_file_is_never_read(tmp_path: Path) -> None:
    ours = tmp_path / "MSTeams_2026-07-30_09-00-00.00.log"
    write(ours, hfp_active(A) + "\n")
    now = time.time()
    os.utime(ours, (now - 60, now - 60))
    theirs = tmp_path / "MSTeams_2026-07-30_10-00-00.00.log"
    write(theirs, hfp_ended(A) + "\n" + hfp_active(B) + "\n")
    os.chown(theirs, 65534, 65534)
    f = LogFollower(tmp_path)
    assert kinds(f.poll()) == [(ACTIVE, A)]
    assert f.current is not None and f.current.name == ours.name


def test_a_file_owned_by_another_sid_is_refused_on_windows(tmp_path: Path) -> None:
    """The Windows owner look-up (teams/winsec.py) behind its seam: a fake SID per fd."""
    from devicecheck.teams.logfolder import WindowsTrust

    owners: dict[str, str] = {}

    def owner(fd: int) -> str:
        return owners[os.path.basename(os.readlink(f"/proc/self/fd/{fd}"))]

    me = "S-1-5-21-1-2-3-1001"
    trust = WindowsTrust(lambda: me, owner, lambda _p: (me, []))
    ours = tmp_path / "MSTeams_2026-07-30_09-00-00.00.log"
    theirs = tmp_path / "MSTeams_2026-07-30_10-00-00.00.log"
    write(ours, hfp_active(A) + "\n")
    now = time.time()
    os.utime(ours, (now - 60, now - 60))
    write(theirs, hfp_ended(A) + "\n")
    owners.update({ours.name: me, theirs.name: "S-1-5-21-1-2-3-1002"})
    if not Path("/proc/self/fd").exists():
        pytest.skip("needs /proc to name an fd's file")
    f = LogFollower(tmp_path, trust=trust)
    assert kinds(f.poll()) == [(ACTIVE, A)]
    assert f.current is not None and f.current.name == ours.name


@pytest.mark.parametrize(("mode", "refused"), [
    (0o755, False), (0o700, False), (0o1777, False),  # sticky and ours: others' files ignored
    (0o775, True), (0o777, True), (0o757, True)])
def test_a_folder_others_can_write_is_refused(tmp_path: Path, mode: int, refused: bool
                                              ) -> None:
    from devicecheck.teams.logfolder import folder_problem

    logs = tmp_path / "Logs"
    logs.mkdir()
    write(logs / "MSTeams_2026-07-30_09-00-00.00.log", hfp_active(A) + "\n")
    os.chmod(logs, mode)
    f = LogFollower(logs)
    events = f.poll()
    if refused:
        assert events == [] and f.current is None
        assert f.problem == "other users can write to Teams' log folder (not read)"
        assert folder_problem(logs) == f.problem
    else:
        assert kinds(events) == [(ACTIVE, A)] and folder_problem(logs) is None


def test_a_folder_of_another_user_is_refused() -> None:
    import stat as st_

    from devicecheck.teams.logfolder import posix_folder_problem

    def st(mode: int, uid: int) -> os.stat_result:
        return os.stat_result((st_.S_IFDIR | mode, 1, 1, 1, uid, 0, 0, 0, 0, 0))

    assert posix_folder_problem(st(0o755, 1000), 1000) is None
    assert posix_folder_problem(st(0o755, 0), 1000) is None          # root's: IT's
    assert "another user" in (posix_folder_problem(st(0o700, 1001), 1000) or "")
    assert "can write" in (posix_folder_problem(st(0o1777, 0), 1000) or "")  # sticky, not ours


def test_windows_folder_acl_judgement() -> None:
    from devicecheck.teams.winsec import (
        ADMINISTRATORS,
        FILE_ADD_FILE,
        GENERIC_ALL,
        INHERIT_ONLY_ACE,
        SYSTEM,
        Ace,
        others_can_write,
    )

    me = "S-1-5-21-1-2-3-1001"
    read = 0x120089                                       # FILE_GENERIC_READ
    profile = [Ace(0, 0x3, GENERIC_ALL, me), Ace(0, 0x3, GENERIC_ALL, SYSTEM),
               Ace(0, 0x3, GENERIC_ALL, ADMINISTRATORS),
               Ace(0, 0x3, GENERIC_ALL, "S-1-15-2-1234-5678"),     # Teams' package
               Ace(0, 0x3, read, "S-1-1-0")]                        # Everyone may read
    assert others_can_write(me, profile, me) is None
    users_write = [*profile, Ace(0, 0, FILE_ADD_FILE, "S-1-5-32-545")]
    assert others_can_write(me, users_write, me) == "its access list lets other users write to it"
    inherit_only = [*profile, Ace(0, INHERIT_ONLY_ACE | 0x3, GENERIC_ALL, "S-1-3-0")]
    assert others_can_write(me, inherit_only, me) is None
    assert others_can_write(me, None, me) == "it has no access list (everyone may write)"
    assert others_can_write("S-1-5-21-9", profile, me) == "it belongs to another user"
    assert others_can_write(None, profile, me) == "its owner cannot be read"
    assert others_can_write(me, [Ace(5, 0, FILE_ADD_FILE, None)], me) is not None
