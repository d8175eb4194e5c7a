"""Runs as SYSTEM (Intune) or root: per-user checks judge the console user (their hive,
their profile, their processes) and name them; nobody at the console -> ``skip``. Also the
Windows cost: a full check run starts at most two processes."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from devicecheck.checks import all_checks
from devicecheck.checks.base import Status
from devicecheck.checks.engine import run_checks, run_one
from devicecheck.checks.meeting_data import MeetingData
from devicecheck.checks.recorders import Recorders
from devicecheck.checks.screen_lock import ScreenLockCheck
from devicecheck.probes.registry import DictRegistry
from devicecheck.probes.session import ConsoleUser, linux_seated_user, parse_logind_state
from tests.probes.fakes import FakeRunner, fixture, make_ctx, make_policy, registry

SID = "S-1-5-21-1111111111-2222222222-3333333333-1001"
TENANT = "96fa76d0-1111-2222-3333-eb60cc224444"
COUNCIL = make_policy(organisation={"tenant_ids": (TENANT,)})
POSIX = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="copies /bin/sleep")


def windows_runner() -> FakeRunner:
    return FakeRunner({
        "dsregcmd /status": fixture("windows/dsregcmd_entra_joined.txt"),
        "Win32_EncryptableVolume": fixture("windows/bitlocker_wmi_on.json"),
        "Get-NetFirewallProfile": fixture("windows/firewall_all_on.json"),
        "Get-MpComputerStatus": fixture("windows/defender_ok.json"),
    })


def test_full_windows_check_run_starts_at_most_two_processes(tmp_path: Path) -> None:
    runner = windows_runner()
    reg = registry("windows/registry_intune_enrolled.json", "windows/registry_screen_lock_policy.json",
                   "windows/registry_version_23h2.json")
    ctx = make_ctx("windows", runner=runner, registry=reg, loaded=COUNCIL, home=tmp_path)
    results = run_checks(all_checks(), ctx)
    by_id = {r.id: r.status for r in results}
    assert len(runner.calls) <= 2, runner.calls
    assert sorted(c[0] for c in runner.calls) == ["dsregcmd", "powershell.exe"]
    # The one PowerShell answered all three of its checks.
    assert by_id["firewall"] is by_id["disk-encryption"] is by_id["antivirus"] is Status.PASS


# -- Windows as SYSTEM, with an injected console user ----------------------------------

def system_registry() -> DictRegistry:
    """HKLM as on the laptop; the console user's hive under HKU\\<SID>; SYSTEM's own HKCU
    says something else, which must never be read."""
    data: dict[str, dict[str, object]] = {f"HKU\\{SID}\\Control Panel\\Desktop": {
                "ScreenSaveActive": "1", "ScreenSaverIsSecure": "1", "ScreenSaveTimeOut": "240",
                "SCRNSAVE.EXE": r"C:\Windows\system32\scrnsave.scr"},
            r"HKCU\Control Panel\Desktop": {"ScreenSaveActive": "0"},
            f"HKU\\{SID}\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\GameDVR":
                {"AppCaptureEnabled": 0},
            f"HKU\\{SID}\\System\\GameConfigStore": {"GameDVR_Enabled": 0}}
    return DictRegistry(data)


def console(home: Path, uid: int | None = None) -> ConsoleUser:
    return ConsoleUser(r"COUNCIL\jsmith", home, uid=uid, sid=SID, session="1")


def test_system_judges_the_console_users_hive_and_names_them(tmp_path: Path) -> None:
    ctx = make_ctx("windows", registry=system_registry(), service=True,
                   console=console(tmp_path / "jsmith"))
    v = run_one(ScreenLockCheck(), ctx)
    assert v.status is Status.PASS and "locks after 4 min" in v.summary
    assert r"judged for COUNCIL\jsmith" in v.summary
    assert v.evidence["judged_user"] == r"COUNCIL\jsmith" and v.evidence["run_as"] == "SYSTEM"


def test_system_judges_the_console_users_profile_not_the_environment(tmp_path: Path) -> None:
    profile = tmp_path / "Users/jsmith"
    root = profile / "AppData/Local/Packages/MSTeams_8wekyb3d8bbwe/LocalCache/Microsoft/MSTeams"
    (root / "EBWebView/WV2Profile_tfw/IndexedDB").mkdir(parents=True)
    (root / "EBWebView/WV2Profile_tfw/IndexedDB/000003.log").write_text("alice@example.org")
    old = (root / "UserAvatarIcons/3f2a.png")
    old.parent.mkdir(parents=True)
    old.write_bytes(b"photo")
    os.utime(old, (1_000_000_000, 1_000_000_000))  # 2001: far older than max_age_hours
    decoy = tmp_path / "decoy"  # what an officer-set LOCALAPPDATA would point at
    ctx = make_ctx("windows", registry=system_registry(), service=True, console=console(profile),
                   env={"LOCALAPPDATA": str(decoy), "USERPROFILE": str(decoy)})
    v = run_one(MeetingData(), ctx)
    assert v.status is Status.WARN and "has not been cleared" in v.summary
    assert "teams-new holds 2 files" in v.summary and "judged for COUNCIL\\jsmith" in v.summary
    assert v.evidence["audit"].startswith("not trusted")  # the officer can write the audit log
    os.utime(old)  # all fresh: within the limit
    assert run_one(MeetingData(), ctx).status is Status.PASS


@POSIX
def test_system_recorders_are_the_console_users_processes_only(tmp_path: Path) -> None:
    exe = tmp_path / "obs"
    shutil.copy("/bin/sleep", exe)
    with contextlib.closing(_Proc([str(exe), "30"])) as proc:
        policy = make_policy()
        mine = make_ctx("windows", registry=system_registry(), loaded=policy, service=True,
                        console=console(tmp_path, uid=os.getuid()))
        v = run_one(Recorders(), mine)
        assert v.status is Status.FAIL and proc.pid in {p["pid"] for p in v.evidence["running"]}
        other = make_ctx("windows", registry=system_registry(), loaded=policy, service=True,
                         console=console(tmp_path, uid=os.getuid() + 4242))
        v = run_one(Recorders(), other)
        assert v.status is Status.PASS and "Game Bar capture is off" in v.summary
        assert v.evidence["judged_user"] == r"COUNCIL\jsmith"


def test_nobody_at_the_console_skips_per_user_checks_only() -> None:
    ctx = make_ctx("windows", runner=windows_runner(), registry=system_registry(), service=True,
                   console=None)
    results = {r.id: r for r in run_checks(all_checks(), ctx)}
    for check_id in ("screen-lock", "meeting-data", "recorders"):
        assert results[check_id].status is Status.SKIP
        assert "Nobody is signed in at the console" in results[check_id].summary
    assert results["firewall"].status is Status.PASS  # machine checks still run


# -- Linux as root ---------------------------------------------------------------------

def test_logind_seat_file() -> None:
    seat = parse_logind_state("# This is private data.\nIS_SEAT0=1\nACTIVE=c2\nACTIVE_UID=1000\n")
    assert seat == {"IS_SEAT0": "1", "ACTIVE": "c2", "ACTIVE_UID": "1000"}


def test_no_seat_or_root_at_the_seat_is_nobody(tmp_path: Path) -> None:
    assert linux_seated_user(tmp_path) is None
    seat = tmp_path / "run/systemd/seats/seat0"
    seat.parent.mkdir(parents=True)
    seat.write_text("ACTIVE=c1\nACTIVE_UID=0\n")
    assert linux_seated_user(tmp_path) is None


class _Proc:
    def __init__(self, argv: list[str], user: int | None = None) -> None:
        self.popen = subprocess.Popen(argv, user=user)
        self.pid = self.popen.pid

    def close(self) -> None:
        self.popen.kill()
        self.popen.wait()


@pytest.fixture
def temp_user() -> Iterator[pwd.struct_passwd]:
    """A real, temporary local account (needs root and useradd), its home in a folder
    other users can reach (pytest's own temp folders are root-only)."""
    if not (hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("useradd")):
        pytest.skip("needs root and useradd to create a temporary user")
    base = Path(tempfile.mkdtemp(prefix="devicecheck-user-"))
    base.chmod(0o755)
    name = f"dct{uuid.uuid4().hex[:8]}"
    subprocess.run(["useradd", "--home-dir", str(base / name), "--create-home", "--shell",
                    "/usr/sbin/nologin", name], check=True, capture_output=True, timeout=30)
    try:
        yield pwd.getpwnam(name)
    finally:
        subprocess.run(["userdel", "--force", name], check=False, capture_output=True, timeout=30)
        shutil.rmtree(base, ignore_errors=True)


@POSIX
def test_linux_root_judges_the_seated_users_profile_and_processes(
        tmp_path: Path, temp_user: pwd.struct_passwd) -> None:
    root = tmp_path / "root"
    seat = root / "run/systemd/seats/seat0"
    seat.parent.mkdir(parents=True)
    seat.write_text(f"IS_SEAT0=1\nACTIVE=c3\nACTIVE_UID={temp_user.pw_uid}\n")
    who = linux_seated_user(root)
    assert who == ConsoleUser(temp_user.pw_name, Path(temp_user.pw_dir), uid=temp_user.pw_uid,
                              session="c3")
    # Their teams-for-linux data, owned by them, in their real home.
    data = Path(temp_user.pw_dir) / ".config/teams-for-linux/Partitions/teams-4-linux/IndexedDB"
    data.mkdir(parents=True)
    (data / "000003.log").write_text("alice@example.org")
    subprocess.run(["chown", "-R", f"{temp_user.pw_uid}:{temp_user.pw_gid}",
                    str(Path(temp_user.pw_dir))], check=True, timeout=30)
    exe = Path(temp_user.pw_dir).parent / "obs"  # reachable by both accounts
    shutil.copy("/bin/sleep", exe)
    exe.chmod(0o755)
    with contextlib.closing(_Proc([str(exe), "30"], user=temp_user.pw_uid)) as theirs, \
            contextlib.closing(_Proc([str(exe), "30"])) as roots:
        ctx = make_ctx("linux", root=root, home=tmp_path / "root-home", service=True,
                       console=who, env={"XDG_CONFIG_HOME": str(tmp_path / "decoy")})
        v = run_one(Recorders(), ctx)
        pids = {p["pid"] for p in v.evidence["running"]}
        assert v.status is Status.FAIL and theirs.pid in pids and roots.pid not in pids
        assert f"judged for {temp_user.pw_name}" in v.summary
        v = run_one(MeetingData(), ctx)
        assert "teams-for-linux holds 1 file" in v.summary, v.summary
        assert v.evidence["judged_user"] == temp_user.pw_name
