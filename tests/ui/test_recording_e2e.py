"""End to end: the stand-in Teams server -> the real TeamsMonitor -> the recording guard
(attached as the tray attaches it, each event read once into its typed value as the tray's
``TeamsLink`` does) -> the alert window, with pytest-qt."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QObject, Qt

from devicecheck.audit import AuditLog
from devicecheck.policy import LoadedPolicy, Policy
from devicecheck.policy.model import TeamsPolicy
from devicecheck.teams.events import parse
from devicecheck.teams.monitor import TeamsMonitor
from devicecheck.teams.token import TokenStore
from devicecheck.ui.tray.recording_guard import RecordingGuard, attach
from tests.recording.helpers import council_policy
from tests.teams.conftest import own_find
from tests.teams.fakeserver import FakeTeamsServer
from tests.ui.tray_helpers import as_host


class App(QObject):
    """The parts of the tray's DeviceCheckApp that attach() uses."""

    def __init__(self, policy: Policy, audit: AuditLog, monitor: TeamsMonitor) -> None:
        super().__init__()
        self.loaded, self.audit, self.monitor = LoadedPolicy(policy), audit, monitor


@pytest.fixture
def server(qtbot: Any) -> Iterator[FakeTeamsServer]:
    fake = FakeTeamsServer()
    fake.start()
    yield fake
    fake.close()


@pytest.fixture
def linked(qtbot: Any, server: FakeTeamsServer, tmp_path: Path) -> Iterator[tuple[App, RecordingGuard]]:
    policy = replace(council_policy(),
                     teams=TeamsPolicy(local_api=True, local_api_url=server.url,
                                       meeting_end_grace_seconds=0))
    audit = AuditLog(tmp_path / "audit.jsonl")
    monitor = TeamsMonitor(policy, auto_clean=False, audit=audit, os_name="linux",
                           client_ids=(), process_names=lambda _c, _o: frozenset(),
                           find=own_find, token_store=TokenStore(tmp_path / "teams-token"),
                           min_backoff_ms=50, max_backoff_ms=200, idle_rescan_s=0.5)
    app = App(policy, audit, monitor)
    guard = attach(as_host(app))
    assert guard is not None
    monitor.teamsEvent.connect(lambda name, detail: guard.on_event(parse(name, detail)))
    guard.timer.setInterval(100)  # the 5 s production poll, shortened for the test
    monitor.start()
    qtbot.waitUntil(lambda: server.client_count == 1, timeout=5000)
    yield app, guard
    guard.stop()
    if guard.dialog is not None:
        guard.dialog.close()
    monitor.stop()


def alerts(audit: AuditLog) -> list[dict[str, Any]]:
    return [r for r in audit.read() if r["kind"] == "recording-alert"]


def test_teams_recording_raises_the_alert_until_dismissed(qtbot: Any, server: FakeTeamsServer,
                                                          linked: Any) -> None:
    app, guard = linked
    server.send_meeting_update(in_meeting=True)
    qtbot.waitUntil(lambda: guard.in_meeting, timeout=5000)
    assert guard.timer.isActive()
    qtbot.wait(1100)  # so the audited duration is at least a second
    with qtbot.waitSignal(guard.alerted, timeout=5000) as sig:
        server.send_meeting_update(in_meeting=True, recording=True)
    assert sig.args[0] == "teams"
    dialog = guard.dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.heading.text() == "Warning: this call is being recorded"
    [rec] = alerts(app.audit)
    assert rec["source"] == "teams" and rec["meeting_seconds"] >= 1
    assert set(rec) == {"time", "kind", "account", "source", "meeting_seconds"}

    server.send_meeting_update(in_meeting=True, recording=False)
    qtbot.waitUntil(lambda: not dialog.status.isHidden(), timeout=5000)
    assert dialog.isVisible()  # Teams stopping is noted; the officer still dismisses
    with qtbot.waitSignal(dialog.dismissed, timeout=1000):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()

    server.send_meeting_update(in_meeting=False)
    qtbot.waitUntil(lambda: not guard.in_meeting, timeout=5000)
    assert not guard.timer.isActive()
    assert len(alerts(app.audit)) == 1


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="copies /bin/sleep")
def test_recorder_starting_in_a_teams_meeting_raises_the_alert(qtbot: Any, server: FakeTeamsServer,
                                                               linked: Any, tmp_path: Path) -> None:
    app, guard = linked
    server.send_meeting_update(in_meeting=True)
    qtbot.waitUntil(lambda: guard.in_meeting, timeout=5000)
    exe = tmp_path / "obs"
    shutil.copy("/bin/sleep", exe)
    proc = subprocess.Popen([str(exe), "30"])
    try:
        with qtbot.waitSignal(guard.alerted, timeout=5000) as sig:
            pass
        assert sig.args[0] == "process" and sig.args[1]["programs"] == ["obs"]
        assert guard.dialog is not None and guard.dialog.isVisible()
        assert "obs" in guard.dialog.what.text()
    finally:
        proc.kill()
        proc.wait()
    server.send_meeting_update(in_meeting=False)
    qtbot.waitUntil(lambda: not guard.timer.isActive(), timeout=5000)
    assert [r["source"] for r in alerts(app.audit)] == ["process"]
