"""``devicecheck policy show`` and ``devicecheck policy validate FILE`` (pinned)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from devicecheck.commands import add_policy_option


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("policy", help="show the effective policy or validate a policy file")
    psub = p.add_subparsers(dest="policy_command", metavar="ACTION", required=True)
    show = psub.add_parser("show", help="print the effective policy with each value's source")
    show.add_argument("--json", action="store_true", help="as one JSON object")
    add_policy_option(show)
    show.set_defaults(func=_show)
    val = psub.add_parser("validate", help="exit 0 when FILE is a valid policy, 2 otherwise")
    val.add_argument("file", type=Path, metavar="FILE")
    val.set_defaults(func=_validate)


def _display(value: object) -> object:
    if isinstance(value, tuple):
        return [_display(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return dict(vars(value))
    return value.value if hasattr(value, "value") else value


def _show(args: argparse.Namespace) -> int:
    from devicecheck.policy import load_policy
    from devicecheck.policy.schema import iter_values

    loaded = load_policy(args.policy)
    rows = [(leaf.key, _display(value), loaded.origin(leaf.key)) for leaf, value in iter_values(loaded.policy)]
    if args.json:
        print(json.dumps({"sources": list(loaded.sources), "errors": [e.to_dict() for e in loaded.errors],
                          "values": {k: {"value": v, "source": s} for k, v, s in rows}}, indent=2))
    else:
        print("Sources in force (later wins): " + ", ".join(loaded.sources))
        for key, value, source in rows:
            print(f"{key} = {json.dumps(value)}    # {source}")
        for err in loaded.errors:
            print(f"error: {err}")
    return 2 if loaded.errors else 0


def _validate(args: argparse.Namespace) -> int:
    from devicecheck.policy.sources import file_layer

    layer = file_layer(args.file, machine=False)
    if layer is None:
        print(f"{args.file}: no such file")
        return 2
    if layer.errors:
        for err in layer.errors:
            print(err)
        return 2
    print(f"{args.file}: valid ({len(layer.values)} setting(s))")
    return 0
