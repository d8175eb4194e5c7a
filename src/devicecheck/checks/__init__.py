"""Checks: one module a check, listed once in ``checks.registry``. ``all_checks()``
builds them in report order.

Check modules themselves load only in ``all_checks()``, one by one (one broken module takes
down only its own check); the shared types come from ``checks.base``.
"""

from __future__ import annotations

import importlib

from devicecheck.checks import registry
from devicecheck.checks.base import (
    Check,
    CheckResult,
    Context,
    Remediation,
    Status,
    Unavailable,
    Verdict,
)


def all_checks() -> list[Check]:
    """Every registered check, in report order. Imports are per module so one broken
    module takes down only its own check, and ``check`` imports nothing it does not run."""
    out: list[Check] = []
    for entry in registry.CHECKS:
        try:
            module = importlib.import_module(f"devicecheck.checks.{entry.module}")
            out.append(getattr(module, entry.cls)())
        except (ImportError, AttributeError) as exc:
            out.append(Unavailable(entry.id, f"{type(exc).__name__}: {exc}"))
    return out


__all__ = ["Check", "CheckResult", "Context", "Remediation", "Status", "Unavailable",
           "Verdict", "all_checks"]
