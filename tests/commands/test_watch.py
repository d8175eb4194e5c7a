"""``devicecheck watch [--json] [--no-clean] [--policy FILE]`` (pinned), run as a real
process against the stand-in Teams server."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from devicecheck.cli import build_parser
from devicecheck.commands.watch import format_event
from tests.teams.fakeserver import FakeTeamsServer

SRC = str(Path(__file__).resolve().parents[2] / "src")


class Watch:
    """``devicecheck watch`` in a child process; stdout lines gathered by a thread."""

    def __init__(self, *args: str) -> None:
        env = {**os.environ, "PYTHONPATH": SRC}
        self.proc = subprocess.Popen([sys.executable, "-m", "devicecheck", "watch", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def drain(self) -> list[str]:
        while True:
            try:
                self.seen.append(self.lines.get_nowait())
            except queue.Empty:
                return self.seen

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.drain()]

    def names(self) -> list[str]:
        return [e["event"] for e in self.events()]

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, str]:
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=15)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
        assert self.proc.stderr is not None
        return rc, self.proc.stderr.read()


def policy_file(tmp_path: Path, url: str, grace: int = 1) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(f'[teams]\nlocal_api_url = "{url}"\nmeeting_end_grace_seconds = {grace}\n',
                    encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_watch_is_registered_with_its_pinned_options() -> None:
    args = build_parser().parse_args(["watch", "--json", "--no-clean", "--policy", "p.toml"])
    assert (args.command, args.json, args.no_clean, str(args.policy)) == (
        "watch", True, True, "p.toml")


def test_format_event_json_and_text() -> None:
    now = datetime(2026, 11, 28, 13, 0, 5, tzinfo=UTC)
    line = format_event("meeting-ended", {"duration_s": 61}, as_json=True, now=now)
    assert json.loads(line) == {"time": "2026-11-28T13:00:05Z", "event": "meeting-ended",
                                "detail": {"duration_s": 61}}
    text = format_event("meeting-ended", {"duration_s": 61}, as_json=False, now=now)
    assert text.startswith("2026-11-28T13:00:05Z  meeting-ended") and "duration_s=61" in text


def test_watch_json_follows_a_meeting_and_exits_0_on_sigterm(
        qtbot: Any, fake_teams: FakeTeamsServer, tmp_path: Path) -> None:
    watch = Watch("--json", "--no-clean", "--policy",
                  str(policy_file(tmp_path, fake_teams.url)))
    try:
        qtbot.waitUntil(lambda: "teams-connected" in watch.names(), timeout=20000)
        fake_teams.send_meeting_update(in_meeting=True)
        fake_teams.send_meeting_update(in_meeting=True, recording=True)
        fake_teams.send_garbage()
        fake_teams.send_meeting_update(in_meeting=True, recording=False)
        fake_teams.send_meeting_update(in_meeting=False)
        qtbot.waitUntil(lambda: "meeting-ended" in watch.names(), timeout=10000)
        fake_teams.drop()
        qtbot.waitUntil(lambda: "teams-disconnected" in watch.names(), timeout=10000)
    finally:
        rc, stderr = watch.stop(signal.SIGTERM)
    assert rc == 0, stderr
    events = watch.events()
    meeting = [e["event"] for e in events if e["event"] not in ("teams-started",
                                                               "teams-exited")]
    assert meeting[:6] == ["teams-connected", "meeting-started", "recording-started",
                           "recording-stopped", "meeting-ended", "teams-disconnected"]
    for e in events:
        assert set(e) == {"time", "event", "detail"} and isinstance(e["detail"], dict)
        datetime.fromisoformat(e["time"].replace("Z", "+00:00"))
    assert "cleaned" not in watch.names() and "clean-refused" not in watch.names()
    assert "Traceback" not in stderr
    assert stderr.count("Ignored a binary frame") == 1
    assert fake_teams.token not in stderr


def test_watch_cleans_after_a_meeting_when_no_teams_runs(
        qtbot: Any, fake_teams: FakeTeamsServer, tmp_path: Path) -> None:
    watch = Watch("--json", "--policy", str(policy_file(tmp_path, fake_teams.url, grace=0)))
    try:
        qtbot.waitUntil(lambda: "teams-connected" in watch.names(), timeout=20000)
        fake_teams.send_meeting_update(in_meeting=True)
        fake_teams.send_meeting_update(in_meeting=False)
        qtbot.waitUntil(lambda: bool({"cleaned", "clean-refused"} & set(watch.names())),
                        timeout=15000)
    finally:
        rc, stderr = watch.stop(signal.SIGINT)
    assert rc == 0, stderr
    names = watch.names()
    if "cleaned" not in names:   # only if a Teams-named process runs on this machine
        assert "teams-started" in names, names
    else:
        [cleaned] = [e for e in watch.events() if e["event"] == "cleaned"]
        assert cleaned["detail"]["failures"] == 0


def test_watch_idle_text_output_and_sigint_exit_0(tmp_path: Path) -> None:
    watch = Watch("--policy", str(policy_file(tmp_path, f"ws://127.0.0.1:{free_port()}")))
    try:
        watch.proc.wait(timeout=2.5)   # must not exit by itself
    except subprocess.TimeoutExpired:
        pass
    assert watch.proc.poll() is None
    rc, stderr = watch.stop(signal.SIGINT)
    assert rc == 0, stderr
    assert stderr.count("not reachable") == 1   # said once, not per attempt
    assert all(not line.startswith("{") for line in watch.drain())


def test_watch_with_a_missing_policy_file_exits_2(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "devicecheck", "watch", "--policy",
                           str(tmp_path / "nope.toml")], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "PYTHONPATH": SRC}, check=False)
    assert proc.returncode == 2 and "no such policy file" in proc.stderr


@pytest.fixture
def fake_teams(qtbot: Any) -> Any:
    server = FakeTeamsServer()
    server.start()
    yield server
    server.close()
