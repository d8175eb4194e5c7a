"""The pilot's pure bookkeeping: steps in order, what each source said at a step's end,
how long it took to see the step's change, and the verdict per promise."""

from __future__ import annotations

import pytest

from devicecheck.teams.pilot.steps import (
    MEETING,
    RECORDING,
    STEPS,
    Bookkeeper,
    Seen,
    SourceInfo,
    SourceStep,
    StepResult,
    cell,
    settled_since,
    value_at,
    verdict,
)

AUDIO = SourceInfo("audio", frozenset({MEETING}))
WINDOW = SourceInfo("window", frozenset({RECORDING}))
LOG = SourceInfo("log", frozenset({MEETING}), unavailable="exists only on Windows")


def run_steps(book: Bookkeeper, length: float = 10.0) -> None:
    """Begin each step every ``length`` seconds from t=0, end after the last."""
    for i, step in enumerate(STEPS):
        book.begin(step, i * length)
    book.end(len(STEPS) * length)


def audio_like(book: Bookkeeper) -> None:
    """A meeting source that sees the join 0.5 s in and the leave 1.2 s in."""
    book.observe("audio", False, None, 0.1)
    book.observe("audio", True, None, 10.5)     # join starts at 10
    book.observe("audio", False, None, 41.2)    # leave starts at 40


def window_like(book: Bookkeeper) -> None:
    """A recording source polled every 3 s: sees the recording and its end ~3 s late."""
    for t in range(0, 60, 3):
        book.observe("window", None, 23 <= t < 33, float(t) + 0.1)


def test_steps_are_pinned_and_in_order() -> None:
    assert STEPS == ("idle", "join", "record", "stop-record", "leave", "after")
    book = Bookkeeper([AUDIO])
    book.begin("idle", 0.0)
    with pytest.raises(ValueError):
        book.begin("record", 1.0)        # join skipped
    with pytest.raises(ValueError):
        book.begin("idle", 1.0)          # twice
    with pytest.raises(ValueError):
        book.begin("lunch", 1.0)
    book.begin("join", 2.0)
    assert book.current == "join"
    book.end(3.0)
    assert book.current is None
    assert book.bounds() == [("idle", 0.0, 2.0), ("join", 2.0, 3.0)]


def of(result: StepResult, source: str) -> SourceStep:
    step = result.of(source)
    assert step is not None, source
    return step


def test_values_at_step_end_and_latency_of_the_steps_change() -> None:
    book = Bookkeeper([AUDIO, WINDOW, LOG])
    run_steps(book)
    audio_like(book)
    window_like(book)
    results = {r.name: r for r in book.results()}
    audio = {n: of(r, "audio") for n, r in results.items()}
    assert [audio[s].meeting for s in STEPS] == [False, True, True, True, False, False]
    assert all(audio[s].recording is None for s in STEPS)       # audio cannot see it
    assert audio["join"].latency_s == 0.5
    assert audio["leave"].latency_s == pytest.approx(1.2)
    # Steps whose change is about recording, or with no change: no audio latency.
    assert audio["record"].latency_s is None and audio["idle"].latency_s is None

    window = {n: of(r, "window") for n, r in results.items()}
    assert [window[s].recording for s in STEPS] == [False, False, True, False, False, False]
    assert window["record"].latency_s == pytest.approx(4.1)    # seen at the 24.1 s poll
    assert window["stop-record"].latency_s == pytest.approx(3.1)
    assert all(window[s].meeting is None for s in STEPS)

    log = results["join"].of("log")
    assert log is not None and (log.meeting, log.recording, log.latency_s) == (None, None, None)
    sources = results["join"].as_dict()["sources"]
    assert isinstance(sources, list) and sources[0] == {
        "source": "audio", "meeting": True, "recording": None, "latency_s": 0.5}


def test_a_change_seen_then_lost_then_seen_again_counts_from_the_last_return() -> None:
    seen = [Seen(0.0, False, None), Seen(11.0, True, None), Seen(12.0, False, None),
            Seen(15.0, True, None)]
    assert settled_since(seen, MEETING, 10.0, 20.0) == 15.0
    assert value_at(seen, MEETING, 11.5) is True
    # Already said before the step began: settled at the step's start.
    assert settled_since(seen, MEETING, 16.0, 20.0) == 16.0
    assert settled_since([], MEETING, 0.0, 1.0) is None


def test_a_source_that_cannot_tell_at_the_end_is_none_with_no_latency() -> None:
    book = Bookkeeper([AUDIO])
    run_steps(book)
    audio_like(book)
    book.observe("audio", None, None, 15.0)     # the audio server stopped answering
    join = book.results()[1].of("audio")
    assert join is not None and join.meeting is None and join.latency_s is None


def test_verdict_names_the_sources_that_got_every_step_right() -> None:
    book = Bookkeeper([AUDIO, WINDOW, LOG])
    run_steps(book)
    audio_like(book)
    window_like(book)
    assert verdict(book.results(), book.sources) == {"meeting": ["audio"],
                                                     "recording": ["window"]}


def test_verdict_rejects_a_source_wrong_or_unsure_in_any_step() -> None:
    book = Bookkeeper([AUDIO, WINDOW])
    run_steps(book)
    audio_like(book)
    book.observe("audio", True, None, 55.0)        # says "meeting" after leaving
    for t in range(0, 60, 3):                      # says "recording" in idle too
        book.observe("window", None, t < 33, float(t) + 0.1)
    assert verdict(book.results(), book.sources) == {"meeting": [], "recording": []}

    unsure = Bookkeeper([WINDOW])
    run_steps(unsure)
    unsure.observe("window", None, None, 0.1)      # the window could not be read
    assert verdict(unsure.results(), unsure.sources)["recording"] == []


def test_a_pilot_stopped_early_proves_nothing() -> None:
    book = Bookkeeper([AUDIO])
    book.begin("idle", 0.0)
    book.begin("join", 10.0)
    book.end(20.0)
    audio_like(book)
    assert verdict(book.results(), book.sources) == {"meeting": [], "recording": []}


def test_cell_is_yes_no_or_unknown() -> None:
    book = Bookkeeper([AUDIO, WINDOW])
    run_steps(book)
    audio_like(book)
    results = {r.name: r for r in book.results()}
    audio_join = results["join"].of("audio")
    assert audio_join is not None
    assert cell("join", audio_join, AUDIO.kinds) is True
    assert cell("idle", audio_join, AUDIO.kinds) is False      # "meeting" is wrong in idle
    window_join = results["join"].of("window")
    assert window_join is not None
    assert cell("join", window_join, WINDOW.kinds) is None     # never said anything


def test_no_latency_for_a_change_the_source_never_saw() -> None:
    book = Bookkeeper([AUDIO])
    run_steps(book)
    book.observe("audio", False, None, 0.1)       # never sees the meeting (no camera on)
    leave = book.results()[4].of("audio")
    assert leave is not None and leave.meeting is False and leave.latency_s is None
