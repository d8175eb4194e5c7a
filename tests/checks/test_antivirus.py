"""``antivirus``: Defender, a Security Center product, and the macOS/Linux agent rule."""

from __future__ import annotations

import os
import subprocess
import sys

import psutil
import pytest

from devicecheck.checks.antivirus import AntivirusCheck
from devicecheck.checks.base import Status
from devicecheck.checks.engine import run_one
from tests.probes.fakes import FakeRunner, failed, fixture, make_ctx, make_policy


@pytest.mark.parametrize(("name", "status", "words"), [
    ("defender_ok", Status.PASS, "signatures are 0 day(s) old"),
    ("defender_stale", Status.FAIL, "are 9 days old"),
    ("defender_realtime_off", Status.FAIL, "real-time protection is off"),
    ("defender_passive_thirdparty", Status.PASS, "Sophos Intercept X is on and up to date"),
])
def test_windows(name: str, status: Status, words: str) -> None:
    runner = FakeRunner({"Get-MpComputerStatus": fixture(f"windows/{name}.json")})
    v = run_one(AntivirusCheck(), make_ctx("windows", runner=runner))
    assert v.status is status and words in v.summary
    if status is Status.FAIL:
        assert v.remediation and v.remediation.link == "windowsdefender://threat/"


def test_windows_signature_age_limit_from_policy() -> None:
    runner = FakeRunner({"Get-MpComputerStatus": fixture("windows/defender_stale.json")})
    ctx = make_ctx("windows", runner=runner, loaded=make_policy(antivirus={"max_signature_age_days": 10}))
    assert run_one(AntivirusCheck(), ctx).status is Status.PASS


def test_windows_unreadable_is_unknown() -> None:
    runner = FakeRunner({"Get-MpComputerStatus": failed(1, "boom")})
    assert run_one(AntivirusCheck(), make_ctx("windows", runner=runner)).status is Status.UNKNOWN
    runner = FakeRunner({"Get-MpComputerStatus": '{"defender": null, "defender_error": "0x800106ba", "products": []}'})
    v = run_one(AntivirusCheck(), make_ctx("windows", runner=runner))
    assert v.status is Status.UNKNOWN and "0x800106ba" in v.summary
    assert v.remediation is not None and "could not read" in v.remediation.text
    assert v.remediation.it_detail.startswith("If it is off: ")


@pytest.mark.parametrize("os_name", ["macos", "linux"])
def test_no_agent_named_is_skip(os_name: str) -> None:
    v = run_one(AntivirusCheck(), make_ctx(os_name))  # type: ignore[arg-type]
    assert v.status is Status.SKIP


def test_linux_named_agent_must_run() -> None:
    name = psutil.Process(os.getpid()).name()  # this very test process stands in for the agent
    ctx = make_ctx("linux", loaded=make_policy(antivirus={"endpoint_agent_processes": (name,)}))
    v = run_one(AntivirusCheck(), ctx)
    assert v.status is Status.PASS and name in v.evidence["running"]
    ctx = make_ctx("linux", loaded=make_policy(
        antivirus={"endpoint_agent_processes": ("falcon-sensor-not-here",)}))
    v = run_one(AntivirusCheck(), ctx)
    assert v.status is Status.FAIL and "falcon-sensor-not-here" in v.summary
    assert v.remediation and "IT service desk" in v.remediation.text


def test_sleeping_helper_counts_as_agent() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        name = psutil.Process(proc.pid).name()
        ctx = make_ctx("linux", loaded=make_policy(antivirus={"endpoint_agent_processes": (name,)}))
        assert run_one(AntivirusCheck(), ctx).status is Status.PASS
    finally:
        proc.kill()
        proc.wait()
