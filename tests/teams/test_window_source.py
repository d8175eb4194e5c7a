"""The recording source (``window``) with an injected back-end and tree: the 3 s pace, the
cached match, the 200 ms deadline, *unknown* with its reason, and (through a real
TeamsMonitor) running only while a meeting is on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

from devicecheck.audit import AuditLog
from devicecheck.policy import Policy
from devicecheck.policy.model import RecordingPolicy, TeamsPolicy
from devicecheck.teams.a11y import base
from devicecheck.teams.a11y.base import FakeNode, TreeUnavailable
from devicecheck.teams.monitor import TeamsMonitor
from devicecheck.teams.sources.base import CLEAR, Reading, SignalSource, SourceContext
from devicecheck.teams.sources.window import UNKNOWN_NOTE, WindowSource

CLIENT = "teams-for-linux"


class FakeBackend:
    name = "fake"

    def __init__(self) -> None:
        self.indicator: FakeNode | None = None
        self.problem: str | None = None
        self.calls = 0
        self.closed = 0
        self.slow = False

    def unavailable(self) -> str | None:
        return None

    def windows(self, pids: frozenset[int], timeout_s: float) -> Sequence[FakeNode]:
        self.calls += 1
        if self.problem:
            raise TreeUnavailable(self.problem)
        header = FakeNode("", base.OTHER, [FakeNode("12:04", base.LABEL)]
                          + ([self.indicator] if self.indicator else []))
        chat = FakeNode("Chat", base.LOG, [FakeNode("Recording", base.LABEL)])
        kids = [header, chat]
        if self.slow:
            kids = [FakeNode("", base.OTHER, delay_s=0.06) for _ in range(10)] + kids
        return [FakeNode("Meeting", base.WINDOW, [FakeNode("", base.DOCUMENT, kids)])]

    def close(self) -> None:
        self.closed += 1


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def make(policy: Policy | None = None) -> tuple[WindowSource, FakeBackend, Clock]:
    backend, clock = FakeBackend(), Clock()
    ctx = SourceContext(policy=policy or Policy(), os_name="linux", clients=(CLIENT,),
                        process_names=lambda _c, _o: frozenset({CLIENT}), clock=clock,
                        options={"window_backend": backend})
    source = WindowSource(ctx, lambda _r: None)
    source.processes({CLIENT: frozenset({4242})})
    source.start()
    return source, backend, clock


def test_indicator_seen_reports_recording_for_that_client() -> None:
    source, backend, clock = make()
    assert source.poll(clock.t) == CLEAR                 # the chat's "Recording" is not it
    backend.indicator = FakeNode("Recording", base.STATUS)
    clock.t += 3
    assert source.poll(clock.t) == Reading.of(recording=[CLIENT])
    assert source.seen is not None and source.seen.role == base.STATUS
    assert source.unknown_reason is None


def test_at_most_one_look_every_three_seconds() -> None:
    source, backend, clock = make()
    source.poll(clock.t)
    clock.t += 1
    assert source.poll(clock.t) is None and source.snapshot()["walks"] == 2
    calls = backend.calls
    clock.t += 1
    assert source.poll(clock.t) is None and backend.calls == calls
    clock.t += 1.1
    assert source.poll(clock.t) is not None


def test_the_last_match_is_checked_first_instead_of_a_walk() -> None:
    source, backend, clock = make()
    backend.indicator = FakeNode("Recording", base.LABEL)
    source.poll(clock.t)
    walks = source.walks
    for _ in range(3):
        clock.t += 3
        assert source.poll(clock.t) == Reading.of(recording=[CLIENT])
    assert source.walks == walks and source.cache_hits == 3
    backend.indicator = None                              # gone: the cache misses, a walk
    clock.t += 3
    assert source.poll(clock.t) == CLEAR and source.walks == walks + 1


def test_unreadable_tree_is_unknown_with_the_reason_never_not_recording() -> None:
    source, backend, clock = make()
    backend.problem = "there is no accessibility bus"
    reading = source.poll(clock.t)
    assert reading is not None and not reading.recording
    assert reading.notes == (f"{UNKNOWN_NOTE}: there is no accessibility bus",)
    assert source.unknown_reason == "there is no accessibility bus"
    snap = source.snapshot()
    assert snap["recording"] == "unknown" and "accessibility bus" in snap["reason"]


def test_a_walk_over_the_deadline_is_abandoned_counted_and_unknown() -> None:
    source, backend, _clock = make()
    backend.slow = True
    backend.indicator = FakeNode("Recording", base.LABEL)
    source.deadline_s = 0.2
    source._clock = __import__("time").monotonic
    reading = source.read()
    assert source.abandoned == 1 and not reading.recording
    assert "200 ms" in (source.unknown_reason or "")


def test_no_client_process_is_unknown() -> None:
    source, _backend, clock = make()
    source.processes({})
    source.poll(clock.t)
    assert source.unknown_reason == "no Teams client process to look at"


def test_localised_indicator_added_by_policy() -> None:
    policy = replace(Policy(), recording=replace(
        RecordingPolicy(), indicator_names=(*RecordingPolicy().indicator_names,
                                            "Grabación en curso")))
    source, backend, clock = make(policy)
    backend.indicator = FakeNode("Grabación en curso", base.IMAGE)
    assert source.poll(clock.t) == Reading.of(recording=[CLIENT])
    assert source.seen is not None and source.seen.indicator == "Grabación en curso"


def test_stop_drops_the_connection_and_the_cache() -> None:
    source, backend, clock = make()
    backend.indicator = FakeNode("Recording", base.LABEL)
    source.poll(clock.t)
    source.stop()
    assert backend.closed == 1 and source.seen is None and source.last == CLEAR


def test_no_backend_for_this_os_is_said() -> None:
    ctx = SourceContext(policy=Policy(), os_name="linux", clients=(CLIENT,),
                        process_names=lambda _c, _o: frozenset(), clock=Clock())
    source = WindowSource(ctx, lambda _r: None)
    source.backend = None
    assert source.unavailable() == "no accessibility back-end for linux"
    assert source.snapshot()["recording"] == "unknown"


# -- in a real TeamsMonitor: only during meetings ----------------------------------------
class Meeting(SignalSource):
    name = "script"
    current: ClassVar[Meeting | None] = None

    def __init__(self, ctx: Any, emit: Any) -> None:
        super().__init__(ctx, emit)
        Meeting.current = self


def test_monitor_runs_the_source_only_while_a_meeting_is_on(qtbot: Any, tmp_path: Path) -> None:
    backend = FakeBackend()
    backend.indicator = FakeNode("Recording", base.LABEL)   # shown all along
    policy = replace(Policy(), teams=TeamsPolicy(meeting_end_grace_seconds=0))
    monitor = TeamsMonitor(policy, sources=[Meeting, WindowSource], client_ids=[CLIENT],
                           process_names=lambda _c, _o: frozenset({CLIENT}), os_name="linux",
                           find=lambda names, **_k: [], auto_clean=False,
                           audit=AuditLog(tmp_path / "a.jsonl"),
                           source_options={"window_backend": backend, "window_poll_ms": 50,
                                           "window_min_interval_s": 0.05})
    events: list[tuple[str, dict[str, Any]]] = []
    monitor.teamsEvent.connect(lambda n, d: events.append((n, d)))
    monitor._feed(monitor.machine.processes({CLIENT}, 0.0))   # a client runs
    monitor._set_active(True)
    assert "window" not in monitor._active and backend.calls == 0
    assert monitor.recording_status()["status"] == "no-meeting"
    assert Meeting.current is not None
    Meeting.current.emit(Reading.of([CLIENT]))
    assert "window" in monitor._active
    monitor.sources["window"].processes({CLIENT: frozenset({4242})})
    qtbot.waitUntil(lambda: any(n == "recording-started" for n, _ in events), timeout=10_000)
    assert [d for n, d in events if n == "recording-started"][0]["source"] == "window"
    assert monitor.recording_status() == {"status": "recording", "reason": None}

    backend.indicator = None
    backend.problem = "Teams has no window open"
    qtbot.waitUntil(lambda: monitor.recording_status()["status"] == "unknown", timeout=10_000)
    assert "no window" in monitor.recording_status()["reason"]
    assert not monitor.recording_known

    Meeting.current.emit(CLEAR)
    qtbot.waitUntil(lambda: any(n == "meeting-ended" for n, _ in events), timeout=10_000)
    assert "window" not in monitor._active and backend.closed >= 1
    monitor.stop()


def test_without_the_window_source_recording_is_unknown_in_a_meeting(tmp_path: Path) -> None:
    monitor = TeamsMonitor(Policy(), sources=[Meeting], client_ids=[CLIENT],
                           process_names=lambda _c, _o: frozenset({CLIENT}), os_name="linux",
                           find=lambda names, **_k: [], auto_clean=False,
                           audit=AuditLog(tmp_path / "a.jsonl"))
    monitor._feed(monitor.machine.processes({CLIENT}, 0.0))
    assert Meeting.current is not None
    Meeting.current.emit(Reading.of([CLIENT]))
    status = monitor.recording_status()
    assert status["status"] == "unknown" and status["reason"]
    monitor.stop()
