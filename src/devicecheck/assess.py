"""One call that gathers, judges and packages a report: used by the CLI and the tray."""

from __future__ import annotations

from collections.abc import Sequence

from devicecheck import oslog
from devicecheck.checks import all_checks
from devicecheck.checks.base import Check, Context
from devicecheck.checks.engine import ResultCallback, run_checks
from devicecheck.policy import LoadedPolicy
from devicecheck.report import Device, Report


def assess(loaded: LoadedPolicy, *, ctx: Context | None = None,
           checks: Sequence[Check] | None = None,
           on_result: ResultCallback | None = None) -> Report:
    ctx = ctx or Context.default(loaded)
    results = run_checks(checks if checks is not None else all_checks(), ctx, on_result=on_result)
    return Report(Device.current(ctx.os_name), loaded, results, os_log=oslog.status(loaded.policy))


def audit_summary(report: Report) -> dict[str, object]:
    """What the audit log keeps of a report: the verdict and counts, check ids only."""
    return {"overall": report.overall.value, "counts": report.counts(),
            "blocking": [c.id for c in report.blocking],
            "attention": [c.id for c in report.attention],
            "policy_errors": len(report.loaded.errors)}
