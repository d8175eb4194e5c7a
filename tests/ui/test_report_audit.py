"""``tray.report_audit.ReportAudit``: one "report" record per changed verdict, none when
the isolated child has written it, and a full disk never fails the run."""

from __future__ import annotations

from typing import Any

from devicecheck.checks.base import CheckResult
from devicecheck.checks.status import Status
from devicecheck.policy import LoadedPolicy, Severity
from devicecheck.report import Device, Report
from devicecheck.ui.tray.report_audit import ReportAudit


class Recorder:
    def __init__(self, fail: bool = False) -> None:
        self.records: list[tuple[str, dict[str, Any]]] = []
        self.fail = fail

    def record(self, kind: str, **fields: Any) -> dict[str, Any]:
        if self.fail:
            raise OSError(28, "No space left on device")
        self.records.append((kind, fields))
        return fields


def report(status: Status) -> Report:
    return Report(Device("pc-1", "linux", "6.1"), LoadedPolicy(),
                  [CheckResult("firewall", "Firewall", status, Severity.REQUIRED, "x")])


def test_one_record_per_changed_verdict() -> None:
    audit = Recorder()
    keeper = ReportAudit(lambda: audit, lambda: False)  # type: ignore[arg-type, return-value]
    assert keeper.record(report(Status.PASS), "start")
    assert not keeper.record(report(Status.PASS), "interval")  # the same verdict again
    assert keeper.record(report(Status.FAIL), "interval")
    assert [(k, f["trigger"], f["overall"]) for k, f in audit.records] == [
        ("report", "start", "ready"), ("report", "interval", "not_ready")]
    assert audit.records[1][1]["blocking"] == ["firewall"]  # ids only


def test_isolated_checks_are_recorded_by_the_child_and_errors_do_not_raise() -> None:
    audit = Recorder()
    assert not ReportAudit(lambda: audit, lambda: True).record(  # type: ignore[arg-type, return-value]
        report(Status.PASS), "start")
    assert audit.records == []
    full = Recorder(fail=True)
    assert not ReportAudit(lambda: full, lambda: False).record(  # type: ignore[arg-type, return-value]
        report(Status.PASS), "start")
