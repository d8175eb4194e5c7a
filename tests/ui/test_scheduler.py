"""When checks run: start, interval, wake, network change, on demand; one at a time."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QThreadPool

from devicecheck.checks.base import Status
from devicecheck.ui.tray.scheduler import WAKE_TICK_S, CheckScheduler, slept
from tests.checks.helpers import Scripted, context
from tests.ui.tray_helpers import policy_with


@pytest.fixture
def sched(qtbot: Any) -> Any:
    loaded = policy_with()
    wall = [1_000_000.0]
    s = CheckScheduler(lambda: loaded, ctx=context(loaded),
                       checks=[Scripted("firewall", Status.PASS, sleep=0.2)],
                       wall_clock=lambda: wall[0])
    s.wall = wall  # type: ignore[attr-defined]  # for the tests to move the clock
    triggers: list[str] = []
    s.finished.connect(lambda _r, t: triggers.append(t))  # plain list, no QObject captured
    s.triggers = triggers  # type: ignore[attr-defined]
    yield s
    s.stop()
    QThreadPool.globalInstance().waitForDone(5000)


def test_slept() -> None:
    assert not slept(60, 61)
    assert not slept(60, 140)
    assert slept(60, 3600)


def test_runs_queue_behind_a_running_one(sched: Any, qtbot: Any) -> None:
    assert sched.run("start")
    assert not sched.run("demand")
    assert not sched.run("network")   # one slot: the newest trigger wins
    qtbot.waitUntil(lambda: len(sched.triggers) == 2, timeout=5000)
    assert sched.triggers == ["start", "network"]
    assert not sched.running


def test_interval_from_policy_and_timer_trigger(sched: Any, qtbot: Any) -> None:
    sched.start(15)
    assert sched.interval.isActive() and sched.interval.interval() == 15 * 60_000
    sched.interval.timeout.emit()
    qtbot.waitUntil(lambda: sched.triggers == ["timer"], timeout=5000)
    sched.set_interval(5)
    assert sched.interval.interval() == 5 * 60_000


def test_wake_is_detected_from_a_late_tick(sched: Any, qtbot: Any) -> None:
    sched.start(30)
    sched.wall[0] += WAKE_TICK_S + 1   # on time: nothing
    sched.wake_timer.timeout.emit()
    assert sched.runs == 0
    sched.wall[0] += 2 * 3600          # the machine slept two hours
    sched.wake_timer.timeout.emit()
    qtbot.waitUntil(lambda: sched.triggers == ["wake"], timeout=5000)


def test_network_changes_are_debounced(sched: Any, qtbot: Any) -> None:
    sched._net_debounce.setInterval(50)
    for _ in range(5):                 # a flapping Wi-Fi
        sched._on_reachability()
    qtbot.waitUntil(lambda: sched.triggers == ["network"], timeout=5000)
    qtbot.wait(200)
    assert sched.runs == 1


def test_failed_run_is_reported_and_frees_the_slot(qtbot: Any) -> None:
    loaded = policy_with()
    # Not a Check at all: assess() itself raises inside the worker thread.
    s = CheckScheduler(lambda: loaded, ctx=context(loaded), checks=[object()])  # type: ignore[list-item]
    with qtbot.waitSignal(s.failed, timeout=5000) as blocker:
        assert s.run("demand")
    assert "AttributeError" in blocker.args[0]
    assert not s.running
    s._checks = [Scripted("firewall", raises=OSError("probe broke"))]
    with qtbot.waitSignal(s.finished, timeout=5000) as done:
        assert s.run("demand")
    assert done.args[0].checks[0].status is Status.UNKNOWN  # an error is never a pass
    QThreadPool.globalInstance().waitForDone(5000)
