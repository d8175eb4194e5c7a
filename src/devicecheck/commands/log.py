"""``devicecheck log [--since DATE] [--json]``: print audit records.

This is the officer's own copy, in their profile, which they can edit; the copy IT relies
on is in the operating system's log (``oslog``, docs/siem.md), and the first line says so
(on standard error, so the records on standard output stay exactly as they were).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any


def _since(text: str) -> datetime:
    try:
        t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (use YYYY-MM-DD)") from exc
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("log", help="print the audit log")
    p.add_argument("--since", type=_since, metavar="DATE", help="only records from DATE (ISO 8601)")
    p.add_argument("--json", action="store_true", help="one JSON object a line")
    p.set_defaults(func=_run)


def authority_line(state: str, target: str) -> str:
    """The one line about where the authoritative copy lives (pure)."""
    if state == "off":
        return ("# This laptop's own copy of the audit log; the OS log copy is off by "
                "policy, so IT has no other copy.")
    where = f"in {target}" if target else "in the operating system's log"
    note = "" if state == "on" else " (unavailable on this laptop now)"
    return (f"# This laptop's own copy of the audit log; IT's authoritative copy is {where}"
            f"{note}: see docs/siem.md.")


def _shown(value: Any) -> str:
    """A value for the text listing: control characters (a newline in a hand-edited
    record) can never start a line of their own."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


def _run(args: argparse.Namespace) -> int:
    from devicecheck import oslog
    from devicecheck.audit import AuditLog
    from devicecheck.policy import load_policy

    policy = load_policy().policy
    status = oslog.status(policy)
    print(authority_line(status.state, status.target), file=sys.stderr)
    audit = AuditLog.for_policy(policy)
    for rec in audit.read(since=args.since):
        if args.json:
            print(json.dumps(rec, ensure_ascii=False))
        else:
            extra = " ".join(f"{_shown(k)}={_shown(json.dumps(v, ensure_ascii=False))}"
                             for k, v in rec.items() if k not in ("time", "kind", "account"))
            print(f"{_shown(rec['time'])}  {_shown(rec['kind']):<14} "
                  f"{_shown(rec.get('account', ''))}  {extra}".rstrip())
    # Checked after reading, never waited on (a FIFO as the audit file once hung here):
    # the officer learns the listing is incomplete, and why.
    refused = audit.unreadable()
    for why in refused:
        print(f"devicecheck: part of the audit log was not read: {_shown(why)}",
              file=sys.stderr)
    return 1 if refused else 0
