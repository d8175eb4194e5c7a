"""``policy-health``: the council's policy is present and loaded without errors.

Without a machine policy there is no tenant or domain allowlist, so the work-device
check cannot succeed; with errors, part of the policy may not be in force. A machine policy that
a user could have changed is ignored by the loader (its error says so), and a policy given
with ``--policy FILE`` that is not IT's (``LoadedPolicy.not_machine_policy``) fails here
whatever it says: the loader keeps this check required for it.

Which policy errors block (issue 19). The loader already drops every bad value, so the value
in force is the default (or a lower layer's). That is safe for most settings, so an error
blocks the officer only when it can change how a *required* check is judged:

* an error in ``[severity]`` (it decides which checks block at all);
* an error in a setting that a required check reads (``CheckSpec.settings``): that check
  is then judged against values IT did not write, and we do not guess whether the bad
  value was meant to be stricter or looser;
* an error with no setting named (the whole source could not be read or was ignored for
  unsafe permissions): nothing IT wrote there is in force;
* no machine policy at all.

Any other error (a typo in the audit, tray or notice settings, an unknown section) passes
this check: the report's policy errors and ``policy validate`` carry the detail for IT,
and the officer sees only that IT needs to fix a settings problem.

The council's notice file (issue 29): one that is not IT's (``notice.notice_file_problem``:
the policy file's ownership rule) or cannot be used is ignored and the built-in notice is
shown, which still carries every fact officers must follow, so it does not block; the
summary says the council's own notice is not shown and the evidence holds why.

A ``[teams] log_folders`` folder other users can write (issue 29) is not read by the log
source (``teams/logfolder.py``: another user's file could fake or end a meeting): a
warning, since the other meeting signals still run; ``log_folder_problems`` says which
and why, for IT."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from devicecheck.checks.base import Check, Context, Remediation, Status, Verdict
from devicecheck.checks.registry import CHECKS
from devicecheck.notice import notice_file_problem
from devicecheck.policy.model import Policy, Severity
from devicecheck.policy.schema import PolicyError

#: What an officer is told for any blocking settings problem (nothing technical).
OFFICER_TEXT = "IT needs to fix a settings problem. Contact {contact}."
#: IT's side: where the detail is (the report's policy errors, ``policy validate``).
IT_DETAIL = ("See the policy errors in this report, or run 'devicecheck policy validate "
             "FILE' on the policy file; fix the values (or the file's permissions).")


LOG_FOLDER_DETAIL = ("[teams] log_folders: each folder must be the officer's own (or "
                     "root's/Administrators') and writable by no other user (POSIX: no group or "
                     "other write permission, unless sticky and the officer's; Windows: no "
                     "access entry letting another non-admin user write). See "
                     "log_folder_problems in this check's evidence.")


def log_folder_problems(policy: Policy) -> list[str]:
    """Why each of the policy's Teams log folders would not be read (issue 29)."""
    from pathlib import Path

    from devicecheck.teams.logfolder import folder_problem

    out = []
    for folder in policy.teams.log_folders:
        why = folder_problem(Path(folder).expanduser())
        if why is not None:
            out.append(f"{folder}: {why}")
    return out


def _covers(setting: str, key: str) -> bool:
    """``screen_lock`` covers ``screen_lock.max_idle_minutes``; a dotted setting only itself."""
    return key == setting or key.startswith(setting + ".") or (
        "." in setting and key == setting.split(".", 1)[0])


def blocking_errors(errors: Sequence[PolicyError], policy: Policy) -> list[PolicyError]:
    """The errors that can change how a required check is judged (rule in the module doc)."""
    required = [c for c in CHECKS if policy.severity_of(c.id) is Severity.REQUIRED]
    out = []
    for error in errors:
        key = error.key
        if key is None or key == "severity" or key.startswith("severity."):
            out.append(error)
        elif any(_covers(s, key) for c in required for s in c.settings):
            out.append(error)
    return out


class PolicyHealth(Check):
    id = "policy-health"
    timeout_s = 2.0

    def gather(self, ctx: Context) -> Mapping[str, Any]:
        loaded = ctx.loaded
        return {"sources": list(loaded.sources), "errors": [str(e) for e in loaded.errors],
                "blocking_errors": [str(e) for e in blocking_errors(loaded.errors,
                                                                    loaded.policy)],
                "machine_policy": loaded.machine_policy_present,
                "not_machine_policy": loaded.not_machine_policy,
                "notice_problem": notice_file_problem(loaded.policy),
                "log_folder_problems": [] if ctx.service else log_folder_problems(
                    loaded.policy)}

    def judge(self, facts: Mapping[str, Any], ctx: Context) -> Verdict:
        contact = ctx.policy.organisation.it_contact
        errors = facts["errors"]
        if facts.get("not_machine_policy"):
            return Verdict(Status.FAIL, "The machine policy is not in force: this report uses "
                                        "a policy file given on the command line that a user "
                                        f"could have written ({facts['not_machine_policy']}).",
                           facts, Remediation(
                               "This check used settings that IT did not install. Open "
                               "DeviceCheck again the usual way to see your laptop's answer.",
                               it_detail="Run devicecheck without --policy: only the machine "
                                         "policy IT installed counts."))
        ignored = [e for e in errors if "ignored, not applied" in e]
        officer = Remediation(OFFICER_TEXT.format(contact=contact), it_detail=IT_DETAIL)
        if ignored:
            return Verdict(Status.FAIL, "The council policy on this laptop is ignored: a user "
                                        "could have changed it (its permissions are unsafe; "
                                        "see the policy errors).", facts, officer)
        blocking = facts.get("blocking_errors", errors)
        if blocking:
            # The count and keys are in the evidence and the report's IT part; the
            # summary is read by officers, so it names nothing technical.
            return Verdict(Status.FAIL, "Some of the council's settings for this laptop have "
                                        "mistakes that affect a required check, so it cannot "
                                        "be judged as IT intended.", facts, officer)
        if not facts["machine_policy"]:
            return Verdict(Status.FAIL, "No council policy is installed; built-in defaults are "
                                        "used.", facts, officer)
        if facts.get("log_folder_problems"):
            return Verdict(Status.WARN, "A folder the council set for Teams' log could be "
                                        "changed by other people on this laptop, so it is not "
                                        "used to see meetings.", facts,
                           Remediation(OFFICER_TEXT.format(contact=contact),
                                       it_detail=LOG_FOLDER_DETAIL))
        # Why the council's notice file is not shown is IT's (in the evidence, with a path).
        notice = (" The council's own privacy notice is not shown (IT needs to fix its "
                  "file); DeviceCheck's standard notice is shown instead."
                  if facts.get("notice_problem") else "")
        if errors:
            return Verdict(Status.PASS, "The council's settings are in force. A few have "
                                        "mistakes IT needs to fix; the safe defaults are used "
                                        f"for those.{notice}", facts)
        return Verdict(Status.PASS, f"The council policy is installed and valid.{notice}",
                       facts)
