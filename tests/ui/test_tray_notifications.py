"""The notification gate: de-duplication and rate limits, with a fake clock."""

from __future__ import annotations

from typing import Any

from devicecheck.teams.events import Cleaned, CleanRefused, TeamsEvent, parse
from devicecheck.ui.model.notifications import (
    NotificationGate,
    clean_refused_message,
    cleaned_message,
    verdict_message,
)
from devicecheck.ui.model.states import TrayState, TrayVerdict


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


def test_verdict_messages_name_at_most_three_checks_by_fault_phrase() -> None:
    ids = frozenset({"firewall", "disk-encryption", "antivirus", "work-device", "os-support"})
    title, message, level = verdict_message(TrayVerdict(TrayState.NOT_READY, ids))
    assert (title, level) == ("No \u2014 don't take calls on this laptop", "critical")
    assert message == ("Operating system out of date, Not a council-managed laptop, Disk not "
                       "encrypted and 2 more. Click to see what to do.")
    attention = verdict_message(TrayVerdict(TrayState.ATTENTION, frozenset({"meeting-data"})))
    assert attention[2] == "warning" and "Meeting data not cleared yet" in attention[1]
    policy = verdict_message(TrayVerdict(TrayState.POLICY_ERROR, frozenset({"policy-health"})))
    assert policy[1].startswith("IT needs to fix a settings problem")
    assert "policy" not in policy[0].lower() and "settings could not be read" not in policy[0]


def refused(detail: dict[str, Any]) -> CleanRefused:
    """A ``clean-refused`` event as the tray reads it off the wire."""
    return CleanRefused.from_detail(detail)


def cleaned(detail: dict[str, Any]) -> Cleaned:
    return Cleaned.from_detail(detail)


def test_quit_teams_offer_only_when_teams_is_running_and_policy_offers_it() -> None:
    running = refused({"clients": ["teams-new"], "reason": "teams-running",
                       "offer_quit_teams": True, "clean_on_exit": True})
    offer = clean_refused_message(running, offer_quit_teams=True)
    assert offer is not None
    title, message, level = offer
    assert "Quit Teams" in title and "clears them by itself" in message and level == "info"
    # The tray's own policy decides, whatever the event echoes of the monitor's.
    assert clean_refused_message(running, offer_quit_teams=False) is None
    asking = refused({"clients": ["teams-new"], "reason": "teams-running", "ask": True})
    assert clean_refused_message(asking, offer_quit_teams=True) is None  # the prompt asks
    assert clean_refused_message(refused({}), offer_quit_teams=True) is None


def test_refusals_and_failures_say_what_happened_in_plain_words() -> None:
    def says(detail: dict[str, Any]) -> tuple[str, str, str] | None:
        return clean_refused_message(refused(detail), offer_quit_teams=True)

    failed = says({"clients": ["teams-new"], "reason": "error", "error": "OSError",
                   "clean_on_exit": True})
    assert failed is not None and failed[2] == "warning" and "OSError" not in failed[1]
    meeting = says({"clients": ["teams-new"], "reason": "meeting-on"})
    assert meeting is not None and "call is on" in meeting[1] and meeting[2] == "info"
    stuck = says({"clients": ["teams-new"], "reason": "quit-failed"})
    assert stuck is not None and "did not close" in stuck[1] and stuck[2] == "warning"
    forced = says({"clients": ["teams-new"], "reason": "forced-caches-only"})
    assert forced is not None and "by force" in forced[1] and forced[2] == "warning"


def test_one_message_after_a_restart_and_clean() -> None:
    done = {"clients": ["teams-new"], "removed_files": 12, "removed_bytes": 999,
            "failures": 0, "restarted": {"teams-new": True}, "forced": {"teams-new": False},
            "automatic": False}
    title, message, level = cleaned_message(cleaned(done)) or ("", "", "")
    assert title == "Meeting data cleared" and "opening again" in message and level == "info"
    away = cleaned_message(cleaned({**done, "automatic": True}))
    assert away is not None and away[0] == "Meeting data cleared while you were away"
    partly = cleaned_message(cleaned({**done, "failures": 2}))
    assert partly is not None and partly[2] == "warning"
    # A plain clean after Teams exited needs no words: it is what the officer expects.
    assert cleaned_message(cleaned({"clients": ["teams-new"], "removed_files": 3,
                                    "removed_bytes": 30, "failures": 0})) is None


def test_outcome_watch_gives_the_officers_restart_to_their_dialog_not_a_balloon() -> None:
    from devicecheck.teams.events import ends_restart
    from devicecheck.ui.model.notifications import OutcomeWatch

    seen: list[str] = []
    watch = OutcomeWatch()
    done = {"restarted": {"teams-new": True}, "automatic": False, "failures": 0}
    def show(event: TeamsEvent) -> bool:
        seen.append(event.name)
        return True

    assert watch.run(lambda: True, show)
    assert watch.waiting
    # The next offer is not the outcome; a plain clean after Teams exited is not either.
    assert not watch.claim(parse("clean-refused", {"reason": "teams-running"}))
    assert not watch.claim(parse("cleaned", {"removed_files": 3, "failures": 0}))
    assert watch.claim(parse("cleaned", done)) and seen == ["cleaned"] and not watch.waiting
    # One outcome per click: the next one notifies.
    assert not watch.claim(parse("cleaned", done))
    # Automatic cleans (idle restart) keep their one balloon.
    assert not ends_restart(parse("cleaned", {**done, "automatic": True}))
    assert ends_restart(parse("clean-refused", {"reason": "meeting-on"}))


def test_outcome_watch_lets_the_balloon_through_when_the_dialog_is_gone() -> None:
    from devicecheck.ui.model.notifications import OutcomeWatch

    watch = OutcomeWatch()
    watch.run(lambda: True, lambda event: False)   # the officer closed it
    assert not watch.claim(parse("cleaned", {"restarted": {}, "automatic": False}))


def test_outcome_watch_forgets_a_restart_that_did_not_start() -> None:
    from devicecheck.ui.model.notifications import OutcomeWatch

    watch = OutcomeWatch()
    assert watch.run(lambda: False, lambda event: True) is False
    assert not watch.waiting
    assert watch.run(lambda: True) is True and not watch.waiting   # no dialog: balloons
