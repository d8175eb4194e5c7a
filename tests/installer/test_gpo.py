"""The Group Policy templates name exactly the registry values the policy reader reads,
with types it accepts, and match what the generator makes from the model."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from buildlib import admx

from devicecheck.paths import REGISTRY_POLICY_KEY
from devicecheck.policy.schema import LEAVES
from devicecheck.policy.sources import registry_layer
from devicecheck.probes.registry import DictRegistry

from .conftest import INSTALLER

NS = {"p": admx.ADMX_NS}
ADMX = INSTALLER / "gpo" / "DeviceCheck.admx"
ADML = INSTALLER / "gpo" / "en-US" / "DeviceCheck.adml"


def find(el: ET.Element, path: str) -> ET.Element:
    found = el.find(path, NS)
    assert found is not None, path
    return found


def template_values(path: Path = ADMX) -> dict[tuple[str, str], tuple[str, Any]]:
    """(key, value name) -> (element kind, a value Group Policy would write)."""
    out: dict[tuple[str, str], tuple[str, Any]] = {}
    for policy in ET.parse(path).getroot().iterfind("p:policies/p:policy", NS):
        assert policy.get("class") == "Machine"
        key = policy.get("key", "")
        if policy.get("valueName"):
            assert find(policy, "p:enabledValue/p:decimal").get("value") == "1"
            assert find(policy, "p:disabledValue/p:decimal").get("value") == "0"
            out[(key, policy.get("valueName", ""))] = ("boolean", 1)
        for el in policy.iterfind("p:elements/*", NS):
            kind = el.tag.split("}")[1]
            if kind == "decimal":
                sample: Any = int(el.get("minValue", "0"))
            elif kind == "enum":
                sample = find(el, "p:item/p:value/p:string").text
            else:
                sample = ""
            out[(el.get("key", key), el.get("valueName", ""))] = (kind, sample)
    return out


def test_templates_name_exactly_the_values_the_reader_reads() -> None:
    named = set(template_values())
    readable = {(f"{REGISTRY_POLICY_KEY}\\{leaf.section}", leaf.name)
                for leaf in LEAVES.values() if leaf.kind != "checklist"}
    assert named == readable


def test_every_template_value_passes_through_the_reader_without_error() -> None:
    values = template_values()
    data: dict[str, dict[str, Any]] = {}
    for (key, name), (kind, sample) in values.items():
        leaf = LEAVES[f"{key.rsplit(chr(92), 1)[1]}.{name}"]
        if kind == "text" and leaf.kind == "list":
            sample = ";".join(leaf.meta.get("choices", ())[:2]) or "one;two"
            if leaf.meta.get("pattern"):
                sample = "11111111-2222-3333-4444-555555555555"
        elif kind == "text" and leaf.meta.get("pattern"):
            sample = str(leaf.default)
        data.setdefault(f"HKLM\\{key}", {})[name] = sample
    layer = registry_layer(DictRegistry(data))
    assert layer is not None
    assert layer.errors == []
    assert len(layer.values) == len(values)


def test_element_types_fit_the_setting_types() -> None:
    kinds = {"bool": {"boolean"}, "int": {"decimal"}, "list": {"text"},
             "severity": {"enum"}, "str": {"text", "enum"}}
    for (key, name), (kind, _) in template_values().items():
        leaf = LEAVES[f"{key.rsplit(chr(92), 1)[1]}.{name}"]
        assert kind in kinds[leaf.kind], (leaf.key, kind)
        if kind == "enum" and leaf.kind == "str":
            assert leaf.meta["choices"]


def test_adml_defines_every_string_and_presentation_the_admx_uses() -> None:
    admx_text = ADMX.read_text(encoding="utf-8")
    root = ET.parse(ADML).getroot()
    strings = {s.get("id") for s in root.iterfind("p:resources/p:stringTable/p:string", NS)}
    presentations = {p.get("id")
                     for p in root.iterfind("p:resources/p:presentationTable/p:presentation", NS)}
    import re

    assert set(re.findall(r"\$\(string\.([^)]+)\)", admx_text)) <= strings
    assert set(re.findall(r"\$\(presentation\.([^)]+)\)", admx_text)) == presentations
    for pres in root.iterfind("p:resources/p:presentationTable/p:presentation", NS):
        ref_ids = {el.get("refId") for el in pres}
        policy = find(ET.parse(ADMX).getroot(), f"p:policies/p:policy[@name='{pres.get('id')}']")
        assert ref_ids == {el.get("id") for el in policy.iterfind("p:elements/*", NS)}


def test_committed_templates_match_the_model() -> None:
    assert ADMX.read_text(encoding="utf-8") == admx.render_admx(), \
        "run: python installer/build.py generate"
    assert ADML.read_text(encoding="utf-8") == admx.render_adml(), \
        "run: python installer/build.py generate"
