"""``devicecheck check [--json | --format intune] [--it] [--policy FILE]`` (pinned).

The text is the officer's: the verdict and their rows, with no check id, command or file
name. ``--it`` adds IT's section (ids, evidence, commands, file names, policy errors);
the JSON and Intune shapes are unchanged by it.

Exit codes: 0 ready, 1 not ready, 2 usage or policy error (the report is still printed).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from devicecheck.commands import add_policy_option

EXIT_READY, EXIT_NOT_READY, EXIT_POLICY_ERROR = 0, 1, 2


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("check", help="run the device checks and print the report")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", dest="fmt", action="store_const", const="json",
                     help="print the report as one JSON object")
    fmt.add_argument("--format", dest="fmt", choices=["text", "json", "intune"],
                     help="text (default), json, or intune (flat object for custom compliance)")
    p.add_argument("--it", action="store_true",
                   help="add IT's section to the text: check ids, evidence, commands, files")
    add_policy_option(p)
    p.set_defaults(func=lambda a: run_check(policy_file=a.policy, fmt=a.fmt or "text",
                                            it=a.it))


def run_check(*, policy_file: Path | str | None, fmt: str, it: bool = False) -> int:
    from devicecheck.advisory_dates import with_first_seen
    from devicecheck.assess import assess, audit_summary
    from devicecheck.audit import AuditLog
    from devicecheck.policy import load_policy
    from devicecheck.report import Overall

    loaded = load_policy(Path(policy_file) if policy_file else None)
    # The "fix by" date counts from each advisory problem's first sighting (it is kept
    # in the officer's DeviceCheck folder), not from this run: it stays put day to day.
    report = with_first_seen(assess(loaded))
    if fmt == "json":
        print(report.to_json())
    elif fmt == "intune":
        print(json.dumps(report.to_intune(), separators=(",", ":")))
    else:
        print(report.to_text(it=it), end="")
    try:
        log = AuditLog.for_policy(loaded.policy)
        log.record("report", **audit_summary(report))
        if loaded.errors:
            log.record("policy-error", count=len(loaded.errors),
                       sources=sorted({e.source for e in loaded.errors}))
    except OSError as exc:
        # The report is what matters to the caller; a full or read-only home must not fail it.
        print(f"devicecheck: could not write the audit log: {exc}", file=sys.stderr)
    if loaded.errors:
        return EXIT_POLICY_ERROR
    return EXIT_READY if report.overall is Overall.READY else EXIT_NOT_READY
