"""``recording-policy``: IT attests that Teams recording and transcription are off for
this officer. Without a readable, fresh attestation for our tenant the answer is
``unknown``, never ``pass`` (see devicecheck.recording.attestation, docs/recording.md)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from devicecheck import paths
from devicecheck.checks.base import Check, Context, Remediation, Status, Verdict
from devicecheck.policy.sources import read_trusted
from devicecheck.recording.attestation import (
    MAX_BYTES,
    MAX_SIGNATURE_BYTES,
    Assessment,
    AttestationState,
    assess_attestation,
)

SCRIPT = "export-teams-recording-policy.ps1"


def attestation_candidates(ctx: Context) -> list[Path]:
    """Where IT deploys the attestation: the one fixed machine folder (never a folder the
    officer can name, such as one in XDG_CONFIG_DIRS: issue 17)."""
    return [paths.attestation_file(ctx.os_name)]


class RecordingPolicyCheck(Check):
    id = "recording-policy"
    timeout_s = 3.0

    def gather(self, ctx: Context) -> Mapping[str, Any]:
        path = attestation_candidates(ctx)[0]
        try:
            # Oversize text is passed on (truncated past the limit) so the parser reports
            # the size, rather than reading an arbitrarily big file.
            raw, why = read_trusted(path, limit=MAX_BYTES)
        except FileNotFoundError:
            return {"path": str(path), "text": None, "error": None}
        except OSError as exc:
            return {"path": str(path), "text": None,
                    "error": f"{type(exc).__name__}: {exc.strerror or exc}"}
        if why:
            # Like the machine policy: a file a user could have forged is not applied.
            return {"path": str(path), "text": None,
                    "error": f"ignored, a user could have written it: {why}"}
        facts: dict[str, Any] = {"path": str(path), "signature": None}
        if ctx.policy.recording.attestation_public_key:
            sig_path = path.with_name(paths.ATTESTATION_SIGNATURE_NAME)
            try:
                sig, sig_why = read_trusted(sig_path, limit=MAX_SIGNATURE_BYTES)
                facts["signature"] = None if sig_why else sig.decode("ascii", "replace")
            except OSError:
                facts["signature"] = None   # missing or unreadable: judged as missing
        try:
            return {**facts, "text": raw.decode("utf-8"), "error": None}
        except UnicodeDecodeError:
            return {**facts, "text": None, "error": "the file is not UTF-8 text"}

    def judge(self, facts: Mapping[str, Any], ctx: Context) -> Verdict:
        sig = facts.get("signature")
        result = assess_attestation(facts.get("text"), ctx.policy, ctx.now,
                                    read_error=facts.get("error"),
                                    signature=sig.encode("ascii") if isinstance(sig, str)
                                    else None)
        state = result.state
        evidence: dict[str, Any] = {"path": facts.get("path"), "state": state.value}
        if result.attestation is not None:
            evidence.update(result.attestation.to_evidence())
        if result.age_days is not None:
            evidence["age_days"] = result.age_days
        evidence["max_age_days"] = ctx.policy.recording.attestation_max_age_days
        contact = ctx.policy.organisation.it_contact
        where = facts.get("path") or str(paths.attestation_file(ctx.os_name))
        # The officer learns only that IT must confirm; the script and the file are IT's
        # contract (docs/recording.md), shown behind the IT door (issue 19).
        ask_it = Remediation(f"Nothing for you to do: IT must confirm that Teams recording is "
                             f"switched off for you. Contact {contact} before holding calls.",
                             it_detail=f"Run {SCRIPT} and deploy the "
                                       f"{paths.ATTESTATION_FILE_NAME} it writes as {where}.")
        if state is AttestationState.OK:
            return Verdict(Status.PASS, "IT confirms Teams recording and transcription are off "
                                        f"(attested {result.age_days:g} days ago).", evidence)
        if state is AttestationState.ALLOWS_RECORDING:
            evidence["allows"] = list(result.permissions)
            what = ", ".join(result.permissions)
            return Verdict(Status.FAIL, f"The Teams policy for this officer allows recording or "
                                        f"transcription ({what}).", evidence,
                           Remediation(f"Teams lets your account record or transcribe "
                                       f"calls. Tell {contact}: IT must switch that off.",
                                       it_detail="The Teams meeting policy must switch off "
                                                 f"recording and transcription ({what}); then "
                                                 f"run {SCRIPT} again and redeploy."))
        if state is AttestationState.BAD_SIGNATURE:
            evidence["problem"] = result.detail
            return Verdict(Status.FAIL, "The recording-policy attestation cannot be trusted: "
                                        f"{result.detail}.", evidence,
                           Remediation("IT's confirmation that Teams recording is off "
                                       f"cannot be trusted. Tell {contact}.",
                                       it_detail=f"Sign {paths.ATTESTATION_FILE_NAME} with "
                                                 "the council's key and deploy "
                                                 f"{paths.ATTESTATION_SIGNATURE_NAME} next to "
                                                 "it (docs/recording.md)."))
        if result.detail:
            evidence["problem"] = result.detail
        if state is AttestationState.NO_TENANT_POLICY:
            ask_it = Remediation(f"IT needs to fix a settings problem. Contact {contact}.",
                                 it_detail="Add the council's tenant id to the DeviceCheck "
                                           "policy (organisation.tenant_ids).")
        return Verdict(Status.UNKNOWN, _unknown_summary(result, ctx), evidence, ask_it)


def _unknown_summary(result: Assessment, ctx: Context) -> str:
    """Why the attestation cannot be relied on, in the officer's words."""
    state, detail = result.state, result.detail
    if state is AttestationState.MISSING:
        return ("No recording-policy attestation from IT is installed, so it is not known "
                "whether Teams can record calls.")
    if state is AttestationState.UNREADABLE:
        return f"The recording-policy attestation could not be read ({detail})."
    if state is AttestationState.MALFORMED:
        return f"The recording-policy attestation is not valid ({detail})."
    if state is AttestationState.NO_TENANT_POLICY:
        return ("The council policy lists no tenant id, so the recording-policy attestation "
                "cannot be matched to this council.")
    if state is AttestationState.WRONG_TENANT:
        return f"The recording-policy attestation is for another organisation (tenant {detail})."
    return (f"The recording-policy attestation is out of date ({result.age_days:g} days old; "
            f"the limit is {ctx.policy.recording.attestation_max_age_days}).")
