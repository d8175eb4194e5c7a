"""Intune custom-compliance rules for the flat object ``devicecheck check --format intune``
prints: one rule per setting, with the words an officer sees in Company Portal."""

from __future__ import annotations

import json
from typing import Any

from devicecheck.policy.model import CHECK_IDS
from devicecheck.report import SCHEMA_VERSION, intune_setting_name

#: Replace with the council's own help page (docs/it-deployment.md says how).
MORE_INFO_URL = "https://intranet.example.gov.uk/devicecheck"

#: Officer-facing title and what to do, per check id. A check id missing here stops the
#: generator, so a new check cannot ship without its remediation text.
CHECK_TEXT: dict[str, tuple[str, str]] = {
    "policy-health": ("DeviceCheck has no valid council policy",
                      "Restart the laptop so it picks up the council's settings. If this stays, "
                      "contact the IT service desk."),
    "os-support": ("This laptop's operating system is out of date",
                   "Install the waiting updates (Settings > Windows Update), restart, then open "
                   "DeviceCheck again."),
    "work-device": ("This is not recognised as a council laptop",
                    "Use your council laptop for calls with residents. If this is your council "
                    "laptop, contact the IT service desk."),
    "disk-encryption": ("The laptop's disk is not encrypted",
                        "Do not hold calls on this laptop until IT has turned on disk "
                        "encryption (BitLocker). Contact the IT service desk."),
    "firewall": ("The firewall is off",
                 "Turn the firewall back on (Windows Security > Firewall & network protection) "
                 "or contact the IT service desk."),
    "screen-lock": ("The screen does not lock soon enough when idle",
                    "Set the screen to lock after a few idle minutes (Settings > Accounts > "
                    "Sign-in options), or restart to pick up the council's setting."),
    "antivirus": ("Anti-virus is off or out of date",
                  "Open Windows Security and update virus protection, then restart. If it "
                  "stays, contact the IT service desk."),
    "meeting-data": ("Teams meeting data has not been cleared",
                     "Quit Teams after your call and open DeviceCheck: it clears the names and "
                     "addresses Teams keeps on the laptop."),
    "recording-policy": ("The council has not confirmed that Teams recording is off",
                         "Nothing for you to do: IT must confirm the Teams recording policy. "
                         "Contact the IT service desk before holding calls."),
    "recorders": ("Recording software is running on this laptop",
                  "Close any screen or sound recording program before your call. Calls with "
                  "residents must not be recorded."),
}


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
    for check_id in CHECK_IDS:
        title, what = CHECK_TEXT[check_id]
        out.append(_rule(intune_setting_name(check_id), "NotEquals", "String", "fail",
                         title, what))
    return out


def render() -> str:
    return json.dumps({"Rules": rules()}, indent=2, ensure_ascii=False) + "\n"
