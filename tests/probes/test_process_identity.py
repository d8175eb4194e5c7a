"""Issue 29 #8: a Teams client is known by the file its process runs, never by argv[0].

``clean --restart`` once quit and relaunched any officer process whose argv[0] was
``teams-for-linux`` (``exec -a teams-for-linux sleep 60``). These tests run that process
(and one that renamed itself with ``prctl``) for real and ask every path that acts on or
trusts a client: the restart's process finder, the Teams watcher, ``pid_alive``, and the
CLI's ``clean --restart`` end to end.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from devicecheck.cleaner.client_processes import ClientProcess, match_client
from devicecheck.cleaner.control import LinuxControl
from devicecheck.probes.processes import executable_name, find_processes, pid_alive
from devicecheck.teams.processes import ProcessWatcher
from tests.cleaner.helpers import TFL_PART, make_tfl, tfl_root

TFL = "teams-for-linux"
linux_only = pytest.mark.skipif(sys.platform != "linux", reason="/proc, prctl and exec -a")
SLEEP = shutil.which("sleep") or "/bin/sleep"


def _visible(proc: subprocess.Popen[bytes], argv0: str) -> None:
    deadline = time.monotonic() + 5
    while True:
        try:
            if psutil.Process(proc.pid).cmdline()[:1] == [argv0]:
                return
        except (psutil.Error, IndexError):
            pass
        assert time.monotonic() < deadline, "the process did not start"
        time.sleep(0.02)


@pytest.fixture
def argv0_impostor() -> Iterator[subprocess.Popen[bytes]]:
    """``exec -a teams-for-linux sleep 60``: argv[0] says Teams, the file is sleep."""
    proc = subprocess.Popen([TFL, "60"], executable=SLEEP)
    try:
        _visible(proc, TFL)
        yield proc
    finally:
        proc.kill()
        proc.wait()


@pytest.fixture
def comm_impostor() -> Iterator[subprocess.Popen[bytes]]:
    """Python that renames itself (``prctl(PR_SET_NAME)``, /proc/<pid>/comm) and whose
    argv[0] says Teams too."""
    code = ("import ctypes, time\n"
            "ctypes.CDLL(None).prctl(15, ctypes.c_char_p(b'teams-for-linux'), 0, 0, 0)\n"
            "print('renamed', flush=True)\ntime.sleep(60)\n")
    proc = subprocess.Popen([TFL, "-c", code], executable=sys.executable,
                            stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"renamed"
        assert psutil.Process(proc.pid).name() == TFL   # the rename took
        yield proc
    finally:
        proc.kill()
        proc.wait()


@pytest.fixture
def real_named(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A process whose executable file is named teams-for-linux (a copy of sleep)."""
    exe = tmp_path / "bin" / TFL
    exe.parent.mkdir()
    shutil.copy(SLEEP, exe)
    proc = subprocess.Popen([str(exe), "60"])
    try:
        _visible(proc, str(exe))
        yield proc
    finally:
        proc.kill()
        proc.wait()


def _finders(pid: int) -> dict[str, bool]:
    """Whether each path that acts on or trusts a client takes ``pid`` for teams-for-linux."""
    watcher = ProcessWatcher({TFL: frozenset({TFL})}, "linux")
    watcher.poll(0.0)
    control = LinuxControl(accept=lambda row: row.pid == pid)
    return {
        "find_processes": pid in {p.pid for p in find_processes(
            [TFL], os_name="linux", own_user=True, by_executable=True)},
        "watcher": pid in watcher.known,
        "pid_alive": pid_alive(pid, TFL, os_name="linux", own_user=True),
        "restart": [p.pid for p in control.find(TFL)] == [pid],
    }


@linux_only
def test_argv0_named_like_teams_is_not_teams(argv0_impostor: subprocess.Popen[bytes]) -> None:
    assert psutil.Process(argv0_impostor.pid).exe() == str(Path(SLEEP).resolve())
    assert _finders(argv0_impostor.pid) == dict.fromkeys(
        ("find_processes", "watcher", "pid_alive", "restart"), False)
    # The clean's "is Teams running?" stays cautious: refusing a clean is the safe side.
    assert argv0_impostor.pid in {p.pid for p in find_processes([TFL], own_user=True)}


@linux_only
def test_a_process_renamed_with_prctl_is_not_teams(comm_impostor: subprocess.Popen[bytes]) -> None:
    assert _finders(comm_impostor.pid) == dict.fromkeys(
        ("find_processes", "watcher", "pid_alive", "restart"), False)


@linux_only
def test_a_process_running_a_file_named_teams_is_found_by_every_path(
        real_named: subprocess.Popen[bytes]) -> None:
    assert _finders(real_named.pid) == dict.fromkeys(
        ("find_processes", "watcher", "pid_alive", "restart"), True)


@linux_only
def test_clean_restart_leaves_the_impostor_alone(
        argv0_impostor: subprocess.Popen[bytes], isolated_dirs: Path) -> None:
    """The attack as reported: ``devicecheck clean --restart --yes`` with the impostor
    running (and teams-for-linux data to clear) neither quits it nor starts anything in
    its place; the clean goes ahead, since Teams is not running."""
    root = make_tfl(tfl_root(isolated_dirs))
    before = psutil.Process(argv0_impostor.pid).create_time()
    done = subprocess.run([sys.executable, "-m", "devicecheck", "clean", "--restart", "--yes",
                           "--json", "--client", TFL], capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)
    assert argv0_impostor.poll() is None, done.stderr
    assert psutil.Process(argv0_impostor.pid).create_time() == before
    [client] = json.loads(done.stdout)["clients"]
    assert client["id"] == TFL and client.get("restarted") is not True
    assert not (root / TFL_PART / "IndexedDB").exists()   # cleaned: Teams was not running
    started = [p for p in psutil.process_iter(["cmdline", "create_time"])
               if (p.info["cmdline"] or [""])[0] == TFL and p.info["create_time"] > before]
    assert started == []


# -- the rule itself (pure) -----------------------------------------------------------
def test_executable_name_prefers_the_file_and_never_reads_argv0() -> None:
    assert executable_name("sleep", "/usr/bin/sleep") == "sleep"
    assert executable_name(TFL, "/usr/bin/sleep") == "sleep"      # a renamed comm
    assert executable_name(TFL, "") == TFL                         # exe unreadable: the name
    assert executable_name("ms-teams.exe", r"C:\Program Files\WindowsApps\MSTeams_x\ms-teams.exe"
                           ) == "ms-teams.exe"
    assert executable_name("teams-for-linux", "/app/teams-for-linux/teams-for-linux") == TFL


def test_match_client_by_executable_with_the_name_only_as_fallback() -> None:
    rows = [
        ClientProcess(1, "sleep", "/usr/bin/sleep", (TFL, "60")),             # argv[0] lies
        ClientProcess(2, TFL, "/usr/bin/python3.11", (TFL,)),                 # comm lies
        ClientProcess(3, TFL, "", ("/opt/teams-for-linux/teams-for-linux",)),  # exe unreadable
        ClientProcess(4, "teams-for-lin", "/snap/teams-for-linux/512/teams-for-linux",
                      ("/snap/teams-for-linux/512/teams-for-linux",), ppid=3),
        ClientProcess(5, "sleep", "", (TFL,)),                                 # no exe, argv[0]
    ]
    found = {p.pid: p.main for p in match_client(rows, TFL, frozenset({TFL}), "linux")}
    assert found == {3: True, 4: False}
