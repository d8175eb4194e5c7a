"""The meeting-data cleaner: catalogue (data), plan (read-only), delete (fd-safe), audit.

Public API: ``clean``, ``plan_clean``, ``CleanResult``, ``Plan``; ``last_clean`` reads the
audit log for the ``meeting-data`` check.

Names load on first use (PEP 562): ``policy.model`` reads ``cleaner.catalogue`` (pure data)
for the client ids, which imports this package first, and must not pull in the planner,
the audit log or the policy package it is part of.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from devicecheck.cleaner.catalogue import CLIENT_IDS, process_names
    from devicecheck.cleaner.history import last_clean, last_meeting_end
    from devicecheck.cleaner.plan import Budget, Plan, RootPlan, Target, plan_clean
    from devicecheck.cleaner.run import CleanResult, clean

_WHERE = {"CLIENT_IDS": "catalogue", "process_names": "catalogue",
          "last_clean": "history", "last_meeting_end": "history",
          "Budget": "plan", "Plan": "plan", "RootPlan": "plan", "Target": "plan",
          "plan_clean": "plan", "CleanResult": "run", "clean": "run"}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"devicecheck.cleaner.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["CLIENT_IDS", "Budget", "CleanResult", "Plan", "RootPlan", "Target", "clean",
           "last_clean", "last_meeting_end", "plan_clean", "process_names"]
