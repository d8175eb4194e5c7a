"""``devicecheck report`` with a display: the report window through the running tray, or
on its own (issue 27). ``commands/report.py`` is the command; this is its Qt half."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from devicecheck.qtsupport.main_thread_gc import install as gc_in_gui_thread
from devicecheck.qtsupport.workers import CheckWorker, WorkerKeeper
from devicecheck.report import Overall, Report
from devicecheck.ui.windows.report_window import ReportWindow

#: The tray's second-launch message for its "Last report…" entry (``ui/tray/menu.py``).
MESSAGE = "report"


def forward_to_tray(message: str = MESSAGE) -> bool:
    """Ask the running tray to open its report window; False when no tray answers."""
    from devicecheck.ui.tray.single_instance import SingleInstance

    return SingleInstance().forward(message)


class StandaloneReport:
    """The report window with its own check runs ("Check again" runs them again)."""

    def __init__(self, window: ReportWindow) -> None:
        self.window = window
        self.report: Report | None = None
        self.failed = ""
        self._keeper = WorkerKeeper()
        window.checkRequested.connect(self.run)

    def run(self) -> None:
        worker = CheckWorker(self.window.loaded)
        worker.signals.finished.connect(self._on_finished)
        worker.signals.failed.connect(self._on_failed)
        self.window.set_checking(True)
        self._keeper.start(worker, worker.signals.finished, worker.signals.failed)

    def _on_finished(self, report: Report) -> None:
        from devicecheck.advisory_dates import with_first_seen

        # The "fix by" date counts from the first sighting, as in the tray and ``check``.
        self.report = with_first_seen(report)
        self.window.set_report(self.report)
        self.window.set_checking(False)

    def _on_failed(self, message: str) -> None:
        self.failed = message
        self.window.set_checking(False)


def run_report(policy_file: str | Path | None = None) -> int:
    """0 ready (or shown by the tray), 1 not ready or the checks could not run."""
    from devicecheck.policy import load_policy
    from devicecheck.qtsupport.style import apply_app_style

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("DeviceCheck")
    # With --policy the officer asked for another policy than the tray's: open it here.
    if policy_file is None and forward_to_tray():
        return 0
    apply_app_style(app)
    gc_in_gui_thread(app)  # the checks run on pool threads (see the module)
    loaded = load_policy(Path(policy_file) if policy_file else None)
    window = ReportWindow(loaded)
    runner = StandaloneReport(window)
    window.show()
    runner.run()
    app.exec()
    if runner.report is None:
        return 1
    return 0 if runner.report.overall is Overall.READY else 1


__all__ = ["StandaloneReport", "forward_to_tray", "run_report"]
