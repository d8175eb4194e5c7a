"""Checks: one module a check, listed once in ``checks.registry``. ``all_checks()``
builds them in report order.

The shared types live in ``checks.base`` (import them from there). This package's own
import stays as light as its two leaves, ``registry`` (plain data) and ``status``: the
tray's first words, before its icon, come from them (``verdict_words``), and must not wait
for ``base``, the policy and the probes.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from devicecheck.checks import registry

if TYPE_CHECKING:
    from devicecheck.checks.base import Check


def all_checks() -> list[Check]:
    """Every registered check, in report order. Each module is imported here, one by one,
    so one broken module takes down only its own check and ``check`` imports nothing it
    does not run."""
    from devicecheck.checks.base import Unavailable

    out: list[Check] = []
    for entry in registry.CHECKS:
        try:
            module = importlib.import_module(f"devicecheck.checks.{entry.module}")
            out.append(getattr(module, entry.cls)())
        except (ImportError, AttributeError) as exc:
            out.append(Unavailable(entry.id, f"{type(exc).__name__}: {exc}"))
    return out


__all__ = ["all_checks"]
