"""``policy-health``: the council's policy is present and loaded without errors.

Without a machine policy there is no tenant or domain allowlist, so the work-device
check cannot succeed; with errors, part of the policy may not be in force. A machine policy that
a user could have changed is ignored by the loader (its error says so), and a policy given
with ``--policy FILE`` that is not IT's (``LoadedPolicy.not_machine_policy``) fails here
whatever it says: the loader keeps this check required for it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from devicecheck.checks.base import Check, Context, Remediation, Status, Verdict


class PolicyHealth(Check):
    id = "policy-health"
    timeout_s = 2.0

    def gather(self, ctx: Context) -> Mapping[str, Any]:
        loaded = ctx.loaded
        return {"sources": list(loaded.sources), "errors": [str(e) for e in loaded.errors],
                "machine_policy": loaded.machine_policy_present,
                "not_machine_policy": loaded.not_machine_policy}

    def judge(self, facts: Mapping[str, Any], ctx: Context) -> Verdict:
        contact = ctx.policy.organisation.it_contact
        errors = facts["errors"]
        if facts.get("not_machine_policy"):
            return Verdict(Status.FAIL, "The machine policy is not in force: this report uses "
                                        "a policy file given on the command line that a user "
                                        f"could have written ({facts['not_machine_policy']}).",
                           facts, Remediation("Run DeviceCheck without --policy; only the "
                                              "policy IT installed counts."))
        ignored = [e for e in errors if "ignored, not applied" in e]
        if ignored:
            return Verdict(Status.FAIL, "The council policy on this laptop is ignored: a user "
                                        "could have changed it.", facts,
                           Remediation(f"Tell {contact}: the DeviceCheck policy file's "
                                       "permissions are unsafe (see the report details)."))
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
