"""``antivirus``: Defender, a Security Center product, and the macOS/Linux agent rule."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from devicecheck.checks.antivirus import AntivirusCheck
from devicecheck.checks.base import Status
from devicecheck.checks.engine import run_one
from devicecheck.probes.agents import AgentProcess, installed_path, psutil_agents
from tests.probes.fakes import FakeRunner, failed, fixture, make_ctx, make_policy
from tests.probes.other_user import other_users_process


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


# -- macOS/Linux: the endpoint agent counts only as root, from its installed folder ---------

FALCON = "/opt/CrowdStrike/falcon-sensor"


def agent_ctx(os_name: str = "linux", *names: str):
    return make_ctx(os_name, loaded=make_policy(  # type: ignore[arg-type]
        antivirus={"endpoint_agent_processes": names or ("falcon-sensor",)}))


def table(*rows: AgentProcess):
    """A fake process list: the rows whose name the policy asks for."""
    return lambda names, _os: [r for r in rows if r.name in names]


def agent_verdict(*rows: AgentProcess, os_name: str = "linux", names: tuple[str, ...] = ()):
    return run_one(AntivirusCheck(agents=table(*rows)), agent_ctx(os_name, *names))


def test_root_agent_from_its_install_folder_passes() -> None:
    v = agent_verdict(AgentProcess(812, "falcon-sensor", 0, FALCON))
    assert v.status is Status.PASS and v.evidence["running"] == ["falcon-sensor"]
    assert v.evidence["seen"] == [{"name": "falcon-sensor", "pid": 812, "state": "counts",
                                   "path": FALCON}]


def test_another_users_process_with_the_agents_name_fails() -> None:
    v = agent_verdict(AgentProcess(4242, "falcon-sensor", 1001, FALCON))
    assert v.status is Status.FAIL and "runs as another account" in v.summary
    assert v.evidence["running"] == [] and "path" not in v.evidence["seen"][0]
    assert v.remediation and "IT service desk" in v.remediation.text


def test_a_setuid_program_started_by_a_user_is_not_root() -> None:
    """``ln -s /usr/bin/passwd ~/falcon-sensor; ~/falcon-sensor``: effective uid 0, but the
    real uid is the user's, and that is what counts."""
    v = agent_verdict(AgentProcess(77, "falcon-sensor", 1001, "/usr/bin/passwd", "falcon-sensor"))
    assert v.status is Status.FAIL and v.evidence["seen"][0]["state"] == "other-account"


@pytest.mark.parametrize(("os_name", "path"), [
    ("linux", "/tmp/falcon-sensor"), ("linux", "/home/officer/bin/falcon-sensor"),
    ("linux", "/usr/local/bin/falcon-sensor"), ("linux", "/opt/../home/o/falcon-sensor"),
    ("linux", "opt/CrowdStrike/falcon-sensor"),
    ("macos", "/opt/homebrew/bin/falcon-sensor"), ("macos", "/Users/officer/falcon-sensor"),
    ("macos", "/private/tmp/falcon-sensor"),
])
def test_root_process_outside_the_install_folders_fails(os_name: str, path: str) -> None:
    v = agent_verdict(AgentProcess(9, "falcon-sensor", 0, path), os_name=os_name)
    assert v.status is Status.FAIL and "outside the folders" in v.summary
    assert path not in str(v.evidence)  # a path elsewhere may name a person: not kept


@pytest.mark.parametrize(("os_name", "path"), [
    ("linux", "/opt/microsoft/mdatp/sbin/wdavdaemon"), ("linux", "/usr/sbin/falcon-sensor"),
    ("linux", "/opt/sentinelone/bin/sentinelone-agent (deleted)"),
    ("macos", "/Library/Sentinel/sentinel-agent.bundle/Contents/MacOS/sentineld"),
    ("macos", "/Applications/Falcon.app/Contents/Resources/falcond"),
])
def test_install_folders_per_os(os_name: str, path: str) -> None:
    assert installed_path(path, os_name)  # type: ignore[arg-type]
    v = agent_verdict(AgentProcess(5, "agent", 0, path), os_name=os_name, names=("agent",))
    assert v.status is Status.PASS


def test_root_process_read_through_argv0_when_the_executable_is_hidden() -> None:
    """An unprivileged run cannot read a root process's /proc/<pid>/exe: its argv[0]
    (set by root) says where it was started from; a bare name says nothing."""
    v = agent_verdict(AgentProcess(3, "falcon-sensor", 0, None, FALCON))
    assert v.status is Status.PASS
    v = agent_verdict(AgentProcess(3, "falcon-sensor", 0, None, "falcon-sensor"))
    assert v.status is Status.UNKNOWN and "could not confirm" in v.summary
    assert v.remediation is not None and "could not read" in v.remediation.text
    v = agent_verdict(AgentProcess(3, "falcon-sensor", None, FALCON))
    assert v.status is Status.UNKNOWN


def test_the_real_agent_counts_beside_a_fake_one() -> None:
    v = agent_verdict(AgentProcess(4242, "falcon-sensor", 1001, "/tmp/falcon-sensor"),
                      AgentProcess(812, "falcon-sensor", 0, FALCON))
    assert v.status is Status.PASS
    assert [e["state"] for e in v.evidence["seen"]] == ["counts", "other-account"]


def test_named_agent_not_running_fails() -> None:
    v = agent_verdict(names=("falcon-sensor-not-here",))
    assert v.status is Status.FAIL and "falcon-sensor-not-here" in v.summary
    assert v.remediation and "IT service desk" in v.remediation.text


def test_real_process_table_reads_uid_and_executable() -> None:
    """The default table (psutil), on a real child process of ours."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        name = psutil.Process(proc.pid).name()
        rows = [r for r in psutil_agents([name], "linux") if r.pid == proc.pid]
        assert len(rows) == 1
        assert rows[0].real_uid == os.getuid()
        assert rows[0].exe == os.path.realpath(sys.executable)
        # Run by the test's account from the venv's interpreter: it counts only as root
        # with the interpreter in a system folder; never as anyone else.
        v = run_one(AntivirusCheck(), agent_ctx("linux", name))
        mine = [e for e in v.evidence["seen"] if e["pid"] == proc.pid]
        expect = "counts" if os.getuid() == 0 and installed_path(rows[0].exe, "linux") else \
            ("other-account" if os.getuid() != 0 else "elsewhere")
        assert mine and mine[0]["state"] == expect
    finally:
        proc.kill()
        proc.wait()


def test_root_copy_in_a_temporary_folder_does_not_count(tmp_path: Path) -> None:
    """A real process named like the agent, started from /tmp (as root where the suite
    runs as root: then only the folder rule stops it)."""
    exe = tmp_path / "dc-fake-agent"
    shutil.copy("/bin/sleep", exe)
    exe.chmod(0o755)
    proc = subprocess.Popen([str(exe), "30"])
    try:
        v = run_one(AntivirusCheck(), agent_ctx("linux", "dc-fake-agent"))
        assert v.status is Status.FAIL, v
        assert {e["state"] for e in v.evidence["seen"]} == \
            {"elsewhere" if os.getuid() == 0 else "other-account"}
    finally:
        proc.kill()
        proc.wait()


def test_another_local_users_real_process_does_not_count() -> None:
    """A real process run as nobody (needs root to start; skipped otherwise)."""
    with other_users_process("dc-agent-other-user"):
        v = run_one(AntivirusCheck(), agent_ctx("linux", "dc-agent-other-user"))
        assert v.status is Status.FAIL
        assert [e["state"] for e in v.evidence["seen"]] == ["other-account"]
