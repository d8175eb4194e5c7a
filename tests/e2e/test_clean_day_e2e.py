"""A working day with new Teams' habit of staying open, end to end: the real tray app on
Xvfb with the trayer tray host, a stand-in ``teams-for-linux`` (tests/helpers) that keeps
a data folder and quits on SIGTERM, meetings seen through the log source (a log folder in
``[teams] log_folders``, lines in new Teams' published format: tests/fixtures/teams-log),
``[cleaner] after_meeting = "ask"``.

Five meetings, each accepted at the prompt with Enter ("Clear now" is the default): after
each, the meeting data is gone within 60 s and the stand-in runs again (a new process,
its own argv). Then a meeting that starts while the prompt is open: the prompt closes and
nothing is quit or deleted. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import queue
import re
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from tests.e2e.xhelpers import App, visible_windows, xdo
from tests.helpers import teams_standin

pytestmark = pytest.mark.e2e

PROMPT = "^Clear this meeting's data\\?$"
MEETING_DATA = (Path("Partitions/teams-4-linux/IndexedDB/https_teams.microsoft.com_0"
                     ".indexeddb.leveldb/000009.log"),
                Path("Partitions/teams-4-linux/Local Storage/leveldb/000011.ldb"))


def count_lines(app: App, pattern: str, n: int, timeout: float = 60.0) -> None:
    """Wait until ``n`` lines of the app's output match ``pattern``."""
    regex = re.compile(pattern)
    deadline = time.monotonic() + timeout
    while sum(1 for line in app.lines if regex.search(line)) < n:
        if time.monotonic() > deadline:
            raise AssertionError(f"fewer than {n} lines matching {pattern!r}; got:\n"
                                 + "\n".join(app.lines[-60:]))
        try:
            app.lines.append(app._queue.get(timeout=0.1))
        except queue.Empty:
            assert app.proc.poll() is None, "the tray app exited:\n" + "\n".join(app.lines)


class TeamsLog:
    """Appends call lines as new Teams writes them (format: tests/fixtures/teams-log)."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "MSTeams_2026-12-01_08-00-00.00.log"
        self.path.touch()

    def _line(self, text: str) -> None:
        stamp = datetime.now().astimezone().isoformat(timespec="microseconds")
        with self.path.open("a", encoding="utf-8") as f:
            f.write(f"{stamp} 0x00006de8 <INFO> {text}\n")

    def call_active(self, call: str) -> None:
        self._line(f"native_modules::HfpVoipCallCoordinatorImpl: NotifyCallActive "
                   f"callId: {call}causeId: 0")

    def call_ended(self, call: str) -> None:
        self._line(f"native_modules::HfpVoipCallCoordinatorImpl: NotifyCallEnded callId: {call}")
        self._line(f"TeamsCallTracker: CallEnded fired: {call}")


def write_meeting_data(root: Path) -> None:
    """What Teams writes during a call: names and addresses in its stores."""
    for rel in MEETING_DATA:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(b"Jane Resident jane@example.org 192.0.2.7\n" * 50)


def press_in_prompt(display: str, key: str, timeout: float = 20.0) -> None:
    """Focus the prompt (the pre-call window may have opened over it at the call's start:
    no acknowledgement in this test) and press ``key`` until the prompt is gone."""
    deadline = time.monotonic() + timeout
    while not (wids := visible_windows(display, PROMPT)):
        assert time.monotonic() < deadline, "the clear-now prompt did not appear"
        time.sleep(0.1)
    while visible_windows(display, PROMPT):
        assert time.monotonic() < deadline, f"{key} did not close the prompt"
        xdo(display, "windowraise", wids[0])
        xdo(display, "windowfocus", "--sync", wids[0])
        xdo(display, "key", key)
        time.sleep(0.5)


def test_a_day_of_meetings_with_teams_left_open(x_env: dict[str, str], tmp_path: Path,
                                                screenshot: Callable[[str, str], Path]) -> None:
    display = x_env["DISPLAY"]
    root = Path(x_env["XDG_CONFIG_HOME"]) / "teams-for-linux"
    log = TeamsLog(tmp_path / "teams-logs")
    policy = tmp_path / "policy.toml"
    policy.write_text(f"""
[organisation]
name = "Test Council"

[teams]
log_folders = ["{log.path.parent}"]
disabled_sources = ["audio", "camera"]
meeting_end_grace_seconds = 1

[cleaner]
after_meeting = "ask"
quit_timeout_seconds = 5

[severity]
"work-device" = "off"
""", encoding="utf-8")
    standin = teams_standin.start(root, tmp_path / "ready.jsonl")
    app = App(x_env, "--policy", str(policy))
    try:
        app.wait_line(r"devicecheck-tray: teams teams-started", timeout=60)
        for n in range(1, 6):
            call = str(uuid.uuid4())
            log.call_active(call)
            count_lines(app, r"devicecheck-tray: teams meeting-started", n)
            write_meeting_data(root)
            log.call_ended(call)
            ended = time.monotonic()
            count_lines(app, r"devicecheck-tray: teams meeting-ended", n)
            count_lines(app, r"devicecheck-tray: clear-prompt-shown", n)
            if n == 1:
                screenshot(display, "1-clear-prompt")
            # Alt+C is "Clear now" (Enter is "Later": the prompt comes by itself), and on
            # the result screen the same key is "Close".
            press_in_prompt(display, "alt+c")
            count_lines(app, r"devicecheck-tray: teams cleaned", n)
            gone = time.monotonic() - ended
            assert gone <= 60, f"meeting {n}: data gone after {gone:.1f} s"
            assert not any((root / rel).exists() for rel in MEETING_DATA), f"meeting {n}"
            assert (root / "config.json").exists()   # settings are kept
            # The stand-in runs again: a new main process with the argv it had.
            teams_standin.wait_for(lambda k=n: len(standin.starts()) == k + 1, timeout=30,
                                   what=f"the stand-in to start again after meeting {n}")
            assert standin.starts()[-1]["argv"] == standin.starts()[0]["argv"]
            count_lines(app, r"devicecheck-tray: teams teams-started", n + 1)
        # A call starts while the prompt is open: nothing is quit or deleted.
        call = str(uuid.uuid4())
        log.call_active(call)
        count_lines(app, r"devicecheck-tray: teams meeting-started", 6)
        write_meeting_data(root)
        log.call_ended(call)
        count_lines(app, r"devicecheck-tray: clear-prompt-shown", 6)
        pid_before = standin.starts()[-1]["pid"]
        log.call_active(str(uuid.uuid4()))
        count_lines(app, r"devicecheck-tray: teams meeting-started", 7)
        deadline = time.monotonic() + 10
        while visible_windows(display, PROMPT):
            assert time.monotonic() < deadline, "the prompt stayed open during a call"
            time.sleep(0.1)
        screenshot(display, "2-call-started-prompt-gone")
        time.sleep(2)
        assert all((root / rel).exists() for rel in MEETING_DATA)
        assert [p.pid for p in standin.tagged() if p.pid == pid_before] == [pid_before]
        assert sum("teams cleaned" in line for line in app.lines) == 5
    finally:
        app.stop()
        teams_standin.stop_tagged(standin.tag)
