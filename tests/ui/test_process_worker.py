"""Checks in a child process for the tray: the report comes back whole."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QThreadPool

from devicecheck.assess import assess
from devicecheck.checks.base import Status
from devicecheck.policy import load_policy
from devicecheck.qtsupport.process_worker import ProcessCheckWorker, report_from_dict
from devicecheck.ui.tray.scheduler import CheckScheduler
from tests.checks.helpers import Scripted, context
from tests.ui.tray_helpers import policy_with

ROOT = Path(__file__).resolve().parents[2]


def test_report_round_trips_through_the_pinned_json() -> None:
    loaded = policy_with()
    report = assess(loaded, ctx=context(loaded),
                    checks=[Scripted("firewall", Status.FAIL), Scripted("os-support")])
    back = report_from_dict(json.loads(report.to_json()), loaded)
    assert back.to_dict() == report.to_dict()
    assert back.overall is report.overall and [c.status for c in back.checks] == [
        Status.FAIL, Status.PASS]


def test_scheduler_runs_the_real_check_command_in_a_child(qtbot: Any, tmp_path: Path,
                                                          monkeypatch: Any) -> None:
    policy = tmp_path / "policy.toml"
    off = "\n".join(f'"{c}" = "off"' for c in (
        "work-device", "disk-encryption", "firewall", "screen-lock", "antivirus",
        "meeting-data", "recording-policy", "recorders"))
    policy.write_text(f'[organisation]\nname = "Test"\n\n[severity]\n{off}\n')
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT / "src"),
                                                      os.environ.get("PYTHONPATH", "")]))
    loaded = load_policy(policy)
    sched = CheckScheduler(lambda: loaded, isolated=True, policy_file=policy)
    with qtbot.waitSignal(sched.finished, timeout=60_000) as blocker:
        sched.run("start")
    report, trigger = blocker.args
    assert trigger == "start"
    ids = [c.id for c in report.checks]
    assert "os-support" in ids and "firewall" in ids
    assert {c.status for c in report.checks if c.id == "firewall"} == {Status.SKIP}
    QThreadPool.globalInstance().waitForDone(5000)


def test_broken_child_output_is_a_failure_not_a_report(qtbot: Any, monkeypatch: Any) -> None:
    worker = ProcessCheckWorker(policy_with())
    monkeypatch.setattr(worker, "argv", lambda: ["python3", "-c", "print('not json')"])
    messages: list[str] = []
    worker.signals.failed.connect(messages.append)
    worker.run()  # in this thread: the behaviour, not the pool, is under test
    assert messages and messages[0].startswith("JSONDecodeError")
