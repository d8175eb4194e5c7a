"""TOML literals for documentation and samples (the standard library reads TOML only)."""

from __future__ import annotations

import json
from enum import Enum
from typing import Any

from devicecheck.policy.model import ChecklistItem


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Enum):
        return json.dumps(str(value.value))
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, ChecklistItem):
        return f"{{ title = {toml_value(value.title)}, say = {toml_value(value.say)} }}"
    if isinstance(value, tuple | list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {value!r}")


def plist_value(value: Any) -> Any:
    """The same value as plistlib writes it (tuples as arrays, checklist as dicts)."""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, ChecklistItem):
        return {"title": value.title, "say": value.say}
    if isinstance(value, tuple | list):
        return [plist_value(v) for v in value]
    return value
