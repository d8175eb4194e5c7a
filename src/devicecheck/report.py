"""The report: results plus device and policy context, rendered as text, JSON or the flat
object an Intune custom-compliance discovery script returns. The JSON shape is pinned."""

from __future__ import annotations

import json
import platform
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from devicecheck.checks.base import CheckResult, Status
from devicecheck.checks.registry import intune_setting_name
from devicecheck.osinfo import OsName
from devicecheck.oslog import OsLogStatus
from devicecheck.policy import LoadedPolicy
from devicecheck.ui.model.rows import Rows, rows
from devicecheck.verdict_words import Answer, VerdictWords, verdict_words

SCHEMA_VERSION = 1


class Overall(StrEnum):
    READY = "ready"
    NOT_READY = "not_ready"


@dataclass(frozen=True)
class Device:
    hostname: str
    os: OsName
    os_version: str

    @classmethod
    def current(cls, os_name: OsName) -> Device:
        if os_name == "macos":
            version = platform.mac_ver()[0] or platform.release()
        elif os_name == "windows":
            version = platform.version()
        else:
            version = platform.release()
        return cls(socket.gethostname(), os_name, version)


@dataclass(frozen=True)
class Report:
    device: Device
    loaded: LoadedPolicy
    checks: Sequence[CheckResult]
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    #: Whether audit records also reach the OS log (None: not asked, nothing shown).
    os_log: OsLogStatus | None = None
    #: When the current advisory problems were first seen (``advisory_dates``): the
    #: "fix by" date counts from it. None: from this report's time.
    advisory_since: datetime | None = None

    @property
    def overall(self) -> Overall:
        return Overall.NOT_READY if any(c.blocking for c in self.checks) else Overall.READY

    @property
    def blocking(self) -> list[CheckResult]:
        return [c for c in self.checks if c.blocking]

    @property
    def attention(self) -> list[CheckResult]:
        return [c for c in self.checks if c.needs_attention]

    def words(self) -> VerdictWords:
        """The officer's verdict line and problems (``verdict_words``): the same words in
        the tray, the report window, the pre-call window and this report's text."""
        return verdict_words(self.checks, self.loaded.policy,
                             settings_errors=bool(self.loaded.errors),
                             since=self.advisory_since or self.generated_at)

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in Status}
        for c in self.checks:
            out[c.status.value] += 1
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_VERSION,
            "generated_at": self.generated_at.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "device": {"hostname": self.device.hostname, "os": self.device.os,
                       "os_version": self.device.os_version},
            "policy": {"sources": list(self.loaded.sources),
                       "errors": [str(e) for e in self.loaded.errors]},
            "overall": self.overall.value,
            # Additive (issue 19): the officer's verdict line, as every view shows it.
            "verdict": self.words().to_dict(),
            "checks": [c.to_dict() for c in self.checks],
            # Additive (schema 1 readers ignore it): where IT's copy of the audit goes.
            **({"audit": {"os_log": self.os_log.to_dict()}} if self.os_log else {}),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, default=str)

    def to_intune(self) -> dict[str, str | int | bool]:
        """One flat object for Intune custom compliance: each setting a plain value."""
        flat: dict[str, str | int | bool] = {
            "SchemaVersion": SCHEMA_VERSION,
            "Overall": self.overall.value,
            "Ready": self.overall is Overall.READY,
            "PolicyErrors": len(self.loaded.errors),
            "BlockingCount": len(self.blocking),
            "AttentionCount": len(self.attention),
        }
        for c in self.checks:
            flat[intune_setting_name(c.id)] = c.status.value
        return flat

    def rows(self) -> Rows:
        """The results as the officer reads them (``ui.model.rows``): the same words in the
        report window, pre-call step 1 and this report's text."""
        policy = self.loaded.policy
        words = self.words()
        # Advisory problems block when the policy lets nobody continue past them.
        return rows(self.checks, advisory_blocks=not policy.notice.allow_advisory_continue,
                    due=words.due, contact=policy.organisation.it_contact)

    def to_text(self, *, it: bool = False) -> str:
        """The officer's part: the verdict line, when and where it was checked, the problems
        worst first (status word, fault phrase, why it blocks, what to do), then one line
        for the other checks and each of them. No check id, command, file name or evidence
        (issue 27). ``it``: add IT's part after a "For IT:" heading (the one door for
        technical words): each check's id, evidence summary, IT's remediation detail and
        settings link, the policy errors and sources, the recording safeguards and where
        the audit goes."""
        org = self.loaded.policy.organisation
        words = self.words()
        shown = self.rows()
        at = self.generated_at.astimezone()
        when = f"{at.day} {at:%b %Y %H:%M}"  # not "%-d": Windows' strftime has no "-" flag
        lines = [words.headline]
        if words.it_notice:
            lines.append(words.it_notice)
        lines.append(f"Checked {when} on {self.device.hostname}"
                     + (f" for {org.name}" if org.name else "") + ".")
        if shown.problems:
            # The tray's tooltip words: "Problems" under a "No", "To fix" otherwise.
            head = "Problems" if words.answer is Answer.NO else "To fix"
            lines += ["", f"{head}, worst first:"]
            for row in shown.problems:
                lines.append(f"  {row.look.text_symbol} {row.status}: {row.phrase}")
                for extra in (row.why, row.advice):
                    if extra:
                        lines.extend(_wrap(extra, "      "))
        if shown.others:
            lines += ["", f"{shown.others_line()}:"]
            lines.extend(f"  {r.look.text_symbol} {r.status}: {r.phrase}" for r in shown.others)
        if it:
            lines += ["", *self._it_lines()]
        return "\n".join(lines) + "\n"

    def _it_lines(self) -> list[str]:
        """IT's part of the text report: technical words are welcome here."""
        lines = ["For IT:",
                 f"  Device: {self.device.hostname} ({self.device.os} {self.device.os_version})"]
        for c in self.checks:
            lines.append(f"  {c.id} ({c.status.value}, {c.severity.value}): {c.summary}")
            if _needs_fix(c) and c.remediation:
                if c.remediation.it_detail:
                    lines.append(f"      IT detail: {c.remediation.it_detail}")
                if c.remediation.link:
                    lines.append(f"      Settings link: {c.remediation.link}")
        if self.loaded.errors:
            lines.append("  Policy errors:")
            lines.extend(f"    - {e}" for e in self.loaded.errors)
        lines.append(f"  Policy sources: {', '.join(self.loaded.sources)}")
        layers = next((c.evidence.get("layers") for c in self.checks
                       if c.id == "recorders"), None)
        if layers:
            # Which recording safeguards are in force here (issue 18: attestation,
            # recording software, the live watch of Teams' meeting window).
            from devicecheck.recording.layers import sentence

            lines.append(f"  {sentence(list(layers))}")
        if self.os_log is not None:
            lines.append(f"  {self.os_log.sentence()}")
        return lines


def _needs_fix(result: CheckResult) -> bool:
    return result.status in (Status.FAIL, Status.WARN, Status.UNKNOWN)


def _wrap(text: str, indent: str, width: int = 88) -> list[str]:
    """``text`` wrapped for a terminal, every line indented (under its row)."""
    import textwrap

    return textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=indent,
                         break_on_hyphens=False) or [indent.rstrip()]
