"""``LogSource``: new Teams' log as a meeting signal, through a SourceContext and through a
real TeamsMonitor (a real process named like a Teams client, the log in a temp folder).
Log lines follow the published format (tests/fixtures/teams-log/README.md)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from devicecheck.audit import AuditLog
from devicecheck.policy import Policy
from devicecheck.policy.model import TeamsPolicy
from devicecheck.teams.monitor import TeamsMonitor
from devicecheck.teams.sources import load
from devicecheck.teams.sources.base import ANY_CLIENT, CLEAR, Reading, SourceContext
from devicecheck.teams.sources.log import (
    MACOS_PARTS,
    NEW_TEAMS,
    WINDOWS_PARTS,
    LogSource,
    default_folders,
)
from tests.teams.conftest import CLIENT_EXE, FakeTeamsProcess, own_find
from tests.teams.test_monitor import Events, FakeCleaner, names

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "teams-log"
A = "aaaaaaaa-1111-4111-8111-000000000001"
B = "bbbbbbbb-2222-4222-8222-000000000002"
CAUSE = "eeeeeeee-9999-4999-8999-00000000000e"
LOG = "MSTeams_2026-07-30_09-00-00.00.log"


def stamp(when: datetime | None = None) -> str:
    return (when or datetime.now(UTC)).astimezone().isoformat(timespec="microseconds")


def active(cid: str, when: datetime | None = None) -> str:
    return (f"{stamp(when)} 0x00002001 <INFO> HfpVoipCallCoordinatorImpl: NotifyCallActive "
            f"callId: {cid}causeId: {CAUSE}\n")


def ended(cid: str, when: datetime | None = None) -> str:
    return (f"{stamp(when)} 0x00002001 <INFO> HfpVoipCallCoordinatorImpl: NotifyCallEnded "
            f"callId: {cid}causeId: {CAUSE}\n")


def append(path: Path, text: str) -> None:
    with open(path, "a", encoding="utf-8") as f:
        f.write(text)


def context(os_name: str = "linux", policy: Policy | None = None, **options: Any
            ) -> SourceContext:
    return SourceContext(policy=policy or Policy(), os_name=os_name,  # type: ignore[arg-type]
                         clients=("teams-new",), process_names=names, clock=lambda: 0.0,
                         env={}, options=options)


def source(folder: Path, client: str = NEW_TEAMS, started: float | None = None,
           **options: Any) -> LogSource:
    emitted: list[Reading] = []
    src = LogSource(context(log_folders=[(folder, client)],
                            process_started=lambda _pid: started, **options), emitted.append)
    return src


# -- where the log is -----------------------------------------------------------------
def test_registered_under_its_pinned_name() -> None:
    assert load("log") is LogSource
    assert (LogSource.name, LogSource.poll_ms, LogSource.needs_running) == ("log", 2000, True)


def test_linux_has_no_new_teams_log_unless_policy_names_a_folder(tmp_path: Path) -> None:
    src = LogSource(context("linux"), lambda _r: None)
    assert src.unavailable() == "new Teams' log exists only on Windows and macOS"
    policy = replace(Policy(), teams=TeamsPolicy(log_folders=(str(tmp_path),)))
    src = LogSource(context("linux", policy), lambda _r: None)
    assert src.unavailable() is None
    assert [(f.path, f.client) for f in src.folders] == [(tmp_path, ANY_CLIENT)]


def test_windows_and_macos_folders_resolve_from_the_environment(tmp_path: Path) -> None:
    win = default_folders("windows", {"LOCALAPPDATA": str(tmp_path / "Local"),
                                      "USERPROFILE": str(tmp_path)})
    assert win == [(tmp_path.joinpath("Local", *WINDOWS_PARTS), NEW_TEAMS)]
    assert str(win[0][0]).endswith("MSTeams_8wekyb3d8bbwe/LocalCache/Microsoft/MSTeams/Logs")
    mac = default_folders("macos", {"HOME": str(tmp_path)})
    assert mac == [(tmp_path.joinpath(*MACOS_PARTS), NEW_TEAMS)]
    assert "UBF8T346G9.com.microsoft.teams" in str(mac[0][0])
    assert default_folders("linux", {"HOME": str(tmp_path)}) == []
    ctx = replace(context("windows"), env={"LOCALAPPDATA": str(tmp_path)})
    src = LogSource(ctx, lambda _r: None)
    assert src.unavailable() is None          # available before Teams first made the folder
    assert src.folders[0].path == tmp_path.joinpath(*WINDOWS_PARTS)


# -- readings -------------------------------------------------------------------------
def test_a_meeting_in_the_log_is_a_reading_for_its_client(tmp_path: Path) -> None:
    log = tmp_path / LOG
    log.write_text("")
    src = source(tmp_path)
    src.processes({NEW_TEAMS: frozenset({10})})
    src.start()
    assert src.poll(0.0) == CLEAR
    append(log, active(A))
    assert src.poll(2.0) == Reading.of([NEW_TEAMS])
    append(log, ended(A))
    assert src.poll(4.0) == CLEAR


def test_a_declined_call_during_the_meeting_keeps_it_on(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "declined-during-meeting.log", tmp_path / LOG)
    text = (tmp_path / LOG).read_text()
    cut = text.index("09:33:00")        # up to the declined call's end, not the meeting's
    (tmp_path / LOG).write_text(text[:text.rindex("\n", 0, cut) + 1])
    src = source(tmp_path)
    src.start()
    assert src.poll(0.0) == Reading.of([NEW_TEAMS])
    append(tmp_path / LOG, text[text.rindex("\n", 0, cut) + 1:])
    assert src.poll(2.0) == CLEAR


def test_rotation_mid_call_keeps_the_call(tmp_path: Path) -> None:
    old, new = sorted((FIXTURES / "rotation").iterdir())
    shutil.copy(old, tmp_path / old.name)
    src = source(tmp_path)
    src.start()
    assert src.poll(0.0) == Reading.of([NEW_TEAMS])
    shutil.copy(new, tmp_path / new.name)
    assert src.poll(2.0) == CLEAR       # the end came in the new file


def test_teams_exiting_without_an_end_line_drops_its_calls(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "crash-no-end.log", tmp_path / LOG)
    src = source(tmp_path)
    src.start()
    assert src.poll(0.0) == Reading.of([NEW_TEAMS])
    src.stop()                                   # no client runs any more
    assert src.reading() == CLEAR and src.poll(1.0) is None
    # Teams starts again: the old run's unfinished call is not taken up again.
    src2 = source(tmp_path, started=datetime.now(UTC).timestamp())
    src2.processes({NEW_TEAMS: frozenset({11})})
    src2.start()
    assert src2.poll(2.0) == CLEAR


def test_the_first_look_recovers_a_call_of_the_current_run_only(tmp_path: Path) -> None:
    started = datetime.now(UTC) - timedelta(minutes=10)
    (tmp_path / LOG).write_text(active(B, started - timedelta(minutes=5))     # last run
                                + active(A, started + timedelta(minutes=1)))  # this run
    src = source(tmp_path, started=started.timestamp())
    src.processes({NEW_TEAMS: frozenset({12})})
    src.start()
    assert src.poll(0.0) == Reading.of([NEW_TEAMS])
    assert src.watched[0].tracker.active == {A}
    append(tmp_path / LOG, ended(A))
    assert src.poll(2.0) == CLEAR


def test_a_restart_between_two_process_polls_drops_the_calls(tmp_path: Path) -> None:
    (tmp_path / LOG).write_text(active(A))
    src = source(tmp_path)
    src.processes({NEW_TEAMS: frozenset({20, 21})})
    src.start()
    assert src.poll(0.0) == Reading.of([NEW_TEAMS])
    src.processes({NEW_TEAMS: frozenset({21, 22})})   # one process replaced: same run
    assert src.poll(1.0) == Reading.of([NEW_TEAMS])
    src.processes({NEW_TEAMS: frozenset({30})})       # all replaced: Teams restarted
    assert src.poll(2.0) == CLEAR


def test_policy_folders_count_for_any_client(tmp_path: Path) -> None:
    (tmp_path / LOG).write_text(active(A))
    policy = replace(Policy(), teams=TeamsPolicy(log_folders=(str(tmp_path),)))
    src = LogSource(replace(context("linux", policy), options={
        "process_started": lambda _p: None}), lambda _r: None)
    src.start()
    assert src.poll(0.0) == Reading.of([ANY_CLIENT])


def test_snapshot_names_the_file_and_counts_calls_but_shows_no_content(
        tmp_path: Path) -> None:
    (tmp_path / LOG).write_text(active(A) + active(B))
    src = source(tmp_path)
    snap = src.snapshot()                         # not started: a one-off look
    assert snap == {"meeting": [NEW_TEAMS], "folders": [
        {"folder": "folder 1", "client": NEW_TEAMS, "file": LOG, "open_calls": 2}]}
    assert A not in str(snap) and str(tmp_path) not in str(snap)
    assert src.watched == []                      # nothing left running
    missing = source(tmp_path / "nope").snapshot()
    assert missing["folders"][0]["file"] is None
    assert "does not exist" in missing["folders"][0]["problem"]


def test_no_log_content_reaches_our_logs(tmp_path: Path, caplog: pytest.LogCaptureFixture
                                         ) -> None:
    caplog.set_level("DEBUG")
    (tmp_path / LOG).write_text(active(A) + "2026-07-30T09:00:00+01:00 0x1 <INFO> "
                                "presence of Officer Example: Busy\n")
    src = source(tmp_path / "nope")
    src.start()
    src.poll(0.0)
    src = source(tmp_path)
    src.processes({NEW_TEAMS: frozenset({1})})
    src.start()
    src.poll(0.0)
    src.processes({NEW_TEAMS: frozenset({2})})
    text = caplog.text
    assert "does not exist" in text
    assert A not in text and "Officer" not in text and LOG not in text


# -- through a real monitor -----------------------------------------------------------
@pytest.fixture
def monitor_with_log(tmp_path: Path) -> Iterator[Any]:
    made: list[TeamsMonitor] = []

    def make(folder: Path, grace: int = 1) -> tuple[TeamsMonitor, Events]:
        policy = replace(Policy(), teams=TeamsPolicy(meeting_end_grace_seconds=grace))
        monitor = TeamsMonitor(
            policy, sources=["log"], process_names=names, client_ids=(CLIENT_EXE,),
            find=own_find, audit=AuditLog(tmp_path / "audit.jsonl"), process_poll_ms=100,
            idle_rescan_s=0.2, os_name="linux", cleaner=FakeCleaner(),
            source_options={"log_folders": [(folder, CLIENT_EXE)], "log_poll_ms": 50})
        made.append(monitor)
        return monitor, Events(monitor)

    yield make
    for m in made:
        m.stop()


def test_monitor_follows_a_meeting_in_teams_log_and_a_crash_ends_it(
        qtbot: Any, teams_process: FakeTeamsProcess, monitor_with_log: Any,
        tmp_path: Path) -> None:
    logs = tmp_path / "Logs"
    logs.mkdir()
    # The last run crashed mid-call: its line must not start a meeting now.
    (logs / LOG).write_text(active(B, datetime.now(UTC) - timedelta(minutes=5)))
    monitor, ev = monitor_with_log(logs)
    assert monitor.live_sources() == ["log"]
    teams_process.start()
    monitor.start()
    qtbot.waitUntil(lambda: ev.has("teams-started"), timeout=10000)
    qtbot.wait(300)
    assert not ev.has("meeting-started")
    append(logs / LOG, active(A))
    qtbot.waitUntil(lambda: ev.has("meeting-started"), timeout=10000)
    assert ev.first("meeting-started")[1]["sources"] == ["log"]
    append(logs / LOG, ended(A))
    qtbot.waitUntil(lambda: ev.has("meeting-ended"), timeout=10000)
    # A second call, then Teams dies without an end line: the meeting ends after grace.
    append(logs / LOG, active(B))
    qtbot.waitUntil(lambda: ev.has("meeting-started", 2), timeout=10000)
    teams_process.stop()
    qtbot.waitUntil(lambda: ev.has("meeting-ended", 2), timeout=15000)
    names_ = ev.names()
    assert names_.index("teams-exited") < len(names_) - 1 - names_[::-1].index("meeting-ended")
    assert monitor.sources["log"].watched == []        # stopped: calls dropped


# -- issue 29 items 3-4, issue 26 item 4 ------------------------------------------------
def quirk_stamp(when: datetime, offset_h: int) -> str:
    """New Teams 26225.x: the UTC wall time, with the local offset written after it."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + f"{offset_h:+03d}:00"


@pytest.mark.parametrize("offset_h", [1, -5])
def test_the_first_look_is_right_under_the_utc_quirk(tmp_path: Path, offset_h: int) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    file_start = now - timedelta(hours=3)
    local = file_start + timedelta(hours=offset_h)     # the name is in local time
    name = f"MSTeams_{local:%Y-%m-%d_%H-%M-%S}.00.log"
    started = now - timedelta(minutes=20)               # this Teams run
    first = f"{quirk_stamp(file_start, offset_h)} 0x1 <INFO> boot::SingleInstanceService: x\n"
    crashed = (f"{quirk_stamp(now - timedelta(hours=2), offset_h)} 0x2 <INFO> "
               f"HfpVoipCallCoordinatorImpl: NotifyCallActive callId: {B}causeId: {CAUSE}\n")
    current = (f"{quirk_stamp(now - timedelta(minutes=10), offset_h)} 0x2 <INFO> "
               f"HfpVoipCallCoordinatorImpl: NotifyCallActive callId: {A}causeId: {CAUSE}\n")
    (tmp_path / name).write_text(first + crashed + current)
    src = source(tmp_path, started=started.timestamp())
    src.processes({NEW_TEAMS: frozenset({40})})
    src.start()
    # As written, +01:00 put the current call before Teams started (missed) and -05:00 put
    # the last run's crashed call in the future (a meeting that is not on).
    assert src.poll(0.0) == Reading.of([NEW_TEAMS])
    assert src.watched[0].tracker.active == {A}


def test_another_folder_family_does_not_end_the_meeting(tmp_path: Path) -> None:
    import os
    import time

    for f in (FIXTURES / "other-families").iterdir():
        shutil.copy(f, tmp_path / f.name)
    main = tmp_path / "MSTeams_2026-09-01_09-00-00.00.log"
    os.utime(main, (time.time() - 600, time.time() - 600))
    src = source(tmp_path)
    src.start()
    assert src.poll(0.0) == Reading.of([NEW_TEAMS])
    assert src.snapshot()["folders"][0]["file"] == main.name


def test_a_shared_log_folder_is_refused_and_said(tmp_path: Path) -> None:
    import os

    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / LOG).write_text(active(A))
    os.chmod(shared, 0o777)
    policy = replace(Policy(), teams=TeamsPolicy(log_folders=(str(shared),)))
    src = LogSource(replace(context("linux", policy), options={
        "process_started": lambda _p: None}), lambda _r: None)
    src.start()
    assert src.poll(0.0) == CLEAR                 # another user's line cannot start one
    snap = src.snapshot()["folders"][0]
    assert snap["file"] is None and "other users can write" in snap["problem"]
    assert str(shared) not in str(snap)


@pytest.mark.skipif(not hasattr(__import__("os"), "geteuid") or __import__("os").geteuid(),
                    reason="making another user's file needs root")
def test_another_users_file_cannot_fake_or_end_a_meeting(tmp_path: Path) -> None:
    import os
    import time

    ours = tmp_path / LOG
    ours.write_text(active(A))
    os.utime(ours, (time.time() - 60, time.time() - 60))
    theirs = tmp_path / "MSTeams_2099-01-01_00-00-00.00.log"
    theirs.write_text(ended(A) + active(B))
    os.chown(theirs, 65534, 65534)
    src = source(tmp_path)
    src.start()
    assert src.poll(0.0) == Reading.of([NEW_TEAMS])
    assert src.watched[0].tracker.active == {A}   # their end line did not end it
    append(ours, ended(A))
    assert src.poll(2.0) == CLEAR                 # ours still counts


def test_a_call_after_a_long_backlog_counts_at_the_next_poll(tmp_path: Path) -> None:
    log = tmp_path / LOG
    log.write_text("")
    src = source(tmp_path)
    src.start()
    follower = src.watched[0].follower
    follower.max_read, follower.tail_bytes = 64 << 10, 16 << 10
    assert src.poll(0.0) == CLEAR
    filler = f"{stamp()} 0x1 <INFO> native_modules::Filler: presence line\n" * 20_000
    append(log, filler + active(A))
    assert src.poll(2.0) == Reading.of([NEW_TEAMS])      # one poll, backlog unread
    assert follower.behind > 0 and not src.watched[0].tracker.open
    polls = 0
    while follower.behind:
        assert src.poll(4.0) == Reading.of([NEW_TEAMS])  # stays on while it catches up
        polls += 1
    assert polls > 10 and src.watched[0].tracker.active == {A}
    append(log, ended(A))
    assert src.poll(6.0) == CLEAR
