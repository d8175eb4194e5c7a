"""``cleaner/winrestart.py``: the Restart Manager bindings driven against a fake
``rstrtmgr.dll`` (tests/cleaner/fake_rstrtmgr.py), the bounded lock-file list, and the
graceful-quit sequence with its fall-backs."""

from __future__ import annotations

import ctypes
import os
import time
from pathlib import Path

import pytest

from devicecheck.cleaner import winrestart as w
from devicecheck.cleaner.control import ClientProcess
from devicecheck.cleaner.winlockfiles import lock_files
from tests.cleaner.fake_rstrtmgr import T0, Proc, make
from tests.cleaner.helpers import write

LOCAL = "AppData/Local/Packages/MSTeams_8wekyb3d8bbwe/LocalCache/Microsoft/MSTeams"
MAIN = ClientProcess(4100, "ms-teams.exe", ppid=3000, create_time=1.0, main=True)
FILES = [r"C:\Users\o\AppData\Local\Packages\MSTeams_8wekyb3d8bbwe\LocalCache\Microsoft\MSTeams"
         r"\EBWebView\lockfile", r"C:\Users\o\...\MSTeams\Logs\MSTeams_2026-07-26_09-00-00.00.log"]


# -- the bindings ----------------------------------------------------------------------
def test_structure_layouts_match_restartmanager_h() -> None:
    # RM_UNIQUE_PROCESS: DWORD + FILETIME (two DWORDs), 4-byte aligned.
    assert ctypes.sizeof(w.RM_UNIQUE_PROCESS) == 12
    assert w.RM_UNIQUE_PROCESS.ProcessStartTime.offset == 4
    # RM_PROCESS_INFO: 12 + 256 WCHARs + 64 WCHARs + four 4-byte members = 668 bytes.
    info = w.RM_PROCESS_INFO
    assert ctypes.sizeof(info) == 668
    assert (info.strAppName.offset, info.strServiceShortName.offset) == (12, 524)
    assert (info.ApplicationType.offset, info.AppStatus.offset, info.TSSessionId.offset,
            info.bRestartable.offset) == (652, 656, 660, 664)
    assert (w.CCH_RM_SESSION_KEY, w.CCH_RM_MAX_APP_NAME, w.CCH_RM_MAX_SVC_NAME) == (32, 255, 63)
    assert (w.ERROR_MORE_DATA, w.ERROR_FAIL_SHUTDOWN, w.ERROR_CANCELLED) == (234, 351, 1223)


def test_filetime_round_trip_keeps_both_halves() -> None:
    ft = w.filetime(T0 + 7)
    assert ft.dwHighDateTime == (T0 + 7) >> 32 and w.from_filetime(ft) == T0 + 7


def test_arguments_are_marshalled_and_out_structures_read_back() -> None:
    rm, dll, _ = make([Proc(4100, T0, "Microsoft Teams", restartable=True, holds={FILES[0]}),
                       Proc(7000, T0 + 99, "Überwachung (Suche)", w.RM_OTHER_WINDOW,
                            holds={FILES[1]})])
    session = rm.start_session()
    assert session == 42 and dll.sessions[42].key == f"{42:032x}"
    rm.register(session, files=FILES, processes=[(4100, T0)])
    assert dll.calls[-1] == ("RmRegisterResources", (42, FILES, [(4100, T0)]))
    got = sorted(rm.get_list(session), key=lambda p: p.pid)
    # First call with no array: ERROR_MORE_DATA and the size; the second fills it.
    assert [c for c in dll.calls if c[0] == "RmGetList"] == [("RmGetList", (42, 0)),
                                                             ("RmGetList", (42, 4))]
    assert got == [w.RmProcess(4100, T0, "Microsoft Teams", "", w.RM_MAIN_WINDOW, 1, 1, True),
                   w.RmProcess(7000, T0 + 99, "Überwachung (Suche)", "", w.RM_OTHER_WINDOW,
                               1, 1, False)]
    assert rm.shutdown(session) == 0 and dll.calls[-1] == ("RmShutdown", (42, 0, [4100, 7000]))
    assert rm.restart(session) == 0 and dll.calls[-1] == ("RmRestart", (42, 0))
    assert rm.end_session(session) == 0 and dll.open_sessions() == []


def test_get_list_asks_again_while_the_list_grows() -> None:
    rm, dll, _ = make([Proc(1, T0, holds={"a"})])
    dll.grow = [Proc(n, T0, holds={"a"}) for n in range(2, 7)]
    s = rm.start_session()
    rm.register(s, files=["a"])
    assert sorted(p.pid for p in rm.get_list(s)) == [1, 2, 3, 4, 5, 6]
    assert [c[1][1] for c in dll.calls if c[0] == "RmGetList"] == [0, 3, 8]


def test_empty_list_and_errors() -> None:
    rm, dll, _ = make([])
    s = rm.start_session()
    rm.register(s, files=["nobody-holds-this"])
    assert rm.get_list(s) == []
    rm, dll, _ = make([], start_code=w.ERROR_MAX_SESSIONS_REACHED)
    with pytest.raises(w.RmError) as err:
        rm.start_session()
    assert err.value.token == "rmstartsession-353" and "ERROR_MAX_SESSIONS_REACHED" in str(err.value)


def test_start_time_comes_from_get_process_times_and_the_handle_is_closed() -> None:
    rm, _, k32 = make([Proc(4100, T0 + 12345)])
    assert rm.start_time(4100) == T0 + 12345
    assert k32.opened == [4100] and k32.closed == [0x500 + 4100]
    assert rm.start_time(9999) is None and k32.closed == [0x500 + 4100]   # never opened
    assert w.RestartManager(object()).start_time(4100) is None            # no kernel32


def test_no_restart_manager_off_windows() -> None:
    if os.name != "nt":
        assert w.load() is None


# -- the files registered ----------------------------------------------------------------
def test_lock_files_are_the_clients_own_bounded_and_never_links(tmp_path: Path) -> None:
    root = tmp_path / LOCAL
    for sub in ("EBWebView/lockfile", "EBWebView/WV2Profile_tfw/Network/Cookies",
                "EBWebView/WV2Profile_tfw/Local Storage/leveldb/LOCK",
                "EBWebView/WV2Profile_tfw/IndexedDB/https_teams.microsoft.com_0.indexeddb.leveldb/LOCK",
                "tfw/db.sqlite", "Backgrounds/Uploads/office.png"):
        write(root / sub)
    for n in range(20):
        log = write(root / f"Logs/MSTeams_2026-07-26_09-{n:02d}-00.00.log")
        os.utime(log, (1_700_000_000 + n, 1_700_000_000 + n))
    (root / "tfl").mkdir()
    os.symlink(tmp_path / "elsewhere.db", root / "tfl" / "linked.db")
    write(tmp_path / "elsewhere.db")
    env = {"LOCALAPPDATA": str(tmp_path / "AppData/Local")}
    files = lock_files("teams-new", env, tmp_path)
    rel = [os.path.relpath(f, root).replace(os.sep, "/") for f in files]
    assert rel[:5] == ["EBWebView/lockfile", "EBWebView/WV2Profile_tfw/Network/Cookies",
                       "EBWebView/WV2Profile_tfw/Local Storage/leveldb/LOCK",
                       "EBWebView/WV2Profile_tfw/IndexedDB/https_teams.microsoft.com_0"
                       ".indexeddb.leveldb/LOCK", "tfw/db.sqlite"]
    logs = [r for r in rel if r.startswith("Logs/")]
    assert logs == [f"Logs/MSTeams_2026-07-26_09-{n:02d}-00.00.log" for n in range(19, 11, -1)]
    assert not any("linked" in r or "Backgrounds" in r for r in rel)
    assert len(lock_files("teams-new", env, tmp_path, cap=3)) == 3
    assert lock_files("teams-for-linux", env, tmp_path) == []     # no Windows root


# -- the graceful quit ---------------------------------------------------------------------
def _teams(restartable: bool = True) -> list[Proc]:
    return [Proc(4100, T0, "Microsoft Teams", restartable=restartable, holds={FILES[1]}),
            Proc(4300, T0 + 5, "msedgewebview2.exe", w.RM_UNKNOWN_APP, holds={FILES[0]})]


def test_graceful_quit_registers_files_then_only_the_main_process() -> None:
    rm, dll, _ = make(_teams())
    q = w.quit_gracefully(rm, files=FILES, mains=[MAIN], family={4100, 4200, 4300}, timeout=5)
    assert q.method == "restart-manager" and q.fallback is None
    assert (q.holders, q.other_holders, q.restartable) == (2, 0, True)
    look, shut = 42, 43
    assert ("RmRegisterResources", (look, FILES, [])) in dll.calls
    assert ("RmRegisterResources", (shut, [], [(4100, T0)])) in dll.calls
    # The file session is ended before anything is shut down; no force flag.
    assert dll.calls.index(("RmEndSession", look)) < dll.names().index("RmShutdown")
    assert ("RmShutdown", (shut, 0, [4100])) in dll.calls
    assert dll.open_sessions() == [shut]
    assert q.restart() and dll.calls[-1] == ("RmRestart", (shut, 0))
    q.end()
    q.end()                                    # idempotent
    assert dll.open_sessions() == [] and dll.names().count("RmEndSession") == 2


def test_a_client_not_registered_for_restart_is_not_rmrestarted() -> None:
    rm, dll, _ = make(_teams(restartable=False))
    q = w.quit_gracefully(rm, files=FILES, mains=[MAIN], family={4100, 4300}, timeout=5)
    assert q.method == "restart-manager" and not q.restart()
    assert "RmRestart" not in dll.names()
    q.end()


def test_other_programs_holding_the_files_are_never_shut_down() -> None:
    indexer = Proc(7000, T0 + 1, "Windows Search", w.RM_SERVICE, holds={FILES[0]})
    rm, dll, _ = make([*_teams(), indexer])
    q = w.quit_gracefully(rm, files=FILES, mains=[MAIN], family={4100, 4300}, timeout=5)
    assert q.method == "restart-manager"
    assert (q.holders, q.other_holders, q.other_apps) == (2, 1, ("Windows Search",))
    [shutdown] = [c for c in dll.calls if c[0] == "RmShutdown"]
    assert shutdown[1][2] == [4100] and 7000 in dll.procs          # still running
    assert all(7000 not in [pid for pid, _ in c[1][2]] for c in dll.calls
               if c[0] == "RmRegisterResources")
    q.end()


def test_no_process_holds_the_files_the_main_still_goes_by_its_start_time() -> None:
    rm, dll, k32 = make([Proc(4100, T0 + 3)])                  # holds nothing registered
    q = w.quit_gracefully(rm, files=FILES, mains=[MAIN], family={4100}, timeout=5)
    assert (q.method, q.holders, q.other_holders) == ("restart-manager", 0, 0)
    assert k32.opened == [4100]
    assert ("RmRegisterResources", (43, [], [(4100, T0 + 3)])) in dll.calls
    q.end()


def test_rmshutdown_failing_means_fall_back_and_the_session_still_ends() -> None:
    rm, dll, _ = make(_teams(), shutdown_code=w.ERROR_FAIL_SHUTDOWN)
    q = w.quit_gracefully(rm, files=FILES, mains=[MAIN], family={4100, 4300}, timeout=5)
    assert q.method is None and q.fallback == "rmshutdown-351" and not q.restart()
    q.end()
    assert dll.open_sessions() == [] and "RmRestart" not in dll.names()


def test_a_shutdown_that_hangs_is_cancelled_at_the_timeout() -> None:
    rm, dll, _ = make(_teams(), block_shutdown=True)
    t0 = time.monotonic()
    q = w.quit_gracefully(rm, files=FILES, mains=[MAIN], family={4100, 4300}, timeout=0.2)
    assert time.monotonic() - t0 < 5
    assert q.fallback == "rmshutdown-timeout" and "RmCancelCurrentTask" in dll.names()
    q.end()
    assert dll.open_sessions() == []


def test_a_foreign_process_in_the_shutdown_session_stops_everything() -> None:
    rm, dll, _ = make(_teams())
    real = dll.affected
    dll.affected = lambda s: [*real(s), Proc(7000, T0)] if s.apps else real(s)  # type: ignore[method-assign]
    q = w.quit_gracefully(rm, files=FILES, mains=[MAIN], family={4100, 4300}, timeout=5)
    assert q.fallback == "foreign-process" and "RmShutdown" not in dll.names()
    q.end()
    assert dll.open_sessions() == []


@pytest.mark.parametrize(("kwargs", "fallback"), [
    ({"start_code": w.ERROR_SEM_TIMEOUT}, "rmstartsession-121"),
])
def test_start_failures_fall_back(kwargs: dict[str, int], fallback: str) -> None:
    rm, dll, _ = make(_teams(), **kwargs)
    q = w.quit_gracefully(rm, files=FILES, mains=[MAIN], family={4100}, timeout=5)
    assert q.fallback == fallback and q.method is None and dll.open_sessions() == []


def test_no_start_time_no_restart_manager() -> None:
    rm, dll, _ = make([])                       # the main is gone from RM's view
    q = w.quit_gracefully(rm, files=FILES, mains=[MAIN], family={4100}, timeout=5)
    assert q.fallback == "no-start-time" and "RmShutdown" not in dll.names()
    q.end()
    assert dll.open_sessions() == []
