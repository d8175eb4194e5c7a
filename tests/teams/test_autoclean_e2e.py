"""End to end with the real cleaner: a stand-in Teams server says the meeting ended, a
real process named like the client exits, and the client's profile on disk is cleared
(keeping backgrounds, settings and cookies), within grace + 3 s."""

from __future__ import annotations

import functools
import os
import time
from pathlib import Path
from typing import Any

import pytest

from devicecheck.audit import AuditLog
from devicecheck.teams.handoff import MeetingDataCleaner
from devicecheck.teams.monitor import TeamsMonitor
from devicecheck.teams.token import TokenStore
from tests.teams.conftest import FakeTeamsProcess, own_find, own_running
from tests.teams.fakeserver import FakeTeamsServer
from tests.teams.test_monitor import Events, make_policy

try:
    from devicecheck.cleaner.run import clean as real_clean
except ImportError:  # pragma: no cover - the cleaner is built in parallel (issue 4)
    real_clean = None  # type: ignore[assignment]

pytestmark = pytest.mark.skipif(real_clean is None,
                                reason="devicecheck.cleaner (issue 4) is not in this checkout")

GRACE_S = 1
PERSONAL = ("IndexedDB/https_teams.microsoft.com_0.indexeddb.leveldb/000003.log",
            "Local Storage/leveldb/000005.ldb", "Cache/Cache_Data/data_1",
            "Partitions/teams-4-linux/IndexedDB/https_teams.microsoft.com_0.indexeddb.leveldb/"
            "000007.log", "Partitions/teams-4-linux/Session Storage/000002.log",
            "logs/main.log")
KEPT = ("Backgrounds/Uploads/office.png", "config.json", "Preferences",
        "Partitions/teams-4-linux/Cookies")


def make_profile(home: Path) -> Path:
    root = Path(os.environ["XDG_CONFIG_HOME"]) / "teams-for-linux"
    for rel in PERSONAL + KEPT:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"meeting data: jane.resident@example.org " * 100)
    return root


def wait_for(qtbot: Any, ev: Events, name: str, timeout_ms: int = 8000) -> None:
    qtbot.waitUntil(lambda: ev.has(name), timeout=timeout_ms)


@pytest.mark.parametrize("teams_stays_open", [False, True])
def test_meeting_end_to_data_cleaned(qtbot: Any, fake_teams: FakeTeamsServer,
                                     teams_process: FakeTeamsProcess, isolated_dirs: Path,
                                     tmp_path: Path, teams_stays_open: bool) -> None:
    root = make_profile(isolated_dirs)
    audit = AuditLog(tmp_path / "audit.jsonl")
    # The real cleaner; only its process finder is limited to this test's children, so a
    # fake Teams started by someone else's test on this machine cannot interfere.
    policy = make_policy(fake_teams.url, grace=GRACE_S)
    cleaner = MeetingDataCleaner(policy, audit,
                                 clean=functools.partial(real_clean, processes=own_running))
    monitor = TeamsMonitor(policy, cleaner=cleaner,
                           client_ids=("teams-for-linux",), find=own_find, audit=audit,
                           token_store=TokenStore(tmp_path / "teams-token"),
                           process_poll_ms=200, idle_rescan_s=0.2, min_backoff_ms=50,
                           sources=["api"])
    ev = Events(monitor)
    teams_process.start()
    monitor.start()
    try:
        wait_for(qtbot, ev, "teams-connected")
        wait_for(qtbot, ev, "teams-started")
        fake_teams.send_meeting_update(in_meeting=True)
        wait_for(qtbot, ev, "meeting-started")
        qtbot.wait(1100)   # a meeting long enough to have a duration
        ended_at = time.monotonic()
        fake_teams.send_meeting_update(in_meeting=False)
        if teams_stays_open:
            wait_for(qtbot, ev, "clean-refused")
            assert all((root / rel).exists() for rel in PERSONAL)   # never with Teams open
            qtbot.wait(500)
            ended_at = time.monotonic()   # the officer quits Teams now
        teams_process.stop()
        wait_for(qtbot, ev, "cleaned")
        took = ev.first("cleaned")[0] - ended_at
    finally:
        monitor.stop()
    assert took <= GRACE_S + 3, f"meeting end to data cleaned took {took:.1f} s"
    assert not any((root / rel).exists() for rel in PERSONAL)
    assert all((root / rel).exists() for rel in KEPT)
    _, cleaned = ev.first("cleaned")
    assert cleaned["clients"] == ["teams-for-linux"] and cleaned["removed_files"] >= 6
    assert cleaned["failures"] == 0
    kinds = [r["kind"] for r in audit.read()]
    assert kinds == ["meeting-ended", "clean"]
    [ended] = [r for r in audit.read() if r["kind"] == "meeting-ended"]
    assert ended["duration_s"] >= 1
    assert "jane" not in (tmp_path / "audit.jsonl").read_text()
