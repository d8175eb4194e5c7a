"""The after-meeting modes with everything real but the officer's idle time: the Teams
link (TeamsMonitor, the log source on a log folder), the restart flow
(cleaner/restart.py with the real cleaner) and a stand-in teams-for-linux
(tests/helpers: a data folder, quits on SIGTERM). Idle is injected ("simulated idle").

- restart-when-idle: no click; once idle, the data goes and the stand-in runs again;
- wait-for-exit: the data stays while the stand-in runs, and goes when it exits.
"""

from __future__ import annotations

import functools
import os
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

from devicecheck.audit import AuditLog
from devicecheck.cleaner.restart import restart_and_clean
from devicecheck.cleaner.run import clean as real_clean
from devicecheck.policy import Policy
from devicecheck.policy.model import CleanerPolicy, TeamsPolicy
from devicecheck.probes.processes import ProcInfo, find_processes
from devicecheck.teams.handoff import MeetingDataCleaner
from devicecheck.teams.monitor import TeamsMonitor
from tests.e2e.test_clean_day_e2e import MEETING_DATA, TeamsLog, write_meeting_data
from tests.helpers import teams_standin
from tests.teams.test_monitor import Events


def tagged_find(tag: str) -> Any:
    """The process signal limited to this test's stand-in (and its relaunches)."""
    def find(names: Any, **kwargs: Any) -> list[ProcInfo]:
        return [p for p in find_processes(names, **kwargs)
                if tag in " ".join(_cmdline(p.pid))]
    return find


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def setup(tmp_path: Path, mode: str) -> tuple[Policy, TeamsLog, Path]:
    log = TeamsLog(tmp_path / "logs")
    policy = replace(Policy(), teams=TeamsPolicy(meeting_end_grace_seconds=1,
                                                 log_folders=(str(log.path.parent),)),
                     cleaner=replace(CleanerPolicy(), after_meeting=mode, idle_minutes=1,
                                     quit_timeout_seconds=5,
                                     clients=("teams-for-linux",)))
    root = Path(os.environ["XDG_CONFIG_HOME"]) / "teams-for-linux"
    return policy, log, root


def link(policy: Policy, tmp_path: Path, tag: str, **kwargs: Any) -> tuple[TeamsMonitor, Events]:
    """The real link on the log source, seeing only this test's stand-in."""
    monitor = TeamsMonitor(policy, sources=["log"], idle_check_ms=100,
                           client_ids=("teams-for-linux",), find=tagged_find(tag),
                           audit=AuditLog(tmp_path / "audit.jsonl"), os_name="linux",
                           process_poll_ms=200, idle_rescan_s=0.3,
                           source_options={"log_poll_ms": 200}, **kwargs)
    return monitor, Events(monitor)


def run_meeting(qtbot: Any, ev: Events, log: TeamsLog, root: Path) -> None:
    call = str(uuid.uuid4())
    log.call_active(call)
    qtbot.waitUntil(lambda: ev.has("meeting-started"), timeout=15_000)
    write_meeting_data(root)
    log.call_ended(call)
    qtbot.waitUntil(lambda: ev.has("meeting-ended"), timeout=15_000)


def test_restart_when_idle_clears_without_a_click(qtbot: Any, tmp_path: Path) -> None:
    policy, log, root = setup(tmp_path, "restart-when-idle")
    idle = {"s": 0.0}
    with teams_standin.running(root, tmp_path / "ready.jsonl") as standin:
        cleaner = MeetingDataCleaner(policy, AuditLog(tmp_path / "audit.jsonl"),
                                     restart=functools.partial(restart_and_clean,
                                                               control=standin.control()))
        monitor, ev = link(policy, tmp_path, standin.tag, cleaner=cleaner,
                           idle=lambda: idle["s"])
        monitor.start()
        try:
            qtbot.waitUntil(lambda: ev.has("teams-started"), timeout=10_000)
            run_meeting(qtbot, ev, log, root)
            qtbot.wait(500)
            assert not ev.has("teams-restarting")          # the officer is not idle yet
            assert all((root / rel).exists() for rel in MEETING_DATA)
            idle["s"] = 61.0
            qtbot.waitUntil(lambda: ev.has("cleaned"), timeout=20_000)
            _, cleaned = ev.first("cleaned")
            assert cleaned["automatic"] is True and cleaned["restarted"] == {
                "teams-for-linux": True}
            assert not ev.has("clean-refused")              # nobody was asked
            assert not any((root / rel).exists() for rel in MEETING_DATA)
            teams_standin.wait_for(lambda: len(standin.starts()) == 2, what="the relaunch")
            kinds = [r["kind"] for r in AuditLog(tmp_path / "audit.jsonl").read()]
            assert "restart-clean" in kinds and "meeting-ended" in kinds
        finally:
            monitor.stop()


def test_wait_for_exit_keeps_the_data_until_teams_exits(qtbot: Any, tmp_path: Path) -> None:
    policy, log, root = setup(tmp_path, "wait-for-exit")
    with teams_standin.running(root, tmp_path / "ready.jsonl") as standin:
        cleaner = MeetingDataCleaner(policy, AuditLog(tmp_path / "audit.jsonl"), clean=(
            functools.partial(real_clean, processes=lambda names, os_name: {
                p.name for p in tagged_find(standin.tag)(names, os_name=os_name)})))
        monitor, ev = link(policy, tmp_path, standin.tag, cleaner=cleaner,
                           idle=lambda: 9999.0)
        monitor.start()
        try:
            qtbot.waitUntil(lambda: ev.has("teams-started"), timeout=10_000)
            run_meeting(qtbot, ev, log, root)
            qtbot.waitUntil(lambda: ev.has("clean-refused"), timeout=10_000)
            qtbot.wait(1000)
            assert not ev.has("teams-restarting") and not ev.has("cleaned")
            assert all((root / rel).exists() for rel in MEETING_DATA)
            assert len(standin.starts()) == 1
            teams_standin.stop_tagged(standin.tag)          # the officer quits Teams
            qtbot.waitUntil(lambda: ev.has("cleaned"), timeout=15_000)
            assert not any((root / rel).exists() for rel in MEETING_DATA)
            assert len(standin.starts()) == 1                # never restarted for her
        finally:
            monitor.stop()
