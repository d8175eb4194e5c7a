"""The "Test meeting detection…" window: runs the pilot's steps by keyboard alone, every
control named for screen readers, the result as text (✓ / ✗ / ? with a legend)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget

from devicecheck.policy import Policy
from devicecheck.teams.pilot.learn import Learned
from devicecheck.teams.pilot.render import build_report
from devicecheck.teams.pilot.steps import MEETING, STEPS, Bookkeeper, SourceInfo, verdict
from devicecheck.ui.windows.pilot_window import PilotWindow

AUDIO = SourceInfo("audio", frozenset({MEETING}))


class FakeRunner(QObject):
    """The runner's interface, stepping on demand, judging a scripted audio source."""

    stepStarted = Signal(str, str)
    finished = Signal(dict)

    def __init__(self, policy: Policy, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.book = Bookkeeper([AUDIO])
        self.t = 0.0
        self.report: dict[str, Any] | None = None

    def start(self) -> None:
        self._begin(0)

    def _begin(self, i: int) -> None:
        self.book.begin(STEPS[i], self.t)
        self.book.observe("audio", STEPS[i] in ("join", "record", "stop-record"), None,
                          self.t + 0.2)
        self.stepStarted.emit(STEPS[i], f"do {STEPS[i]}")

    def next_step(self) -> None:
        self.t += 1.0
        i = STEPS.index(self.book.current or STEPS[-1]) + 1
        if i < len(STEPS):
            self._begin(i)
        else:
            self.finish()

    def finish(self, *, stopped_early: bool = False) -> dict[str, Any]:
        if self.report is None:
            self.book.end(self.t + 1.0)
            results = self.book.results()
            self.report = build_report(
                os_name="linux", auto_s=None, started="2026-12-06T10:00:00Z", sources=[AUDIO],
                results=results, verdict=verdict(results, [AUDIO]), learned=Learned(),
                policy_lines=[], gaps=[], gaps_complete=True, stopped_early=stopped_early,
                clients_seen=["teams-for-linux"])
            self.finished.emit(self.report)
        return self.report


def make(qtbot: Any, saved: list[dict[str, Any]]) -> PilotWindow:
    def save(report: dict[str, Any]) -> Path:
        saved.append(report)
        return Path("/reports/pilot.json")

    window = PilotWindow(Policy(), runner_factory=FakeRunner, save=save)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def press_enter(qtbot: Any, window: QWidget) -> None:
    target = QApplication.focusWidget() or window
    qtbot.keyClick(target, Qt.Key.Key_Return)


def test_runs_every_step_by_keyboard(qtbot: Any) -> None:
    saved: list[dict[str, Any]] = []
    window = make(qtbot, saved)
    window.activateWindow()
    assert window.start_button.isDefault()
    press_enter(qtbot, window)                      # Start
    assert window.step_label.text() == "Step 1 of 6: idle"
    for n in range(2, 7):
        press_enter(qtbot, window)                  # Next step
        assert window.step_label.text() == f"Step {n} of 6: {STEPS[n - 1]}"
    assert window.next_button.accessibleName() == "Finish"
    press_enter(qtbot, window)                      # Finish
    assert saved and saved[0]["completed"] is True
    text = window.result_text.toPlainText()
    assert "Meetings are detected on this laptop by: audio" in text
    assert "✓ saw what happened" in text            # the legend: never colour alone
    assert "/reports/pilot.json" in window.instruction.text()
    assert window.close_button.isDefault()


def test_every_control_has_an_accessible_name_and_stop_works(qtbot: Any) -> None:
    saved: list[dict[str, Any]] = []
    window = make(qtbot, saved)
    for b in window.findChildren(QAbstractButton):
        assert b.accessibleName(), b.text()
    assert window.result_text.accessibleName() == "Pilot result"
    window.start()
    window.next_step()
    window.stop_button.setFocus()
    qtbot.keyClick(window.stop_button, Qt.Key.Key_Space)     # a focused button, by key
    assert saved and saved[0]["completed"] is False
    assert window.step_label.text() == "Stopped before the last step"


def test_closing_mid_way_stops_the_sources(qtbot: Any) -> None:
    saved: list[dict[str, Any]] = []
    window = make(qtbot, saved)
    window.start()
    window.close()
    assert saved and saved[0]["completed"] is False
