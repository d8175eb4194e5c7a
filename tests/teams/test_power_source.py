"""macOS: Teams' "Microsoft Teams Call in progress" power assertion (``power``), from
``pmset -g assertions`` fixtures (with the call, idle, another app's call)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devicecheck.policy import Policy
from devicecheck.probes import ParseError
from devicecheck.probes.macos import parse_pmset_assertions
from devicecheck.probes.runner import CommandResult, Outcome
from devicecheck.teams.sources.base import SourceContext
from devicecheck.teams.sources.power import PMSET, PowerSource, calls_from_assertions

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "macos"
CLIENT = "teams-new"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def test_parser_lists_assertions_by_owning_process_skipping_detail_lines() -> None:
    found = parse_pmset_assertions(fixture("pmset_assertions_teams_call.txt"))
    assert [a["process"] for a in found] == ["coreaudiod", "MSTeams", "WindowServer",
                                             "sharingd"]
    teams = found[1]
    assert teams == {"pid": 1438, "process": "MSTeams", "type": "NoDisplaySleepAssertion",
                     "name": "Microsoft Teams Call in progress"}


def test_parser_accepts_crlf_and_refuses_other_output() -> None:
    text = fixture("pmset_assertions_idle.txt").replace("\n", "\r\n")
    assert [a["process"] for a in parse_pmset_assertions(text)] == ["WindowServer"]
    with pytest.raises(ParseError):
        parse_pmset_assertions(fixture("pmset_g.txt"))


def test_the_call_assertion_counts_for_the_client_holding_it() -> None:
    found = parse_pmset_assertions(fixture("pmset_assertions_teams_call.txt"))
    clients, notes = calls_from_assertions(found, {CLIENT: frozenset({1438})},
                                           {CLIENT: frozenset({"MSTeams"})})
    assert clients == frozenset({CLIENT}) and notes == ()
    # PIDs not known yet (a rescan pending): the process name still ties it to the client.
    clients, _ = calls_from_assertions(found, {CLIENT: frozenset({99})},
                                       {CLIENT: frozenset({"MSTeams"})})
    assert clients == frozenset({CLIENT})


def test_no_call_and_another_apps_call_are_not_a_teams_meeting() -> None:
    names = {CLIENT: frozenset({"MSTeams"})}
    for name in ("pmset_assertions_idle.txt", "pmset_assertions_other_call.txt"):
        found = parse_pmset_assertions(fixture(name))
        assert calls_from_assertions(found, {CLIENT: frozenset({1438})}, names)[0] == \
            frozenset()


def test_a_process_that_is_not_teams_holding_the_name_is_only_noted() -> None:
    fake = [{"pid": 5, "process": "python3", "name": "Microsoft Teams Call in progress"}]
    clients, notes = calls_from_assertions(fake, {CLIENT: frozenset({1438})},
                                           {CLIENT: frozenset({"MSTeams"})})
    assert clients == frozenset() and "python3" in notes[0]


class Runner:
    def __init__(self, text: str, outcome: Outcome = Outcome.OK) -> None:
        self.text, self.outcome = text, outcome
        self.calls: list[tuple[list[str], float]] = []

    def run(self, argv: Any, *, timeout: float = 5.0, **_kw: Any) -> CommandResult:
        self.calls.append((list(argv), timeout))
        return CommandResult(tuple(argv), self.outcome, 0 if self.outcome is Outcome.OK else 1,
                             self.text, "", 0.01)


def source(runner: Runner, os_name: Any = "macos") -> PowerSource:
    ctx = SourceContext(policy=Policy(), os_name=os_name, clients=(CLIENT,),
                        process_names=lambda _c, _o: frozenset({"MSTeams"}),
                        clock=lambda: 0.0, options={"power_runner": runner})
    src = PowerSource(ctx, lambda _r: None)
    src.processes({CLIENT: frozenset({1438})})
    return src


def test_source_runs_pmset_by_absolute_path_with_a_timeout_once_per_poll() -> None:
    runner = Runner(fixture("pmset_assertions_teams_call.txt"))
    src = source(runner)
    reading = src.poll(0.0)
    assert reading is not None and reading.meeting == frozenset({CLIENT})
    (argv, timeout), = runner.calls
    assert argv == [PMSET, "-g", "assertions"] and PMSET.startswith("/") and timeout <= 5
    runner.text = fixture("pmset_assertions_idle.txt")
    assert src.poll(5.0) == src.poll(10.0) and not src.poll(15.0).meeting  # type: ignore[union-attr]


def test_pmset_failing_is_said_never_no_meeting_silently() -> None:
    src = source(Runner("", Outcome.TIMEOUT))
    reading = src.poll(0.0)
    assert reading is not None and not reading.meeting
    assert src.problem and "could not be read" in src.problem


def test_only_on_macos() -> None:
    assert source(Runner(""), "windows").unavailable() == \
        "only macOS lists power assertions with pmset"
