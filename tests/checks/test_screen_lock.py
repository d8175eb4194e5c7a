"""``screen-lock``: Windows registry values, macOS without root, GNOME and KDE."""

from __future__ import annotations

from pathlib import Path

import pytest

from devicecheck.checks.base import Status
from devicecheck.checks.engine import run_one
from devicecheck.checks.screen_lock import ScreenLockCheck
from devicecheck.probes.registry import DictRegistry
from devicecheck.probes.session import ConsoleUser
from tests.probes.fakes import FakeRunner, fixture, make_ctx, make_policy, ok, registry
from tests.probes.linuxfakes import FakeLinux

FIXTURES = Path(__file__).parents[1] / "fixtures"


@pytest.mark.parametrize(("name", "status", "words"), [
    ("policy", Status.PASS, "locks after 5 min"),          # policy 300 s beats user 900 s
    ("inactivity", Status.PASS, "locks after 4 min"),      # machine limit; saver not secure
    ("too_long", Status.FAIL, "only after 20 min"),
    ("never", Status.FAIL, "never locks"),
    ("no_saver_chosen", Status.FAIL, "never locks"),     # secure, 300 s, but no saver set
])
def test_windows_registry(name: str, status: Status, words: str) -> None:
    ctx = make_ctx("windows", registry=registry(f"windows/registry_screen_lock_{name}.json"))
    v = run_one(ScreenLockCheck(), ctx)
    assert v.status is status and words in v.summary
    assert v.evidence["signals"]
    if status is Status.FAIL:
        assert v.remediation and v.remediation.link == "ms-settings:lockscreen"
        assert "5 minutes" in v.remediation.text


def test_windows_policy_minutes_come_from_policy() -> None:
    ctx = make_ctx("windows", registry=registry("windows/registry_screen_lock_too_long.json"),
                   loaded=make_policy(screen_lock={"max_idle_minutes": 30}))
    assert run_one(ScreenLockCheck(), ctx).status is Status.PASS


def test_windows_without_registry_is_unknown() -> None:
    assert run_one(ScreenLockCheck(), make_ctx("windows")).status is Status.UNKNOWN


def mac(sysadminctl: str | None, pmset: str = "pmset_g", idle: str | None = None,
        root: Path | None = None):
    answers: dict[str, object] = {"pmset -g": fixture(f"macos/{pmset}.txt")}
    if sysadminctl:
        # sysadminctl prints on stderr; the fake puts it there too.
        from tests.probes.fakes import ok
        answers["sysadminctl -screenLock status"] = ok("", fixture(f"macos/{sysadminctl}.txt"))
    if idle:
        answers["defaults -currentHost read com.apple.screensaver idleTime"] = idle
    return run_one(ScreenLockCheck(), make_ctx("macos", runner=FakeRunner(answers), root=root))  # type: ignore[arg-type]


def test_macos_states(tmp_path: Path) -> None:
    v = mac("sysadminctl_delay", idle="240\n")
    assert v.status is Status.PASS and v.evidence["lock_after_s"] == 245
    v = mac("sysadminctl_immediate")  # display sleeps after 10 min
    assert v.status is Status.FAIL and "10 min" in v.summary
    assert v.remediation and "Lock-Screen" in (v.remediation.link or "")
    assert mac("sysadminctl_off", idle="60").status is Status.FAIL
    assert mac("sysadminctl_immediate", pmset="pmset_g_never").status is Status.FAIL
    assert mac(None).status is Status.UNKNOWN


def test_macos_managed_profile(tmp_path: Path) -> None:
    prefs = tmp_path / "Library/Managed Preferences"
    prefs.mkdir(parents=True)
    (prefs / "com.apple.screensaver.plist").write_bytes(
        (FIXTURES / "macos/managed_screensaver.plist").read_bytes())
    v = mac(None, root=tmp_path)  # sysadminctl unavailable: the profile answers
    assert v.status is Status.PASS and v.evidence["lock_after_s"] == 300


def gnome(tmp_path: Path, lock: str = "true", idle: str = "uint32 300",
          delay: str = "uint32 0") -> FakeLinux:
    script = tmp_path / "bin"
    fake = FakeLinux(tmp_path)
    answers = {"org.gnome.desktop.screensaver lock-enabled": lock,
               "org.gnome.desktop.screensaver lock-delay": delay,
               "org.gnome.desktop.session idle-delay": idle}
    body = "".join(f'[ "$2 $3" = "{k}" ] && echo "{v}" && exit 0\n' for k, v in answers.items())
    (script / "gsettings").write_text("#!/bin/sh\n" + body + "exit 1\n")
    (script / "gsettings").chmod(0o755)
    return fake


@pytest.mark.parametrize(("lock", "idle", "delay", "status", "after"), [
    ("true", "uint32 300", "uint32 0", Status.PASS, 300),
    ("true", "uint32 240", "uint32 30", Status.PASS, 270),
    ("true", "uint32 900", "uint32 0", Status.FAIL, 900),
    ("false", "uint32 300", "uint32 0", Status.FAIL, 0),
    ("true", "uint32 0", "uint32 0", Status.FAIL, 0),
])
def test_gnome(tmp_path: Path, lock: str, idle: str, delay: str, status: Status,
               after: int) -> None:
    v = run_one(ScreenLockCheck(), gnome(tmp_path, lock, idle, delay).ctx(
        XDG_CURRENT_DESKTOP="ubuntu:GNOME"))
    assert v.status is status and v.evidence["lock_after_s"] == after


def test_gnome_schema_missing_is_unknown(tmp_path: Path) -> None:
    fake = FakeLinux(tmp_path).command("gsettings", stderr="No such schema", code=1)
    v = run_one(ScreenLockCheck(), fake.ctx(XDG_CURRENT_DESKTOP="GNOME"))
    assert v.status is Status.UNKNOWN and "GNOME" in v.summary


def test_kde_user_file_over_system_defaults(tmp_path: Path) -> None:
    fake = FakeLinux(tmp_path).file("etc/xdg/kscreenlockerrc", "[Daemon]\nTimeout=15\n")
    fake.home_file(".config/kscreenlockerrc", fixture("linux/kscreenlockerrc"))
    v = run_one(ScreenLockCheck(), fake.ctx(XDG_CURRENT_DESKTOP="KDE"))
    assert v.status is Status.PASS and v.evidence["lock_after_s"] == 4 * 60 + 30
    fake.home_file(".config/kscreenlockerrc", fixture("linux/kscreenlockerrc_autolock_off"))
    v = run_one(ScreenLockCheck(), fake.ctx(XDG_CURRENT_DESKTOP="KDE"))
    assert v.status is Status.FAIL and "never" in v.summary


def test_kde_without_files_uses_kde_defaults(tmp_path: Path) -> None:
    # KDE's defaults: lock after 5 min, then a 5 s grace without a password. The grace
    # counts, so the defaults miss a 5-minute limit by 5 s (strict, and documented).
    fake = FakeLinux(tmp_path)
    v = run_one(ScreenLockCheck(), fake.ctx(XDG_CURRENT_DESKTOP="KDE"))
    assert v.status is Status.FAIL and v.evidence["lock_after_s"] == 305
    ctx = fake.ctx(make_policy(screen_lock={"max_idle_minutes": 6}), XDG_CURRENT_DESKTOP="KDE")
    assert run_one(ScreenLockCheck(), ctx).status is Status.PASS


def test_other_or_no_desktop_is_unknown(tmp_path: Path) -> None:
    v = run_one(ScreenLockCheck(), FakeLinux(tmp_path).ctx(XDG_CURRENT_DESKTOP="XFCE"))
    assert v.status is Status.UNKNOWN and "XFCE" in v.summary


def test_no_desktop_names_what_was_looked_for(tmp_path: Path) -> None:
    v = run_one(ScreenLockCheck(), FakeLinux(tmp_path).ctx())
    if v.evidence.get("desktop") is None:  # a test host running GNOME/KDE would name it
        assert v.status is Status.UNKNOWN and "No desktop session" in v.summary
        assert any("gnome-shell" in s for s in v.evidence["signals"])
    else:
        assert v.evidence["signals"]


# -- issue 20: Intune DeviceLock, MDM-managed unknown, sysadminctl -1, user-scoped profiles

def test_windows_intune_devicelock_counts() -> None:
    # Screen saver off, but Intune's DeviceLock/MaxInactivityTimeDeviceLock = 5 (minutes)
    # with DevicePasswordEnabled = 0: Windows locks after 5 min, not "never".
    ctx = make_ctx("windows", registry=registry("windows/registry_intune_devicelock.json"))
    v = run_one(ScreenLockCheck(), ctx)
    assert v.status is Status.PASS and "locks after 5 min" in v.summary
    assert "Intune DeviceLock limit 5 min" in v.evidence["signals"]


def test_windows_devicelock_without_password_policy_is_not_enforced() -> None:
    reg = registry("windows/registry_intune_devicelock.json")
    key = r"HKLM\SOFTWARE\Microsoft\PolicyManager\current\device\DeviceLock"
    values = reg.values(key) or {}
    values.pop("DevicePasswordEnabled")
    data = {k: reg.values(k) for k in (key, r"HKCU\Control Panel\Desktop")}
    data[key] = values
    v = run_one(ScreenLockCheck(), make_ctx("windows", registry=DictRegistry(data)))  # type: ignore[arg-type]
    assert v.status is Status.FAIL and "never locks" in v.summary  # not enrolled, no limit
    assert any("not enforced" in s for s in v.evidence["signals"])


def test_windows_mdm_managed_with_nothing_readable_is_unknown_not_fail() -> None:
    ctx = make_ctx("windows", registry=registry("windows/registry_intune_no_lock_readable.json"))
    v = run_one(ScreenLockCheck(), ctx)
    assert v.status is Status.UNKNOWN and "managed by Intune" in v.summary
    # The same settings on an unmanaged laptop are a plain "never locks".
    ctx = make_ctx("windows", registry=registry("windows/registry_screen_lock_never.json"))
    assert run_one(ScreenLockCheck(), ctx).status is Status.FAIL


def test_macos_sysadminctl_minus_one_is_off(tmp_path: Path) -> None:
    runner = FakeRunner({"sysadminctl -screenLock status":
                         ok("", fixture("macos/sysadminctl_minus_one.txt")),
                         "defaults -currentHost read com.apple.screensaver idleTime": "300\n",
                         "pmset -g": fixture("macos/pmset_g.txt")})
    v = run_one(ScreenLockCheck(), make_ctx("macos", runner=runner, root=tmp_path))
    assert v.status is Status.FAIL and "never locks" in v.summary
    assert v.evidence["lock"] == {"enabled": False, "delay_s": None}


def _managed(root: Path, rel: str, fixture_name: str) -> None:
    path = root / "Library/Managed Preferences" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((FIXTURES / "macos" / fixture_name).read_bytes())


def test_macos_user_scoped_profile_over_machine(tmp_path: Path) -> None:
    # Machine profile: 30 min idle; the officer's user-scoped profile: 4 min + 5 s delay.
    _managed(tmp_path, "com.apple.screensaver.plist", "managed_machine_screensaver_long.plist")
    _managed(tmp_path, "jsmith/com.apple.screensaver.plist", "managed_user_screensaver.plist")
    runner = FakeRunner({"pmset -g": fixture("macos/pmset_g_never.txt")})
    console = ConsoleUser("jsmith", tmp_path / "Users/jsmith", uid=501)
    # As root (an MDM script), for the console user: only profiles count.
    v = run_one(ScreenLockCheck(), make_ctx("macos", runner=runner, root=tmp_path,
                                            service=True, console=console))
    assert v.status is Status.PASS and "locks after 245 s" in v.summary
    assert "judged for jsmith" in v.summary and v.evidence["judged_user"] == "jsmith"
    assert runner.calls == [("pmset", "-g")]  # never root's own sysadminctl/defaults
    # Someone else at the console: only the machine profile applies (30 min: too long).
    other = ConsoleUser("akhan", tmp_path / "Users/akhan", uid=502)
    v = run_one(ScreenLockCheck(), make_ctx("macos", runner=runner, root=tmp_path,
                                            service=True, console=other))
    assert v.status is Status.FAIL and "30 min" in v.summary
