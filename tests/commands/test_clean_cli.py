"""``devicecheck clean`` (pinned flags, JSON shape and exit codes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devicecheck.cli import main
from tests.cleaner.helpers import CLEARED, KEPT, TFL_PART, make_tfl, running_as, snapshot, tfl_root
from tests.helpers import teams_standin
from tests.helpers.teams_standin import StandIn

SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture(autouse=True)
def no_running_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process runs see no running Teams (another suite's stand-in must not make these
    exit 3); the refusal test runs a real child process in a real subprocess instead."""
    monkeypatch.setattr("devicecheck.cleaner.plan.default_processes", lambda names, os_name: set())


@pytest.fixture
def root(isolated_dirs: Path) -> Path:
    return make_tfl(tfl_root(isolated_dirs))


def _json(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    return data


def test_json_shape_and_exit_0(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["clean", "--yes", "--json"]) == 0
    data = _json(capsys)
    assert {"clients", "removed_files", "removed_bytes", "failures"} <= set(data)
    [client] = data["clients"]
    assert {"id", "root", "running", "targets"} <= set(client)
    assert client["id"] == "teams-for-linux" and client["root"] == str(root)
    assert client["running"] is False
    for t in client["targets"]:
        assert {"path", "files", "bytes", "action"} <= set(t)
        assert isinstance(t["files"], int) and isinstance(t["bytes"], int)
    assert data["removed_files"] == len(CLEARED) and data["failures"] == []
    assert all((root / k).exists() for k in KEPT)
    assert main(["clean", "--yes", "--json"]) == 0  # second run: nothing to do
    again = _json(capsys)
    assert again["removed_files"] == 0
    assert {t["action"] for t in again["clients"][0]["targets"]} == {"keep"}


def test_nothing_installed_is_exit_0(isolated_dirs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["clean", "--yes"]) == 0
    assert "Nothing to clean" in capsys.readouterr().out


def test_dry_run_prints_the_plan_and_deletes_nothing(
        root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(root)
    assert main(["clean", "--dry-run"]) == 0
    out = capsys.readouterr().out
    # The officer's words (issue 27): the client's name, how much, what goes and stays;
    # no store names, folders, ids or "1 files".
    assert out.startswith("Teams for Linux: ") and "(13 files)" in out
    assert "What goes: names" in out and "What stays: your backgrounds" in out
    assert "Dry run" in out
    for technical in ("IndexedDB", "teams-for-linux", "native", str(root), " 1 files"):
        assert technical not in out, technical
    # IT's detail with --it: every store, its action, path and files (plurals right).
    assert main(["clean", "--dry-run", "--it"]) == 0
    it = capsys.readouterr().out
    assert f"{TFL_PART}/IndexedDB" in it and "keep" in it and "1 file " in it
    assert "1 files" not in it
    assert snapshot(root) == before
    assert main(["clean", "--dry-run", "--json"]) == 0
    assert _json(capsys)["clients"][0]["targets"]


def test_off_a_terminal_without_yes_deletes_nothing(
        root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("devicecheck.commands.clean._isatty", lambda: False)
    before = snapshot(root)
    assert main(["clean"]) == 2
    assert "--yes" in capsys.readouterr().err and snapshot(root) == before


@pytest.mark.parametrize(("answer", "deleted"), [("y", True), ("yes", True), ("n", False),
                                                 ("", False)])
def test_on_a_terminal_it_shows_the_plan_and_asks(
        answer: str, deleted: bool, root: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("devicecheck.commands.clean._isatty", lambda: True)
    asked: list[bool] = []

    def fake_input(*_: object) -> str:
        asked.append(True)
        return answer

    monkeypatch.setattr("builtins.input", fake_input)
    assert main(["clean"]) == 0
    out = capsys.readouterr().out
    assert asked and "Teams for Linux: " in out and "[y/N]" in out
    assert (not (root / CLEARED[0]).exists()) is deleted
    assert ("Meeting data cleared from Teams for Linux" in out) is deleted
    assert ("Nothing deleted" in out) is not deleted


def test_usage_errors_are_exit_2(root: Path, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["clean", "--client", "zoom"]) == 2
    policy = tmp_path / "p.toml"
    policy.write_text('[cleaner]\nclients = ["teams-new"]\n')
    before = snapshot(root)
    assert main(["clean", "--yes", "--client", "teams-for-linux", "--policy", str(policy)]) == 2
    assert "cleaner.clients" in capsys.readouterr().err and snapshot(root) == before


def test_client_filter_and_caches_only_policy(root: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "p.toml"
    policy.write_text('[cleaner]\nmode = "caches-only"\n')
    assert main(["clean", "--yes", "--json", "--client", "teams-for-linux",
                 "--policy", str(policy)]) == 0
    assert (root / TFL_PART / "IndexedDB").exists() and not (root / TFL_PART / "Cache").exists()
    assert main(["clean", "--yes", "--client", "teams-new"]) == 0  # not on Linux: nothing


def test_partial_failure_is_exit_1(isolated_dirs: Path, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    real = make_tfl(tmp_path / "real")
    os.symlink(real, tfl_root(isolated_dirs))
    assert main(["clean", "--yes"]) == 1
    assert "link" in capsys.readouterr().out and (real / CLEARED[0]).exists()


def test_refused_while_running_is_exit_3_in_a_real_process(root: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    before = snapshot(root)
    with running_as("teams-for-linux", tmp_path / "bin") as proc:
        done = subprocess.run([sys.executable, "-m", "devicecheck", "clean", "--yes", "--json"],
                              env=env, capture_output=True, text=True, timeout=60, check=False)
        assert proc.poll() is None  # never killed
    assert done.returncode == 3, done.stderr
    data = json.loads(done.stdout)
    assert data["clients"][0]["running"] is True and data["refused"] == ["teams-for-linux"]
    assert "teams-for-linux" in data["failures"][0]["reason"]
    assert snapshot(root) == before


# -- --restart and --session-end (a real stand-in client, seen only by its tag) ----------
@pytest.fixture
def standin(root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[StandIn]:
    """A running stand-in teams-for-linux over ``root``; the restart flow sees only it."""
    with teams_standin.running(root, tmp_path / "ready", children=1) as s:
        monkeypatch.setattr("devicecheck.cleaner.restart.control_for",
                            lambda *a, **k: s.control())
        monkeypatch.setattr("devicecheck.teams.oneshot.meeting_in_progress",
                            lambda policy, **k: False)
        yield s


def _meeting(monkeypatch: pytest.MonkeyPatch, on: bool | None) -> None:
    monkeypatch.setattr("devicecheck.teams.oneshot.meeting_in_progress",
                        lambda policy, **k: on)


def test_restart_yes_json_quits_cleans_and_starts_teams_again(
        standin: StandIn, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["clean", "--restart", "--yes", "--json"]) == 0
    data = _json(capsys)
    assert {"clients", "removed_files", "removed_bytes", "failures"} <= set(data)
    [client] = data["clients"]
    assert client["id"] == "teams-for-linux" and client["restarted"] is True
    assert client["forced"] is False and data["removed_files"] > 0
    assert not (root / TFL_PART / "IndexedDB").exists() and (root / "config.json").exists()
    teams_standin.wait_for(lambda: len(standin.starts()) == 2, what="the relaunch")
    first, second = standin.starts()
    assert second["argv"] == first["argv"]


def test_restart_is_refused_with_exit_3_while_a_meeting_is_on(
        standin: StandIn, root: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    _meeting(monkeypatch, True)
    before = (root / TFL_PART / "IndexedDB").exists()
    assert main(["clean", "--restart", "--yes", "--json"]) == 3
    data = _json(capsys)
    assert data["refused_reason"] == "meeting-on" and data["meeting"] == "on"
    assert data["clients"][0]["restarted"] is False and data["clients"][0]["forced"] is False
    assert "meeting" in data["failures"][0]["reason"]
    assert before and (root / TFL_PART / "IndexedDB").exists()
    assert standin.proc.poll() is None and len(standin.starts()) == 1


def test_restart_forced_in_caches_only_mode_deletes_nothing_and_says_so(
        root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "p.toml"
    policy.write_text('[cleaner]\nmode = "caches-only"\nquit_timeout_seconds = 1\n')
    with teams_standin.running(root, tmp_path / "ready", ignore_term=True) as s:
        monkeypatch.setattr("devicecheck.cleaner.restart.control_for", lambda *a, **k: s.control())
        _meeting(monkeypatch, False)
        assert main(["clean", "--restart", "--yes", "--json", "--policy", str(policy)]) == 1
        data = _json(capsys)
        assert data["refused_reason"] == "forced-caches-only"
        assert data["clients"][0]["forced"] is True and data["clients"][0]["restarted"] is True
        assert (root / TFL_PART / "Cache").exists() and data["removed_files"] == 0
        assert main(["clean", "--restart", "--yes", "--policy", str(policy)]) == 1
        assert "caches-only" in capsys.readouterr().out


def test_restart_off_a_terminal_without_yes_closes_nothing(
        standin: StandIn, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("devicecheck.commands.clean._isatty", lambda: False)
    assert main(["clean", "--restart"]) == 2
    assert "--yes" in capsys.readouterr().err and standin.proc.poll() is None


@pytest.mark.parametrize(("answer", "meeting", "restarted"),
                         [("n", False, False), ("y", False, True), ("y", None, True)])
def test_restart_at_a_terminal_asks_first(
        answer: str, meeting: bool | None, restarted: bool, standin: StandIn, root: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("devicecheck.commands.clean._isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda *_: answer)
    _meeting(monkeypatch, meeting)
    assert main(["clean", "--restart"]) == 0
    out = capsys.readouterr().out
    assert "Teams will close for a few seconds" in out and "[y/N]" in out
    assert ("cannot tell" in out) is (meeting is None)
    assert ("closed and started again" in out) is restarted
    assert (root / TFL_PART / "IndexedDB").exists() is not restarted


def test_session_end_is_quiet_quits_teams_and_does_not_start_it(
        standin: StandIn, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["clean", "--session-end"]) == 0
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    assert standin.control().find("teams-for-linux") == [] and len(standin.starts()) == 1
    assert not (root / TFL_PART / "IndexedDB").exists()


def test_session_end_says_in_one_line_when_teams_cannot_be_stopped(
        root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from tests.cleaner.test_restart import StuckControl

    policy = tmp_path / "p.toml"
    policy.write_text("[cleaner]\nquit_timeout_seconds = 1\n")
    monkeypatch.setattr("devicecheck.cleaner.restart.control_for", lambda *a, **k: StuckControl())
    before = snapshot(root)
    assert main(["clean", "--session-end", "--policy", str(policy)]) == 3
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "could not be stopped" in err
    assert snapshot(root) == before


def test_restart_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["clean", "--restart", "--dry-run"]) == 2
    assert "--dry-run" in capsys.readouterr().err
    assert main(["clean", "--restart", "--session-end"]) == 2
    assert "not allowed with" in capsys.readouterr().err
