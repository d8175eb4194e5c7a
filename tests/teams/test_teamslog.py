"""New Teams' log: the call-line parser, the call tracker and the bounded file follower.

Lines follow the published format (tests/fixtures/teams-log/README.md); ids are made up."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from devicecheck.teams.logtail import LogFollower, is_log_name
from devicecheck.teams.teamslog import (
    ACTIVE,
    ENDED,
    MAX_OPEN,
    MAX_RINGING,
    RINGING,
    CallTracker,
    LogEvent,
    call_id,
    parse_line,
    timestamp,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "teams-log"
A = "aaaaaaaa-1111-4111-8111-000000000001"
B = "bbbbbbbb-2222-4222-8222-000000000002"
C = "cccccccc-3333-4333-8333-000000000003"
CAUSE = "eeeeeeee-9999-4999-8999-00000000000e"
TS = "2026-07-30T09:30:00.100000+01:00"


def line(text: str, ts: str = TS) -> str:
    return f"{ts} 0x00002001 <INFO> {text}"


def hfp_active(cid: str, ts: str = TS) -> str:
    return line(f"HfpVoipCallCoordinatorImpl: NotifyCallActive callId: {cid}causeId: {CAUSE}", ts)


def hfp_ended(cid: str, ts: str = TS) -> str:
    return line(f"HfpVoipCallCoordinatorImpl: NotifyCallEnded callId: {cid}causeId: {CAUSE}", ts)


DUP_ACTIVE = [line(f"CallInfo: NotifyCallActive causeId: {CAUSE}"),
              line("CallInfo: CallTracker: Calling NotifyCallActive without deviceId, "
                   "deviceId is empty")]


def ring(cid: str) -> str:
    return line(f"HfpVoipCallCoordinatorImpl: reportIncomingCall for callId: {cid}")


def tracker_of(*lines: str) -> CallTracker:
    t = CallTracker()
    for text in lines:
        ev = parse_line(text)
        if ev is not None:
            t.feed(ev)
    return t


# -- parser ---------------------------------------------------------------------------
def test_active_line_takes_exactly_the_guid_glued_to_the_next_field() -> None:
    ev = parse_line(hfp_active(A))
    assert ev == LogEvent(ACTIVE, A, datetime(2026, 7, 30, 9, 30, 0, 100000,
                                              tzinfo=timezone(timedelta(hours=1))))
    assert ev is not None and ev.timestamp is not None
    assert ev.timestamp.astimezone(UTC).hour == 8


def test_the_other_call_lines() -> None:
    assert parse_line(hfp_ended(B)) == LogEvent(ENDED, B, timestamp(TS))
    assert parse_line(line(f"TeamsCallTracker: CallEnded fired: {B}")) == LogEvent(
        ENDED, B, timestamp(TS))
    assert parse_line(ring(C)) == LogEvent(RINGING, C, timestamp(TS))
    assert parse_line(line(f"Foo: reportCallActive callId: {A}")) == LogEvent(
        ACTIVE, A, timestamp(TS))
    # TEAMS2HA #119: a call lost in Teams' coordinator is only named in these.
    assert parse_line(line(f"<ERR> reportCallAccepted called, call does not exist, "
                           f"unexpected callId: {A}")) == LogEvent(ACTIVE, A, timestamp(TS))
    assert parse_line(line(f"reportCallEnded called, unexpected callId: {A}")) == LogEvent(
        ENDED, A, timestamp(TS))


def test_id_less_lines_and_the_cause_id_is_not_a_call_id() -> None:
    for text in DUP_ACTIVE:
        assert parse_line(text) == LogEvent(ACTIVE, None, timestamp(TS))
    assert call_id(line(f"CallInfo: NotifyCallActive causeId: {CAUSE}")) is None
    assert parse_line(line("CallInfo: NotifyCallEnded")) == LogEvent(ENDED, None, timestamp(TS))


@pytest.mark.parametrize("text", [
    "",
    line("native_modules::UserDataCrossCloudModule: CloudStateChanged availability: Busy"),
    line("reportIncomingCall for callId: not-a-guid"),     # a ring needs an id
    line("reportCallAccepted without an id"),             # so do the #119 lines
    line("reportCallEnded without an id"),
    "\x00\x00\ufffd\ufffd Call",
    line("SomeTelemetry: CallEndedReason summary"),       # not an end marker
])
def test_other_lines_are_not_call_events(text: str) -> None:
    assert parse_line(text) is None


def test_ids_are_normalised_and_malformed_ids_are_none() -> None:
    assert call_id(f"callId: {A.upper()}") == A
    assert call_id("callId: aaaaaaaa-1111-4111-8111") is None
    assert call_id("callId: zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz") is None
    ev = parse_line(line("NotifyCallEnded callId: aaaaaaaa-1111"))
    assert ev == LogEvent(ENDED, None, timestamp(TS))


def test_timestamps() -> None:
    assert timestamp("2026-07-30T09:30:00.1234567+01:00 x") is not None   # 7 digits
    assert timestamp("2026-07-30T09:30:00Z 0x1 <INFO> x") == datetime(2026, 7, 30, 9, 30,
                                                                       tzinfo=UTC)
    assert timestamp("2026-07-30T09:30:00 naive") is None    # no offset: not trusted
    assert timestamp("NotifyCallActive") is None
    assert timestamp("9999-99-99T99:99:99+01:00 x") is None
    assert parse_line("NotifyCallActive no stamp") == LogEvent(ACTIVE, None, None)


# -- tracker --------------------------------------------------------------------------
def test_a_meeting_opens_and_closes_once_despite_duplicate_lines() -> None:
    t = CallTracker()
    assert t.feed(LogEvent(ACTIVE, A)) is True
    for text in DUP_ACTIVE:
        assert t.feed(parse_line(text) or LogEvent(ACTIVE)) is False
    assert (t.open, t.count, t.anonymous) == (True, 1, False)
    assert t.feed(LogEvent(ENDED, A)) is True
    assert t.feed(LogEvent(ENDED, A)) is False        # TeamsCallTracker's second end line
    assert not t.open


def test_a_declined_incoming_call_during_a_meeting_does_not_end_it() -> None:
    t = tracker_of(hfp_active(A), ring(C), hfp_ended(C))
    assert t.open and t.active == {A}
    assert tracker_of(hfp_active(A), ring(C), hfp_ended(C), hfp_ended(A)).open is False


def test_two_overlapping_calls() -> None:
    t = tracker_of(hfp_active(A), hfp_active(B), hfp_ended(A))
    assert t.open and t.count == 1
    t.feed(LogEvent(ENDED, B))
    assert not t.open


def test_an_id_less_end_line_is_noise_while_calls_with_ids_are_open() -> None:
    t = tracker_of(hfp_active(A), line("CallInfo: NotifyCallEnded"))
    assert t.open


def test_lines_without_ids_fall_back_to_any_end_closes() -> None:
    t = tracker_of(*DUP_ACTIVE)
    assert t.open and t.anonymous and t.count == 1
    assert tracker_of(*DUP_ACTIVE, hfp_ended(B)).open is False       # an id'd end
    assert tracker_of(*DUP_ACTIVE, line("NotifyCallEnded")).open is False
    # ... except the end of a call that only ever rang (declined during the meeting).
    assert tracker_of(*DUP_ACTIVE, ring(C), hfp_ended(C)).open is True


def test_an_id_bearing_active_line_replaces_the_anonymous_call() -> None:
    t = tracker_of(*DUP_ACTIVE, hfp_active(A))
    assert (t.anonymous, t.active, t.count) == (False, {A}, 1)
    assert tracker_of(*DUP_ACTIVE, hfp_active(A), hfp_ended(A)).open is False


def test_a_declined_call_alone_changes_nothing_and_rings_are_bounded() -> None:
    t = tracker_of(ring(C), hfp_ended(C))
    assert not t.open
    for i in range(MAX_RINGING * 3):
        t.feed(LogEvent(RINGING, f"{i:08x}-0000-4000-8000-000000000000"))
    assert len(t._ringing) == MAX_RINGING


def test_a_ringing_call_that_is_answered_counts() -> None:
    assert tracker_of(ring(C), hfp_active(C)).active == {C}
    assert tracker_of(ring(C), hfp_active(C), hfp_ended(C)).open is False


def test_reset_drops_every_open_call() -> None:
    t = tracker_of(hfp_active(A), hfp_active(B), *DUP_ACTIVE)
    t.reset()
    assert not t.open and t.count == 0
    assert t.feed(LogEvent(ENDED, A)) is False      # a late end for a dropped call


# -- follower -------------------------------------------------------------------------
def write(path: Path, text: str | bytes, mode: str = "w") -> None:
    data = text.encode() if isinstance(text, str) else text
    with open(path, mode + "b") as f:
        f.write(data)


def kinds(events: list[LogEvent]) -> list[tuple[str, str | None]]:
    return [(e.kind, e.call_id) for e in events]


def test_log_names() -> None:
    assert is_log_name("MSTeams_2026-07-30_09-00-00.00.log")
    assert not is_log_name("MSTeams_.log") and not is_log_name("other.log")
    assert not is_log_name("MSTeams_2026.log.gz")


def test_follows_appended_lines_and_buffers_a_partial_last_line(tmp_path: Path) -> None:
    log = tmp_path / "MSTeams_2026-07-30_09-00-00.00.log"
    write(log, "")
    f = LogFollower(tmp_path)
    assert f.poll() == [] and f.current is not None
    text = hfp_active(A) + "\n"
    write(log, text[:50], "a")                 # Teams writes a line in pieces
    assert f.poll() == []
    write(log, text[50:] + hfp_ended(A)[:30], "a")
    assert kinds(f.poll()) == [(ACTIVE, A)]
    write(log, hfp_ended(A)[30:] + "\n", "a")
    assert kinds(f.poll()) == [(ENDED, A)]
    assert f.poll() == []                        # nothing new: nothing read
    assert f.problem is None


def test_first_look_reads_only_a_bounded_tail_and_skips_its_partial_line(
        tmp_path: Path) -> None:
    log = tmp_path / "MSTeams_2026-07-30_09-00-00.00.log"
    early = hfp_active(B) + "\n"                # before the tail: not seen
    filler = line("native_modules::Filler: some presence line with Call in it") + "\n"
    write(log, early + filler * 200 + hfp_active(A) + "\n")
    f = LogFollower(tmp_path, tail_bytes=len(filler) * 3 + 10)
    assert kinds(f.poll()) == [(ACTIVE, A)]
    assert f.bytes_read <= len(filler) * 3 + 11 + len(hfp_active(A)) + 1


def test_a_tail_that_starts_exactly_on_a_line_keeps_that_line(tmp_path: Path) -> None:
    log = tmp_path / "MSTeams_2026-07-30_09-00-00.00.log"
    first = line("Filler: x") + "\n"
    wanted = hfp_active(A) + "\n"
    write(log, first + wanted)
    f = LogFollower(tmp_path, tail_bytes=len(wanted) + 1)   # starts on the "\n" before it
    assert kinds(f.poll()) == [(ACTIVE, A)]


def test_rotation_mid_call_finishes_the_old_file_then_reads_the_new_one(
        tmp_path: Path) -> None:
    old = tmp_path / "MSTeams_2026-07-30_09-00-00.00.log"
    write(old, hfp_active(A) + "\n")
    f = LogFollower(tmp_path)
    t = CallTracker()
    t.feed_all(f.poll())
    assert t.open
    write(old, hfp_active(B) + "\n", "a")        # the old file's last words ...
    new = tmp_path / "MSTeams_2026-07-30_09-00-00.01.log"
    write(new, hfp_ended(B) + "\n")              # ... then the new file from its start
    events = f.poll()
    assert kinds(events) == [(ACTIVE, B), (ENDED, B)]
    t.feed_all(events)
    assert t.open and t.active == {A}            # the call carried over the rotation
    assert f.current is not None and f.current.name == new.name
    write(new, hfp_ended(A) + "\n", "a")
    t.feed_all(f.poll())
    assert not t.open


def test_an_older_file_or_a_link_is_never_followed(tmp_path: Path) -> None:
    """Older = written earlier (issue 29: by modification time, not by name)."""
    logs = tmp_path / "Logs"
    logs.mkdir()
    outside = tmp_path / "secret.log"
    write(outside, hfp_active(A) + "\n")
    write(logs / "MSTeams_2026-07-30_09-00-00.00.log", "")
    f = LogFollower(logs)
    f.poll()
    os.symlink(outside, logs / "MSTeams_2099-01-01_00-00-00.00.log")
    old = logs / "MSTeams_2020-01-01_00-00-00.00.log"
    write(old, hfp_active(B) + "\n")
    os.utime(old, (1_577_836_800, 1_577_836_800))          # last written in 2020
    assert f.poll() == []
    assert f.current is not None and f.current.name == "MSTeams_2026-07-30_09-00-00.00.log"


def test_a_followed_file_swapped_for_a_link_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside.log"
    write(outside, hfp_active(A) + "\n")
    logs = tmp_path / "Logs"
    logs.mkdir()
    name = logs / "MSTeams_2026-07-30_09-00-00.00.log"
    write(name, "")
    f = LogFollower(logs)
    f.poll()
    name.unlink()
    os.symlink(outside, name)
    assert f.poll() == []
    assert f.problem is not None and "not followed" in f.problem


def test_a_fifo_is_skipped_without_blocking(tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    os.mkfifo(tmp_path / "MSTeams_2026-07-30_09-00-00.00.log")
    f = LogFollower(tmp_path)
    assert f.poll() == [] and f.current is None


def test_truncation_reads_the_file_again_from_its_start(tmp_path: Path) -> None:
    log = tmp_path / "MSTeams_2026-07-30_09-00-00.00.log"
    write(log, (line("Filler: x") + "\n") * 20 + hfp_active(A) + "\n")
    f = LogFollower(tmp_path)
    assert kinds(f.poll()) == [(ACTIVE, A)]
    write(log, hfp_ended(A) + "\n")               # rewritten, now shorter
    assert kinds(f.poll()) == [(ENDED, A)]


def test_garbage_and_invalid_utf8_are_skipped(tmp_path: Path) -> None:
    data = (FIXTURES / "garbage.log").read_bytes()
    write(tmp_path / "MSTeams_2026-07-30_09-00-00.00.log", data)
    f = LogFollower(tmp_path)
    events = f.poll()
    t = CallTracker()
    t.feed_all(events)
    assert not t.open                             # the meeting in it opened and ended
    assert (ACTIVE, A) in kinds(events) and (ENDED, A) in kinds(events)
    # The partial last line waits for its newline.
    write(tmp_path / "MSTeams_2026-07-30_09-00-00.00.log", f"iveCall callId: {B}\n".encode(),
          "a")
    assert kinds(f.poll()) == [(ACTIVE, B)]


def test_an_over_long_line_is_dropped_and_the_next_line_read(tmp_path: Path) -> None:
    log = tmp_path / "MSTeams_2026-07-30_09-00-00.00.log"
    write(log, "")
    f = LogFollower(tmp_path, max_line=200)
    f.poll()
    write(log, "NotifyCallActive " + "x" * 500, "a")          # no newline yet, too long
    assert f.poll() == []
    write(log, "y" * 100 + "\n" + hfp_active(A) + "\n", "a")
    assert kinds(f.poll()) == [(ACTIVE, A)]


def test_a_missing_or_unreadable_folder_is_said_not_raised(tmp_path: Path) -> None:
    f = LogFollower(tmp_path / "nope")
    assert f.poll() == [] and f.problem is not None and "does not exist" in f.problem
    empty = LogFollower(tmp_path)
    assert empty.poll() == [] and empty.problem == "no Teams log file yet"
    afile = tmp_path / "file"
    write(afile, "x")
    assert LogFollower(afile).poll() == []
    if os.geteuid() != 0:   # root reads anything
        locked = tmp_path / "locked"
        locked.mkdir(mode=0)
        lf = LogFollower(locked)
        assert lf.poll() == [] and lf.problem is not None and "cannot be read" in lf.problem


def test_each_poll_reads_at_most_max_read(tmp_path: Path) -> None:
    log = tmp_path / "MSTeams_2026-07-30_09-00-00.00.log"
    write(log, "")
    f = LogFollower(tmp_path, max_read=1000)
    f.poll()
    filler = (line("Filler: x") + "\n") * 100
    write(log, filler + hfp_active(A) + "\n", "a")
    seen: list[LogEvent] = []
    for _ in range(50):
        before = f.bytes_read
        seen += f.poll()
        assert f.bytes_read - before <= 1000
    assert kinds(seen) == [(ACTIVE, A)]


def test_a_100_mb_log_is_never_read_whole(tmp_path: Path) -> None:
    log = tmp_path / "MSTeams_2026-07-30_09-00-00.00.log"
    filler = (line("native_modules::UserDataCrossCloudModule: CloudStateChanged user id "
                   ":0123456789abcdef, availability: Available") + "\n").encode()
    block = filler * ((1 << 20) // len(filler))
    with open(log, "wb") as out:
        out.write((hfp_active(B) + "\n").encode())       # far before the tail: unseen
        for _ in range(100):
            out.write(block)
        out.write((hfp_active(A) + "\n").encode())
    assert log.stat().st_size > 100_000_000
    f = LogFollower(tmp_path)
    assert kinds(f.poll()) == [(ACTIVE, A)]
    assert f.bytes_read <= f.tail_bytes
    write(log, hfp_ended(A) + "\n", "a")
    assert kinds(f.poll()) == [(ENDED, A)]
    assert f.bytes_read <= f.tail_bytes + 200


def test_names_sort_by_their_numbers() -> None:
    from devicecheck.teams.logtail import name_order

    names = ["MSTeams_2026-07-30_09-00-00.100.log", "MSTeams_2026-07-30_09-00-00.99.log",
             "MSTeams_2026-07-29_23-00-00.00.log"]
    assert sorted(names, key=name_order) == [names[2], names[1], names[0]]


def test_iter_lines_is_bounded_and_keeps_a_last_line_without_newline() -> None:
    import io

    from devicecheck.teams.logtail import iter_lines

    data = b"one\n" + b"x" * 50 + b"\ntwo\nthree"
    assert list(iter_lines(io.BytesIO(data).read, max_line=10, chunk=7)) == [
        b"one", b"two", b"three"]
    assert list(iter_lines(io.BytesIO(b"").read)) == []


# -- issue 26 item 4: the main family, the ring pair, the UTC-with-offset quirk ----------
def test_only_the_main_family_is_read_though_the_others_are_newer(tmp_path: Path) -> None:
    import shutil

    tmp_path = tmp_path / "Logs"          # the conftest puts its own folders in tmp_path
    tmp_path.mkdir()
    for src in sorted((FIXTURES / "other-families").iterdir()):
        shutil.copy(src, tmp_path / src.name)
    main = tmp_path / "MSTeams_2026-09-01_09-00-00.00.log"
    now = time.time()
    os.utime(main, (now - 600, now - 600))            # the others written since
    assert [is_log_name(p.name) for p in sorted(tmp_path.iterdir())] == [
        False, False, False, True]
    f = LogFollower(tmp_path)
    t = CallTracker()
    t.feed_all(f.poll())
    assert f.current is not None and f.current.name == main.name
    assert t.active == {A}                            # neither ended nor joined by the others
    for other in tmp_path.iterdir():
        if other != main:
            write(other, hfp_ended(A) + "\n", "a")    # the others go on being written
    t.feed_all(f.poll())
    assert t.active == {A} and f.current.name == main.name


def test_a_rings_two_lines_are_one_incoming_call() -> None:
    from devicecheck.teams.logreplay import replay_lines

    text = (FIXTURES / "ring-pair.log").read_bytes()
    completed = [ln for ln in text.decode().splitlines() if "completed  for" in ln][0]
    assert parse_line(completed) == LogEvent(RINGING, C, timestamp(completed))
    t = tracker_of(*text.decode().splitlines())
    assert t.rings == 1 and not t.open
    result = replay_lines(text.splitlines(), 30)
    assert result.incoming_calls == 1
    assert [name for _, name, _ in result.events] == ["meeting-started", "meeting-ended"]


def test_the_utc_quirk_is_told_from_the_first_line_and_the_name() -> None:
    from devicecheck.teams.teamslog import name_time, utc_quirk

    start = name_time("MSTeams_2026-07-26_12-24-08.00.log")
    assert start == datetime(2026, 7, 26, 12, 24, 8)
    # The capture TEAMS2HA quotes: this file's first line says 11:24:22+01:00.
    assert utc_quirk(start, timestamp("2026-07-26T11:24:22.599057+01:00 x")) is True
    assert utc_quirk(start, timestamp("2026-07-26T12:24:09.000001+01:00 x")) is False
    assert utc_quirk(start, timestamp("2026-07-26T17:24:09.000001-05:00 x")) is True
    assert utc_quirk(start, timestamp("2026-07-26T15:00:00.000001+01:00 x")) is None
    assert utc_quirk(None, timestamp("2026-07-26T11:24:22+01:00 x")) is None
    assert name_time("MSTeams_2026-02-30_00-00-00.00.log") is None


def test_durations_are_right_under_the_utc_quirk_across_the_clocks_going_back() -> None:
    from devicecheck.teams.logreplay import replay_lines

    log = FIXTURES / "utc-quirk" / "MSTeams_2026-10-25_01-40-00.00.log"
    data = log.read_bytes()
    result = replay_lines(data.splitlines(), 30, name=log.name)
    assert result.utc_quirk is True
    (started, n1, _), (ended, n2, _) = result.events
    assert (n1, n2) == ("meeting-started", "meeting-ended")
    assert started == datetime(2026, 10, 25, 0, 50, 0, 100000, tzinfo=UTC)
    assert ended - started == timedelta(minutes=20, seconds=30, microseconds=400000)
    naive = replay_lines(data.splitlines(), 30)        # without the name: as written
    assert naive.events[1][0] - naive.events[0][0] > timedelta(minutes=80)


def test_the_follower_corrects_quirk_times(tmp_path: Path) -> None:
    import shutil

    log = FIXTURES / "utc-quirk" / "MSTeams_2026-10-25_01-40-00.00.log"
    shutil.copy(log, tmp_path / log.name)
    f = LogFollower(tmp_path)
    events = f.poll()
    assert f.current is not None and f.current.quirk is True
    assert [e.timestamp for e in events if e.call_id == A] == [
        datetime(2026, 10, 25, 0, 50, 0, 100000, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 10, 0, 500000, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 10, 0, 500000, tzinfo=UTC)]
    assert f.head_bytes_read <= 4096


# -- issue 29 item 4: bounded cost ----------------------------------------------------------
def test_open_calls_are_capped_and_the_rest_counted() -> None:
    import tracemalloc

    t = CallTracker()
    tracemalloc.start()
    try:
        for i in range(50_000):                        # call ids that never end
            t.feed(LogEvent(ACTIVE, f"{i:08x}-0000-4000-8000-000000000000"))
        current, _peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(t.active) == MAX_OPEN and t.dropped == 50_000 - MAX_OPEN
    assert t.count == 50_000 and t.open
    assert current < 100_000                           # bytes: the ids are not kept
    newest = f"{49_999:08x}-0000-4000-8000-000000000000"
    t.feed(LogEvent(ENDED, newest))
    assert t.count == 49_999 and t.open                # dropped calls keep the meeting on
    t.reset()
    assert not t.open and t.count == 0


def test_far_behind_the_end_is_read_first_and_events_stay_in_order(tmp_path: Path) -> None:
    log = tmp_path / "MSTeams_2026-07-30_09-00-00.00.log"
    write(log, "")
    f = LogFollower(tmp_path, max_read=64 << 10, tail_bytes=16 << 10)
    f.poll()
    filler = (line("native_modules::Filler: presence line") + "\n") * 20_000   # ~1.4 MB
    write(log, hfp_active(B) + "\n" + filler + hfp_ended(B) + "\n" + hfp_active(A) + "\n",
          "a")
    settled = f.poll()
    assert settled == [] and f.behind > 1_000_000
    assert kinds(f.pending) == [(ENDED, B), (ACTIVE, A)]    # the current call at once
    view = CallTracker()
    view.feed_all(f.pending)
    assert view.active == {A}
    seen: list[LogEvent] = []
    polls = 0
    while f.behind or f.pending:
        seen += f.poll()
        polls += 1
        assert f.bytes_read <= (polls + 1) * (64 << 10) + 200
    assert kinds(seen) == [(ACTIVE, B), (ENDED, B), (ACTIVE, A)]    # in file order
    t = CallTracker()
    t.feed_all(seen)
    assert t.active == {A}
    write(log, hfp_ended(A) + "\n", "a")
    assert kinds(f.poll()) == [(ENDED, A)]


def test_a_backlog_too_long_to_wait_for_is_given_up(tmp_path: Path) -> None:
    log = tmp_path / "MSTeams_2026-07-30_09-00-00.00.log"
    write(log, "")
    f = LogFollower(tmp_path, max_read=4096, tail_bytes=4096, max_pending=3)
    f.poll()
    write(log, (line("Filler: x") + "\n") * 2000 + (hfp_active(A) + "\n") * 3, "a")
    f.poll()
    assert len(f.pending) == 3
    write(log, hfp_ended(A) + "\n", "a")
    events = f.poll()
    assert f.skipped > 0 and f.behind == 0 and not f.pending
    assert kinds(events)[-1] == (ENDED, A)
