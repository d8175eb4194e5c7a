"""``os-support`` extended: the Windows build from the registry, the macOS version from
``sw_vers``, both against the policy's minimums; Linux kept working."""

from __future__ import annotations

from pathlib import Path

from devicecheck.checks.base import Status
from devicecheck.checks.engine import run_one
from devicecheck.checks.os_support import OsSupport
from tests.probes.fakes import FakeRunner, fixture, make_ctx, make_policy, registry


def test_windows_build_from_registry() -> None:
    v = run_one(OsSupport(), make_ctx("windows", registry=registry("windows/registry_version_23h2.json")))
    assert v.status is Status.PASS and v.summary == "Windows 23H2 (build 22631.4460) is supported."
    v = run_one(OsSupport(), make_ctx("windows", registry=registry("windows/registry_version_21h2.json")))
    assert v.status is Status.FAIL and "older than the council's minimum (build 19045)" in v.summary
    assert v.remediation and v.remediation.link == "ms-settings:windowsupdate"


def test_windows_minimum_from_policy() -> None:
    ctx = make_ctx("windows", registry=registry("windows/registry_version_23h2.json"),
                   loaded=make_policy(os={"min_windows_build": 26100}))
    assert run_one(OsSupport(), ctx).status is Status.FAIL


def test_windows_unreadable_build_is_unknown() -> None:
    # No registry and (on Linux) no sys.getwindowsversion: never a pass.
    assert run_one(OsSupport(), make_ctx("windows")).status is Status.UNKNOWN


def test_macos_version_from_sw_vers() -> None:
    ok = FakeRunner({"sw_vers -productVersion": fixture("macos/sw_vers_14.txt")})
    v = run_one(OsSupport(), make_ctx("macos", runner=ok))
    assert v.status is Status.PASS and "macOS 14.4.1" in v.summary
    old = FakeRunner({"sw_vers -productVersion": fixture("macos/sw_vers_13.txt")})
    v = run_one(OsSupport(), make_ctx("macos", runner=old))
    assert v.status is Status.FAIL and "(14.0)" in v.summary


def test_linux_still_reads_os_release(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/os-release").write_text('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n')
    v = run_one(OsSupport(), make_ctx("linux", root=tmp_path))
    assert v.evidence["distribution"] == "Debian GNU/Linux 12 (bookworm)"
    assert v.status in (Status.PASS, Status.FAIL)
