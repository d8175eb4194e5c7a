"""``cleaner/control.py``: Linux for real with the stand-in client; Windows and macOS through
an injected process table, runner and spawner, asserting the exact argument lists."""

from __future__ import annotations

import os
import signal
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from devicecheck.cleaner.control import (
    ClientProcess,
    LaunchSpec,
    LinuxControl,
    MacControl,
    WindowsControl,
    control_for,
    launch_env,
    match_client,
)
from tests.helpers import teams_standin

TFL = "teams-for-linux"


# -- Linux, for real -------------------------------------------------------------------
def test_linux_finds_the_main_process_and_its_children(tmp_path: Path) -> None:
    with teams_standin.running(tmp_path / "root", tmp_path / "ready", children=2) as s:
        procs = s.control().find(TFL)
        assert [p.main for p in procs] == [True, False, False]
        main = procs[0]
        assert main.pid == s.proc.pid and main.name == TFL and main.cwd == os.getcwd()
        assert {p.ppid for p in procs[1:]} == {main.pid}


def test_linux_sigterm_quits_and_relaunch_keeps_the_argv_in_a_new_session(
        tmp_path: Path) -> None:
    cwd = tmp_path / "officer-cwd"
    cwd.mkdir()
    with teams_standin.running(tmp_path / "root", tmp_path / "ready", children=1,
                               cwd=cwd) as s:
        control = s.control()
        procs = control.find(TFL)
        spec = control.launch_spec(TFL, procs)
        assert spec is not None and spec.argv == tuple(s.argv) and spec.cwd == str(cwd)
        control.request_quit(procs)
        assert control.wait_gone(procs, 30)
        assert s.proc.wait(timeout=10) == 0          # it quit cleanly, not killed
        assert control.find(TFL) == []               # children went with it
        assert control.relaunch(spec)
        assert control.wait_started(TFL, 30, old=procs)
        teams_standin.wait_for(lambda: len(s.starts()) == 2, what="the relaunch's start line")
        first, second = s.starts()
        assert second["argv"] == first["argv"] and second["cwd"] == str(cwd)
        # Its own session: it does not die with our terminal or process group.
        assert os.getsid(second["pid"]) == second["pid"] != os.getsid(0)


def test_linux_force_ends_a_client_that_ignores_sigterm(tmp_path: Path) -> None:
    with teams_standin.running(tmp_path / "root", tmp_path / "ready", ignore_term=True,
                               children=1) as s:
        control = s.control()
        procs = control.find(TFL)
        control.request_quit(procs)
        assert not control.wait_gone(procs, 1.0)
        control.force(procs)
        assert control.wait_gone(procs, 30)
        assert s.proc.wait(timeout=10) == -signal.SIGKILL


def test_relaunch_environment_drops_what_is_ours() -> None:
    base = {"PATH": "/usr/bin", "DEVICECHECK_FAKE_OS": "linux", "_PYI_ARCHIVE_FILE": "x",
            "LD_LIBRARY_PATH": "/opt/devicecheck/_internal", "LD_LIBRARY_PATH_ORIG": "/opt/lib",
            "HOME": "/home/o"}
    frozen = launch_env(base, frozen=True)
    assert frozen == {"PATH": "/usr/bin", "LD_LIBRARY_PATH": "/opt/lib", "HOME": "/home/o"}
    del base["LD_LIBRARY_PATH_ORIG"]
    assert "LD_LIBRARY_PATH" not in launch_env(base, frozen=True)
    assert launch_env(base, frozen=False)["LD_LIBRARY_PATH"] == "/opt/devicecheck/_internal"


# -- fixtures for the other OSes -------------------------------------------------------
class Fake:
    """A process table, runner, spawner and signal sender that record what was asked."""

    def __init__(self, rows: Sequence[ClientProcess], *, dies_on: str = "") -> None:
        self.rows = list(rows)
        self.live = {r.pid for r in rows}
        self.ran: list[list[str]] = []
        self.spawned: list[tuple[list[str], str | None, str | None]] = []
        self.signals: list[tuple[int, int]] = []
        self.dies_on = dies_on
        self.now = 0.0

    def table(self) -> list[ClientProcess]:
        return [r for r in self.rows if r.pid in self.live]

    def alive(self, p: ClientProcess) -> bool:
        return p.pid in self.live

    def runner(self, argv: Sequence[str], timeout: float) -> int:
        assert timeout > 0
        self.ran.append(list(argv))
        if self.dies_on and self.dies_on in argv:
            self.live.clear()
        return 0

    def spawner(self, argv: Sequence[str], cwd: str | None, env: Mapping[str, str],
                executable: str | None) -> bool:
        self.spawned.append((list(argv), cwd, executable))
        return True

    def signal(self, pid: int, sig: int) -> None:
        self.signals.append((pid, sig))
        if sig == signal.SIGKILL:
            self.live.discard(pid)

    def sleep(self, s: float) -> None:
        self.now += s

    def kwargs(self) -> dict[str, object]:
        return {"table": self.table, "alive": self.alive, "runner": self.runner,
                "spawner": self.spawner, "send_signal": self.signal, "cwd_of": lambda pid: "",
                "clock": lambda: self.now, "sleep": self.sleep, "exists": lambda path: True,
                "env": {"SystemRoot": r"C:\Windows"}}


WIN_NEW = [
    ClientProcess(4100, "ms-teams.exe", r"C:\Program Files\WindowsApps\MSTeams_25290.205.4069.4894"
                  r"_x64__8wekyb3d8bbwe\ms-teams.exe", ("ms-teams.exe",), ppid=3000),
    ClientProcess(4200, "ms-teams_modulehost.exe", "", ("ms-teams_modulehost.exe",), ppid=4100),
    ClientProcess(4300, "msedgewebview2.exe", "", ("msedgewebview2.exe",), ppid=4100),
    ClientProcess(3000, "explorer.exe", r"C:\Windows\explorer.exe", (), ppid=1),
]
CLASSIC_EXE = r"C:\Users\o\AppData\Local\Microsoft\Teams\current\Teams.exe"
WIN_CLASSIC = [ClientProcess(5100, "Teams.exe", CLASSIC_EXE,
                             (CLASSIC_EXE, "--system-initiated"), ppid=3000)]
MAC_NEW = [
    ClientProcess(700, "MSTeams", "/Applications/Microsoft Teams.app/Contents/MacOS/MSTeams",
                  ("/Applications/Microsoft Teams.app/Contents/MacOS/MSTeams",), ppid=1),
]


def test_matching_marks_top_most_processes_and_ignores_case_on_windows() -> None:
    rows = [*WIN_NEW, ClientProcess(4400, "MS-TEAMS.EXE", "", (), ppid=4300)]
    found = {p.pid: p.main for p in match_client(rows, "teams-new",
                                                 frozenset({"ms-teams.exe",
                                                            "ms-teams_modulehost.exe"}),
                                                 "windows")}
    # 4400's parent is a WebView2 process, not one of Teams' own: it counts as a main.
    assert found == {4100: True, 4200: False, 4400: True}
    assert match_client(rows, "teams-for-linux", frozenset({"TEAMS-FOR-LINUX"}), "linux") == []


def test_windows_close_request_then_taskkill_force_tree() -> None:
    fake = Fake(WIN_NEW)
    control = WindowsControl(**fake.kwargs())  # type: ignore[arg-type]
    procs = control.find("teams-new")
    assert [(p.pid, p.main) for p in procs] == [(4100, True), (4200, False)]
    control.request_quit(procs)
    assert fake.ran == [[r"C:\Windows\System32\taskkill.exe", "/PID", "4100"]]
    assert not control.wait_gone(procs, 15)           # closed to the tray: still there
    assert fake.now >= 15
    fake.ran.clear()
    control.force(procs)
    assert fake.ran == [[r"C:\Windows\System32\taskkill.exe", "/F", "/T", "/PID", "4100"],
                        [r"C:\Windows\System32\taskkill.exe", "/F", "/T", "/PID", "4200"]]


def test_windows_new_teams_starts_again_through_its_app_id() -> None:
    fake = Fake(WIN_NEW)
    control = WindowsControl(**fake.kwargs())  # type: ignore[arg-type]
    spec = control.launch_spec("teams-new", control.find("teams-new"))
    assert spec == LaunchSpec("teams-new", app_id="MSTeams_8wekyb3d8bbwe!MSTeams",
                              via="appsfolder")
    assert control.relaunch(spec)
    assert fake.spawned == [([r"C:\Windows\explorer.exe",
                              r"shell:AppsFolder\MSTeams_8wekyb3d8bbwe!MSTeams"], None, None)]


def test_windows_classic_teams_starts_again_from_its_remembered_command_line() -> None:
    fake = Fake(WIN_CLASSIC)
    control = WindowsControl(**fake.kwargs())  # type: ignore[arg-type]
    spec = control.launch_spec("teams-classic", control.find("teams-classic"))
    assert spec is not None and spec.argv == (CLASSIC_EXE, "--system-initiated")
    assert control.relaunch(spec)
    assert fake.spawned == [([CLASSIC_EXE, "--system-initiated"], None, CLASSIC_EXE)]


def test_macos_quit_apple_event_force_and_open_by_bundle_id() -> None:
    fake = Fake(MAC_NEW, dies_on='quit app id "com.microsoft.teams2"')
    control = MacControl(**fake.kwargs())  # type: ignore[arg-type]
    procs = control.find("teams-new")
    control.request_quit(procs)
    assert fake.ran == [["/usr/bin/osascript", "-e", 'quit app id "com.microsoft.teams2"']]
    assert control.wait_gone(procs, 15)
    spec = control.launch_spec("teams-new", procs)
    assert spec is not None and control.relaunch(spec)
    assert fake.spawned == [(["/usr/bin/open", "-b", "com.microsoft.teams2"], None, None)]


def test_macos_force_is_sigterm_then_sigkill() -> None:
    fake = Fake(MAC_NEW)
    control = MacControl(**fake.kwargs())  # type: ignore[arg-type]
    procs = control.find("teams-new")
    control.force(procs)
    assert fake.signals == [(700, signal.SIGTERM), (700, signal.SIGKILL)]
    assert control.wait_gone(procs, 0)


def test_linux_sandboxed_clients_start_through_their_package_manager() -> None:
    flatpak = [ClientProcess(900, TFL, "/app/teams-for-linux/teams-for-linux",
                             ("/app/teams-for-linux/teams-for-linux", "--some-zypak-arg"))]
    snap = [ClientProcess(901, TFL, "/snap/teams-for-linux/512/teams-for-linux",
                          ("/snap/teams-for-linux/512/teams-for-linux",))]
    for rows, argv in ((flatpak, ["/usr/bin/flatpak", "run",
                                  "com.github.IsmaelMartinez.teams_for_linux"]),
                       (snap, ["/usr/bin/snap", "run", "teams-for-linux"])):
        fake = Fake(rows)
        control = LinuxControl(**fake.kwargs())  # type: ignore[arg-type]
        spec = control.launch_spec(TFL, control.find(TFL))
        assert spec is not None and control.relaunch(spec)
        assert fake.spawned[-1] == (argv, None, None)


def test_a_browser_is_never_a_client_to_quit() -> None:
    fake = Fake([ClientProcess(1, "chrome", "/opt/google/chrome/chrome", ())])
    assert control_for("linux", **fake.kwargs()).find("teams-web") == []


@pytest.mark.parametrize("os_name", ["linux", "windows", "macos"])
def test_nothing_running_finds_nothing(os_name: str) -> None:
    fake = Fake([])
    control = control_for(os_name, **fake.kwargs())  # type: ignore[arg-type]
    assert control.find("teams-new") == [] and control.find(TFL) == []
    # A remembered command line needs a process to remember it from (an app id does not).
    assert (control.launch_spec("teams-classic", []) is None) is (os_name != "macos")
