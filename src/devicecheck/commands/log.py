"""``devicecheck log [--since DATE] [--json]``: print audit records."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime


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


def _run(args: argparse.Namespace) -> int:
    from devicecheck.audit import AuditLog

    for rec in AuditLog.default().read(since=args.since):
        if args.json:
            print(json.dumps(rec, ensure_ascii=False))
        else:
            extra = " ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in rec.items()
                             if k not in ("time", "kind", "account"))
            print(f"{rec['time']}  {rec['kind']:<14} {rec.get('account', '')}  {extra}".rstrip())
    return 0
