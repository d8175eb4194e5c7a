"""AudioSource, without an audio server: pactl's answers are the real captures in
tests/fixtures/linux (see test_pactl.py), fed through an injected runner; the process
tree is an injected lineage. The subscribe child is a stand-in ``pactl`` script that
prints the event lines real pactl prints (fixtures/linux/pactl-subscribe-*.txt).
The real server is in tests/e2e/test_audio_meeting_e2e.py."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import psutil
import pytest

from devicecheck.policy import Policy
from devicecheck.teams import pactl
from devicecheck.teams.sources.audio import AudioSource, Completed, judge
from devicecheck.teams.sources.base import Reading, SourceContext
from tests.conftest import FIXTURES

LINUX = FIXTURES / "linux"
BROWSERS = frozenset({"chrome", "chromium", "firefox", "firefox-esr"})
NAMES = {"teams-for-linux": frozenset({"teams-for-linux"}), "teams-web": BROWSERS}


def names(client: str, _os: str) -> frozenset[str]:
    return NAMES.get(client, frozenset())


def stream(index: int, pid: int | None, binary: str = "", app: str = "") -> pactl.CaptureStream:
    return pactl.CaptureStream(index, None, pid, binary, app)


TREE = {  # pid -> (parent, names)
    100: (1, {"teams-for-linux"}),
    101: (100, {"teams-for-linux"}),        # zygote
    102: (101, {"electron-helper"}),        # the audio utility process
    200: (1, {"chromium"}),
    201: (200, {"chromium"}),
    300: (1, {"arecord"}),
}


def lineage(pid: int) -> list[tuple[int, frozenset[str]]]:
    chain = []
    while pid in TREE:
        parent, ns = TREE[pid]
        chain.append((pid, frozenset(ns)))
        pid = parent
    return chain


PIDS = {"teams-for-linux": frozenset({100})}


def test_a_stream_counts_for_the_client_owning_it_or_an_ancestor() -> None:
    assert judge([stream(0, 100)], PIDS, NAMES, BROWSERS, lineage).meeting == {"teams-for-linux"}
    helper = judge([stream(0, 102, binary="electron-helper")], PIDS, NAMES, BROWSERS, lineage)
    assert helper == Reading.of(["teams-for-linux"])


def test_other_programs_and_unknown_pids_do_not_count() -> None:
    reading = judge([stream(0, 300, "arecord"), stream(1, None), stream(2, 999)],
                    PIDS, NAMES, BROWSERS, lineage)
    assert reading == Reading()   # and no note names someone else's program


def test_a_client_that_is_not_running_is_never_named() -> None:
    assert judge([stream(0, 100)], {"teams-for-linux": frozenset()}, NAMES, BROWSERS,
                 lineage) == Reading()


def test_a_sandboxed_pid_falls_back_to_the_program_name_with_a_note() -> None:
    reading = judge([stream(0, 2, binary="teams-for-linux")], PIDS, NAMES, BROWSERS, lineage)
    assert reading.meeting == {"teams-for-linux"}
    assert "program name only" in reading.notes[0]


@pytest.mark.parametrize("s", [stream(0, 201, "chromium"), stream(0, 201, "pacat"),
                               stream(0, None, "chrome"), stream(0, 999, "x", "Firefox")])
def test_browsers_are_reported_not_trusted(s: pactl.CaptureStream) -> None:
    reading = judge([s], PIDS, NAMES, BROWSERS, lineage)
    assert reading.meeting == frozenset()
    assert len(reading.notes) == 1 and "browser" in reading.notes[0]
    assert "not counted" in reading.notes[0]


# -- the source --------------------------------------------------------------------------

class FakePactl:
    """An injected runner answering like pactl (texts from the fixtures)."""

    def __init__(self, outputs: dict[str, str] | None = None) -> None:
        self.outputs = outputs or {"source-outputs": "[]"}
        self.calls: list[list[str]] = []
        self.envs: list[Mapping[str, str]] = []
        self.fail: Completed | Exception | None = None

    def __call__(self, argv: Sequence[str], env: Mapping[str, str], timeout: float) -> Completed:
        self.calls.append(list(argv))
        self.envs.append(env)
        assert timeout <= 5
        if isinstance(self.fail, Exception):
            raise self.fail
        if self.fail is not None:
            return self.fail
        return Completed(0, self.outputs[argv[-1]], "")


def pulse_fixture_for(pid: int, binary: str | None = None) -> str:
    data = json.loads((LINUX / "pactl-source-outputs-pulseaudio.json").read_text())
    props = data[1]["properties"]                      # the teams-for-linux copy
    props["application.process.id"] = str(pid)
    if binary is not None:
        props["application.process.binary"] = binary
    return json.dumps(data)


def make(runner: FakePactl, *, env: dict[str, str] | None = None, os_name: str = "linux",
         **options: Any) -> tuple[AudioSource, list[Reading]]:
    got: list[Reading] = []
    ctx = SourceContext(policy=Policy(), os_name=os_name,  # type: ignore[arg-type]
                        clients=("teams-for-linux",), process_names=names,
                        clock=time.monotonic, env=env if env is not None else {"PATH": "/x"},
                        options={"pactl": "/usr/bin/pactl", "audio_runner": runner,
                                 "audio_lineage": lineage, "audio_subscribe": False,
                                 "audio_async": False, **options})
    return AudioSource(ctx, got.append), got


def test_unavailable_off_linux_or_without_pactl() -> None:
    source, _ = make(FakePactl(), os_name="windows")
    assert "Linux" in (source.unavailable() or "")
    source, _ = make(FakePactl(), pactl=None, system_dirs=("/nonexistent",))
    assert "pactl is not installed" in (source.unavailable() or "")
    # A pactl only on the officer's PATH is not the system's: not used (issue 29).
    assert "pactl is not installed" in (make(FakePactl(), pactl=None, env={"PATH": "/usr/bin"},
                                             system_dirs=("/nonexistent",))[0].unavailable() or "")
    source, _ = make(FakePactl())
    assert source.unavailable() is None


def test_start_lists_once_in_c_locale_with_the_given_environment() -> None:
    runner = FakePactl({"source-outputs": pulse_fixture_for(102)})
    source, got = make(runner, env={"PATH": "/x", "PULSE_SERVER": "unix:/tmp/s/native"})
    source.processes(PIDS)
    assert got == []                     # not started: silent
    source.start()
    assert runner.calls == [["/usr/bin/pactl", "-f", "json", "list", "source-outputs"]]
    assert runner.envs[0]["PULSE_SERVER"] == "unix:/tmp/s/native"
    assert runner.envs[0]["LC_ALL"] == "C"
    assert got[-1].meeting == {"teams-for-linux"}
    # The copy named chromium in the same capture (a symlink to pacat) is a browser note.
    assert any("browser (chromium)" in n for n in got[-1].notes)


def test_native_pipewire_streams_are_resolved_through_their_client() -> None:
    clients = json.loads((LINUX / "pactl-clients-pipewire-native.json").read_text())
    for c in clients:
        if c["index"] == 42:
            c["properties"]["application.process.id"] = "102"
            c["properties"]["pipewire.sec.pid"] = "102"
    runner = FakePactl({"source-outputs": (LINUX / "pactl-source-outputs-pipewire-native.json")
                        .read_text(), "clients": json.dumps(clients)})
    source, got = make(runner)
    source.processes(PIDS)
    source.start()
    assert [c[-1] for c in runner.calls] == ["source-outputs", "clients"]
    assert got[-1].meeting == {"teams-for-linux"}


def test_no_server_says_why_and_holds_a_meeting_it_lost_sight_of() -> None:
    runner = FakePactl({"source-outputs": pulse_fixture_for(100)})
    source, got = make(runner)
    source.processes(PIDS)
    source.start()
    assert got[-1].meeting == {"teams-for-linux"} and not got[-1].stale
    runner.fail = Completed(1, "", "Connection failure: Connection refused\n")
    source.relist()
    assert got[-1].stale and got[-1].meeting == {"teams-for-linux"}
    assert "no audio server answers (Connection failure: Connection refused)" in got[-1].notes
    assert source.snapshot()["problem"].startswith("no audio server answers")
    runner.fail = subprocess.TimeoutExpired(["pactl"], 3)
    source.relist()
    assert "did not answer within 3 s" in got[-1].notes[0]
    runner.fail = None
    runner.outputs["source-outputs"] = "[]"
    source.relist()
    assert got[-1] == Reading()


def test_without_a_meeting_a_failure_is_a_note_only() -> None:
    runner = FakePactl()
    runner.fail = FileNotFoundError(2, "No such file or directory")
    source, got = make(runner)
    source.start()
    assert got[-1].meeting == frozenset() and not got[-1].stale
    assert "pactl could not run (No such file or directory)" in got[-1].notes
    runner.fail = None
    runner.outputs["source-outputs"] = "Source Output #0\n"     # a pactl without -f json
    source.relist()
    assert "pactl 16 or newer" in got[-1].notes[0]


def test_a_client_pid_change_rejudges_without_running_pactl() -> None:
    runner = FakePactl({"source-outputs": pulse_fixture_for(102, "electron-helper")})
    source, got = make(runner)
    source.processes({"teams-for-linux": frozenset({555})})    # not the stream's parent
    source.start()
    assert got[-1].meeting == frozenset()
    source.processes({"teams-for-linux": frozenset({555})})     # same: nothing new
    count = len(got)
    source.processes(PIDS)                                      # the real main process
    assert len(runner.calls) == 1
    assert len(got) == count + 1 and got[-1].meeting == {"teams-for-linux"}


def test_stop_forgets_the_streams() -> None:
    runner = FakePactl({"source-outputs": pulse_fixture_for(100)})
    source, got = make(runner)
    source.processes(PIDS)
    source.start()
    source.stop()
    assert source.streams == [] and source.last == Reading()
    source.processes({"teams-for-linux": frozenset({100, 7})})
    assert got[-1].meeting == {"teams-for-linux"}   # nothing emitted after stop
    assert len(runner.calls) == 1


# -- the subscribe child (a stand-in pactl script) ------------------------------------------

def fake_pactl(folder: Path, events: str, *, exit_after: bool) -> Path:
    """A ``pactl`` that prints ``events`` for ``subscribe`` then idles (or exits)."""
    (folder / "events.txt").write_text(events, encoding="utf-8")
    script = folder / "pactl"
    tail = "exit 0" if exit_after else "exec sleep 600"
    # The source's environment has a fake PATH (make()): the script brings its own.
    script.write_text(f'#!/bin/sh\nPATH={os.defpath}\n[ "$1" = subscribe ] || exit 2\n'
                      f'cat "{folder / "events.txt"}"\n{tail}\n', encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_a_capture_event_relists_and_other_events_do_not(qtbot: Any, tmp_path: Path) -> None:
    script = fake_pactl(tmp_path, (LINUX / "pactl-subscribe-pulseaudio.txt").read_text(),
                        exit_after=False)
    runner = FakePactl({"source-outputs": pulse_fixture_for(100)})
    source, got = make(runner, pactl=str(script), audio_subscribe=True, audio_debounce_ms=20,
                       audio_settle_ms=600_000)
    source.processes(PIDS)
    source.start()
    try:
        assert source.proc is not None
        child = source.proc.processId()
        # One list at start, one for the burst (new + remove coalesced or not: <= 2 more).
        qtbot.waitUntil(lambda: len(runner.calls) >= 2, timeout=15_000)
        qtbot.wait(300)
        assert 2 <= len(runner.calls) <= 3 and source.restarts == 0
        assert got[-1].meeting == {"teams-for-linux"}
    finally:
        source.stop()
    assert source.proc is None
    assert not psutil.pid_exists(child) or psutil.Process(child).status() == psutil.STATUS_ZOMBIE


def test_one_more_list_once_the_subscription_has_settled(qtbot: Any, tmp_path: Path) -> None:
    # pactl subscribe says nothing when connected: a stream opened meanwhile is caught here.
    script = fake_pactl(tmp_path, "", exit_after=False)
    runner = FakePactl()
    source, got = make(runner, pactl=str(script), audio_subscribe=True, audio_settle_ms=100)
    source.processes(PIDS)
    source.start()
    try:
        assert len(runner.calls) == 1
        runner.outputs["source-outputs"] = pulse_fixture_for(100)
        qtbot.waitUntil(lambda: len(runner.calls) == 2, timeout=15_000)
        assert got[-1].meeting == {"teams-for-linux"}
        qtbot.wait(300)
        assert len(runner.calls) == 2 and source.restarts == 0   # once, not a poll
    finally:
        source.stop()


def test_a_dead_subscribe_child_is_restarted_with_backoff(qtbot: Any, tmp_path: Path) -> None:
    script = fake_pactl(tmp_path, "", exit_after=True)
    runner = FakePactl()
    source, _ = make(runner, pactl=str(script), audio_subscribe=True,
                     audio_min_backoff_ms=50, audio_max_backoff_ms=200)
    source.start()
    try:
        qtbot.waitUntil(lambda: source.restarts >= 3, timeout=15_000)
        # Each loss of the child lists again (events in between were lost).
        assert len(runner.calls) >= 1 + 3
        assert source._backoff <= 200
    finally:
        source.stop()
    restarts = source.restarts
    qtbot.wait(400)
    assert source.restarts == restarts and source.proc is None   # stop means stop


def test_a_missing_pactl_binary_is_retried_not_fatal(qtbot: Any, tmp_path: Path) -> None:
    runner = FakePactl()
    missing = tmp_path / "no-such-pactl"
    source, got = make(runner, pactl=str(missing), audio_subscribe=True,
                       audio_min_backoff_ms=50, audio_max_backoff_ms=100)
    source.start()
    try:
        qtbot.waitUntil(lambda: source.restarts >= 2, timeout=15_000)
    finally:
        source.stop()
    assert source.proc is None
    assert len(runner.calls) >= 3 and got[-1] == Reading()   # the lists still ran


class SlowPactl(FakePactl):
    """A hung audio server: each list waits until the test releases it."""

    def __init__(self, outputs: dict[str, str]) -> None:
        super().__init__(outputs)
        self.release = threading.Event()

    def __call__(self, argv: Sequence[str], env: Mapping[str, str], timeout: float) -> Completed:
        self.release.wait(10)
        return super().__call__(argv, env, timeout)


def test_lists_run_off_the_gui_thread_one_at_a_time(qtbot: Any) -> None:
    runner = SlowPactl({"source-outputs": pulse_fixture_for(100)})
    source, got = make(runner, audio_async=True)
    source.processes(PIDS)
    source.start()                  # returns at once although the server hangs
    source.relist()                 # asked again meanwhile: runs once, after the first
    source.relist()
    assert got == [] and runner.calls == []
    runner.release.set()
    qtbot.waitUntil(lambda: len(runner.calls) == 2 and len(got) == 2, timeout=5000)
    assert got[-1].meeting == {"teams-for-linux"}
    qtbot.wait(100)
    assert len(runner.calls) == 2


def test_a_list_that_finishes_after_stop_is_dropped(qtbot: Any) -> None:
    runner = SlowPactl({"source-outputs": pulse_fixture_for(100)})
    source, got = make(runner, audio_async=True)
    source.processes(PIDS)
    source.start()
    source.stop()
    runner.release.set()
    qtbot.waitUntil(lambda: len(runner.calls) == 1, timeout=5000)
    qtbot.wait(100)
    assert got == []
