"""Checks: one module a check. ``all_checks()`` lists them in report order."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from devicecheck.checks.base import Check, CheckResult, Context, Remediation, Status, Verdict

#: (check id, module under devicecheck.checks, class name), in the order officers read them.
CHECK_MODULES: tuple[tuple[str, str, str], ...] = (
    ("policy-health", "policy_health", "PolicyHealth"),
    ("os-support", "os_support", "OsSupport"),
    ("work-device", "work_device", "WorkDevice"),
    ("disk-encryption", "disk_encryption", "DiskEncryption"),
    ("firewall", "firewall", "Firewall"),
    ("screen-lock", "screen_lock", "ScreenLockCheck"),
    ("antivirus", "antivirus", "AntivirusCheck"),
    ("recording-policy", "recording_policy", "RecordingPolicyCheck"),
    ("recorders", "recorders", "Recorders"),
    ("meeting-data", "meeting_data", "MeetingData"),
)


class Unavailable(Check):
    """Stands in for a check whose module failed to import: it reports ``unknown`` with
    the reason, so a broken install can never look like a pass."""

    title = "Check unavailable"

    def __init__(self, check_id: str, reason: str) -> None:
        self.id = check_id  # type: ignore[misc]
        self._reason = reason

    def gather(self, ctx: Context) -> Mapping[str, Any]:
        return {"error": self._reason}

    def judge(self, facts: Mapping[str, Any], ctx: Context) -> Verdict:
        return Verdict(Status.UNKNOWN, f"This check could not be loaded: {self._reason}", facts)


def all_checks() -> list[Check]:
    """Every check, in report order. Imports are per module so one broken module takes
    down only its own check, and ``check`` imports nothing it does not run."""
    out: list[Check] = []
    for check_id, module, cls in CHECK_MODULES:
        try:
            out.append(getattr(importlib.import_module(f"devicecheck.checks.{module}"), cls)())
        except (ImportError, AttributeError) as exc:
            out.append(Unavailable(check_id, f"{type(exc).__name__}: {exc}"))
    return out


__all__ = ["CHECK_MODULES", "Check", "CheckResult", "Context", "Remediation", "Status",
           "Verdict", "all_checks"]
