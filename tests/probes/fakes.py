"""Stand-ins for the command runner and helpers to build contexts, shared by the probe
and check tests. ``FakeRunner`` answers from fixtures keyed by command line (or, for
PowerShell, by a cmdlet named in the script); anything unlisted is "not installed"."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from devicecheck.checks.base import Context
from devicecheck.osinfo import OsName
from devicecheck.policy import LoadedPolicy, Policy
from devicecheck.probes.registry import DictRegistry
from devicecheck.probes.runner import CommandResult, Outcome
from devicecheck.probes.session import ConsoleUser

FIXTURES = Path(__file__).parent.parent / "fixtures"


def ok(stdout: str, stderr: str = "") -> CommandResult:
    return CommandResult(("fake",), Outcome.OK, 0, stdout, stderr, 0.01)


def failed(code: int, stderr: str = "", stdout: str = "") -> CommandResult:
    return CommandResult(("fake",), Outcome.FAILED, code, stdout, stderr, 0.01)


def fixture(rel: str) -> str:
    # Bytes, not read_text: universal newlines would hide the CRLF variants from parsers.
    return (FIXTURES / rel).read_bytes().decode("utf-8")


def registry(*rels: str) -> DictRegistry:
    """A registry made of one or more JSON fixtures (``{"HKLM\\\\Key": {values}}``)."""
    data: dict[str, dict[str, object]] = {}
    for rel in rels:
        data.update(json.loads(fixture(rel)))
    return DictRegistry(data)


#: Per-section answers the fake folds into the one PowerShell document (FACTS_SCRIPT):
#: each fixture is the JSON one section of the script produces.
SECTIONS = {"Get-NetFirewallProfile": "firewall", "Win32_EncryptableVolume": "bitlocker",
            "Get-MpComputerStatus": "defender"}
LOCAL_FIREWALL = "Get-NetFirewallProfile (local store)"


class FakeRunner:
    """``answers`` maps a command line (``"dsregcmd /status"``), a program name, or for
    PowerShell a word in the script (``"Get-NetFirewallProfile"``) to a result or text.

    Every call is one process start (``calls``). The Windows facts script is answered
    with one JSON document assembled from the section answers, as the real script prints
    it: ``Get-NetFirewallProfile`` is the active store (also the local one unless
    ``LOCAL_FIREWALL`` is given), ``Win32_EncryptableVolume`` the BitLocker section,
    ``Get-MpComputerStatus`` Defender's; a ``manage-bde`` answer becomes the section's
    ``bde`` (its exit code only when given as a CommandResult, as -protectionaserrorlevel
    reports it). A failed section answer fails the whole PowerShell run."""

    def __init__(self, answers: Mapping[str, CommandResult | str]) -> None:
        self.answers = dict(answers)
        self.calls: list[tuple[str, ...]] = []

    def _facts(self, argv: tuple[str, ...]) -> CommandResult:
        doc: dict[str, object] = {"schema": 1}
        for key, section in SECTIONS.items():
            answer = self.answers.get(key)
            if answer is None:
                continue
            if isinstance(answer, CommandResult):
                if not answer.ok:
                    return CommandResult(argv, answer.outcome, answer.returncode, answer.stdout,
                                         answer.stderr, answer.duration_s)
                answer = answer.stdout
            data = json.loads(answer)
            if section == "firewall":
                local = self.answers.get(LOCAL_FIREWALL)
                data = {"active": data, "active_error": None,
                        "local": json.loads(local) if isinstance(local, str) else data}
            doc[section] = data
        bde = self.answers.get("manage-bde -status C:") or self.answers.get("manage-bde")
        if bde is not None and isinstance(doc.get("bitlocker"), dict):
            section_doc = dict(doc["bitlocker"])  # type: ignore[call-overload]
            if isinstance(bde, CommandResult):
                section_doc["bde"] = {"exit": bde.returncode, "text": bde.stdout + bde.stderr}
            else:
                section_doc["bde"] = {"exit": None, "text": bde}
            doc["bitlocker"] = section_doc
        return CommandResult(argv, Outcome.OK, 0, json.dumps(doc), "", 0.5)

    def run(self, argv: Sequence[str], *, timeout: float = 5.0, parse_locale: bool = True,
            input_text: str | None = None) -> CommandResult:
        from devicecheck.probes.windows import FACTS_MARKER

        argv = tuple(argv)
        self.calls.append(argv)
        assert timeout <= 10, "probes keep their commands short"
        if argv[0].startswith("powershell") and FACTS_MARKER in argv[-1] and \
                FACTS_MARKER not in self.answers:
            return self._facts(argv)
        line = " ".join(argv)
        for key, answer in self.answers.items():
            hit = key == line or key == argv[0] or (
                argv[0].startswith("powershell") and key in argv[-1])
            if hit:
                if isinstance(answer, str):
                    answer = ok(answer)
                return CommandResult(argv, answer.outcome, answer.returncode, answer.stdout,
                                     answer.stderr, answer.duration_s)
        return CommandResult(argv, Outcome.NOT_FOUND, None, "", "", 0.0)


def make_policy(**sections: Mapping[str, object]) -> LoadedPolicy:
    """A loaded policy with some section fields replaced, e.g.
    ``make_policy(organisation={"tenant_ids": ("…",)})``."""
    import dataclasses

    pol = Policy()
    changes = {name: dataclasses.replace(getattr(pol, name), **values)
               for name, values in sections.items()}
    return LoadedPolicy(policy=dataclasses.replace(pol, **changes),
                        sources=("defaults", "file:/etc/devicecheck/policy.toml"))


def make_ctx(os_name: OsName, *, runner: object | None = None, registry: object | None = None,
             loaded: LoadedPolicy | None = None, root: Path | None = None,
             home: Path | None = None, env: Mapping[str, str] | None = None,
             service: bool = False, console: ConsoleUser | None = None) -> Context:
    return Context(loaded=loaded or make_policy(), os_name=os_name,
                   runner=runner or FakeRunner({}),  # type: ignore[arg-type]
                   registry=registry,  # type: ignore[arg-type]
                   root=root or Path("/nonexistent-root"), home=home or Path("/nonexistent-home"),
                   env=dict(env or {}), service=service, console=console)
