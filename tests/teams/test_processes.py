"""The process signal: PIDs remembered, full scans only at a low rate."""

from __future__ import annotations

from typing import Any

from devicecheck.probes.processes import ProcInfo
from devicecheck.teams.processes import ProcessWatcher
from tests.teams.conftest import CLIENT_EXE, FakeTeamsProcess, own_find

NAMES = {"teams-for-linux": frozenset({CLIENT_EXE}), "teams-classic": frozenset({"teams"}),
         "teams-new": frozenset()}


def test_real_process_found_remembered_and_seen_to_exit(teams_process: FakeTeamsProcess) -> None:
    w = ProcessWatcher(NAMES, "linux", find=own_find, idle_rescan_s=5, busy_rescan_s=60)
    assert w.poll(0) == frozenset() and w.scans == 1
    pid = teams_process.start()
    assert w.poll(1) == frozenset()          # not due for a rescan yet: cheap
    assert w.scans == 1
    assert w.poll(5) == {"teams-for-linux"} and w.scans == 2
    assert list(w.pids()) == [pid]
    for t in (6, 7, 8, 30):                  # known PID: checked, no full scan
        assert w.poll(t) == {"teams-for-linux"}
    assert w.scans == 2
    teams_process.stop()
    assert w.poll(31) == frozenset()         # pid_alive notices at once ...
    assert w.scans == 3                      # ... and one scan looks for a successor
    assert w.poll(33) == frozenset() and w.scans == 3


def test_clients_without_names_are_not_watched() -> None:
    w = ProcessWatcher({"teams-new": frozenset()}, "linux", find=own_find)
    assert w.clients == {} and w.poll(0) == frozenset() and w.scans == 0


def test_busy_rescan_finds_a_second_client_and_case_folding_on_windows() -> None:
    calls: list[list[str]] = []
    results = [[ProcInfo(10, "ms-teams.exe")],
               [ProcInfo(10, "ms-teams.exe"), ProcInfo(20, "Teams.exe")]]

    def find(names: list[str], **_: Any) -> list[ProcInfo]:
        calls.append(sorted(names))
        return results[min(len(calls) - 1, 1)]

    alive = {10, 20}
    w = ProcessWatcher({"teams-new": frozenset({"MS-Teams.exe"}),
                        "teams-classic": frozenset({"teams.exe"})}, "windows", find=find,
                       alive=lambda pid, name, **_: pid in alive, busy_rescan_s=60)
    assert w.poll(0) == {"teams-new"}
    assert w.poll(30) == {"teams-new"} and len(calls) == 1
    assert w.poll(60) == {"teams-new", "teams-classic"} and len(calls) == 2
    alive.discard(10)
    assert w.poll(61) == {"teams-classic"}
