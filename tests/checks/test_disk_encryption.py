"""``disk-encryption`` on each OS and state: BitLocker on/suspended/encrypting (WMI, the
unelevated shell property, and the manage-bde fallback), FileVault on/off/deferred/
encrypting/decrypting, LUKS direct and under LVM."""

from __future__ import annotations

from pathlib import Path

import pytest

from devicecheck.checks.base import Status
from devicecheck.checks.disk_encryption import DiskEncryption
from devicecheck.checks.engine import run_one
from tests.probes.fakes import FakeRunner, failed, fixture, make_ctx, ok
from tests.probes.linuxfakes import FakeLinux


def windows(answers: dict[str, object]):
    runner = FakeRunner(answers)  # type: ignore[arg-type]
    return run_one(DiskEncryption(), make_ctx("windows", runner=runner)), runner


@pytest.mark.parametrize(("name", "status", "words"), [
    ("bitlocker_wmi_on", Status.PASS, "BitLocker protects the system drive C:"),
    ("bitlocker_wmi_suspended", Status.FAIL, "suspended"),
    ("bitlocker_wmi_encrypting", Status.WARN, "still encrypting C: (37% done)"),
    ("bitlocker_nonadmin_shell_on", Status.PASS, "BitLocker protects"),
])
def test_windows_powershell(name: str, status: Status, words: str) -> None:
    v, runner = windows({"Win32_EncryptableVolume": fixture(f"windows/{name}.json")})
    assert v.status is status and words in v.summary
    assert all(c[0] == "powershell.exe" for c in runner.calls)  # no fallback needed
    if status is Status.FAIL:
        assert v.remediation and "Resume" in v.remediation.text


@pytest.mark.parametrize(("name", "status", "words"), [
    ("on", Status.PASS, "BitLocker protects"),
    ("suspended", Status.FAIL, "suspended"),
    ("encrypting", Status.WARN, "42.7% done"),
    ("off", Status.FAIL, "not encrypted"),
    ("two_volumes_crlf", Status.PASS, "C:"),
])
def test_windows_manage_bde_fallback(name: str, status: Status, words: str) -> None:
    v, runner = windows({
        "Win32_EncryptableVolume": fixture("windows/bitlocker_nonadmin_unreadable.json"),
        "manage-bde -status C:": fixture(f"windows/manage_bde_{name}.txt")})
    assert v.status is status and words in v.summary
    assert v.evidence["source"] == "manage-bde-text"  # no exit code: English text alone
    assert len(runner.calls) == 1  # manage-bde runs inside the one PowerShell
    if status is not Status.PASS:
        assert v.remediation is not None


@pytest.mark.parametrize(("name", "exit_code", "status", "words"), [
    # A German Windows: labels unknown to us, the exit code and the bare percentage decide.
    ("german_on", 0, Status.PASS, "BitLocker protects the system drive C:"),
    ("german_suspended", 1, Status.FAIL, "suspended"),
    ("german_encrypting", 1, Status.FAIL, "does not protect the system drive C: (42.7% encrypted)"),
    # English labels refine an unprotected volume; the exit code still rules "protected".
    ("suspended", 1, Status.FAIL, "suspended"),
    ("encrypting", 1, Status.WARN, "42.7% done"),
])
def test_windows_manage_bde_exit_code(name: str, exit_code: int, status: Status,
                                      words: str) -> None:
    text = fixture(f"windows/manage_bde_{name}.txt")
    answer = ok(text) if exit_code == 0 else failed(exit_code, stdout=text)
    v, _ = windows({"Win32_EncryptableVolume": fixture("windows/bitlocker_nonadmin_shell_on.json"),
                    "manage-bde": answer})
    assert v.status is status and words in v.summary, v.summary
    assert v.evidence["source"] == "manage-bde"


@pytest.mark.parametrize(("shell", "status"), [(1, Status.PASS), (3, Status.PASS),
                                               (5, Status.PASS), (2, Status.FAIL),
                                               (6, Status.UNKNOWN)])
def test_windows_shell_property_1_3_5_are_protected(shell: int, status: Status) -> None:
    v, _ = windows({"Win32_EncryptableVolume":
                    f'{{"DriveLetter":"C:","cim":null,"cim_error":"Access denied","shell":{shell}}}'})
    assert v.status is status


def test_windows_nothing_readable_is_unknown() -> None:
    v, _ = windows({"Win32_EncryptableVolume": failed(1, "powershell: Access is denied")})
    assert v.status is Status.UNKNOWN and "denied" in v.summary
    v, _ = windows({"Win32_EncryptableVolume": fixture("windows/bitlocker_nonadmin_unreadable.json"),
                    "manage-bde": failed(-2147024891, stdout="ERROR: An attempt to access a "
                                         "required resource was denied.")})
    assert v.status is Status.UNKNOWN and "administrator" in v.summary
    assert v.remediation and v.remediation.link == "ms-settings:deviceencryption"
    # Unread is not off: no "turn on BitLocker" for the officer; that is IT's detail.
    assert "could not read" in v.remediation.text and "BitLocker" not in v.remediation.text
    assert "BitLocker" in v.remediation.it_detail


@pytest.mark.parametrize(("name", "status", "words"), [
    ("on", Status.PASS, "FileVault is on"),
    ("off", Status.FAIL, "FileVault is off"),
    ("deferred", Status.WARN, "next sign-out"),
    ("encrypting", Status.WARN, "42.5% done"),
    ("decrypting", Status.FAIL, "being turned off"),
])
def test_macos_filevault(name: str, status: Status, words: str) -> None:
    runner = FakeRunner({"fdesetup status": fixture(f"macos/fdesetup_{name}.txt")})
    v = run_one(DiskEncryption(), make_ctx("macos", runner=runner))
    assert v.status is status and words in v.summary
    assert "jsmith" not in repr(v.evidence)
    if status is not Status.PASS:
        assert v.remediation and "FileVault" in (v.remediation.link or "")


@pytest.mark.parametrize(("name", "status", "words"), [
    ("luks_lvm", Status.PASS, "(LVM on LUKS): data-root < cryptdata < nvme0n1p3 < nvme0n1"),
    ("luks_direct_mountpoints", Status.PASS, "encrypted"),
    ("plain", Status.FAIL, "No encryption found under the system disk (sda2 < sda)"),
    ("lvm_no_luks", Status.FAIL, "No encryption"),
])
def test_linux_lsblk_via_fake_command(tmp_path: Path, name: str, status: Status, words: str) -> None:
    fake = FakeLinux(tmp_path).command("lsblk", stdout=fixture(f"linux/lsblk_{name}.json"),
                                       when="-J -o NAME,TYPE,FSTYPE,MOUNTPOINTS")
    v = run_one(DiskEncryption(), fake.ctx())
    assert v.status is status and words in v.summary
    assert v.evidence["chain"]


def test_linux_old_lsblk_falls_back_to_mountpoint(tmp_path: Path) -> None:
    fake = FakeLinux(tmp_path).command("lsblk", stdout=fixture("linux/lsblk_luks_lvm.json"),
                                       when="-J -o NAME,TYPE,FSTYPE,MOUNTPOINT")
    v = run_one(DiskEncryption(), fake.ctx())
    assert v.status is Status.PASS


def test_linux_no_root_device_is_unknown(tmp_path: Path) -> None:
    fake = FakeLinux(tmp_path).command("lsblk", stdout='{"blockdevices": []}')
    v = run_one(DiskEncryption(), fake.ctx())
    assert v.status is Status.UNKNOWN and "no block device is mounted at /" in v.summary
    v = run_one(DiskEncryption(), FakeLinux(tmp_path / "none").ctx())
    assert v.status is Status.UNKNOWN and "lsblk is not installed" in v.summary
