""""Test meeting detection…": the pilot's six steps in a small window, for IT on a test
laptop (the tray menu shows it only with ``[teams] pilot_menu = true``).

The same runner as ``devicecheck pilot`` (``teams/pilot/runner.py``); the window says the
step ("Step 2 of 6: join"), what to do, and offers "Next step" (the default: Enter),
"Stop" and "Close". At the end the text report (the table with ✓ / ✗ / ? and a legend,
the verdict lines, what was learned, the uncovered folders) fills a read-only text area
that can be read line by line with a screen reader, and the JSON report is saved where
``devicecheck pilot`` saves it. Every control has an accessible name and a mnemonic;
nothing is told by colour.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QCloseEvent, QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from devicecheck.policy import Policy
from devicecheck.qtsupport.style import FOCUS_STYLE, button, heading_font, window_frame
from devicecheck.teams.pilot.steps import STEPS

log = logging.getLogger(__name__)

INTRO = ("This test shows which of DeviceCheck's signals see meetings and recording on "
         "this laptop. Use a test meeting, never a call with a resident. Every signal "
         "runs while you go through six steps; DeviceCheck only watches and clears "
         "nothing. Press Start when Teams is open and signed in.")

RunnerFactory = Callable[..., Any]


def _default_runner(policy: Policy, **kwargs: Any) -> Any:
    from devicecheck.teams.pilot.runner import PilotRunner  # with the window, not the tray

    return PilotRunner(policy, **kwargs)


def _default_save(report: dict[str, Any]) -> Path | None:
    from devicecheck.commands.pilot import default_out, write_report

    out = default_out()
    try:
        write_report(report, out)
    except OSError as exc:
        log.warning("The pilot's report could not be saved (%s).", exc.strerror or exc)
        return None
    return out


class PilotWindow(QDialog):
    def __init__(self, policy: Policy, parent: QWidget | None = None, *,
                 runner_factory: RunnerFactory = _default_runner,
                 save: Callable[[dict[str, Any]], Path | None] = _default_save) -> None:
        super().__init__(parent)
        self.setModal(False)
        self.setWindowTitle("Test meeting detection")
        self.setStyleSheet(FOCUS_STYLE)
        self._policy, self._factory, self._save = policy, runner_factory, save
        self.runner: Any = None
        self.report: dict[str, Any] | None = None
        self.saved_to: Path | None = None

        body = QWidget(self)
        col = QVBoxLayout(body)
        col.setContentsMargins(0, 0, 0, 0)
        self.heading = QLabel("Test meeting detection", body)
        self.heading.setFont(heading_font(self.heading))
        self.heading.setAccessibleName("Test meeting detection")
        self.step_label = QLabel("Not started", body)
        self.step_label.setFont(heading_font(self.step_label, 1.1))
        self.step_label.setAccessibleName("Step: not started")
        self.instruction = QLabel(INTRO, body)
        self.instruction.setWordWrap(True)
        self.instruction.setTextFormat(Qt.TextFormat.PlainText)
        self.instruction.setAccessibleName("What to do")
        self.instruction.setAccessibleDescription(INTRO)
        self.result_text = QPlainTextEdit(body)
        self.result_text.setReadOnly(True)
        self.result_text.setAccessibleName("Pilot result")
        self.result_text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.result_text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.result_text.setVisible(False)
        for w in (self.heading, self.step_label, self.instruction):
            col.addWidget(w)
        col.addWidget(self.result_text, 1)
        col.addStretch(0)

        row = QHBoxLayout()
        self.start_button = button(self, "&Start", "Start the six steps", self.start)
        self.next_button = button(self, "&Next step", "Done: go to the next step",
                                  self.next_step)
        self.stop_button = button(self, "S&top", "Stop the test now", self.stop)
        self.close_button = button(self, "&Close", "Close this window", self.close)
        for b in (self.start_button, self.next_button, self.stop_button):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(self.close_button)
        window_frame(self, body, row)
        self.next_button.setVisible(False)
        self.stop_button.setVisible(False)
        self._default(self.start_button)
        self.resize(QSize(self.fontMetrics().averageCharWidth() * 90,
                          self.fontMetrics().height() * 24))

    def _default(self, chosen: Any) -> None:
        for b in (self.start_button, self.next_button, self.stop_button, self.close_button):
            b.setDefault(b is chosen)
        chosen.setFocus()

    # -- the steps ------------------------------------------------------------------
    def start(self) -> None:
        if self.runner is not None:
            return
        self.runner = self._factory(self._policy, parent=self)
        self.runner.stepStarted.connect(self._on_step)
        self.runner.finished.connect(self._on_finished)
        self.start_button.setVisible(False)
        self.next_button.setVisible(True)
        self.stop_button.setVisible(True)
        self._default(self.next_button)
        self.runner.start()

    def next_step(self) -> None:
        if self.runner is not None and self.report is None:
            self.runner.next_step()

    def stop(self) -> None:
        if self.runner is not None and self.report is None:
            self.runner.finish(stopped_early=True)

    def _on_step(self, step: str, instruction: str) -> None:
        n = STEPS.index(step) + 1
        words = f"Step {n} of {len(STEPS)}: {step}"
        self.step_label.setText(words)
        self.step_label.setAccessibleName(words)
        self.instruction.setText(instruction + "\n\nPress Next step (Enter) when done.")
        self.instruction.setAccessibleDescription(instruction)
        if step == STEPS[-1]:
            self.next_button.setText("&Finish")
            self.next_button.setAccessibleName("Finish")

    def _on_finished(self, report: dict[str, Any]) -> None:
        from devicecheck.teams.pilot.render import render_text

        self.report = report
        self.saved_to = self._save(report)
        done = "Finished" if report.get("completed") else "Stopped before the last step"
        self.step_label.setText(done)
        self.step_label.setAccessibleName(done)
        saved = (f"The report is saved in {self.saved_to}." if self.saved_to
                 else "The report could not be saved.")
        self.instruction.setText(saved)
        self.instruction.setAccessibleDescription(saved)
        self.result_text.setPlainText(render_text(report))
        self.result_text.setVisible(True)
        # The table is wide: as much room as it needs, within 90 % of the screen.
        from devicecheck.qtsupport.screen_fit import fit_to_screen

        metrics = self.result_text.fontMetrics()
        fit_to_screen(self, QSize(metrics.horizontalAdvance("x") * 118,
                                  metrics.height() * 40))
        self.next_button.setVisible(False)
        self.stop_button.setVisible(False)
        self._default(self.close_button)
        self.result_text.setFocus()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.runner is not None and self.report is None:
            self.runner.finish(stopped_early=True)   # never leaves sources running
        super().closeEvent(event)
