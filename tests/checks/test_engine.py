"""The engine: concurrency, per-check timeouts, exceptions, severity and applicability."""

from __future__ import annotations

import threading
import time
from types import MappingProxyType

from devicecheck.checks.base import Status
from devicecheck.checks.engine import run_checks
from devicecheck.policy import LoadedPolicy, Policy, Severity
from tests.checks.helpers import Scripted, context


def test_checks_run_concurrently() -> None:
    n, s = 8, 0.4
    checks = [Scripted(f"policy-health-{i}", sleep=s) for i in range(n)]
    start = time.monotonic()
    results = run_checks(checks, context())
    elapsed = time.monotonic() - start
    assert elapsed < 1.5 * s, f"{n} checks sleeping {s}s took {elapsed:.2f}s"
    assert [r.id for r in results] == [c.id for c in checks]  # order kept
    assert all(r.status is Status.PASS for r in results)


def test_timeout_becomes_unknown_and_does_not_wait() -> None:
    checks = [Scripted("os-support", sleep=5, timeout=0.3), Scripted("firewall")]
    start = time.monotonic()
    results = run_checks(checks, context())
    assert time.monotonic() - start < 1.5
    slow, quick = results
    assert slow.status is Status.UNKNOWN
    assert "did not finish within 0.3 seconds" in slow.summary
    assert slow.evidence["error"] == "timeout"
    assert quick.status is Status.PASS


def test_exception_becomes_unknown_with_reason() -> None:
    (result,) = run_checks([Scripted("firewall", raises=RuntimeError("probe exploded"))], context())
    assert result.status is Status.UNKNOWN
    assert "RuntimeError: probe exploded" in result.summary
    assert result.blocking  # required + unknown blocks: unknown is never pass


def test_severity_off_skips_without_running() -> None:
    policy = Policy(severity=MappingProxyType({"firewall": Severity.OFF}))
    check = Scripted("firewall", raises=AssertionError("must not run"))
    (result,) = run_checks([check], context(LoadedPolicy(policy=policy)))
    assert result.status is Status.SKIP and result.severity is Severity.OFF
    assert not result.blocking and not result.needs_attention


def test_not_applicable_is_skip() -> None:
    check = Scripted("antivirus")
    check.platforms = ("windows",)  # type: ignore[misc]
    (result,) = run_checks([check], context())
    assert result.status is Status.SKIP
    assert "linux" in result.summary


def test_on_result_called_once_per_check_from_workers() -> None:
    seen: list[tuple[str, str]] = []
    lock = threading.Lock()

    def on_result(r: object) -> None:
        with lock:
            seen.append((r.id, threading.current_thread().name))  # type: ignore[attr-defined]

    checks = [Scripted("a", sleep=0.05), Scripted("b"), Scripted("c", sleep=0.6, timeout=0.2)]
    run_checks(checks, context(), on_result=on_result)
    assert sorted(i for i, _ in seen) == ["a", "b", "c"]
    time.sleep(0.7)  # the timed-out worker finishing late must not publish a second result
    assert len(seen) == 3


def test_severity_comes_from_policy() -> None:
    policy = Policy(severity=MappingProxyType({"meeting-data": Severity.ADVISORY}))
    (result,) = run_checks([Scripted("meeting-data", Status.FAIL)], context(LoadedPolicy(policy=policy)))
    assert result.severity is Severity.ADVISORY
    assert not result.blocking and result.needs_attention
