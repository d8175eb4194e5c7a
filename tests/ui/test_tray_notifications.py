"""The notification gate: de-duplication and rate limits, with a fake clock."""

from __future__ import annotations

from devicecheck.ui.notifications import NotificationGate, clean_refused_message, verdict_message
from devicecheck.ui.states import TrayState, Verdict


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_same_message_is_not_repeated_within_the_dedup_window() -> None:
    clock = Clock()
    gate = NotificationGate(dedup_s=3600, min_gap_s=0, clock=clock)
    assert gate.allow("not ready: firewall")
    clock.now += 1800
    assert not gate.allow("not ready: firewall")
    clock.now += 1801
    assert gate.allow("not ready: firewall")
    assert gate.suppressed == 1


def test_burst_limit_per_window() -> None:
    clock = Clock()
    gate = NotificationGate(burst=3, window_s=600, min_gap_s=0, clock=clock)
    assert [gate.allow(f"m{i}") for i in range(5)] == [True, True, True, False, False]
    clock.now += 599
    assert not gate.allow("m9")
    clock.now += 2
    assert gate.allow("m9")


def test_minimum_gap_between_notifications() -> None:
    clock = Clock()
    gate = NotificationGate(min_gap_s=20, clock=clock)
    assert gate.allow("a")
    clock.now += 5
    assert not gate.allow("b")
    clock.now += 16
    assert gate.allow("b")


def test_held_back_message_is_not_remembered_as_sent() -> None:
    clock = Clock()
    gate = NotificationGate(min_gap_s=20, clock=clock)
    gate.allow("a")
    assert not gate.allow("b")  # too soon
    clock.now += 30
    assert gate.allow("b")      # not a duplicate: it never went out


def test_forget_lets_a_returning_problem_through() -> None:
    clock = Clock()
    gate = NotificationGate(min_gap_s=0, clock=clock)
    assert gate.allow("verdict:firewall")
    assert gate.allow("other")
    gate.forget("verdict:")
    assert gate.allow("verdict:firewall")
    assert not gate.allow("other")


def test_verdict_messages_name_at_most_three_checks() -> None:
    titles = {c: f"Check {c}" for c in "abcde"}
    title, message, level = verdict_message(Verdict(TrayState.NOT_READY, frozenset("abcde")),
                                            titles)
    assert (title, level) == ("Not ready for private calls", "critical")
    assert message == "Not met: check a, check b, check c and 2 more. Click to see what to do."
    assert verdict_message(Verdict(TrayState.ATTENTION, frozenset("a")), titles)[2] == "warning"
    assert verdict_message(Verdict(TrayState.POLICY_ERROR, frozenset({"policy"})), titles)[0] \
        == "DeviceCheck settings could not be read"


def test_quit_teams_offer_only_when_teams_is_running_and_policy_offers_it() -> None:
    running = {"clients": ["teams-new"], "reason": "teams-running", "offer_quit_teams": True,
               "clean_on_exit": True}
    offer = clean_refused_message(running)
    assert offer is not None
    title, message, level = offer
    assert "Quit Teams" in title and "clears them by itself" in message and level == "info"
    assert clean_refused_message({**running, "offer_quit_teams": False}) is None
    assert clean_refused_message({**running, "offer_quit_teams": "yes"}) is None  # odd: no
    assert clean_refused_message({"clients": ["teams-new"], "reason": "error",
                                  "error": "OSError", "clean_on_exit": True}) is None
    assert clean_refused_message({}) is None
