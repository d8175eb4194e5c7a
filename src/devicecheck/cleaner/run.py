"""``clean()``: plan, refuse running clients, delete each target, write one audit record."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devicecheck.audit import AuditLog
from devicecheck.cleaner.catalogue import CLIENTS
from devicecheck.cleaner.delete import delete_target, root_changed
from devicecheck.cleaner.history import CLEAN_KIND
from devicecheck.cleaner.plan import Plan, ProcessFinder, display, mark_running, plan_clean
from devicecheck.osinfo import OsName
from devicecheck.policy import Policy

DELETED, PARTLY, REFUSED = "deleted", "partly-deleted", "refused"


@dataclass
class CleanResult:
    plan: Plan
    dry_run: bool = False
    refused: list[str] = field(default_factory=list)   # client ids refused because running
    removed_files: int = 0
    removed_bytes: int = 0
    removed_links: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    duration_ms: int = 0
    nothing_to_do: bool = False    # the plan held nothing to delete

    @property
    def exit_code(self) -> int:
        """The pinned ``clean`` exit codes: 3 refused, 1 partial failure, 0 done."""
        if self.refused:
            return 3
        return 1 if self.failures else 0

    def to_dict(self) -> dict[str, Any]:
        """The pinned ``clean --json`` shape (extra keys are additive)."""
        data = self.plan.to_dict()
        data.update({"removed_files": self.removed_files, "removed_bytes": self.removed_bytes,
                     "removed_links": self.removed_links, "failures": self.failures,
                     "refused": self.refused, "skipped": self.skipped,
                     "dry_run": self.dry_run, "duration_ms": self.duration_ms})
        return data


def _running_names(client_id: str, os_name: OsName) -> str:
    return ", ".join(sorted(CLIENTS[client_id].processes.get(os_name, ())))


def clean(policy: Policy, *, client_ids: Sequence[str] | None = None,
          os_name: OsName | None = None, env: Mapping[str, str] | None = None,
          home: Path | None = None, audit: AuditLog | None = None, dry_run: bool = False,
          plan: Plan | None = None, processes: ProcessFinder | None = None) -> CleanResult:
    """Clean the catalogued clients' meeting data. A running client is refused (named in
    ``failures`` and ``refused``), never killed. ``plan`` lets a caller delete exactly what
    it showed the officer: anything changed since is refused by the deleter."""
    start = time.monotonic()
    if plan is None:
        plan = plan_clean(policy, client_ids=client_ids, os_name=os_name, env=env, home=home,
                          count=dry_run, processes=processes)
    else:
        mark_running(plan, processes)
    result = CleanResult(plan, dry_run=dry_run, nothing_to_do=plan.nothing_to_do)
    result.failures += plan.to_dict()["failures"]  # refused roots (links, outside profile)
    for cid in plan.running_clients():
        result.refused.append(cid)
        result.failures.append({"client": cid, "reason": f"{CLIENTS[cid].name} is running "
                                f"({_running_names(cid, plan.os_name)}); quit it first. "
                                "DeviceCheck never closes Teams for you."})
    if dry_run:
        return result
    for rp in plan.clients:
        if rp.refused or rp.report_only or rp.client_id in result.refused:
            continue
        why = root_changed(rp)
        if why:
            result.failures.append({"client": rp.client_id, "path": display(
                os.fsdecode(rp.path)), "reason": why})
            result.skipped["changed since plan"] = result.skipped.get("changed since plan", 0) + 1
            continue
        for target in rp.deletable:
            out = delete_target(rp, target)
            target.files, target.bytes, target.links = out.files, out.bytes, out.links
            target.action = PARTLY if out.failure_count else DELETED
            result.removed_files += out.files
            result.removed_bytes += out.bytes
            result.removed_links += out.links
            for reason, n in out.skipped.items():
                result.skipped[reason] = result.skipped.get(reason, 0) + n
            root = display(os.fsdecode(rp.path))
            for f in out.failures:
                # The deleter's paths are relative to the data folder (the target's own
                # components included), so the folder is prefixed once, never the target's.
                sub = f["path"]
                path = f"{root}/{sub}" if sub else root
                result.failures.append({"client": rp.client_id, "path": path,
                                        "reason": f["reason"]})
            if out.failure_count > len(out.failures):
                result.failures.append({"client": rp.client_id, "path": display(
                    os.fsdecode(target.path)), "reason": f"{out.failure_count - len(out.failures)} "
                    "more failures not listed"})
    for rp in plan.clients:
        if rp.client_id in result.refused:
            for t in rp.deletable:
                t.action = REFUSED
    result.duration_ms = int((time.monotonic() - start) * 1000)
    _audit(policy, audit, result)
    return result


def _audit(policy: Policy, audit: AuditLog | None, result: CleanResult) -> None:
    """One record per clean: ids, counts, bytes, duration; never a name from a cache."""
    present = sorted({rp.client_id for rp in result.plan.clients
                      if not rp.report_only and not rp.refused})
    log = audit or AuditLog.for_policy(policy)
    try:
        log.record(CLEAN_KIND, clients=present, refused=result.refused,
                   removed_files=result.removed_files, removed_bytes=result.removed_bytes,
                   removed_links=result.removed_links, failures=len(result.failures),
                   skipped=result.skipped, duration_ms=result.duration_ms,
                   mode=policy.cleaner.mode, cookies=policy.cleaner.clear_cookies)
    except OSError as exc:
        # The clean happened; a full or read-only disk (or a refused, linked audit file)
        # must not turn it into a crash, but the missing record is said, not swallowed.
        logging.getLogger(__name__).warning("The clean was not recorded in the audit log "
                                            "(%s).", exc)
