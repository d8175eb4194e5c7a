"""A small model of what Windows Installer does with the tables these tests read, so the
tests can say what an install *does*, not only which rows exist. There is no msiexec here;
each rule follows Microsoft's Windows Installer reference:

- "Conditional Statement Syntax": bare property = true when set (not empty), NOT/AND/OR,
  parentheses, ``=``/``<>`` and ``><`` ("left string contains right string").
- "Formatted": ``[PROPERTY]`` is replaced by the value, an unset property by nothing.
- "Custom Action Type 51": sets the property named in Source to the formatted Target.
- "AppSearch Action" + "RegLocator Table": a found value sets the property.
- "Upgrade Table": VersionMin/VersionMax with the 0x100/0x200 inclusive bits; and
  "ProductVersion Property": "the installer does not use the fourth field", so versions
  compare on major.minor.build only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_TOKEN = re.compile(r'\s*(?:(?P<str>"[^"]*")|(?P<op>><|<>|=|\(|\))|(?P<word>[A-Za-z_][\w.]*))')


def evaluate(condition: str, props: Mapping[str, str]) -> bool:
    """An MSI condition over string properties (the subset our tables use)."""
    tokens = []
    pos = 0
    while pos < len(condition.rstrip()):
        m = _TOKEN.match(condition, pos)
        assert m, f"cannot read condition at {condition[pos:]!r}"
        tokens.append(m.group(m.lastgroup or ""))
        pos = m.end()
    value, rest = _or(tokens, props)
    assert not rest, rest
    return bool(value)


def _or(t: list[str], p: Mapping[str, str]) -> tuple[object, list[str]]:
    left, t = _and(t, p)
    while t and t[0] == "OR":
        right, t = _and(t[1:], p)
        left = bool(left) or bool(right)
    return left, t


def _and(t: list[str], p: Mapping[str, str]) -> tuple[object, list[str]]:
    left, t = _not(t, p)
    while t and t[0] == "AND":
        right, t = _not(t[1:], p)
        left = bool(left) and bool(right)
    return left, t


def _not(t: list[str], p: Mapping[str, str]) -> tuple[object, list[str]]:
    if t and t[0] == "NOT":
        value, t = _not(t[1:], p)
        return not value, t
    return _compare(t, p)


def _compare(t: list[str], p: Mapping[str, str]) -> tuple[object, list[str]]:
    left, t = _term(t, p)
    if t and t[0] in ("=", "<>", "><"):
        op, (right, t) = t[0], _term(t[1:], p)
        if op == "=":
            return left == right, t
        if op == "<>":
            return left != right, t
        return str(right) in str(left), t
    return left, t


def _term(t: list[str], p: Mapping[str, str]) -> tuple[object, list[str]]:
    head, t = t[0], t[1:]
    if head == "(":
        value, t = _or(t, p)
        assert t and t[0] == ")"
        return value, t[1:]
    if head.startswith('"'):
        return head[1:-1], t
    return p.get(head, ""), t


def formatted(text: str, props: Mapping[str, str]) -> str:
    return re.sub(r"\[([A-Za-z_][\w.]*)\]", lambda m: props.get(m.group(1), ""), text)


def run_to_launch_conditions(tables: Mapping[str, list[dict[str, str]]], sequence: str,
                             props: dict[str, str], registry: Mapping[tuple[str, str], str]
                             ) -> dict[str, str]:
    """Run ``sequence`` from the start up to LaunchConditions: type-51 custom actions and
    AppSearch over HKLM ``registry`` {(key, name): value}; return the properties."""
    actions = {r["Action"]: r for r in tables["CustomAction"]}
    locators = {r["Signature_"]: r for r in tables["RegLocator"]}
    rows = sorted(tables[sequence], key=lambda r: int(r["Sequence"]))
    for row in rows:
        if int(row["Sequence"]) >= 100:  # LaunchConditions is 100
            break
        if row["Condition"] and not evaluate(row["Condition"], props):
            continue
        if row["Action"] == "AppSearch":
            for search in tables["AppSearch"]:
                loc = locators[search["Signature_"]]
                assert loc["Root"] == "2"  # HKLM
                found = registry.get((loc["Key"], loc["Name"]))
                if found is not None:
                    props[search["Property"]] = found
        elif row["Action"] in actions:
            ca = actions[row["Action"]]
            assert int(ca["Type"]) & 0x3F == 51, ca
            props[ca["Source"]] = formatted(ca["Target"], props)
    return props


def version_key(version: str) -> tuple[int, ...]:
    """What Windows Installer compares: major.minor.build (the fourth field is ignored)."""
    return tuple(int(p) for p in (version.split(".") + ["0", "0"])[:3])


def upgrade_row_matches(row: Mapping[str, str], installed: str) -> bool:
    """Does this Upgrade table row find a related product of version ``installed``?"""
    attrs, v = int(row["Attributes"]), version_key(installed)
    if row["VersionMin"]:
        lo = version_key(row["VersionMin"])
        if v < lo or (v == lo and not attrs & 0x100):
            return False
    if row["VersionMax"]:
        hi = version_key(row["VersionMax"])
        if v > hi or (v == hi and not attrs & 0x200):
            return False
    return True
