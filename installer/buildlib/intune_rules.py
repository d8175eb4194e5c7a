"""Intune custom-compliance rules for the flat object ``devicecheck check --format intune``
prints: one rule per setting, with the words an officer sees in Company Portal (for the
checks: their entries in ``devicecheck.checks.registry``)."""

from __future__ import annotations

import json
from typing import Any

from devicecheck.checks.registry import CHECKS
from devicecheck.report import SCHEMA_VERSION

#: Replace with the council's own help page (docs/it-deployment.md says how).
MORE_INFO_URL = "https://intranet.example.gov.uk/devicecheck"

def _rule(name: str, operator: str, data_type: str, operand: Any, title: str,
          description: str) -> dict[str, Any]:
    return {"SettingName": name, "Operator": operator, "DataType": data_type,
            "Operand": operand, "MoreInfoUrl": MORE_INFO_URL,
            "RemediationStrings": [{"Language": "en_US", "Title": title,
                                    "Description": description}]}


def rules() -> list[dict[str, Any]]:
    out = [
        _rule("SchemaVersion", "IsEquals", "Int64", SCHEMA_VERSION,
              "DeviceCheck needs updating",
              "The installed DeviceCheck reports in a format this council's compliance "
              "policy does not know ({ActualValue}). Contact the IT service desk."),
        _rule("Overall", "IsEquals", "String", "ready",
              "This laptop is not ready for private calls",
              "Open DeviceCheck from the Start menu: it lists what to fix."),
        _rule("Ready", "IsEquals", "Boolean", True,
              "This laptop is not ready for private calls",
              "Open DeviceCheck from the Start menu and follow what it says to fix."),
        _rule("PolicyErrors", "IsEquals", "Int64", 0,
              "DeviceCheck found {ActualValue} problem(s) in the council policy",
              "Nothing for you to do: the IT service desk must correct the policy."),
        _rule("BlockingCount", "IsEquals", "Int64", 0,
              "{ActualValue} problem(s) stop this laptop being used for private calls",
              "Open DeviceCheck from the Start menu: it lists each problem and how to fix it."),
        _rule("AttentionCount", "IsEquals", "Int64", 0,
              "{ActualValue} item(s) on this laptop need attention",
              "Open DeviceCheck from the Start menu to see them. They do not stop calls."),
    ]
    # One rule per registered check, with its Company Portal words from the registry.
    for check in CHECKS:
        out.append(_rule(check.intune_setting, "NotEquals", "String", "fail", check.fault,
                         check.portal))
    return out


def render() -> str:
    return json.dumps({"Rules": rules()}, indent=2, ensure_ascii=False) + "\n"
