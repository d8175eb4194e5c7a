"""``devicecheck report`` (issue 27): through the running tray when there is one (its
second-launch message "report"), else the report window on its own, with its own runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devicecheck.cli import build_parser
from devicecheck.ui.tray.menu import entry_for_message
from devicecheck.ui.windows import report_run
from devicecheck.ui.windows.report_window import ReportWindow
from tests.ui.tray_helpers import policy_with


def test_the_command_is_registered_and_the_tray_knows_its_message() -> None:
    args = build_parser().parse_args(["report"])
    assert args.command == "report"
    assert entry_for_message(report_run.MESSAGE).key == "report"


def test_a_running_tray_gets_the_message(qtbot: Any, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from devicecheck.ui.tray import single_instance

    name = str(tmp_path / "sock")
    monkeypatch.setattr(single_instance, "server_name", lambda env=None: name)
    tray = single_instance.SingleInstance(name)
    assert tray.acquire()
    got: list[str] = []
    tray.messageReceived.connect(got.append)
    try:
        assert report_run.forward_to_tray()
        qtbot.waitUntil(lambda: got == ["report"], timeout=3000)
    finally:
        tray.close()
    assert not report_run.forward_to_tray()  # nobody listening: open it here


def test_with_the_tray_running_no_window_opens_here(monkeypatch: pytest.MonkeyPatch,
                                                    qtbot: Any) -> None:
    monkeypatch.setattr(report_run, "forward_to_tray", lambda message="report": True)
    built: list[object] = []
    monkeypatch.setattr(report_run, "ReportWindow", lambda *a, **k: built.append(1))
    assert report_run.run_report() == 0 and built == []


def test_on_its_own_it_runs_the_checks_and_again(qtbot: Any) -> None:
    window = ReportWindow(policy_with())
    qtbot.addWidget(window)
    runner = report_run.StandaloneReport(window)
    window.show()
    runner.run()
    assert not window.check_button.isEnabled()  # "Checking…"
    qtbot.waitUntil(lambda: runner.report is not None, timeout=60000)
    assert window.report is runner.report and window.check_button.isEnabled()
    first = runner.report
    window.check_button.click()
    qtbot.waitUntil(lambda: runner.report is not first, timeout=60000)
