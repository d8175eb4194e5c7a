"""The meeting-data cleaner: catalogue (data), plan (read-only), delete (fd-safe), audit.

Public API: ``clean``, ``plan_clean``, ``CleanResult``, ``Plan``; ``last_clean`` reads the
audit log for the ``meeting-data`` check.
"""

from __future__ import annotations

from devicecheck.cleaner.catalogue import CLIENT_IDS, process_names
from devicecheck.cleaner.history import last_clean, last_meeting_end
from devicecheck.cleaner.plan import Budget, Plan, RootPlan, Target, plan_clean
from devicecheck.cleaner.run import CleanResult, clean

__all__ = ["CLIENT_IDS", "Budget", "CleanResult", "Plan", "RootPlan", "Target", "clean",
           "last_clean", "last_meeting_end", "plan_clean", "process_names"]
