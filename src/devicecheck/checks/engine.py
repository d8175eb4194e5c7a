"""Run checks concurrently, each under its own timeout.

Every check gets its own daemon thread, all started at once, so the wall time is about
the slowest check rather than the sum. We do not use ThreadPoolExecutor: its workers are
joined at interpreter exit, so one hung probe would hold ``devicecheck check`` open.
A check that raises or overruns becomes ``unknown`` with the reason, never ``pass``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from devicecheck.checks.base import Check, CheckResult, Context, Status, Verdict
from devicecheck.checks.remedies import try_again
from devicecheck.policy import Severity

ResultCallback = Callable[[CheckResult], None]


def _result(check: Check, ctx: Context, verdict: Verdict, duration_s: float) -> CheckResult:
    return CheckResult(
        id=check.id, title=check.title, status=verdict.status,
        severity=ctx.policy.severity_of(check.id), summary=verdict.summary,
        evidence=dict(verdict.evidence), remediation=verdict.remediation,
        duration_ms=round(duration_s * 1000),
    )


def run_one(check: Check, ctx: Context) -> Verdict:
    """Gather then judge, in the calling thread, with no timeout (the engine adds one)."""
    if ctx.policy.severity_of(check.id) is Severity.OFF:
        return Verdict(Status.SKIP, "Switched off by policy.", {"severity": "off"})
    if not check.applies(ctx):
        return Verdict(Status.SKIP, f"Not applicable on {ctx.os_name}.", {"os": ctx.os_name})
    if check.per_user and ctx.service:
        # Run as SYSTEM/root: per-user facts belong to the console user (checks.per_user).
        from devicecheck.checks.per_user import judged_for, no_console_user

        if ctx.console is None:
            return no_console_user(ctx)
        return judged_for(ctx, check.judge(check.gather(ctx), ctx))
    facts = check.gather(ctx)
    return check.judge(facts, ctx)


def run_checks(checks: Sequence[Check], ctx: Context, *,
               on_result: ResultCallback | None = None) -> list[CheckResult]:
    """Run ``checks`` concurrently; return results in the order given. ``on_result`` is
    called from worker threads as each result is ready (the UI fills rows in live)."""
    slots: list[CheckResult | None] = [None] * len(checks)
    done = [threading.Event() for _ in checks]
    lock = threading.Lock()

    def publish(i: int, result: CheckResult) -> None:
        with lock:
            if slots[i] is not None:  # the timeout already answered for it
                return
            slots[i] = result
        done[i].set()
        if on_result is not None:
            on_result(result)

    def work(i: int, check: Check) -> None:
        start = time.monotonic()
        try:
            verdict = run_one(check, ctx)
        except Exception as exc:  # noqa: BLE001 - any failure is "unknown", never a crash
            verdict = Verdict(Status.UNKNOWN, f"The check could not run: {type(exc).__name__}: {exc}",
                              {"error": f"{type(exc).__name__}: {exc}"},
                              try_again(ctx, f"{type(exc).__name__}: {exc}"))
        publish(i, _result(check, ctx, verdict, time.monotonic() - start))

    started = time.monotonic()
    for i, check in enumerate(checks):
        threading.Thread(target=work, args=(i, check), name=f"check-{check.id}", daemon=True).start()
    for i, check in enumerate(checks):
        remaining = check.timeout_s - (time.monotonic() - started)
        if not done[i].wait(max(remaining, 0.0)):
            verdict = Verdict(Status.UNKNOWN,
                              f"The check did not finish within {check.timeout_s:g} seconds.",
                              {"error": "timeout", "timeout_s": check.timeout_s},
                              try_again(ctx, f"timed out after {check.timeout_s:g} s"))
            publish(i, _result(check, ctx, verdict, time.monotonic() - started))
    return [r for r in slots if r is not None]
