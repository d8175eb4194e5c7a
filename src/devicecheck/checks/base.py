"""What a check is and what it returns.

A check *gathers* facts through probes (the only place commands, files or the registry are
touched) and *judges* them against policy in a pure function. The engine runs ``gather``
and ``judge`` under a timeout; anything that raises becomes ``unknown`` with the reason.
"""

from __future__ import annotations

import getpass
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, cast

from devicecheck.checks import registry
from devicecheck.checks.status import Status as Status  # re-exported: checks import it from here
from devicecheck.osinfo import OsName, current_os
from devicecheck.policy import LoadedPolicy, Policy, Severity
from devicecheck.probes.registry import RegistryReader, default_registry
from devicecheck.probes.runner import ProbeRunner
from devicecheck.probes.session import ConsoleUser, console_user, running_as_service

#: Words and symbols for each status, so no view ever relies on colour alone.
STATUS_WORDS: Mapping[Status, str] = {
    Status.PASS: "OK", Status.WARN: "Attention", Status.FAIL: "Problem",
    Status.UNKNOWN: "Unknown", Status.SKIP: "Not checked",
}
STATUS_SYMBOLS: Mapping[Status, str] = {
    Status.PASS: "[ok]", Status.WARN: "[!]", Status.FAIL: "[x]",
    Status.UNKNOWN: "[?]", Status.SKIP: "[-]",
}


@dataclass(frozen=True)
class Remediation:
    """What the officer can do, with an OS deep link where one exists.

    ``text`` is the officer's: plain words, no commands, file names or settings keys.
    ``it_detail`` is IT's (the script to run, the file to sign, the setting to fix); it is
    shown only behind the IT door (the report's IT section, "Copy report for IT", the
    JSON report), never in officer text (issue 19)."""

    text: str
    link: str | None = None
    it_detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text, "link": self.link}
        if self.it_detail:  # additive: absent when there is nothing for IT
            out["it_detail"] = self.it_detail
        return out


@dataclass(frozen=True)
class Verdict:
    """What ``judge`` returns; the engine adds id, title, severity and timing."""

    status: Status
    summary: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    remediation: Remediation | None = None


@dataclass(frozen=True)
class CheckResult:
    id: str
    title: str
    status: Status
    severity: Severity
    summary: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    remediation: Remediation | None = None
    duration_ms: int = 0

    @property
    def blocking(self) -> bool:
        """A required check that failed or could not tell stops the call."""
        return self.severity is Severity.REQUIRED and self.status in (Status.FAIL, Status.UNKNOWN)

    @property
    def needs_attention(self) -> bool:
        return not self.blocking and self.severity is not Severity.OFF and \
            self.status in (Status.WARN, Status.FAIL, Status.UNKNOWN)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "title": self.title, "status": self.status.value,
            "severity": self.severity.value, "summary": self.summary,
            "evidence": dict(self.evidence),
            "remediation": self.remediation.to_dict() if self.remediation else None,
            "duration_ms": self.duration_ms,
        }


@dataclass
class Context:
    """Everything a check may use. Tests build one with fakes for runner, registry and
    paths; production uses ``Context.default``."""

    loaded: LoadedPolicy
    os_name: OsName
    runner: ProbeRunner
    registry: RegistryReader | None = None
    home: Path = field(default_factory=Path.home)
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    root: Path = Path("/")  # where Linux probes read /etc, /proc…; a temp dir in tests
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    #: Running as SYSTEM (Windows) or root: per-user checks then judge ``console``, the
    #: user signed in at the console, or are skipped when nobody is (checks.per_user).
    service: bool = False
    console: ConsoleUser | None = None
    _memo: dict[str, _Once] = field(default_factory=dict, repr=False, compare=False)
    _memo_lock: threading.Lock = field(default_factory=threading.Lock, repr=False,
                                       compare=False)

    @property
    def policy(self) -> Policy:
        return self.loaded.policy

    def memo(self, key: str, factory: Callable[[], Any]) -> Any:
        """``factory()`` once per context, shared by the checks' threads: the first caller
        runs it, the others wait for its answer (one PowerShell per check run on Windows)."""
        with self._memo_lock:
            once = self._memo.setdefault(key, _Once())
        return once.get(factory)

    @property
    def account(self) -> str:
        try:
            return getpass.getuser()
        except (OSError, KeyError):
            return "unknown"

    @classmethod
    def default(cls, loaded: LoadedPolicy) -> Context:
        os_name = current_os()
        registry = default_registry() if os_name == "windows" else None
        service = running_as_service(os_name)
        return cls(loaded=loaded, os_name=os_name, runner=ProbeRunner(), registry=registry,
                   service=service,
                   console=console_user(os_name, registry=registry) if service else None)


class _Once:
    """A value computed once; an exception is kept and raised to every caller."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done = False
        self._value: Any = None
        self._error: BaseException | None = None

    def get(self, factory: Callable[[], Any]) -> Any:
        with self._lock:
            if not self._done:
                try:
                    self._value = factory()
                except Exception as exc:  # noqa: BLE001 - re-raised to every caller below
                    self._error = exc
                self._done = True
        if self._error is not None:
            raise self._error
        return self._value


class Check(ABC):
    """One requirement. Subclasses set ``id`` and implement the two halves; the title (and
    the rest of what other parts of the product need) comes from ``checks.registry``."""

    id: ClassVar[str]
    title: ClassVar[str]
    timeout_s: ClassVar[float] = 10.0
    #: Judges the signed-in user's settings, files or processes: run as SYSTEM/root, it
    #: judges the console user (and is skipped when nobody is signed in).
    per_user: ClassVar[bool] = False
    #: OS families this check applies to; elsewhere it is reported as ``skip``.
    platforms: ClassVar[tuple[OsName, ...]] = ("windows", "macos", "linux")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "id" in cls.__dict__ and "title" not in cls.__dict__:
            try:
                cls.title = registry.spec(cls.id).title
            except KeyError:  # a stand-in in tests, not a registered check
                cls.title = cls.id

    def applies(self, ctx: Context) -> bool:
        return ctx.os_name in self.platforms

    @abstractmethod
    def gather(self, ctx: Context) -> Mapping[str, Any]:
        """Collect facts through probes. May be slow; runs in a worker thread."""

    @abstractmethod
    def judge(self, facts: Mapping[str, Any], ctx: Context) -> Verdict:
        """Pure: facts + policy -> verdict. Never runs commands."""

    def with_contact(self, text: str, ctx: Context) -> str:
        """Append the IT contact for problems the officer cannot fix alone."""
        return f"{text} If you cannot fix this yourself, contact {ctx.policy.organisation.it_contact}."


_OS_FAMILIES: tuple[OsName, ...] = ("windows", "macos", "linux")


class PerOsCheck(Check):
    """A check gathered and judged differently on each OS family (the evidence differs in
    kind, not just in format). ``gather`` calls ``gather_<os>`` and ``judge`` calls
    ``judge_<os>`` for ``ctx.os_name``; an OS family without both halves is left out of
    ``platforms``, so the engine reports ``skip`` there and neither half runs. Two OS
    families judged alike simply share a method (``judge_macos = judge_linux = ...``)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "platforms" not in cls.__dict__:
            cls.platforms = tuple(os for os in _OS_FAMILIES
                                  if callable(getattr(cls, f"gather_{os}", None))
                                  and callable(getattr(cls, f"judge_{os}", None)))

    def _half(self, half: str, os_name: OsName) -> Callable[..., Any]:
        return cast(Callable[..., Any], getattr(self, f"{half}_{os_name}"))

    def gather(self, ctx: Context) -> Mapping[str, Any]:
        if not self.applies(ctx):
            return {"os": ctx.os_name}
        return cast(Mapping[str, Any], self._half("gather", ctx.os_name)(ctx))

    def judge(self, facts: Mapping[str, Any], ctx: Context) -> Verdict:
        if not self.applies(ctx):
            return Verdict(Status.SKIP, f"Not applicable on {ctx.os_name}.", {"os": ctx.os_name})
        return cast(Verdict, self._half("judge", ctx.os_name)(facts, ctx))


class Unavailable(Check):
    """Stands in for a check whose module failed to import: it reports ``unknown`` with
    the reason, so a broken install can never look like a pass."""

    title = "Check unavailable"

    def __init__(self, check_id: str, reason: str) -> None:
        self.id = check_id  # type: ignore[misc]
        self._reason = reason

    def gather(self, ctx: Context) -> Mapping[str, Any]:
        return {"error": self._reason}

    def judge(self, facts: Mapping[str, Any], ctx: Context) -> Verdict:
        return Verdict(Status.UNKNOWN, f"This check could not be loaded: {self._reason}", facts,
                       Remediation("DeviceCheck is not installed correctly. Contact "
                                   f"{ctx.policy.organisation.it_contact}.",
                                   it_detail=f"Reinstall DeviceCheck: {self._reason}"))
