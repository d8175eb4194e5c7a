"""When the clean-up runs: after a meeting, once the client exited, never in a meeting."""

from __future__ import annotations

import pytest

from devicecheck.teams.autoclean import ASK, CLEAN, OFFER, RESTART, Action, CleanScheduler
from devicecheck.teams.events import MeetingEnded, MeetingStarted, TeamsExited
from devicecheck.teams.state import Event

WATCHED = ("teams-new", "teams-classic", "teams-for-linux")


def ended(*clients: str) -> Event:
    return MeetingEnded(60, clients)


def exited(client: str) -> Event:
    return TeamsExited(client)


def test_client_already_gone_is_cleaned_at_once() -> None:
    s = CleanScheduler(WATCHED)
    assert s.on_events([ended("teams-new")], running=set(), in_meeting=False) == [
        Action(CLEAN, ("teams-new",))]


def test_client_still_running_gets_one_offer_then_clean_at_exit() -> None:
    s = CleanScheduler(WATCHED)
    assert s.on_events([ended("teams-new")], running={"teams-new"}, in_meeting=False) == [
        Action(OFFER, ("teams-new",))]
    # Nothing new happens while Teams stays open: no repeated offers.
    assert s.evaluate(running={"teams-new"}, in_meeting=False) == []
    assert s.on_events([exited("teams-new")], running=set(), in_meeting=False) == [
        Action(CLEAN, ("teams-new",))]


def test_never_during_a_meeting() -> None:
    s = CleanScheduler(WATCHED)
    s.on_events([ended("teams-new")], running={"teams-new"}, in_meeting=False)
    # A new meeting started (in another client) and Teams exits: wait for that meeting.
    assert s.on_events([MeetingStarted(), exited("teams-new")], running=set(),
                       in_meeting=True) == []
    assert s.on_events([ended()], running=set(), in_meeting=False)[0].kind == CLEAN


def test_unknown_clients_mean_every_watched_client() -> None:
    s = CleanScheduler(WATCHED)
    [action] = s.on_events([ended()], running=set(), in_meeting=False)
    assert action == Action(CLEAN, tuple(sorted(WATCHED)))


def test_browser_and_unwatched_clients_are_ignored() -> None:
    s = CleanScheduler(("teams-for-linux",))
    [action] = s.on_events([ended("teams-web", "teams-for-linux")], running=set(),
                           in_meeting=False)
    assert action.clients == ("teams-for-linux",)


def test_cleaner_refusal_waits_for_the_next_exit_without_looping() -> None:
    s = CleanScheduler(WATCHED)
    [clean] = s.on_events([ended("teams-new")], running=set(), in_meeting=False)
    assert s.busy
    # Teams started again between our look and the cleaner's: refused.
    assert s.on_clean_done(["teams-new"], running=set(), in_meeting=False) == []
    assert not s.busy and s.pending == {"teams-new"}
    assert s.evaluate(running=set(), in_meeting=False) == []
    assert s.on_events([exited("teams-new")], running=set(), in_meeting=False) == [clean]


def test_one_clean_at_a_time() -> None:
    s = CleanScheduler(WATCHED)
    s.on_events([ended("teams-new")], running=set(), in_meeting=False)
    assert s.on_events([ended("teams-classic")], running=set(), in_meeting=False) == []
    assert s.on_clean_done([], running=set(), in_meeting=False) == [
        Action(CLEAN, ("teams-classic",))]


def test_next_meeting_brings_a_new_offer() -> None:
    s = CleanScheduler(WATCHED)
    s.on_events([ended("teams-new")], running={"teams-new"}, in_meeting=False)
    assert s.on_events([ended("teams-new")], running={"teams-new"}, in_meeting=False) == [
        Action(OFFER, ("teams-new",))]


def test_ask_mode_asks_once_per_meeting_and_cleans_at_exit_if_never_answered() -> None:
    s = CleanScheduler(WATCHED, mode="ask")
    assert s.on_events([ended("teams-new")], running={"teams-new"}, in_meeting=False) == [
        Action(ASK, ("teams-new",))]
    assert s.evaluate(running={"teams-new"}, in_meeting=False) == []   # "later": no nagging
    assert s.waiting_for_idle() == ()
    # The next meeting's end asks again.
    assert s.on_events([ended("teams-new")], running={"teams-new"}, in_meeting=False) == [
        Action(ASK, ("teams-new",))]
    assert s.on_events([exited("teams-new")], running=set(), in_meeting=False) == [
        Action(CLEAN, ("teams-new",))]


def test_restart_when_idle_waits_for_idle_and_restart_takes_the_clients() -> None:
    s = CleanScheduler(WATCHED, mode="restart-when-idle")
    assert s.on_events([ended("teams-new")], running={"teams-new"}, in_meeting=False) == [
        Action(RESTART, ("teams-new",))]
    assert s.waiting_for_idle() == ("teams-new",)
    s.begin_restart(["teams-new"])
    assert s.busy and s.pending == set() and s.waiting_for_idle() == ()
    # The restart stops Teams: its exit must not start a second clean meanwhile.
    assert s.on_events([exited("teams-new")], running=set(), in_meeting=False) == []
    assert s.on_clean_done([], running={"teams-new"}, in_meeting=False) == []
    assert not s.busy and s.pending == set()


def test_failed_restart_waits_for_the_next_exit_without_looping() -> None:
    s = CleanScheduler(WATCHED, mode="restart-when-idle")
    s.on_events([ended("teams-new")], running={"teams-new"}, in_meeting=False)
    s.begin_restart(["teams-new"])
    assert s.on_clean_done(["teams-new"], running={"teams-new"}, in_meeting=False) == []
    assert s.pending == {"teams-new"} and s.waiting_for_idle() == ()
    assert s.on_events([exited("teams-new")], running=set(), in_meeting=False) == [
        Action(CLEAN, ("teams-new",))]


def test_idle_unreadable_stops_waiting_for_idle() -> None:
    s = CleanScheduler(WATCHED, mode="restart-when-idle")
    s.on_events([ended("teams-new")], running={"teams-new"}, in_meeting=False)
    s.idle_unreadable()
    assert s.waiting_for_idle() == () and s.pending == {"teams-new"}


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError):
        CleanScheduler(WATCHED, mode="sometimes")
