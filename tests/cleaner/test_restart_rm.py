"""The Windows restart-to-clean flow through the Restart Manager: ``WindowsControl`` and
``restart_and_clean`` with a fake process table (tests/cleaner/test_control.py's ``Fake``)
and a fake ``rstrtmgr.dll`` (tests/cleaner/fake_rstrtmgr.py). Which way Teams was quit
(restart-manager, close, forced) and started again reaches the audit record and the OS-log
event; the Restart Manager session is always ended; nothing but Teams is ever shut down."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from devicecheck.audit import AuditLog
from devicecheck.cleaner import winrestart as w
from devicecheck.cleaner.control import ClientProcess, WindowsControl
from devicecheck.cleaner.plan import Plan
from devicecheck.cleaner.restart import RESTART_CLEAN_KIND, restart_and_clean
from devicecheck.cleaner.run import CleanResult
from devicecheck.oslog.events import to_event
from devicecheck.policy import Policy
from tests.cleaner.fake_rstrtmgr import T0, FakeRstrtmgr, Proc, make
from tests.cleaner.helpers import write
from tests.cleaner.test_control import WIN_NEW, Fake

TEAMS = "teams-new"
ROOT = "AppData/Local/Packages/MSTeams_8wekyb3d8bbwe/LocalCache/Microsoft/MSTeams"
INDEXER = ClientProcess(7000, "SearchIndexer.exe", r"C:\Windows\System32\SearchIndexer.exe",
                        ppid=600, create_time=0.5)


class Machine(Fake):
    """The fake table, plus: a start through explorer.exe shows a new ms-teams.exe; taskkill
    without /F ends Teams only when ``close_works``."""

    def __init__(self, rows: Sequence[ClientProcess], *, close_works: bool = False) -> None:
        super().__init__(rows)
        self.close_works = close_works

    def runner(self, argv: Sequence[str], timeout: float) -> int:
        code = super().runner(argv, timeout)
        pid = int(argv[-1])
        if "/F" in argv or self.close_works:
            self.teams_gone(pid)
        return code

    def teams_gone(self, pid: int) -> None:
        for r in self.rows:     # a main takes its children with it, as /T does
            if r.pid == pid or r.ppid == pid:
                self.live.discard(r.pid)

    def spawner(self, argv: Sequence[str], cwd: str | None, env: Mapping[str, str],
                executable: str | None) -> bool:
        self.started_again()
        return super().spawner(argv, cwd, env, executable)

    def started_again(self) -> None:
        new = ClientProcess(5100, "ms-teams.exe", "", ("ms-teams.exe",), ppid=3000,
                            create_time=9.0)
        self.rows.append(new)
        self.live.add(new.pid)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    root = tmp_path / "o" / ROOT
    write(root / "EBWebView/lockfile")
    write(root / "Logs/MSTeams_2026-07-26_09-00-00.00.log")
    write(root / "EBWebView/WV2Profile_tfw/IndexedDB/x.leveldb/000003.log")
    return tmp_path / "o"


def _files(home: Path) -> tuple[str, str]:
    return (str(home / ROOT / "EBWebView/lockfile"),
            str(home / ROOT / "Logs/MSTeams_2026-07-26_09-00-00.00.log"))


def _setup(home: Path, *, close_works: bool = False, restartable: bool = False,
           other_holder: bool = False, **rm_kwargs: Any) -> tuple[Machine, FakeRstrtmgr,
                                                                    WindowsControl]:
    rows = [*WIN_NEW, INDEXER]
    machine = Machine(rows, close_works=close_works)
    lockfile, log = _files(home)
    procs = [Proc(4100, T0, "Microsoft Teams", restartable=restartable, holds={log}),
             Proc(4300, T0 + 5, "msedgewebview2.exe", w.RM_UNKNOWN_APP, holds={lockfile})]
    if other_holder:
        procs.append(Proc(7000, T0 + 1, "Microsoft Windows Search Indexer", w.RM_SERVICE,
                          holds={lockfile}))
    def gone(pids: list[int]) -> None:
        for pid in pids:
            machine.teams_gone(pid)

    rm, dll, _ = make(procs, on_shutdown=gone, **rm_kwargs)
    kwargs = machine.kwargs()
    kwargs["env"] = {"SystemRoot": r"C:\Windows", "USERPROFILE": str(home),
                     "LOCALAPPDATA": str(home / "AppData/Local")}
    control = WindowsControl(restart_manager=lambda: rm, **kwargs)
    return machine, dll, control


def _cleaner(calls: list[str], fail: bool = False) -> Any:
    def clean(policy: Policy, **kwargs: Any) -> CleanResult:
        calls.append("clean")
        if fail:
            raise RuntimeError("disk went away")
        return CleanResult(Plan("windows", Path("/")), removed_files=3, removed_bytes=30)
    return clean


def _run(machine: Machine, control: WindowsControl, audit: AuditLog, calls: list[str],
         **kwargs: Any) -> Any:
    policy = Policy()
    policy = replace(policy, cleaner=replace(policy.cleaner, mode="caches-only",
                                             quit_timeout_seconds=15))
    return restart_and_clean(policy, client_ids=[TEAMS], audit=audit, control=control,
                             cleaner=_cleaner(calls, **kwargs), clock=lambda: machine.now,
                             start_timeout=5)


def _record(audit: AuditLog) -> dict[str, Any]:
    [rec] = [r for r in audit.read() if r["kind"] == RESTART_CLEAN_KIND]
    return rec


def test_the_family_holds_the_webview2_children_not_a_reused_pid(home: Path) -> None:
    machine, _, control = _setup(home)
    machine.rows = [replace(r, create_time=1.0 + r.pid / 1e4) for r in machine.rows]
    machine.rows.append(ClientProcess(4400, "notepad.exe", ppid=4100, create_time=0.1))
    machine.live.add(4400)
    procs = control.find(TEAMS)
    # 4300 (msedgewebview2.exe) is Teams' child; 4400 claims 4100 as parent but is older
    # than it: its real parent died and Windows reused the PID.
    assert control._family(procs) == {4100, 4200, 4300}


def test_restart_manager_quits_teams_without_taskkill(home: Path, audit: AuditLog) -> None:
    machine, dll, control = _setup(home)
    calls: list[str] = []
    result = _run(machine, control, audit, calls)
    entry = result.clients[TEAMS]
    assert entry["quit_method"] == "restart-manager" and not entry["forced"]
    assert entry["rm_holders"] == 2 and entry["rm_other_holders"] == 0
    assert machine.ran == []                                  # no taskkill at all
    assert calls == ["clean"] and result.refused_reason is None  # caches-only: not forced
    # Not registered for restart: our relaunch starts it again.
    assert entry["relaunch_method"] == "relaunch" and entry["restarted"]
    assert "RmRestart" not in dll.names() and dll.open_sessions() == []
    rec = _record(audit)
    assert rec["quit_method"] == "restart-manager" and rec["forced"] == []
    assert rec["quit_methods"] == ["teams-new:restart-manager"]
    assert rec["relaunch_methods"] == ["teams-new:relaunch"] and rec["rm_fallback"] == []
    event = to_event(rec)
    assert event.withheld == () and ("quit_method", "restart-manager") in event.fields
    assert "quit: restart-manager" in event.message
    assert result.to_dict()["quit_method"] == "restart-manager"


def test_rmrestart_starts_teams_again_when_it_registered(home: Path, audit: AuditLog) -> None:
    machine, dll, control = _setup(home, restartable=True)
    real = dll.RmRestart

    def restart(*args: Any) -> int:
        machine.started_again()
        return real(*args)
    dll.RmRestart = restart  # type: ignore[method-assign, assignment]
    result = _run(machine, control, audit, [])
    assert result.clients[TEAMS]["relaunch_method"] == "restart-manager"
    assert machine.spawned == []                              # ours not needed
    assert dll.open_sessions() == []
    assert _record(audit)["relaunch_methods"] == ["teams-new:restart-manager"]


def test_rmrestart_that_starts_nothing_falls_back_to_our_relaunch(
        home: Path, audit: AuditLog) -> None:
    machine, dll, control = _setup(home, restartable=True)
    result = _run(machine, control, audit, [])
    assert "RmRestart" in dll.names() and len(machine.spawned) == 1
    assert result.clients[TEAMS]["relaunch_method"] == "relaunch"
    assert result.clients[TEAMS]["restarted"]


def test_rmshutdown_fails_then_the_close_request_works(home: Path, audit: AuditLog) -> None:
    machine, dll, control = _setup(home, close_works=True,
                                   shutdown_code=w.ERROR_FAIL_SHUTDOWN)
    result = _run(machine, control, audit, [])
    entry = result.clients[TEAMS]
    assert entry["quit_method"] == "close" and not entry["forced"]
    assert machine.ran == [[r"C:\Windows\System32\taskkill.exe", "/PID", "4100"]]
    assert dll.open_sessions() == []
    rec = _record(audit)
    assert rec["quit_method"] == "close" and rec["rm_fallback"] == ["teams-new:rmshutdown-351"]
    assert to_event(rec).withheld == ()


def test_rmshutdown_fails_and_close_is_ignored_then_forced_last(
        home: Path, audit: AuditLog) -> None:
    machine, dll, control = _setup(home, other_holder=True,
                                   shutdown_code=w.ERROR_FAIL_SHUTDOWN)
    calls: list[str] = []
    result = _run(machine, control, audit, calls)
    entry = result.clients[TEAMS]
    assert entry["quit_method"] == "forced" and entry["forced"] and entry["rm_other_holders"] == 1
    forced = [a for a in machine.ran if "/F" in a]
    assert forced and all(a[-1] in {"4100", "4200"} for a in forced)   # never the indexer
    assert 7000 in machine.live and 7000 in dll.procs
    # caches-only after a forced end: nothing deleted, and the record says forced.
    assert calls == [] and result.refused_reason == "forced-caches-only"
    rec = _record(audit)
    assert rec["quit_method"] == "forced" and rec["forced"] == [TEAMS]
    assert rec["other_holders"] == 1 and dll.open_sessions() == []


def test_an_indexer_holding_teams_files_is_counted_and_left_alone(
        home: Path, audit: AuditLog) -> None:
    machine, dll, control = _setup(home, other_holder=True)
    result = _run(machine, control, audit, [])
    assert result.clients[TEAMS]["quit_method"] == "restart-manager"
    [shutdown] = [c for c in dll.calls if c[0] == "RmShutdown"]
    assert shutdown[1][2] == [4100] and 7000 in machine.live and machine.ran == []
    assert _record(audit)["other_holders"] == 1


def test_the_session_is_ended_even_when_the_clean_raises(home: Path, audit: AuditLog) -> None:
    machine, dll, control = _setup(home)
    with pytest.raises(RuntimeError):
        _run(machine, control, audit, [], fail=True)
    assert dll.sessions and dll.open_sessions() == []


def test_without_the_restart_manager_the_old_close_then_force_flow(
        home: Path, audit: AuditLog) -> None:
    machine = Machine([*WIN_NEW])
    kwargs = machine.kwargs()
    control = WindowsControl(restart_manager=lambda: None, **kwargs)
    result = _run(machine, control, audit, [])
    assert result.clients[TEAMS]["quit_method"] == "forced"
    assert machine.ran[0] == [r"C:\Windows\System32\taskkill.exe", "/PID", "4100"]
    assert _record(audit)["rm_fallback"] == ["teams-new:rm-unavailable"]
