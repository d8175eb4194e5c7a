"""The typed clean-up hand-off (issue 28): ``teams/handoff.py`` (the ``Cleaner`` port, the
``CleanOutcome`` read from the cleaner's own results, the real cleaner behind the port)
and ``teams/events.py`` (the clean-up events: their pinned detail shapes, and the typed
value the tray reads back)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from devicecheck.audit import AuditLog
from devicecheck.cleaner.plan import Plan
from devicecheck.cleaner.restart import QUIT_FAILED, RestartResult
from devicecheck.cleaner.run import CleanResult
from devicecheck.policy import Policy
from devicecheck.teams import events as ev
from devicecheck.teams.handoff import Cleaner, CleanOutcome, MeetingDataCleaner


def _clean_result(**kwargs: Any) -> CleanResult:
    return CleanResult(plan=Plan(os_name="linux", home=Path("/home/officer")), **kwargs)


def test_outcome_of_a_clean_counts_and_refusals() -> None:
    result = _clean_result(refused=["teams-new"], removed_files=4, removed_bytes=400,
                           failures=[{"client": "teams-new", "reason": "running"},
                                     {"client": "teams-new", "reason": "locked"}])
    assert CleanOutcome.of_clean(result) == CleanOutcome(
        refused=("teams-new",), removed_files=4, removed_bytes=400, failures=2)


def test_outcome_of_a_restart_says_who_came_back_and_who_was_forced() -> None:
    result = RestartResult(
        clean=_clean_result(removed_files=7, removed_bytes=70), automatic=True, seconds=3.25,
        clients={"teams-for-linux": {"restarted": True, "forced": False},
                 "teams-new": {"restarted": False, "forced": True}})
    outcome = CleanOutcome.of_restart(result)
    assert outcome == CleanOutcome(removed_files=7, removed_bytes=70,
                                   restarted=frozenset({"teams-for-linux"}),
                                   forced=frozenset({"teams-new"}), automatic=True,
                                   seconds=3.25)
    # Nothing cleaned (Teams would not stop): the reason, and no counts.
    stuck = CleanOutcome.of_restart(RestartResult(refused_reason=QUIT_FAILED, clients={
        "teams-new": {"restarted": False, "forced": True, "stopped": False}}))
    assert stuck.refused_reason == QUIT_FAILED and stuck.removed_files == 0
    assert stuck.forced == {"teams-new"}


def test_the_real_cleaner_binds_the_policy_and_audit_and_hands_the_meeting_check_on(
        tmp_path: Path) -> None:
    policy, audit = Policy(), AuditLog(tmp_path / "audit.jsonl")
    seen: list[dict[str, Any]] = []

    def clean(p: Policy, **kwargs: Any) -> CleanResult:
        seen.append({"policy": p, **kwargs})
        return _clean_result(removed_files=1)

    def restart(p: Policy, **kwargs: Any) -> RestartResult:
        seen.append({"policy": p, **kwargs, "meeting": kwargs["meeting_on"]()})
        return RestartResult(clean=_clean_result(removed_files=2), automatic=kwargs["automatic"])

    cleaner: Cleaner = MeetingDataCleaner(policy, audit, clean=clean, restart=restart)
    assert cleaner.clean(("teams-new",)).removed_files == 1
    outcome = cleaner.restart_and_clean(("teams-new",), meeting_on=lambda: None,
                                        automatic=True)
    assert outcome.removed_files == 2 and outcome.automatic
    assert seen[0] == {"policy": policy, "client_ids": ["teams-new"], "audit": audit}
    assert seen[1]["client_ids"] == ["teams-new"] and seen[1]["audit"] is audit
    assert seen[1]["meeting"] is None and seen[1]["automatic"] is True


def test_clean_up_events_keep_their_pinned_shapes() -> None:
    """docs/teams-link.md "Events": the keys, in the order ``watch`` prints them."""
    setting = ev.AfterMeetingSetting("ask", offer_quit_teams=True)
    offer = ev.CleanRefused(("teams-new",), ev.TEAMS_RUNNING, ask=False, setting=setting)
    assert list(offer.to_detail().items()) == [
        ("clients", ["teams-new"]), ("reason", "teams-running"), ("offer_quit_teams", True),
        ("after_meeting", "ask"), ("offer_restart", True), ("clean_on_exit", True),
        ("ask", False)]
    idle = ev.CleanRefused(("teams-new",), ev.TEAMS_RUNNING, ask=True, idle_unknown=True,
                           setting=ev.AfterMeetingSetting("wait-for-exit", False))
    assert idle.to_detail()["offer_restart"] is False and idle.to_detail()["idle_unknown"]
    failed = ev.CleanRefused(("teams-new",), ev.ERROR, error="OSError")
    assert failed.to_detail() == {"clients": ["teams-new"], "reason": "error",
                                  "error": "OSError", "clean_on_exit": True}
    plain = ev.Cleaned(("teams-new",), 3, 300, 0)
    assert plain.to_detail() == {"clients": ["teams-new"], "removed_files": 3,
                                 "removed_bytes": 300, "failures": 0}
    restarted = ev.Cleaned(("teams-new",), 3, 300, 1, ev.RestartFacts(
        {"teams-new": True}, {"teams-new": False}, automatic=False, seconds=1.23456))
    assert restarted.to_detail() == {
        "clients": ["teams-new"], "removed_files": 3, "removed_bytes": 300, "failures": 1,
        "restarted": {"teams-new": True}, "forced": {"teams-new": False},
        "automatic": False, "seconds": 1.23}
    assert ev.Restarting(("teams-new",), True).to_detail() == {"clients": ["teams-new"],
                                                              "automatic": True}


def test_the_tray_reads_back_what_the_link_sent() -> None:
    sent: list[ev.TeamsEvent] = [
        ev.Cleaned(("teams-new",), 3, 300, 0),
        ev.Cleaned(("teams-new",), 3, 300, 0, ev.RestartFacts({"teams-new": True},
                                                              {"teams-new": False}, True, 1.5)),
        ev.CleanRefused(("teams-new",), ev.TEAMS_RUNNING, ask=True),
        ev.CleanRefused(("teams-new",), ev.ERROR, error="OSError"),
        ev.Restarting(("teams-new",), False),
        ev.TeamsStarted("teams-new"), ev.TeamsExited("teams-new"),
        ev.MeetingStarted(("capability", "log"), ("teams-new",)),
        ev.MeetingEnded(61, ("teams-new",), ("log",)),
        ev.RecordingStarted(("api", "window")), ev.RecordingStopped(("window",)),
        ev.RecordingStopped((), by_meeting_end=True)]
    for event in sent:
        wire = json.loads(json.dumps(event.to_detail()))   # as watch --json carries it
        assert ev.parse(event.name, wire) == event
    assert ev.parse("meeting-started", {"clients": ["teams-new"]}) == ev.MeetingStarted(
        (), ("teams-new",))
    other = ev.parse("teams-connected", {"paired": False})
    assert other == ev.LinkEvent("teams-connected", {"paired": False})
    # A partial detail (a fake monitor's) reads as empty values, never an error.
    assert ev.parse("clean-refused", {}) == ev.CleanRefused((), "")


def test_state_events_keep_the_pinned_shapes() -> None:
    """The detail ``watch --json`` prints (docs/teams-link.md "Events"), keys in order."""
    shapes: dict[ev.StateEvent, dict[str, object]] = {
        ev.TeamsStarted("teams-new"): {"client": "teams-new", "source": "process"},
        ev.TeamsExited("teams-new"): {"client": "teams-new", "source": "process"},
        ev.MeetingStarted(("capability", "log"), ("teams-new",)): {
            "source": "capability+log", "sources": ["capability", "log"],
            "clients": ["teams-new"]},
        ev.MeetingEnded(61, ("teams-new",), ("log",)): {
            "duration_s": 61, "clients": ["teams-new"], "sources": ["log"]},
        ev.RecordingStarted(("api", "window")): {"source": "api+window",
                                                 "sources": ["api", "window"]},
        ev.RecordingStopped(("window",)): {"source": "window", "sources": ["window"]},
        ev.RecordingStopped((), by_meeting_end=True): {"source": "meeting-ended",
                                                       "sources": []}}
    for event, detail in shapes.items():
        assert event.to_detail() == detail and list(event.to_detail()) == list(detail)
    # A stand-in's partial detail: only the joined source, or nothing at all.
    assert ev.parse("recording-started", {"source": "window"}) == ev.RecordingStarted(
        ("window",))
    assert ev.parse("recording-started", {}) == ev.RecordingStarted(())
    assert ev.parse("meeting-ended", {}) == ev.MeetingEnded(0, (), ())
    # Siblings, never taken for each other by isinstance.
    assert not isinstance(ev.TeamsExited("teams-new"), ev.TeamsStarted)


def test_only_the_officers_own_restart_ends_in_their_dialog() -> None:
    by_hand = ev.Cleaned(("teams-new",), 1, 1, 0, ev.RestartFacts({}, {}, automatic=False))
    assert ev.ends_restart(by_hand)
    assert not ev.ends_restart(ev.Cleaned(("teams-new",), 1, 1, 0, ev.RestartFacts(
        {}, {}, automatic=True)))                           # idle restart: its balloon
    assert not ev.ends_restart(ev.Cleaned(("teams-new",), 1, 1, 0))   # Teams had exited
    assert ev.ends_restart(ev.CleanRefused((), ev.MEETING_ON))
    assert not ev.ends_restart(ev.CleanRefused((), ev.TEAMS_RUNNING))  # the next offer
