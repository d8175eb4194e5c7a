"""``policy-health``: the council's policy is present and loaded without errors.

Without a machine policy there is no tenant or domain allowlist, so the work-device
check cannot succeed; with errors, part of the policy may not be in force."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from devicecheck.checks.base import Check, Context, Remediation, Status, Verdict


class PolicyHealth(Check):
    id = "policy-health"
    title = "Council policy is in force"
    timeout_s = 2.0

    def gather(self, ctx: Context) -> Mapping[str, Any]:
        loaded = ctx.loaded
        return {"sources": list(loaded.sources), "errors": [str(e) for e in loaded.errors],
                "machine_policy": loaded.machine_policy_present}

    def judge(self, facts: Mapping[str, Any], ctx: Context) -> Verdict:
        contact = ctx.policy.organisation.it_contact
        errors = facts["errors"]
        if errors:
            return Verdict(Status.FAIL, f"The council policy has {len(errors)} error(s); "
                                        "parts of it may not be in force.", facts,
                           Remediation(f"Tell {contact}: the DeviceCheck policy on this laptop "
                                       "has errors (see the report details)."))
        if not facts["machine_policy"]:
            return Verdict(Status.FAIL, "No council policy is installed; built-in defaults are used.",
                           facts, Remediation(f"Ask {contact} to install the DeviceCheck policy "
                                              "on this laptop."))
        return Verdict(Status.PASS, "The council policy is installed and valid.", facts)
