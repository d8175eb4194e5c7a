"""The pilot's runner with scripted sources and an injected window tree (QtCore loop),
and its rendering: every step announced on time, every source run in every step (the
recording source too), the report's pinned fields, the text table and verdict lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest

from devicecheck.commands.pilot import default_out, exit_code, write_report
from devicecheck.policy import Policy
from devicecheck.probes.processes import ProcInfo
from devicecheck.teams.a11y.base import BUTTON, STATUS, WINDOW, FakeNode, TreeUnavailable
from devicecheck.teams.pilot.render import advice, render_text
from devicecheck.teams.pilot.runner import PilotRunner
from devicecheck.teams.pilot.steps import STEPS
from devicecheck.teams.sources.base import MEETING, RECORDING, Reading, SignalSource

PID = 4242
CLIENT = "teams-for-linux"


class Teams:
    """What the stand-in Teams shows, changed by the pilot's step announcements."""

    def __init__(self) -> None:
        self.in_call = False
        self.recording = False
        self.announced: list[str] = []

    def announce(self, step: str, _instruction: str) -> None:
        self.announced.append(step)
        self.in_call = step in ("join", "record", "stop-record")
        self.recording = step == "record"
        if ScriptedMeeting.current is not None:
            ScriptedMeeting.current.emit(Reading.of([CLIENT] if self.in_call else []))

    def tree(self) -> FakeNode:
        kids = [FakeNode("Chat", BUTTON)]
        if self.in_call:
            kids.append(FakeNode("Leave", BUTTON, ident="hangup-button"))
        if self.recording:
            kids.append(FakeNode("Opname loopt", STATUS))
        return FakeNode("Teams", WINDOW, kids)


TEAMS = Teams()


class ScriptedMeeting(SignalSource):
    """A pushed meeting source (like audio)."""

    name = "scripted"
    current: ClassVar[ScriptedMeeting | None] = None

    def __init__(self, ctx: Any, emit: Any) -> None:
        super().__init__(ctx, emit)
        ScriptedMeeting.current = self

    def start(self) -> None:
        self.emit(Reading.of([]))


class PolledRecording(SignalSource):
    """A polled recording source that looks only in meetings unless told otherwise."""

    name = "polled"
    kinds = frozenset({RECORDING})
    poll_ms = 50
    needs_meeting: ClassVar[bool] = True
    told: ClassVar[list[bool]] = []

    def meeting_changed(self, on: bool) -> None:
        PolledRecording.told.append(on)

    def poll(self, now: float) -> Reading | None:
        return Reading.of(recording=[CLIENT] if TEAMS.recording else [])


class Broken(SignalSource):
    name = "broken"

    def unavailable(self) -> str | None:
        return "cannot run on this laptop"


class FakeBackend:
    name = "fake"

    def unavailable(self) -> str | None:
        return None

    def windows(self, pids: frozenset[int], timeout_s: float) -> list[FakeNode]:
        if PID not in pids:
            raise TreeUnavailable("no window")
        return [TEAMS.tree()]

    def close(self) -> None:
        pass


def find(_names: Any, **_kwargs: Any) -> list[ProcInfo]:
    return [ProcInfo(PID, CLIENT)]


@pytest.fixture
def report(qtbot: Any, tmp_path: Path) -> dict[str, Any]:
    global TEAMS
    TEAMS = Teams()
    PolledRecording.told.clear()
    runner = PilotRunner(Policy(), auto_s=0.4, os_name="linux", find=find,
                         alive=lambda *_a, **_k: True, client_ids=[CLIENT],
                         sources=[ScriptedMeeting, PolledRecording, Broken],
                         announce=TEAMS.announce, learn_backend=FakeBackend(), learn_s=0.05,
                         env={"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "c")})
    done: list[dict[str, Any]] = []
    runner.finished.connect(done.append)
    runner.start()
    qtbot.waitUntil(lambda: bool(done), timeout=15_000)
    assert PolledRecording.told == [True]      # forced to look in every step
    assert TEAMS.announced == list(STEPS)
    return done[0]


def test_the_report_has_the_pinned_fields(report: dict[str, Any]) -> None:
    assert [s["name"] for s in report["steps"]] == list(STEPS)
    for step in report["steps"]:
        assert [s["source"] for s in step["sources"]] == ["scripted", "polled", "broken"]
        for s in step["sources"]:
            assert set(s) == {"source", "meeting", "recording", "latency_s"}
    assert report["completed"] is True
    assert report["verdict"] == {"meeting": ["scripted"], "recording": ["polled"]}
    assert report["learned"]["indicator_names"] == ["Opname loopt"]
    assert report["learned"]["policy_lines"][0] == "[recording]"
    assert '"Opname loopt"' in report["learned"]["policy_lines"][1]
    assert report["uncovered"] == []
    assert report["clients_seen"] == [CLIENT]
    by_step = {s["name"]: {x["source"]: x for x in s["sources"]} for s in report["steps"]}
    assert by_step["join"]["scripted"]["meeting"] is True
    assert by_step["join"]["scripted"]["latency_s"] is not None
    assert by_step["record"]["polled"]["recording"] is True
    assert 0 <= by_step["record"]["polled"]["latency_s"] < 0.4
    assert by_step["idle"]["broken"] == {"source": "broken", "meeting": None,
                                         "recording": None, "latency_s": None}
    assert exit_code(report) == 0


def test_text_form_table_and_promise_lines(report: dict[str, Any]) -> None:
    text = render_text(report)
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("source"))
    assert header.split() == ["source", *STEPS]
    scripted = next(line for line in lines if line.startswith("scripted"))
    assert scripted.count("✓") == 6 and "✗" not in scripted
    broken = next(line for line in lines if line.startswith("broken"))
    assert broken.split()[1:] == ["–"] * 6
    assert "✓ saw what happened" in text            # the legend: not told by colour
    assert "Meetings are detected on this laptop by: scripted" in lines
    assert "Recording is detected on this laptop by: polled" in lines
    assert '"Opname loopt"' in text


def test_not_detected_says_what_to_do_per_source_and_os(report: dict[str, Any]) -> None:
    report = {**report, "verdict": {"meeting": [], "recording": []},
              "sources": [{"source": "audio", "kinds": [MEETING], "unavailable": None},
                          {"source": "window", "kinds": [RECORDING], "unavailable": None},
                          {"source": "capability", "kinds": [MEETING],
                           "unavailable": "Windows only"}]}
    text = render_text({**report, "steps": []})
    assert "Meetings are NOT detected" in text and "Recording is NOT detected" in text
    assert "pulseaudio-utils" in text               # audio's advice on Linux
    assert "accessibility bus" in text
    assert "- capability" not in text and "Windows only" not in text   # not on Linux
    assert "Microphone" in (advice("capability", "windows") or "")
    assert advice("capability", "linux") is None
    assert "Pilot on one laptop first" in (advice("some-new-source", "linux") or "")


def test_stopped_early(qtbot: Any) -> None:
    runner = PilotRunner(Policy(), os_name="linux", find=find, alive=lambda *_a, **_k: True,
                         client_ids=[CLIENT], sources=[ScriptedMeeting],
                         announce=lambda *_a: None, learn_backend=FakeBackend())
    runner.start()
    runner.next_step()
    report = runner.finish(stopped_early=True)
    assert [s["name"] for s in report["steps"]] == ["idle", "join"]
    assert report["completed"] is False and exit_code(report) == 1
    assert "stopped before its last step" in render_text(report)
    assert runner.finish() is report


def test_report_file_is_user_only(tmp_path: Path, report: dict[str, Any]) -> None:
    out = tmp_path / "logs" / "pilot.json"
    write_report(report, out)
    assert (out.stat().st_mode & 0o777) == 0o600
    assert default_out().name.startswith("pilot-") and default_out().suffix == ".json"
