"""Checks: one module a check, listed once in ``checks.registry``. ``all_checks()``
builds them in report order.

The package imports nothing heavy by itself: ``policy.model`` reads ``checks.registry``
(which imports this package first), so ``Check``, ``Context`` and friends are loaded from
``checks.base`` on first use (PEP 562), never at import.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from devicecheck.checks import registry

if TYPE_CHECKING:
    from devicecheck.checks.base import (
        Check,
        CheckResult,
        Context,
        Remediation,
        Status,
        Unavailable,
        Verdict,
    )

_FROM_BASE = frozenset({"Check", "CheckResult", "Context", "Remediation", "Status",
                        "Unavailable", "Verdict"})


def __getattr__(name: str) -> Any:
    if name in _FROM_BASE:
        from devicecheck.checks import base

        return getattr(base, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def all_checks() -> list[Check]:
    """Every registered check, in report order. Imports are per module so one broken
    module takes down only its own check, and ``check`` imports nothing it does not run."""
    from devicecheck.checks.base import Unavailable

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
