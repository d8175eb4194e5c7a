"""``recorders`` with real child processes named like recorders, and Windows Game Bar
from registry fixtures."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from devicecheck.checks.base import Context, Status
from devicecheck.checks.engine import run_checks
from devicecheck.checks.recorders import Recorders
from devicecheck.policy import LoadedPolicy, Policy
from devicecheck.probes.registry import DictRegistry
from devicecheck.probes.runner import ProbeRunner
from tests.recording.helpers import council_policy

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="copies /bin/sleep to fake a recorder")
WINDOWS_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "windows"


def ctx(policy: Policy | None = None, os_name: str = "linux",
        registry: DictRegistry | None = None) -> Context:
    return Context(loaded=LoadedPolicy(policy or council_policy()), os_name=os_name,  # type: ignore[arg-type]
                   runner=ProbeRunner(), registry=registry)


def run(context: Context):
    [result] = run_checks([Recorders()], context)
    return result


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[object]:
    """Start a long sleep under a recorder's name; every child is killed afterwards."""
    children: list[subprocess.Popen[bytes]] = []

    def start(name: str, *args: str, script: bool = False) -> subprocess.Popen[bytes]:
        exe = tmp_path / name
        if script:
            # A shell script keeps its own name as the process name while it waits,
            # and its arguments in the command line (as ffmpeg's would be).
            exe.write_text("#!/bin/sh\nsleep 30\n")
            exe.chmod(0o755)
        else:
            shutil.copy("/bin/sleep", exe)
        proc = subprocess.Popen([str(exe), *args] if script else [str(exe), "30"])
        children.append(proc)
        return proc

    yield start
    for proc in children:
        proc.kill()
        proc.wait()


def running_pids(result) -> set[int]:
    return {p["pid"] for p in result.evidence["running"]}


def test_recorder_is_reported_while_it_runs_and_not_after_it_exits(spawn) -> None:
    proc = spawn("simplescreenrecorder")
    during = run(ctx())
    assert during.status is Status.FAIL and during.blocking
    assert {"pid": proc.pid, "name": "simplescreenrecorder"} in during.evidence["running"]
    assert "simplescreenrecorder" in during.summary
    assert during.remediation is not None and "Close simplescreenrecorder" in during.remediation.text
    proc.kill()
    proc.wait()
    after = run(ctx())
    assert proc.pid not in running_pids(after)
    assert after.status is Status.PASS
    assert after.summary == "No recording software is running."


def test_extra_recorder_names_from_policy_are_watched(spawn) -> None:
    proc = spawn("council-capture")
    assert proc.pid not in running_pids(run(ctx()))
    result = run(ctx(council_policy(extra_recorders=("council-capture",))))
    assert result.status is Status.FAIL and proc.pid in running_pids(result)


def test_ffmpeg_counts_only_while_grabbing_the_screen(spawn) -> None:
    converting = spawn("ffmpeg", "-i", "in.wav", "out.mp3", script=True)
    result = run(ctx())
    assert converting.pid not in running_pids(result)
    grabbing = spawn("ffmpeg", "-f", "x11grab", "-i", ":0", "call.mkv", script=True)
    result = run(ctx())
    assert result.status is Status.FAIL
    assert grabbing.pid in running_pids(result) and converting.pid not in running_pids(result)
    assert "call.mkv" not in json.dumps(result.to_dict())  # command lines are never kept


def registry(name: str) -> DictRegistry:
    return DictRegistry(json.loads((WINDOWS_FIXTURES / name).read_text()))


@pytest.mark.parametrize(("fixture", "status", "says"), [
    ("gamebar-default.json", Status.FAIL, "Windows Game Bar can record the screen (not configured"),
    ("gamebar-user-on.json", Status.FAIL, "Windows Game Bar can record the screen (switched on"),
    ("gamebar-user-off.json", Status.PASS, "Game Bar capture is off"),
    ("gamebar-policy-off.json", Status.PASS, "Game Bar capture is off"),
])
def test_windows_game_bar(fixture: str, status: Status, says: str) -> None:
    result = run(ctx(os_name="windows", registry=registry(fixture)))
    assert result.status is status
    assert says in result.summary
    assert isinstance(result.evidence["game_bar"], dict)
    if status is Status.FAIL:
        assert result.remediation is not None
        assert result.remediation.link == "ms-settings:gaming-gamedvr"
        assert "Settings > Gaming > Captures" in result.remediation.text


def test_windows_without_registry_access_is_unknown() -> None:
    result = run(ctx(os_name="windows", registry=None))
    assert result.status is Status.UNKNOWN
    assert "Game Bar settings could not be read" in result.summary


def test_running_recorder_and_game_bar_both_reported(spawn) -> None:
    spawn("obs")
    result = run(ctx(os_name="windows", registry=registry("gamebar-user-on.json")))
    assert result.status is Status.FAIL
    assert result.summary.lower().startswith("recording software is running: obs; windows game bar")
