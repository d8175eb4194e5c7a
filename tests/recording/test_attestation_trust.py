"""The attestation is IT's only when IT could have written it: from the fixed machine
folder, owned by root and written by no one else, and — with
``[recording] attestation_public_key`` — signed with the council's Ed25519 key
(issue 17, item 2: a forged teams-recording-policy.json made recording-policy pass)."""

from __future__ import annotations

import base64
import dataclasses
import os
import shutil
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from devicecheck import paths
from devicecheck.checks.base import Context, Status
from devicecheck.checks.engine import run_checks
from devicecheck.checks.recording_policy import RecordingPolicyCheck
from devicecheck.policy import LoadedPolicy, Policy
from devicecheck.probes.runner import ProbeRunner
from devicecheck.recording.attestation import signature_problem
from tests.recording.helpers import ATTESTATIONS, NOW, council_policy

KEY = Ed25519PrivateKey.generate()
PUBLIC = base64.b64encode(KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def signed_policy() -> Policy:
    policy = council_policy()
    return dataclasses.replace(policy, recording=dataclasses.replace(
        policy.recording, attestation_public_key=PUBLIC))


def install(name: str = "fresh.json") -> Path:
    target = paths.attestation_file("linux")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ATTESTATIONS / name, target)
    return target


def sign(target: Path, key: Ed25519PrivateKey = KEY) -> Path:
    sig = target.with_name(paths.ATTESTATION_SIGNATURE_NAME)
    sig.write_text(base64.b64encode(key.sign(target.read_bytes())).decode() + "\n")
    return sig


def run(policy: Policy):
    ctx = Context(loaded=LoadedPolicy(policy), os_name="linux", runner=ProbeRunner(), now=NOW)
    [result] = run_checks([RecordingPolicyCheck()], ctx)
    return result


def test_signed_attestation_passes() -> None:
    sign(install())
    assert run(signed_policy()).status is Status.PASS


def test_key_set_and_no_signature_fails_with_the_reason() -> None:
    install()
    result = run(signed_policy())
    assert result.status is Status.FAIL and "signature file is missing" in result.summary


def test_forged_attestation_with_an_old_signature_fails() -> None:
    target = install()
    sign(target)
    target.write_text(target.read_text().replace("NoRecording", "NoRecordin9"))  # any edit
    result = run(signed_policy())
    assert result.status is Status.FAIL and "does not match" in result.summary


def test_signature_by_another_key_fails() -> None:
    sign(install(), Ed25519PrivateKey.generate())
    assert "does not match" in run(signed_policy()).summary


def test_garbage_signature_and_key_are_reasons_not_tracebacks() -> None:
    assert signature_problem(b"x", b"!!!", PUBLIC) == "its signature file is not base64"
    assert "Ed25519 signature" in (signature_problem(b"x", b"AAAA", PUBLIC) or "")
    assert "not a base64 Ed25519 key" in (signature_problem(b"x", b"AAAA", "QUJD") or "")


def test_without_a_key_no_signature_is_needed() -> None:
    install()
    assert run(council_policy()).status is Status.PASS


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="needs root to chown")
def test_attestation_a_user_could_write_is_ignored() -> None:
    target = install()
    os.chown(target, 65534, 65534)
    result = run(council_policy())
    assert result.status is Status.UNKNOWN and "ignored" in result.summary
    os.chown(target, 0, 0)
    target.chmod(0o666)
    assert "writable by group or others" in run(council_policy()).summary
    target.chmod(0o644)
    assert run(council_policy()).status is Status.PASS


def test_public_key_pattern_in_policy(tmp_path: Path) -> None:
    from devicecheck.policy.sources import file_layer

    path = tmp_path / "p.toml"
    path.write_text(f'[recording]\nattestation_public_key = "{PUBLIC}"\n')
    layer = file_layer(path, machine=False)
    assert layer is not None and not layer.errors
    path.write_text('[recording]\nattestation_public_key = "not a key"\n')
    layer = file_layer(path, machine=False)
    assert layer is not None and "recording.attestation_public_key" in str(layer.errors[0])
