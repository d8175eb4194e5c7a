"""The five check statuses, in a leaf module: the tray's start-up words
(``verdict_words``, ``ui/model/states.py``) need them before the icon is shown, without
the check machinery, probes and policy loader that ``checks/base.py`` imports."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    UNKNOWN = "unknown"  # could not tell: never counted as pass
    SKIP = "skip"        # not applicable on this OS, or switched off by policy


__all__ = ["Status"]
