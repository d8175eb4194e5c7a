"""Validation driven by the dataclass declarations in ``model``.

Each source hands in nested data (TOML tables, plist dicts, registry keys); we walk it
against the model, coerce every leaf to its declared type and collect one ``PolicyError``
per problem instead of stopping at the first, so IT sees everything wrong in one go.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from devicecheck.policy.model import SECTIONS, ChecklistItem, Policy, Severity


@dataclass(frozen=True)
class PolicyError:
    """One problem with one policy source, phrased for the IT engineer who wrote it."""

    source: str
    message: str
    key: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = self.source + (f", line {self.line}" if self.line else "")
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "key": self.key, "line": self.line,
                "message": self.message}


@dataclass(frozen=True)
class Leaf:
    """One settable value: ``section.name`` (``severity.<check-id>`` for severities)."""

    key: str
    section: str
    name: str
    kind: str  # "str" | "int" | "bool" | "list" | "checklist" | "severity"
    default: Any
    meta: Mapping[str, Any]

    @property
    def doc(self) -> str:
        return str(self.meta.get("doc", ""))


def _kind(hint: Any) -> str:
    if hint is bool:
        return "bool"
    if hint is int:
        return "int"
    if hint is str:
        return "str"
    args = typing.get_args(hint)
    if typing.get_origin(hint) is tuple and args and args[0] is ChecklistItem:
        return "checklist"
    if typing.get_origin(hint) is tuple:
        return "list"
    raise TypeError(f"unsupported policy type {hint!r}")


def _build_leaves() -> dict[str, Leaf]:
    out: dict[str, Leaf] = {}
    policy_fields = {f.name: f for f in dataclasses.fields(Policy)}
    sev = policy_fields["severity"]
    defaults = Policy()
    for check_id in sev.metadata["keys"]:
        out[f"severity.{check_id}"] = Leaf(f"severity.{check_id}", "severity", check_id,
                                           "severity", defaults.severity_of(check_id),
                                           sev.metadata)
    for section in SECTIONS:
        cls = typing.get_type_hints(Policy)[section]
        hints = typing.get_type_hints(cls)
        instance = getattr(defaults, section)
        for f in dataclasses.fields(cls):
            key = f"{section}.{f.name}"
            out[key] = Leaf(key, section, f.name, _kind(hints[f.name]),
                            getattr(instance, f.name), f.metadata)
    return out


class _Leaves(Mapping[str, Leaf]):
    """Every leaf, built on first use: the severities' keys come from the check registry
    (``policy/contributions.py``), which must not be read while the policy package is
    still being imported (the registries import it)."""

    def __init__(self) -> None:
        self._built: Mapping[str, Leaf] | None = None

    def _leaves(self) -> Mapping[str, Leaf]:
        if self._built is None:
            self._built = MappingProxyType(_build_leaves())
        return self._built

    def __getitem__(self, key: str) -> Leaf:
        return self._leaves()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._leaves())

    def __len__(self) -> int:
        return len(self._leaves())


LEAVES: Mapping[str, Leaf] = _Leaves()


def _check_str(leaf: Leaf, value: str) -> None:
    choices = leaf.meta.get("choices")
    if choices and value not in choices:
        raise ValueError(f"must be one of {', '.join(choices)}; got {value!r}")
    pattern = leaf.meta.get("pattern")
    if pattern and not re.match(pattern, value):
        raise ValueError(f"{value!r} is not in the expected form")


def coerce(leaf: Leaf, value: Any, *, lenient_registry: bool = False) -> Any:
    """Return ``value`` as the leaf's type, or raise ``ValueError`` with a readable reason.

    ``lenient_registry`` accepts what Group Policy can express: DWORD 0/1 for booleans and
    a ``;``-separated REG_SZ for lists (MSI properties arrive that way)."""
    kind = leaf.kind
    if kind == "bool":
        if lenient_registry and isinstance(value, int) and not isinstance(value, bool) \
                and value in (0, 1):
            return bool(value)
        if not isinstance(value, bool):
            raise ValueError(f"must be true or false; got {type(value).__name__} {value!r}")
        return value
    if kind == "int":
        if lenient_registry and isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"must be a whole number; got {type(value).__name__} {value!r}")
        lo, hi = leaf.meta.get("min"), leaf.meta.get("max")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise ValueError(f"{value} is out of range ({lo} to {hi})")
        return value
    if kind in ("str", "severity"):
        if not isinstance(value, str):
            raise ValueError(f"must be text; got {type(value).__name__} {value!r}")
        _check_str(leaf, value)
        return Severity(value) if kind == "severity" else value
    if kind == "list":
        if lenient_registry and isinstance(value, str):
            value = [v.strip() for v in value.split(";") if v.strip()]
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"must be a list of text values; got {value!r}")
        for item in value:
            _check_str(leaf, item)
        return tuple(value)
    if kind == "checklist":
        if not isinstance(value, list | tuple) or not value:
            raise ValueError("must be a non-empty list of tables with 'title' and 'say'")
        items = []
        for i, item in enumerate(value, 1):
            if not isinstance(item, Mapping) or set(item) - {"title", "say"} \
                    or not all(isinstance(item.get(k), str) and item.get(k) for k in ("title", "say")):
                raise ValueError(f"item {i} must have exactly a non-empty 'title' and 'say'")
            items.append(ChecklistItem(str(item["title"]), str(item["say"])))
        return tuple(items)
    raise AssertionError(kind)


def _find_leaf(section: str, name: str, *, case_insensitive: bool) -> Leaf | None:
    if not case_insensitive:
        return LEAVES.get(f"{section}.{name}")
    wanted = f"{section}.{name}".lower()
    return next((leaf for k, leaf in LEAVES.items() if k.lower() == wanted), None)


def validate_tree(data: Mapping[str, Any], source: str, *, lines: Mapping[str, int] | None = None,
                  registry: bool = False) -> tuple[dict[str, Any], list[PolicyError]]:
    """Walk nested ``data`` (``{section: {name: value}}``); return valid leaves and errors."""
    values: dict[str, Any] = {}
    errors: list[PolicyError] = []
    lines = lines or {}
    known_sections = ("severity", *SECTIONS)
    for section, table in data.items():
        canon = next((s for s in known_sections
                      if s == section or (registry and s.lower() == str(section).lower())), None)
        if canon is None:
            errors.append(PolicyError(source, "unknown section", str(section), lines.get(str(section))))
            continue
        if not isinstance(table, Mapping):
            errors.append(PolicyError(source, "must be a table of settings", canon, lines.get(canon)))
            continue
        for name, value in table.items():
            leaf = _find_leaf(canon, str(name), case_insensitive=registry)
            dotted = f"{canon}.{name}"
            if leaf is None:
                what = "unknown check id" if canon == "severity" else "unknown setting"
                errors.append(PolicyError(source, what, dotted, lines.get(dotted)))
                continue
            try:
                values[leaf.key] = coerce(leaf, value, lenient_registry=registry)
            except ValueError as exc:
                errors.append(PolicyError(source, str(exc), leaf.key, lines.get(dotted)))
    return values, errors


def build_policy(values: Mapping[str, Any]) -> Policy:
    """A ``Policy`` from defaults overlaid with validated dotted values."""
    policy = Policy()
    by_section: dict[str, dict[str, Any]] = {}
    for key, value in values.items():
        section, name = key.split(".", 1)
        by_section.setdefault(section, {})[name] = value
    changes: dict[str, Any] = {}
    for section, fields in by_section.items():
        if section == "severity":
            merged = dict(policy.severity)
            merged.update(fields)
            changes["severity"] = MappingProxyType(merged)
        else:
            changes[section] = dataclasses.replace(getattr(policy, section), **fields)
    return dataclasses.replace(policy, **changes)


def iter_values(policy: Policy) -> Iterator[tuple[Leaf, Any]]:
    """Every leaf with its effective value, in declaration order."""
    for leaf in LEAVES.values():
        if leaf.section == "severity":
            yield leaf, policy.severity_of(leaf.name)
        else:
            yield leaf, getattr(getattr(policy, leaf.section), leaf.name)
