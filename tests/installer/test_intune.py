"""Intune custom compliance: the rules cover every setting `check --format intune` prints,
one rule each, with officer-facing text; the discovery script runs that command."""

from __future__ import annotations

import json
import subprocess
import sys

from buildlib import intune_rules

from devicecheck.checks.registry import intune_setting_name
from devicecheck.policy.model import CHECK_IDS

from .conftest import INSTALLER

RULES = INSTALLER / "intune" / "devicecheck-compliance-rules.json"
SCRIPT = INSTALLER / "intune" / "devicecheck-discovery.ps1"
SUMMARY = ("SchemaVersion", "Overall", "Ready", "PolicyErrors", "BlockingCount", "AttentionCount")
OPERATORS = {"IsEquals", "NotEquals", "GreaterThan", "GreaterEquals", "LessThan", "LessEquals"}
TYPES = {"Boolean": bool, "Int64": int, "String": str}


def rules() -> list[dict]:
    return json.loads(RULES.read_text(encoding="utf-8"))["Rules"]


def test_one_rule_per_setting_covering_every_check() -> None:
    names = [r["SettingName"] for r in rules()]
    assert len(names) == len(set(names))
    assert set(names) == set(SUMMARY) | {intune_setting_name(c) for c in CHECK_IDS}
    assert "WorkDevice" in names


def test_rules_are_well_formed_with_officer_text() -> None:
    for rule in rules():
        assert set(rule) == {"SettingName", "Operator", "DataType", "Operand", "MoreInfoUrl",
                             "RemediationStrings"}
        assert rule["Operator"] in OPERATORS
        operand = rule["Operand"]
        assert isinstance(operand, TYPES[rule["DataType"]])
        assert rule["MoreInfoUrl"].startswith("https://")
        (text,) = rule["RemediationStrings"]
        assert text["Language"] == "en_US"
        assert len(text["Title"]) > 10 and len(text["Description"]) > 20
        # Officers read these in Company Portal: no check ids or jargon codes.
        assert not any(c in text["Title"] + text["Description"] for c in CHECK_IDS if "-" in c)


def test_rules_match_what_the_real_cli_prints(tmp_path) -> None:
    """Every setting the CLI prints has a rule whose data type fits its value, and the
    per-check rule judges the statuses the CLI uses."""
    proc = subprocess.run([sys.executable, "-m", "devicecheck", "check", "--format", "intune"],
                          capture_output=True, text=True, timeout=120)
    flat = json.loads(proc.stdout)
    by_name = {r["SettingName"]: r for r in rules()}
    assert set(flat) == set(by_name)
    for name, value in flat.items():
        assert isinstance(value, TYPES[by_name[name]["DataType"]]), name
    assert by_name["Ready"]["Operand"] is True


def test_discovery_script_runs_the_pinned_command_and_returns_compressed_json() -> None:
    text = SCRIPT.read_text(encoding="utf-8")
    assert "check --format intune" in text
    assert "ConvertTo-Json -Compress" in text
    assert r"DeviceCheck\devicecheck.exe" in text  # the console build the MSI installs
    # The fallback object (DeviceCheck missing) uses the same setting names and fails Ready.
    for name in SUMMARY:
        assert f"{name} " in text or f"{name}=" in text


def test_committed_rules_match_generator() -> None:
    assert RULES.read_text(encoding="utf-8") == intune_rules.render()
