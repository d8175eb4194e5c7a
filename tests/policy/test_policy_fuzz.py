"""Whatever a policy file holds, loading it gives values and errors, never an exception
(issue 17 acceptance): generated TOML documents of any shape (known and unknown sections
and keys, every TOML value type, deep nesting), and arbitrary bytes."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devicecheck.policy.schema import LEAVES, PolicyError, build_policy
from devicecheck.policy.sources import Layer, parse_toml_layer

SECTIONS = sorted({leaf.section for leaf in LEAVES.values()}) + ["nonsense", "Tray"]
NAMES = sorted({leaf.name for leaf in LEAVES.values()}) + ["x", "title", "say", ""]

scalars = (st.booleans() | st.integers(min_value=-(10**30), max_value=10**30)
           | st.floats(allow_nan=True) | st.text(max_size=30)
           | st.sampled_from(["required", "off", "advisory", "ask", "ws://127.0.0.1:1"])
           | st.dates() | st.times() | st.datetimes(timezones=st.just(dt.UTC)))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.sampled_from(NAMES), inner, max_size=4),
                      max_leaves=12)
documents = st.dictionaries(st.sampled_from(SECTIONS),
                            st.dictionaries(st.sampled_from(NAMES) | st.text(max_size=8),
                                            values, max_size=5) | values,
                            max_size=6)


def toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(repr(v), repr(v))
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return '"' + v.encode("unicode_escape").decode("ascii").replace('"', '\\"') + '"'
    if isinstance(v, dt.datetime | dt.date | dt.time):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return "{" + ", ".join(f"{toml_key(k)} = {toml_value(x)}" for k, x in v.items()) + "}"


def toml_key(k: str) -> str:
    return '"' + k.encode("unicode_escape").decode("ascii").replace('"', '\\"') + '"'


def render(doc: dict[str, Any]) -> str:
    out = []
    for section, body in doc.items():
        if isinstance(body, dict):
            out.append(f"[{toml_key(section)}]")
            out.extend(f"{toml_key(k)} = {toml_value(v)}" for k, v in body.items())
        else:
            out.insert(0, f"{toml_key(section)} = {toml_value(body)}")
    return "\n".join(out) + "\n"


def check_layer(layer: Layer) -> None:
    assert all(isinstance(e, PolicyError) and str(e) for e in layer.errors)
    build_policy(layer.values)  # whatever validated must build a policy


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_any_toml_structure_gives_values_or_errors(doc: dict[str, Any]) -> None:
    text = render(doc)
    layer = parse_toml_layer(text.encode("utf-8", "surrogatepass"), "file:fuzz.toml")
    check_layer(layer)
    try:
        tomllib.loads(text)
    except (tomllib.TOMLDecodeError, UnicodeError):
        assert layer.errors  # the generator made bad TOML: it must be said


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_give_values_or_errors(raw: bytes) -> None:
    check_layer(parse_toml_layer(raw, "file:fuzz.toml"))


@settings(max_examples=50, deadline=None)
@given(depth=st.integers(min_value=1, max_value=3000), kind=st.sampled_from(["[", "{a="]))
def test_any_nesting_depth_gives_values_or_errors(depth: int, kind: str) -> None:
    close = "]" if kind == "[" else "}"
    text = "[tray]\nallow_quit = " + kind * depth + "1" + close * depth + "\n"
    layer = parse_toml_layer(text.encode(), "file:deep.toml")
    check_layer(layer)
    assert layer.errors


def test_file_layer_reads_through_the_same_parser(tmp_path: Path) -> None:
    from devicecheck.policy.sources import file_layer

    path = tmp_path / "p.toml"
    path.write_text("x = " + "[" * 2000 + "]" * 2000)
    layer = file_layer(path, machine=False)
    assert layer is not None and layer.errors
