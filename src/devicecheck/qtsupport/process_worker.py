"""Checks for the tray in a child process: ``devicecheck check --json``, waited for on
the thread pool, its report rebuilt here. Same signals as ``workers.CheckWorker``
(``workers.CheckSignals``).

Why a child process: the tray idles for hours, so the probes' modules, threads and heap
stay out of its memory (about 5 MB), and a probe that misbehaves cannot take the tray
down. The child writes the audit record of its report itself."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QRunnable

from devicecheck.qtsupport.self_command import self_command
from devicecheck.qtsupport.workers import CheckSignals

if TYPE_CHECKING:
    from devicecheck.policy import LoadedPolicy
    from devicecheck.report import Report


def report_from_dict(data: Mapping[str, Any], loaded: LoadedPolicy) -> Report:
    """A Report back from the pinned ``check --json`` shape."""
    from devicecheck.checks.base import CheckResult, Remediation, Status
    from devicecheck.policy import Severity
    from devicecheck.report import Device, Report

    results = []
    for c in data["checks"]:
        rem = c.get("remediation")
        results.append(CheckResult(
            id=c["id"], title=c["title"], status=Status(c["status"]),
            severity=Severity(c["severity"]), summary=c["summary"],
            evidence=dict(c.get("evidence") or {}),
            remediation=Remediation(rem["text"], rem.get("link"),
                                    str(rem.get("it_detail") or "")) if rem else None,
            duration_ms=int(c.get("duration_ms", 0))))
    dev = data["device"]
    when = datetime.fromisoformat(str(data["generated_at"]).replace("Z", "+00:00"))
    from devicecheck.oslog import OsLogStatus

    os_log = (data.get("audit") or {}).get("os_log")  # additive: absent from older children
    return Report(Device(dev["hostname"], dev["os"], dev["os_version"]), loaded, results, when,
                  os_log=OsLogStatus(**os_log) if isinstance(os_log, dict) else None)


class ProcessCheckWorker(QRunnable):
    """The assessment ``CheckWorker`` makes, from a child process."""

    TIMEOUT_S = 180.0

    def __init__(self, loaded: LoadedPolicy, policy_file: Path | None = None) -> None:
        super().__init__()
        self.signals = CheckSignals()
        self._loaded, self._policy_file = loaded, policy_file

    def argv(self) -> list[str]:
        argv = [*self_command(), "check", "--json"]
        if self._policy_file is not None:
            argv += ["--policy", str(self._policy_file)]
        return argv

    def run(self) -> None:
        self.signals.started.emit()
        try:
            # Our own executable with fixed arguments; no shell. Exit 1/2 (not ready,
            # policy error) still print the report.
            proc = subprocess.run(self.argv(), capture_output=True, text=True,  # noqa: S603
                                  timeout=self.TIMEOUT_S, check=False)
            report = report_from_dict(json.loads(proc.stdout), self._loaded)
        except subprocess.TimeoutExpired:
            self.signals.failed.emit(f"the checks did not finish within {self.TIMEOUT_S:g} s")
            return
        except (OSError, ValueError, KeyError, TypeError) as exc:
            self.signals.failed.emit(f"{type(exc).__name__}: {exc}")
            return
        for result in report.checks:
            self.signals.resultReady.emit(result)
        self.signals.finished.emit(report)
