"""One realistic audit record per kind, as the producers write them (field names and value
shapes copied from assess.audit_summary, cleaner/run.py, cleaner/restart.py,
teams/monitor.py, acknowledgement.py, recording/alerts.py, commands/check.py, ui/app.py)."""

from __future__ import annotations

from typing import Any

_BASE = {"time": "2026-03-05T09:07:01Z", "account": "officer1"}

SAMPLE_RECORDS: dict[str, dict[str, Any]] = {
    "report": {**_BASE, "kind": "report", "trigger": "start", "overall": "not_ready",
               "counts": {"pass": 7, "warn": 1, "fail": 1, "unknown": 0, "skip": 1},
               "blocking": ["firewall"], "attention": ["screen-lock"], "policy_errors": 0},
    "clean": {**_BASE, "kind": "clean", "clients": ["teams-new", "teams-classic"], "refused": [],
              "removed_files": 14, "removed_bytes": 52_311, "removed_links": 0, "failures": 0,
              "skipped": {"changed since plan": 1}, "duration_ms": 120, "mode": "caches-only",
              "cookies": False},
    "meeting-ended": {**_BASE, "kind": "meeting-ended", "duration_s": 1800,
                      "sources": ["log", "audio"]},
    "notice-ack": {**_BASE, "kind": "notice-ack", "notice_version": "3f2a9c1b7d4e",
                   "notice_document": "9a0c5e7f11d2b3a4",
                   "revision_date": "2026-01-15", "notice_source": "policy-file",
                   "checklist_items": 4, "advisory_continued": ["vpn"]},
    "recording-alert": {**_BASE, "kind": "recording-alert", "source": "recorder",
                        "meeting_seconds": 640, "programs": ["obs64.exe"]},
    "policy-error": {**_BASE, "kind": "policy-error", "count": 2,
                     "sources": ["/etc/xdg/devicecheck/policy.toml"]},
    "restart-clean": {**_BASE, "kind": "restart-clean", "clients": ["teams-new"],
                      "restarted": ["teams-new"], "forced": [], "relaunch_failed": [],
                      "refused": None, "automatic": True, "relaunch": True, "meeting": "off",
                      "cleaned": True, "removed_files": 9, "removed_bytes": 4096, "failures": 0,
                      "quit_ms": {"teams-new": 850}, "duration_ms": 4200, "own_ms": 300,
                      "mode": "caches-only"},
    "tray-start": {**_BASE, "kind": "tray-start", "version": "0.9.0"},
}
