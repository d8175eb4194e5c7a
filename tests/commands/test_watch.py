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
    # The retired local API is opt-in since 2026: these tests drive its stand-in.
    path.write_text(f'[teams]\nlocal_api = true\nlocal_api_url = "{url}"\n'
                    f'meeting_end_grace_seconds = {grace}\n', encoding="utf-8")
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
    # "signals" (which sources are live) is additive: said at start, not part of this.
    meeting = [e["event"] for e in events if e["event"] not in ("teams-started",
                                                               "teams-exited", "signals")]
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


# -- watch --replay-log FILE / watch --signals (pinned) -------------------------------
TEAMS_LOGS = Path(__file__).resolve().parents[1] / "fixtures" / "teams-log"


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "devicecheck", "watch", *args],
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONPATH": SRC}, check=False)


def replay(tmp_path: Path, log: Path, grace: int = 30, *extra: str
           ) -> tuple[list[dict[str, Any]], str]:
    policy = tmp_path / "grace.toml"
    policy.write_text(f"[teams]\nmeeting_end_grace_seconds = {grace}\n", encoding="utf-8")
    proc = run_cli("--replay-log", str(log), "--json", "--policy", str(policy), *extra)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()], proc.stderr


def test_the_one_shot_options_are_registered_and_exclusive() -> None:
    args = build_parser().parse_args(["watch", "--replay-log", "x.log", "--json"])
    assert (str(args.replay_log), args.json, args.signals) == ("x.log", True, False)
    assert build_parser().parse_args(["watch", "--signals"]).signals is True
    with pytest.raises(SystemExit):
        build_parser().parse_args(["watch", "--signals", "--replay-log", "x.log"])


def test_replay_of_a_meeting_is_timed_by_the_log(tmp_path: Path) -> None:
    events, stderr = replay(tmp_path, TEAMS_LOGS / "meeting.log")
    assert events == [
        {"time": "2026-07-30T08:30:00Z", "event": "meeting-started",
         "detail": {"source": "log", "sources": ["log"], "clients": ["teams-new"]}},
        # The call ended 10:00:00.5 +01:00; the meeting ends when the grace has run out.
        {"time": "2026-07-30T09:00:30Z", "event": "meeting-ended",
         "detail": {"duration_s": 1800, "clients": ["teams-new"], "sources": ["log"]}}]
    assert stderr == ""


@pytest.mark.parametrize(("log", "ended_at", "duration"), [
    ("declined-during-meeting.log", "2026-07-30T09:00:30Z", 1800),   # the meeting goes on
    ("overlapping-calls.log", "2026-07-30T09:10:30Z", 2400),         # until the 2nd ends
    ("garbage.log", "2026-07-30T09:00:30Z", 1800),
])
def test_replay_keeps_one_meeting(tmp_path: Path, log: str, ended_at: str,
                                  duration: int) -> None:
    events, _ = replay(tmp_path, TEAMS_LOGS / log)
    assert [e["event"] for e in events] == ["meeting-started", "meeting-ended"]
    assert events[1]["time"] == ended_at and events[1]["detail"]["duration_s"] == duration


def test_replay_across_a_rotation_and_with_a_short_grace(tmp_path: Path) -> None:
    joined = tmp_path / "joined.log"
    joined.write_bytes(b"".join(p.read_bytes()
                                for p in sorted((TEAMS_LOGS / "rotation").iterdir())))
    events, _ = replay(tmp_path, joined, 0)
    assert [(e["time"], e["event"]) for e in events] == [
        ("2026-07-30T08:30:00Z", "meeting-started"), ("2026-07-30T09:00:00Z", "meeting-ended")]


def test_replay_never_invents_an_end_and_prints_no_log_content(tmp_path: Path) -> None:
    events, stderr = replay(tmp_path, TEAMS_LOGS / "crash-no-end.log")
    assert [e["event"] for e in events] == ["meeting-started"]
    assert "still on at the end of the log (1 open call(s))" in stderr
    text = json.dumps(events) + stderr
    for secret in ("aaaaaaaa-1111", "0123456789abcdef", "HfpVoip", "availability"):
        assert secret not in text


def test_replay_text_output(tmp_path: Path) -> None:
    proc = run_cli("--replay-log", str(TEAMS_LOGS / "meeting.log"))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("2026-07-30T08:30:00Z  meeting-started")
    assert lines[1].startswith("2026-07-30T09:00:30Z  meeting-ended") and "duration_s=1800" \
        in lines[1]


def test_replay_of_a_missing_file_or_a_log_without_calls(tmp_path: Path) -> None:
    proc = run_cli("--replay-log", str(tmp_path / "nope.log"))
    assert proc.returncode == 2 and "no such log file" in proc.stderr and proc.stdout == ""
    proc = run_cli("--replay-log", str(tmp_path))
    assert proc.returncode == 2 and "not a log file" in proc.stderr
    empty = tmp_path / "MSTeams_empty.log"
    empty.write_bytes(b"\xff\xfe garbage\n")
    proc = run_cli("--replay-log", str(empty))
    assert proc.returncode == 0 and proc.stdout == "" and "no call lines" in proc.stderr


def test_signals_json_lists_every_source_and_exits_0(tmp_path: Path) -> None:
    logs = tmp_path / "Logs"
    logs.mkdir()
    # Stamped now: a Teams-named process running here (another test's) would make older
    # lines count as a previous Teams run's (not recovered).
    now = datetime.now(UTC).isoformat(timespec="microseconds")
    (logs / "MSTeams_2026-07-30_09-00-00.00.log").write_text(
        f"{now} 0x00002001 <INFO> HfpVoipCallCoordinatorImpl: NotifyCallActive callId: "
        "aaaaaaaa-1111-4111-8111-000000000001causeId: eeeeeeee-9999-4999-8999-00000000000e\n",
        encoding="utf-8")
    policy = tmp_path / "p.toml"
    policy.write_text(f'[teams]\nlog_folders = ["{logs}"]\n', encoding="utf-8")
    proc = run_cli("--signals", "--json", "--policy", str(policy))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert set(out) == {"sources", "summary"} and isinstance(out["summary"], str)
    by_name = {s["source"]: s for s in out["sources"]}
    log = by_name["log"]
    assert log["live"] is True and log["describes"] == "Teams' own log"
    assert log["sees"]["folders"] == [{"folder": "[teams] log_folders 1", "client": "*",
                                       "file": "MSTeams_2026-07-30_09-00-00.00.log",
                                       "open_calls": 1}]
    assert str(logs) not in proc.stdout and "aaaaaaaa" not in proc.stdout
    for s in out["sources"]:
        assert s["live"] or s["reason"]
    assert "Teams' log" in out["summary"]


def test_signals_text_on_this_laptop(tmp_path: Path) -> None:
    proc = run_cli("--signals")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    # A sentence a line (issue 27): how meetings are detected, then each source, whether
    # it works here and why not; no source ids, raw values or back-end names.
    assert lines and all(line.endswith(".") for line in lines)
    assert lines[0].startswith(("Meetings detected from", "DeviceCheck cannot tell"))
    assert any(line.startswith("Teams' log: not used on this laptop \u2014 ") for line in lines)
    for raw in ("{", "at-spi", " live ", "backend"):
        assert raw not in proc.stdout, raw
    assert not any(line.startswith("log ") for line in lines)


def test_signal_lines_say_what_works_and_why_not() -> None:
    from devicecheck.commands.watch import format_signals, signal_line

    audio = {"source": "audio", "live": True, "describes": "audio capture",
             "sees": {"meeting": [], "recording": [], "streams": 0,
                      "problem": "no audio server answers (Connection failure: refused)"}}
    assert signal_line(audio) == "Audio capture: not available \u2014 no audio server answers."
    camera = {"source": "camera", "live": True, "describes": "camera use",
              "sees": {"meeting": ["teams-for-linux"], "recording": []}}
    assert signal_line(camera) == "Camera use: working \u2014 a meeting is on."
    window = {"source": "window", "live": True,
              "describes": "the recording indicator in the meeting window (accessibility tree)",
              "sees": {"meeting": [], "backend": "at-spi", "recording": "unknown",
                       "reason": "no Teams client process to look at"}}
    assert signal_line(window) == ("The recording indicator in the meeting window: working, "
                                   "nothing to read now \u2014 no Teams client process to "
                                   "look at.")
    new = {"source": "some-new-source", "live": False, "reason": "not on this OS"}
    assert signal_line(new) == "Some new source: not used on this laptop \u2014 not on this OS."
    text = format_signals([audio, camera], "Meetings detected from camera use.")
    assert text.splitlines()[0] == "Meetings detected from camera use."
