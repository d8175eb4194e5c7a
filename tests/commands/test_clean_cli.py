"""``devicecheck clean`` (pinned flags, JSON shape and exit codes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from devicecheck.cli import main
from tests.cleaner.helpers import CLEARED, KEPT, TFL_PART, make_tfl, running_as, snapshot, tfl_root

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
    assert f"{TFL_PART}/IndexedDB" in out and "keep" in out and "Dry run" in out
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
    assert asked and "IndexedDB" in out and "[y/N]" in out
    assert (not (root / CLEARED[0]).exists()) is deleted
    assert ("Removed" in out) is deleted and ("Nothing deleted" in out) is not deleted


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
