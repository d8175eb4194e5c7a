"""Fixtures for the Teams link tests: a stand-in Teams server, a real process that looks
like a Teams client, and a process finder limited to this test's own children (other
engineers' tests on the same machine may run fake Teams processes too)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from devicecheck.probes.processes import ProcInfo, find_processes
from tests.teams.fakeserver import FakeTeamsServer

CLIENT_EXE = "teams-for-linux"


@pytest.fixture
def fake_teams(qtbot: Any) -> Iterator[FakeTeamsServer]:
    server = FakeTeamsServer()
    server.start()
    yield server
    server.close()


class FakeTeamsProcess:
    """A real process whose executable is named ``teams-for-linux`` (a copy of ``sleep``:
    the client is known by the file it runs, and a link would resolve to ``sleep``)."""

    def __init__(self, folder: Path) -> None:
        sleep = shutil.which("sleep")
        assert sleep, "coreutils sleep is needed"
        self.exe = folder / CLIENT_EXE
        if not self.exe.exists():
            shutil.copy(sleep, self.exe)
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> int:
        self.proc = subprocess.Popen([str(self.exe), "600"])
        return self.proc.pid

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


@pytest.fixture
def teams_process(tmp_path: Path) -> Iterator[FakeTeamsProcess]:
    folder = tmp_path / "bin"
    folder.mkdir()
    proc = FakeTeamsProcess(folder)
    yield proc
    proc.stop()


def own_find(names: Iterable[str], **kwargs: Any) -> list[ProcInfo]:
    """``find_processes`` limited to this test process's children."""
    mine = {p.pid for p in psutil.Process().children(recursive=True)}
    return [p for p in find_processes(names, **kwargs) if p.pid in mine]


def own_running(names: frozenset[str], os_name: Any) -> set[str]:
    """The cleaner's ProcessFinder shape, limited to our children."""
    return {p.name for p in own_find(names, os_name=os_name)}
