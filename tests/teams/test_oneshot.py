"""``teams/oneshot.py``: "is a meeting on?" from one read of each enabled source, the
``clean --restart`` command's answer to the restart flow's meeting check (moved out of
``cleaner/restart.py``: the cleaner never imports the Teams link)."""

from __future__ import annotations

import pytest

from devicecheck.cleaner.control import ClientProcess, LinuxControl
from devicecheck.policy import Policy
from devicecheck.teams.oneshot import meeting_in_progress
from devicecheck.teams.sources.base import Reading, SignalSource

TFL = "teams-for-linux"


class Running(LinuxControl):
    def __init__(self, running: bool) -> None:
        rows = [ClientProcess(77, TFL, "/opt/t/teams-for-linux", ())] if running else []
        super().__init__(table=lambda: rows, alive=lambda p: True, cwd_of=lambda pid: "")


class InCall(SignalSource):
    name = "incall"
    poll_ms = 1000

    def poll(self, now: float) -> Reading | None:
        return Reading.of([c for c in self.pids])


class Quiet(InCall):
    def poll(self, now: float) -> Reading | None:
        return Reading()


class Broken(InCall):
    def poll(self, now: float) -> Reading | None:
        raise OSError("cannot read")


@pytest.fixture
def fake_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    from devicecheck.teams import sources

    for cls in (InCall, Quiet, Broken):
        monkeypatch.setitem(sources.REGISTRY, cls.__name__.lower(), sources.SourceEntry(
            f"{__name__}:{cls.__name__}", cls.__name__, cls.__name__.lower()))


@pytest.mark.usefixtures("fake_sources")
def test_meeting_in_progress_from_one_read_of_each_source() -> None:
    policy = Policy()
    assert meeting_in_progress(policy, control=Running(False), os_name="linux",
                               sources=["incall"]) is False       # no client: nothing to end
    assert meeting_in_progress(policy, control=Running(True), os_name="linux",
                               sources=["quiet", "incall"]) is True
    assert meeting_in_progress(policy, control=Running(True), os_name="linux",
                               sources=["quiet", "broken"]) is False
    # Nothing could answer: unknown, never "no meeting".
    assert meeting_in_progress(policy, control=Running(True), os_name="linux",
                               sources=["broken", "no-such-source"]) is None
