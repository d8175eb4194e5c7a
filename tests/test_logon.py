"""``clean_at_logon``: off by default; never touches a running Teams; cleans first and then
starts the configured clients the OS's way (argument lists checked with the real
``ClientControl`` classes and a recording spawner; on Linux also a real start of a
stand-in teams-for-linux and a real clean of a data tree)."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest

from devicecheck.cleaner.control import ClientControl, ClientProcess, LaunchSpec, control_for
from devicecheck.cleaner.run import CleanResult
from devicecheck.logon import clean_at_logon, describe
from devicecheck.osinfo import OsName
from devicecheck.policy import Policy
from devicecheck.policy.model import CleanerPolicy
from tests.cleaner.helpers import make_tfl, tfl_root

ON = Policy(cleaner=CleanerPolicy(clean_at_logon=True))


class Spawns:
    """A spawner that records what would be started (the real one detaches a process)."""

    def __init__(self, ok: bool = True) -> None:
        self.calls: list[tuple[str, ...]] = []
        self.ok = ok

    def __call__(self, argv: Sequence[str], cwd: str | None, env: Mapping[str, str],
                 executable: str | None) -> bool:
        self.calls.append(tuple(argv))
        return self.ok


def _control(os_name: OsName, rows: Sequence[ClientProcess] = (), spawns: Spawns | None = None,
             env: Mapping[str, str] | None = None) -> ClientControl:
    return control_for(os_name, table=lambda: list(rows), spawner=spawns or Spawns(),
                       alive=lambda p: True, cwd_of=lambda pid: "", env=env or {})


def _fake_clean(order: list[str], refused: Sequence[str] = (),
                failures: int = 0) -> Callable[[Policy, Sequence[str]], CleanResult]:
    def cleaner(policy: Policy, ids: Sequence[str]) -> CleanResult:
        order.append("clean")
        result = CleanResult(plan=None)  # type: ignore[arg-type]
        result.refused = list(refused)
        result.failures = [{"client": "x", "reason": "in use"}] * failures
        return result
    return cleaner


def test_off_by_default_does_nothing() -> None:
    assert Policy().cleaner.clean_at_logon is False

    def boom(*a: object) -> CleanResult:
        raise AssertionError("must not clean")

    result = clean_at_logon(Policy(), cleaner=boom, control=_control("windows"))
    assert not result.enabled and "switched off" in result.message


def test_running_teams_is_left_alone() -> None:
    spawns = Spawns()
    teams = ClientProcess(pid=4242, name="ms-teams.exe", ppid=1)
    order: list[str] = []
    result = clean_at_logon(ON, control=_control("windows", [teams], spawns),
                            cleaner=_fake_clean(order), os_name="windows", env={})
    assert result.running == ("teams-new",) and not result.cleaned
    assert order == [] and spawns.calls == []
    assert "already running" in result.message


def test_windows_cleans_then_starts_new_teams_by_its_app_id(tmp_path: Path) -> None:
    local = tmp_path / "AppData" / "Local"
    (local / "Packages" / "MSTeams_8wekyb3d8bbwe").mkdir(parents=True)
    order: list[str] = []
    spawns = Spawns()

    class Recording(Spawns):
        def __call__(self, argv: Sequence[str], cwd: str | None, env: Mapping[str, str],
                     executable: str | None) -> bool:
            order.append("start")
            return spawns(argv, cwd, env, executable)

    env = {"LOCALAPPDATA": str(local), "SystemRoot": r"C:\Windows"}
    result = clean_at_logon(ON, control=_control("windows", spawns=Recording(), env=env),
                            cleaner=_fake_clean(order), os_name="windows", env=env)
    assert order == ["clean", "start"]
    # shared/reference/teams.md: new Teams starts through its app id in shell:AppsFolder.
    assert spawns.calls == [("C:\\Windows\\explorer.exe",
                             "shell:AppsFolder\\MSTeams_8wekyb3d8bbwe!MSTeams")]
    assert result.started == ("teams-new",)
    assert result.message == "Meeting data was cleared at logon, then Teams was started."
    assert describe(result)["started"] == ["teams-new"]


def test_windows_without_new_teams_installed_starts_nothing(tmp_path: Path) -> None:
    spawns = Spawns()
    result = clean_at_logon(ON, control=_control("windows", spawns=spawns),
                            cleaner=_fake_clean([]), os_name="windows",
                            env={"LOCALAPPDATA": str(tmp_path)})
    assert result.cleaned and result.started == () and spawns.calls == []
    assert result.message == "Meeting data was cleared at logon."


def test_macos_starts_new_teams_by_bundle_id(monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    # The client entry's install folder, /Applications/Microsoft Teams.app, under a fake root.
    (tmp_path / "Applications" / "Microsoft Teams.app").mkdir(parents=True)
    monkeypatch.setattr("devicecheck.logon.FS_ROOT", tmp_path)
    spawns = Spawns()
    result = clean_at_logon(ON, control=_control("macos", spawns=spawns),
                            cleaner=_fake_clean([]), os_name="macos", env={})
    assert spawns.calls == [("/usr/bin/open", "-b", "com.microsoft.teams2")]
    assert result.started == ("teams-new",)


def test_a_client_that_started_during_the_clean_is_not_started_again(tmp_path: Path) -> None:
    local = tmp_path / "Local"
    (local / "Packages" / "MSTeams_8wekyb3d8bbwe").mkdir(parents=True)
    spawns = Spawns()
    result = clean_at_logon(ON, control=_control("windows", spawns=spawns),
                            cleaner=_fake_clean([], refused=["teams-new"]), os_name="windows",
                            env={"LOCALAPPDATA": str(local)})
    assert spawns.calls == [] and result.started == ()
    assert result.message.startswith("Some meeting data could not be cleared")


def test_a_start_that_fails_is_reported(tmp_path: Path) -> None:
    def locate(cid: str, os_name: OsName, env: Mapping[str, str]) -> LaunchSpec | None:
        return LaunchSpec(cid, argv=("/opt/tfl/teams-for-linux",)) if cid == "teams-for-linux" else None

    result = clean_at_logon(ON, control=_control("linux", spawns=Spawns(ok=False)),
                            cleaner=_fake_clean([]), os_name="linux", env={}, locate=locate)
    assert result.not_started == ("teams-for-linux",)
    assert "could not be started" in result.message
    assert "could not start teams-for-linux" in result.problems


def test_only_clients_the_policy_names_are_started(tmp_path: Path) -> None:
    policy = dataclasses.replace(ON, cleaner=dataclasses.replace(
        ON.cleaner, clients=("teams-classic", "teams-web")))
    asked: list[str] = []

    def locate(cid: str, os_name: OsName, env: Mapping[str, str]) -> LaunchSpec | None:
        asked.append(cid)
        return None

    clean_at_logon(policy, control=_control("linux"), cleaner=_fake_clean([]),
                   os_name="linux", env={}, locate=locate)
    assert asked == ["teams-classic"]  # never a browser


def test_linux_real_clean_then_real_start_from_path(isolated_dirs: Path, tmp_path: Path) -> None:
    """A stand-in teams-for-linux on PATH (a script that leaves a marker) is found and really
    started, detached, after the real cleaner has emptied a real data tree."""
    from devicecheck.cleaner.run import clean

    make_tfl(tfl_root(isolated_dirs))
    bindir = tmp_path / "bin"
    bindir.mkdir()
    marker = tmp_path / "started"
    stand_in = bindir / "teams-for-linux"
    stand_in.write_text(f"#!/bin/sh\necho \"$0\" > '{marker}'\n")
    stand_in.chmod(0o755)
    env = {"PATH": f"{bindir}:/usr/bin:/bin", "HOME": str(isolated_dirs)}
    cleaned_first: list[bool] = []

    def cleaner(policy: Policy, ids: Sequence[str]) -> CleanResult:
        result = clean(policy, client_ids=list(ids), os_name="linux",
                       processes=lambda names, os_name: set())
        cleaned_first.append(not marker.exists())
        return result

    control = control_for("linux", table=lambda: [], env=env)
    result = clean_at_logon(ON, control=control, cleaner=cleaner, os_name="linux", env=env)
    assert cleaned_first == [True]
    assert result.clean is not None and result.clean.removed_files > 0
    assert result.started == ("teams-for-linux",)
    deadline = time.monotonic() + 30
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.read_text().strip() == str(stand_in)
    assert not (tfl_root(isolated_dirs) / "Partitions" / "teams-4-linux" / "IndexedDB").exists()
